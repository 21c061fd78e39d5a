"""Tokens we issue as a service provider: request tokens (authorised by a user), access tokens, revocation.

Only the sha256 of a token is stored. Token secrets are kept (encrypted) only for HMAC consumers, whose
signatures need them; RSA consumers never use theirs. Every state change is one transaction, and the
single-use steps (decide on a request token, exchange it) are conditional updates that only one caller wins."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection, Engine, Row

from applinks.auth.oauth1.consumers import check_callback
from applinks.auth.oauth1.model import HMAC_SHA1, OOB, Consumer
from applinks.crypto import SecretBox, secrets_equal
from applinks.errors import InvalidInput, OAuthProblem
from applinks.settings import Settings
from applinks.storage import oauth_tokens as repo

REQUEST, ACCESS = "request", "access"
OAUTH_1_0 = "1.0"  # a request token issued without oauth_callback: no verifier at the exchange
# An access token's session (renewals with oauth_session_handle) outlives the token by this much, as in
# Atlassian's service provider; after it, renewing is permission_denied and the user must authorise again.
SESSION_GRACE = 30 * 24 * 3600
PENDING, AUTHORIZED, DENIED, USED, ACTIVE = "pending", "authorized", "denied", "used", "active"
# Expired tokens are kept this long so that their holders hear token_expired rather than token_rejected.
EXPIRED_GRACE = 7 * 24 * 3600
PURGE_INTERVAL = 300


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    token_hash: str
    consumer_id: int
    kind: str
    state: str
    secret: str | None
    user_name: str | None
    callback: str | None
    verifier_hash: str | None
    issued_at: int
    expires_at: int
    oauth_version: str | None = None
    session_hash: str | None = None
    session_expires_at: int | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token handed to a consumer: the only moment the token and its secret exist in clear."""

    token: str
    secret: str
    expires_in: int
    session_handle: str | None = None
    authorization_expires_in: int | None = None

    def form(self, **extra: str) -> str:
        fields: dict[str, str | int] = {
            "oauth_token": self.token,
            "oauth_token_secret": self.secret,
            **extra,
            "oauth_expires_in": self.expires_in,
        }
        if self.session_handle is not None:
            # What Atlassian's access-token reply carries, so that a consumer can renew the token (§10).
            fields["oauth_session_handle"] = self.session_handle
            fields["oauth_authorization_expires_in"] = self.authorization_expires_in or 0
        return urlencode(fields)


@dataclass(frozen=True, slots=True)
class Decision:
    """Where the user's browser goes after approving or denying (None: show the verifier, ``oob``)."""

    redirect: str | None
    verifier: str | None


def refused(message: str) -> InvalidInput:
    """The authorize page cannot proceed (unknown, expired or already decided request token)."""
    return InvalidInput(message, key="applinks.oauth.authorize")


def resolve_callback(consumer: Consumer, given: str | None) -> str:
    """The callback a request token will use: the registered one, or the one given when it is exactly the
    registered one (or none is registered). Never an open redirect."""
    value = (given or "").strip()
    if not value:
        raise OAuthProblem(
            "parameter_absent", "oauth_callback is required (OAuth 1.0a)", parameters_absent="oauth_callback"
        )
    if value.lower() == OOB:
        return consumer.callback or OOB
    try:
        checked = check_callback(value)
    except InvalidInput as exc:
        raise OAuthProblem("parameter_rejected", exc.message, parameters_rejected="oauth_callback") from exc
    if consumer.callback is not None and checked != consumer.callback:
        raise OAuthProblem(
            "parameter_rejected",
            "oauth_callback is not the callback registered for this consumer",
            parameters_rejected="oauth_callback",
        )
    assert checked is not None
    return checked


