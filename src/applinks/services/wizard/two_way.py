"""Step 3 of a two-way create (protocol.md §6.1): OAuth configured on both ends. Each side registers the other's
consumer-info as its incoming consumer and enables its outgoing OAuth; "the same set of users" → with
impersonation. Locally the OAuth provider area (incoming consumers) and the outbound area (outgoing
providers) hold the levels; on the remote their REST resources do, called with the remote administrator's
Basic credentials."""

from __future__ import annotations

from typing import Any

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.domain.link import Link
from applinks.domain.manifest import OAUTH_2LO, OAUTH_2LOI, OAUTH_3LO
from applinks.domain.types import is_atlassian
from applinks.errors import AppLinksError
from applinks.host import HostUser
from applinks.outbound.service import OutgoingAuth
from applinks.services.remote import basic_headers, put_json
from applinks.services.wizard.model import CreateLinkRequest, CreateLinkResult, SideReport
from applinks.transport.client import OutboundClient

CONSUMER_PATH = "/rest/applinks-oauth/1.0/applicationlink/{id}/authentication/consumer"
PROVIDER_PATH = "/rest/applinks/2.0/applicationlink/{id}/authentication/provider"


class TwoWayAuth:
    """Configures the authentication of a new two-way link on both ends."""

    def __init__(
        self, outbound: OutboundClient, consumers: ConsumerService, outgoing: OutgoingAuth, application_id: str
    ) -> None:
        self.outbound = outbound
        self.consumers = consumers
        self.outgoing = outgoing
        self.application_id = application_id

    def configure(self, result: CreateLinkResult, request: CreateLinkRequest, actor: HostUser) -> None:
        """Every step is tried and recorded in ``result`` (what was configured, and each problem): the links
        stay either way. The remote fetches our consumer-info at the RPC URL its link to us has."""
        impersonation = request.same_users
        remote = result.remote
        assert remote is not None and request.remote_username and request.remote_password
        credentials = basic_headers(request.remote_username, request.remote_password)
        self._remote_incoming(remote, credentials, impersonation)
        self._remote_outgoing(remote, credentials, impersonation, atlassian=is_atlassian(result.link.type_id))
        self._local_incoming(result.link, result.local, actor, impersonation)
        self._local_outgoing(result.link, result.local, actor, impersonation)

    def _remote_incoming(self, remote: SideReport, credentials: dict[str, str], imp: bool) -> None:
        path = CONSUMER_PATH.format(id=self.application_id) + "?autoConfigure=true"
        body = {"threeLOAllowed": True, "twoLOAllowed": True, "twoLOImpersonationAllowed": imp}
        try:
            consumer = put_json(self.outbound, remote.url, credentials, path, body)
        except AppLinksError as exc:
            remote.problems.append(
                f"incoming OAuth (this application as its consumer) was not configured: {exc.message}"
            )
            return
        remote.incoming = {
            "enabled": bool(consumer.get("threeLOAllowed", True)),
            "twoLoEnabled": bool(consumer.get("twoLOAllowed")),
            "twoLoImpersonationEnabled": bool(consumer.get("twoLOImpersonationAllowed")),
        }

    def _remote_outgoing(self, remote: SideReport, credentials: dict[str, str], imp: bool, *, atlassian: bool) -> None:
        path = PROVIDER_PATH.format(id=self.application_id)
        answer: dict[str, Any] = {}
        for provider, enabled in ((OAUTH_3LO, True), (OAUTH_2LO, True), (OAUTH_2LOI, imp)):
            if atlassian and not enabled:
                # Atlassian's provider resource registers the provider it names whatever "enabled" says (§10):
                # a provider that must stay off is not sent at all.
                continue
            body = {"provider": provider, "enabled": enabled, "config": {}}
            try:
                answer = put_json(self.outbound, remote.url, credentials, path, body)
            except AppLinksError as exc:
                short = provider.rsplit(".", 1)[-1]
                remote.problems.append(f"outgoing OAuth was not enabled ({short}): {exc.message}")
                return
        level = answer.get("outgoing")
        if isinstance(level, dict):
            remote.outgoing = {k: bool(level.get(k)) for k in ("enabled", "twoLoEnabled", "twoLoImpersonationEnabled")}
        elif atlassian:
            # Atlassian answers each accepted provider with an empty 2xx: the level is the one every call set.
            remote.outgoing = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": imp}

    def _local_incoming(self, link: Link, local: SideReport, actor: HostUser, imp: bool) -> None:
        try:
            self.consumers.configure_from_remote(
                link.id, actor=actor, three_lo_allowed=True, two_lo_allowed=True, two_lo_impersonation_allowed=imp
            )
        except AppLinksError as exc:
            local.problems.append(f"incoming OAuth ({link.name} as our consumer) was not configured: {exc.message}")
            return
        local.incoming = self.consumers.level(link.id).to_json()

    def _local_outgoing(self, link: Link, local: SideReport, actor: HostUser, imp: bool) -> None:
        try:
            local.outgoing = self.outgoing.enable_oauth(link, impersonation=imp, actor=actor)
        except AppLinksError as exc:
            local.problems.append(f"outgoing OAuth was not enabled: {exc.message}")
