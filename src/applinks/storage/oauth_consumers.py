"""The incoming-consumer repository: rows of ``oauth_consumers`` (secrets stay sealed; services open them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from applinks.storage.oauth_tables import oauth_consumers


def by_key(conn: Connection, key: str) -> Row[Any] | None:
    return conn.execute(select(oauth_consumers).where(oauth_consumers.c.consumer_key == key)).first()


def by_id(conn: Connection, consumer_id: int) -> Row[Any] | None:
    return conn.execute(select(oauth_consumers).where(oauth_consumers.c.id == consumer_id)).first()


def by_link(conn: Connection, link_id: str) -> Row[Any] | None:
    return conn.execute(select(oauth_consumers).where(oauth_consumers.c.link_id == link_id)).first()


def list_all(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(oauth_consumers).order_by(oauth_consumers.c.consumer_key)))


def insert(conn: Connection, values: dict[str, Any]) -> int:
    now = datetime.now(UTC)
    result = conn.execute(oauth_consumers.insert().values(**values, created_at=now, updated_at=now))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def update(conn: Connection, consumer_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        oauth_consumers.update()
        .where(oauth_consumers.c.id == consumer_id)
        .values(**values, updated_at=datetime.now(UTC))
    )


def delete_for_link(conn: Connection, link_id: str) -> bool:
    return bool(conn.execute(oauth_consumers.delete().where(oauth_consumers.c.link_id == link_id)).rowcount)
