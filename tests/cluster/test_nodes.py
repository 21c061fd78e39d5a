"""A cluster of node processes (``applinks serve``, uvicorn) on loopback ports, sharing one PostgreSQL
database and key file, with and without Redis (a redis-server of the test's own on another loopback port):
what one node does, every node sees; a replay is accepted by exactly one node, even with Redis stopped
mid-run; rate limits and logouts hold across nodes."""

from __future__ import annotations

import re
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
import requests
from requests_oauthlib import OAuth1

from tests.faults.remotes import closed_port
from tests.integration.fake_remote import FakeRemote, fake_remote
from tests.integration.oauth1_support import form
from tests.integration.processes import Child
from tests.support import Databases, service_missing

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

WHOAMI = "/plugins/servlet/applinks/whoami"
ADMIN = ("admin", "admin-pw")
SECRET = "cluster-shared-secret"
ROUNDS = 100


class RedisServer:
    """A redis-server of this test's own on a free loopback port (never the machine's Redis on 6379)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server", "not installed")
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = [binary or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.child = Child.start([*argv, "--appendonly", "no"])
        self.child.wait_for("", timeout=1)  # any line: it is starting
        while "Ready to accept connections" not in self.child.seen[-1]:
            self.child.wait_for("")

    def stop(self) -> None:
        self.child.kill()


@dataclass
class Cluster:
    db_url: str
    tmp: Path
    env: dict[str, str]
    remote: FakeRemote  # a remote application serving manifests, for links to be created
    nodes: list[str] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)

    def cli(self, *args: str) -> None:
        child = Child.start(
            [sys.executable, "-m", "applinks", *args], {**self.env, "APPLINKS_DATA_DIR": str(self.tmp / "cli")}
        )
        lines = child.rest()
        assert child.process.wait(timeout=60) == 0, lines

    def start_node(self) -> str:
        port = closed_port()
        data = self.tmp / f"node-{port}"
        child = Child.start(
            [
                sys.executable,
                "-m",
                "applinks",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            {**self.env, "APPLINKS_DATA_DIR": str(data)},
        )
        self.children.append(child)
        child.wait_for("ready:")
        url = f"http://127.0.0.1:{port}"
        self.nodes.append(url)
        return url

    def stop(self) -> None:
        for child in self.children:
            child.kill()


def _cluster(databases: Databases, tmp_path: Path, redis_url: str | None, **settings: str) -> Iterator[Cluster]:
    db_url = databases.new_url(migrated=True)
    first_port = closed_port()
    env = {
        "APPLINKS_DATABASE_URL": db_url,
        "APPLINKS_KEY_FILE": str(tmp_path / "cluster.key"),
        # Every node has the load balancer's base URL; here it is the first node's own address.
        "APPLINKS_BASE_URL": f"http://127.0.0.1:{first_port}",
        **{f"APPLINKS_{name.upper()}": value for name, value in settings.items()},
    }
    if redis_url:
        env |= {"APPLINKS_REDIS_URL": redis_url, "APPLINKS_REDIS_PREFIX": f"cluster-{uuid.uuid4().hex[:10]}"}
    remote_cm = fake_remote()
    remote = remote_cm.__enter__()
    cluster = Cluster(db_url, tmp_path, env, remote)
    cluster.cli("init")
    cluster.cli("users", "add", ADMIN[0], "--password", ADMIN[1], "--sysadmin")
    try:
        for _ in range(2):
            cluster.start_node()
        yield cluster
    finally:
        cluster.stop()
        remote_cm.__exit__(None, None, None)


@pytest.fixture(params=["database", "redis"])
def redis_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "database":
        yield None
        return
    server = RedisServer()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def cluster(databases: Databases, tmp_path: Path, redis_url: str | None) -> Iterator[Cluster]:
    # Every replay refused counts as a refused signed request: off here, so 100 rounds are not limited.
    yield from _cluster(databases, tmp_path, redis_url, rate_limit_login="4/minute", rate_limit_signature="off")


def _admin(url: str) -> httpx2.Client:
    return httpx2.Client(
        base_url=url, auth=ADMIN, trust_env=False, timeout=30, headers={"X-Atlassian-Token": "no-check"}
    )


def _consumer(cluster: Cluster) -> str:
    """An HMAC consumer (2LO as admin) on a link, made through node A."""
    link_id = f"app-{uuid.uuid4().hex[:8]}"
    url = cluster.remote.serve_manifest(link_id, id=link_id, name="Third party")
    with _admin(cluster.nodes[0]) as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": url})
        assert created.status_code == 201, created.text
        consumer = {
            "key": f"key-{link_id}",
            "name": "Third party",
            "signatureMethod": "HMAC-SHA1",
            "sharedSecret": SECRET,
            "twoLOAllowed": True,
            "executingTwoLOUser": "admin",
        }
        answer = client.put(
            f"/rest/applinks-oauth/1.0/applicationlink/{link_id}/authentication/consumer", json=consumer
        )
        assert answer.status_code in (200, 201), answer.text
    return f"key-{link_id}"


def _signed(cluster: Cluster, key: str) -> requests.PreparedRequest:
    return requests.Request(
        "GET", cluster.env["APPLINKS_BASE_URL"] + WHOAMI, auth=OAuth1(key, client_secret=SECRET)
    ).prepare()


def _send(signed: requests.PreparedRequest, node: str) -> tuple[int, str]:
    copy = signed.copy()
    copy.url = node + WHOAMI
    with requests.Session() as http:
        http.trust_env = False
        answer = http.send(copy, timeout=30)
    return answer.status_code, answer.text if answer.ok else form(answer.text).get("oauth_problem", answer.text)


def _send_at_once(signed: requests.PreparedRequest, nodes: list[str]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(nodes))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send(node: str) -> None:
        barrier.wait()
        answer = _send(signed, node)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(answers)


def test_a_link_created_on_one_node_is_served_by_the_other(cluster: Cluster) -> None:
    node_a, node_b = cluster.nodes
    url = cluster.remote.serve_manifest("wiki", id="wiki-id", name="Wiki")
    with _admin(node_a) as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": url})
        assert created.status_code == 201, created.text
    with _admin(node_b) as client:
        served = client.get("/rest/applinks/2.0/applicationlink/wiki-id")
    assert served.status_code == 200, served.text
    assert served.json()["name"] == "Wiki"


def test_the_same_signed_request_to_both_nodes_is_accepted_exactly_once(cluster: Cluster) -> None:
    key = _consumer(cluster)
    for _ in range(ROUNDS):
        assert _send_at_once(_signed(cluster, key), cluster.nodes) == [(200, "admin"), (401, "nonce_used")]


def test_failed_logins_split_across_nodes_add_up(cluster: Cluster) -> None:
    if "APPLINKS_REDIS_URL" not in cluster.env:
        pytest.skip("without Redis each node counts for itself (README: Running a cluster)")
    node_a, node_b = cluster.nodes
    for node in (node_a, node_b, node_a, node_b):
        with httpx2.Client(base_url=node, trust_env=False) as client:
            assert client.post("/login", data={"username": "admin", "password": "wrong"}).status_code == 401
    for node in (node_a, node_b):
        with httpx2.Client(base_url=node, trust_env=False) as client:
            refused = client.post("/login", data={"username": "admin", "password": ADMIN[1]})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1


def test_a_logout_on_one_node_is_refused_on_every_node(cluster: Cluster) -> None:
    node_a, node_b = cluster.nodes
    with httpx2.Client(base_url=node_a, trust_env=False) as browser:
        assert browser.post("/login", data={"username": "admin", "password": ADMIN[1]}).status_code == 303
        saved = dict(browser.cookies.items())
        csrf = browser.get("/").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        for node in cluster.nodes:
            with httpx2.Client(base_url=node, trust_env=False, cookies=saved) as client:
                assert client.get(WHOAMI).text == "admin"
        assert browser.post("/logout", data={"csrf": csrf}).status_code == 303
    for node in (node_a, node_b):
        with httpx2.Client(base_url=node, trust_env=False, cookies=saved) as client:
            assert client.get(WHOAMI).text == ""


def test_redis_stopped_mid_run_lets_no_replay_through(databases: Databases, tmp_path: Path) -> None:
    server = RedisServer()
    try:
        for cluster in _cluster(databases, tmp_path, server.url, rate_limit_signature="off"):
            key = _consumer(cluster)
            node_a, node_b = cluster.nodes
            before = _signed(cluster, key)
            assert _send(before, node_a) == (200, "admin")
            server.stop()  # Redis goes away between a request and its replay
            assert _send(before, node_b) == (401, "nonce_used")
            during = _signed(cluster, key)
            assert _send_at_once(during, cluster.nodes) == [(200, "admin"), (401, "nonce_used")]
            for _ in range(10):
                assert _send_at_once(_signed(cluster, key), cluster.nodes) == [(200, "admin"), (401, "nonce_used")]
    finally:
        server.stop()


def _to_node(cluster: Cluster, signed: requests.PreparedRequest, node: str) -> requests.Response:
    """Send a request signed for the cluster's base URL to one node (as a load balancer would)."""
    copy = signed.copy()
    assert copy.url is not None
    copy.url = node + copy.url[len(cluster.env["APPLINKS_BASE_URL"]) :]
    with requests.Session() as http:
        http.trust_env = False
        return http.send(copy, timeout=30)


