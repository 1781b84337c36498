"""sync pipeline: sync jobs (replacing the sketch), recording files, recordings, access grants

The sketch `sync_jobs` table of 0001 never held data, so it is dropped and recreated with the
columns the pipeline needs (job key, folder, lease, progress).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
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
    op.drop_table("sync_jobs")
    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("job_key", sa.String(160), nullable=False),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=False, server_default=""),
        sa.Column("session_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("batch_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("batch_type", sa.String(16), nullable=False, server_default=""),
        sa.Column("student_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("course_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("folder", sa.String(300), nullable=False, server_default=""),
        sa.Column("topic", sa.String(500), nullable=False, server_default=""),
        sa.Column("meeting_start", UTCDateTime(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("last_error_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("force", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("recording_id", sa.String(64), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=False, server_default=""),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("file_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("files_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_sync_jobs_batch_id", "sync_jobs", ["batch_id"])
    op.create_index("ix_sync_jobs_due", "sync_jobs", ["state", "next_attempt_at"])
    op.create_index("ix_sync_jobs_job_key", "sync_jobs", ["job_key"], unique=True)
    op.create_index("ix_sync_jobs_meeting_id", "sync_jobs", ["meeting_id"])
    op.create_index("ix_sync_jobs_session_id", "sync_jobs", ["session_id"])
    op.create_table(
        "recording_files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("recording_id", sa.String(64), nullable=False),
        sa.Column("zoom_file_id", sa.String(128), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=False, server_default=""),
        sa.Column("file_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("zoom_file_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("file_extension", sa.String(16), nullable=False, server_default=""),
        sa.Column("recording_type", sa.String(64), nullable=False, server_default=""),
        sa.Column("zoom_status", sa.String(16), nullable=False, server_default=""),
        sa.Column("download_url", sa.Text(), nullable=False, server_default=""),
        sa.Column("recording_start", UTCDateTime(), nullable=True),
        sa.Column("recording_end", UTCDateTime(), nullable=True),
        sa.Column("zoom_size", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("content_type", sa.String(100), nullable=False, server_default=""),
        sa.Column("storage_key", sa.String(600), nullable=False, server_default=""),
        sa.Column("file_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lesson_title", sa.String(300), nullable=False, server_default=""),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("stored_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_recording_files_job_file", "recording_files", ["job_id", "zoom_file_id"], unique=True
    )
    op.create_index("ix_recording_files_recording_id", "recording_files", ["recording_id"])
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("batch_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("batch_type", sa.String(16), nullable=False, server_default=""),
        sa.Column("student_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("course_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("meeting_uuid", sa.String(128), nullable=False, server_default=""),
        sa.Column("topic", sa.String(500), nullable=False, server_default=""),
        sa.Column("start_time", UTCDateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total_size_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("file_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sync_time", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_recordings_batch_id", "recordings", ["batch_id"])
    op.create_index("ix_recordings_job_id", "recordings", ["job_id"], unique=True)
    op.create_index("ix_recordings_session_id", "recordings", ["session_id"])
    op.create_index("ix_recordings_student_id", "recordings", ["student_id"])
    op.create_table(
        "access_grants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("recording_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(24), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_access_grants_request_id", "access_grants", ["request_id"], unique=True)
    op.create_index(
        "ix_access_grants_scope", "access_grants", ["recording_id", "scope", "user_id"], unique=True
    )


def downgrade() -> None:
    op.drop_table("access_grants")
    op.drop_table("recordings")
    op.drop_table("recording_files")
    op.drop_table("sync_jobs")
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
