"""zoom-gateway tenants managed through the API (secrets encrypted)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(200), nullable=True),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("client_id", sa.String(128), nullable=True),
        sa.Column("client_secret_enc", sa.Text(), nullable=True),
        sa.Column("webhook_secret_enc", sa.Text(), nullable=True),
        sa.Column("previous_webhook_secret_enc", sa.Text(), nullable=True),
        sa.Column("previous_webhook_valid_until", UTCDateTime(), nullable=True),
        sa.Column("oauth_client_id", sa.String(128), nullable=True),
        sa.Column("oauth_client_secret_enc", sa.Text(), nullable=True),
        sa.Column("oauth_redirect_uri", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )


def downgrade() -> None:
    op.drop_table("tenants")
