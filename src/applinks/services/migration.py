"""Migrating a link's legacy authentication to OAuth (protocol.md §9): Trusted Applications → OAuth with
impersonation, Basic → OAuth, on both ends where possible.

The remote end goes first, with its administrator's credentials (or the link's stored Basic credentials when
they are an administrator's there): its OAuth levels for our link are set through its status API and its
Trusted Applications trust is removed through the auto-configuration endpoint. Then this end: OAuth at the
same level in both directions, and the legacy configuration removed. Without usable remote credentials only
this end is migrated and the result says what the remote administrator has to do."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from applinks.auth.legacy import BASIC, TRUSTED, LegacyConfiguration, LegacyState
from applinks.auth.trusted_apps.protocol import AUTOCONFIG_PATH
from applinks.auth.trusted_apps.service import RemoteAdmin
from applinks.domain.links import Link
from applinks.errors import (
    AppLinksError,
    Conflict,
    PermissionDenied,
    RemoteCredentialsRefused,
    UnexpectedStatus,
)
from applinks.host import HostUser
from applinks.services.remote import remote_message

if TYPE_CHECKING:
    from applinks.instance import Instance

STATUS_OAUTH_PATH = "/rest/applinks/3.0/status/{}/oauth"
IMPERSONATION, OAUTH = "impersonation", "oauth"
_LEVEL_JSON = {
    OAUTH: {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False},
    IMPERSONATION: {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True},
}


@dataclass
class MigrationResult:
    """What the migration found and did on each end."""

    link_id: str
    found: list[str]
    level: str
    local: LegacyState
    remote: str  # migrated | manual
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "linkId": self.link_id,
            "migrated": self.found,
            "level": self.level,
            "local": self.local.to_json(),
            "remote": self.remote,
            "messages": self.messages,
        }


def target_level(found: set[str]) -> str:
    """Trusted Applications impersonate, so they become OAuth with impersonation; Basic becomes OAuth."""
    return IMPERSONATION if TRUSTED in found else OAUTH


class LegacyMigration:
    """``POST /rest/applinks/3.0/migration/{id}`` and ``applinks legacy migrate``."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.legacy = LegacyConfiguration(instance.engine, instance.trusted_apps)

    def state(self, link_id: str) -> LegacyState:
        return self.legacy.state(self.instance.links.get(link_id))

    def migrate(self, link_id: str, *, actor: HostUser, remote: RemoteAdmin | None = None) -> MigrationResult:
        link = self.instance.links.get(link_id)
        before = self.legacy.state(link)
        found = before.names
        if not found:
            raise Conflict(
                f"{link.name} uses no legacy authentication: nothing to migrate", key="applinks.migration.none"
            )
        level = target_level(found)
        if level == IMPERSONATION and not actor.is_sysadmin:
            raise PermissionDenied(
                "migrating Trusted Applications enables OAuth with impersonation, which needs a system administrator",
                key="applinks.sysadmin",
            )
        messages: list[str] = []
        credentials = remote or (self._stored_basic(link) if BASIC in found else None)
        remote_state = "manual"
        if credentials is not None:
            remote_state = self._remote_levels(link, level, credentials, explicit=remote is not None, messages=messages)
        self._enable_local_oauth(link, level, actor, remote_state)
        if remote_state == "migrated" and TRUSTED in found and credentials is not None:
            self._remove_remote_trust(link, credentials, messages)
        self._remove_local_legacy(link, before, actor)
        if remote_state == "manual":
            messages.append(
                f"this end now uses OAuth{' with impersonation' if level == IMPERSONATION else ''}; an administrator "
                f"of {link.name} must migrate its end too (its link to this application), or repeat the migration "
                "here with that administrator's username and password"
            )
        return MigrationResult(link.id, sorted(found), level, self.legacy.state(link), remote_state, messages)

    # -- the remote end ----------------------------------------------------------------------------------
    def _headers(self, credentials: RemoteAdmin) -> dict[str, str]:
        return {
            "Authorization": credentials.authorization(),
            "X-Atlassian-Token": "no-check",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def _remote_levels(
        self, link: Link, level: str, credentials: RemoteAdmin, *, explicit: bool, messages: list[str]
    ) -> str:
        """Set the remote's OAuth levels for our link through its status API: ``migrated``, or ``manual`` when
        the link's stored Basic user may not do that there."""
        url = link.rpc_url + STATUS_OAUTH_PATH.format(quote(self.instance.application_id, safe=""))
        body = json.dumps({"incoming": _LEVEL_JSON[level], "outgoing": _LEVEL_JSON[level]}).encode()
        response = self.instance.outbound.request("PUT", url, headers=self._headers(credentials), content=body)
        if response.status_code in (401, 403):
            if not explicit:
                messages.append(f"the stored Basic credentials may not change {link.name}'s configuration")
                return "manual"
            raise RemoteCredentialsRefused(
                f"{link.name} refused the administrator credentials of {credentials.username!r} "
                f"(HTTP {response.status_code}); nothing was changed"
            )
        if not 200 <= response.status_code < 300:
            raise UnexpectedStatus(
                f"{link.name} could not enable OAuth for this application ({remote_message(response)}); "
                "nothing was changed",
                status_code=response.status_code,
            )
        messages.append(f"{link.name} now uses OAuth{' with impersonation' if level == IMPERSONATION else ''}")
        return "migrated"

    def _remove_remote_trust(self, link: Link, credentials: RemoteAdmin, messages: list[str]) -> None:
        url = link.rpc_url + AUTOCONFIG_PATH + quote(self.instance.application_id, safe="")
        try:
            response = self.instance.outbound.request("DELETE", url, headers=self._headers(credentials))
        except AppLinksError as exc:
            reason = exc.message
        else:
            if 200 <= response.status_code < 300:
                messages.append(f"{link.name} no longer uses Trusted Applications with this application")
                return
            reason = remote_message(response)
        messages.append(f"{link.name} kept its Trusted Applications configuration ({reason}); remove it there by hand")

    def _stored_basic(self, link: Link) -> RemoteAdmin | None:
        """The link's outgoing Basic credentials: they may belong to an administrator of the remote."""
        from applinks.outbound.config import OutgoingConfigStore

        store = OutgoingConfigStore(self.instance.engine, self.instance.box)
        config = store.get(link.id)
        password, _secret = store.secrets(link.id)
        if not config.basic_username or not password:
            return None
        return RemoteAdmin(config.basic_username, password)

    # -- this end ----------------------------------------------------------------------------------------
    def _enable_local_oauth(self, link: Link, level: str, actor: HostUser, remote_state: str) -> None:
        """The same levels the remote was given, through the same service its status API uses."""
        from applinks.diagnostics.status import AuthLevels
        from applinks.diagnostics.wiring import diagnostics_of

        levels = AuthLevels.from_json({"incoming": _LEVEL_JSON[level], "outgoing": _LEVEL_JSON[level]})
        try:
            diagnostics_of(self.instance).set_oauth_levels(link.id, levels, actor)
        except AppLinksError as exc:
            done = f"{link.name} was migrated, but " if remote_state == "migrated" else ""
            exc.message = f"{done}OAuth could not be enabled on this end: {exc.message}"
            exc.args = (exc.message,)
            raise

    def _remove_local_legacy(self, link: Link, before: LegacyState, actor: HostUser) -> None:
        if before.trusted_incoming or before.trusted_outgoing:
            self.instance.trusted_apps.unconfigure_local(link.id)
        if before.basic_outgoing:
            from applinks.outbound.config import OutgoingConfigStore
            from applinks.outbound.providers.names import BASIC as BASIC_PROVIDER

            store = OutgoingConfigStore(self.instance.engine, self.instance.box)
            store.set_provider(link, BASIC_PROVIDER, enabled=False, config=None, actor=actor)
