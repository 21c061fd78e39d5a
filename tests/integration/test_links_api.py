"""The link registry over REST (protocol.md §4) against live instances on loopback, SQLite and PostgreSQL.

Every refused request is followed by a check that nothing changed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.integration.fake_remote import Answer, FakeRemote, fake_remote
from tests.support import Databases, InstanceFactory, LiveInstance, bind_loopback, start_instance

V2 = "/rest/applinks/2.0/applicationlink"
V3 = "/rest/applinks/3.0/applinks"
REMOTE_MANIFEST = "/rest/applinks/1.0/manifest"
NO_CHECK = {"X-Atlassian-Token": "no-check"}


def listed(client: httpx2.Client) -> list[dict[str, Any]]:
    response = client.get(V2)
    assert response.status_code == 200, response.text
    return sorted(response.json()["applicationLinks"], key=lambda link: link["id"])


def assert_error(response: httpx2.Response, status: int, key: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert {"status", "error", "message"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"].strip()
    if key is not None:
        assert body["error"] == key, body
    return body


@pytest.fixture
def remote() -> Iterator[FakeRemote]:
    with fake_remote() as found:
        yield found


# -- creating and reading ------------------------------------------------------------------------------------
def test_create_by_url_v3_and_read_back(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with tracker.client() as client:
        created = client.post(V3, json={"url": wiki.url + "/"})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body == {
            "id": wiki.application_id,
            "name": "Wiki",
            "displayUrl": wiki.url,
            "rpcUrl": wiki.url,
            "type": "refapp",
            "primary": True,
            "system": False,
        }
        assert client.get(f"{V3}/{wiki.application_id}").json() == body
        assert client.get(V3).json() == [body]
        v2 = client.get(f"{V2}/{wiki.application_id}").json()
        assert v2 == {
            "id": wiki.application_id,
            "typeId": "refapp",
            "name": "Wiki",
            "displayUrl": wiki.url,
            "rpcUrl": wiki.url,
            "isPrimary": True,
            "isSystem": False,
        }
        assert listed(client) == [v2]


def test_create_v3_with_own_name_and_display_url(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with tracker.client() as client:
        created = client.post(V3, json={"url": wiki.url, "name": "Docs", "displayUrl": "http://docs.test/wiki/"})
        assert created.status_code == 201, created.text
        assert (created.json()["name"], created.json()["displayUrl"]) == ("Docs", "http://docs.test/wiki")


def test_put_v2_creates_then_updates(tracker: LiveInstance, wiki: LiveInstance) -> None:
    path = f"{V2}/{wiki.application_id}"
    with tracker.client() as client:
        created = client.put(path, json={"id": wiki.application_id, "rpcUrl": wiki.url, "name": "My wiki"})
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "My wiki"
        assert created.json()["isPrimary"] is True
        updated = client.put(path, json={"name": "Renamed", "displayUrl": "http://wiki.test/"})
        assert updated.status_code == 200, updated.text
        assert (updated.json()["name"], updated.json()["displayUrl"]) == ("Renamed", "http://wiki.test")
        assert updated.json()["rpcUrl"] == wiki.url
        posted = client.post(path, json={"name": "Again"})
        assert posted.status_code == 200, posted.text
        # XML bodies are accepted where a remote sends them.
        as_xml = client.post(
            path,
            content=b"<applicationLink><name>From XML</name></applicationLink>",
            headers={"Content-Type": "application/xml"},
        )
        assert as_xml.status_code == 200, as_xml.text
        assert [(link["name"], link["rpcUrl"]) for link in listed(client)] == [("From XML", wiki.url)]


def test_put_v2_creation_failures_change_nothing(tracker: LiveInstance, wiki: LiveInstance) -> None:
    tracker.add_user("alice", "alice-pw", admin=True)
    path = f"{V2}/{wiki.application_id}"
    with tracker.client() as client, tracker.client(auth=("alice", "alice-pw")) as alice:
        cases = [
            (
                client.put(f"{V2}/11111111-2222-3333-4444-555555555555", json={"rpcUrl": wiki.url}),
                400,
                "applinks.id.mismatch",
            ),
            (client.put(path, json={"name": "no rpc url"}), 400, "applinks.rpcurl.missing"),
            (client.put(f"{V2}/bad..%20id", json={"rpcUrl": wiki.url}), 400, "applinks.id.invalid"),
            (client.put(path, json={"rpcUrl": wiki.url, "typeId": "nosuchtype"}), 400, "applinks.type.unknown"),
            (
                client.put(path, json={"rpcUrl": wiki.url, "displayUrl": "javascript:alert(1)"}),
                400,
                "applinks.url.scheme",
            ),
            (client.put(path, json={"rpcUrl": wiki.url, "id": "other"}), 400, "applinks.id.mismatch"),
            (
                client.put(path, content=b"{not json", headers={"Content-Type": "application/json"}),
                400,
                "applinks.body.json",
            ),
            (client.put(path, json=["a", "list"]), 400, "applinks.body.json"),
            (client.put(path, json={"rpcUrl": wiki.url, "isPrimary": "perhaps"}), 400, "applinks.body.invalid"),
            (
                client.put(
                    path,
                    content=b"<!DOCTYPE x [<!ENTITY a 'b'>]><x><name>&a;</name></x>",
                    headers={"Content-Type": "application/xml"},
                ),
                400,
                "applinks.body.xml",
            ),
            (alice.put(path, json={"rpcUrl": wiki.url, "isSystem": True}, headers=NO_CHECK), 403, "applinks.forbidden"),
        ]
        for response, status, key in cases:
            assert_error(response, status, key)
        assert listed(client) == []


# -- names, RPC URL, duplicates, self ----------------------------------------------------------------------------
def test_names_are_deduplicated(tracker: LiveInstance, remote: FakeRemote) -> None:
    with tracker.client() as client:
        names = []
        for n in range(3):
            url = remote.serve_manifest(f"w{n}", id=f"wiki-{n}", name="Wiki")
            created = client.post(V3, json={"url": url})
            assert created.status_code == 201, created.text
            names.append(created.json()["name"])
        assert names == ["Wiki", "Wiki - 2", "Wiki - 3"]
        assert sorted(link["name"] for link in listed(client)) == ["Wiki", "Wiki - 2", "Wiki - 3"]


def test_renaming_to_a_taken_name_is_400(tracker: LiveInstance, remote: FakeRemote) -> None:
    with tracker.client() as client:
        for n in ("a", "b"):
            assert (
                client.post(V3, json={"url": remote.serve_manifest(n, id=f"id-{n}", name=n.upper())}).status_code == 201
            )
        before = listed(client)
        assert_error(client.post(f"{V2}/id-a", json={"name": "B"}), 400, "applinks.name.taken")
        assert_error(client.put(f"{V2}/id-a", json={"name": " B "}), 400, "applinks.name.taken")
        assert_error(client.put(f"{V3}/id-a", json={"name": "B"}), 400, "applinks.name.taken")
        assert_error(client.put(f"{V3}/id-a", json={"name": "   "}), 400, "applinks.name.blank")
        assert listed(client) == before
        assert client.post(f"{V2}/id-a", json={"name": "A"}).status_code == 200  # its own name is fine


def test_rpc_url_cannot_be_changed_by_update(tracker: LiveInstance, wiki: LiveInstance) -> None:
    path = f"{V2}/{wiki.application_id}"
    with tracker.client() as client:
        assert client.post(V3, json={"url": wiki.url}).status_code == 201
        before = listed(client)
        elsewhere = "http://127.0.0.1:1"
        assert_error(client.put(path, json={"rpcUrl": elsewhere}), 400, "applinks.rpcurl.immutable")
        assert_error(client.post(path, json={"rpcUrl": elsewhere}), 400, "applinks.rpcurl.immutable")
        assert_error(
            client.put(f"{V3}/{wiki.application_id}", json={"rpcUrl": elsewhere}), 400, "applinks.rpcurl.immutable"
        )
        assert_error(client.put(f"{V3}/{wiki.application_id}", json={"type": "jira"}), 400, "applinks.type.fixed")
        assert listed(client) == before
        assert client.post(path, json={"rpcUrl": wiki.url + "/"}).status_code == 200  # unchanged is allowed


def test_duplicate_id_or_rpc_url_is_409(tracker: LiveInstance, remote: FakeRemote) -> None:
    first = remote.serve_manifest("first", id="app-1", name="First")
    same_id_elsewhere = remote.serve_manifest("mirror", id="app-1", name="Mirror")
    with tracker.client() as client:
        assert client.post(V3, json={"url": first}).status_code == 201
        before = listed(client)
        body = assert_error(client.post(V3, json={"url": same_id_elsewhere}), 409, "applinks.link.duplicate")
        assert "already exists" in body["message"]
        assert_error(client.post(V3, json={"url": first + "/"}), 409, "applinks.link.duplicate")
        # The remote was reinstalled: a new ID at the same URL is still a duplicate RPC URL.
        remote.serve_manifest("first", id="app-2", name="First again")
        assert_error(client.post(V3, json={"url": first}), 409, "applinks.link.duplicate")
        assert_error(client.put(f"{V2}/app-2", json={"rpcUrl": first}), 409, "applinks.link.duplicate")
        assert listed(client) == before


def test_self_link_is_409(tracker: LiveInstance) -> None:
    with tracker.client() as client:
        assert_error(client.post(V3, json={"url": tracker.url}), 409, "applinks.link.self")
        assert_error(
            client.put(f"{V2}/{tracker.application_id}", json={"rpcUrl": tracker.url}), 409, "applinks.link.self"
        )
        assert listed(client) == []


# -- primaries, deletion, v3 ---------------------------------------------------------------------------------
def test_primary_rules(tracker: LiveInstance, remote: FakeRemote) -> None:
    with tracker.client() as client:
        assert_error(client.get(f"{V2}/primary/refapp"), 404, "applinks.link.notfound")
        for n in ("a", "b", "c"):
            assert client.post(V3, json={"url": remote.serve_manifest(n, id=f"id-{n}", name=n)}).status_code == 201
        jira = remote.serve_manifest("j", id="id-j", name="Jira", typeId="jira")
        assert client.post(V3, json={"url": jira}).json()["primary"] is True  # first of its type
        assert client.get(f"{V2}/primary/refapp").json()["id"] == "id-a"

        made = client.post(f"{V2}/primary/id-c")
        assert made.status_code == 200, made.text
        assert made.json()["isPrimary"] is True
        by_type = client.get(f"{V2}/type/refapp").json()["applicationLinks"]
        assert by_type[0]["id"] == "id-c"
        assert sorted(link["id"] for link in by_type) == ["id-a", "id-b", "id-c"]
        assert [link["id"] for link in by_type if link["isPrimary"]] == ["id-c"]
        assert [link["id"] for link in client.get(f"{V2}/type/jira").json()["applicationLinks"]] == ["id-j"]
        assert client.get(f"{V2}/type/bamboo").json() == {"applicationLinks": []}

        assert client.delete(f"{V2}/id-c").status_code == 200
        promoted = client.get(f"{V2}/primary/refapp").json()["id"]
        assert promoted in ("id-a", "id-b")
        assert [link["id"] for link in listed(client) if link["isPrimary"]] == sorted([promoted, "id-j"])
        assert client.get(f"{V2}/primary/jira").json()["id"] == "id-j"  # other types untouched

        assert client.delete(f"{V2}/id-a").status_code == 200
        assert client.delete(f"{V2}/id-b").status_code == 200
        assert_error(client.get(f"{V2}/primary/refapp"), 404, "applinks.link.notfound")


def test_v3_update_and_delete(tracker: LiveInstance, wiki: LiveInstance, remote: FakeRemote) -> None:
    path = f"{V3}/{wiki.application_id}"
    with tracker.client() as client:
        assert client.post(V3, json={"url": wiki.url}).status_code == 201
        assert client.post(V3, json={"url": remote.serve_manifest("x", id="id-x", name="X")}).status_code == 201
        updated = client.put(f"{V3}/id-x", json={"name": "Renamed", "displayUrl": "http://x.test", "primary": True})
        assert updated.status_code == 200, updated.text
        assert (updated.json()["name"], updated.json()["primary"]) == ("Renamed", True)
        assert client.get(path).json()["primary"] is False
        deleted = client.delete(path)
        assert deleted.status_code == 204
        assert deleted.content == b""
        assert [link["id"] for link in client.get(V3).json()] == ["id-x"]
        assert_error(client.get(path), 404, "applinks.link.notfound")
        assert_error(client.delete(path), 404, "applinks.link.notfound")


def test_delete_reciprocate_query_is_validated(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with tracker.client() as client:
        assert client.post(V3, json={"url": wiki.url}).status_code == 201
        assert_error(client.delete(f"{V2}/{wiki.application_id}", params={"reciprocate": "maybe"}), 400)
        assert len(listed(client)) == 1
        assert client.delete(f"{V2}/{wiki.application_id}", params={"reciprocate": "false"}).status_code == 200
        assert listed(client) == []


# -- system links --------------------------------------------------------------------------------------------
def test_system_links_are_for_system_administrators(tracker: LiveInstance, wiki: LiveInstance) -> None:
    tracker.add_user("alice", "alice-pw", admin=True)
    path = f"{V2}/{wiki.application_id}"
    body = {"rpcUrl": wiki.url, "name": "System wiki", "isSystem": True}
    with tracker.client() as root, tracker.client(auth=("alice", "alice-pw")) as alice:
        assert_error(alice.put(path, json=body), 403, "applinks.forbidden")
        assert listed(root) == []
        created = root.put(path, json=body)
        assert created.status_code == 201, created.text
        assert created.json()["isSystem"] is True
        before = listed(root)
        assert alice.get(path).status_code == 200  # reading is any administrator's
        for response in (
            alice.post(path, json={"name": "mine"}),
            alice.put(path, json={"name": "mine"}),
            alice.put(f"{V3}/{wiki.application_id}", json={"name": "mine"}),
            alice.post(f"{V2}/primary/{wiki.application_id}"),
            alice.delete(path),
            alice.delete(f"{V3}/{wiki.application_id}"),
        ):
            assert_error(response, 403, "applinks.forbidden")
        assert listed(root) == before
        assert root.post(path, json={"name": "Renamed system wiki"}).status_code == 200
        assert root.delete(path).status_code == 200
        assert listed(root) == []


# -- XSRF through a browser session ------------------------------------------------------------------------------
def test_session_state_changes_need_the_xsrf_opt_out(tracker: LiveInstance, wiki: LiveInstance) -> None:
    path = f"{V2}/{wiki.application_id}"
    with tracker.client(auth=None, follow_redirects=False) as browser:
        login = browser.post("/login", data={"username": "admin", "password": "admin-pw", "next": "/"})
        assert login.status_code == 303, login.text
        assert browser.get(V2).status_code == 200  # reads need no token
        refused = [
            browser.post(V3, json={"url": wiki.url}),
            browser.put(path, json={"rpcUrl": wiki.url}),
            browser.post(V3, json={"url": wiki.url}, headers={"Origin": "http://evil.example"}),
            browser.post(V3, json={"url": wiki.url}, headers={"X-Atlassian-Token": "nocheck"}),
        ]
        for response in refused:
            assert_error(response, 403, "applinks.xsrf")
        assert listed(browser) == []
        created = browser.post(V3, json={"url": wiki.url}, headers=NO_CHECK)
        assert created.status_code == 201, created.text
        before = listed(browser)
        assert_error(browser.post(path, json={"name": "x"}), 403, "applinks.xsrf")
        assert_error(browser.post(f"{V2}/primary/{wiki.application_id}"), 403, "applinks.xsrf")
        assert_error(browser.delete(path), 403, "applinks.xsrf")
        assert_error(browser.delete(f"{V3}/{wiki.application_id}"), 403, "applinks.xsrf")
        assert listed(browser) == before
        assert browser.post(path, json={"name": "x"}, headers=NO_CHECK).status_code == 200
        # A same-origin browser request (Origin of the configured base URL) is allowed too.
        assert browser.delete(path, headers={"Origin": tracker.url}).status_code == 200
        assert listed(browser) == []


def test_form_like_bodies_need_the_xsrf_opt_out_even_with_basic_auth(tracker: LiveInstance, wiki: LiveInstance) -> None:
    body = json.dumps({"url": wiki.url}).encode()
    with tracker.client() as client:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"Content-Type": content_type} if content_type else {}
            assert_error(client.post(V3, content=body, headers=headers), 403, "applinks.xsrf")
        assert listed(client) == []
        created = client.post(V3, content=body, headers={"Content-Type": "text/plain", **NO_CHECK})
        assert created.status_code == 201, created.text


# -- concurrency ---------------------------------------------------------------------------------------------
def _all_at_once(count: int, call: Any) -> list[httpx2.Response]:
    barrier = threading.Barrier(count)

    def run(n: int) -> httpx2.Response:
        barrier.wait(timeout=30)
        result: httpx2.Response = call(n)
        return result

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_twenty_concurrent_creates_make_exactly_one_link(tracker: LiveInstance, wiki: LiveInstance) -> None:
    clients = [tracker.client() for _ in range(20)]
    try:
        responses = _all_at_once(20, lambda n: clients[n].post(V3, json={"url": wiki.url}))
    finally:
        for client in clients:
            client.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "applinks.link.duplicate")
    with tracker.client() as client:
        assert [link["id"] for link in listed(client)] == [wiki.application_id]


def test_concurrent_creates_of_different_links_keep_names_and_one_primary(
    tracker: LiveInstance, remote: FakeRemote
) -> None:
    urls = [remote.serve_manifest(f"c{n}", id=f"conc-{n}", name="Same") for n in range(20)]
    clients = [tracker.client() for _ in urls]
    try:
        responses = _all_at_once(len(urls), lambda n: clients[n].post(V3, json={"url": urls[n]}))
    finally:
        for client in clients:
            client.close()
    assert [r.status_code for r in responses] == [201] * len(urls), [r.text for r in responses]
    with tracker.client() as client:
        links = listed(client)
    names = sorted(link["name"] for link in links)
    assert names == sorted(["Same"] + [f"Same - {n}" for n in range(2, len(urls) + 1)])
    assert sum(link["isPrimary"] for link in links) == 1


# -- refusals on a shared instance (module scope: these tests change nothing, and assert so) ------------------------
@dataclass
class Registry:
    live: LiveInstance
    remote: FakeRemote
    link_id: str

    def client(self, auth: Any = "admin") -> httpx2.Client:
        return self.live.client(auth=auth)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    tmp: Path = tmp_path_factory.mktemp("registry")
    databases = Databases(str(request.param), tmp)
    try:
        with fake_remote() as remote:
            # One instance serves every test of this module from one address: its rate limits are off here
            # (tests/security/test_rate_limits.py tests them).
            live = start_instance(databases, tmp, name="Registry", rate_limit_basic="off", rate_limit_link_create="off")
            try:
                live.add_user("alice", "alice-pw", admin=True)
                live.add_user("bob", "bob-pw")
                url = remote.serve_manifest("existing", id="existing-id", name="Existing")
                with live.client() as client:
                    assert client.post(V3, json={"url": url}).status_code == 201
                yield Registry(live, remote, "existing-id")
            finally:
                live.stop()
    finally:
        databases.drop_all()


@pytest.fixture
def unchanged(registry: Registry) -> Iterator[None]:
    """Assert that the test left the link list exactly as it found it."""
    with registry.client() as client:
        before = listed(client)
    yield
    with registry.client() as client:
        assert listed(client) == before


# (method, path template, JSON body) for every link route; {link} is an existing link, {type} a type.
LINK_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", V2, None),
    ("GET", V2 + "/type/{type}", None),
    ("GET", V2 + "/primary/{type}", None),
    ("POST", V2 + "/primary/{link}", None),
    ("GET", V2 + "/{link}", None),
    ("PUT", V2 + "/{link}", {"name": "Hijacked"}),
    ("POST", V2 + "/{link}", {"name": "Hijacked"}),
    ("DELETE", V2 + "/{link}", None),
    ("GET", V3, None),
    ("POST", V3, {"url": "http://127.0.0.1:1"}),
    ("GET", V3 + "/{link}", None),
    ("PUT", V3 + "/{link}", {"name": "Hijacked"}),
    ("DELETE", V3 + "/{link}", None),
    ("GET", REMOTE_MANIFEST + "/{link}", None),
]


def test_route_matrix_covers_every_link_route() -> None:
    from fastapi.routing import APIRoute

    from applinks.web.api import applicationlink, manifest

    served = set()
    for route in [*applicationlink.router.routes, *manifest.router.routes]:
        assert isinstance(route, APIRoute)
        if "{link_id}" in route.path or route.path.startswith((V2, V3)):
            for method in route.methods:
                served.add((method, route.path.replace("{link_id}", "{link}").replace("{type_id}", "{type}")))
    assert served == {(method, path) for method, path, _ in LINK_ROUTES}


def _call(
    client: httpx2.Client, method: str, template: str, body: dict[str, Any] | None, link_id: str
) -> httpx2.Response:
    return client.request(
        method, template.format(link=link_id, type="refapp"), json=body, headers=NO_CHECK if method != "GET" else None
    )


REFUSED_CALLERS: list[tuple[tuple[str, str] | None, int, str]] = [
    (None, 401, "applinks.unauthenticated"),
    (("admin", "wrong-password"), 401, "applinks.basic.refused"),
    (("nobody", "admin-pw"), 401, "applinks.basic.refused"),
    (("bob", "bob-pw"), 403, "applinks.forbidden"),  # a normal user
]


@pytest.mark.parametrize(("method", "template", "body"), LINK_ROUTES, ids=[f"{m} {p}" for m, p, _ in LINK_ROUTES])
def test_every_link_route_is_for_administrators_only(
    registry: Registry, unchanged: None, method: str, template: str, body: dict[str, Any] | None
) -> None:
    hits = len(registry.remote.hits)
    for who, status, key in REFUSED_CALLERS:
        with registry.client(auth=who) as client:
            response = _call(client, method, template, body, registry.link_id)
        assert_error(response, status, key)
        assert "existing" not in response.text.lower()  # no link details leak into the refusal
    assert len(registry.remote.hits) == hits  # and no outbound call was made for a refused caller


_BY_ID = [(m, p, b) for m, p, b in LINK_ROUTES if "{link}" in p and not (m == "PUT" and p.startswith(V2))]


@pytest.mark.parametrize(("method", "template", "body"), _BY_ID, ids=[f"{m} {p}" for m, p, _ in _BY_ID])
def test_unknown_link_id_is_404(
    registry: Registry, unchanged: None, method: str, template: str, body: dict[str, Any] | None
) -> None:
    with registry.client() as client:
        for link_id in ("no-such-link", "0" * 64, "x" * 100, "nul%00byte", "%20"):
            assert_error(_call(client, method, template, body, link_id), 404, "applinks.link.notfound")


@pytest.mark.parametrize(
    ("url", "key", "says"),
    [
        ("", "applinks.url.blank", "blank"),
        ("   ", "applinks.url.blank", "blank"),
        ("not a url", "applinks.url.invalid", "spaces"),
        ("wiki.example.test", "applinks.url.scheme", "http(s)"),
        ("ftp://127.0.0.1/wiki", "applinks.url.scheme", "http(s)"),
        ("file:///etc/passwd", "applinks.url.scheme", "http(s)"),
        ("javascript:alert(1)", "applinks.url.scheme", "http(s)"),
        ("http://", "applinks.url.invalid", "no host"),
        ("http://[::1", "applinks.url.invalid", "not a valid URL"),
        ("http://127.0.0.1:99999", "applinks.url.invalid", "not a valid URL"),
        ("http://admin@127.0.0.1:1", "applinks.url.userinfo", "user information"),
        ("http://admin:pw@127.0.0.1:1", "applinks.url.userinfo", "user information"),
        ("http://127.0.0.1:1/?next=x", "applinks.url.invalid", "query"),
    ],
)
def test_malformed_urls_are_400_with_a_clear_message(
    registry: Registry, unchanged: None, url: str, key: str, says: str
) -> None:
    hits = len(registry.remote.hits)
    with registry.client() as client:
        v3 = client.post(V3, json={"url": url})
        v2 = client.put(f"{V2}/some-new-id", json={"rpcUrl": url}) if url.strip() else None
    assert says in assert_error(v3, 400, key)["message"]
    if v2 is not None:
        assert_error(v2, 400, key)
    assert len(registry.remote.hits) == hits


def test_unreachable_remote_is_400(registry: Registry, unchanged: None) -> None:
    sock = bind_loopback()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    with registry.client() as client:
        body = assert_error(
            client.post(V3, json={"url": f"http://127.0.0.1:{port}"}), 400, "applinks.remote.unreachable"
        )
        v2 = client.put(f"{V2}/some-new-id", json={"rpcUrl": f"http://127.0.0.1:{port}"})
    assert f"127.0.0.1:{port}" in body["message"]
    assert "nothing is listening" in body["message"]
    assert body["details"]["kind"] == "CONNECTION_REFUSED"
    assert_error(v2, 400, "applinks.remote.unreachable")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<manifest><id>laughs</id><name>&lol3;</name><url>http://x.test</url></manifest>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest><id>xxe</id><name>&xxe;</name><url>http://x.test</url></manifest>"""

