"""recording-sync's tables (SQLAlchemy Core), for queries and for Alembic's autogenerate.

``meeting_projections`` is this service's copy of what the scheduler said about each meeting
(``session.*`` events), so recordings can be filed without asking the scheduler.
``sync_jobs`` is a first sketch of the sync job table; the pipeline that fills it comes later.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from classbridge_common.db.types import UTCDateTime
from classbridge_common.outbox import inbox_table, outbox_table

metadata = MetaData()

meeting_projections = Table(
    "meeting_projections",
    metadata,
    Column("meeting_id", BigInteger(), primary_key=True, autoincrement=False),
    Column("meeting_uuid", String(128), nullable=False, server_default=""),
    Column("session_id", String(64), nullable=False),
    Column("session_title", String(500), nullable=False, server_default=""),
    Column("batch_id", String(64), nullable=False),
    Column("batch_type", String(16), nullable=False),
    Column("student_id", String(64), nullable=False, server_default=""),
    Column("course_id", String(64), nullable=False, server_default=""),
    Column("course_title", String(500), nullable=False, server_default=""),
    Column("teacher_id", String(64), nullable=False, server_default=""),
    Column("tenant_id", String(64), nullable=False, server_default=""),
    Column("host_zoom_user_id", String(64), nullable=False, server_default=""),
    Column("start_time", UTCDateTime(), nullable=True),
    Column("duration_minutes", Integer(), nullable=False, server_default="0"),
    Column("timezone", String(64), nullable=False, server_default=""),
    Column("auto_recording", String(16), nullable=False, server_default=""),
    Column("folder", String(300), nullable=False),
    # linked | unlinked | cancelled
    Column("status", String(16), nullable=False),
    Column("linked_at", UTCDateTime(), nullable=False),
    Column("cancelled_at", UTCDateTime(), nullable=True),
    # occurred_at of the newest event applied; older ones arriving late change nothing.
    Column("last_event_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_meeting_projections_session_id", meeting_projections.c.session_id)
Index("ix_meeting_projections_batch_id", meeting_projections.c.batch_id)

sync_jobs = Table(
    "sync_jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("meeting_id", BigInteger(), nullable=False),
    Column("meeting_uuid", String(128), nullable=False),
    Column("session_id", String(64), nullable=False, server_default=""),
    Column("batch_id", String(64), nullable=False, server_default=""),
    Column("state", String(32), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("max_attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", Text(), nullable=False, server_default=""),
    Column("last_error_type", String(32), nullable=False, server_default=""),
    Column("force", Boolean(), nullable=False, server_default=false()),
    Column("recording_id", String(64), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
)
Index("ix_sync_jobs_meeting_uuid", sync_jobs.c.meeting_uuid, unique=True)
Index("ix_sync_jobs_due", sync_jobs.c.state, sync_jobs.c.next_attempt_at)
Index("ix_sync_jobs_batch_id", sync_jobs.c.batch_id)
Index("ix_sync_jobs_session_id", sync_jobs.c.session_id)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
