"""Manifest publishing and parsing: XML and JSON round trips, required fields, hostile XML refused."""

from __future__ import annotations

import json

import defusedxml.ElementTree as ET
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from applinks.discovery.manifest import icon_path, manifest_to_xml, parse_manifest
from applinks.domain.manifest import OAUTH_2LO, OAUTH_3LO, Manifest
from applinks.errors import UnexpectedResponse

FULL = Manifest(
    id="098f6bcd-4621-3373-8ade-4e832627b4f6",
    name="Tracker & <Co>",
    type_id="jira",
    url="http://127.0.0.1:8080/jira",
    version="9.12.0",
    build_number=912000,
    applinks_version="9.1.4",
    inbound_authentication_types=[OAUTH_3LO, OAUTH_2LO],
    outbound_authentication_types=[OAUTH_3LO],
    public_signup=True,
    icon_url="http://127.0.0.1:8080/jira/static/applinks/icons/jira.svg",
    icon_uri="http://127.0.0.1:8080/jira/static/applinks/icons/jira.svg",
)


def test_xml_has_every_field_and_repeats_list_elements() -> None:
    root = ET.fromstring(manifest_to_xml(FULL))
    assert root.tag == "manifest"
    tags = [child.tag for child in root]
    for name in (
        "id",
        "name",
        "typeId",
        "version",
        "buildNumber",
        "applinksVersion",
        "publicSignup",
        "url",
        "iconUrl",
        "iconUri",
    ):
        assert tags.count(name) == 1, name
    assert [c.text for c in root.findall("inboundAuthenticationTypes")] == [OAUTH_3LO, OAUTH_2LO]
    assert [c.text for c in root.findall("outboundAuthenticationTypes")] == [OAUTH_3LO]
    assert root.findtext("publicSignup") == "true"
    assert root.findtext("buildNumber") == "912000"
    assert root.findtext("name") == "Tracker & <Co>"


def test_xml_round_trip() -> None:
    assert parse_manifest(manifest_to_xml(FULL), "application/xml") == FULL


def test_json_round_trip() -> None:
    assert parse_manifest(json.dumps(FULL.to_json()).encode(), "application/json") == FULL


def test_content_is_sniffed_when_the_type_is_wrong() -> None:
    assert parse_manifest(manifest_to_xml(FULL), "text/plain") == FULL
    assert parse_manifest(json.dumps(FULL.to_json()).encode(), "text/html") == FULL


def test_single_list_value_in_json_becomes_a_list() -> None:
    data = {**FULL.to_json(), "inboundAuthenticationTypes": OAUTH_3LO}
    assert parse_manifest(json.dumps(data).encode()).inbound_authentication_types == [OAUTH_3LO]


def test_missing_optional_fields_get_defaults() -> None:
    found = parse_manifest(b"<manifest><id>abc</id><url>http://x.test/</url></manifest>")
    assert (found.id, found.name, found.type_id, found.url, found.build_number) == (
        "abc",
        "http://x.test",
        "generic",
        "http://x.test",
        0,
    )


def test_icon_path() -> None:
    assert icon_path("jira") == "/static/applinks/icons/jira.svg"


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=40
).map(str.strip)


@settings(max_examples=60, deadline=None)
@given(name=_text, version=_text, build=st.integers(0, 2**31), signup=st.booleans(), types=st.lists(_text, max_size=3))
def test_round_trip_property(name: str, version: str, build: int, signup: bool, types: list[str]) -> None:
    manifest = Manifest(
        id="an-id",
        name=name or "http://x.test",
        type_id="refapp",
        url="http://x.test",
        version=version,
        build_number=build,
        inbound_authentication_types=types,
        public_signup=signup,
    )
    assert parse_manifest(manifest_to_xml(manifest)) == manifest
    assert parse_manifest(json.dumps(manifest.to_json()).encode()) == manifest


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<manifest><id>x</id><name>&lol3;</name><url>http://x.test</url></manifest>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest><id>x</id><name>&xxe;</name><url>http://x.test</url></manifest>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/evil.dtd">
<manifest><id>x</id><url>http://x.test</url></manifest>"""


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"hello world", "text/plain", "neither an XML nor a JSON"),
        (b"", "application/xml", "neither an XML nor a JSON"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "not an object"),
        (b'{"name": "x", "url": "http://x.test"}', "application/json", "no application id"),
        (b"<manifest><name>x</name><url>http://x.test</url></manifest>", "application/xml", "no application id"),
        (b"<manifest><id>x</id></manifest>", "application/xml", "no url"),
        (b'{"id": "../../x", "url": "http://x.test"}', "application/json", "not valid"),
        (b'{"id": "' + b"a" * 65 + b'", "url": "http://x.test"}', "application/json", "not valid"),
        (b"<html><body>Welcome</body></html>", "text/html", "not a <manifest>"),
        (b"<manifest><id>x</id>", "application/xml", "not well-formed"),
        (BILLION_LAUGHS, "application/xml", "DTDs or entities"),
        (EXTERNAL_ENTITY, "application/xml", "DTDs or entities"),
        (EXTERNAL_DTD, "application/xml", "DTDs or entities"),
        (b"<manifest>" + b"<x>y</x>" * 40_000 + b"</manifest>", "application/xml", "larger than"),
    ],
)
def test_bad_manifests_are_refused_clearly(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(UnexpectedResponse, match=message):
        parse_manifest(body, content_type)