def with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class TokenService:
    def __init__(self, engine: Engine, box: SecretBox, settings: Settings, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.box = box
        self.settings = settings
        self.clock = clock
        self._last_purge = 0

    def now(self) -> int:
        return int(self.clock())

    def lookup(self, token: str) -> TokenRecord | None:
        if not token or len(token) > 255:
            return None
        with self.engine.connect() as conn:
            row = repo.by_hash(conn, token_hash(token))
        return None if row is None else self._record(row)

    # -- request tokens --------------------------------------------------------------------------------
    def issue_request_token(self, consumer: Consumer, callback: str | None) -> IssuedToken:
        """A request token; ``callback`` None is an OAuth 1.0 consumer (no ``oauth_callback`` sent): its
        token needs no verifier, and approving it returns to the consumer's registered callback, if any."""
        assert consumer.id is not None
        self._maybe_purge()
        issued = self._new()
        now = self.now()
        with self.engine.begin() as conn:
            repo.insert(
                conn,
                {
                    **self._columns(issued, consumer),
                    "kind": REQUEST,
                    "state": PENDING,
                    "callback": callback if callback is not None else consumer.callback,
                    "oauth_version": OAUTH_1_0 if callback is None else None,
                    "issued_at": now,
                    "expires_at": now + self.settings.request_token_ttl,
                },
            )
        return IssuedToken(issued.token, issued.secret, self.settings.request_token_ttl)

    def pending(self, token: str) -> TokenRecord:
        """The request token a user is asked to decide on; refused when unknown, expired or decided."""
        record = self.lookup(token)
        if record is None or record.kind != REQUEST:
            raise refused("this authorisation request is unknown; start again from the application")
        if record.expires_at < self.now():
            raise refused("this authorisation request has expired; start again from the application")
        if record.state != PENDING:
            raise refused("this authorisation request has already been answered")
        return record

    def approve(self, token: str, user_name: str) -> Decision:
        record = self.pending(token)
        verifier = secrets.token_urlsafe(12)
        with self.engine.begin() as conn:
            won = repo.transition(
                conn,
                record.id,
                PENDING,
                {"state": AUTHORIZED, "user_name": user_name, "verifier_hash": token_hash(verifier)},
            )
        if not won:
            raise refused("this authorisation request has already been answered")
        if record.oauth_version == OAUTH_1_0:  # OAuth 1.0: the consumer exchanges without a verifier
            if record.callback is None or record.callback == OOB:
                return Decision(None, None)
            return Decision(with_params(record.callback, {"oauth_token": token}), None)
        if record.callback is None or record.callback == OOB:
            return Decision(None, verifier)
        return Decision(with_params(record.callback, {"oauth_token": token, "oauth_verifier": verifier}), verifier)

    def deny(self, token: str) -> Decision:
        record = self.pending(token)
        with self.engine.begin() as conn:
            won = repo.transition(conn, record.id, PENDING, {"state": DENIED})
        if not won:
            raise refused("this authorisation request has already been answered")
        if record.callback is None or record.callback == OOB:
            return Decision(None, None)
        return Decision(
            with_params(record.callback, {"oauth_token": token, "oauth_problem": "permission_denied"}), None
        )

    # -- access tokens ---------------------------------------------------------------------------------
    def exchange(self, record: TokenRecord, consumer: Consumer, verifier: str | None) -> IssuedToken:
        """Swap an authorised request token and its verifier (OAuth 1.0a; none for 1.0 tokens) for an access
        token with a session handle (once)."""
        if record.state == PENDING:
            raise OAuthProblem("permission_unknown", "the user has not authorised this request token yet")
        if record.state == DENIED:
            raise OAuthProblem("permission_denied", "the user denied access")
        if record.state == USED:
            raise OAuthProblem("token_used", "this request token has already been exchanged")
        if record.oauth_version != OAUTH_1_0:
            if not verifier:
                raise OAuthProblem(
                    "parameter_absent", "oauth_verifier is required (OAuth 1.0a)", parameters_absent="oauth_verifier"
                )
            if record.verifier_hash is None or not secrets_equal(token_hash(verifier), record.verifier_hash):
                raise OAuthProblem("token_rejected", "the oauth_verifier does not match this request token")
        issued = self._new()
        session = secrets.token_urlsafe(24)
        now = self.now()
        ttl = self.settings.access_token_ttl
        session_ends = now + ttl + SESSION_GRACE
        with self.engine.begin() as conn:
            if not repo.transition(conn, record.id, AUTHORIZED, {"state": USED}):
                raise OAuthProblem("token_used", "this request token has already been exchanged")
            self._insert_access(conn, issued, consumer, record.user_name, token_hash(session), session_ends, now)
        return IssuedToken(issued.token, issued.secret, ttl, session, session_ends - now)

    def renew(self, record: TokenRecord, consumer: Consumer, session_handle: str | None) -> IssuedToken:
        """A new access token for an access token (expired or not) and its session handle; the old token goes.
        Refused once the session has ended (the user must authorise again)."""
        if record.kind != ACCESS or record.session_hash is None:
            raise OAuthProblem("token_rejected", "this access token cannot be renewed")
        if not session_handle:
            raise OAuthProblem(
                "parameter_absent", "oauth_session_handle is required", parameters_absent="oauth_session_handle"
            )
        if not secrets_equal(token_hash(session_handle), record.session_hash):
            raise OAuthProblem("token_rejected", "the oauth_session_handle does not belong to this token")
        now = self.now()
        session_ends = record.session_expires_at or 0
        if session_ends < now:
            raise OAuthProblem("permission_denied", "the authorisation has expired; authorise again")
        issued = self._new()
        ttl = min(self.settings.access_token_ttl, session_ends - now)
        with self.engine.begin() as conn:
            if not repo.delete_exact(conn, record.id, record.token_hash):
                raise OAuthProblem("token_rejected", "this access token has already been renewed or revoked")
            self._insert_access(conn, issued, consumer, record.user_name, record.session_hash, session_ends, now, ttl)
        return IssuedToken(issued.token, issued.secret, ttl, session_handle, session_ends - now)

    def _insert_access(
        self,
        conn: Connection,
        issued: IssuedToken,
        consumer: Consumer,
        user_name: str | None,
        session_hash: str,
        session_ends: int,
        now: int,
        ttl: int | None = None,
    ) -> None:
        repo.insert(
            conn,
            {
                **self._columns(issued, consumer),
                "kind": ACCESS,
                "state": ACTIVE,
                "user_name": user_name,
                "issued_at": now,
                "expires_at": now + (self.settings.access_token_ttl if ttl is None else ttl),
                "session_hash": session_hash,
                "session_expires_at": session_ends,
            },
        )

    def access_tokens_of(self, user_name: str) -> list[dict[str, Any]]:
        """The access tokens a user has granted, for their access-tokens page."""
        with self.engine.connect() as conn:
            rows = repo.access_tokens_of(conn, user_name)
        return [
            {
                "id": int(r.id),
                "consumerName": r.consumer_name,
                "consumerKey": r.consumer_key,
                "linkId": r.link_id,
                "issued": datetime.fromtimestamp(int(r.issued_at), UTC),
                "expires": datetime.fromtimestamp(int(r.expires_at), UTC),
            }
            for r in rows
        ]

    def revoke(self, token_id: int, user_name: str) -> bool:
        """Revoke one of the user's own access tokens; later requests with it get ``token_rejected``."""
        with self.engine.begin() as conn:
            return repo.delete_access_token_of(conn, token_id, user_name)

    # -- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _new() -> IssuedToken:
        return IssuedToken(secrets.token_urlsafe(24), secrets.token_urlsafe(24), 0)

    def _columns(self, issued: IssuedToken, consumer: Consumer) -> dict[str, Any]:
        # RSA consumers never sign with the token secret: it is handed out (clients expect one) but not kept.
        sealed = self.box.encrypt(issued.secret) if consumer.signature_method == HMAC_SHA1 else None
        return {"token_hash": token_hash(issued.token), "consumer_id": consumer.id, "secret": sealed}

    def _record(self, row: Row[Any]) -> TokenRecord:
        return TokenRecord(
            id=int(row.id),
            token_hash=row.token_hash,
            consumer_id=int(row.consumer_id),
            kind=row.kind,
            state=row.state,
            secret=self.box.decrypt(row.secret) if row.secret else None,
            user_name=row.user_name,
            callback=row.callback,
            verifier_hash=row.verifier_hash,
            issued_at=int(row.issued_at),
            expires_at=int(row.expires_at),
            oauth_version=row.oauth_version,
            session_hash=row.session_hash,
            session_expires_at=None if row.session_expires_at is None else int(row.session_expires_at),
        )

    def _maybe_purge(self) -> None:
        now = self.now()
        if now - self._last_purge < PURGE_INTERVAL:
            return
        self._last_purge = now
        with self.engine.begin() as conn:
            repo.purge_expired(conn, now - EXPIRED_GRACE)