def _approve_on(node: str, token: str) -> str:
    """The user's part on one node: log in there, press Allow; the verifier from the callback redirect. The
    instance's redirects name the cluster's base URL (the load balancer): only their paths are followed here."""

    def local(location: str) -> str:
        parts = urlsplit(location)
        return parts.path + ("?" + parts.query if parts.query else "")

    with httpx2.Client(base_url=node, trust_env=False, follow_redirects=False, timeout=30) as browser:
        first = browser.get("/plugins/servlet/oauth/authorize", params={"oauth_token": token})
        next_path = parse_qs(urlsplit(first.headers["location"]).query)["next"][0]
        logged_in = browser.post("/login", data={"username": ADMIN[0], "password": ADMIN[1], "next": next_path})
        assert logged_in.status_code == 303, logged_in.text
        page = browser.get(local(logged_in.headers["location"]))
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None, page.text
        answer = browser.post(
            "/plugins/servlet/oauth/authorize", data={"oauth_token": token, "csrf": csrf.group(1), "approve": "Allow"}
        )
    assert answer.status_code == 303, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)["oauth_verifier"][0]


def test_a_three_legged_dance_begun_on_one_node_finishes_on_the_other(cluster: Cluster) -> None:
    key = _consumer(cluster)
    node_a, node_b = cluster.nodes
    base = cluster.env["APPLINKS_BASE_URL"]
    callback = "http://127.0.0.1:9/callback"
    begin = requests.Request(
        "POST",
        base + "/plugins/servlet/oauth/request-token",
        auth=OAuth1(key, client_secret=SECRET, callback_uri=callback),
    ).prepare()
    issued = _to_node(cluster, begin, node_a)
    assert issued.status_code == 200, issued.text
    request_token = form(issued.text)
    # The user approves on node B ...
    verifier = _approve_on(node_b, request_token["oauth_token"])
    # ... the consumer exchanges the token on node B, and calls node A with the access token.
    exchange = requests.Request(
        "POST",
        base + "/plugins/servlet/oauth/access-token",
        auth=OAuth1(
            key,
            client_secret=SECRET,
            resource_owner_key=request_token["oauth_token"],
            resource_owner_secret=request_token["oauth_token_secret"],
            verifier=verifier,
        ),
    ).prepare()
    exchanged = _to_node(cluster, exchange, node_b)
    assert exchanged.status_code == 200, exchanged.text
    access = form(exchanged.text)
    call = requests.Request(
        "GET",
        base + WHOAMI,
        auth=OAuth1(
            key,
            client_secret=SECRET,
            resource_owner_key=access["oauth_token"],
            resource_owner_secret=access["oauth_token_secret"],
        ),
    ).prepare()
    assert _to_node(cluster, call, node_a).text == "admin"


def test_twenty_concurrent_creates_of_one_link_across_nodes_give_one_link(cluster: Cluster) -> None:
    url = cluster.remote.serve_manifest("raced", id="raced-id", name="Raced")
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def create(node: str) -> None:
        with _admin(node) as client:
            barrier.wait()
            answer = client.post("/rest/applinks/3.0/applinks", json={"url": url})
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=create, args=(cluster.nodes[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * 19
    for node in cluster.nodes:
        with _admin(node) as client:
            assert [link["id"] for link in client.get("/rest/applinks/3.0/applinks").json()] == ["raced-id"]
