"""zoom-gateway tables: rate buckets, host ledger, idempotency keys, OAuth states, connections

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "category", name="pk_rate_buckets"),
    )
    op.create_table(
        "host_daily_usage",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("host_key", sa.String(255), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "host_key", "day", name="pk_host_daily_usage"),
    )
    op.create_table(
        "meeting_hosts",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False),
        sa.Column("host_key", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "meeting_id", name="pk_meeting_hosts"),
    )
    op.create_table(
        "meeting_creations",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("marker", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=False),
        sa.Column("meeting_id", sa.BigInteger(), nullable=True),
        sa.Column("result_enc", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "request_id", name="pk_meeting_creations"),
    )
    op.create_table(
        "oauth_states",
        sa.Column("state_id", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("code_verifier_enc", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("state_id", name="pk_oauth_states"),
    )
    op.create_table(
        "user_connections",
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("zoom_user_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("zoom_email", sa.String(320), nullable=False, server_default=""),
        sa.Column("scopes", sa.Text(), nullable=False, server_default=""),
        sa.Column("access_token_enc", sa.Text(), nullable=False),
        sa.Column("access_expires_at", UTCDateTime(), nullable=False),
        sa.Column("refresh_token_enc", sa.Text(), nullable=False),
        sa.Column("previous_refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_started_at", UTCDateTime(), nullable=True),
        sa.Column("refresh_owner", sa.String(64), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("zoom_account_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("last_refresh_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_connections"),
    )


def downgrade() -> None:
    for table in (
        "user_connections",
        "oauth_states",
        "meeting_creations",
        "meeting_hosts",
        "host_daily_usage",
        "rate_buckets",
    ):
        op.drop_table(table)
