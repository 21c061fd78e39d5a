"""The Trusted Applications repository: rows of ``trusted_apps`` and ``trusted_apps_outgoing``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from applinks.domain.trusted_apps import TrustedApp
from applinks.storage.trusted_tables import trusted_apps, trusted_apps_outgoing


def _to_app(row: Row[Any]) -> TrustedApp:
    return TrustedApp(
        link_id=row.link_id,
        application_id=row.application_id,
        public_key_b64=row.public_key,
        certificate_timeout_ms=int(row.certificate_timeout),
        ip_patterns=tuple(row.ip_patterns or ()),
        url_patterns=tuple(row.url_patterns or ()),
    )


def get_for_link(conn: Connection, link_id: str) -> TrustedApp | None:
    row = conn.execute(select(trusted_apps).where(trusted_apps.c.link_id == link_id)).first()
    return None if row is None else _to_app(row)


def get_by_application_id(conn: Connection, application_id: str) -> TrustedApp | None:
    row = conn.execute(select(trusted_apps).where(trusted_apps.c.application_id == application_id)).first()
    return None if row is None else _to_app(row)


def put(conn: Connection, app: TrustedApp) -> None:
    """Insert or replace the trust of ``app.link_id``."""
    conn.execute(trusted_apps.delete().where(trusted_apps.c.link_id == app.link_id))
    conn.execute(
        trusted_apps.insert().values(
            link_id=app.link_id,
            application_id=app.application_id,
            public_key=app.public_key_b64,
            certificate_timeout=app.certificate_timeout_ms,
            ip_patterns=list(app.ip_patterns),
            url_patterns=list(app.url_patterns),
            created_at=datetime.now(UTC),
        )
    )


def delete_for_link(conn: Connection, link_id: str) -> bool:
    return bool(conn.execute(trusted_apps.delete().where(trusted_apps.c.link_id == link_id)).rowcount)


def outgoing_enabled(conn: Connection, link_id: str) -> bool:
    query = select(trusted_apps_outgoing.c.link_id).where(trusted_apps_outgoing.c.link_id == link_id)
    return conn.execute(query).first() is not None


def enable_outgoing(conn: Connection, link_id: str) -> None:
    if not outgoing_enabled(conn, link_id):
        conn.execute(trusted_apps_outgoing.insert().values(link_id=link_id, created_at=datetime.now(UTC)))


def disable_outgoing(conn: Connection, link_id: str) -> bool:
    query = trusted_apps_outgoing.delete().where(trusted_apps_outgoing.c.link_id == link_id)
    return bool(conn.execute(query).rowcount)
