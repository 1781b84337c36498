"""webhook_events, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime
from classbridge_common.outbox import create_outbox_and_inbox_tables, drop_outbox_and_inbox_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("dedup_key", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("event_ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("meeting_id", sa.String(32), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False, unique=True),
        sa.Column("tracking_id", sa.String(128), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("replay_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_replayed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_webhook_events_received_at", "webhook_events", ["received_at"])
    op.create_index("ix_webhook_events_type_id", "webhook_events", ["event_type", "id"])
    op.create_index("ix_webhook_events_meeting_uuid", "webhook_events", ["meeting_uuid"])
    op.create_index("ix_webhook_events_meeting_id", "webhook_events", ["meeting_id"])
    create_outbox_and_inbox_tables(op)


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op)
    op.drop_table("webhook_events")
