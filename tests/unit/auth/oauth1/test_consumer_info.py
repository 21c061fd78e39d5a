"""Consumer information: what we publish, and reading a remote's with the hardened parser and client."""

from __future__ import annotations

import httpx2
import pytest

from applinks.auth.oauth1.consumer_info import consumer_info_xml, fetch_consumer_info, parse_consumer_info
from applinks.auth.oauth1.model import ConsumerInfo
from applinks.errors import RemoteMoved, UnexpectedResponse, UnexpectedStatus
from applinks.transport.client import OutboundClient, TransportOptions
from tests.integration.oauth1_support import key_pair


def test_published_xml_parses_back() -> None:
    info = ConsumerInfo(key="Tracker:123", name="Tracker <&>", public_key=key_pair().public_b64, description="d")
    xml = consumer_info_xml(info)
    assert xml.startswith(b"<?xml")
    assert b"<publicKey>" + info.public_key.encode() + b"</publicKey>" in xml
    assert parse_consumer_info(xml) == info


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<consumer><key>&lol2;</key><publicKey>x</publicKey></consumer>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE consumer [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<consumer><key>&xxe;</key><publicKey>x</publicKey></consumer>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE consumer SYSTEM "http://127.0.0.1:9/evil.dtd"><consumer><key>k</key></consumer>"""


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"this is not xml",
        b'{"key": "k"}',
        b"<manifest><key>k</key></manifest>",
        b"<consumer><publicKey>AAAA</publicKey></consumer>",
        b"<consumer><key>k</key><publicKey>not-a-key</publicKey></consumer>",
        BILLION_LAUGHS,
        EXTERNAL,
        EXTERNAL_DTD,
        b"<consumer>" + b"<x>y</x>" * 40000 + b"</consumer>",
    ],
)
def test_garbage_entities_and_oversized_answers_are_refused(body: bytes) -> None:
    with pytest.raises(UnexpectedResponse):
        parse_consumer_info(body)


def _client(handler: httpx2.MockTransport) -> OutboundClient:
    # Responses are built with streams: the outbound client reads bodies incrementally (with its caps).
    return OutboundClient(TransportOptions(), resolver=lambda host, port: ["127.0.0.1"], transport=handler)


def test_fetch_reads_the_remote_consumer_info() -> None:
    info = ConsumerInfo(key="Wiki:9", name="Wiki", public_key=key_pair().public_b64)
    seen: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        body = httpx2.ByteStream(consumer_info_xml(info))
        return httpx2.Response(200, stream=body, headers={"content-type": "application/xml"})

    client = _client(httpx2.MockTransport(answer))
    try:
        assert fetch_consumer_info(client, "http://wiki.test:8080/ctx/") == info
    finally:
        client.close()
    assert seen == ["/ctx/plugins/servlet/oauth/consumer-info"]


def test_fetch_reports_redirects_and_bad_statuses_without_following() -> None:
    calls: list[str] = []

    def redirect(request: httpx2.Request) -> httpx2.Response:
        calls.append(str(request.url))
        return httpx2.Response(
            302, headers={"location": "http://169.254.169.254/latest"}, stream=httpx2.ByteStream(b"")
        )

    client = _client(httpx2.MockTransport(redirect))
    try:
        with pytest.raises(RemoteMoved):
            fetch_consumer_info(client, "http://wiki.test")
    finally:
        client.close()
    assert len(calls) == 1
    client = _client(httpx2.MockTransport(lambda request: httpx2.Response(500, stream=httpx2.ByteStream(b"boom"))))
    try:
        with pytest.raises(UnexpectedStatus):
            fetch_consumer_info(client, "http://wiki.test")
    finally:
        client.close()
