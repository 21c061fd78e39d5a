"""Outgoing OAuth 2.0 links between two live instances (seed 003 by copy-paste): Wiki calls Tracker as a
user after the user authorised it (code + PKCE through Atlassian's callback form), tokens are refreshed
before they expire (one refresh for many concurrent callers on two nodes), ``CredentialsRequired`` before consent, and
JWT bearer impersonation with the token cached between calls."""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sqlalchemy import func, select, update

from applinks.auth.oauth2.client import callback_path
from applinks.domain.link import Link
from applinks.errors import CredentialsRequired
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.outbound.providers.names import OAUTH2, OAUTH2_IMPERSONATION
from applinks.storage.oauth2_tables import oauth2_outgoing_tokens, oauth2_tokens
from tests.integration.oauth2_support import WHOAMI, Registered, consent
from tests.support import InstanceFactory, LiveInstance

ADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)
OURS = "/rest/applinks-oauth2/latest"


def _link(wiki: LiveInstance, tracker: LiveInstance) -> Link:
    link = Link(
        id=tracker.application_id, type_id="refapp", name="Tracker", display_url=tracker.url, rpc_url=tracker.url
    )
    wiki.instance.links.create(link, actor=ADMIN)
    return wiki.instance.links.get(link.id)


def _pair(make_instance: InstanceFactory, *, impersonation: bool = False) -> tuple[LiveInstance, LiveInstance, Link]:
    tracker = make_instance(name="Tracker", oauth2_allow_http=True)
    wiki = make_instance(name="Wiki", oauth2_allow_http=True)
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    link = _link(wiki, tracker)
    with wiki.client() as admin:
        redirect = admin.get(f"{OURS}/outgoing/{link.id}").json()["redirectUrl"]
    # The copy-paste of seed 003: Tracker's incoming link for Wiki's redirect URL, Wiki's outgoing link with
    # the client ID and secret Tracker issued.
    assert redirect == wiki.url + callback_path(tracker.url + "/rest/oauth2/latest/authorize")
    with tracker.client() as admin:
        created = admin.post(
            "/rest/oauth2/latest/client", json={"name": "Wiki", "redirects": [redirect], "scope": "WRITE"}
        ).json()
        client = Registered(created["id"], created["clientId"], created["clientSecret"])
        if impersonation:
            jwt = {"issuer": wiki.application_id, "publicKey": wiki.instance.identity.key.public_pem, "sameUsers": True}
            assert admin.put(f"{OURS}/incoming/{client.id}/jwt-bearer", json=jwt).status_code == 200
    with wiki.client() as admin:
        body = {"kind": "atlassian", "clientId": client.client_id, "clientSecret": client.secret, "scope": "WRITE"}
        configured = admin.put(f"{OURS}/outgoing/{link.id}", json={**body, "impersonation": impersonation})
    assert configured.status_code == 200, configured.text
    assert configured.json()["redirectUrl"] == redirect and "clientSecret" not in configured.json()
    return tracker, wiki, link


def _authorise(wiki: LiveInstance, tracker: LiveInstance, authorisation_uri: str) -> None:
    """Alice in her browser: Wiki's start page sends her to Tracker, she allows, Tracker sends her back."""
    with httpx2.Client(base_url=wiki.url, trust_env=False) as at_wiki:
        at_wiki.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        start = at_wiki.get(authorisation_uri)
        assert start.status_code == 303 and start.headers["location"].startswith(tracker.url), start.text
        assert parse_qs(urlsplit(start.headers["location"]).query)["code_challenge_method"] == ["S256"]
        back = consent(tracker, start.headers["location"], "alice")
        assert back.status_code == 303 and back.headers["location"].startswith(wiki.url)
        done = at_wiki.get(back.headers["location"])
    assert done.status_code == 200 and "Access granted" in done.text


def _whoami(wiki: LiveInstance, link: Link, provider: object = None) -> str:
    factory = wiki.instance.outgoing.request_factory(link, "alice", provider)  # type: ignore[arg-type]
    return factory.get(WHOAMI).text


