"""The bare comparison: a Starlette app answering ``GET /plugins/servlet/applinks/whoami`` with an empty
body, served by the same uvicorn (same options) as ``applinks serve``. ``python -m benchmarks.bare PORT``."""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from applinks.cli.serve import _Server, listen, server_options
from benchmarks.scene import WHOAMI


async def whoami(request: Request) -> PlainTextResponse:
    return PlainTextResponse("")


app = Starlette(routes=[Route(WHOAMI, whoami)])


def main(port: int) -> None:
    sock = listen("127.0.0.1", port)
    config = uvicorn.Config(app, **server_options("warning"))
    _Server(config, f"http://127.0.0.1:{port}").run(sockets=[sock])


if __name__ == "__main__":
    main(int(sys.argv[1]))
