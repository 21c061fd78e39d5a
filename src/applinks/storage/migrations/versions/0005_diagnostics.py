"""Diagnostics: the last status of each link.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diag_link_status",
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working", sa.Boolean, nullable=False),
        sa.Column("error_type", sa.String(64), nullable=True),
        sa.Column("status", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("diag_link_status")
