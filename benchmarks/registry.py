"""The link registry as a host serves it: manifest throughput and link-list latency, in process (no network)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx2

from applinks.cli.common import CLI_ACTOR
from applinks.domain.links import Link
from applinks.refapp.app import build_app
from applinks.settings import Settings
from benchmarks.harness import Result, latency_ms, throughput

LINKS = 50
BASE_URL = "http://127.0.0.1:8990"
# Targets for one worker on one core of a small machine (a 2-vCPU CI runner), ASGI in process.
MANIFEST_TARGET_PER_S = 300.0
LINK_LIST_TARGET_P95_MS = 25.0


async def _measure(client: httpx2.AsyncClient, quick: bool) -> list[Result]:
    async def manifest() -> None:
        response = await client.get("/rest/applinks/1.0/manifest")
        assert response.status_code == 200

    async def link_list() -> None:
        response = await client.get("/rest/applinks/2.0/applicationlink")
        assert response.status_code == 200 and len(response.json()["applicationLinks"]) == LINKS

    per_s = await throughput(manifest, seconds=0.2 if quick else 2.0)
    p95 = await latency_ms(link_list, runs=20 if quick else 200)
    return [
        Result("manifest (XML, anonymous) throughput", per_s, "req/s", MANIFEST_TARGET_PER_S, True),
        Result(
            f"link list ({LINKS} links, admin session) p95",
            p95,
            "ms",
            LINK_LIST_TARGET_P95_MS,
            False,
        ),
    ]


async def _run(data_dir: Path, quick: bool) -> list[Result]:
    app = build_app(Settings(data_dir=data_dir, base_url=BASE_URL, name="Bench"))
    instance = app.state.instance
    try:
        instance.extensions["users"].add("admin", "admin-pw", sysadmin=True)
        for n in range(LINKS):
            url = f"http://remote-{n}.example.test"
            link = Link(f"00000000-0000-3000-8000-{n:012d}", "jira", f"Remote {n}", url, url)
            instance.links.create(link, actor=CLI_ACTOR)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as client:
            # A browser session, as the admin pages use: Basic would time the password hash instead.
            await client.post("/login", data={"username": "admin", "password": "admin-pw"})
            return await _measure(client, quick)
    finally:
        instance.close()


def run(*, quick: bool = False) -> list[Result]:
    """``quick`` takes a fraction of a second: to check the benchmark still runs, not to judge it."""
    with tempfile.TemporaryDirectory(prefix="applinks-bench-") as tmp:
        return asyncio.run(_run(Path(tmp), quick))
