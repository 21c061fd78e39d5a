"""The entity-link repository: rows of ``entity_links`` in and out as ``EntityLink`` objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from applinks.domain.entity_links import EntityLink
from applinks.storage.lifecycle_tables import entity_links as table


def _to_entity_link(row: Row[Any]) -> EntityLink:
    return EntityLink(
        local_type=row.local_type,
        local_key=row.local_key,
        application_id=row.link_id,
        type_id=row.type_id,
        key=row.key,
        name=row.name,
        is_primary=bool(row.is_primary),
    )


def _of(local_type: str, local_key: str) -> Any:
    return (table.c.local_type == local_type) & (table.c.local_key == local_key)


def _target(local_type: str, local_key: str, application_id: str, type_id: str, key: str) -> Any:
    return (
        _of(local_type, local_key)
        & (table.c.link_id == application_id)
        & (table.c.type_id == type_id)
        & (table.c.key == key)
    )


def list_for(conn: Connection, local_type: str, local_key: str, type_id: str | None = None) -> list[EntityLink]:
    query = select(table).where(_of(local_type, local_key))
    if type_id is not None:
        query = query.where(table.c.type_id == type_id)
    query = query.order_by(table.c.type_id, table.c.is_primary.desc(), table.c.name, table.c.key)
    return [_to_entity_link(r) for r in conn.execute(query)]


def list_for_application(conn: Connection, application_id: str, limit: int = 500) -> list[EntityLink]:
    """The entity links that point into one linked application (its link's administration page)."""
    query = (
        select(table)
        .where(table.c.link_id == application_id)
        .order_by(table.c.local_type, table.c.local_key, table.c.type_id, table.c.key)
        .limit(limit)
    )
    return [_to_entity_link(r) for r in conn.execute(query)]


def get(
    conn: Connection, local_type: str, local_key: str, application_id: str, type_id: str, key: str
) -> EntityLink | None:
    row = conn.execute(select(table).where(_target(local_type, local_key, application_id, type_id, key))).first()
    return None if row is None else _to_entity_link(row)


def primary_of(conn: Connection, local_type: str, local_key: str, type_id: str) -> EntityLink | None:
    query = select(table).where(_of(local_type, local_key), table.c.type_id == type_id, table.c.is_primary)
    row = conn.execute(query).first()
    return None if row is None else _to_entity_link(row)


def insert(conn: Connection, link: EntityLink) -> None:
    conn.execute(
        table.insert().values(
            link_id=link.application_id,
            local_type=link.local_type,
            local_key=link.local_key,
            type_id=link.type_id,
            key=link.key,
            name=link.name,
            is_primary=link.is_primary,
            created_at=datetime.now(UTC),
        )
    )


def rename(conn: Connection, link: EntityLink, name: str) -> None:
    conn.execute(
        table.update()
        .where(_target(link.local_type, link.local_key, link.application_id, link.type_id, link.key))
        .values(name=name)
    )


def clear_primary(conn: Connection, local_type: str, local_key: str, type_id: str) -> None:
    conn.execute(table.update().where(_of(local_type, local_key), table.c.type_id == type_id).values(is_primary=False))


def set_primary(conn: Connection, link: EntityLink) -> None:
    conn.execute(
        table.update()
        .where(_target(link.local_type, link.local_key, link.application_id, link.type_id, link.key))
        .values(is_primary=True)
    )


def delete(conn: Connection, link: EntityLink) -> bool:
    where = _target(link.local_type, link.local_key, link.application_id, link.type_id, link.key)
    return bool(conn.execute(table.delete().where(where)).rowcount)