BAD_MANIFESTS = {
    "plain-text": (
        Answer(body=b"Hello, I am a web server", content_type="text/plain"),
        "applinks.remote.unexpected_response",
    ),
    "html-page": (
        Answer(body=b"<html><body>Login</body></html>", content_type="text/html"),
        "applinks.remote.unexpected_response",
    ),
    "json-without-id": (
        Answer(body=b'{"name": "x", "url": "http://x.test"}', content_type="application/json"),
        "applinks.remote.unexpected_response",
    ),
    "xml-without-id": (
        Answer(body=b"<manifest><name>x</name><url>http://x.test</url></manifest>"),
        "applinks.remote.unexpected_response",
    ),
    "json-list": (Answer(body=b"[]", content_type="application/json"), "applinks.remote.unexpected_response"),
    "hostile-id": (
        Answer(body=b'{"id": "../../admin", "url": "http://x.test"}', content_type="application/json"),
        "applinks.remote.unexpected_response",
    ),
    "billion-laughs": (Answer(body=BILLION_LAUGHS), "applinks.remote.unexpected_response"),
    "external-entity": (Answer(body=EXTERNAL_ENTITY), "applinks.remote.unexpected_response"),
    "not-found": (Answer(status=404, body=b"nope", content_type="text/plain"), "applinks.remote.unexpected_status"),
    "server-error": (Answer(status=500, body=b"oops", content_type="text/plain"), "applinks.remote.unexpected_status"),
}


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_bad_remote_manifests_are_400(registry: Registry, unchanged: None, case: str) -> None:
    answer, key = BAD_MANIFESTS[case]
    url = registry.remote.answer(f"bad-{case}", answer)
    with registry.client() as client:
        assert_error(client.post(V3, json={"url": url}), 400, key)


