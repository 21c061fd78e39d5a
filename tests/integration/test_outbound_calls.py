"""Calls through a link between live instances: Basic, anonymous, URL rules, JSON helpers; a remote that hangs,
floods or redirects is cut off with a clear error; the provider REST, the user's grants and their page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from applinks import HostUser, InvalidInput, RemoteMoved, RemoteUnreachable, UnexpectedResponse, UnexpectedStatus
from applinks.domain.link import Link
from applinks.outbound.providers.names import BASIC, OAUTH, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION
from applinks.web.pages import STATIC_PATH
from tests.integration.outbound_support import Browser, FakeProvider, link, serve_fake, set_provider
from tests.security.outbound_servers import answer, flood, hang, redirect, serving
from tests.support import InstanceFactory, LiveInstance

WHOAMI = "/plugins/servlet/applinks/whoami"
SENTINEL = "Basic-Sentinel-90d1"
ADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)
XSS_NAME = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def wiki(make_instance: InstanceFactory) -> LiveInstance:
    live = make_instance(name="Wiki")
    live.add_user("alice", "alice-pw")
    live.add_user("editor", "editor-pw", admin=True)
    return live


@pytest.fixture
def tracker(make_instance: InstanceFactory) -> LiveInstance:
    live = make_instance(name="Tracker")
    live.add_user("svc", SENTINEL)
    return live


def test_basic_sends_the_stored_credentials(wiki: LiveInstance, tracker: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    answer_ = set_provider(wiki, link_id, "basic", username="svc", password=SENTINEL)
    assert answer_.status_code == 200, answer_.text
    assert SENTINEL not in answer_.text
    jira = wiki.instance.application_links.get(link_id)
    factory = jira.request_factory(HostUser("alice"))
    assert factory.provider is BASIC
    assert factory.get(WHOAMI).text == "svc"
    assert asyncio.run(_async_text(jira.async_request_factory(HostUser("alice")), WHOAMI)) == "svc"


async def _async_text(factory: object, url: str) -> str:
    response = await factory.get(url)  # type: ignore[attr-defined]
    return str(response.text)


def test_anonymous_reads_public_resources_with_the_json_helpers(wiki: LiveInstance, tracker: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    jira = wiki.instance.application_links.primary("refapp")
    assert jira.id == link_id
    factory = jira.request_factory()
    assert factory.provider.short == "anonymous"
    manifest = factory.get_json("/rest/applinks/1.0/manifest")
    assert manifest["id"] == tracker.application_id
    assert factory.get(WHOAMI).text == ""
    with pytest.raises(UnexpectedStatus) as refused:
        factory.get_json("/rest/applinks/2.0/applicationlink")
    assert refused.value.status_code == 401

    async def async_manifest() -> str:
        found = await jira.async_request_factory().get_json("rest/applinks/1.0/manifest")
        return str(found["id"])

    assert asyncio.run(async_manifest()) == tracker.application_id
    assert [found.id for found in wiki.instance.application_links.of_type("refapp")] == [link_id]


def test_an_absolute_url_to_another_origin_is_refused_and_never_sent(wiki: LiveInstance, tracker: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    factory = wiki.instance.application_links.get(link_id).request_factory()
    with serving(answer(200, b"canary"), host="127.0.0.2") as canary:
        for url in (f"{canary.url}/x", f"http://127.0.0.2:{tracker.url.rsplit(':', 1)[1]}/x", "//127.0.0.2/x"):
            with pytest.raises(InvalidInput, match="not on the RPC URL"):
                factory.get(url)
        assert canary.hits == []
    assert factory.get(tracker.url + WHOAMI).status_code == 200  # its own absolute URLs are fine


def _markup(html: str, static: str) -> tuple[list[str], list[str]]:
    """Scripts that are not the UI's own static files (inline, or from anywhere else) and event-handler
    attributes in a page (there must be none): the only script a page runs is the layout's, from ``static``."""
    found: tuple[list[str], list[str]] = ([], [])

    class Parser(HTMLParser):
        inside_script = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "script":
                self.inside_script = True
                src = dict(attrs).get("src") or ""
                if not src.startswith(static + "/") or ".." in src:
                    found[0].append(src or "inline script")
            found[1].extend(name for name, value in attrs if name.startswith("on") or "javascript:" in (value or ""))

        def handle_endtag(self, tag: str) -> None:
            if tag == "script":
                self.inside_script = False

        def handle_data(self, data: str) -> None:
            if self.inside_script and data.strip():
                found[0].append("inline script: " + data.strip()[:40])

    Parser().feed(html)
    return found


