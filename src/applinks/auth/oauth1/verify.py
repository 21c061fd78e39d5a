"""``OAuthProvider``: verifies incoming OAuth 1.0a requests and decides who they run as (protocol.md §5.3).

Checks run cheapest first and the nonce is recorded only after the signature verified, so nobody can burn
another client's nonces with unsigned requests. ``clock`` is injectable (tests skew it).

No consumer-key enumeration (security.md): until a request's signature verifies, an unknown consumer key, a
signature method other than the consumer's and an unknown token are all answered ``signature_invalid``,
exactly as a bad signature is; the precise problem travels in ``OAuthProblem.cause`` to the log and metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import (
    METHOD_2LO,
    METHOD_2LOI,
    METHOD_3LO,
    RSA_METHODS,
    SIGNATURE_METHODS,
    Consumer,
)
from applinks.auth.oauth1.signing import REQUIRED, SignedRequest, signature_valid
from applinks.auth.oauth1.tokens import ACCESS, ACTIVE, REQUEST, TokenRecord, TokenService
from applinks.cache import TtlCache
from applinks.crypto import SecretBox
from applinks.errors import OAuthProblem
from applinks.host import Host, HostUser
from applinks.settings import Settings
from applinks.storage.oauth_nonces import NonceStore, SqlNonceStore

# What a signed request is for: a protected resource, the request-token or the access-token endpoint.
RESOURCE, REQUEST_TOKEN, ACCESS_TOKEN = "resource", "request-token", "access-token"
MAX_NONCE = 255


@dataclass(frozen=True, slots=True)
class Verified:
    """A request whose signature, timestamp, nonce and token checked out."""

    consumer: Consumer
    token: TokenRecord | None
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class Authenticated:
    """Who a verified resource request runs as (``user`` None: anonymous 2LO) and in which mode."""

    user: HostUser | None
    method: str
    link_id: str


class OAuthProvider:
    """The service-provider side of OAuth 1.0a for one instance."""

    def __init__(
        self,
        engine: Engine,
        box: SecretBox,
        settings: Settings,
        consumers: ConsumerService,
        *,
        nonces: NonceStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.consumers = consumers
        self.nonces: NonceStore = nonces if nonces is not None else SqlNonceStore(engine)
        self.clock = clock
        self.tokens = TokenService(engine, box, settings, clock=lambda: self.clock())
        # The host's users by name, as 2LOi and 2LO requests name them on every call. A host that disables
        # or changes a user calls ``users.invalidate(name)`` so that it applies here at once.
        self.users: TtlCache[str, HostUser] = TtlCache(settings.cache_seconds)

    def now(self) -> int:
        return int(self.clock())

    def verify(self, signed: SignedRequest, purpose: str = RESOURCE) -> Verified:
        """Check one signed request; raises ``OAuthProblem`` with the wire code of the first failure."""
        params = signed.require(*REQUIRED)
        version = params.get("oauth_version")
        if version is not None and version != "1.0":
            raise OAuthProblem("version_rejected", "only OAuth 1.0 is supported", acceptable_versions="1.0-1.0")
        method = params["oauth_signature_method"]
        if method not in SIGNATURE_METHODS:
            raise OAuthProblem("signature_method_rejected", f"the signature method {method!r} is not accepted")
        timestamp = self._timestamp(params["oauth_timestamp"])
        nonce = params["oauth_nonce"]
        if len(nonce) > MAX_NONCE:
            raise OAuthProblem("parameter_rejected", "oauth_nonce is too long", parameters_rejected="oauth_nonce")
        self._token_expected(params.get("oauth_token", ""), purpose)
        base_string = signed.base_string()
        consumer = self.consumers.get(params["oauth_consumer_key"])
        if consumer is None:
            raise OAuthProblem("signature_invalid", signature_base_string=base_string, cause="consumer_key_unknown")
        if method != consumer.signature_method:
            # The method is fixed per consumer: an RSA consumer never verifies HMAC (no method switching).
            raise OAuthProblem(
                "signature_invalid", signature_base_string=base_string, cause="signature_method_rejected"
            )
        # The token is looked up before the signature (an HMAC signature covers its secret) but judged after
        # it: only a caller who proved knowledge of the consumer's key learns what is wrong with a token. The
        # one exception: an HMAC request with a token we do not hold cannot be verified (its secret is gone), and
        # a real client must hear token_rejected to authorise again, so it does.
        value = params.get("oauth_token", "")
        record = self.tokens.lookup(value) if value else None
        if value and record is None and method not in RSA_METHODS:
            raise OAuthProblem("token_rejected", "the token is unknown or has been revoked")
        secret = record.secret if record is not None and record.secret else ""
        if not signature_valid(base_string, params["oauth_signature"], method, consumer, secret):
            cause = "token_rejected" if value and record is None else "signature_invalid"
            raise OAuthProblem("signature_invalid", signature_base_string=base_string, cause=cause)
        token = self._token(value, record, consumer, purpose)
        window = self.settings.timestamp_window
        if not self.nonces.use(
            consumer.key,
            token.token_hash if token is not None else "",
            timestamp,
            nonce,
            expires_at=timestamp + window + 1,
            now=self.now(),
        ):
            raise OAuthProblem("nonce_used", "this nonce has already been used with this timestamp")
        return Verified(consumer, token, params)

    def authenticate(self, signed: SignedRequest, host: Host | None) -> Authenticated:
        """Verify a request for a protected resource and decide the user: 3LO (access token), 2LOi
        (``xoauth_requestor_id``) or 2LO (the consumer's executing user, else anonymous)."""
        verified = self.verify(signed, RESOURCE)
        consumer = verified.consumer
        if verified.token is not None:
            if not consumer.three_lo_allowed:
                raise OAuthProblem("permission_denied", "3-legged OAuth is not enabled for this consumer")
            return Authenticated(self._user(host, verified.token.user_name), METHOD_3LO, consumer.link_id)
        requestor = signed.param("xoauth_requestor_id")
        if requestor:
            if not consumer.two_lo_impersonation_allowed:
                raise OAuthProblem(
                    "permission_denied", "impersonation is not enabled for this consumer", level_disabled=True
                )
            return Authenticated(self._user(host, requestor), METHOD_2LOI, consumer.link_id)
        if not consumer.two_lo_allowed:
            # level_disabled: answered as Atlassian does (401, OAuth challenge, empty body), which an Atlassian
            # peer's diagnostics read as "2LO is not enabled" rather than a failure (protocol.md §10).
            raise OAuthProblem(
                "permission_denied", "2-legged OAuth is not enabled for this consumer", level_disabled=True
            )
        user = self._user(host, consumer.executing_two_lo_user) if consumer.executing_two_lo_user else None
        return Authenticated(user, METHOD_2LO, consumer.link_id)

    def _timestamp(self, raw: str) -> int:
        if not raw.isdigit() or len(raw) > 12:
            raise OAuthProblem(
                "parameter_rejected",
                "oauth_timestamp is not a number of seconds",
                parameters_rejected="oauth_timestamp",
            )
        timestamp, now, window = int(raw), self.now(), self.settings.timestamp_window
        if abs(timestamp - now) > window:
            raise OAuthProblem(
                "timestamp_refused",
                f"the timestamp is more than {window} s away from this server's clock",
                acceptable_timestamps=f"{now - window}-{now + window}",
            )
        return timestamp

    @staticmethod
    def _token_expected(value: str, purpose: str) -> None:
        """Whether the endpoint takes a token at all: independent of who is asking, so checked first."""
        if purpose == REQUEST_TOKEN and value:
            raise OAuthProblem(
                "parameter_rejected", "a request-token request carries no token", parameters_rejected="oauth_token"
            )
        if purpose == ACCESS_TOKEN and not value:
            raise OAuthProblem("parameter_absent", "oauth_token is required", parameters_absent="oauth_token")

    def _token(self, value: str, record: TokenRecord | None, consumer: Consumer, purpose: str) -> TokenRecord | None:
        if purpose == REQUEST_TOKEN or not value:
            return None
        # The access-token endpoint also takes an access token: renewal with its session handle, which is
        # allowed after the token expired (the session decides, ``TokenService.renew``).
        wanted = (REQUEST, ACCESS) if purpose == ACCESS_TOKEN else (ACCESS,)
        if record is None or record.consumer_id != consumer.id or record.kind not in wanted:
            raise OAuthProblem("token_rejected", "the token is unknown or has been revoked")
        renewal = purpose == ACCESS_TOKEN and record.kind == ACCESS
        if record.expires_at < self.now() and not renewal:
            raise OAuthProblem("token_expired", "the token has expired")
        if record.kind == ACCESS and record.state != ACTIVE:
            raise OAuthProblem("token_rejected", "the token is not usable")
        return record

    def _user(self, host: Host | None, name: str | None) -> HostUser:
        # The same answer whether the user is missing or may not log in (no enumeration).
        user = self.users.get(name, host.get_user) if host is not None and name else None
        if user is None or not user.can_login:
            raise OAuthProblem("permission_denied", "the user is unknown or may not log in")
        return user
