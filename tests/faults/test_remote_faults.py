"""A remote that answers wrongly: HTML, 500, too old, not a peer, moved, another application, one-sided,
skewed clock, or a base URL that differs from our RPC URL. Each becomes its own typed status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from applinks.domain.link import Link
from applinks.identity import generic_application_id
from tests.faults.conftest import OUR_ID, OUR_URL, DiagnoserFactory
from tests.faults.remotes import OAUTH_OFF, Peer, ScriptedRemote

RID = "5e5e5e5e-0000-3000-8000-0000000000a1"


def link_at(url: str, *, link_id: str = RID, **kwargs: object) -> Link:
    return Link(id=link_id, type_id="refapp", name="Remote", display_url=url, rpc_url=url, **kwargs)  # type: ignore[arg-type]


def test_remote_answering_html_is_an_unexpected_response(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    url = remote.add("app", Peer(RID, manifest_answer=(200, "text/html", b"<html><body>Log in</body></html>")))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "UNEXPECTED_RESPONSE"
    assert status.to_json()["error"]["category"] == "NETWORK_ERROR"


def test_remote_answering_500_is_an_unexpected_status(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    url = remote.add("app", Peer(RID, manifest_answer=(500, "text/plain", b"boom")))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "UNEXPECTED_RESPONSE_STATUS"
    assert status.error.data["statusCode"] == 500


def test_system_link_is_not_checked(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    url = remote.add("app", Peer(RID))
    status = make_diagnoser().check(link_at(url, is_system=True))
    assert status.error is not None and status.error.type == "SYSTEM_LINK"
    assert status.to_json()["error"]["category"] == "SYSTEM"
    assert remote.hits == []


def test_generic_link_is_not_checked(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    url = remote.base("app")
    link = Link(RID, "generic", "Some app", url, url)
    status = make_diagnoser().check(link)
    assert status.error is not None and status.error.type == "GENERIC_LINK"
    assert status.to_json()["error"]["category"] == "NON_ATLASSIAN"
    assert status.healthy and remote.hits == []


def test_manifest_without_applinks_version_is_non_atlassian(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    url = remote.add("app", Peer(RID, applinks_version=""))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "NON_ATLASSIAN"


@pytest.mark.parametrize(("version", "phrase"), [("4.0.12", "not compatible"), ("4.3.1", "no status API")])
def test_remote_too_old(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote, version: str, phrase: str) -> None:
    url = remote.add("app", Peer(RID, applinks_version=version))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "REMOTE_VERSION_INCOMPATIBLE"
    assert phrase in status.error.details and status.error.data["remoteVersion"] == version
    assert status.to_json()["error"]["category"] == "INCOMPATIBLE"


def test_remote_without_a_link_back(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    url = remote.add("app", Peer(RID))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "NO_REMOTE_APPLINK"
    # Our ID first, then the ID a generic link to our URL would have (protocol.md §7).
    asked = [hit for hit in remote.hits if hit.endswith("/oauth")]
    assert asked == [
        f"/app/rest/applinks/3.0/status/{OUR_ID}/oauth",
        f"/app/rest/applinks/3.0/status/{generic_application_id(OUR_URL)}/oauth",
    ]


def test_remote_knowing_us_by_our_url_derived_id(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    url = remote.add("app", Peer(RID))
    remote.link_back("app", generic_application_id(OUR_URL), OAUTH_OFF, OAUTH_OFF)
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "DISABLED"


def test_redirect_is_reported_as_moved_with_the_new_url(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    new_home = remote.add("new", Peer(RID))
    url = remote.add("old", Peer(RID, redirect_to=new_home))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "REMOTE_MOVED"
    assert status.error.data["suggestedUrl"] == new_home
    assert "relocate" in " ".join(status.to_json()["error"]["advice"]["steps"])
    assert not any(hit.startswith("/new") for hit in remote.hits), "the redirect must not be followed"


def test_another_application_at_the_rpc_url(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    url = remote.add("app", Peer("0ther-app-1d", name="Impostor"))
    status = make_diagnoser().check(link_at(url))
    assert status.error is not None and status.error.type == "REMOTE_ID_CHANGED"
    assert status.error.data["remoteId"] == "0ther-app-1d"


def test_remote_base_url_differing_from_our_rpc_url_is_a_warning(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    url = remote.add("app", Peer(RID, url="https://tracker.example.com"))
    remote.link_back("app", OUR_ID, OAUTH_OFF, OAUTH_OFF)
    status = make_diagnoser().check(link_at(url))
    assert [w.type for w in status.warnings] == ["MANIFEST_URL_MISMATCH"]
    assert "https://tracker.example.com" in status.warnings[0].details


@pytest.mark.parametrize(("minutes", "warned"), [(0, False), (3, True), (-6, True)])
def test_clock_skew_is_measured_on_every_check(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote, minutes: int, warned: bool
) -> None:
    remote.clock_offset = timedelta(minutes=minutes)
    url = remote.add("app", Peer(RID))
    remote.link_back("app", OUR_ID, OAUTH_OFF, OAUTH_OFF)
    status = make_diagnoser().check(link_at(url))
    assert status.clock_skew is not None and abs(status.clock_skew - minutes * 60) <= 2
    assert ("CLOCK_SKEW" in [w.type for w in status.warnings]) is warned
    assert status.to_json()["clockSkewSeconds"] == status.clock_skew
