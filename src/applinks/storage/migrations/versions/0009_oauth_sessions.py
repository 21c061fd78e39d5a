"""OAuth 1.0 request tokens (no callback, no verifier) and renewable access tokens (session handles).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_tokens") as batch:
        # "1.0" for a request token issued without oauth_callback (no verifier later); NULL is OAuth 1.0a.
        batch.add_column(sa.Column("oauth_version", sa.String(8), nullable=True))
        # sha256 of the access token's session handle, and when the session (renewals) ends.
        batch.add_column(sa.Column("session_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("session_expires_at", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.drop_column("session_expires_at")
        batch.drop_column("session_hash")
        batch.drop_column("oauth_version")
