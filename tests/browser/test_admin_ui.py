"""The administration UI and user pages in a real browser (issue 12): Chromium drives Wiki and Tracker."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from applinks.auth.oauth2.models import digest
from applinks.services.wizard.model import CreateLinkRequest
from tests.browser.conftest import axe_violations, free_port_url, login, shot
from tests.integration.fake_remote import Answer, fake_remote
from tests.support import LiveInstance

# One worker runs the whole module (make pytest uses --dist loadgroup): one browser, one pair of instances.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ADMIN = "/plugins/servlet/applinks/listApplicationLinks"
LINKED_ACCOUNTS = "/plugins/servlet/applinks/oauth/authorised-applications"
ACCESS_TOKENS = "/plugins/servlet/oauth/users/access-tokens"
HOSTILE = "<img src=x onerror=alert(1)>"


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def _admin(live: LiveInstance) -> Any:
    user = live.instance.host.get_user("admin") if live.instance.host else None
    assert user is not None
    return user


def _levels(live: LiveInstance, link_id: str) -> tuple[dict[str, bool], dict[str, bool]]:
    instance = live.instance
    link = instance.links.get(link_id)
    return instance.oauth_consumers.level(link_id).to_json(), instance.outgoing.level(link)


def _start_wizard(page: Any, wiki: LiveInstance, url: str) -> None:
    page.goto(wiki.url + ADMIN)
    page.get_by_label("Application URL").fill(url)
    page.get_by_role("button", name="Create new link").click()


def test_login_errors_render_the_form_and_pages_share_one_layout(page: Any, wiki: LiveInstance) -> None:
    answer = page.request.post(
        wiki.url + "/login", form={"username": "u" * 100_000, "password": "x"}, headers={"Origin": wiki.url}
    )
    assert answer.status == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="login-error"' in answer.text() and "u" * 300 not in answer.text()

    page.goto(wiki.url + "/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect()(page.locator("#login-error")).to_have_text("The username or password is wrong.")
    shot(page, "login")
    page.console_errors.clear()  # the refused login itself was a 401
    login(page, wiki)
    response = page.goto(wiki.url + ADMIN)
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    for nav in ("Application links", "My linked accounts", "Authorized applications", "REST API"):
        expect()(page.get_by_role("navigation", name="Main").get_by_role("link", name=nav)).to_be_visible()
    expect()(page.locator("#nav-oauth2-grants")).to_be_visible()  # the instance has the OAuth 2.0 service
    session = next(c for c in page.context.cookies() if c["name"].startswith("applinks_session_"))
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert page.console_errors == []


def test_two_way_link_through_the_wizard_then_edit_and_delete_both_ends(
    page: Any, wiki: LiveInstance, tracker: LiveInstance
) -> None:
    login(page, wiki)
    page.goto(wiki.url + ADMIN)
    expect()(page.locator("#no-links")).to_be_visible()
    _start_wizard(page, wiki, tracker.url)

    expect()(page.get_by_role("heading", name="Found: Tracker")).to_be_visible()
    page.get_by_label("I am an administrator on both instances").check()
    page.get_by_label("Administrator username on Tracker").fill("admin")
    page.get_by_label("Password", exact=True).fill(tracker.admin[1])
    page.get_by_label("The servers have the same set of users").check()
    shot(page, "wizard")
    page.get_by_role("button", name="Create link").click()

    expect()(page.locator("#result-title")).to_have_text("Linked both ways with Tracker")
    shot(page, "wizard-result")
    assert wiki.instance.links.exists(tracker.application_id)
    assert tracker.instance.links.exists(wiki.application_id)

    page.get_by_role("link", name="Back to application links").click()
    row = page.locator(f'tr[data-link-id="{tracker.application_id}"]')
    expect()(row.get_by_text("Two-way")).to_be_visible()
    # The status comes from diagnostics run in the background; htmx swaps the stored result in.
    expect()(row.locator(f"#status-{tracker.application_id}")).to_have_text("CONNECTED")
    shot(page, "links")

    row.get_by_role("link", name="Diagnostics of Tracker").click()
    expect()(page.locator("#diagnostic-ok")).to_be_visible()
    expect()(page.get_by_role("cell", name="OAuth with impersonation").first).to_be_visible()
    shot(page, "diagnostics")

    # A call by impersonation shows in the link's audit log.
    link = wiki.instance.links.get(tracker.application_id)
    assert wiki.instance.outgoing.act_as(link, "admin").get("/plugins/servlet/applinks/whoami").text == "admin"
    page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{tracker.application_id}")
    expect()(page.locator("#audit-log")).to_contain_text("GET /plugins/servlet/applinks/whoami")

    # Authentication level on both ends: down to OAuth (users authorise themselves) …
    page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{tracker.application_id}")
    page.get_by_label("Incoming authentication").select_option("oauth")
    page.get_by_label("Outgoing authentication").select_option("oauth")
    page.get_by_label("Username on Tracker").fill("admin")
    page.get_by_label("Password", exact=True).fill(tracker.admin[1])
    page.get_by_role("button", name="Save authentication").click()
    expect()(page.locator("#flash")).to_contain_text("saved on both ends")
    shot(page, "link")
    oauth = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}
    assert _levels(wiki, tracker.application_id) == (oauth, oauth)
    assert _levels(tracker, wiki.application_id) == (oauth, oauth)
    # … and back to impersonation, which "delete both ends" then uses to delete Tracker's end as admin.
    page.get_by_label("Incoming authentication").select_option("impersonation")
    page.get_by_label("Outgoing authentication").select_option("impersonation")
    page.get_by_label("Username on Tracker").fill("admin")
    page.get_by_label("Password", exact=True).fill(tracker.admin[1])
    page.get_by_role("button", name="Save authentication").click()
    expect()(page.locator("#flash")).to_contain_text("saved on both ends")
    assert _levels(tracker, wiki.application_id)[0]["twoLoImpersonationEnabled"]

    page.get_by_role("link", name="Delete this link…").click()
    page.get_by_role("button", name="Delete both ends").click()
    expect()(page.locator("#flash")).to_contain_text("deleted on both ends")
    assert not wiki.instance.links.exists(tracker.application_id)
    assert not tracker.instance.links.exists(wiki.application_id)


def test_one_way_link_completed_from_the_other_side(page: Any, wiki: LiveInstance, tracker: LiveInstance) -> None:
    login(page, wiki)
    _start_wizard(page, wiki, tracker.url)
    page.get_by_role("button", name="Create link").click()  # not an administrator on both: one-way
    expect()(page.locator("#finish-one-way")).to_contain_text(wiki.url)
    assert not tracker.instance.links.exists(wiki.application_id)
    page.goto(wiki.url + ADMIN)
    expect()(page.locator(f'tr[data-link-id="{tracker.application_id}"]')).to_contain_text("No authentication")

    login(page, tracker)  # Tracker's admin completes it: a two-way link back reuses Wiki's end
    _start_wizard(page, tracker, wiki.url)
    page.get_by_label("I am an administrator on both instances").check()
    page.get_by_label("Administrator username on Wiki").fill("admin")
    page.get_by_label("Password", exact=True).fill(wiki.admin[1])
    page.get_by_role("button", name="Create link").click()
    expect()(page.locator("#result-title")).to_have_text("Linked both ways with Wiki")
    expect()(page.get_by_role("region", name="Wiki")).to_contain_text("updated")
    page.goto(wiki.url + ADMIN)
    expect()(page.locator(f'tr[data-link-id="{tracker.application_id}"]')).to_contain_text("Two-way")


def test_two_way_link_over_oauth2_through_the_wizard(page: Any, wiki: LiveInstance, tracker: LiveInstance) -> None:
    login(page, wiki)
    _start_wizard(page, wiki, tracker.url)
    page.get_by_label("I am an administrator on both instances").check()
    page.get_by_label("Administrator username on Tracker").fill("admin")
    page.get_by_label("Password", exact=True).fill(tracker.admin[1])
    page.get_by_label("Use OAuth 2.0 links instead of OAuth 1.0a").check()
    page.get_by_role("button", name="Create link").click()
    expect()(page.locator("#result-title")).to_have_text("Linked both ways with Tracker")
    expect()(page.get_by_role("region", name="Tracker")).to_contain_text("OAuth 2.0")
    shot(page, "wizard-result-oauth2")
    link = wiki.instance.links.get(tracker.application_id)
    assert wiki.instance.oauth2_outgoing.get(link.id) is not None  # Wiki calls Tracker over OAuth 2.0
    assert any(c.link_id == link.id for c in wiki.instance.oauth2_clients.all())  # and Tracker may call Wiki
    page.goto(wiki.url + ADMIN)
    expect()(page.locator(f'tr[data-link-id="{link.id}"]')).to_contain_text("Two-way")
    page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{link.id}")
    expect()(page.locator("#link-oauth2-clients")).to_be_visible()
    for live in (wiki, tracker):
        for client in live.instance.oauth2_clients.all():
            live.instance.oauth2_clients.delete(client.id)


def test_relocate_when_the_remote_moved(page: Any, wiki: LiveInstance) -> None:
    app_id = str(uuid.uuid4())
    with fake_remote() as remote:
        old = remote.serve_manifest("old", id=app_id, name="Bamboo", typeId="bamboo")
        login(page, wiki)
        _start_wizard(page, wiki, old)
        page.get_by_role("button", name="Create link").click()
        expect()(page.locator("#result-title")).to_have_text("Link to Bamboo created")
        # It moves: the old address redirects to the new one.
        new = remote.serve_manifest("new", id=app_id, name="Bamboo", typeId="bamboo", url=remote.app_url("new"))
        remote.answer("old", Answer(status=301, headers={"Location": new + "/rest/applinks/1.0/manifest"}))
        page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{app_id}/diagnostics")
        page.get_by_role("button", name="Check now").click()
        expect()(page.locator("#moved")).to_contain_text("seems to have moved")
        expect()(page.locator("#fix-steps li").first).to_be_visible()  # the advice comes with its fix steps
        shot(page, "diagnostics-error")
        page.goto(wiki.url + ADMIN)
        prompt = page.locator(".relocate-prompt")
        expect()(prompt).to_contain_text("Bamboo")
        expect()(prompt.get_by_label("New URL")).to_have_value(new)
        shot(page, "relocate-prompt")
        prompt.get_by_role("button", name="Relocate").click()
        expect()(page.locator("#flash")).to_contain_text(f"now points at {new}")
        expect()(page.locator(".relocate-prompt")).to_have_count(0)
    assert wiki.instance.links.get(app_id).rpc_url == new


def test_generic_link_with_manual_oauth(page: Any, wiki: LiveInstance) -> None:
    nowhere = free_port_url()
    login(page, wiki)
    _start_wizard(page, wiki, nowhere)
    expect()(page.locator("#wizard-generic")).to_contain_text("no response")
    page.get_by_label("Link name").fill("Legacy CRM")
    page.get_by_label("Consumer key").first.fill("crm-consumer")
    page.get_by_label("Consumer name").fill("Legacy CRM")
    page.get_by_label("Shared secret (HMAC-SHA1)").fill("incoming-secret")
    page.get_by_label("Consumer key").nth(1).fill("wiki-at-crm")
    page.locator("#f-out_shared_secret").fill("outgoing-secret")
    page.get_by_label("Request token URL").fill("/oauth/request-token")
    page.get_by_label("Access token URL").fill("/oauth/access-token")
    page.get_by_label("Authorize URL").fill("/oauth/authorize")
    shot(page, "wizard-generic")
    page.get_by_role("button", name="Create generic link").click()
    expect()(page.locator("#result-title")).to_have_text("Link to Legacy CRM created")
    page.get_by_role("link", name="Configure Legacy CRM").click()
    expect()(page.locator("#consumer-details")).to_contain_text("crm-consumer")
    link = next(link for link in wiki.instance.links.list() if link.name == "Legacy CRM")
    consumer = wiki.instance.oauth_consumers.for_link(link.id)
    assert consumer is not None and consumer.key == "crm-consumer"


def test_user_authorises_through_the_oauth_page_then_revokes(
    page: Any, wiki: LiveInstance, tracker: LiveInstance
) -> None:
    for live in (wiki, tracker):
        if live.instance.host and live.instance.host.get_user("alice") is None:
            live.add_user("alice", "alice-pw")
    request = CreateLinkRequest(
        url=tracker.url, two_way=True, remote_username="admin", remote_password=tracker.admin[1], same_users=False
    )
    assert wiki.instance.wizard.create(request, actor=_admin(wiki)).authentication_complete

    login(page, wiki, ("alice", "alice-pw"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My linked accounts").click()
    page.get_by_role("link", name="Authenticate with Tracker").click()
    shot(page, "authenticate-with")
    page.get_by_role("link", name="Authenticate with Tracker").click()
    page.wait_for_url(re.compile(re.escape(tracker.url) + "/login.*"))  # Tracker asks alice to log in first
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-pw")
    page.get_by_role("button", name="Log in").click()
    expect()(page.locator("#consumer-name")).to_have_text("Wiki")
    shot(page, "oauth-authorize")
    page.get_by_role("button", name="Allow").click()

    page.wait_for_url(re.compile(re.escape(wiki.url + LINKED_ACCOUNTS) + ".*"))
    expect()(page.locator("#notice")).to_contain_text("may now call Tracker")
    shot(page, "linked-accounts")
    page.goto(tracker.url + ACCESS_TOKENS)
    expect()(page.locator("#access-tokens")).to_contain_text("Wiki")
    shot(page, "authorized-applications")

    page.goto(wiki.url + LINKED_ACCOUNTS)
    page.get_by_role("button", name="Revoke Tracker").click()
    expect()(page.locator("#linked-accounts")).to_have_count(0)
    assert not wiki.instance.outgoing.tokens.has(tracker.application_id, "alice")
    page.goto(tracker.url + ACCESS_TOKENS)
    expect()(page.locator("#access-tokens")).to_have_count(0)  # the remote was told, and revoked it too


def test_user_allows_an_oauth2_application_on_the_consent_page_then_revokes_it(page: Any, wiki: LiveInstance) -> None:
    if wiki.instance.host and wiki.instance.host.get_user("alice") is None:
        wiki.add_user("alice", "alice-pw")
    callback = "http://127.0.0.1:9/callback"  # never reached: the browser's request is answered by the test
    issued = wiki.instance.oauth2_clients.create("Build bot", [callback], "WRITE", user_key="admin")
    page.route(callback + "**", lambda route: route.fulfill(status=200, body="callback reached"))
    login(page, wiki, ("alice", "alice-pw"))
    query = f"response_type=code&client_id={issued.client.client_id}&redirect_uri={callback}&state=s1&scope=READ"
    page.goto(f"{wiki.url}/rest/oauth2/latest/authorize?{query}")
    expect()(page.locator("#client-name")).to_have_text("Build bot")
    shot(page, "oauth2-consent")
    with page.expect_request(re.compile(re.escape(callback) + r"\?code=.*state=s1")) as reached:
        page.get_by_role("button", name="Allow").click()  # the CSP's form-action lets this redirect through
    code = parse_qs(urlsplit(reached.value.url).query)["code"][0]
    token = httpx2.post(
        wiki.url + "/rest/oauth2/latest/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": callback},
        auth=(issued.client.client_id, issued.secret),
        trust_env=False,
    )
    assert token.status_code == 200, token.text
    page.goto(wiki.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="OAuth 2.0 access").click()
    expect()(page.locator("#applications")).to_contain_text("Build bot")
    page.get_by_role("button", name="Revoke").click()
    expect()(page.locator("#applications")).to_have_count(0)


def test_a_hostile_remote_name_shows_as_text(page: Any, wiki: LiveInstance) -> None:
    app_id = str(uuid.uuid4())
    with fake_remote() as remote:
        url = remote.serve_manifest("evil", id=app_id, name=HOSTILE, url="javascript:alert(2)")
        login(page, wiki)
        _start_wizard(page, wiki, url)
        expect()(page.get_by_role("heading", name=f"Found: {HOSTILE}")).to_be_visible()
        expect()(page.locator("#url-warning")).to_contain_text("not an http(s) URL")
        page.get_by_label(f"Continue with {url}").check()
        page.get_by_role("button", name="Create link").click()
        expect()(page.locator("#result-title")).to_have_text(f"Link to {HOSTILE} created")
        page.goto(wiki.url + ADMIN)
        row = page.locator(f'tr[data-link-id="{app_id}"]')
        expect()(row.locator("a.name")).to_have_text(HOSTILE)
        assert row.locator("img[src=x]").count() == 0
        assert page.locator('a[href^="javascript:"]').count() == 0
        page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{app_id}")
        expect()(page.get_by_role("heading", level=1)).to_have_text(HOSTILE)
    assert page.dialogs == []  # and the fixture fails the test on any dialog


def test_posts_without_the_csrf_token_or_from_another_origin_are_refused(
    page: Any, wiki: LiveInstance, tracker: LiveInstance
) -> None:
    request = CreateLinkRequest(url=tracker.url)
    wiki.instance.wizard.create(request, actor=_admin(wiki))
    login(page, wiki)
    target = f"{wiki.url}/plugins/servlet/applinks/link/{tracker.application_id}/delete"
    refused = page.request.post(target, form={"both_ends": ""}, headers={"Origin": wiki.url})
    assert refused.status == 403 and "expired or did not come from this site" in refused.text()
    page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{tracker.application_id}/delete")
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    foreign = page.request.post(target, form={"csrf": token or ""}, headers={"Origin": "http://evil.example"})
    assert foreign.status == 403
    wizard = page.request.post(
        wiki.url + "/plugins/servlet/applinks/wizard/create", form={"url": tracker.url}, headers={"Origin": wiki.url}
    )
    assert wizard.status == 403
    assert wiki.instance.links.exists(tracker.application_id)
    # GET never changes anything: the delete URL only shows the confirmation.
    page.goto(target)
    assert wiki.instance.links.exists(tracker.application_id)
    page.get_by_role("button", name="Delete this end only").click()
    expect()(page.locator("#flash")).to_contain_text("deleted the link to Tracker")


def test_incoming_oauth2_client_secret_shown_once_with_copy_buttons_then_reset(page: Any, wiki: LiveInstance) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=wiki.url)
    login(page, wiki)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="OAuth 2.0 clients").click()
    expect()(page.locator("#no-clients")).to_be_visible()
    page.get_by_label("Application name").fill("Build bot")
    page.get_by_label("Redirect URLs").fill("http://127.0.0.1:9/callback")
    page.get_by_label("READ", exact=False).first.check()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Add client").click()
    assert answer.value.status == 201 and answer.value.headers["cache-control"] == "no-store"
    expect()(page.get_by_role("heading", level=1)).to_have_text("Build bot can now use OAuth 2.0")
    client_id = page.locator("#client-id").inner_text()
    secret = page.locator("#client-secret").inner_text()
    record = wiki.instance.oauth2_clients.by_client_id(client_id)
    assert record.secret_hash == digest(secret) and record.scope == "READ WRITE"
    page.get_by_role("button", name="Copy the client secret").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot(page, "oauth2-secret")

    page.get_by_role("link", name="Done").click()
    row = page.locator(f'tr[data-client="{client_id}"]')
    expect()(row).to_contain_text("Build bot")
    assert secret not in page.content()  # shown once only
    shot(page, "oauth2-clients")
    row.get_by_role("button", name="Reset the secret of Build bot").click()
    expect()(page.get_by_role("heading", level=1)).to_have_text("New client secret for Build bot")
    new_secret = page.locator("#client-secret").inner_text()
    assert new_secret != secret
    assert wiki.instance.oauth2_clients.by_client_id(client_id).secret_hash == digest(new_secret)
    page.get_by_role("link", name="Done").click()
    page.locator(f'tr[data-client="{client_id}"]').get_by_role("button", name="Delete Build bot").click()
    expect()(page.locator("#flash")).to_contain_text("deleted the OAuth 2.0 client Build bot")
    assert wiki.instance.oauth2_clients.all() == []


def test_outgoing_oauth2_on_a_link_page(page: Any, wiki: LiveInstance, tracker: LiveInstance) -> None:
    wiki.instance.wizard.create(CreateLinkRequest(url=tracker.url), actor=_admin(wiki))
    link = wiki.instance.links.get(tracker.application_id)
    login(page, wiki)
    page.goto(f"{wiki.url}/plugins/servlet/applinks/link/{link.id}#oauth2-outgoing")
    before = page.locator("#oauth2-redirect").inner_text()
    assert before == wiki.instance.oauth2_outgoing.redirect_url_for(link)  # what to register, before anything
    page.get_by_label("Provider", exact=True).select_option("atlassian")
    page.get_by_label("Client ID", exact=True).fill("wiki-at-tracker")
    page.locator("#o2-client-secret").fill("s3cret-from-tracker")
    page.locator("#o2-scope").fill("WRITE")
    page.get_by_role("button", name="Save outgoing OAuth 2.0").click()
    expect()(page.locator("#flash")).to_contain_text("register the redirect URL")
    config = wiki.instance.oauth2_outgoing.get(link.id)
    assert config is not None and config.client_id == "wiki-at-tracker" and config.scope == "WRITE"
    assert config.token_url.startswith(tracker.url)  # the Atlassian preset derives the endpoints
    expect()(page.locator("#oauth2-redirect")).to_have_text(config.redirect_url)
    assert "s3cret-from-tracker" not in page.content()
    shot(page, "link-oauth2-outgoing")
    page.get_by_role("button", name="Remove outgoing OAuth 2.0").click()
    expect()(page.locator("#flash")).to_contain_text("removed")
    assert wiki.instance.oauth2_outgoing.get(link.id) is None


def test_pages_pass_the_accessibility_check(page: Any, wiki: LiveInstance, tracker: LiveInstance) -> None:
    request = CreateLinkRequest(
        url=tracker.url, two_way=True, remote_username="admin", remote_password=tracker.admin[1], same_users=True
    )
    wiki.instance.wizard.create(request, actor=_admin(wiki))
    page.goto(wiki.url + "/login")
    found = {"login": axe_violations(page)}
    login(page, wiki)
    link = f"{wiki.url}/plugins/servlet/applinks/link/{tracker.application_id}"
    for name, path in {
        "home": wiki.url + "/",
        "links": wiki.url + ADMIN,
        "wizard": wiki.url + "/plugins/servlet/applinks/wizard",
        "link": link,
        "diagnostics": link + "/diagnostics",
        "delete": link + "/delete",
        "linked-accounts": wiki.url + LINKED_ACCOUNTS,
        "authorized-applications": wiki.url + ACCESS_TOKENS,
        "oauth2-clients": wiki.url + "/plugins/servlet/applinks/oauth2/clients",
        "oauth2-access": wiki.url + "/plugins/servlet/oauth2/authorized-applications",
    }.items():
        page.goto(path)
        found[name] = axe_violations(page)
    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the table becomes cards
    page.goto(wiki.url + ADMIN)
    shot(page, "links-narrow")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert {name: v for name, v in found.items() if v} == {}


def test_api_docs_are_served_from_this_instance(page: Any, wiki: LiveInstance) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(wiki.url + "/rest/applinks/docs")
    expect()(page.locator(".swagger-ui .info .title")).to_contain_text("applinks")
    shot(page, "api-docs")
    assert requested and all(url.startswith((wiki.url, "data:")) for url in requested), requested
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
    assert httpx2.get(wiki.url + "/plugins/servlet/applinks/static/htmx.min.js", trust_env=False).status_code == 200
