"""Response headers decided while authenticating (e.g. ``X-Seraph-Trusted-App-Status``): an authenticator
records them on the request scope and this middleware adds them to whatever response the request gets. It also
gives ``WWW-Authenticate`` its canonical capitalisation on the way out."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_KEY = "applinks.response_headers"
# Header names sent with their canonical capitalisation. Starlette lowercases every name; Atlassian reads the
# OAuth challenge by its exact name through SAL (protocol.md §10). uvicorn's h11 server writes names as they
# are given here; its httptools server lowercases them all again (so ``applinks serve`` runs on h11).
_CANONICAL = {b"www-authenticate": b"WWW-Authenticate"}


def add_response_header(request: Request, name: str, value: str) -> None:
    """Add ``name: value`` to this request's response (any status, error responses included)."""
    request.scope.setdefault(_KEY, []).append((name, value))


class ResponseHeadersMiddleware:
    """Adds the recorded headers once. Installed by ``create_app`` and by hosts whose own routes authenticate
    through applinks; when both wrap a request the inner one adds them and the outer one finds none left."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                recorded = scope.pop(_KEY, None)
                if recorded:
                    headers = MutableHeaders(scope=message)
                    for name, value in recorded:
                        headers.append(name, value)
                message["headers"] = [(_CANONICAL.get(name, name), value) for name, value in message["headers"]]
            await send(message)

        await self.app(scope, receive, send_with_headers)
