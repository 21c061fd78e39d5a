"""OAuth levels and the status JSON shape of protocol.md §7."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from applinks.diagnostics.status import (
    IMPERSONATION_LEVEL,
    OAUTH_LEVEL,
    AuthLevels,
    Finding,
    LinkStatus,
    OAuthLevel,
)
from applinks.domain.link import Link
from applinks.errors import InvalidInput

LINK = Link("rid", "refapp", "Remote", "http://display", "http://rpc")


def test_level_round_trip() -> None:
    levels = AuthLevels(OAUTH_LEVEL, IMPERSONATION_LEVEL)
    assert AuthLevels.from_json(levels.to_json()) == levels
    assert levels.to_json()["outgoing"] == {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}


@pytest.mark.parametrize(
    "bad",
    [
        {"enabled": "yes"},
        {"enabled": False, "twoLoEnabled": True},
        {"enabled": True, "twoLoEnabled": False, "twoLoImpersonationEnabled": True},
        [],
    ],
)
def test_inconsistent_levels_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        OAuthLevel.from_json(bad)


def test_three_legged_only() -> None:
    assert OAuthLevel(True, False, False).three_lo_only
    assert not OAUTH_LEVEL.three_lo_only


def test_status_shape() -> None:
    status = LinkStatus(
        LINK,
        datetime(2026, 1, 1, tzinfo=UTC),
        Finding("LOCAL_AUTH_TOKEN_REQUIRED", "authorise first", authorisation_uri="http://x/authorize"),
        local=AuthLevels(OAUTH_LEVEL, OAUTH_LEVEL),
    )
    body = status.to_json()
    assert body["link"] == {
        "id": "rid",
        "name": "Remote",
        "displayUrl": "http://display",
        "rpcUrl": "http://rpc",
        "type": "refapp",
    }
    assert body["working"] is False
    assert body["error"]["category"] == "ACCESS_ERROR"
    assert body["error"]["type"] == "LOCAL_AUTH_TOKEN_REQUIRED"
    assert body["error"]["authorisationUri"] == "http://x/authorize"
    assert body["localAuthentication"]["incoming"]["enabled"] is True
    assert body["remoteAuthentication"] is None
    assert body["lozenge"] == "Authenticate to see status"


def test_generic_and_system_links_are_not_failures_for_doctor() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert LinkStatus(LINK, moment, Finding("GENERIC_LINK", "")).healthy
    assert LinkStatus(LINK, moment, Finding("SYSTEM_LINK", "")).healthy
    assert not LinkStatus(LINK, moment, Finding("DISABLED", "")).healthy
    assert LinkStatus(LINK, moment).healthy
