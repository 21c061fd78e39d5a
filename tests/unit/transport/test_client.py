"""The client's boundary (issue 13, item 1): URLs httpx2 cannot send are ``InvalidInput`` before anything is
resolved or sent, a 3xx whose ``Location`` is no URL is returned as it came (never followed, never an
exception), and a failure while httpx2 reads an answer is ``UnexpectedResponse``, never an untyped error."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx2
import pytest

from applinks.errors import InvalidInput, UnexpectedResponse
from applinks.transport.client import AsyncOutboundClient, OutboundClient, OutboundResponse, TransportOptions, check_url

Handler = Callable[[httpx2.Request], httpx2.Response]

TYPED_URLS = [
    "http://\u2603.invalid/",  # no IDNA form
    "http://0251.0376.0251.0376/",  # octal IPv4 form, which httpx2 refuses
    "http://xn--/",  # an A-label with nothing in it
    "http://jira.xn--zz/",  # an A-label that is not punycode
]


class Calls:
    """A resolver and an in-process transport that record what reached them."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.resolved: list[str] = []
        self.sent: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.resolved.append(host)
        return ["127.0.0.1"]

    def answer(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append(str(request.url))
        return self.handler(request)


def call(mode: str, calls: Calls, url: str) -> OutboundResponse:
    """One GET through the sync or the async client."""
    transport = httpx2.MockTransport(calls.answer)
    if mode == "sync":
        return OutboundClient(TransportOptions(), resolver=calls.resolve, transport=transport).get(url)

    async def run() -> OutboundResponse:
        client = AsyncOutboundClient(TransportOptions(), resolver=calls.resolve, transport=transport)
        try:
            return await client.get(url)
        finally:
            await client.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("url", TYPED_URLS)
def test_a_url_httpx2_cannot_send_is_invalid_input_and_nothing_is_looked_up(mode: str, url: str) -> None:
    with pytest.raises(InvalidInput) as checked:
        check_url(url)
    assert checked.value.key == "applinks.url.invalid"
    calls = Calls(lambda request: httpx2.Response(200, stream=httpx2.ByteStream(b"")))
    with pytest.raises(InvalidInput) as refused:
        call(mode, calls, url)
    assert refused.value.key == "applinks.url.invalid"
    assert calls.resolved == [] and calls.sent == []


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "location",
    [
        b"mailto:x",
        b"javascript:alert(1)",
        b"http://[::1",
        b"http://0251.0376.0251.0376/",
        "http://\u2603.invalid/".encode(),
        b"//\xff\xfe/",
    ],
)
def test_a_location_that_is_no_url_is_returned_as_it_came(mode: str, location: bytes) -> None:
    def moved(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(302, headers=[(b"Location", location)], stream=httpx2.ByteStream(b""))

    calls = Calls(moved)
    response = call(mode, calls, "http://remote.test/manifest")
    assert response.status_code == 302 and response.is_redirect
    assert response.location is not None
    assert [value for name, value in response.headers.raw if name.lower() == b"location"] == [location]
    assert calls.sent == ["http://remote.test/manifest"]  # never followed


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "failure", [httpx2.InvalidURL("Invalid URL in location header"), UnicodeEncodeError("ascii", "\u2603", 0, 1, "x")]
)
def test_a_failure_while_reading_an_answer_is_unexpected_response(mode: str, failure: Exception) -> None:
    # Stands in for any value in an answer that httpx2 fails to turn into a URL or text while it reads the
    # answer (it builds a next request from every 3xx, followed or not): the remote's fault, typed as such.
    def broken(request: httpx2.Request) -> httpx2.Response:
        raise failure

    with pytest.raises(UnexpectedResponse) as unexpected:
        call(mode, Calls(broken), "http://remote.test/manifest")
    assert unexpected.value.key == "applinks.remote.unexpected_response"
    assert unexpected.value.details["url"] == "http://remote.test/manifest"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_cookie_a_remote_sets_is_never_sent_on_a_later_call(mode: str) -> None:
    """The client is shared by every user and every link: a cookie one remote set on one call must not ride
    along on the next call (made for someone else, maybe to another remote on the same host)."""
    received: list[str | None] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        received.append(request.headers.get("cookie"))
        return httpx2.Response(200, headers={"Set-Cookie": "JSESSIONID=alice; Path=/"}, stream=httpx2.ByteStream(b"{}"))

    transport = httpx2.MockTransport(answer)
    urls = ["http://jira.example.test/rest/one", "http://jira.example.test/rest/two"]
    if mode == "sync":
        client = OutboundClient(TransportOptions(), resolver=lambda host, port: ["127.0.0.1"], transport=transport)
        try:
            for url in urls:
                client.get(url)
        finally:
            client.close()
    else:

        async def run() -> None:
            client = AsyncOutboundClient(
                TransportOptions(), resolver=lambda host, port: ["127.0.0.1"], transport=transport
            )
            try:
                for url in urls:
                    await client.get(url)
            finally:
                await client.aclose()

        asyncio.run(run())
    assert received == [None, None]


@pytest.mark.parametrize(
    ("location", "target"),
    [
        ("http://new.test/jira", "http://new.test/jira"),
        ("/jira", "http://old.test/jira"),
        ("javascript:alert(1)", None),
        ("mailto:x", None),
        ("http://[::1", None),
    ],
)
def test_only_an_http_url_is_a_redirect_target(location: str, target: str | None) -> None:
    response = OutboundResponse(302, httpx2.Headers({"Location": location}), b"", "http://old.test/rest/x")
    assert response.redirect_target == target
