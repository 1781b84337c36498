"""scheduler tables, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-21 06:00:36.515736
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
        "batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("instructor_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("student_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="", nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("meeting_settings", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index("ix_batches_course_id", ["course_id"], unique=False)
        batch_op.create_index("ix_batches_student_id", ["student_id"], unique=False)

    op.create_table(
        "courses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=100), server_default="", nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("instructor_ids", sa.JSON(), nullable=False),
        sa.Column("default_timezone", sa.String(length=64), server_default="", nullable=False),
        sa.Column("default_meeting_settings", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index("ix_courses_create_time", ["create_time"], unique=False)

    op.create_table(
        "enrollments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("student_id", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "student_id", name="uq_enrollments_batch_student"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index("ix_enrollments_student_id", ["student_id"], unique=False)

    op.create_table(
        "interactions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=128), nullable=False),
        sa.Column("author_display_name", sa.String(length=300), server_default="", nullable=False),
        sa.Column("anonymous", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("reply_to_id", sa.String(length=36), server_default="", nullable=False),
        sa.Column("poll_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("poll_question_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("answered", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interactions_session_time", ["session_id", "create_time"], unique=False
        )

    op.create_table(
        "participants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("display_name", sa.String(length=300), server_default="", nullable=False),
        sa.Column("email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("zoom_user_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("user_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("shared_screen", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("raised_hand", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("enrolled", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("intervals", sa.JSON(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index("ix_participants_session_id", ["session_id"], unique=False)

    op.create_table(
        "recorded_lessons",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recording_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("recording_file_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("external_url", sa.Text(), server_default="", nullable=False),
        sa.Column("file_type", sa.Integer(), server_default="0", nullable=False),
        sa.Column("file_size_bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("duration_seconds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("zoom_info", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("recorded_lessons", schema=None) as batch_op:
        batch_op.create_index("ix_recorded_lessons_recording", ["recording_id"], unique=False)
        batch_op.create_index(
            "ix_recorded_lessons_session", ["session_id", "create_time"], unique=False
        )

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("batch_type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("teacher_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("scheduled_start", UTCDateTime(), nullable=False),
        sa.Column("scheduled_end", UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actual_start", UTCDateTime(), nullable=True),
        sa.Column("actual_end", UTCDateTime(), nullable=True),
        sa.Column("lifecycle_event_time", UTCDateTime(), nullable=True),
        sa.Column("max_participants", sa.Integer(), server_default="0", nullable=False),
        sa.Column("auto_recording", sa.String(length=16), nullable=False),
        sa.Column("meeting_settings", sa.JSON(), nullable=False),
        sa.Column("meeting_id", sa.BigInteger(), nullable=True),
        sa.Column("meeting", sa.JSON(), nullable=True),
        sa.Column("recording_sync", sa.JSON(), nullable=True),
        sa.Column("cancel_time", UTCDateTime(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("cancelled_by", sa.String(length=128), server_default="", nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sessions_batch_start", ["batch_id", "scheduled_start"], unique=False
        )
        batch_op.create_index("ix_sessions_course_id", ["course_id"], unique=False)
        batch_op.create_index("ix_sessions_meeting_id", ["meeting_id"], unique=False)
        batch_op.create_index("ix_sessions_scheduled_start", ["scheduled_start"], unique=False)
        batch_op.create_index("ix_sessions_teacher_id", ["teacher_id"], unique=False)

    op.create_table(
        "shared_resources",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("url", sa.Text(), server_default="", nullable=False),
        sa.Column("storage_key", sa.Text(), server_default="", nullable=False),
        sa.Column("shared_by", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("shared_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("shared_resources", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shared_resources_session", ["session_id", "shared_at"], unique=False
        )
    create_outbox_and_inbox_tables(op)


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op)
    with op.batch_alter_table("shared_resources", schema=None) as batch_op:
        batch_op.drop_index("ix_shared_resources_session")

    op.drop_table("shared_resources")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_teacher_id")
        batch_op.drop_index("ix_sessions_scheduled_start")
        batch_op.drop_index("ix_sessions_meeting_id")
        batch_op.drop_index("ix_sessions_course_id")
        batch_op.drop_index("ix_sessions_batch_start")

    op.drop_table("sessions")
    with op.batch_alter_table("recorded_lessons", schema=None) as batch_op:
        batch_op.drop_index("ix_recorded_lessons_session")
        batch_op.drop_index("ix_recorded_lessons_recording")

    op.drop_table("recorded_lessons")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index("ix_participants_session_id")

    op.drop_table("participants")

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_session_time")

    op.drop_table("interactions")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_student_id")

    op.drop_table("enrollments")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("ix_courses_create_time")

    op.drop_table("courses")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_student_id")
        batch_op.drop_index("ix_batches_course_id")

    op.drop_table("batches")
