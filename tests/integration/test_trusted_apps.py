"""Trusted Applications between live instances: publishing, a round trip as a user, auto-configuration."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from applinks.auth.trusted_apps.protocol import AUTOCONFIG_PATH, CERTIFICATE_PATH, MAGIC, Header
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.outbound.providers.names import TRUSTED_APPS as TRUSTED_APPS_PROVIDER
from tests.support import LiveInstance, bind_loopback, serve_app

WHOAMI = "/plugins/servlet/applinks/whoami"
NO_CHECK = {"X-Atlassian-Token": "no-check"}
SYSADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)


def link_both_ways(one: LiveInstance, other: LiveInstance) -> None:
    for here, there in ((one, other), (other, one)):
        with here.client() as client:
            created = client.post("/rest/applinks/3.0/applinks", json={"url": there.url})
            assert created.status_code == 201, created.text


def call_as(sender: LiveInstance, receiver: LiveInstance, user: str, path: str = WHOAMI) -> httpx2.Response:
    """A request from ``sender`` to ``receiver`` as ``user`` through the link's request factory, which
    chooses Trusted Applications (the only impersonating provider configured on these links)."""
    link = sender.instance.links.get(receiver.application_id)
    factory = sender.instance.outgoing.request_factory(link, user)
    assert factory.provider is TRUSTED_APPS_PROVIDER
    response = factory.get(path)
    return httpx2.Response(response.status_code, headers=response.headers, content=response.content)


def test_certificate_is_published_anonymously_in_four_lines(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with tracker.client(auth=None) as client:
        answer = client.get(CERTIFICATE_PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert not answer.text.endswith("\n")
    app_id, key, version, magic = answer.text.split("\n")
    assert app_id == tracker.instance.trusted_apps.application_id
    assert app_id.startswith("refapp:") and app_id.split(":")[1].isdigit()
    assert key == tracker.instance.identity.key.public_key_der_b64
    assert (version, magic) == ("2", MAGIC)

    with tracker.client(auth=None) as client:
        manifest = client.get("/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}).json()
    assert TRUSTED_APPS_PROVIDER.class_name in manifest["inboundAuthenticationTypes"]
    assert TRUSTED_APPS_PROVIDER.class_name in manifest["outboundAuthenticationTypes"]

    fetched = wiki.instance.trusted_apps.fetch_certificate(tracker.url)
    assert (fetched.application_id, fetched.protocol_version, fetched.public_key_b64) == (app_id, 2, key)


@pytest.fixture
def old_peer(wiki: LiveInstance) -> Iterator[str]:
    """A peer that publishes the old two-line certificate (ID and key), linked from ``wiki``."""
    key = wiki.instance.identity.key.public_key_der_b64  # any RSA public key will do

    async def certificate(_: Request) -> PlainTextResponse:
        return PlainTextResponse(f"jira:424242\n{key}\n")

    app = Starlette(routes=[Route(CERTIFICATE_PATH, certificate)])
    sock = bind_loopback()
    server, thread = serve_app(app, sock)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_old_two_line_certificate_is_trusted(wiki: LiveInstance, old_peer: str) -> None:
    link = wiki.instance.links.create(
        Link(id="old-jira", type_id="jira", name="Old Jira", display_url=old_peer, rpc_url=old_peer), actor=SYSADMIN
    )
    state = wiki.instance.trusted_apps.configure_local(link.id, outgoing=False)
    assert state.incoming is not None
    assert state.incoming.application_id == "jira:424242"
    assert state.incoming.certificate_timeout_ms == 10_000
    assert (state.incoming.ip_patterns, state.incoming.url_patterns) == ((), ())
    assert state.outgoing is False


def test_round_trip_between_two_instances_as_a_user(tracker: LiveInstance, wiki: LiveInstance) -> None:
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    link_both_ways(tracker, wiki)

    with wiki.client() as client:
        enabled = client.put(
            f"/rest/applinks/3.0/applinks/{tracker.application_id}/trusted",
            json={"username": "admin", "password": "admin-pw"},
        )
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["remote"] == "configured"
    assert enabled.json()["local"]["incoming"]["applicationId"] == tracker.instance.trusted_apps.application_id
    assert enabled.json()["local"]["outgoing"] is True
    remote_state = tracker.instance.trusted_apps.state(wiki.application_id)
    assert remote_state.incoming is not None and remote_state.outgoing

    from_wiki = call_as(wiki, tracker, "alice")
    assert from_wiki.status_code == 200
    assert from_wiki.text == "alice"
    assert from_wiki.headers[Header.STATUS] == "OK"
    assert Header.ERROR not in from_wiki.headers

    from_tracker = call_as(tracker, wiki, "admin")
    assert (from_tracker.text, from_tracker.headers[Header.STATUS]) == ("admin", "OK")


def test_async_request_factory_sends_as_the_user_too(tracker: LiveInstance, wiki: LiveInstance) -> None:
    tracker.add_user("bob", "bob-pw")
    link_both_ways(tracker, wiki)
    tracker.instance.trusted_apps.configure_local(wiki.application_id, outgoing=False)
    wiki.instance.trusted_apps.configure_local(tracker.application_id, incoming=False)
    link = wiki.instance.links.get(tracker.application_id)

    async def call() -> tuple[str, str]:
        factory = wiki.instance.outgoing.async_request_factory(link, "bob")
        response = await factory.get(WHOAMI)
        return response.text, response.headers[Header.STATUS]

    assert asyncio.run(call()) == ("bob", "OK")


def test_requests_by_trusted_applications_cannot_manage_links(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    tracker.instance.trusted_apps.configure_local(wiki.application_id)
    wiki.instance.trusted_apps.configure_local(tracker.application_id)
    answer = call_as(wiki, tracker, "admin", "/rest/applinks/2.0/applicationlink")
    assert answer.status_code == 403
    assert answer.headers[Header.STATUS] == "OK"


def test_wrong_remote_password_changes_nothing_then_this_end_alone(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    path = f"/rest/applinks/3.0/applinks/{tracker.application_id}/trusted"
    with wiki.client() as client:
        refused = client.put(path, json={"username": "admin", "password": "wrong"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "applinks.remote.credentials"
    assert wiki.instance.trusted_apps.state(tracker.application_id).configured is False
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False

    with wiki.client() as client:
        enabled = client.put(path, json={})
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["remote"] == "skipped"
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False
    assert wiki.instance.trusted_apps.state(tracker.application_id).configured is True
    # The remote does not trust us yet: the request runs anonymous there, with the reason.
    answer = call_as(wiki, tracker, "admin")
    assert answer.text == ""
    assert answer.headers[Header.ERROR].startswith("APP_UNKNOWN;\t")


def test_configuration_needs_a_system_administrator(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    tracker.add_user("ada", "ada-pw", admin=True)
    per_link = f"/rest/applinks/3.0/applinks/{wiki.application_id}/trusted"
    autoconfig = AUTOCONFIG_PATH + wiki.application_id
    with tracker.client(auth=("ada", "ada-pw")) as client:
        assert client.get(per_link).status_code == 200
        assert client.put(per_link, json={}).status_code == 403
        assert client.put(autoconfig, headers=NO_CHECK).status_code == 403
    with tracker.client(auth=None) as client:
        assert client.get(per_link).status_code == 401
        assert client.put(autoconfig, headers=NO_CHECK).status_code == 401
    with tracker.client() as client:
        assert client.put(AUTOCONFIG_PATH + "no-such-link", headers=NO_CHECK).status_code == 404
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False


def test_autoconfig_put_and_delete(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    path = AUTOCONFIG_PATH + wiki.application_id
    with tracker.client() as client:
        assert client.put(path).status_code == 403  # no X-Atlassian-Token: no-check
        put = client.put(path, headers=NO_CHECK)
        assert put.status_code == 200, put.text
    state = tracker.instance.trusted_apps.state(wiki.application_id)
    assert state.incoming is not None and state.outgoing
    assert state.incoming.application_id == wiki.instance.trusted_apps.application_id
    assert state.incoming.certificate_timeout_ms == 10_000
    assert (state.incoming.ip_patterns, state.incoming.url_patterns) == ((), ())

    wiki.instance.trusted_apps.configure_local(tracker.application_id, incoming=False)
    assert call_as(wiki, tracker, "admin").text == "admin"

    with tracker.client() as client:
        deleted = client.delete(path, headers=NO_CHECK)
        assert deleted.status_code == 200, deleted.text
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False
    after = call_as(wiki, tracker, "admin")
    assert after.text == ""
    assert after.headers[Header.ERROR].startswith("APP_UNKNOWN;\t")


def test_deleting_a_link_deletes_its_trust(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    tracker.instance.trusted_apps.configure_local(wiki.application_id)
    wiki_app_id = wiki.instance.trusted_apps.application_id
    assert tracker.instance.trusted_apps.find(wiki_app_id) is not None
    with tracker.client() as client:
        assert client.delete(f"/rest/applinks/3.0/applinks/{wiki.application_id}").status_code == 204
    assert tracker.instance.trusted_apps.find(wiki_app_id) is None
    assert tracker.instance.trusted_apps.outgoing_enabled(wiki.application_id) is False
