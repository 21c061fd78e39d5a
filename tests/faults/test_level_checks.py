"""The level, legacy and access checks and the final signed round trip, against a scripted remote, with the
auth areas replaced by small fakes (the live versions are in tests/integration/test_status_live.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx2

from applinks.diagnostics.status import DISABLED_LEVEL, OAUTH_LEVEL, AuthLevels, OAuthLevel
from applinks.domain.link import Link
from applinks.errors import CredentialsRequired
from applinks.host import HostUser
from applinks.transport.client import OutboundResponse
from tests.faults.conftest import OUR_ID, DiagnoserFactory
from tests.faults.remotes import OAUTH_OFF, OAUTH_ON, Peer, ScriptedRemote

RID = "5e5e5e5e-0000-3000-8000-0000000000b2"
THREE_LO_ONLY = {"enabled": True, "twoLoEnabled": False, "twoLoImpersonationEnabled": False}


@dataclass
class FakeLevels:
    levels_: AuthLevels

    def levels(self, link: Link) -> AuthLevels:
        return self.levels_

    def set_levels(self, link: Link, levels: AuthLevels, actor: HostUser) -> AuthLevels:
        self.levels_ = levels
        return levels


@dataclass
class FakeLegacy:
    configured: set[str]

    def legacy(self, link: Link) -> set[str]:
        return set(self.configured)


@dataclass
class FakeSigned:
    """Answers the signed status GET with a canned response; ``user_get`` may demand credentials."""

    status: int = 200
    body: str = json.dumps({"incoming": OAUTH_ON, "outgoing": OAUTH_ON})
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    user_status: int | None = None
    calls: list[str] = field(default_factory=list)

    def two_legged_get(self, link: Link, url: str) -> OutboundResponse:
        self.calls.append(url)
        return OutboundResponse(self.status, httpx2.Headers(self.headers), self.body.encode(), url)

    def user_get(self, link: Link, user: HostUser | None, url: str) -> OutboundResponse:
        self.calls.append(url)
        if self.user_status is None:
            raise CredentialsRequired(
                "authorise first", authorisation_base="http://us/plugins/servlet/applinks/oauth/login-dance/authorize"
            )
        return OutboundResponse(self.user_status, httpx2.Headers(), b"", url)


def linked(remote: ScriptedRemote, incoming: dict[str, bool], outgoing: dict[str, bool], **peer: object) -> Link:
    url = remote.add("app", Peer(RID, **peer))  # type: ignore[arg-type]
    remote.link_back("app", OUR_ID, incoming, outgoing)
    return Link(RID, "refapp", "Remote", url, url)


OAUTH_BOTH = AuthLevels(OAUTH_LEVEL, OAUTH_LEVEL)


def test_healthy_link_is_working(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_ON, OAUTH_ON)
    signed = FakeSigned()
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=signed).check(link)
    assert status.working, status.error
    assert status.lozenge == "CONNECTED"
    assert signed.calls == [f"{link.rpc_url}/rest/applinks/3.0/status/{OUR_ID}/oauth"]
    assert status.remote == OAUTH_BOTH


def test_three_legged_only_is_unsupported(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, THREE_LO_ONLY, OAUTH_ON)
    local = AuthLevels(OAUTH_LEVEL, OAuthLevel(True, False, False))
    status = make_diagnoser(levels=FakeLevels(local), signed=FakeSigned()).check(link)
    assert status.error is not None and status.error.type == "AUTH_LEVEL_UNSUPPORTED"


def test_levels_that_differ_are_a_mismatch(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_OFF, OAUTH_ON)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=FakeSigned()).check(link)
    assert status.error is not None and status.error.type == "AUTH_LEVEL_MISMATCH"
    assert "our outgoing level differs" in status.error.details
    body = status.to_json()
    assert body["localAuthentication"]["outgoing"]["enabled"] is True
    assert body["remoteAuthentication"]["incoming"]["enabled"] is False


def test_legacy_only_wants_an_update(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_OFF, OAUTH_OFF)
    status = make_diagnoser(legacy=FakeLegacy({"basic"})).check(link)
    assert status.error is not None and status.error.type == "LEGACY_UPDATE"
    assert status.lozenge == "UPGRADE CONFIG"


def test_legacy_next_to_oauth_wants_removal(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_ON, OAUTH_ON)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), legacy=FakeLegacy({"trusted"})).check(link)
    assert status.error is not None and status.error.type == "LEGACY_REMOVAL"


def test_legacy_on_a_remote_without_migration_is_manual(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    link = linked(remote, OAUTH_OFF, OAUTH_OFF, capabilities=["STATUS_API"])
    status = make_diagnoser(legacy=FakeLegacy({"basic"})).check(link)
    assert status.error is not None and status.error.type == "MANUAL_LEGACY_UPDATE"


def test_everything_off_is_disabled(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_OFF, OAUTH_OFF)
    status = make_diagnoser(levels=FakeLevels(AuthLevels())).check(link)
    assert status.error is not None and status.error.type == "DISABLED"


def test_incoming_only_has_no_outgoing_auth(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_OFF, OAUTH_ON)
    local = AuthLevels(OAUTH_LEVEL, DISABLED_LEVEL)
    status = make_diagnoser(levels=FakeLevels(local), signed=FakeSigned()).check(link)
    assert status.error is not None and status.error.type == "NO_OUTGOING_AUTH"


def test_status_needing_authentication_without_a_token(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    link = linked(remote, OAUTH_ON, OAUTH_ON, status_code_for_status=401)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=FakeSigned()).check(link, HostUser("alice"))
    assert status.error is not None and status.error.type == "LOCAL_AUTH_TOKEN_REQUIRED"
    body = status.to_json()["error"]
    assert body["category"] == "ACCESS_ERROR"
    assert body["authorisationUri"] == "http://us/plugins/servlet/applinks/oauth/login-dance/authorize"


def test_status_refused_to_a_non_admin(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_ON, OAUTH_ON, status_code_for_status=401)
    signed = FakeSigned(user_status=403)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=signed).check(link, HostUser("alice"))
    assert status.error is not None and status.error.type == "INSUFFICIENT_REMOTE_PERMISSION"


def problem(name: str, **extra: str) -> FakeSigned:
    from urllib.parse import urlencode

    return FakeSigned(
        status=401,
        body=urlencode({"oauth_problem": name, **extra}),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "www-authenticate": f'OAuth realm="r", oauth_problem="{name}"',
        },
    )


def test_timestamp_refused_names_the_measured_skew(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    remote.clock_offset = timedelta(minutes=-6)
    link = linked(remote, OAUTH_ON, OAUTH_ON)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=problem("timestamp_refused")).check(link)
    assert status.error is not None and status.error.type == "OAUTH_TIMESTAMP_REFUSED"
    assert "6 min" in status.error.details and "behind ours" in status.error.details


def test_signature_invalid_names_the_url_the_remote_verified(
    make_diagnoser: DiagnoserFactory, remote: ScriptedRemote
) -> None:
    link = linked(remote, OAUTH_ON, OAUTH_ON, url="http://internal.example:8080")
    base_string = "GET&http%3A%2F%2Finternal.example%3A8080%2Frest%2Fapplinks%2F1.0%2Fmanifest&oauth_nonce%3D1"
    signed = problem("signature_invalid", oauth_signature_base_string=base_string)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=signed).check(link)
    assert status.error is not None and status.error.type == "OAUTH_SIGNATURE_INVALID"
    assert "the remote verified against http://internal.example:8080/rest/applinks/1.0/manifest" in (
        status.error.details
    )
    assert "APPLINKS_BASE_URL" in " ".join(status.to_json()["error"]["advice"]["steps"])


def test_other_oauth_problems(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    link = linked(remote, OAUTH_ON, OAUTH_ON)
    status = make_diagnoser(levels=FakeLevels(OAUTH_BOTH), signed=problem("consumer_key_unknown")).check(link)
    assert status.error is not None and status.error.type == "OAUTH_PROBLEM"
    assert status.error.data["oauthProblem"] == "consumer_key_unknown"


def test_checked_at_comes_from_the_injected_clock(make_diagnoser: DiagnoserFactory, remote: ScriptedRemote) -> None:
    moment = datetime(2030, 5, 17, 8, 0, tzinfo=UTC)
    link = linked(remote, OAUTH_OFF, OAUTH_OFF)
    status = make_diagnoser(clock=lambda: moment).check(link)
    assert status.checked_at == moment
