"""The database: engine creation (SQLite WAL or PostgreSQL), connection checks and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from applinks.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Concurrent writers (threadpool endpoints) wait for the lock instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_no_sync(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, durable: bool = True) -> Engine:
    """An engine for ``url``; clear error when the URL is malformed or the database does not answer.

    ``durable=False`` is for data whose last commits may be lost when the machine (SQLite) or the database
    server (PostgreSQL) crashes, but that must stay atomic and shared: the nonces of replay protection.
    Its commits wait for no disk flush: SQLite WAL with ``synchronous=NORMAL`` (durable when the process
    crashes, not on power loss), PostgreSQL ``synchronous_commit=off`` (unique constraints still hold
    between sessions: a concurrent insert of the same key waits for the first one and fails)."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            event.listen(engine, "connect", _sqlite_pragmas)
            if not durable:
                event.listen(engine, "connect", _sqlite_no_sync)
        else:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            options = {} if durable else {"connect_args": {"options": "-c synchronous_commit=off"}}
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **options)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise ConfigurationError(f"the database URL is not usable: {exc}", key="applinks.database.url") from exc
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigurationError(
            f"cannot connect to the database ({engine.url.render_as_string(hide_password=True)}): {reason}",
            key="applinks.database.unreachable",
        ) from exc
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (on start and by ``applinks db upgrade``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row else None
