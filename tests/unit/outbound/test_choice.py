"""Choosing the outgoing provider (protocol.md §5.4) and parsing provider names."""

from __future__ import annotations

import pytest

from applinks.errors import AuthenticationNotConfigured, InvalidInput
from applinks.outbound.choice import Available, choose
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
    parse_provider,
)

NONE = OutgoingConfig("L")
OAUTH_LEVEL = OutgoingConfig("L", three_lo=True, two_lo=True)
IMPERSONATION = OutgoingConfig("L", three_lo=True, two_lo=True, two_lo_impersonation=True)
ONLY_2LO = OutgoingConfig("L", two_lo=True)
ONLY_BASIC = OutgoingConfig("L", basic_username="svc", basic_password_set=True)


@pytest.mark.parametrize(
    ("available", "user", "expected"),
    [
        (Available(IMPERSONATION), None, ANONYMOUS),  # no user: anonymous
        (Available(NONE), "alice", ANONYMOUS),
        (Available(OAUTH_LEVEL), "alice", OAUTH),  # 3LO before 2LO, even without a token (credentials required)
        (Available(OAUTH_LEVEL, has_token=True), "alice", OAUTH),
        (Available(IMPERSONATION), "alice", TWO_LEGGED_OAUTH_IMPERSONATION),  # no interaction needed
        (Available(IMPERSONATION, has_token=True), "alice", OAUTH),  # the user's own grant first
        (Available(NONE, trusted_apps=True), "alice", TRUSTED_APPS),
        (Available(ONLY_2LO, trusted_apps=True), "alice", TRUSTED_APPS),  # impersonating before non-impersonating
        (Available(ONLY_2LO), "alice", TWO_LEGGED_OAUTH),
        (Available(ONLY_BASIC), "alice", BASIC),
        # OAuth 2.0 links: the user's grant first, JWT bearer before asking the user, then the grant.
        (Available(NONE, oauth2=True), "alice", OAUTH2),  # no token yet: credentials required
        (Available(NONE, oauth2=True, oauth2_impersonation=True), "alice", OAUTH2_IMPERSONATION),
        (Available(NONE, oauth2=True, oauth2_impersonation=True, has_oauth2_token=True), "alice", OAUTH2),
        (Available(ONLY_2LO, oauth2=True), "alice", OAUTH2),  # impersonating before non-impersonating
        (Available(NONE, oauth2=True), None, ANONYMOUS),
        (
            Available(OutgoingConfig("L", two_lo=True, basic_username="u", basic_password_set=True)),
            "a",
            TWO_LEGGED_OAUTH,
        ),
    ],
)
def test_default_choice(available: Available, user: str | None, expected: object) -> None:
    assert choose(available, user) is expected


def test_authentication_can_be_required() -> None:
    assert choose(Available(ONLY_2LO), None, allow_anonymous=False) is TWO_LEGGED_OAUTH
    with pytest.raises(AuthenticationNotConfigured):
        choose(Available(NONE), "alice", allow_anonymous=False)
    # 3LO alone needs a user: without one there is nothing that can authenticate.
    with pytest.raises(AuthenticationNotConfigured):
        choose(Available(OutgoingConfig("L", three_lo=True)), None, allow_anonymous=False)


def test_a_requested_provider_must_be_configured() -> None:
    assert choose(Available(OAUTH_LEVEL), "alice", TWO_LEGGED_OAUTH) is TWO_LEGGED_OAUTH
    assert choose(Available(NONE), "alice", ANONYMOUS) is ANONYMOUS
    with pytest.raises(AuthenticationNotConfigured) as refused:
        choose(Available(OAUTH_LEVEL), "alice", TWO_LEGGED_OAUTH_IMPERSONATION, link_name="Jira")
    assert "Jira" in refused.value.message
    with pytest.raises(InvalidInput, match="acts as a user"):
        choose(Available(IMPERSONATION), None, TWO_LEGGED_OAUTH_IMPERSONATION)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider", OAUTH),
        ("OAuthAuthenticationProvider", OAUTH),
        ("oauth", OAUTH),
        ("3LO", OAUTH),
        ("2lo", TWO_LEGGED_OAUTH),
        ("TwoLeggedOAuthWithImpersonationAuthenticationProvider", TWO_LEGGED_OAUTH_IMPERSONATION),
        ("2LOi", TWO_LEGGED_OAUTH_IMPERSONATION),
        ("basic", BASIC),
        ("trusted", TRUSTED_APPS),
        ("anonymous", ANONYMOUS),
        ("oauth2", OAUTH2),
        ("oauth2-jwt", OAUTH2_IMPERSONATION),
    ],
)
def test_provider_names(given: str, expected: object) -> None:
    assert parse_provider(given) is expected


@pytest.mark.parametrize("given", ["", "kerberos", "com.atlassian.applinks.api.auth.types.Nope", "oauth3", "x" * 500])
def test_unknown_provider_names_are_a_clear_400(given: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_provider(given)
    assert refused.value.status == 400
    assert refused.value.key == "applinks.provider.unknown"
