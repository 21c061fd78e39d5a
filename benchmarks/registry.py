"""Registry scale: 10 000 links behind ``applinks serve`` (own process): one page of 50 through the REST API
(p95 of sequential requests with an admin session) and the server's memory growth from 0 to 10 000 links."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx2

from applinks.domain.link import Link
from applinks.instance import Instance
from applinks.refapp.users import UserStore
from applinks.storage import links as links_repo
from benchmarks.harness import Row, percentile
from benchmarks.http import HOST, applinks_server, free_port, server
from benchmarks.scene import Scene, make_scene

LINKS = 10_000
PAGE = 50
LIST = "/rest/applinks/3.0/applinks"
ADMIN_PAGE = "/plugins/servlet/applinks/listApplicationLinks"


def _add_links(scene: Scene, count: int) -> None:
    """One transaction: the registry's size is what is measured here, not the cost of creating links."""
    instance = Instance(scene.settings)
    try:
        with instance.engine.begin() as conn:
            for n in range(count):
                url = f"http://127.0.0.1:9/remote-{n}"  # loopback discard port: a check fails at once
                links_repo.insert_link(conn, Link(f"00000000-0000-3000-8000-{n:012d}", "jira", f"Remote {n}", url, url))
    finally:
        instance.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _page_p95(client: httpx2.Client, runs: int) -> tuple[float, int]:
    samples = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(LIST, params={"limit": PAGE})
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.json())
    return percentile(samples, 95), size


def _admin_page_p95(client: httpx2.Client, runs: int) -> float:
    """The admin links page, page 2 (its own page size), as a browser with a session asks for it."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(ADMIN_PAGE, params={"page": 2})
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return percentile(samples, 95)


def run(*, quick: bool = False) -> list[Row]:
    count = 200 if quick else LINKS
    runs = 5 if quick else 30
    with tempfile.TemporaryDirectory(prefix="applinks-bench-") as tmp:
        port = free_port()
        scene = make_scene(Path(tmp), f"http://{HOST}:{port}")
        instance = Instance(scene.settings)
        try:
            UserStore(instance.engine).add("admin", "admin-password", sysadmin=True)
        finally:
            instance.close()
        with (
            server(applinks_server(scene, port), {"APPLINKS_DATA_DIR": tmp}) as pid,
            httpx2.Client(base_url=scene.settings.base_url, trust_env=False) as client,
        ):
            client.post("/login", data={"username": "admin", "password": "admin-password"})
            _page_p95(client, 5)  # warm the server up before the first reading
            before = _rss_mb(pid)
            _add_links(scene, count)
            p95, size = _page_p95(client, runs)
            admin_p95 = _admin_page_p95(client, runs)
            after = _rss_mb(pid)
    note = "" if size <= PAGE else f"the REST list has no paging: every one of {size} links is sent"
    return [
        Row(f"registry: one page of {PAGE} of {count} links via REST, p95", p95, "ms", 50, at_most=True, note=note),
        Row(f"registry: server memory growth from 0 to {count} links", after - before, "MB", 50, at_most=True),
        Row(
            f"registry: one page of the admin links page ({count} links), p95",
            admin_p95,
            "ms",
            50,
            at_most=True,
            note="its page size is 25",
        ),
    ]
