"""Outgoing OAuth 2.0 links: per-link client configuration, per-user tokens, authorisations in progress.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    link = sa.ForeignKey("links.id", ondelete="CASCADE")
    op.create_table(
        "oauth2_outgoing",
        sa.Column("link_id", sa.String(64), link, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret", sa.Text, nullable=False),
        sa.Column("authorize_url", sa.String(2048), nullable=False),
        sa.Column("token_url", sa.String(2048), nullable=False),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("impersonation", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oauth2_outgoing_tokens",
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_name", sa.String(255), primary_key=True),
        sa.Column("access_token", sa.Text, nullable=False),
        sa.Column("refresh_token", sa.Text, nullable=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("refresh_lease", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "oauth2_outgoing_states",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("verifier", sa.Text, nullable=False),
        sa.Column("redirect_after", sa.String(2048), nullable=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oauth2_outgoing_states")
    op.drop_table("oauth2_outgoing_tokens")
    op.drop_table("oauth2_outgoing")
