"""The one repository of the OAuth 2.0 authorization server: clients, codes and tokens in and out of
``oauth2_tables``. Every method is one transaction; the single-use checks (a code redeemed, a refresh
token rotated) are one conditional UPDATE each, so two requests or two nodes racing cannot both win."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from applinks.errors import Conflict
from applinks.storage.oauth2_tables import oauth2_clients, oauth2_codes, oauth2_impersonations, oauth2_tokens


@dataclass(frozen=True, slots=True)
class ClientRecord:
    id: str
    client_id: str
    secret_hash: str
    name: str
    redirects: tuple[str, ...]
    scope: str
    user_key: str
    link_id: str | None
    created_at: int
    jwt_issuer: str | None = None
    jwt_public_key: str | None = None
    impersonation: bool = False


@dataclass(frozen=True, slots=True)
class CodeRecord:
    id: int
    client_id: str  # the client's row id
    user_name: str
    redirect_uri: str | None
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    family: str
    expires_at: int
    used_at: int | None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    client_id: str  # the client's row id
    user_name: str
    scope: str
    family: str
    grant_type: str
    issued_at: int
    expires_at: int
    refresh_expires_at: int | None
    has_refresh: bool
    rotated: bool
    revoked: bool


@dataclass(frozen=True, slots=True)
class NewToken:
    access_hash: str
    refresh_hash: str | None
    client_id: str
    user_name: str
    scope: str
    family: str
    grant_type: str
    issued_at: int
    expires_at: int
    refresh_expires_at: int | None


def _client(row: Any) -> ClientRecord:
    return ClientRecord(
        id=row.id,
        client_id=row.client_id,
        secret_hash=row.secret_hash,
        name=row.name,
        redirects=tuple(row.redirects or ()),
        scope=row.scope,
        user_key=row.user_key,
        link_id=row.link_id,
        created_at=int(row.created_at),
        jwt_issuer=row.jwt_issuer,
        jwt_public_key=row.jwt_public_key,
        impersonation=bool(row.impersonation),
    )


def _code(row: Any) -> CodeRecord:
    return CodeRecord(
        id=row.id,
        client_id=row.client_id,
        user_name=row.user_name,
        redirect_uri=row.redirect_uri,
        scope=row.scope,
        code_challenge=row.code_challenge,
        code_challenge_method=row.code_challenge_method,
        family=row.family,
        expires_at=int(row.expires_at),
        used_at=None if row.used_at is None else int(row.used_at),
    )


def _token(row: Any) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        client_id=row.client_id,
        user_name=row.user_name,
        scope=row.scope,
        family=row.family,
        grant_type=row.grant_type,
        issued_at=int(row.issued_at),
        expires_at=int(row.expires_at),
        refresh_expires_at=None if row.refresh_expires_at is None else int(row.refresh_expires_at),
        has_refresh=row.refresh_hash is not None,
        rotated=bool(row.rotated),
        revoked=bool(row.revoked),
    )


class OAuth2Repository:
    """Storage of the OAuth 2.0 authorization server (the boundary ``auth/oauth2`` talks to)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- clients ---------------------------------------------------------------------------------------

    def add_client(self, record: ClientRecord) -> None:
        values = {
            "id": record.id,
            "client_id": record.client_id,
            "secret_hash": record.secret_hash,
            "name": record.name,
            "redirects": list(record.redirects),
            "scope": record.scope,
            "user_key": record.user_key,
            "link_id": record.link_id,
            "created_at": record.created_at,
            "jwt_issuer": record.jwt_issuer,
            "jwt_public_key": record.jwt_public_key,
            "impersonation": record.impersonation,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(oauth2_clients.insert().values(**values))
        except IntegrityError as exc:
            raise Conflict(
                "an OAuth 2.0 client with that ID exists already", key="applinks.oauth2.client.duplicate"
            ) from exc

    def client(self, row_id: str) -> ClientRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_clients).where(oauth2_clients.c.id == row_id)).first()
        return _client(row) if row else None

    def client_by_client_id(self, client_id: str) -> ClientRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_clients).where(oauth2_clients.c.client_id == client_id)).first()
        return _client(row) if row else None

    def clients(self) -> list[ClientRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(oauth2_clients).order_by(oauth2_clients.c.created_at, oauth2_clients.c.name))
            return [_client(row) for row in rows]

    def update_client(self, row_id: str, *, name: str, redirects: tuple[str, ...], scope: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(oauth2_clients)
                .where(oauth2_clients.c.id == row_id)
                .values(name=name, redirects=list(redirects), scope=scope)
            )
        return bool(result.rowcount)

    def client_by_issuer(self, issuer: str) -> ClientRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_clients).where(oauth2_clients.c.jwt_issuer == issuer)).first()
        return _client(row) if row else None

    def set_jwt_bearer(self, row_id: str, *, issuer: str | None, public_key: str | None, impersonation: bool) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(oauth2_clients)
                    .where(oauth2_clients.c.id == row_id)
                    .values(jwt_issuer=issuer, jwt_public_key=public_key, impersonation=impersonation)
                )
        except IntegrityError as exc:
            raise Conflict(
                "another OAuth 2.0 client has that issuer already", key="applinks.oauth2.issuer.duplicate"
            ) from exc

    def add_impersonation(self, *, client_id: str, issuer: str, user_name: str, jti: str, at: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                oauth2_impersonations.insert().values(
                    client_id=client_id, issuer=issuer, user_name=user_name, jti=jti, at=at
                )
            )

    def impersonations(self, limit: int = 100) -> list[dict[str, Any]]:
        query = select(oauth2_impersonations).order_by(oauth2_impersonations.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def set_secret_hash(self, row_id: str, secret_hash: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(oauth2_clients).where(oauth2_clients.c.id == row_id).values(secret_hash=secret_hash)
            )
        return bool(result.rowcount)

    def delete_client(self, row_id: str) -> bool:
        """Delete the client; its codes and tokens go with it (so none of them is accepted any more)."""
        with self.engine.begin() as conn:
            conn.execute(oauth2_tokens.delete().where(oauth2_tokens.c.client_id == row_id))
            conn.execute(oauth2_codes.delete().where(oauth2_codes.c.client_id == row_id))
            result = conn.execute(oauth2_clients.delete().where(oauth2_clients.c.id == row_id))
        return bool(result.rowcount)

    # -- authorization codes ---------------------------------------------------------------------------

    def add_code(
        self,
        *,
        code_hash: str,
        client_id: str,
        user_name: str,
        redirect_uri: str | None,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
        family: str,
        expires_at: int,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                oauth2_codes.insert().values(
                    code_hash=code_hash,
                    client_id=client_id,
                    user_name=user_name,
                    redirect_uri=redirect_uri,
                    scope=scope,
                    code_challenge=code_challenge,
                    code_challenge_method=code_challenge_method,
                    family=family,
                    expires_at=expires_at,
                )
            )

    def code(self, code_hash: str) -> CodeRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_codes).where(oauth2_codes.c.code_hash == code_hash)).first()
        return _code(row) if row else None

    def redeem_code(self, code_id: int, now: int, token: NewToken) -> bool:
        """Mark the code used and store the token it buys, together; False (nothing stored) when the code
        was used already."""
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(oauth2_codes)
                .where(and_(oauth2_codes.c.id == code_id, oauth2_codes.c.used_at.is_(None)))
                .values(used_at=now)
            )
            if claimed.rowcount != 1:
                return False
            conn.execute(oauth2_tokens.insert().values(**_token_values(token)))
        return True

    def mark_code_used(self, code_id: int, now: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(oauth2_codes).where(oauth2_codes.c.id == code_id).values(used_at=now))

    # -- tokens ----------------------------------------------------------------------------------------

    def add_token(self, token: NewToken) -> None:
        with self.engine.begin() as conn:
            conn.execute(oauth2_tokens.insert().values(**_token_values(token)))

    def token_by_access(self, access_hash: str) -> TokenRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_tokens).where(oauth2_tokens.c.access_hash == access_hash)).first()
        return _token(row) if row else None

    def token_by_refresh(self, refresh_hash: str) -> TokenRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth2_tokens).where(oauth2_tokens.c.refresh_hash == refresh_hash)).first()
        return _token(row) if row else None

    def rotate(self, old_id: int, token: NewToken) -> bool:
        """Retire the token ``old_id`` (its refresh token was just used) and store its successor, together;
        False (nothing stored) when it was rotated or revoked already."""
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(oauth2_tokens)
                .where(
                    and_(
                        oauth2_tokens.c.id == old_id,
                        oauth2_tokens.c.rotated.is_(False),
                        oauth2_tokens.c.revoked.is_(False),
                    )
                )
                .values(rotated=True, revoked=True)
            )
            if claimed.rowcount != 1:
                return False
            conn.execute(oauth2_tokens.insert().values(**_token_values(token)))
        return True

    def revoke_token(self, token_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(oauth2_tokens).where(oauth2_tokens.c.id == token_id).values(revoked=True))

    def revoke_family(self, family: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(oauth2_tokens)
                .where(and_(oauth2_tokens.c.family == family, oauth2_tokens.c.revoked.is_(False)))
                .values(revoked=True)
            )
        return int(result.rowcount or 0)

    def revoke_user_client(self, user_name: str, client_row_id: str) -> int:
        """Withdraw everything ``user_name`` granted to one client ("Authorized applications" → Revoke)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(oauth2_tokens)
                .where(
                    and_(
                        oauth2_tokens.c.user_name == user_name,
                        oauth2_tokens.c.client_id == client_row_id,
                        oauth2_tokens.c.revoked.is_(False),
                    )
                )
                .values(revoked=True)
            )
        return int(result.rowcount or 0)

    def authorizations_of(self, user_name: str, now: int) -> list[dict[str, Any]]:
        """The clients ``user_name`` has live tokens for: client row, scope, first and last grant time."""
        live = and_(
            oauth2_tokens.c.user_name == user_name,
            oauth2_tokens.c.revoked.is_(False),
            (oauth2_tokens.c.expires_at > now) | (func.coalesce(oauth2_tokens.c.refresh_expires_at, 0) > now),
        )
        query = (
            select(
                oauth2_clients.c.id,
                oauth2_clients.c.client_id,
                oauth2_clients.c.name,
                func.max(oauth2_tokens.c.scope).label("scope"),
                func.min(oauth2_tokens.c.issued_at).label("first"),
                func.max(oauth2_tokens.c.issued_at).label("last"),
            )
            .join(oauth2_clients, oauth2_clients.c.id == oauth2_tokens.c.client_id)
            .where(live)
            .group_by(oauth2_clients.c.id, oauth2_clients.c.client_id, oauth2_clients.c.name)
            .order_by(oauth2_clients.c.name)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def purge(self, now: int) -> None:
        """Forget codes and tokens that can no longer be used (rotated tokens stay while their refresh
        token could still be replayed, so the replay is recognised)."""
        with self.engine.begin() as conn:
            conn.execute(oauth2_codes.delete().where(oauth2_codes.c.expires_at < now))
            conn.execute(
                oauth2_tokens.delete().where(
                    and_(
                        oauth2_tokens.c.expires_at < now,
                        func.coalesce(oauth2_tokens.c.refresh_expires_at, 0) < now,
                    )
                )
            )


def _token_values(token: NewToken) -> dict[str, Any]:
    return {
        "access_hash": token.access_hash,
        "refresh_hash": token.refresh_hash,
        "client_id": token.client_id,
        "user_name": token.user_name,
        "scope": token.scope,
        "family": token.family,
        "grant_type": token.grant_type,
        "issued_at": token.issued_at,
        "expires_at": token.expires_at,
        "refresh_expires_at": token.refresh_expires_at,
        "rotated": False,
        "revoked": False,
    }
