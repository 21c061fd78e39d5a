"""A scriptable remote on loopback: serves whatever manifest (or garbage) a test sets, and counts hits.

Used where a real instance cannot misbehave the way a test needs (bad manifests, entity bombs, redirects,
script in the name) and as a canary that must receive no traffic.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support import bind_loopback, serve_app

MANIFEST_PATH = "/rest/applinks/1.0/manifest"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeRemote:
    """``url`` is the server root; ``app_url(prefix)`` is one application's base URL on it."""

    url: str
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def app_url(self, prefix: str) -> str:
        return f"{self.url}/{prefix}"

    def answer(self, prefix: str, answer: Answer) -> str:
        """Serve ``answer`` at ``<prefix>/rest/applinks/1.0/manifest``; returns the application's base URL."""
        self.answers[f"/{prefix}{MANIFEST_PATH}"] = answer
        return self.app_url(prefix)

    def serve_manifest(self, prefix: str, *, as_json: bool = False, **fields: Any) -> str:
        """Serve a well-formed manifest (defaults filled in) at ``prefix``; returns its base URL."""
        data: dict[str, Any] = {
            "id": fields.pop("id"),
            "name": fields.pop("name", prefix),
            "typeId": fields.pop("typeId", "refapp"),
            "version": "1.0",
            "buildNumber": 1,
            "applinksVersion": "9.1.4",
            "publicSignup": False,
            "url": fields.pop("url", self.app_url(prefix)),
            **fields,
        }
        if as_json:
            return self.answer(prefix, Answer(body=json.dumps(data).encode(), content_type="application/json"))
        from xml.sax.saxutils import escape

        inner = "".join(
            f"<{k}>{escape(str(v).lower() if isinstance(v, bool) else str(v))}</{k}>" for k, v in data.items()
        )
        return self.answer(prefix, Answer(body=f"<manifest>{inner}</manifest>".encode()))

    async def _handle(self, request: Request) -> Response:
        self.hits.append(request.url.path)
        found = self.answers.get(request.url.path)
        if found is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        return Response(found.body, status_code=found.status, media_type=found.content_type, headers=found.headers)


@contextmanager
def fake_remote() -> Iterator[FakeRemote]:
    sock = bind_loopback()
    remote = FakeRemote(f"http://127.0.0.1:{sock.getsockname()[1]}")
    app = Starlette(routes=[Route("/{path:path}", remote._handle, methods=["GET", "POST", "PUT", "DELETE"])])
    server, thread = serve_app(app, sock)
    try:
        yield remote
    finally:
        server.should_exit = True
        thread.join(timeout=15)