def test_external_dtd_is_refused_without_fetching_it(registry: Registry, unchanged: None) -> None:
    with fake_remote() as canary:
        body = f"""<?xml version="1.0"?><!DOCTYPE manifest SYSTEM "{canary.url}/evil.dtd">
<manifest><id>dtd</id><url>http://x.test</url></manifest>""".encode()
        url = registry.remote.answer("bad-dtd", Answer(body=body))
        with registry.client() as client:
            response = assert_error(client.post(V3, json={"url": url}), 400, "applinks.remote.unexpected_response")
        assert "DTD" in response["message"]
        assert canary.hits == []


def test_redirect_is_reported_not_followed(registry: Registry, unchanged: None) -> None:
    with fake_remote() as canary:
        moved_to = canary.serve_manifest("new", id="moved-id", name="Moved")
        url = registry.remote.answer(
            "moved", Answer(status=302, headers={"Location": moved_to + REMOTE_MANIFEST}, content_type="text/plain")
        )
        with registry.client() as client:
            body = assert_error(client.post(V3, json={"url": url}), 400, "applinks.remote.moved")
        assert body["details"]["location"] == moved_to
        assert moved_to in body["message"]
        assert canary.hits == []


def test_sessions_of_a_normal_user_cannot_manage_links(registry: Registry, unchanged: None) -> None:
    with registry.live.client(auth=None, follow_redirects=False) as browser:
        assert browser.post("/login", data={"username": "bob", "password": "bob-pw"}).status_code == 303
        assert_error(browser.get(V2), 403, "applinks.forbidden")
        assert_error(browser.delete(f"{V2}/{registry.link_id}", headers=NO_CHECK), 403, "applinks.forbidden")


def test_instance_factory_fixture_is_usable(make_instance: InstanceFactory) -> None:
    # make_instance starts instances with a sysadmin; a guard that the helpers this module uses stay in step.
    live = make_instance(name="Solo")
    with live.client() as client:
        assert listed(client) == []
