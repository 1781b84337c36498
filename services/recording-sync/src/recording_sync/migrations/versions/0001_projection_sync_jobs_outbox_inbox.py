"""meeting projection, sync jobs (sketch), outbox and inbox

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


def upgrade() -> None:
    op.create_table(
        "meeting_projections",
        sa.Column("meeting_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=False, server_default=""),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("session_title", sa.String(500), nullable=False, server_default=""),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("batch_type", sa.String(16), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("course_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("course_title", sa.String(500), nullable=False, server_default=""),
        sa.Column("teacher_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("host_zoom_user_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("start_time", UTCDateTime(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("timezone", sa.String(64), nullable=False, server_default=""),
        sa.Column("auto_recording", sa.String(16), nullable=False, server_default=""),
        sa.Column("folder", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("last_event_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_meeting_projections_session_id", "meeting_projections", ["session_id"])
    op.create_index("ix_meeting_projections_batch_id", "meeting_projections", ["batch_id"])

    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("batch_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("last_error_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("force", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("recording_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_sync_jobs_meeting_uuid", "sync_jobs", ["meeting_uuid"], unique=True)
    op.create_index("ix_sync_jobs_due", "sync_jobs", ["state", "next_attempt_at"])
    op.create_index("ix_sync_jobs_batch_id", "sync_jobs", ["batch_id"])
    op.create_index("ix_sync_jobs_session_id", "sync_jobs", ["session_id"])

    create_outbox_and_inbox_tables(op)


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op)
    op.drop_table("sync_jobs")
    op.drop_table("meeting_projections")
