"""Link lifecycle (entity links, trusted applications, legacy configuration).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # -- entity links (lifecycle) --------------------------------------------------------------------
    op.create_table(
        "entity_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), nullable=False),
        sa.Column("local_type", sa.String(100), nullable=False),
        sa.Column("local_key", sa.String(255), nullable=False),
        sa.Column("type_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("local_type", "local_key", "link_id", "type_id", "key", name="uq_entity_links_target"),
    )
    op.create_index(
        "ix_entity_links_one_primary",
        "entity_links",
        ["local_type", "local_key", "type_id"],
        unique=True,
        sqlite_where=sa.text("is_primary"),
        postgresql_where=sa.text("is_primary"),
    )
    op.create_index("ix_entity_links_link", "entity_links", ["link_id"])
    # -- trusted applications / legacy configuration: added below by their developer ---------------------
    op.create_table(
        "trusted_apps",
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("application_id", sa.String(255), nullable=False, unique=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("certificate_timeout", sa.Integer, nullable=False),
        sa.Column("ip_patterns", sa.JSON, nullable=False),
        sa.Column("url_patterns", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "trusted_apps_outgoing",
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # -- end of trusted applications ------------------------------------------------------------------------


def downgrade() -> None:
    # -- trusted applications -------------------------------------------------------------------------------
    op.drop_table("trusted_apps_outgoing")
    op.drop_table("trusted_apps")
    # -- end of trusted applications ------------------------------------------------------------------------
    op.drop_index("ix_entity_links_link", table_name="entity_links")
    op.drop_index("ix_entity_links_one_primary", table_name="entity_links")
    op.drop_table("entity_links")
