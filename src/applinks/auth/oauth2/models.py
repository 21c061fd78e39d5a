"""What Authlib's grants read: clients, authorization codes and tokens (its mixins over our records), the
scopes of Atlassian Data Center (protocol.md §10.1), and the checks on the URLs a client registers."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from applinks.crypto import secrets_equal
from applinks.errors import InvalidInput
from applinks.storage.oauth2 import ClientRecord, CodeRecord, TokenRecord

READ = "READ"
WRITE = "WRITE"
ADMIN = "ADMIN"
SYSTEM_ADMIN = "SYSTEM_ADMIN"
# Ordered: each scope includes the ones before it (a WRITE token may read; an ADMIN token may write).
SCOPES = (READ, WRITE, ADMIN, SYSTEM_ADMIN)

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type name
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_REDIRECT_LENGTH = 2048


def digest(secret: str) -> str:
    """How every secret we issue is stored: its sha256 (they are random and long, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scope(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Space-separated (or listed) scope names → known names in canonical order; unknown names are refused."""
    names = value.split() if isinstance(value, str) else list(value or ())
    unknown = sorted({n for n in names if n not in SCOPES})
    if unknown:
        raise InvalidInput(f"unknown scope {', '.join(unknown)}; use {', '.join(SCOPES)}", key="applinks.oauth2.scope")
    return tuple(s for s in SCOPES if s in names)


def effective_scopes(scope: str | None) -> frozenset[str]:
    """Everything a granted scope allows: the highest scope named and every scope below it."""
    names = [s for s in (scope or "").split() if s in SCOPES]
    if not names:
        return frozenset()
    top = max(SCOPES.index(s) for s in names)
    return frozenset(SCOPES[: top + 1])


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_url(url: str, *, allow_http: bool) -> str:
    """A redirect URL a client may register: absolute, no fragment or user information, https unless it is
    a loopback URL (allowed over http as Atlassian allows it) or the development setting allows http."""
    if not url or len(url) > MAX_REDIRECT_LENGTH:
        raise InvalidInput(
            f"a redirect URL must be 1 to {MAX_REDIRECT_LENGTH} characters long", key="applinks.oauth2.redirect"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError as exc:
        raise InvalidInput(f"the redirect URL {url!r} is malformed", key="applinks.oauth2.redirect") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInput(f"the redirect URL {url!r} must be an absolute http(s) URL", key="applinks.oauth2.redirect")
    if parts.fragment or "#" in url or parts.username is not None or "@" in parts.netloc:
        raise InvalidInput(
            f"the redirect URL {url!r} must not carry a fragment or user information", key="applinks.oauth2.redirect"
        )
    if parts.scheme == "http" and not allow_http and not is_loopback_host(host):
        raise InvalidInput(
            f"the redirect URL {url!r} must use https (http is allowed only for localhost)",
            key="applinks.oauth2.redirect.https",
        )
    return url


class Client(ClientMixin):  # type: ignore[misc]
    """An incoming OAuth 2.0 link as Authlib's grants see it: a confidential client (secret required)."""

    def __init__(self, record: ClientRecord) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous default: with several registered URLs the request must name one.
        return self.record.redirects[0] if len(self.record.redirects) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = effective_scopes(self.record.scope)
        if not scope:
            return self.record.scope
        granted = [s for s in SCOPES if s in scope.split() and s in allowed]
        return " ".join(granted) if granted else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match (security.md): no normalisation, no prefix or pattern matching.
        return redirect_uri in self.record.redirects

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets_equal(digest(client_secret), self.record.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == JWT_BEARER:
            return self.record.jwt_public_key is not None
        return grant_type in (AUTHORIZATION_CODE, REFRESH_TOKEN)


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    record: CodeRecord

    @property
    def code_challenge(self) -> str | None:
        return self.record.code_challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.record.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope


class Token(TokenMixin):  # type: ignore[misc]
    """A token we issued, for Authlib's bearer validator, refresh grant and revocation endpoint."""

    def __init__(self, record: TokenRecord, client: ClientRecord | None, now: Callable[[], int]) -> None:
        self.record = record
        self.client = client
        self._now = now

    def check_client(self, client: Client) -> bool:
        return client.record.id == self.record.client_id

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return self.record.expires_at - self.record.issued_at

    def is_expired(self) -> bool:
        return self._now() >= self.record.expires_at

    def is_refresh_expired(self) -> bool:
        return self.record.refresh_expires_at is None or self._now() >= self.record.refresh_expires_at

    def is_revoked(self) -> bool:
        return self.record.revoked or self.client is None

    def get_user(self) -> str:
        return self.record.user_name

    def get_client(self) -> Client | None:
        return Client(self.client) if self.client is not None else None
