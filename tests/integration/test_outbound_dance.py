"""The consumer side of the 3-legged dance under bad input: every case gets a clear error and changes nothing.
A small local OAuth provider (Starlette) stands in where the remote must misbehave; the rest runs between two
real instances."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from applinks import AuthenticationNotConfigured, HostUser, InvalidInput
from applinks.domain.link import Link
from applinks.storage.outbound_tables import outbound_dances, outbound_tokens
from tests.integration.outbound_support import Browser, FakeProvider, oauth_pair, serve_fake, set_provider
from tests.support import InstanceFactory, LiveInstance

AUTHORIZE = "/plugins/servlet/applinks/oauth/login-dance/authorize"
ACCESS = "/plugins/servlet/applinks/oauth/login-dance/access"
FAKE_ID = "55555555-5555-3555-8555-555555555555"


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with serve_fake() as provider:
        yield provider


@pytest.fixture
def wiki(make_instance: InstanceFactory) -> LiveInstance:
    live = make_instance(name="Wiki")
    live.add_user("alice", "alice-pw")
    live.add_user("bob", "bob-pw")
    return live


def _link_to(wiki: LiveInstance, fake: FakeProvider, *, oauth: bool = True) -> str:
    admin = HostUser("admin", is_admin=True, is_sysadmin=True)
    wiki.instance.links.create(Link(FAKE_ID, "generic", "Fake", fake.url, fake.url), actor=admin)
    if oauth:
        assert set_provider(wiki, FAKE_ID, "oauth").status_code == 200
    return FAKE_ID


def _rows(live: LiveInstance, table: object) -> list[object]:
    with live.instance.engine.connect() as conn:
        return list(conn.execute(table.select()).all())  # type: ignore[attr-defined]


def _start(browser: Browser, wiki: LiveInstance, link_id: str, **params: str) -> str:
    started = browser.get(wiki.url + AUTHORIZE, params={"applicationLinkID": link_id, **params})
    assert started.status_code == 303, started.text
    return started.headers["location"]


def test_the_dance_with_a_local_provider_stores_the_token_and_signs_with_it(
    wiki: LiveInstance, fake: FakeProvider
) -> None:
    link_id = _link_to(wiki, fake)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        target = _start(browser, wiki, link_id, redirectUrl="/after")
        assert target == fake.url + "/plugins/servlet/oauth/authorize?oauth_token=rt-1"
        assert 'oauth_callback="' in fake.authorizations[0]
        back = browser.get(
            wiki.url + ACCESS, params={"applicationLinkID": link_id, "oauth_token": "rt-1", "oauth_verifier": "v"}
        )
        assert back.status_code == 303 and back.headers["location"] == wiki.url + "/after"
    finally:
        browser.close()
    assert 'oauth_verifier="v"' in fake.authorizations[1] and 'oauth_token="rt-1"' in fake.authorizations[1]
    held = wiki.instance.outgoing.tokens.get(link_id, "alice")
    assert held is not None and (held.token, held.secret) == ("at-1", "ats")
    assert _rows(wiki, outbound_dances) == []


def test_a_callback_with_a_request_token_not_stored_for_this_browser_changes_nothing(
    wiki: LiveInstance, fake: FakeProvider
) -> None:
    link_id = _link_to(wiki, fake)
    browser, stranger = Browser(), Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        _start(browser, wiki, link_id)
        forged = browser.get(
            wiki.url + ACCESS, params={"applicationLinkID": link_id, "oauth_token": "forged", "oauth_verifier": "v"}
        )
        assert forged.status_code == 403
        assert "not started in this browser" in forged.text
        # The right token from another browser session (CSRF on our own dance) is refused too.
        stranger.login(wiki, "alice", "alice-pw")
        other = stranger.get(
            wiki.url + ACCESS, params={"applicationLinkID": link_id, "oauth_token": "rt-1", "oauth_verifier": "v"}
        )
        assert other.status_code == 403
        assert fake.hits == ["request"]  # no access-token call was made
        assert _rows(wiki, outbound_tokens) == []
        assert len(_rows(wiki, outbound_dances)) == 1
        # The real dance is untouched and still completes.
        done = browser.get(
            wiki.url + ACCESS, params={"applicationLinkID": link_id, "oauth_token": "rt-1", "oauth_verifier": "v"}
        )
        assert done.status_code == 303
    finally:
        browser.close()
        stranger.close()
    assert [(r.user_name) for r in _rows(wiki, outbound_tokens)] == ["alice"]  # type: ignore[attr-defined]


def test_a_dance_started_by_one_user_and_finished_by_another_is_refused(
    make_instance: InstanceFactory, wiki: LiveInstance
) -> None:
    tracker = make_instance(name="Tracker")
    tracker.add_user("alice", "alice-pw")
    link_id = oauth_pair(wiki, tracker)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        authorize_url = _start(browser, wiki, link_id)
        decided = browser.approve(tracker, authorize_url)
        callback = decided.headers["location"]
        browser.logout(wiki)
        browser.login(wiki, "bob", "bob-pw")
        finished = browser.get(callback)
        assert finished.status_code == 403
        assert "started by another user" in finished.text
        assert _rows(wiki, outbound_tokens) == []
        assert len(_rows(wiki, outbound_dances)) == 1
    finally:
        browser.close()


def test_garbage_from_the_remote_to_the_request_token_call(wiki: LiveInstance, fake: FakeProvider) -> None:
    link_id = _link_to(wiki, fake)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        for mode, status, text in [
            ("garbage", 400, "did not answer the request-token call with an OAuth token"),
            ("html", 400, "did not answer the request-token call with an OAuth token"),
            ("error", 400, "oauth_problem=signature_invalid"),
        ]:
            fake.modes["request"] = mode
            answer = browser.get(wiki.url + AUTHORIZE, params={"applicationLinkID": link_id})
            assert answer.status_code == status, answer.text
            assert text in answer.text
            assert "location" not in answer.headers
    finally:
        browser.close()
    assert _rows(wiki, outbound_dances) == []
    assert _rows(wiki, outbound_tokens) == []


def test_garbage_from_the_remote_to_the_access_token_call(wiki: LiveInstance, fake: FakeProvider) -> None:
    link_id = _link_to(wiki, fake)
    fake.modes["access"] = "garbage"
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        _start(browser, wiki, link_id)
        answer = browser.get(
            wiki.url + ACCESS, params={"applicationLinkID": link_id, "oauth_token": "rt-1", "oauth_verifier": "v"}
        )
        assert answer.status_code == 400
        assert "did not answer the access-token call with an OAuth token" in answer.text
    finally:
        browser.close()
    assert _rows(wiki, outbound_tokens) == []


def test_denied_at_the_remote_forgets_the_dance(wiki: LiveInstance, fake: FakeProvider) -> None:
    link_id = _link_to(wiki, fake)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        _start(browser, wiki, link_id)
        answer = browser.get(wiki.url + ACCESS, params={"applicationLinkID": link_id, "oauth_token": "rt-1"})
        assert answer.status_code == 403
        assert "not granted" in answer.text
    finally:
        browser.close()
    assert fake.hits == ["request"]
    assert _rows(wiki, outbound_dances) == []
    assert _rows(wiki, outbound_tokens) == []


def test_a_redirect_url_off_this_application_is_refused_before_anything_happens(
    wiki: LiveInstance, fake: FakeProvider
) -> None:
    link_id = _link_to(wiki, fake)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        host = wiki.url.removeprefix("http://")
        for redirect in (
            "https://evil.test/",
            "//evil.test/x",
            "http://127.0.0.1:1/x",  # other port
            f"https://{host}/x",  # other scheme
            f"http://{host}@evil.test/",  # good@evil
            "/\\evil.test",
            "/\tevil.test",
            "javascript:x",
            "/" + "a" * 3000,  # very long
        ):
            answer = browser.get(wiki.url + AUTHORIZE, params={"applicationLinkID": link_id, "redirectUrl": redirect})
            assert answer.status_code == 400, redirect
            assert "location" not in answer.headers
    finally:
        browser.close()
    assert fake.hits == []
    assert _rows(wiki, outbound_dances) == []


def test_a_link_with_no_outgoing_authentication(wiki: LiveInstance, fake: FakeProvider) -> None:
    link_id = _link_to(wiki, fake, oauth=False)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        answer = browser.get(wiki.url + AUTHORIZE, params={"applicationLinkID": link_id})
        assert answer.status_code == 400
        assert "no outgoing 3-legged OAuth" in answer.text
        unknown = browser.get(wiki.url + AUTHORIZE, params={"applicationLinkID": "no-such-link"})
        assert unknown.status_code == 404
    finally:
        browser.close()
    assert fake.hits == []
    link = wiki.instance.application_links.get(link_id)
    # As the caller asked: anonymous by default, a clear error when authentication is required or named.
    assert link.request_factory(HostUser("alice")).provider.short == "anonymous"
    with pytest.raises(AuthenticationNotConfigured):
        link.request_factory(HostUser("alice"), allow_anonymous=False)
    with pytest.raises(AuthenticationNotConfigured):
        link.request_factory(HostUser("alice"), "oauth")
    with pytest.raises(InvalidInput, match="not an outgoing authentication provider"):
        link.request_factory(HostUser("alice"), "kerberos")


def test_not_logged_in_goes_to_the_login_page_first(wiki: LiveInstance, fake: FakeProvider) -> None:
    link_id = _link_to(wiki, fake)
    browser = Browser()
    try:
        answer = browser.get(wiki.url + AUTHORIZE, params={"applicationLinkID": link_id})
    finally:
        browser.close()
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [f"{AUTHORIZE}?applicationLinkID={link_id}"]
    assert fake.hits == []
