"""Tables of the link lifecycle: entity links (created by migration 0004)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, UniqueConstraint, text

from applinks.storage.tables import metadata

entity_links = Table(
    "entity_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Deleting a link deletes its entity links (§6.4).
    Column("link_id", String(64), ForeignKey("links.id", ondelete="CASCADE"), nullable=False),
    Column("local_type", String(100), nullable=False),
    Column("local_key", String(255), nullable=False),
    Column("type_id", String(100), nullable=False),
    Column("key", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("local_type", "local_key", "link_id", "type_id", "key", name="uq_entity_links_target"),
    Index(
        "ix_entity_links_one_primary",
        "local_type",
        "local_key",
        "type_id",
        unique=True,
        sqlite_where=text("is_primary"),
        postgresql_where=text("is_primary"),
    ),
    Index("ix_entity_links_link", "link_id"),
)
