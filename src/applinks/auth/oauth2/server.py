"""The OAuth 2.0 authorization server of incoming OAuth 2.0 links (protocol.md §8, §10.1), on Authlib's
framework-free core: authorization code (RFC 6749) with PKCE S256 (RFC 7636), rotating refresh tokens,
JWT bearer impersonation (RFC 7523), revocation (RFC 7009) and metadata (RFC 8414). Our code only stores
and looks up; Authlib runs the grants.

The web layer turns each HTTP request into a ``PlainRequest`` and each ``OAuth2Response`` back into HTTP.
Single use is enforced where tokens are stored (``storage.oauth2``): redeeming a code twice revokes what
the first redemption issued; presenting a rotated refresh token revokes its whole family."""

from __future__ import annotations

import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from applinks.auth.oauth2.assertions import algorithm_of, public_key
from applinks.auth.oauth2.models import (
    AUTHORIZATION_CODE,
    JWT_BEARER,
    REFRESH_TOKEN,
    SCOPES,
    AuthorizationCode,
    Client,
    Token,
    digest,
)
from applinks.host import HostUser
from applinks.storage.oauth2 import NewToken, OAuth2Repository
from applinks.storage.oauth_nonces import NonceStore, SqlNonceStore

# Atlassian Data Center's endpoints (protocol.md §10.1); metadata also at the RFC 8414 root location.
PREFIX = "/rest/oauth2/latest"
AUTHORIZE_PATH = PREFIX + "/authorize"
TOKEN_PATH = PREFIX + "/token"
REVOKE_PATH = PREFIX + "/revoke"
METADATA_PATH = PREFIX + "/.well-known/oauth-authorization-server"
ROOT_METADATA_PATH = "/.well-known/oauth-authorization-server"
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
TOKEN_BYTES = 32
MAX_ASSERTION = 8 * 1024  # bytes; checked before anything is decoded
MAX_ASSERTION_LIFETIME = 300  # seconds between now and an assertion's exp (protocol.md §8)
ASSERTION_LEEWAY = 30
JTI_NONCE_PREFIX = "oauth2-jwt:"

Users = Callable[[str], HostUser | None]


@dataclass(frozen=True, slots=True)
class Lifetimes:
    access: int = 3600
    refresh: int = 90 * 24 * 3600
    code: int = 60


class NotSameUsers(OAuth2Error):  # type: ignore[misc]
    """JWT bearer impersonation over a link not marked "same set of users" (security.md: 401)."""

    error = "unauthorized_client"
    status_code = 401


