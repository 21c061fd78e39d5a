"""Alembic environment: runs on the connection ``storage.db.upgrade`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from applinks.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through storage.db.upgrade
    raise RuntimeError("run migrations through `applinks db upgrade`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
if connection.dialect.name == "postgresql":
    # Several nodes starting at once against one database: one migrates, the others wait.
    connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
with context.begin_transaction():
    context.run_migrations()
