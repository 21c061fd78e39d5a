"""Manifests: this instance's own (published), and a remote's (fetched and parsed, XML or JSON)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from applinks.discovery.xml import parse_xml
from applinks.domain.manifest import Manifest
from applinks.errors import RemoteMoved, UnexpectedResponse, UnexpectedStatus
from applinks.identity import is_valid_application_id
from applinks.transport.client import OutboundClient, OutboundResponse

MANIFEST_PATH = "/rest/applinks/1.0/manifest"
ICONS_PATH = "/static/applinks/icons"
_LIST_FIELDS = ("inboundAuthenticationTypes", "outboundAuthenticationTypes")


def icon_path(type_id: str) -> str:
    """Where this instance serves the icon of an application type (web/api/manifest.py answers it)."""
    return f"{ICONS_PATH}/{type_id}.svg"


def manifest_to_xml(manifest: Manifest) -> bytes:
    root = Element("manifest")
    for key, value in manifest.to_json().items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            child = SubElement(root, key)
            child.text = str(item).lower() if isinstance(item, bool) else str(item)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(root, encoding="unicode").encode()


def _from_mapping(data: dict[str, Any]) -> Manifest:
    ident = str(data.get("id") or "").strip()
    if not ident:
        raise UnexpectedResponse("the manifest has no application id")
    if not is_valid_application_id(ident):
        raise UnexpectedResponse("the manifest's application id is not valid (at most 64 URL-safe characters)")
    name = str(data.get("name") or "").strip()
    type_id = str(data.get("typeId") or "").strip()
    url = str(data.get("url") or "").strip().rstrip("/")
    if not url:
        raise UnexpectedResponse("the manifest has no url")

    def as_list(key: str) -> list[str]:
        raw = data.get(key) or []
        return [str(v) for v in (raw if isinstance(raw, list) else [raw])]

    try:
        build = int(data.get("buildNumber") or 0)
    except (TypeError, ValueError):
        build = 0
    return Manifest(
        id=ident,
        name=name or url,
        type_id=type_id or "generic",
        url=url,
        version=str(data.get("version") or ""),
        build_number=build,
        applinks_version=str(data.get("applinksVersion") or ""),
        inbound_authentication_types=as_list("inboundAuthenticationTypes"),
        outbound_authentication_types=as_list("outboundAuthenticationTypes"),
        public_signup=str(data.get("publicSignup")).lower() == "true",
        icon_url=str(data.get("iconUrl") or ""),
        icon_uri=str(data.get("iconUri") or ""),
    )


def parse_manifest(body: bytes, content_type: str = "") -> Manifest:
    """Parse a manifest in JSON or XML (by content type, else by sniffing)."""
    stripped = body.lstrip()
    if "json" in content_type.lower() or stripped.startswith(b"{"):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UnexpectedResponse("the manifest is not valid JSON") from exc
        if not isinstance(data, dict):
            raise UnexpectedResponse("the manifest JSON is not an object")
        return _from_mapping(data)
    if not stripped.startswith(b"<"):
        raise UnexpectedResponse("the answer is neither an XML nor a JSON manifest")
    root = parse_xml(body, "manifest")
    if root.tag != "manifest":
        raise UnexpectedResponse(f"the XML answer is <{root.tag}>, not a <manifest>")
    fields: dict[str, Any] = {}
    for child in root:
        text = (child.text or "").strip()
        if child.tag in _LIST_FIELDS:
            fields.setdefault(child.tag, []).append(text)
        else:
            fields[child.tag] = text
    return _from_mapping(fields)


def moved_to(response: OutboundResponse) -> str:
    """The base URL a manifest request's redirect points to (absolute, http(s)); ``UnexpectedResponse`` when
    its Location is no http(s) URL: that is never suggested as the application's new home."""
    target = response.redirect_target
    if target is None:
        raise UnexpectedResponse(
            f"{response.url} redirects to {response.location!r}, which is not an http(s) URL", url=response.url
        )
    return target.split(MANIFEST_PATH, 1)[0] if MANIFEST_PATH in target else target


def fetch_manifest(client: OutboundClient, base_url: str) -> Manifest:
    """Fetch a remote's manifest. Redirects are reported (``RemoteMoved``), never followed."""
    url = base_url.rstrip("/") + MANIFEST_PATH
    response = client.get(url, headers={"Accept": "application/xml, application/json;q=0.9"})
    if response.is_redirect:
        suggested = moved_to(response)
        raise RemoteMoved(f"the application at {base_url} has moved to {suggested}", location=suggested)
    if response.status_code != 200:
        raise UnexpectedStatus(
            f"{url} answered HTTP {response.status_code}, not a manifest; is this an application that "
            "speaks application links?",
            status_code=response.status_code,
        )
    return parse_manifest(response.content, response.headers.get("content-type", ""))
