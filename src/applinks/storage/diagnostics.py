"""The last status of each link (written by checks, the monitor and ``applinks doctor``), with its time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Connection, DateTime, ForeignKey, String, Table, select
from sqlalchemy.exc import IntegrityError

from applinks.storage.tables import metadata

link_status = Table(
    "diag_link_status",
    metadata,
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("working", Boolean, nullable=False),
    Column("error_type", String(64), nullable=True),
    Column("status", JSON, nullable=False),
)


def save_status(
    conn: Connection, link_id: str, checked_at: datetime, working: bool, error_type: str | None, status: dict[str, Any]
) -> None:
    """Insert or replace the link's last status; an older result never overwrites a newer one."""
    values = {"checked_at": checked_at, "working": working, "error_type": error_type, "status": status}
    updated = conn.execute(
        link_status.update()
        .where(link_status.c.link_id == link_id, link_status.c.checked_at <= checked_at)
        .values(**values)
    ).rowcount
    if updated:
        return
    try:
        with conn.begin_nested():
            conn.execute(link_status.insert().values(link_id=link_id, **values))
    except IntegrityError:
        # A row exists and is newer (kept), or the link was deleted meanwhile (nothing to record).
        pass


def load_status(conn: Connection, link_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(link_status.c.status).where(link_status.c.link_id == link_id)).first()
    return None if row is None else dict(row[0])


def load_all(conn: Connection) -> list[tuple[str, datetime, bool, str | None, dict[str, Any]]]:
    rows = conn.execute(
        select(
            link_status.c.link_id,
            link_status.c.checked_at,
            link_status.c.working,
            link_status.c.error_type,
            link_status.c.status,
        )
    )
    return [(r.link_id, r.checked_at, bool(r.working), r.error_type, dict(r.status)) for r in rows]
