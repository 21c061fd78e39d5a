"""Repository of outgoing authentication: rows of ``outbound_tables`` in and out. Callers own transactions;
values that are secrets arrive here already encrypted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select

from applinks.storage.outbound_tables import outbound_audit, outbound_auth, outbound_dances, outbound_tokens


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- provider configuration ------------------------------------------------------------------------------
def get_config(conn: Connection, link_id: str) -> Row[Any] | None:
    return conn.execute(select(outbound_auth).where(outbound_auth.c.link_id == link_id)).first()


def save_config(conn: Connection, link_id: str, values: dict[str, Any]) -> None:
    """Insert or replace the whole configuration row of ``link_id``."""
    row = {**values, "link_id": link_id, "updated_at": now()}
    if get_config(conn, link_id) is None:
        conn.execute(outbound_auth.insert().values(**row))
    else:
        conn.execute(outbound_auth.update().where(outbound_auth.c.link_id == link_id).values(**row))


def configured_link_ids(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute(select(outbound_auth.c.link_id))}


# -- access tokens ---------------------------------------------------------------------------------------
def get_token(conn: Connection, link_id: str, user_name: str) -> Row[Any] | None:
    query = select(outbound_tokens).where(
        outbound_tokens.c.link_id == link_id, outbound_tokens.c.user_name == user_name
    )
    return conn.execute(query).first()


def put_token(conn: Connection, link_id: str, user_name: str, token: str, token_secret: str) -> None:
    delete_token(conn, link_id, user_name)
    conn.execute(
        outbound_tokens.insert().values(
            link_id=link_id, user_name=user_name, token=token, token_secret=token_secret, created_at=now()
        )
    )


def delete_token(conn: Connection, link_id: str, user_name: str) -> bool:
    result = conn.execute(
        delete(outbound_tokens).where(outbound_tokens.c.link_id == link_id, outbound_tokens.c.user_name == user_name)
    )
    return bool(result.rowcount)


def tokens_of_user(conn: Connection, user_name: str) -> list[Row[Any]]:
    query = select(outbound_tokens).where(outbound_tokens.c.user_name == user_name)
    return list(conn.execute(query.order_by(outbound_tokens.c.created_at)))


def count_tokens(conn: Connection, link_id: str) -> int:
    query = select(func.count()).select_from(outbound_tokens).where(outbound_tokens.c.link_id == link_id)
    return int(conn.execute(query).scalar_one())


# -- login dances ----------------------------------------------------------------------------------------
def put_dance(conn: Connection, browser: str, link_id: str, values: dict[str, Any]) -> None:
    delete_dance(conn, browser, link_id)
    conn.execute(outbound_dances.insert().values(browser=browser, link_id=link_id, created_at=now(), **values))


def get_dance(conn: Connection, browser: str, link_id: str) -> Row[Any] | None:
    query = select(outbound_dances).where(outbound_dances.c.browser == browser, outbound_dances.c.link_id == link_id)
    return conn.execute(query).first()


def delete_dance(conn: Connection, browser: str, link_id: str) -> None:
    conn.execute(
        delete(outbound_dances).where(outbound_dances.c.browser == browser, outbound_dances.c.link_id == link_id)
    )


def delete_dances_before(conn: Connection, before: datetime) -> None:
    conn.execute(delete(outbound_dances).where(outbound_dances.c.created_at < before))


# -- audit log -------------------------------------------------------------------------------------------
def add_audit(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(outbound_audit.insert().values(at=now(), **values))


def list_audit(conn: Connection, link_id: str | None = None, limit: int = 100) -> list[Row[Any]]:
    query = select(outbound_audit).order_by(outbound_audit.c.id.desc()).limit(limit)
    if link_id is not None:
        query = query.where(outbound_audit.c.link_id == link_id)
    return list(conn.execute(query))
