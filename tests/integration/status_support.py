"""Live set-ups for the status tests: two-way links made by the wizard, an instance whose clock is off,
and a reverse proxy that rewrites the Host header."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from applinks.host import HostUser
from applinks.services.wizard.model import CreateLinkRequest
from applinks.settings import Settings
from tests.faults.remotes import serve
from tests.support import Databases, LiveInstance, bind_loopback

ADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)
STATUS = "/rest/applinks/3.0/status"


def two_way(
    local: LiveInstance,
    remote: LiveInstance,
    *,
    url: str | None = None,
    same_users: bool = False,
    custom_rpc_url: str | None = None,
) -> str:
    """Link ``local`` to ``remote`` two-way with OAuth on both ends (the wizard); returns the link ID."""
    result = local.instance.wizard.create(
        CreateLinkRequest(
            url=url or remote.url,
            two_way=True,
            remote_username=remote.admin[0],
            remote_password=remote.admin[1],
            same_users=same_users,
            confirm_urls=True,
            custom_rpc_url=custom_rpc_url,
        ),
        actor=ADMIN,
    )
    assert result.authentication_complete, result.to_json()
    return result.link.id


def status_of(instance: LiveInstance, link_id: str) -> dict[str, Any]:
    with instance.client() as client:
        answer = client.get(f"{STATUS}/{link_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


class _DateFrom:
    """ASGI middleware: the ``Date`` header from the instance's own (injected) clock."""

    def __init__(self, app: Any, clock: Callable[[], float]) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", formatdate(self.clock(), usegmt=True).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, dated)


def skewed_instances(databases: Databases, tmp_path: Path) -> Iterator[Callable[..., LiveInstance]]:
    """Start reference instances whose clock (OAuth checks and ``Date``) is ``offset`` seconds off."""
    from applinks.refapp.app import build_app

    served = []

    def start(name: str, offset: float) -> LiveInstance:
        sock = bind_loopback()
        port = sock.getsockname()[1]
        settings = Settings(
            data_dir=tmp_path / f"{name.lower()}-{port}",
            base_url=f"http://127.0.0.1:{port}",
            name=name,
            database_url=databases.new_url(),
        )
        app = build_app(settings)
        app.state.instance.oauth_provider.clock = lambda: time.time() + offset
        url, handle = serve(_DateFrom(app, lambda: time.time() + offset), sock=sock, lifespan="on")
        served.append(handle)
        live = LiveInstance(url, settings, app, handle.server, handle.thread)
        live.add_user(*live.admin, sysadmin=True)
        return live

    yield start
    for handle in served:
        handle.stop()


def host_rewriting_proxy(target: str) -> Iterator[str]:
    """A reverse proxy on its own port that forwards everything to ``target`` with ``Host`` rewritten to the
    target's, as a misconfigured proxy does; yields the proxy's URL."""
    client = httpx2.Client(base_url=target, trust_env=False, timeout=30)
    target_host = httpx2.URL(target).netloc.decode()

    async def forward(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        headers["host"] = target_host
        url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        answer = client.request(request.method, url, headers=headers, content=await request.body())
        passed = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return Response(answer.content, answer.status_code, headers=passed)

    app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PUT", "DELETE"])])
    url, handle = serve(app)
    try:
        yield url
    finally:
        handle.stop()
        client.close()
