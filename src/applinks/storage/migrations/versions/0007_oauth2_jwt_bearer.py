"""OAuth 2.0 JWT bearer impersonation: the issuer and key an incoming client signs assertions with, its
"same set of users" flag, and the audit log of impersonations.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth2_clients") as batch:
        batch.add_column(sa.Column("jwt_issuer", sa.String(255), nullable=True))
        batch.add_column(sa.Column("jwt_public_key", sa.Text, nullable=True))
        batch.add_column(sa.Column("impersonation", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_oauth2_clients_jwt_issuer", "oauth2_clients", ["jwt_issuer"], unique=True)
    op.create_table(
        "oauth2_impersonations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("jti", sa.String(255), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_oauth2_impersonations_at", "oauth2_impersonations", ["at"])


def downgrade() -> None:
    op.drop_table("oauth2_impersonations")
    op.drop_index("ix_oauth2_clients_jwt_issuer", "oauth2_clients")
    with op.batch_alter_table("oauth2_clients") as batch:
        batch.drop_column("impersonation")
        batch.drop_column("jwt_public_key")
        batch.drop_column("jwt_issuer")
