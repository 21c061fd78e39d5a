"""The link repository: rows of ``links`` in and out as ``Link`` objects. Rules live in services/registry.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, false, select, text

from applinks.domain.link import Link
from applinks.storage.tables import links

# PostgreSQL advisory lock held by link writers for the length of their transaction.
_LINKS_LOCK = 727_281


def lock_links(conn: Connection) -> None:
    """Serialise link writers for the rest of this transaction. The name and primary rules read the table and
    then write it; without this, concurrent creates keep colliding on the unique name or the one primary."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LINKS_LOCK})
    elif conn.dialect.name == "sqlite":
        # A write statement as the first one takes SQLite's write lock (waiting up to busy_timeout), so the
        # reads that follow see the latest committed state and nobody can commit in between.
        conn.execute(links.update().where(false()).values(id=links.c.id))


def _to_link(row: Row[Any]) -> Link:
    return Link(
        id=row.id,
        type_id=row.type_id,
        name=row.name,
        display_url=row.display_url,
        rpc_url=row.rpc_url,
        is_primary=bool(row.is_primary),
        is_system=bool(row.is_system),
        properties=dict(row.properties or {}),
    )


def list_links(conn: Connection, type_id: str | None = None) -> list[Link]:
    query = select(links).order_by(links.c.type_id, links.c.is_primary.desc(), links.c.name)
    if type_id is not None:
        query = query.where(links.c.type_id == type_id)
    return [_to_link(r) for r in conn.execute(query)]


def get_link(conn: Connection, link_id: str) -> Link | None:
    row = conn.execute(select(links).where(links.c.id == link_id)).first()
    return None if row is None else _to_link(row)


def find_by_rpc_url(conn: Connection, rpc_url: str) -> Link | None:
    row = conn.execute(select(links).where(links.c.rpc_url == rpc_url)).first()
    return None if row is None else _to_link(row)


def names(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute(select(links.c.name))}


def primary_of(conn: Connection, type_id: str) -> Link | None:
    row = conn.execute(select(links).where(links.c.type_id == type_id, links.c.is_primary)).first()
    return None if row is None else _to_link(row)


def insert_link(conn: Connection, link: Link) -> None:
    conn.execute(
        links.insert().values(
            id=link.id,
            type_id=link.type_id,
            name=link.name,
            display_url=link.display_url,
            rpc_url=link.rpc_url,
            is_primary=link.is_primary,
            is_system=link.is_system,
            properties=link.properties,
            created_at=datetime.now(UTC),
        )
    )


def update_link(conn: Connection, link: Link) -> None:
    conn.execute(
        links.update()
        .where(links.c.id == link.id)
        .values(
            type_id=link.type_id,
            name=link.name,
            display_url=link.display_url,
            rpc_url=link.rpc_url,
            is_primary=link.is_primary,
            is_system=link.is_system,
            properties=link.properties,
        )
    )


def clear_primary(conn: Connection, type_id: str) -> None:
    conn.execute(links.update().where(links.c.type_id == type_id).values(is_primary=False))


def set_primary(conn: Connection, link_id: str) -> None:
    conn.execute(links.update().where(links.c.id == link_id).values(is_primary=True))


def delete_link(conn: Connection, link_id: str) -> bool:
    return bool(conn.execute(links.delete().where(links.c.id == link_id)).rowcount)
