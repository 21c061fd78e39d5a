"""Foundation: instance properties, links, reference-application users and entities.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_properties",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("type_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("display_url", sa.String(2048), nullable=False),
        sa.Column("rpc_url", sa.String(2048), nullable=False, unique=True),
        sa.Column("is_primary", sa.Boolean, nullable=False),
        sa.Column("is_system", sa.Boolean, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_links_one_primary_per_type",
        "links",
        ["type_id"],
        unique=True,
        sqlite_where=sa.text("is_primary"),
        postgresql_where=sa.text("is_primary"),
    )
    op.create_table(
        "refapp_users",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("full_name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(512), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("is_sysadmin", sa.Boolean, nullable=False),
        sa.Column("can_login", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "refapp_entities",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("refapp_entities")
    op.drop_table("refapp_users")
    op.drop_index("ix_links_one_primary_per_type", table_name="links")
    op.drop_table("links")
    op.drop_table("instance_properties")