class InsecureTransport(OAuth2Error):  # type: ignore[misc]
    """OAuth 2.0 over plain http without the development setting that allows it."""

    error = "invalid_request"
    status_code = 400


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class PlainRequest(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib's core reads it, built by the web layer. ``payload_from`` names where
    the OAuth parameters are: the query (authorization endpoint) or the form body (token, revocation)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        form: Sequence[tuple[str, str]] = (),
        *,
        payload_from: str = "form",
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload(query if payload_from == "query" else form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass(frozen=True, slots=True)
class OAuth2Response:
    """What an endpoint answers, for the web layer to send as is."""

    status: int
    body: dict[str, Any] | str
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def location(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "location"), None)


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only. A challenge without a method would mean "plain": refused, not assumed."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge") and not data.get("code_challenge_method"):
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class OAuth2Server(AuthorizationServer):  # type: ignore[misc]
    """Authlib's authorization server over our repository, users and settings."""

    def __init__(
        self,
        repository: OAuth2Repository,
        users: Users,
        *,
        base_url: Callable[[], str],
        lifetimes: Lifetimes,
        allow_http: bool = False,
        clock: Callable[[], float] = time.time,
        nonces: NonceStore | None = None,
    ) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.repository = repository
        # Assertion IDs (jti) share OAuth 1.0a's nonce store: one atomic insert, across nodes too.
        self.nonces: NonceStore = nonces if nonces is not None else SqlNonceStore(repository.engine)
        self.users = users
        self.base_url = base_url
        self.lifetimes = lifetimes
        self.allow_http = allow_http
        self.clock = clock
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=_random_token,
                refresh_token_generator=_random_token,
                expires_generator=lambda client, grant_type: self.lifetimes.access,
            ),
        )
        self.register_grant(_CodeGrant, [S256Challenge(required=False)])
        self.register_grant(_RefreshGrant)
        self.register_grant(_JWTGrant)
        self.register_endpoint(_Revocation)

    def now(self) -> int:
        return int(self.clock())

    # -- what Authlib asks of a framework integration ------------------------------------------------

    def query_client(self, client_id: str) -> Client | None:
        record = self.repository.client_by_client_id(client_id) if client_id else None
        return Client(record) if record is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        now = self.now()
        grant_type = request.payload.grant_type
        if grant_type == AUTHORIZATION_CODE:
            code: AuthorizationCode = request.authorization_code
            new = self._new_token(token, request, family=code.record.family, now=now)
            if not self.repository.redeem_code(code.record.id, now, new):
                self.repository.revoke_family(code.record.family)  # redeemed twice: what it bought goes too
                raise InvalidGrantError("the authorization code was used already")
        elif grant_type == REFRESH_TOKEN:
            old: Token = request.refresh_token
            new = self._new_token(token, request, family=old.record.family, now=now)
            if not self.repository.rotate(old.record.id, new):
                self.repository.revoke_family(old.record.family)  # a rotated refresh token came back
                raise InvalidGrantError("the refresh token was used already")
        else:
            self.repository.add_token(self._new_token(token, request, family=uuid.uuid4().hex, now=now))
        if grant_type == JWT_BEARER:
            claims = request.assertion_claims
            self.repository.add_impersonation(
                client_id=request.client.record.client_id,
                issuer=str(claims["iss"]),
                user_name=request.user.name,
                jti=str(claims["jti"]),
                at=now,
            )

    def _new_token(self, token: dict[str, Any], request: OAuth2Request, *, family: str, now: int) -> NewToken:
        refresh = token.get("refresh_token")
        client: Client = request.client
        user: HostUser = request.user
        return NewToken(
            access_hash=digest(token["access_token"]),
            refresh_hash=digest(refresh) if refresh else None,
            client_id=client.record.id,
            user_name=user.name,
            scope=token.get("scope") or "",
            family=family,
            grant_type=request.payload.grant_type or "",
            issued_at=now,
            expires_at=now + int(token.get("expires_in") or self.lifetimes.access),
            refresh_expires_at=now + self.lifetimes.refresh if refresh else None,
        )

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if not isinstance(request, OAuth2Request):
            raise TypeError("the web layer passes a PlainRequest")
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuth2Response:
        return OAuth2Response(status, body, list(headers or []))

    # -- what the web layer calls --------------------------------------------------------------------

    def request_uri(self, path: str) -> str:
        """The URI Authlib sees for ``path``: always from the configured base URL. Authlib refuses plain
        http for anything but loopback hosts; ``check_transport`` has decided already, so when the
        development setting allows http the scheme Authlib sees is https."""
        uri = self.base_url() + path
        parts = urlsplit(uri)
        if parts.scheme == "http" and self.allow_http:
            return urlunsplit(("https", *parts[1:]))
        return uri

    def check_transport(self) -> None:
        if urlsplit(self.base_url()).scheme != "https" and not self.allow_http:
            raise InsecureTransport("OAuth 2.0 needs an https base URL (set oauth2_allow_http for development only)")

    def consent(self, request: PlainRequest, user: HostUser | None) -> Any:
        """Validate an authorization request for the consent page; raises ``OAuth2Error``."""
        self.check_transport()
        return self.get_consent_grant(request, end_user=user)

    def decide(self, request: PlainRequest, grant: Any, user: HostUser | None) -> OAuth2Response:
        """The user allowed (``user``) or denied (None): a redirect to the client with a code or an error."""
        response: OAuth2Response = self.create_authorization_response(request, grant_user=user, grant=grant)
        return response

    def token(self, request: PlainRequest) -> OAuth2Response:
        try:
            self.check_transport()
        except OAuth2Error as error:
            return self.handle_error_response(request, error)  # type: ignore[no-any-return]
        response: OAuth2Response = self.create_token_response(request)
        return response

    def revoke(self, request: PlainRequest) -> OAuth2Response:
        try:
            self.check_transport()
        except OAuth2Error as error:
            return self.handle_error_response(request, error)  # type: ignore[no-any-return]
        response: OAuth2Response = self.create_endpoint_response(_Revocation.ENDPOINT_NAME, request)
        return response

    def metadata(self) -> dict[str, Any]:
        base = self.base_url()
        return dict(
            AuthorizationServerMetadata(
                issuer=base,
                authorization_endpoint=base + AUTHORIZE_PATH,
                token_endpoint=base + TOKEN_PATH,
                revocation_endpoint=base + REVOKE_PATH,
                scopes_supported=list(SCOPES),
                response_types_supported=["code"],
                response_modes_supported=["query"],
                grant_types_supported=[AUTHORIZATION_CODE, REFRESH_TOKEN, JWT_BEARER],
                token_endpoint_auth_methods_supported=CLIENT_AUTH_METHODS,
                revocation_endpoint_auth_methods_supported=CLIENT_AUTH_METHODS,
                code_challenge_methods_supported=["S256"],
            )
        )

    def token_of(self, record_lookup: Callable[[], Any]) -> Token | None:
        record = record_lookup()
        if record is None:
            return None
        return Token(record, self.repository.client(record.client_id), self.now)


