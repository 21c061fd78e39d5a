"""The auth areas' services seen through the diagnostics ports: incoming levels from the OAuth provider,
outgoing levels from the outbound side, OAuth 2.0 probes from the outgoing OAuth 2.0 area (legacy
configuration comes ready-made from ``auth.legacy``, signed calls from ``outbound.calls``)."""

from __future__ import annotations

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import OAuthLevel as ProviderLevel
from applinks.diagnostics.status import AuthLevels, Finding, OAuthLevel
from applinks.domain.link import Link
from applinks.errors import PermissionDenied
from applinks.host import HostUser
from applinks.outbound.providers.names import OAUTH, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION
from applinks.outbound.providers.oauth2 import OutgoingOAuth2
from applinks.outbound.service import OutgoingAuth


def _named_level(level: OAuthLevel) -> str | None:
    """The outbound area's level name for ``level``, or None for a combination it has no name for."""
    if not level.enabled and not level.two_lo_enabled and not level.two_lo_impersonation_enabled:
        return "disabled"
    if level.enabled and level.two_lo_enabled:
        return "impersonation" if level.two_lo_impersonation_enabled else "oauth"
    return None


class OAuthLevels:
    """Incoming level = the link's incoming consumer flags; outgoing level = its outgoing provider config."""

    def __init__(self, consumers: ConsumerService, outgoing: OutgoingAuth) -> None:
        self.consumers = consumers
        self.outgoing = outgoing

    def levels(self, link: Link) -> AuthLevels:
        incoming = self.consumers.level(link.id)
        outgoing = self.outgoing.level(link)
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
        self.consumers.set_level(
            link.id,
            ProviderLevel(incoming.enabled, incoming.two_lo_enabled, incoming.two_lo_impersonation_enabled),
            actor=actor,
        )
        named = _named_level(levels.outgoing)
        if named is not None:
            self.outgoing.set_level(link, named, actor)
        else:
            store = self.outgoing.config
            wanted = (
                (OAUTH, levels.outgoing.enabled),
                (TWO_LEGGED_OAUTH, levels.outgoing.two_lo_enabled),
                (TWO_LEGGED_OAUTH_IMPERSONATION, levels.outgoing.two_lo_impersonation_enabled),
            )
            for provider, enabled in wanted:
                store.set_provider(link, provider, enabled=enabled, config=None, actor=actor)
        return self.levels(link)


class OAuth2Probes:
    """The outgoing OAuth 2.0 area's own probes, as findings."""

    def __init__(self, oauth2: OutgoingOAuth2) -> None:
        self.oauth2 = oauth2

    def configured(self, link: Link) -> bool:
        return self.oauth2.get(link.id) is not None

    def probe(self, link: Link, user: HostUser | None) -> Finding | None:
        found = self.oauth2.diagnose(link, user.name if user else None)
        if found is None:
            return None
        kind, details, uri = found
        return Finding(kind, details, authorisation_uri=uri)