def _linked_to(wiki: LiveInstance, url: str, name: str = "Remote") -> Link:
    link_ = Link("66666666-6666-3666-8666-666666666666", "generic", name, url, url)
    return wiki.instance.links.create(link_, actor=ADMIN)


def test_a_remote_that_hangs_is_cut_off_with_a_clear_error(wiki: LiveInstance) -> None:
    with serving(hang) as remote:
        link_ = _linked_to(wiki, remote.url)
        factory = wiki.instance.application_links.get(link_.id).request_factory()
        started = time.monotonic()
        with pytest.raises(RemoteUnreachable) as cut:
            factory.get("/slow", timeout=1.0)
        assert time.monotonic() - started < 5
    assert cut.value.kind == "CONNECTION_TIMEOUT"
    assert "deadline" in cut.value.message
    assert remote.url + "/slow" in cut.value.message


def test_a_remote_that_sends_fifty_megabytes_is_cut_off(wiki: LiveInstance) -> None:
    with serving(flood(50)) as remote:
        link_ = _linked_to(wiki, remote.url)
        factory = wiki.instance.application_links.get(link_.id).request_factory()
        with pytest.raises(UnexpectedResponse, match="larger than 5242880 bytes"):
            factory.get("/big")

        async def go() -> None:
            await wiki.instance.application_links.get(link_.id).async_request_factory().get("/big")

        with pytest.raises(UnexpectedResponse, match="larger than"):
            asyncio.run(go())


def test_a_remote_that_redirects_is_reported_not_followed(wiki: LiveInstance) -> None:
    with serving(answer(200, b"canary"), host="127.0.0.2") as canary, serving(redirect(canary.url + "/")) as remote:
        link_ = _linked_to(wiki, remote.url)
        factory = wiki.instance.application_links.get(link_.id).request_factory()
        with pytest.raises(RemoteMoved) as moved:
            factory.get("/moved")
        assert moved.value.location == canary.url + "/"
        assert factory.get("/moved", return_redirects=True).status_code == 302
        assert canary.hits == []


def test_get_json_on_an_empty_body_is_a_typed_error_not_none(wiki: LiveInstance) -> None:
    """A document asked for and not given is the remote's fault; a PUT/POST may answer nothing (None)."""
    with serving(answer(200, b"")) as remote:
        link_ = _linked_to(wiki, remote.url)
        factory = wiki.instance.application_links.get(link_.id).request_factory()
        with pytest.raises(UnexpectedResponse, match="empty body where JSON was expected") as empty:
            factory.get_json("/empty")
        assert empty.value.key == "applinks.remote.empty_body"
        assert factory.put_json("/empty", json={}) is None

        async def go() -> None:
            await wiki.instance.application_links.get(link_.id).async_request_factory().get_json("/empty")

        with pytest.raises(UnexpectedResponse, match="empty body"):
            asyncio.run(go())


