"""``/plugins/servlet/oauth/consumer-info``: this instance's consumer information, and reading a remote's."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from applinks.auth.oauth1.keys import normalise_public_key
from applinks.auth.oauth1.model import ConsumerInfo
from applinks.discovery.xml import parse_xml
from applinks.errors import InvalidInput, RemoteMoved, UnexpectedResponse, UnexpectedStatus
from applinks.transport.client import OutboundClient

CONSUMER_INFO_PATH = "/plugins/servlet/oauth/consumer-info"


def consumer_info_xml(info: ConsumerInfo) -> bytes:
    root = Element("consumer")
    for tag, value in (
        ("key", info.key),
        ("name", info.name),
        ("publicKey", info.public_key),
        ("description", info.description),
        ("callback", info.callback),
    ):
        # Atlassian leaves out an element whose value is null (JAXB): no empty <callback/> (protocol.md §10).
        if value is not None:
            SubElement(root, tag).text = value
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(root, encoding="unicode").encode()


def parse_consumer_info(body: bytes) -> ConsumerInfo:
    """Parse consumer information with the hardened XML parser; anything unexpected is UnexpectedResponse."""
    root = parse_xml(body, "consumer information")
    if root.tag != "consumer":
        raise UnexpectedResponse(f"the consumer information is <{root.tag}>, not <consumer>")
    fields = {child.tag: (child.text or "").strip() for child in root}
    key = fields.get("key", "")
    if not key or len(key) > 255 or any(ord(c) < 0x20 for c in key):
        raise UnexpectedResponse("the consumer information has no usable <key>")
    try:
        public_key = normalise_public_key(fields.get("publicKey", ""))
    except InvalidInput as exc:
        raise UnexpectedResponse(f"the consumer information carries no usable public key: {exc.message}") from exc
    return ConsumerInfo(
        key=key,
        name=(fields.get("name") or key)[:255],
        public_key=public_key,
        description=fields.get("description", ""),
        callback=fields.get("callback") or None,
    )


def fetch_consumer_info(client: OutboundClient, base_url: str) -> ConsumerInfo:
    """GET a remote's consumer information through the hardened outbound client (no redirects followed)."""
    url = base_url.rstrip("/") + CONSUMER_INFO_PATH
    response = client.get(url, headers={"Accept": "application/xml"})
    if response.is_redirect:
        raise RemoteMoved(f"{url} redirects to {response.location}", location=response.location or "")
    if response.status_code != 200:
        raise UnexpectedStatus(
            f"{url} answered HTTP {response.status_code}, not consumer information", status_code=response.status_code
        )
    return parse_consumer_info(response.content)
