"""Bearer tokens to users: Authlib's RFC 6750 validator over our repository answers who a request with
``Authorization: Bearer …`` runs as, and with which scopes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator

from applinks.auth.oauth2.models import JWT_BEARER, Token, digest, effective_scopes
from applinks.errors import BearerTokenRefused
from applinks.storage.oauth2 import OAuth2Repository


@dataclass(frozen=True, slots=True)
class BearerGrant:
    """What a valid bearer token lets its holder do: act as ``user_name`` within ``scopes``."""

    user_name: str
    scopes: frozenset[str]
    client_id: str
    client_name: str
    impersonated: bool = False  # issued for a JWT bearer assertion, not by the user's own consent


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, repository: OAuth2Repository, now: Callable[[], int], realm: str) -> None:
        super().__init__(realm=realm)
        self.repository = repository
        self.now = now

    def authenticate_token(self, token_string: str) -> Token | None:
        record = self.repository.token_by_access(digest(token_string))
        if record is None:
            return None
        return Token(record, self.repository.client(record.client_id), self.now)


@dataclass(frozen=True, slots=True)
class _Headers:
    headers: dict[str, str]


class BearerResolver:
    """``Authorization`` header → ``BearerGrant``, or ``BearerTokenRefused`` (unknown, expired, revoked,
    or its client deleted)."""

    def __init__(self, repository: OAuth2Repository, now: Callable[[], int], realm: Callable[[], str]) -> None:
        self.repository = repository
        self.now = now
        self.realm = realm

    def resolve(self, authorization: str) -> BearerGrant:
        protector = ResourceProtector()
        protector.register_token_validator(_Validator(self.repository, self.now, self.realm()))
        try:
            token: Token = protector.validate_request(None, _Headers({"Authorization": authorization}))
        except OAuth2Error as error:
            raise BearerTokenRefused(
                "the bearer token is unknown, expired or revoked", error=error.error or "invalid_token"
            ) from error
        assert token.client is not None  # a token of a deleted client is revoked
        return BearerGrant(
            user_name=token.record.user_name,
            scopes=effective_scopes(token.record.scope),
            client_id=token.client.client_id,
            client_name=token.client.name,
            impersonated=token.record.grant_type == JWT_BEARER,
        )
