"""Answers in the caller's Accept type: which callers get XML, and the XML shapes Atlassian reads (§10)."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

import pytest
from starlette.requests import Request

from applinks.web.representation import error_list_xml, link_xml, wants_xml


def _request(accept: str | None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


@pytest.mark.parametrize(
    ("accept", "xml"),
    [
        ("application/xml", True),
        ("application/xml, application/json", True),
        ("application/json, application/xml", False),
        ("application/json", False),
        ("*/*", False),
        (None, False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
    ],
)
def test_who_gets_xml(accept: str | None, xml: bool) -> None:
    assert wants_xml(_request(accept)) is xml


def test_error_list_entity() -> None:
    root = fromstring(error_list_xml(400, ["bad <input> & more"]))  # noqa: S314 - our own output
    assert (root.tag, root.get("status")) == ("error", "400")
    assert [m.text for m in root.findall("message")] == ["bad <input> & more"]


def test_application_link_entity_leaves_out_unknown_fields() -> None:
    data = {"id": "x", "typeId": "jira", "name": "J", "displayUrl": "http://j", "rpcUrl": "http://j", "isPrimary": True}
    root = fromstring(link_xml(data, "http://me/rest/applinks/1.0/applicationlink/x"))  # noqa: S314
    assert root.tag == "applicationLink"
    assert root.find("link").attrib == {"rel": "self", "href": "http://me/rest/applinks/1.0/applicationlink/x"}
    assert root.findtext("isPrimary") == "true" and root.find("iconUrl") is None
