"""Server-side sessions of the reference application: revocable (logout), idle expiry, rotated on login.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refapp_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("last_seen", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_refapp_sessions_user", "refapp_sessions", ["user_name"])
    op.create_index("ix_refapp_sessions_last_seen", "refapp_sessions", ["last_seen"])


def downgrade() -> None:
    op.drop_index("ix_refapp_sessions_last_seen", table_name="refapp_sessions")
    op.drop_index("ix_refapp_sessions_user", table_name="refapp_sessions")
    op.drop_table("refapp_sessions")
