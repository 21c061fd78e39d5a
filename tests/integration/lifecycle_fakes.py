"""Helpers of the lifecycle tests: a redirecting server, a closed port, a second port for an app, the CLI."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from typer.testing import CliRunner, Result

from applinks.cli.main import app as cli_app
from applinks.settings import Settings
from tests.support import LiveInstance, bind_loopback, serve_app


@contextmanager
def redirecting_server(location: str) -> Iterator[tuple[str, list[str]]]:
    """Answers every request with ``302 Location: <location><path>``; yields its URL and the paths hit."""
    hits: list[str] = []

    async def redirect(request: Request) -> Response:
        hits.append(request.url.path)
        return RedirectResponse(location.rstrip("/") + request.url.path, status_code=302)

    app = Starlette(routes=[Route("/{path:path}", redirect, methods=["GET", "PUT", "POST", "DELETE"])])
    sock = bind_loopback()
    server, thread = serve_app(app, sock)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", hits
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (the port was bound, then released)."""
    sock = bind_loopback()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@contextmanager
def served_again(app: Any) -> Iterator[str]:
    """Serve an already running app on a second loopback port (as if the remote moved to a new address).
    No lifespan: stopping this server must not close the instance the first server still uses."""
    sock = bind_loopback()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    ready = threading.Event()
    original_startup = server.startup

    async def startup(sockets: list[Any] | None = None) -> None:
        await original_startup(sockets=sockets)
        ready.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    if not ready.wait(timeout=20):
        raise RuntimeError("the second server did not start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


CLEAN_ENV: dict[str, str | None] = {f"APPLINKS_{name.upper()}": None for name in Settings.model_fields}


def cli(live: LiveInstance, *args: str, ok: bool = True) -> Result:
    """``applinks ARGS`` on the live instance's own data directory and database."""
    settings = live.settings
    env = {
        **CLEAN_ENV,
        "APPLINKS_BASE_URL": settings.base_url,
        "APPLINKS_NAME": settings.name,
        "APPLINKS_APPLICATION_TYPE": settings.application_type,
    }
    argv = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url), *args]
    result = CliRunner().invoke(cli_app, argv, env=env)
    if ok:
        assert result.exit_code == 0, f"{args}: {result.stderr or result.stdout}"
    else:
        assert result.exit_code != 0, f"{args} should have failed: {result.stdout}"
    return result


@contextmanager
def moved_to_new_port(live: LiveInstance) -> Iterator[LiveInstance]:
    """The same application (its data directory and database: same ID, keys and tokens) stopped and started
    again at a new address, with its base URL changed accordingly — what a remote that moved looks like."""
    from applinks.refapp.app import build_app

    live.stop()
    sock = bind_loopback()
    settings = live.settings.model_copy(update={"base_url": f"http://127.0.0.1:{sock.getsockname()[1]}"})
    app = build_app(settings)
    moved = LiveInstance(settings.base_url, settings, app, *serve_app(app, sock), users=dict(live.users))
    try:
        yield moved
    finally:
        moved.stop()
