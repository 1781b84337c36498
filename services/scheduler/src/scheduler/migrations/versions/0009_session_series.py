"""session series

Revision ID: 0009
Revises: 0008
Create Date: 2027-02-08 10:00:00.000000

A series (``CreateSeries``: the classes of one RFC 5545 rule) is a ``session_series`` row: its
rule, first start and time zone, how its classes meet at Zoom (one
recurring meeting, or a meeting each), its sessions in order and its request id (unique per
tenant). Each session of a series names it in ``sessions.series_id`` (empty for every existing
session: nothing to rewrite); the occurrence a session is of lives in its ``meeting`` JSON.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_series",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default"),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("rule", sa.String(500), nullable=False),
        sa.Column("first_start", UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("meetings", sa.String(16), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("session_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.Column("cancel_time", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_session_series_request"),
    )
    op.create_index("ix_session_series_batch", "session_series", ["batch_id"])
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("series_id", sa.String(36), nullable=False, server_default=""))
    op.create_index("ix_sessions_series_start", "sessions", ["series_id", "scheduled_start"])


def downgrade() -> None:
    op.drop_index("ix_sessions_series_start", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("series_id")
    op.drop_index("ix_session_series_batch", table_name="session_series")
    op.drop_table("session_series")
