"""The receiver's web side: the URL a signature is checked against, and response headers from authenticators."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Scope

from applinks.web.auth.trusted_apps import forwarded_for, receiver_view
from applinks.web.response_headers import ResponseHeadersMiddleware, add_response_header


def request_for(path: str, query: bytes = b"", host: str = "evil.example:9999", **extra: object) -> Request:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": extra.pop("raw_path", path.encode()),
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", host.encode()), *extra.pop("headers", [])],  # type: ignore[misc]
        "scheme": "http",
        "server": ("10.0.0.1", 9999),
    }
    return Request(scope)


def test_url_comes_from_the_base_url_not_the_host_header() -> None:
    url, path = receiver_view(request_for("/rest/api", b"a=1&b=%20"), "https://tracker.example.com")
    assert url == "https://tracker.example.com/rest/api?a=1&b=%20"
    assert path == "/rest/api"


def test_encoded_paths_are_signed_as_sent() -> None:
    request = request_for("/browse/A B", raw_path=b"/browse/A%20B")
    assert receiver_view(request, "http://h:1")[0] == "http://h:1/browse/A%20B"


@pytest.mark.parametrize("received", ["/jira/rest/api", "/rest/api"])
def test_base_url_with_a_path(received: str) -> None:
    """Mounted under the base path, or behind a proxy that strips it: the signed URL is the same."""
    url, path = receiver_view(request_for(received), "http://h:1/jira")
    assert url == "http://h:1/jira/rest/api"
    assert path == "/rest/api"


def test_the_base_path_itself() -> None:
    assert receiver_view(request_for("/jira"), "http://h:1/jira") == ("http://h:1/jira", "/")


def test_forwarded_for_entries_from_every_header() -> None:
    request = request_for(
        "/", headers=[(b"x-forwarded-for", b"10.0.0.1, 10.0.0.2"), (b"x-forwarded-for", b"1.2.3.4, ")]
    )
    assert forwarded_for(request) == ["10.0.0.1", "10.0.0.2", "1.2.3.4"]


async def _recording(request: Request) -> Response:
    add_response_header(request, "X-Test", "one")
    add_response_header(request, "X-Test", "two")
    return PlainTextResponse("ok")


async def _failing(request: Request) -> Response:
    add_response_header(request, "X-Test", "refused")
    return PlainTextResponse("no", status_code=401)


def test_recorded_headers_are_added_once_even_when_host_and_applinks_both_install_the_middleware() -> None:
    inner = Starlette(routes=[Route("/ok", _recording), Route("/no", _failing)])
    inner.add_middleware(ResponseHeadersMiddleware)
    outer = Starlette(routes=[Route("/host", _recording), Mount("/", inner)])
    outer.add_middleware(ResponseHeadersMiddleware)

    async def run() -> list[httpx2.Response]:
        transport = httpx2.ASGITransport(app=outer)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.get(p) for p in ("/ok", "/no", "/host")]

    ok, refused, host = asyncio.run(run())
    assert ok.headers.get_list("x-test") == ["one", "two"]
    assert (refused.status_code, refused.headers.get_list("x-test")) == (401, ["refused"])
    assert host.headers.get_list("x-test") == ["one", "two"]
