"""The schema, as SQLAlchemy Core tables. Alembic migrations in ``migrations/`` create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

instance_properties = Table(
    "instance_properties",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

links = Table(
    "links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type_id", String(100), nullable=False),
    Column("name", String(255), nullable=False, unique=True),
    Column("display_url", String(2048), nullable=False),
    Column("rpc_url", String(2048), nullable=False, unique=True),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("is_system", Boolean, nullable=False, default=False),
    Column("properties", JSON, nullable=False, default=dict),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(
        "ix_links_one_primary_per_type",
        "type_id",
        unique=True,
        sqlite_where=text("is_primary"),
        postgresql_where=text("is_primary"),
    ),
)

refapp_users = Table(
    "refapp_users",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("full_name", String(255), nullable=False, default=""),
    Column("password_hash", String(512), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_sysadmin", Boolean, nullable=False, default=False),
    Column("can_login", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Server-side browser sessions of the reference application; the cookie holds only a random session ID,
# stored here as its SHA-256 (a database leak yields no usable cookie).
refapp_sessions = Table(
    "refapp_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_name", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    Index("ix_refapp_sessions_user", "user_name"),
    Index("ix_refapp_sessions_last_seen", "last_seen"),
)

refapp_entities = Table(
    "refapp_entities",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
