"""OAuth 2.0 authorization server: incoming clients, authorization codes, tokens.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth2_clients",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("redirects", sa.JSON, nullable=False),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("user_key", sa.String(255), nullable=False),
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oauth2_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("client_id", sa.String(64), sa.ForeignKey("oauth2_clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=True),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=True),
        sa.Column("code_challenge_method", sa.String(16), nullable=True),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_oauth2_codes_expires", "oauth2_codes", ["expires_at"])
    op.create_table(
        "oauth2_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("access_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("refresh_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("client_id", sa.String(64), sa.ForeignKey("oauth2_clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("grant_type", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("refresh_expires_at", sa.BigInteger, nullable=True),
        sa.Column("rotated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_oauth2_tokens_family", "oauth2_tokens", ["family"])
    op.create_index("ix_oauth2_tokens_user", "oauth2_tokens", ["user_name"])
    op.create_index("ix_oauth2_tokens_client", "oauth2_tokens", ["client_id"])


def downgrade() -> None:
    op.drop_table("oauth2_tokens")
    op.drop_table("oauth2_codes")
    op.drop_table("oauth2_clients")