def test_user_authorises_then_calls_and_tokens_refresh(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance)
    with pytest.raises(CredentialsRequired) as needed:
        _whoami(wiki, link)
    uri = needed.value.authorisation_uri()
    assert uri.startswith(wiki.url + "/plugins/servlet/oauth2/client/authorize")
    _authorise(wiki, tracker, uri)
    assert wiki.instance.outgoing.choose(link, "alice") is OAUTH2
    assert _whoami(wiki, link) == "alice"
    # The stored token is about to expire: the next call refreshes it first, once for many callers.
    engine = wiki.instance.engine
    with engine.begin() as conn:
        conn.execute(update(oauth2_outgoing_tokens).values(expires_at=0))
    refreshes = _refresh_count(tracker)
    # A second node of Wiki: same settings (database, key file), its own process-local locks.
    node2 = Instance(wiki.settings, wiki.instance.host)
    barrier = threading.Barrier(8)
    seen: list[str] = []

    def call(node: Instance) -> None:
        barrier.wait()
        seen.append(node.oauth2_outgoing.access_token(link, "alice"))

    threads = [threading.Thread(target=call, args=(wiki.instance if i % 2 else node2,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    node2.close()
    assert len(seen) == 8 and len(set(seen)) == 1
    assert _refresh_count(tracker) == refreshes + 1  # one refresh for both nodes
    assert _whoami(wiki, link) == "alice"


def _refresh_count(tracker: LiveInstance) -> int:
    with tracker.instance.engine.connect() as conn:
        query = select(func.count()).select_from(oauth2_tokens).where(oauth2_tokens.c.grant_type == "refresh_token")
        return int(conn.execute(query).scalar_one())


def test_refused_refresh_asks_the_user_again(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance)
    with pytest.raises(CredentialsRequired) as needed:
        _whoami(wiki, link)
    _authorise(wiki, tracker, needed.value.authorisation_uri())
    # Alice revokes Wiki at Tracker; Wiki's next refresh is refused and it asks for consent again.
    with tracker.client(auth=("alice", "alice-pw")) as alice:
        client_id = alice.get(f"{OURS}/authorized").json()[0]["clientId"]
        assert alice.delete(f"{OURS}/authorized/{client_id}").status_code == 204
    with wiki.instance.engine.begin() as conn:
        conn.execute(update(oauth2_outgoing_tokens).values(expires_at=0))
    with pytest.raises(CredentialsRequired):
        _whoami(wiki, link)
    assert not wiki.instance.oauth2_outgoing.has_token(link.id, "alice")


def test_callback_refuses_another_users_state(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance)
    wiki.add_user("mallory", "mallory-pw")
    with httpx2.Client(base_url=wiki.url, trust_env=False) as at_wiki:
        at_wiki.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        start = at_wiki.get(wiki.instance.oauth2_outgoing.authorisation_uri(link))
        back = consent(tracker, start.headers["location"], "alice")
    with httpx2.Client(base_url=wiki.url, trust_env=False) as other:
        other.post("/login", data={"username": "mallory", "password": "mallory-pw", "next": "/"})
        hijack = other.get(back.headers["location"])
    assert hijack.status_code == 403
    assert not wiki.instance.oauth2_outgoing.has_token(link.id, "mallory")


def test_jwt_bearer_impersonation_caches_the_token(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance, impersonation=True)
    assert wiki.instance.outgoing.choose(link, "alice") is OAUTH2_IMPERSONATION
    assert _whoami(wiki, link) == "alice"
    assert _whoami(wiki, link) == "alice"
    with tracker.client() as admin:
        audit = admin.get(f"{OURS}/impersonations").json()
    assert [(a["issuer"], a["user"]) for a in audit] == [(wiki.application_id, "alice")]  # signed once


def test_token_revoked_at_the_remote_asks_the_user_again(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance)
    with pytest.raises(CredentialsRequired) as needed:
        _whoami(wiki, link)
    _authorise(wiki, tracker, needed.value.authorisation_uri())
    with tracker.client(auth=("alice", "alice-pw")) as alice:
        client_id = alice.get(f"{OURS}/authorized").json()[0]["clientId"]
        assert alice.delete(f"{OURS}/authorized/{client_id}").status_code == 204
    # The access token has not expired here, but Tracker answers 401 invalid_token: Wiki forgets it.
    with pytest.raises(CredentialsRequired):
        _whoami(wiki, link)
    assert not wiki.instance.oauth2_outgoing.has_token(link.id, "alice")


async def _async_whoami(wiki: LiveInstance, link: Link) -> str:
    factory = wiki.instance.outgoing.async_request_factory(link, "alice")
    return (await factory.get(WHOAMI)).text


def test_async_request_factory_sends_the_bearer_token(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance)
    with pytest.raises(CredentialsRequired) as needed:
        _whoami(wiki, link)
    _authorise(wiki, tracker, needed.value.authorisation_uri())
    assert asyncio.run(_async_whoami(wiki, link)) == "alice"


def test_async_request_factory_refreshes_the_token_off_the_event_loop(
    make_instance: InstanceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token refresh is a blocking round trip to the token endpoint: the async factory must not make it on
    the event loop. The refresh is held until another coroutine on the same loop releases it, which it can
    only do while the loop is free."""
    tracker, wiki, link = _pair(make_instance)
    with pytest.raises(CredentialsRequired) as needed:
        _whoami(wiki, link)
    _authorise(wiki, tracker, needed.value.authorisation_uri())
    with wiki.instance.engine.begin() as conn:
        conn.execute(update(oauth2_outgoing_tokens).values(expires_at=0))  # the next call refreshes first
    service = wiki.instance.oauth2_outgoing
    refresh = service._refresh
    entered, released = threading.Event(), threading.Event()
    blocked: list[bool] = []

    def held(link_: Link, user: str, refresh_token: str) -> str:
        entered.set()
        # Bounded only so that a blocked loop fails the test instead of hanging it: on the loop, nothing
        # else runs while this waits, so nobody releases it.
        blocked.append(not released.wait(timeout=20))
        return refresh(link_, user, refresh_token)

    monkeypatch.setattr(service, "_refresh", held)

    async def main() -> str:
        call = asyncio.create_task(_async_whoami(wiki, link))
        assert await asyncio.to_thread(entered.wait, 20)  # the refresh has started (and is held)
        released.set()  # this coroutine progressed while the token endpoint was held
        return await call

    assert asyncio.run(main()) == "alice"
    assert blocked == [False]
