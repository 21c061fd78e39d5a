"""Outgoing provider names: the class names of protocol.md §5.1 and the short names people type."""

from __future__ import annotations

from dataclasses import dataclass

from applinks.errors import InvalidInput

_PREFIX = "com.atlassian.applinks.api.auth.types."


@dataclass(frozen=True, slots=True)
class ProviderName:
    """One kind of outgoing authentication."""

    class_name: str
    short: str
    impersonating: bool
    label: str

    def __str__(self) -> str:
        return self.class_name


OAUTH = ProviderName(_PREFIX + "OAuthAuthenticationProvider", "oauth", True, "OAuth (3-legged)")
TWO_LEGGED_OAUTH = ProviderName(
    _PREFIX + "TwoLeggedOAuthAuthenticationProvider", "2lo", False, "OAuth (2-legged, executing user)"
)
TWO_LEGGED_OAUTH_IMPERSONATION = ProviderName(
    _PREFIX + "TwoLeggedOAuthWithImpersonationAuthenticationProvider", "2loi", True, "OAuth with impersonation"
)
BASIC = ProviderName(_PREFIX + "BasicAuthenticationProvider", "basic", False, "Basic (legacy)")
TRUSTED_APPS = ProviderName(_PREFIX + "TrustedAppsAuthenticationProvider", "trusted", True, "Trusted Applications")
ANONYMOUS = ProviderName("com.atlassian.applinks.api.auth.Anonymous", "anonymous", False, "Anonymous")
# OAuth 2.0 links (issue 11): the user's own grant (bearer token), and JWT bearer impersonation.
OAUTH2 = ProviderName(_PREFIX + "OAuth2AuthenticationProvider", "oauth2", True, "OAuth 2.0")
OAUTH2_IMPERSONATION = ProviderName(
    _PREFIX + "OAuth2ImpersonationAuthenticationProvider", "oauth2-jwt", True, "OAuth 2.0 with impersonation (JWT)"
)

ALL = (
    OAUTH,
    TWO_LEGGED_OAUTH,
    TWO_LEGGED_OAUTH_IMPERSONATION,
    BASIC,
    TRUSTED_APPS,
    OAUTH2,
    OAUTH2_IMPERSONATION,
    ANONYMOUS,
)

_ALIASES = {
    "3lo": OAUTH,
    "three-legged": OAUTH,
    "two-legged": TWO_LEGGED_OAUTH,
    "impersonation": TWO_LEGGED_OAUTH_IMPERSONATION,
    "trusted-apps": TRUSTED_APPS,
    "trustedapps": TRUSTED_APPS,
    "none": ANONYMOUS,
}


def parse_provider(value: str | ProviderName) -> ProviderName:
    """The provider ``value`` names (class name, its last part, or a short name); a clear 400 otherwise."""
    if isinstance(value, ProviderName):
        return value
    wanted = (value or "").strip()
    lowered = wanted.lower()
    for provider in ALL:
        if wanted in (provider.class_name, provider.class_name.rsplit(".", 1)[-1]) or lowered == provider.short:
            return provider
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    known = ", ".join(p.short for p in ALL)
    raise InvalidInput(
        f"{value!r} is not an outgoing authentication provider; use one of {known} or a provider class name",
        key="applinks.provider.unknown",
        provider=str(value)[:200],
    )
