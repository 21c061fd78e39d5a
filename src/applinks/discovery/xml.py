"""Hardened XML parsing for everything a remote sends (no DTDs, no entities, capped size), and writing the
JAXB-style XML Atlassian products send and read (protocol.md §10)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

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


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fill_element(parent: Element, data: Mapping[str, Any]) -> None:
    """Children of ``parent`` from ``data`` as JAXB writes them: a null field is left out, a list repeats its
    element once per item, a mapping nests."""
    for key, value in data.items():
        if value is None:
            continue
        items = value if isinstance(value, list | tuple) else (value,)
        for item in items:
            child = SubElement(parent, key)
            if isinstance(item, Mapping):
                fill_element(child, item)
            elif item is not None:
                child.text = _text(item)


def element_bytes(element: Element) -> bytes:
    return XML_DECLARATION + tostring(element, encoding="unicode").encode("utf-8")


def to_xml(root: str, data: Mapping[str, Any], *, attributes: Mapping[str, str] | None = None) -> bytes:
    """``data`` as one XML document under ``root`` (see ``fill_element``)."""
    element = Element(root, dict(attributes or {}))
    fill_element(element, data)
    return element_bytes(element)