def _random_token(**_: Any) -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: OAuth2Server

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        client: Client = request.client
        user: HostUser = request.user
        self.server.repository.add_code(
            code_hash=digest(code),
            client_id=client.record.id,
            user_name=user.name,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            family=uuid.uuid4().hex,
            expires_at=self.server.now() + self.server.lifetimes.code,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        record = self.server.repository.code(digest(code))
        if record is None or record.client_id != client.record.id:
            return None
        if record.used_at is not None:
            # RFC 6749 §4.1.2: a code used twice is refused and what it issued is revoked.
            self.server.repository.revoke_family(record.family)
            return None
        if self.server.now() >= record.expires_at:
            return None
        return AuthorizationCode(record)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: ``save_token`` marked the code used together with storing its token."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> HostUser | None:
        return _active_user(self.server.users, authorization_code.record.user_name)


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh token is used once
    server: OAuth2Server

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        repository = self.server.repository
        token = self.server.token_of(lambda: repository.token_by_refresh(digest(refresh_token)))
        if token is None:
            return None
        if token.record.rotated:
            repository.revoke_family(token.record.family)  # reuse of a rotated refresh token
            return None
        if token.is_revoked() or token.is_refresh_expired():
            return None
        return token

    def authenticate_user(self, refresh_token: Token) -> HostUser | None:
        return _active_user(self.server.users, refresh_token.record.user_name)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing to do: ``save_token`` rotated the old token together with storing the new one."""


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: OAuth2Server

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        repository = self.server.repository
        lookups = [repository.token_by_access, repository.token_by_refresh]
        if token_type_hint == REFRESH_TOKEN:
            lookups.reverse()
        for lookup in lookups:
            token = self.server.token_of(lambda lookup=lookup: lookup(digest(token_string)))  # type: ignore[misc]
            if token is not None:
                return token
        return None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        # The grant ends: the access token, its refresh token and whatever they were rotated into.
        self.server.repository.revoke_family(token.record.family)


class _JWTGrant(JWTBearerGrant):  # type: ignore[misc]
    """RFC 7523 impersonation: a linked application signs an assertion with its instance key and gets a
    token for the user it names. Only for a client holding that application's key and marked "same set of
    users"; the algorithm is the one of that key (whatever ``alg``, ``jwk``, ``jku`` or ``kid`` the header
    says); each assertion is accepted once; each use is in the audit log."""

    CLAIMS_OPTIONS = {name: {"essential": True} for name in ("iss", "aud", "exp", "sub", "jti")}
    LEEWAY = ASSERTION_LEEWAY
    server: OAuth2Server

    def validate_token_request(self) -> None:
        assertion = self.request.form.get("assertion") or ""
        if len(assertion) > MAX_ASSERTION:
            raise InvalidRequestError(f"the assertion is longer than {MAX_ASSERTION} bytes")
        super().validate_token_request()

    def extract_assertion(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
        headers, claims = super().extract_assertion(assertion)
        issuer = claims.get("iss")
        client = self.resolve_issuer_client(issuer) if isinstance(issuer, str) else None
        if client is not None:
            expected = algorithm_of(client.record.jwt_public_key)
            if headers.get("alg") != expected:
                raise InvalidGrantError(f"the assertion must be signed with {expected}, the key held for its issuer")
        return headers, claims

    def resolve_issuer_client(self, issuer: str) -> Client | None:
        record = self.server.repository.client_by_issuer(issuer)
        return Client(record) if record is not None and record.jwt_public_key else None

    def resolve_client_public_key(self, client: Client) -> Any:
        return public_key(client.record.jwt_public_key)

    def get_audiences(self) -> list[str]:
        return [self.server.base_url() + TOKEN_PATH]

    def verify_claims(self, claims: Any) -> None:
        super().verify_claims(claims)
        now = self.server.now()
        expires = claims["exp"]
        if not isinstance(expires, int) or expires - now > MAX_ASSERTION_LIFETIME + ASSERTION_LEEWAY:
            raise InvalidGrantError(f"the assertion must expire within {MAX_ASSERTION_LIFETIME} seconds")
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= 200:
            raise InvalidGrantError("the assertion's jti must be a string of 1 to 200 characters")
        if not self.server.nonces.use(
            JTI_NONCE_PREFIX + str(claims["iss"]), "", 0, jti, expires_at=expires + ASSERTION_LEEWAY, now=now
        ):
            raise InvalidGrantError("the assertion was used already")
        self.request.assertion_claims = claims

    def authenticate_user(self, subject: str) -> HostUser | None:
        return _active_user(self.server.users, subject) if isinstance(subject, str) else None

    def has_granted_permission(self, client: Client, user: HostUser) -> bool:
        if not client.record.impersonation:
            raise NotSameUsers("permission_denied: this link is not marked as sharing the same set of users")
        return True


def _active_user(users: Users, name: str) -> HostUser | None:
    user = users(name)
    return user if user is not None and user.can_login else None
