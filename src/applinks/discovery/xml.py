"""Hardened XML parsing for everything a remote sends (no DTDs, no entities, capped size)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from applinks.errors import UnexpectedResponse

MAX_XML_BYTES = 256 * 1024


def parse_xml(data: bytes, what: str) -> Element:
    if len(data) > MAX_XML_BYTES:
        raise UnexpectedResponse(f"the {what} is larger than {MAX_XML_BYTES} bytes")
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnexpectedResponse(f"the {what} uses DTDs or entities, which are refused") from exc
    except SafeET.ParseError as exc:
        raise UnexpectedResponse(f"the {what} is not well-formed XML: {exc}") from exc
    return root
