"""The repository of OAuth 1.0a tokens we issued: looked up by the sha256 of the token, never the token."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from applinks.storage.oauth_tables import oauth_consumers, oauth_tokens


def insert(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(oauth_tokens.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def by_hash(conn: Connection, token_hash: str) -> Row[Any] | None:
    return conn.execute(select(oauth_tokens).where(oauth_tokens.c.token_hash == token_hash)).first()


def transition(conn: Connection, token_id: int, from_state: str, values: dict[str, Any]) -> bool:
    """Move a token out of ``from_state``; False when another request moved it first (single use)."""
    result = conn.execute(
        oauth_tokens.update().where(oauth_tokens.c.id == token_id, oauth_tokens.c.state == from_state).values(**values)
    )
    return result.rowcount == 1


def delete(conn: Connection, token_id: int) -> bool:
    return bool(conn.execute(oauth_tokens.delete().where(oauth_tokens.c.id == token_id)).rowcount)


def delete_exact(conn: Connection, token_id: int, token_hash: str) -> bool:
    """Delete this very token (its hash as well as its ID: SQLite may give a freed ID to a newer token)."""
    query = oauth_tokens.delete().where(oauth_tokens.c.id == token_id, oauth_tokens.c.token_hash == token_hash)
    return bool(conn.execute(query).rowcount)


def access_tokens_of(conn: Connection, user_name: str) -> list[Row[Any]]:
    """A user's access tokens with the name and link of the consumer holding each."""
    query = (
        select(
            oauth_tokens.c.id,
            oauth_tokens.c.issued_at,
            oauth_tokens.c.expires_at,
            oauth_consumers.c.name.label("consumer_name"),
            oauth_consumers.c.consumer_key,
            oauth_consumers.c.link_id,
        )
        .join(oauth_consumers, oauth_consumers.c.id == oauth_tokens.c.consumer_id)
        .where(oauth_tokens.c.user_name == user_name, oauth_tokens.c.kind == "access")
        .order_by(oauth_tokens.c.issued_at.desc(), oauth_tokens.c.id.desc())
    )
    return list(conn.execute(query))


def delete_access_token_of(conn: Connection, token_id: int, user_name: str) -> bool:
    result = conn.execute(
        oauth_tokens.delete().where(
            oauth_tokens.c.id == token_id, oauth_tokens.c.user_name == user_name, oauth_tokens.c.kind == "access"
        )
    )
    return bool(result.rowcount)


def purge_expired(conn: Connection, before: int) -> int:
    """Delete tokens that expired before ``before`` (callers keep a grace period to answer token_expired)."""
    return int(conn.execute(oauth_tokens.delete().where(oauth_tokens.c.expires_at < before)).rowcount or 0)
