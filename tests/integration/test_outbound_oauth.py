"""Calling a linked application over OAuth 1.0a between two live instances: the 3-legged dance driven over
HTTP by a logged-in browser, calls as that user (sync and async), 2LO as the executing user, 2LOi as the
current user, acting as a service user, CredentialsRequired and a token revoked on the remote."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from applinks import CredentialsRequired, HostUser, ImpersonationNotAllowed
from applinks.outbound.calls import SignedCalls
from applinks.services.calls import request_as
from applinks.storage.outbound_tables import outbound_tokens
from tests.integration.outbound_support import Browser, dance, oauth_pair
from tests.support import InstanceFactory, LiveInstance

WHOAMI = "/plugins/servlet/applinks/whoami"


@pytest.fixture
def pair(make_instance: InstanceFactory) -> tuple[LiveInstance, LiveInstance]:
    wiki = make_instance(name="Wiki")
    tracker = make_instance(name="Tracker")
    for live in (wiki, tracker):
        live.add_user("alice", "alice-pw")
        live.add_user("bob", "bob-pw")
    return wiki, tracker


def _stored_token_rows(live: LiveInstance) -> list[tuple[str, str, str]]:
    with live.instance.engine.connect() as conn:
        rows = conn.execute(outbound_tokens.select()).all()
    return [(r.link_id, r.user_name, r.token) for r in rows]


def test_three_legged_dance_then_calls_as_that_user(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    link_id = oauth_pair(wiki, tracker)
    jira = wiki.instance.application_links.get(link_id)
    alice = HostUser("alice")

    with pytest.raises(CredentialsRequired) as needed:
        jira.request_factory(alice).get(WHOAMI)
    uri = needed.value.authorisation_uri(callback=wiki.url + "/after")
    parts = urlsplit(uri)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        wiki.url + "/plugins/servlet/applinks/oauth/login-dance/authorize"
    )
    assert parse_qs(parts.query) == {"applicationLinkID": [link_id], "redirectUrl": [wiki.url + "/after"]}

    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        back = dance(browser, wiki, tracker, link_id, redirect_url="/after")
        assert back.status_code == 303, back.text
        assert back.headers["location"] == wiki.url + "/after"
        page = browser.get(wiki.url + "/plugins/servlet/applinks/oauth/authorised-applications")
        assert page.status_code == 200
        assert "Tracker" in page.text
    finally:
        browser.close()

    # The token is stored for (link, alice), encrypted: its plaintext is nowhere in the row.
    rows = _stored_token_rows(wiki)
    assert [(r[0], r[1]) for r in rows] == [(link_id, "alice")]
    held = wiki.instance.outgoing.tokens.get(link_id, "alice")
    assert held is not None and held.token not in rows[0][2]

    factory = jira.request_factory(alice)
    assert factory.provider.short == "oauth"
    assert factory.get(WHOAMI).text == "alice"

    async def call_async() -> str:
        return (await jira.async_request_factory(alice).get(WHOAMI)).text

    assert asyncio.run(call_async()) == "alice"
    # Bob has not authorised: he is asked to, alice's token is not used for him.
    with pytest.raises(CredentialsRequired):
        jira.request_factory(HostUser("bob")).get(WHOAMI)


def test_a_token_revoked_on_the_remote_asks_for_credentials_again(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    link_id = oauth_pair(wiki, tracker)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        assert dance(browser, wiki, tracker, link_id).status_code == 303
        # Alice revokes the token on Tracker's own "access tokens" page.
        issued = tracker.instance.oauth_provider.tokens.access_tokens_of("alice")
        assert len(issued) == 1
        page = browser.get(tracker.url + "/plugins/servlet/oauth/users/access-tokens")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        revoked = browser.client.post(
            tracker.url + "/plugins/servlet/oauth/users/access-tokens",
            data={"token_id": str(issued[0]["id"]), "csrf": csrf},
            headers={"Origin": tracker.url},
        )
        assert revoked.status_code == 303, revoked.text
    finally:
        browser.close()
    jira = wiki.instance.application_links.get(link_id)
    with pytest.raises(CredentialsRequired) as needed:
        jira.request_factory(HostUser("alice")).get(WHOAMI)
    assert needed.value.authorisation_uri().endswith(f"applicationLinkID={link_id}")
    assert _stored_token_rows(wiki) == []


def test_revoking_on_the_consumer_side_tells_the_remote(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    link_id = oauth_pair(wiki, tracker)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        assert dance(browser, wiki, tracker, link_id).status_code == 303
        assert len(tracker.instance.oauth_provider.tokens.access_tokens_of("alice")) == 1
        revoked = browser.client.delete(
            f"{wiki.url}/rest/applinks/2.0/authorised-applications/{link_id}",
            headers={"X-Atlassian-Token": "no-check"},
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json() == {"linkId": link_id, "revoked": True, "remoteTold": True}
    finally:
        browser.close()
    assert tracker.instance.oauth_provider.tokens.access_tokens_of("alice") == []
    assert _stored_token_rows(wiki) == []


def test_a_consumer_can_revoke_only_with_an_access_token(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    link_id = oauth_pair(wiki, tracker, providers=("2lo",), two_lo=True, executing_user="bob")
    jira = wiki.instance.application_links.get(link_id)
    refused = jira.request_factory(HostUser("alice"), provider="2lo").post("/plugins/servlet/oauth/revoke", data={})
    assert refused.status_code == 400
    assert "oauth_problem=parameter_absent" in refused.text


def test_two_legged_runs_as_the_executing_user(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    link_id = oauth_pair(wiki, tracker, providers=("2lo",), two_lo=True, executing_user="bob")
    jira = wiki.instance.application_links.get(link_id)
    factory = jira.request_factory(HostUser("alice"))
    assert factory.provider.short == "2lo"
    assert factory.get(WHOAMI).text == "bob"

    async def call_async() -> str:
        return (await jira.async_request_factory(HostUser("alice")).get(WHOAMI)).text

    assert asyncio.run(call_async()) == "bob"
    # Without a user, the choice is anonymous (protocol.md §5.4) unless authentication is required.
    assert jira.request_factory(None).get(WHOAMI).text == ""
    assert jira.request_factory(None, allow_anonymous=False).get(WHOAMI).text == "bob"
    # The ports other areas use: diagnostics' 2LO probe and user GET, the lifecycle's request as a user.
    calls = SignedCalls(wiki.instance.outgoing)
    assert calls.two_legged_get(jira.link, tracker.url + WHOAMI).text == "bob"
    assert calls.user_get(jira.link, HostUser("alice"), WHOAMI).text == "bob"
    assert request_as(wiki.instance.outgoing, jira.link, HostUser("alice"), "GET", WHOAMI).status_code == 200


def test_two_legged_with_impersonation_runs_as_the_current_user_and_is_audited(
    pair: tuple[LiveInstance, LiveInstance],
) -> None:
    wiki, tracker = pair
    link_id = oauth_pair(wiki, tracker, providers=("oauth", "2lo", "2loi"), two_lo=True, impersonation=True)
    jira = wiki.instance.application_links.get(link_id)
    factory = jira.request_factory(HostUser("alice"))
    assert factory.provider.short == "2loi"
    assert factory.get(WHOAMI).text == "alice"

    async def call_async() -> str:
        return (await jira.async_request_factory(HostUser("bob")).get(WHOAMI)).text

    assert asyncio.run(call_async()) == "bob"
    entries = wiki.instance.outgoing.audit.entries(link_id)
    assert [(e.local_user, e.acting_as, e.provider, e.method, e.path, e.status) for e in entries] == [
        ("bob", "bob", "2loi", "GET", WHOAMI, 200),
        ("alice", "alice", "2loi", "GET", WHOAMI, 200),
    ]


def test_acting_as_a_service_user_is_audited_and_needs_impersonation(
    pair: tuple[LiveInstance, LiveInstance],
) -> None:
    wiki, tracker = pair
    tracker.add_user("deployment", "unused-pw", admin=True)
    link_id = oauth_pair(wiki, tracker, providers=("oauth", "2lo"), two_lo=True, impersonation=True)
    jira = wiki.instance.application_links.get(link_id)
    # OAuth without impersonation on our side: acting as someone else is refused before any call.
    with pytest.raises(ImpersonationNotAllowed):
        jira.act_as("deployment")
    assert wiki.instance.outgoing.audit.entries(link_id) == []

    admin = HostUser("admin", is_admin=True, is_sysadmin=True)
    wiki.instance.outgoing.set_level(jira.link, "impersonation", admin)
    factory = jira.act_as("deployment", local_user=HostUser("alice"))
    assert factory.get(WHOAMI).text == "deployment"
    [entry] = wiki.instance.outgoing.audit.entries(link_id)
    assert (entry.local_user, entry.acting_as, entry.provider, entry.path, entry.status) == (
        "alice",
        "deployment",
        "2loi",
        WHOAMI,
        200,
    )
    with wiki.client() as client:
        listed = client.get("/rest/applinks/2.0/outgoing/audit", params={"linkId": link_id}).json()
    assert [e["actingAs"] for e in listed["entries"]] == ["deployment"]
