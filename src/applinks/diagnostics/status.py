"""The result of checking a link: OAuth levels per direction, the error found, warnings, in the §7 JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from applinks.diagnostics.advice import CONNECTED, UNCHECKABLE, advice_for, category_of
from applinks.domain.link import Link
from applinks.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class OAuthLevel:
    """One direction's OAuth level: disabled, OAuth (3LO + 2LO) or OAuth with impersonation (+ 2LOi)."""

    enabled: bool = False
    two_lo_enabled: bool = False
    two_lo_impersonation_enabled: bool = False

    @property
    def three_lo_only(self) -> bool:
        """The deprecated level: 3-legged without 2-legged."""
        return self.enabled and not self.two_lo_enabled

    def to_json(self) -> dict[str, bool]:
        return {
            "enabled": self.enabled,
            "twoLoEnabled": self.two_lo_enabled,
            "twoLoImpersonationEnabled": self.two_lo_impersonation_enabled,
        }

    @classmethod
    def from_json(cls, data: object) -> OAuthLevel:
        if not isinstance(data, dict):
            raise InvalidInput("an OAuth level must be an object with three booleans", key="applinks.status.level")
        values = []
        for key in ("enabled", "twoLoEnabled", "twoLoImpersonationEnabled"):
            value = data.get(key, False)
            if not isinstance(value, bool):
                raise InvalidInput(f"{key} must be true or false", key="applinks.status.level")
            values.append(value)
        level = cls(*values)
        if (level.two_lo_enabled or level.two_lo_impersonation_enabled) and not level.enabled:
            raise InvalidInput("2-legged OAuth needs OAuth enabled", key="applinks.status.level")
        if level.two_lo_impersonation_enabled and not level.two_lo_enabled:
            raise InvalidInput("impersonation needs 2-legged OAuth enabled", key="applinks.status.level")
        return level


DISABLED_LEVEL = OAuthLevel()
OAUTH_LEVEL = OAuthLevel(True, True, False)
IMPERSONATION_LEVEL = OAuthLevel(True, True, True)


@dataclass(frozen=True, slots=True)
class AuthLevels:
    """Both directions of one end of a link."""

    incoming: OAuthLevel = DISABLED_LEVEL
    outgoing: OAuthLevel = DISABLED_LEVEL

    @property
    def all_disabled(self) -> bool:
        return not self.incoming.enabled and not self.outgoing.enabled

    def to_json(self) -> dict[str, dict[str, bool]]:
        return {"incoming": self.incoming.to_json(), "outgoing": self.outgoing.to_json()}

    @classmethod
    def from_json(cls, data: object) -> AuthLevels:
        if not isinstance(data, dict):
            raise InvalidInput("expected {incoming: {…}, outgoing: {…}}", key="applinks.status.level")
        return cls(OAuthLevel.from_json(data.get("incoming")), OAuthLevel.from_json(data.get("outgoing")))


@dataclass(slots=True)
class Finding:
    """An error or a warning: its type (advice.py), what was seen, and for access errors where to authorise."""

    type: str
    details: str
    authorisation_uri: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self, *, with_category: bool = True) -> dict[str, Any]:
        advice = advice_for(self.type)
        body: dict[str, Any] = {"type": self.type, "details": self.details}
        if with_category:
            body = {"category": category_of(self.type).value, **body}
        if self.authorisation_uri:
            body["authorisationUri"] = self.authorisation_uri
        body.update(self.data)
        body["advice"] = advice.to_json()
        return body


@dataclass(slots=True)
class LinkStatus:
    """What one check of a link found (protocol.md §7, plus warnings, clock skew and advice)."""

    link: Link
    checked_at: datetime
    error: Finding | None = None
    warnings: list[Finding] = field(default_factory=list)
    local: AuthLevels | None = None
    remote: AuthLevels | None = None
    clock_skew: float | None = None

    @property
    def working(self) -> bool:
        return self.error is None

    @property
    def checkable(self) -> bool:
        """False for links diagnostics does not check (system and generic links)."""
        return self.error is None or category_of(self.error.type) not in UNCHECKABLE

    @property
    def healthy(self) -> bool:
        """Working, or a link that cannot be checked: what ``applinks doctor`` treats as fine."""
        return self.working or not self.checkable

    @property
    def lozenge(self) -> str:
        return CONNECTED if self.error is None else advice_for(self.error.type).lozenge

    def to_json(self) -> dict[str, Any]:
        link = self.link
        return {
            "link": {
                "id": link.id,
                "name": link.name,
                "displayUrl": link.display_url,
                "rpcUrl": link.rpc_url,
                "type": link.type_id,
            },
            "working": self.working,
            "lozenge": self.lozenge,
            "localAuthentication": (self.local or AuthLevels()).to_json(),
            "remoteAuthentication": self.remote.to_json() if self.remote else None,
            "error": self.error.to_json() if self.error else None,
            "warnings": [w.to_json(with_category=False) for w in self.warnings],
            "clockSkewSeconds": self.clock_skew,
            "checkedAt": self.checked_at.isoformat(),
        }


NEVER_CHECKED = "NOT CHECKED"


def with_age(status: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A stored (or just made) status with the age of its result, in whole seconds."""
    checked = status.get("checkedAt")
    age = None
    if isinstance(checked, str):
        try:
            age = max(0, int((now - datetime.fromisoformat(checked)).total_seconds()))
        except (ValueError, TypeError):
            age = None
    return {**status, "ageSeconds": age}


def overview(links: list[Link], stored: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Every link's last stored status with its age, and a "NOT CHECKED" entry for each link never checked:
    the same entries as ``applinks doctor --json`` gives for a check made now."""
    by_id = {status["link"]["id"]: status for status in stored if isinstance(status.get("link"), dict)}
    entries = []
    for link in links:
        found = by_id.get(link.id)
        if found is not None:
            entries.append(with_age(found, now))
            continue
        entries.append(
            {
                "link": {
                    "id": link.id,
                    "name": link.name,
                    "displayUrl": link.display_url,
                    "rpcUrl": link.rpc_url,
                    "type": link.type_id,
                },
                "working": None,
                "lozenge": NEVER_CHECKED,
                "localAuthentication": None,
                "remoteAuthentication": None,
                "error": None,
                "warnings": [],
                "clockSkewSeconds": None,
                "checkedAt": None,
                "ageSeconds": None,
            }
        )
    return entries
