"""Answers in the caller's ``Accept`` type: JSON, or the JAXB-style XML Atlassian peers send and read
(protocol.md §10) — entities such as ``<applicationLink>`` and the ``<error status="…">`` error list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from fastapi import Request
from starlette.responses import JSONResponse, Response

from applinks.discovery.xml import element_bytes, fill_element, to_xml

XML = "application/xml"


def wants_xml(request: Request) -> bool:
    """True when the caller's ``Accept`` names XML before (or without) JSON; ``*/*`` and no header mean JSON.
    Browsers (which ask for ``text/html`` and ``application/xhtml+xml``) keep JSON."""
    accept = request.headers.get("accept", "").lower()
    if "xml" not in accept or "text/html" in accept:
        return False
    if "json" not in accept:
        return True
    return accept.find("xml") < accept.find("json")


def link_xml(data: Mapping[str, Any], self_url: str) -> bytes:
    """``<applicationLink>`` with its ``<link rel="self" href="…"/>`` (Atlassian's ``LinkedEntity``)."""
    element = Element("applicationLink")
    SubElement(element, "link", {"rel": "self", "href": self_url})
    keys = ("id", "typeId", "name", "displayUrl", "iconUrl", "rpcUrl", "isPrimary", "isSystem")
    fill_element(element, {key: data.get(key) for key in keys})
    return element_bytes(element)


def error_list_xml(status: int, messages: Iterable[str], fields: Iterable[str] = ()) -> bytes:
    """Atlassian's ``ErrorListEntity``: ``<error status="400"><message>…</message>…<fields>…</fields></error>``."""
    return to_xml("error", {"message": list(messages), "fields": list(fields)}, attributes={"status": str(status)})


def represent(
    request: Request,
    data: Mapping[str, Any],
    *,
    root: str,
    status_code: int = 200,
    xml: bytes | None = None,
) -> Response:
    """``data`` as JSON, or as XML under ``root`` (or the ready ``xml``) when the caller asks for XML."""
    if wants_xml(request):
        return Response(xml if xml is not None else to_xml(root, data), status_code=status_code, media_type=XML)
    return JSONResponse(dict(data), status_code=status_code)
