"""The published manifest (XML and JSON), capabilities, type icons and a link's remote manifest."""

from __future__ import annotations

import defusedxml.ElementTree as ET
import httpx2

from applinks.discovery.manifest import parse_manifest
from applinks.domain.manifest import OAUTH_2LO, OAUTH_3LO
from tests.support import LiveInstance

MANIFEST = "/rest/applinks/1.0/manifest"
FIELDS = (
    "id",
    "name",
    "typeId",
    "version",
    "buildNumber",
    "applinksVersion",
    "inboundAuthenticationTypes",
    "outboundAuthenticationTypes",
    "publicSignup",
    "url",
    "iconUrl",
    "iconUri",
)


def test_xml_by_default_with_every_field(tracker: LiveInstance) -> None:
    instance = tracker.instance
    # Authentication modules register their provider names; make sure each list has two values, so that
    # the XML shows one element per value.
    added_in = [t for t in (OAUTH_3LO, OAUTH_2LO) if t not in instance.inbound_auth_types][:2]
    added_out = [t for t in (OAUTH_3LO, OAUTH_2LO) if t not in instance.outbound_auth_types][:2]
    instance.inbound_auth_types.extend(added_in)
    instance.outbound_auth_types.extend(added_out)
    inbound, outbound = list(instance.inbound_auth_types), list(instance.outbound_auth_types)
    try:
        with tracker.client(auth=None) as client:
            response = client.get(MANIFEST)
    finally:
        for value in added_in:
            instance.inbound_auth_types.remove(value)
        for value in added_out:
            instance.outbound_auth_types.remove(value)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "no-cache" in response.headers["cache-control"]
    root = ET.fromstring(response.content)
    assert root.tag == "manifest"
    assert {child.tag for child in root} == set(FIELDS)
    assert root.findtext("id") == tracker.application_id
    assert root.findtext("name") == "Tracker"
    assert root.findtext("typeId") == "refapp"
    assert root.findtext("url") == tracker.url
    assert root.findtext("applinksVersion") == "9.1.4"
    assert root.findtext("version") == tracker.settings.version
    assert root.findtext("buildNumber") == str(tracker.settings.build_number)
    assert root.findtext("publicSignup") == "false"
    assert [e.text for e in root.findall("inboundAuthenticationTypes")] == inbound
    assert [e.text for e in root.findall("outboundAuthenticationTypes")] == outbound
    assert len(inbound) >= 2 and len(outbound) >= 2


def test_json_when_asked(tracker: LiveInstance) -> None:
    with tracker.client(auth=None) as client:
        response = client.get(MANIFEST, headers={"Accept": "application/json"})
        xml_first = client.get(MANIFEST, headers={"Accept": "application/xml, application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "no-cache" in response.headers["cache-control"]
    data = response.json()
    assert set(data) == set(FIELDS)
    assert data["id"] == tracker.application_id
    assert data["url"] == tracker.url
    assert isinstance(data["buildNumber"], int)
    assert data["publicSignup"] is False
    assert isinstance(data["inboundAuthenticationTypes"], list)
    assert xml_first.headers["content-type"].startswith("application/xml")


def test_url_comes_from_the_configured_base_url_not_the_host_header(tracker: LiveInstance) -> None:
    spoofed = {"Host": "evil.example:666", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    with tracker.client(auth=None) as client:
        as_xml = client.get(MANIFEST, headers=spoofed)
        as_json = client.get(MANIFEST, headers={**spoofed, "Accept": "application/json"})
    assert "evil" not in as_xml.text
    assert ET.fromstring(as_xml.content).findtext("url") == tracker.url
    assert as_json.json()["url"] == tracker.url
    assert as_json.json()["iconUrl"].startswith(tracker.url + "/")


def test_published_manifest_parses_back(tracker: LiveInstance) -> None:
    with tracker.client(auth=None) as client:
        as_xml = client.get(MANIFEST)
        as_json = client.get(MANIFEST, headers={"Accept": "application/json"})
    from_xml = parse_manifest(as_xml.content, as_xml.headers["content-type"])
    from_json = parse_manifest(as_json.content, as_json.headers["content-type"])
    assert from_xml == from_json == tracker.instance.manifest()


def test_icon_url_is_served(tracker: LiveInstance) -> None:
    with tracker.client(auth=None) as client:
        manifest = client.get(MANIFEST, headers={"Accept": "application/json"}).json()
        assert manifest["iconUrl"] == manifest["iconUri"]
        assert manifest["iconUrl"]
        icon = client.get(manifest["iconUrl"].removeprefix(tracker.url))
        unknown = client.get("/static/applinks/icons/nosuchtype.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in icon.headers["content-security-policy"]
    root = ET.fromstring(icon.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not root.findall(".//{http://www.w3.org/2000/svg}script")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "applinks.icon.notfound"


def test_capabilities(tracker: LiveInstance) -> None:
    with tracker.client(auth=None) as client:
        response = client.get("/rest/applinks/3.0/capabilities")
    assert response.status_code == 200
    assert response.json() == ["STATUS_API", "MIGRATION_API"]


def test_manifest_of_a_link_remote_end(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with tracker.client() as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": wiki.url})
        assert created.status_code == 201, created.text
        remote = client.get(f"{MANIFEST}/{wiki.application_id}", headers={"Accept": "application/json"})
        remote_xml = client.get(f"{MANIFEST}/{wiki.application_id}")
        missing = client.get(f"{MANIFEST}/no-such-link")
    assert remote.status_code == 200
    assert remote.json()["id"] == wiki.application_id
    assert remote.json()["name"] == "Wiki"
    assert ET.fromstring(remote_xml.content).findtext("id") == wiki.application_id
    assert missing.status_code == 404
    assert missing.json()["error"] == "applinks.link.notfound"
    with httpx2.Client(base_url=tracker.url, trust_env=False) as anonymous:
        assert anonymous.get(f"{MANIFEST}/{wiki.application_id}").status_code == 401
