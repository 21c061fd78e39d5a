"""Incoming OAuth 2.0 links (protocol.md §8, §10.1): the applications an administrator allows to ask our
users for access. Each gets a client ID and a client secret; the secret is shown once (on creation and on
reset) and stored only as its hash."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from applinks.auth.oauth2.assertions import algorithm_of
from applinks.auth.oauth2.models import check_redirect_url, digest, parse_scope
from applinks.errors import InvalidInput, NotFound
from applinks.storage.oauth2 import ClientRecord, OAuth2Repository

MAX_NAME = 255
MAX_REDIRECTS = 20


@dataclass(frozen=True, slots=True)
class IssuedClient:
    """A client with the secret just issued (the only moment the secret exists outside the caller)."""

    client: ClientRecord
    secret: str


def client_json(record: ClientRecord, secret: str | None = None) -> dict[str, Any]:
    """Atlassian's client entity ``{id, clientId, clientSecret, name, redirects, userKey, scope}``; the
    secret only when it was just issued."""
    body: dict[str, Any] = {
        "id": record.id,
        "clientId": record.client_id,
        "name": record.name,
        "redirects": list(record.redirects),
        "userKey": record.user_key,
        "scope": record.scope,
    }
    if record.link_id:
        body["linkId"] = record.link_id
    if record.jwt_issuer:
        body["jwtBearer"] = {"issuer": record.jwt_issuer, "sameUsers": record.impersonation}
    if secret is not None:
        body["clientSecret"] = secret
    return body


class IncomingClients:
    """Register, change, reset and delete incoming OAuth 2.0 clients; the users' authorised applications."""

    def __init__(
        self,
        repository: OAuth2Repository,
        *,
        base_url: Callable[[], str],
        allow_http: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repository = repository
        self.base_url = base_url
        self.allow_http = allow_http
        self.clock = clock

    def _check_base_url(self) -> None:
        if urlsplit(self.base_url()).scheme != "https" and not self.allow_http:
            raise InvalidInput(
                "OAuth 2.0 links need an https base URL (oauth2_allow_http allows http for development only)",
                key="applinks.oauth2.https",
            )

    def _validate(
        self, name: str, redirects: Iterable[str], scope: str | Iterable[str]
    ) -> tuple[str, tuple[str, ...], str]:
        name = (name or "").strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidInput(f"the application name must be 1 to {MAX_NAME} characters", key="applinks.oauth2.name")
        urls = tuple(dict.fromkeys(check_redirect_url(u, allow_http=self.allow_http) for u in redirects))
        if not urls or len(urls) > MAX_REDIRECTS:
            raise InvalidInput(f"give 1 to {MAX_REDIRECTS} redirect URLs", key="applinks.oauth2.redirect")
        scopes = parse_scope(scope)
        if not scopes:
            raise InvalidInput(
                "give at least one scope: READ, WRITE, ADMIN or SYSTEM_ADMIN", key="applinks.oauth2.scope"
            )
        return name, urls, " ".join(scopes)

    def create(
        self,
        name: str,
        redirects: Iterable[str],
        scope: str | Iterable[str],
        *,
        user_key: str,
        link_id: str | None = None,
    ) -> IssuedClient:
        self._check_base_url()
        name, urls, scopes = self._validate(name, redirects, scope)
        secret = secrets.token_hex(32)
        record = ClientRecord(
            id=uuid.uuid4().hex,
            client_id=secrets.token_hex(16),
            secret_hash=digest(secret),
            name=name,
            redirects=urls,
            scope=scopes,
            user_key=user_key,
            link_id=link_id,
            created_at=int(self.clock()),
        )
        self.repository.add_client(record)
        return IssuedClient(record, secret)

    def all(self) -> list[ClientRecord]:
        return self.repository.clients()

    def get(self, row_id: str) -> ClientRecord:
        record = self.repository.client(row_id)
        if record is None:
            raise NotFound(f"no OAuth 2.0 client {row_id!r}", key="applinks.oauth2.client.notfound")
        return record

    def by_client_id(self, client_id: str) -> ClientRecord:
        record = self.repository.client_by_client_id(client_id)
        if record is None:
            raise NotFound(f"no OAuth 2.0 client with client ID {client_id!r}", key="applinks.oauth2.client.notfound")
        return record

    def update(
        self,
        row_id: str,
        *,
        name: str | None = None,
        redirects: Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
    ) -> ClientRecord:
        current = self.get(row_id)
        new_name, urls, scopes = self._validate(
            current.name if name is None else name,
            current.redirects if redirects is None else redirects,
            current.scope if scope is None else scope,
        )
        self.repository.update_client(row_id, name=new_name, redirects=urls, scope=scopes)
        return self.get(row_id)

    def reset_secret(self, client_id: str) -> IssuedClient:
        """A new secret for the client with this client ID; the old one stops working at once."""
        record = self.by_client_id(client_id)
        secret = secrets.token_hex(32)
        self.repository.set_secret_hash(record.id, digest(secret))
        return IssuedClient(self.get(record.id), secret)

    def set_jwt_bearer(
        self, row_id: str, *, issuer: str | None, public_key_pem: str | None, same_users: bool
    ) -> ClientRecord:
        """Let the application ``issuer`` (its application ID) act as users with JWT bearer assertions
        signed by ``public_key_pem`` — only when ``same_users`` (the link shares our set of users). No
        issuer turns JWT bearer off for this client."""
        self.get(row_id)
        if issuer:
            if len(issuer) > 255:
                raise InvalidInput("the issuer is longer than 255 characters", key="applinks.oauth2.jwt.issuer")
            algorithm_of(public_key_pem)  # a usable public key, or a clear error
        else:
            issuer, public_key_pem, same_users = None, None, False
        self.repository.set_jwt_bearer(row_id, issuer=issuer, public_key=public_key_pem, impersonation=same_users)
        return self.get(row_id)

    def impersonations(self, limit: int = 100) -> list[dict[str, Any]]:
        """The audit log of JWT bearer impersonations, newest first."""
        rows = self.repository.impersonations(max(1, min(limit, 1000)))
        return [
            {"clientId": r["client_id"], "issuer": r["issuer"], "user": r["user_name"], "jti": r["jti"], "at": r["at"]}
            for r in rows
        ]

    def delete(self, row_id: str) -> None:
        if not self.repository.delete_client(row_id):
            raise NotFound(f"no OAuth 2.0 client {row_id!r}", key="applinks.oauth2.client.notfound")

    # -- a user's authorised applications ----------------------------------------------------------

    def authorized(self, user_name: str) -> list[dict[str, Any]]:
        rows = self.repository.authorizations_of(user_name, int(self.clock()))
        return [
            {
                "clientId": row["client_id"],
                "name": row["name"],
                "scope": row["scope"],
                "firstAuthorized": int(row["first"]),
                "lastAuthorized": int(row["last"]),
            }
            for row in rows
        ]

    def revoke_authorization(self, user_name: str, client_id: str) -> None:
        record = self.by_client_id(client_id)
        if not self.repository.revoke_user_client(user_name, record.id):
            raise NotFound("you have not authorised that application", key="applinks.oauth2.authorization.notfound")
