"""Outgoing authentication (provider configuration, tokens held, login dances, audit log).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_auth",
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("three_lo", sa.Boolean, nullable=False),
        sa.Column("two_lo", sa.Boolean, nullable=False),
        sa.Column("two_lo_impersonation", sa.Boolean, nullable=False),
        sa.Column("basic_username", sa.String(255), nullable=True),
        sa.Column("basic_password", sa.Text, nullable=True),
        sa.Column("consumer_key", sa.String(255), nullable=True),
        sa.Column("shared_secret", sa.Text, nullable=True),
        sa.Column("request_token_url", sa.String(2048), nullable=True),
        sa.Column("access_token_url", sa.String(2048), nullable=True),
        sa.Column("authorize_url", sa.String(2048), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outbound_tokens",
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_name", sa.String(255), primary_key=True),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("token_secret", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outbound_tokens_user", "outbound_tokens", ["user_name"])
    op.create_table(
        "outbound_dances",
        sa.Column("browser", sa.String(64), primary_key=True),
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("request_token_hash", sa.String(64), nullable=False),
        sa.Column("token_secret", sa.Text, nullable=False),
        sa.Column("redirect_url", sa.String(2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outbound_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("link_id", sa.String(64), nullable=False),
        sa.Column("link_name", sa.String(255), nullable=False),
        sa.Column("local_user", sa.String(255), nullable=True),
        sa.Column("acting_as", sa.String(255), nullable=False),
        sa.Column("provider", sa.String(255), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("path", sa.String(2048), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(100), nullable=False),
    )
    op.create_index("ix_outbound_audit_link", "outbound_audit", ["link_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_audit_link", table_name="outbound_audit")
    op.drop_table("outbound_audit")
    op.drop_table("outbound_dances")
    op.drop_index("ix_outbound_tokens_user", table_name="outbound_tokens")
    op.drop_table("outbound_tokens")
    op.drop_table("outbound_auth")
