"""The auth areas' services seen through the diagnostics ports: incoming levels from the OAuth provider,
outgoing levels from the outbound side, legacy configuration from the lifecycle area, OAuth 2.0 probes from
the outgoing OAuth 2.0 area (signed calls come ready-made from ``outbound.calls``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applinks.auth.oauth1.model import OAuthLevel as ProviderLevel
from applinks.diagnostics.ports import LegacyInfo, NoLegacy
from applinks.diagnostics.status import AuthLevels, Finding, OAuthLevel
from applinks.domain.links import Link
from applinks.errors import PermissionDenied
from applinks.host import HostUser
from applinks.outbound.providers.names import OAUTH, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION

if TYPE_CHECKING:
    from applinks.instance import Instance


def _named_level(level: OAuthLevel) -> str | None:
    """The outbound area's level name for ``level``, or None for a combination it has no name for."""
    if not level.enabled and not level.two_lo_enabled and not level.two_lo_impersonation_enabled:
        return "disabled"
    if level.enabled and level.two_lo_enabled:
        return "impersonation" if level.two_lo_impersonation_enabled else "oauth"
    return None


class InstanceLevels:
    """Incoming level = the link's incoming consumer flags; outgoing level = its outgoing provider config."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def levels(self, link: Link) -> AuthLevels:
        incoming = self.instance.oauth_consumers.level(link.id)
        outgoing = self.instance.outgoing.level(link)
        return AuthLevels(
            OAuthLevel(incoming.enabled, incoming.two_lo_enabled, incoming.two_lo_impersonation_enabled),
            OAuthLevel(
                bool(outgoing.get("enabled")),
                bool(outgoing.get("twoLoEnabled")),
                bool(outgoing.get("twoLoImpersonationEnabled")),
            ),
        )

    def set_levels(self, link: Link, levels: AuthLevels, actor: HostUser) -> AuthLevels:
        """Both directions; checked up front so that a refusal leaves both unchanged."""
        impersonation = (levels.incoming.two_lo_impersonation_enabled, levels.outgoing.two_lo_impersonation_enabled)
        if any(impersonation) and not actor.is_sysadmin:
            raise PermissionDenied("only a system administrator can enable impersonation", key="applinks.sysadmin")
        incoming = levels.incoming
        self.instance.oauth_consumers.set_level(
            link.id,
            ProviderLevel(incoming.enabled, incoming.two_lo_enabled, incoming.two_lo_impersonation_enabled),
            actor=actor,
        )
        named = _named_level(levels.outgoing)
        if named is not None:
            self.instance.outgoing.set_level(link, named, actor)
        else:
            store = self.instance.outgoing.config
            wanted = (
                (OAUTH, levels.outgoing.enabled),
                (TWO_LEGGED_OAUTH, levels.outgoing.two_lo_enabled),
                (TWO_LEGGED_OAUTH_IMPERSONATION, levels.outgoing.two_lo_impersonation_enabled),
            )
            for provider, enabled in wanted:
                store.set_provider(link, provider, enabled=enabled, config=None, actor=actor)
        return self.levels(link)


class InstanceOAuth2:
    """The outgoing OAuth 2.0 area's own probes, as findings."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def configured(self, link: Link) -> bool:
        return self.instance.oauth2_outgoing.get(link.id) is not None

    def probe(self, link: Link, user: HostUser | None) -> Finding | None:
        found = self.instance.oauth2_outgoing.diagnose(link, user.name if user else None)
        if found is None:
            return None
        kind, details, uri = found
        return Finding(kind, details, authorisation_uri=uri)


def legacy_info(instance: Instance) -> LegacyInfo:
    """The lifecycle area's legacy configuration query, when that area is installed."""
    try:
        from applinks.auth.legacy import LegacyConfiguration
    except ImportError:  # pragma: no cover - the lifecycle area is part of the package
        return NoLegacy()
    found: LegacyInfo = LegacyConfiguration(instance.engine, instance.trusted_apps)
    return found
