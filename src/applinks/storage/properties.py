"""Instance-wide key/value properties (server ID, encrypted instance key, ...)."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from applinks.storage.tables import instance_properties


def get_property(conn: Connection, key: str) -> str | None:
    row = conn.execute(select(instance_properties.c.value).where(instance_properties.c.key == key)).first()
    return None if row is None else str(row[0])


def set_property_if_absent(conn: Connection, key: str, value: str) -> str:
    """Insert ``value`` unless another node got there first; returns the value that is stored."""
    try:
        with conn.begin_nested():
            conn.execute(instance_properties.insert().values(key=key, value=value))
    except IntegrityError:
        pass
    stored = get_property(conn, key)
    assert stored is not None
    return stored


def set_property(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(
        instance_properties.update().where(instance_properties.c.key == key).values(value=value)
    ).rowcount
    if not updated:
        conn.execute(instance_properties.insert().values(key=key, value=value))
