"""OAuth 1.0a service provider (incoming consumers, tokens issued, nonces).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_consumers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("link_id", sa.String(64), sa.ForeignKey("links.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("consumer_key", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("signature_method", sa.String(16), nullable=False),
        sa.Column("public_key", sa.Text, nullable=True),
        sa.Column("shared_secret", sa.Text, nullable=True),
        sa.Column("callback", sa.String(2048), nullable=True),
        sa.Column("three_lo_allowed", sa.Boolean, nullable=False),
        sa.Column("two_lo_allowed", sa.Boolean, nullable=False),
        sa.Column("executing_two_lo_user", sa.String(255), nullable=True),
        sa.Column("two_lo_impersonation_allowed", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("consumer_id", sa.Integer, sa.ForeignKey("oauth_consumers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("secret", sa.Text, nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("callback", sa.String(2048), nullable=True),
        sa.Column("verifier_hash", sa.String(64), nullable=True),
        sa.Column("issued_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_oauth_tokens_user", "oauth_tokens", ["user_name"])
    op.create_index("ix_oauth_tokens_expires", "oauth_tokens", ["expires_at"])
    op.create_index("ix_oauth_tokens_consumer", "oauth_tokens", ["consumer_id"])
    op.create_table(
        "oauth_nonces",
        sa.Column("consumer_key", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("nonce", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("consumer_key", "token_hash", "timestamp", "nonce", name="pk_oauth_nonces"),
    )
    op.create_index("ix_oauth_nonces_expires", "oauth_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oauth_nonces_expires", table_name="oauth_nonces")
    op.drop_table("oauth_nonces")
    op.drop_index("ix_oauth_tokens_consumer", table_name="oauth_tokens")
    op.drop_index("ix_oauth_tokens_expires", table_name="oauth_tokens")
    op.drop_index("ix_oauth_tokens_user", table_name="oauth_tokens")
    op.drop_table("oauth_tokens")
    op.drop_table("oauth_consumers")
