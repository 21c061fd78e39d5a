"""An instance's public settings (base URL, display name, application type), stored in its database.

``serve`` and ``init`` write what they run with; every command and every node opening the same database reads
them, so the command line and the running server agree without the administrator exporting anything.
Environment variables and flags still override them (``Settings.with_stored``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, select

from applinks.storage.properties import set_property
from applinks.storage.tables import instance_properties

# Settings field -> instance property key.
PUBLIC_SETTINGS = {"base_url": "public.base_url", "name": "public.name", "application_type": "public.type"}


def read_public_settings(conn: Connection) -> dict[str, str]:
    """The stored public settings, by ``Settings`` field name (only those that were ever stored)."""
    keys = {key: field for field, key in PUBLIC_SETTINGS.items()}
    rows = conn.execute(
        select(instance_properties.c.key, instance_properties.c.value).where(instance_properties.c.key.in_(keys))
    )
    return {keys[key]: str(value) for key, value in rows}


def write_public_settings(conn: Connection, values: Mapping[str, str]) -> None:
    for field, value in values.items():
        set_property(conn, PUBLIC_SETTINGS[field], value)
