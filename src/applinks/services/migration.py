"""Migrating a link's legacy authentication to OAuth (protocol.md §9): Trusted Applications → OAuth with
impersonation, Basic → OAuth, on both ends where possible.

The remote end goes first, with its administrator's credentials (or the link's stored Basic credentials when
they are an administrator's there), through the same REST resources an administrator would use: it registers
us as its incoming consumer (``autoConfigure=true``) and enables its outgoing OAuth providers for our link.
Then this end, the same way. Only then is the legacy configuration removed, here and (Trusted Applications,
through the auto-configuration endpoint) there. Without usable remote credentials only this end is migrated
and the result says what the remote administrator has to do."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine

from applinks.auth.legacy import BASIC, TRUSTED, LegacyConfiguration, LegacyState
from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import OAuthLevel
from applinks.auth.trusted_apps.protocol import AUTOCONFIG_PATH
from applinks.auth.trusted_apps.service import RemoteAdmin, TrustedAppsService
from applinks.domain.link import Link
from applinks.errors import (
    AppLinksError,
    Conflict,
    PermissionDenied,
    RemoteCredentialsRefused,
    UnexpectedStatus,
)
from applinks.host import HostUser
from applinks.outbound.providers.names import BASIC as BASIC_PROVIDER
from applinks.outbound.service import OutgoingAuth
from applinks.services.registry import LinkService
from applinks.services.remote import remote_message
from applinks.transport.client import OutboundClient

CONSUMER_PATH = "/rest/applinks-oauth/1.0/applicationlink/{}/authentication/consumer?autoConfigure=true"
PROVIDER_PATH = "/rest/applinks/2.0/applicationlink/{}/authentication/provider"
IMPERSONATION, OAUTH = "impersonation", "oauth"


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

    def __init__(
        self,
        engine: Engine,
        links: LinkService,
        outbound: OutboundClient,
        application_id: str,
        consumers: ConsumerService,
        outgoing: OutgoingAuth,
        trusted_apps: TrustedAppsService,
    ) -> None:
        self.links = links
        self.outbound = outbound
        self.application_id = application_id
        self.consumers = consumers
        self.outgoing = outgoing
        self.trusted_apps = trusted_apps
        self.legacy = LegacyConfiguration(engine, trusted_apps)

    def state(self, link_id: str) -> LegacyState:
        return self.legacy.state(self.links.get(link_id))

    def migrate(self, link_id: str, *, actor: HostUser, remote: RemoteAdmin | None = None) -> MigrationResult:
        link = self.links.get(link_id)
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
            remote_state = self._remote_oauth(link, level, credentials, explicit=remote is not None, messages=messages)
        self._enable_local_oauth(link, level, actor, remote_state)
        if remote_state == "migrated" and credentials is not None:
            self._remove_remote_legacy(link, credentials, found, messages)
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

    def _remote_oauth(
        self, link: Link, level: str, credentials: RemoteAdmin, *, explicit: bool, messages: list[str]
    ) -> str:
        """Enable OAuth for our link on the remote, both directions: ``migrated``, or ``manual`` when the link's
        stored Basic user may not change the remote's configuration."""
        own = quote(self.application_id, safe="")
        impersonation = level == IMPERSONATION
        steps: list[tuple[str, dict[str, Any]]] = [
            (CONSUMER_PATH.format(own), {"twoLOAllowed": True, "twoLOImpersonationAllowed": impersonation}),
            (PROVIDER_PATH.format(own), {"provider": "oauth", "enabled": True}),
            (PROVIDER_PATH.format(own), {"provider": "2lo", "enabled": True}),
            (PROVIDER_PATH.format(own), {"provider": "2loi", "enabled": impersonation}),
        ]
        for number, (path, body) in enumerate(steps):
            content = json.dumps(body).encode()
            response = self.outbound.request(
                "PUT", link.rpc_url + path, headers=self._headers(credentials), content=content
            )
            if response.status_code in (401, 403) and number == 0:
                if not explicit:
                    messages.append(f"the stored Basic credentials may not change {link.name}'s configuration")
                    return "manual"
                raise RemoteCredentialsRefused(
                    f"{link.name} refused the administrator credentials of {credentials.username!r} "
                    f"(HTTP {response.status_code}); nothing was changed"
                )
            if not 200 <= response.status_code < 300:
                done = "nothing was changed" if number == 0 else "its end is partly configured; repeat the migration"
                raise UnexpectedStatus(
                    f"{link.name} could not enable OAuth for this application ({remote_message(response)}); {done}",
                    status_code=response.status_code,
                )
        messages.append(f"{link.name} now uses OAuth{' with impersonation' if impersonation else ''}")
        return "migrated"

    def _remove_remote_legacy(self, link: Link, credentials: RemoteAdmin, found: set[str], messages: list[str]) -> None:
        """After both ends use OAuth: the remote stops trusting us (Trusted Applications) and stops sending Basic
        credentials to us. A failure here leaves working OAuth behind, so it is reported, not raised."""
        own = quote(self.application_id, safe="")
        steps: list[tuple[str, str, bytes | None, str]] = []
        if TRUSTED in found:
            steps.append(("DELETE", AUTOCONFIG_PATH + own, None, "Trusted Applications"))
        if BASIC in found:
            body = json.dumps({"provider": "basic", "enabled": False}).encode()
            steps.append(("PUT", PROVIDER_PATH.format(own), body, "Basic"))
        for method, path, content, name in steps:
            try:
                response = self.outbound.request(
                    method, link.rpc_url + path, headers=self._headers(credentials), content=content
                )
            except AppLinksError as exc:
                reason = exc.message
            else:
                if 200 <= response.status_code < 300:
                    messages.append(f"{link.name} no longer uses {name} with this application")
                    continue
                reason = remote_message(response)
            messages.append(f"{link.name} kept its {name} configuration ({reason}); remove it there by hand")

    def _stored_basic(self, link: Link) -> RemoteAdmin | None:
        """The link's outgoing Basic credentials: they may belong to an administrator of the remote."""
        store = self.outgoing.config
        config = store.get(link.id)
        password, _secret = store.secrets(link.id)
        if not config.basic_username or not password:
            return None
        return RemoteAdmin(config.basic_username, password)

    # -- this end ----------------------------------------------------------------------------------------
    def _enable_local_oauth(self, link: Link, level: str, actor: HostUser, remote_state: str) -> None:
        """Incoming: the remote's consumer (its consumer-info is fetched when none is registered); outgoing: the
        OAuth providers. The same level both ways."""
        impersonation = level == IMPERSONATION
        try:
            self.consumers.set_level(link.id, OAuthLevel(True, True, impersonation), actor=actor)
            self.outgoing.set_level(link, level, actor)
        except AppLinksError as exc:
            done = f"{link.name} was migrated, but " if remote_state == "migrated" else ""
            exc.message = f"{done}OAuth could not be enabled on this end: {exc.message}"
            exc.args = (exc.message,)
            raise

    def _remove_local_legacy(self, link: Link, before: LegacyState, actor: HostUser) -> None:
        if before.trusted_incoming or before.trusted_outgoing:
            self.trusted_apps.unconfigure_local(link.id)
        if before.basic_outgoing:
            self.outgoing.config.set_provider(link, BASIC_PROVIDER, enabled=False, config=None, actor=actor)
