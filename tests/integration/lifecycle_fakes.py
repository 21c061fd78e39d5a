"""Small loopback fakes for the lifecycle tests: a server that only redirects, and a port nothing listens on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tests.support import bind_loopback, serve_app


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
