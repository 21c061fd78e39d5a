"""Which legacy authentication a link still uses (protocol.md §9): Trusted Applications in either direction,
or Basic outgoing. Diagnostics reports it (``LEGACY_UPDATE``/``LEGACY_REMOVAL``); migration removes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from applinks.auth.trusted_apps.service import TrustedAppsService
from applinks.domain.link import Link
from applinks.storage import outbound as outbound_repo

TRUSTED = "trusted"
BASIC = "basic"


@dataclass(frozen=True)
class LegacyState:
    """The legacy configuration of one link."""

    link_id: str
    trusted_incoming: bool
    trusted_outgoing: bool
    basic_outgoing: bool

    @property
    def names(self) -> set[str]:
        """``{"trusted", "basic"}`` or a part of it: what diagnostics and migration need to know."""
        found = set()
        if self.trusted_incoming or self.trusted_outgoing:
            found.add(TRUSTED)
        if self.basic_outgoing:
            found.add(BASIC)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "linkId": self.link_id,
            "trustedApplications": {"incoming": self.trusted_incoming, "outgoing": self.trusted_outgoing},
            "basic": {"outgoing": self.basic_outgoing},
            "legacy": sorted(self.names),
        }


class LegacyConfiguration:
    """Answers "which legacy authentication is configured on this link?" (the ``LegacyInfo`` diagnostics uses)."""

    def __init__(self, engine: Engine, trusted_apps: TrustedAppsService) -> None:
        self.engine = engine
        self.trusted_apps = trusted_apps

    def state(self, link: Link) -> LegacyState:
        trusted = self.trusted_apps.state(link.id)
        return LegacyState(link.id, trusted.incoming is not None, trusted.outgoing, self._basic(link.id))

    def legacy(self, link: Link) -> set[str]:
        return self.state(link).names

    def _basic(self, link_id: str) -> bool:
        # The outbound area owns the row; a username and a password together are a configured Basic provider.
        with self.engine.connect() as conn:
            row = outbound_repo.get_config(conn, link_id)
        return row is not None and bool(row.basic_username) and row.basic_password is not None
