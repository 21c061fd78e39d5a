"""Choosing the provider for an outgoing request (protocol.md §5.4).

No user → anonymous. Otherwise the first usable *impersonating* provider: OAuth 2.0 or 3LO when the user
already holds a token (their own grant), then OAuth 2.0 impersonation (JWT bearer), 2LOi, Trusted
Applications, then OAuth 2.0 or 3LO without a token (which asks the user to authorise); else a
*non-impersonating* one (2LO, Basic); else anonymous. Impersonation comes before a token-less grant
because a link configured "with impersonation" exists so that calls need no interaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from applinks.errors import AuthenticationNotConfigured, InvalidInput
from applinks.outbound.config import OutgoingConfig
from applinks.outbound.providers.names import (
    ANONYMOUS,
    BASIC,
    OAUTH,
    OAUTH2,
    OAUTH2_IMPERSONATION,
    TRUSTED_APPS,
    TWO_LEGGED_OAUTH,
    TWO_LEGGED_OAUTH_IMPERSONATION,
    ProviderName,
)


@dataclass(frozen=True, slots=True)
class Available:
    """What the link offers for this call."""

    config: OutgoingConfig
    trusted_apps: bool = False
    has_token: bool = False
    oauth2: bool = False
    oauth2_impersonation: bool = False
    has_oauth2_token: bool = False

    def configured(self, provider: ProviderName) -> bool:
        if provider is ANONYMOUS:
            return True
        if provider is TRUSTED_APPS:
            return self.trusted_apps
        if provider is OAUTH2:
            return self.oauth2
        if provider is OAUTH2_IMPERSONATION:
            return self.oauth2_impersonation
        return self.config.enabled(provider)


def choose(
    available: Available,
    user_name: str | None,
    requested: ProviderName | None = None,
    *,
    allow_anonymous: bool = True,
    link_name: str = "the link",
) -> ProviderName:
    """The provider to sign with; raises ``AuthenticationNotConfigured`` when the caller's wish cannot be met."""
    if requested is not None:
        if not available.configured(requested):
            raise AuthenticationNotConfigured(
                f"{requested.label} is not configured for outgoing requests on {link_name}",
                provider=requested.class_name,
            )
        if requested.impersonating and not user_name:
            raise InvalidInput(
                f"{requested.label} acts as a user: give the user to make the request as",
                key="applinks.provider.needs_user",
            )
        return requested
    if user_name:
        first_choice = [OAUTH2] if available.has_oauth2_token else []
        first_choice += [OAUTH] if available.has_token else []
        impersonating = (OAUTH2_IMPERSONATION, TWO_LEGGED_OAUTH_IMPERSONATION, TRUSTED_APPS)
        for provider in (*first_choice, *impersonating, OAUTH2, OAUTH):
            if available.configured(provider):
                return provider
    for provider in (TWO_LEGGED_OAUTH, BASIC):
        if (user_name or not allow_anonymous) and available.configured(provider):
            return provider
    if not allow_anonymous:
        raise AuthenticationNotConfigured(
            f"{link_name} has no outgoing authentication that can make this request"
            + ("" if user_name else " without a user"),
        )
    return ANONYMOUS