# -- REST ----------------------------------------------------------------------------------------------------
def test_provider_rest_shows_no_secrets_and_guards_impersonation(wiki: LiveInstance, tracker: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    path = f"/rest/applinks/2.0/applicationlink/{link_id}/authentication/provider"
    with wiki.client(auth=None) as anonymous, wiki.client(auth=("alice", "alice-pw")) as alice:
        assert anonymous.get(path).status_code == 401
        assert alice.get(path).status_code == 403
        assert alice.put(path, json={"provider": "oauth"}).status_code == 403
    with wiki.client(auth=("editor", "editor-pw")) as editor, wiki.client() as sysadmin:
        assert editor.get(path).json() == {
            "providers": [],
            "outgoing": {"enabled": False, "twoLoEnabled": False, "twoLoImpersonationEnabled": False},
            "level": "disabled",
        }
        for provider in ("oauth", TWO_LEGGED_OAUTH.class_name):
            assert editor.put(path, json={"provider": provider}).status_code == 200
        refused = editor.put(path, json={"provider": "2loi"})
        assert refused.status_code == 403
        assert sysadmin.put(path, json={"provider": "2loi"}).status_code == 200
        basic = sysadmin.put(path, json={"provider": "basic", "config": {"username": "svc", "password": SENTINEL}})
        assert basic.status_code == 200
        shown = sysadmin.get(path)
        assert SENTINEL not in shown.text
        assert shown.json()["level"] == "impersonation"
        assert [p["provider"] for p in shown.json()["providers"]] == [
            OAUTH.class_name,
            TWO_LEGGED_OAUTH.class_name,
            TWO_LEGGED_OAUTH_IMPERSONATION.class_name,
            BASIC.class_name,
        ]
        unknown = sysadmin.put(path, json={"provider": "kerberos"})
        assert unknown.status_code == 400 and unknown.json()["error"] == "applinks.provider.unknown"
        assert sysadmin.put(path, json={}).status_code == 400
        missing = sysadmin.get(
            "/rest/applinks/2.0/applicationlink/77777777-7777-3777-8777-777777777777/authentication/provider"
        )
        assert missing.status_code == 404
        # The OAuth area's GET …/authentication lists what we configured; the manifest says what we can send.
        listed = sysadmin.get(f"/rest/applinks-oauth/1.0/applicationlink/{link_id}/authentication").json()
        assert {p["provider"] for p in listed["configuredAuthProviders"]} >= {OAUTH.class_name, BASIC.class_name}
        manifest = sysadmin.get("/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}).json()
        for provider in (OAUTH, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION, BASIC):
            assert provider.class_name in manifest["outboundAuthenticationTypes"]
        assert sysadmin.put(path, json={"provider": "basic", "enabled": False}).status_code == 200
        assert BASIC.class_name not in sysadmin.get(path).text


# -- the user's grants ---------------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with serve_fake() as provider:
        yield provider


def _authorised(wiki: LiveInstance, fake: FakeProvider, browser: Browser, name: str = "Remote") -> str:
    link_ = _linked_to(wiki, fake.url, name)
    assert set_provider(wiki, link_.id, "oauth").status_code == 200
    browser.login(wiki, "alice", "alice-pw")
    start = browser.get(
        wiki.url + "/plugins/servlet/applinks/oauth/login-dance/authorize", params={"applicationLinkID": link_.id}
    )
    assert start.status_code == 303
    back = browser.get(
        wiki.url + "/plugins/servlet/applinks/oauth/login-dance/access",
        params={"applicationLinkID": link_.id, "oauth_token": "rt-1", "oauth_verifier": "v"},
    )
    assert back.status_code == 303
    return link_.id


def test_the_authorised_applications_page_lists_and_revokes_with_csrf(wiki: LiveInstance, fake: FakeProvider) -> None:
    browser = Browser()
    try:
        link_id = _authorised(wiki, fake, browser, name=XSS_NAME)
        page_url = wiki.url + "/plugins/servlet/applinks/oauth/authorised-applications"
        page = browser.get(page_url)
        assert page.status_code == 200
        # The link's name comes from a remote's manifest: shown escaped, never as markup.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert _markup(page.text, wiki.url + STATIC_PATH) == ([], [])
        assert "<script" in page.text  # the layout's own scripts: the check above did look at some
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        forged = browser.client.post(page_url + "/revoke", data={"applicationLinkID": link_id, "csrf": "forged"})
        assert forged.status_code == 403
        assert wiki.instance.outgoing.tokens.has(link_id, "alice")
        done = browser.client.post(page_url + "/revoke", data={"applicationLinkID": link_id, "csrf": csrf})
        assert done.status_code == 303
        assert not wiki.instance.outgoing.tokens.has(link_id, "alice")
        assert "not authorised any" in browser.get(page_url).text
    finally:
        browser.close()
    # Revoking told the remote, signed with the token being revoked.
    assert fake.hits[-1] == "revoke" and 'oauth_token="at-1"' in fake.authorizations[-1]


def test_grants_over_rest(wiki: LiveInstance, fake: FakeProvider) -> None:
    browser = Browser()
    try:
        link_id = _authorised(wiki, fake, browser)
    finally:
        browser.close()
    factory = wiki.instance.application_links.get(link_id).request_factory(HostUser("alice"))
    assert 'oauth_token="at-1"' in factory.get("/whoami").text
    with wiki.client(auth=("alice", "alice-pw")) as alice, wiki.client() as admin:
        listed = alice.get("/rest/applinks/2.0/authorised-applications").json()["applications"]
        assert [(g["linkId"], g["name"]) for g in listed] == [(link_id, "Remote")]
        assert admin.get("/rest/applinks/2.0/authorised-applications").json() == {"applications": []}
        assert admin.delete(f"/rest/applinks/2.0/authorised-applications/{link_id}").status_code == 404
        revoked = alice.delete(f"/rest/applinks/2.0/authorised-applications/{link_id}")
        assert revoked.json() == {"linkId": link_id, "revoked": True, "remoteTold": True}
        assert alice.get("/rest/applinks/2.0/authorised-applications").json() == {"applications": []}
