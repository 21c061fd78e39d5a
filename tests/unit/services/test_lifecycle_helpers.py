"""Pure helpers of the lifecycle services: cloud URL rule, levels, remote messages, entity keys, results."""

from __future__ import annotations

import base64

import httpx2
import pytest

from applinks.domain.link import Link
from applinks.domain.manifest import Manifest
from applinks.errors import InvalidInput
from applinks.services.entity_links import check_key, check_type
from applinks.services.lifecycle import MOVED_PROPERTY, moved_state, parse_level
from applinks.services.registry import check_cloud_https, remote_display_url
from applinks.services.remote import basic_headers, remote_message
from applinks.services.wizard.model import APPLINKS, UNREACHABLE, CreateLinkResult, RemoteCheck, SideReport
from applinks.transport.client import OutboundResponse


@pytest.mark.parametrize(
    "url",
    ["http://acme.atlassian.net", "http://ACME.Atlassian.NET/wiki", "http://atlassian.net", "http://x.atlassian.net."],
)
def test_cloud_sites_need_https(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_cloud_https(url)
    assert caught.value.key == "applinks.url.cloud_https"
    assert "https://" in caught.value.message


@pytest.mark.parametrize(
    "url", ["https://acme.atlassian.net", "http://atlassian.net.example.com", "http://notatlassian.net"]
)
def test_other_urls_pass_the_cloud_rule(url: str) -> None:
    check_cloud_https(url)


def test_display_url_from_a_manifest_is_only_http() -> None:
    manifest = Manifest(id="x", name="x", type_id="refapp", url="javascript:alert(1)")
    assert remote_display_url(manifest, "http://fallback.test") == "http://fallback.test"
    manifest.url = "https://wiki.example.com/"
    assert remote_display_url(manifest, "http://fallback.test") == "https://wiki.example.com"


@pytest.mark.parametrize(
    ("given", "level"),
    [
        ("OAuth", "oauth"),
        ("impersonation", "impersonation"),
        ("oauth-impersonation", "impersonation"),
        ("off", "disabled"),
    ],
)
def test_levels_by_name(given: str, level: str) -> None:
    assert parse_level(given) == level


def test_unknown_level_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_level("trusted")


def test_basic_headers() -> None:
    header = basic_headers("admin", "pä:ss")["Authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == "admin:pä:ss"


def _response(status: int, body: bytes, content_type: str = "application/json") -> OutboundResponse:
    return OutboundResponse(status, httpx2.Headers({"content-type": content_type}), body, "http://remote.test/x")


def test_remote_message_prefers_the_json_message() -> None:
    assert remote_message(_response(400, b'{"status": 400, "message": "the URL is blank"}')) == "the URL is blank"
    assert remote_message(_response(500, b"<html>oops</html>", "text/html")) == "HTTP 500"
    assert remote_message(_response(502, b"bad gateway" * 100, "text/plain")).startswith("bad gateway")
    assert len(remote_message(_response(502, b"x" * 5000, "text/plain"))) <= 300


@pytest.mark.parametrize("key", ["DOCS", "docs-1", "~alice", "a.b_c"])
def test_entity_keys(key: str) -> None:
    assert check_key(key, "key") == key


@pytest.mark.parametrize("key", ["", "a b", "a/b", "x" * 256, "\u00e9t\u00e9", "<script>"])
def test_bad_entity_keys(key: str) -> None:
    with pytest.raises(InvalidInput):
        check_key(key, "key")


@pytest.mark.parametrize("type_id", ["", ".x", "a b", "a/b", "x" * 101])
def test_bad_entity_types(type_id: str) -> None:
    with pytest.raises(InvalidInput):
        check_type(type_id, "type")


def test_remote_check_json() -> None:
    manifest = Manifest(id="id", name="Tracker", type_id="refapp", url="http://tracker.test/")
    ok = RemoteCheck("http://tracker.test", APPLINKS, manifest=manifest).to_json()
    assert ok["displayUrlDiffers"] is False and ok["genericAllowed"] is False
    differs = RemoteCheck("http://10.0.0.1", APPLINKS, manifest=manifest).to_json()
    assert differs["displayUrlDiffers"] is True
    down = RemoteCheck("http://x.test", UNREACHABLE, warning="no answer", kind="CONNECTION_REFUSED").to_json()
    assert down["genericAllowed"] is True and down["errorType"] == "CONNECTION_REFUSED"


def test_authentication_is_complete_only_when_every_side_is_configured() -> None:
    link = Link("id", "refapp", "Tracker", "http://t.test", "http://t.test")
    on = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}
    local = SideReport("http://w.test", "created", on, on)
    remote = SideReport("http://t.test", "created", on, None)
    assert not CreateLinkResult(link, True, False, local, remote).authentication_complete
    remote.outgoing = on
    assert CreateLinkResult(link, True, False, local, remote).authentication_complete
    remote.problems.append("something")
    assert not CreateLinkResult(link, True, False, local, remote).authentication_complete
    assert not CreateLinkResult(link, False, False, local).authentication_complete


def test_moved_state_from_link_properties() -> None:
    link = Link("id", "refapp", "Tracker", "http://t.test", "http://t.test")
    assert moved_state(link).moved is False
    link.properties[MOVED_PROPERTY] = {"reason": "redirect", "suggestedUrl": "http://n.test", "checkedAt": "now"}
    state = moved_state(link)
    assert (state.moved, state.suggested_url, state.reason) == (True, "http://n.test", "redirect")
