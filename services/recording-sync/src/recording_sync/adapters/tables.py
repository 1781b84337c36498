"""recording-sync's tables (SQLAlchemy Core), for queries and for Alembic's autogenerate.

``meeting_projections`` is this service's copy of what the scheduler said about each meeting
(``session.*`` events), so recordings can be filed without asking the scheduler: one row per
(meeting, session), since the occurrences of a recurring meeting share one Zoom meeting id and
each is a session of its own (its own start, its own recordings).
``sync_jobs`` holds one job per meeting instance (flow 4), ``recording_files`` each Zoom file and
where it is stored, ``recordings`` the finished recording of an instance, and ``access_grants``
who may open it (flow 6).

Every row belongs to one tenant (school): ``tenant_id`` on each table, ``"default"`` for rows
written before tenancy. Requests reach rows only through ``adapters.repository.Scoped``, which
narrows every statement to the caller's tenant.
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

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db.types import UTCDateTime
from classbridge_common.outbox import inbox_table, outbox_table

metadata = MetaData()


def _tenant() -> Column[str]:
    return Column("tenant_id", String(64), nullable=False, server_default=DEFAULT_TENANT)


meeting_projections = Table(
    "meeting_projections",
    metadata,
    Column("meeting_id", BigInteger(), primary_key=True, autoincrement=False),
    Column("meeting_uuid", String(128), nullable=False, server_default=""),
    Column("session_id", String(64), primary_key=True),
    Column("session_title", String(500), nullable=False, server_default=""),
    Column("batch_id", String(64), nullable=False),
    Column("batch_type", String(16), nullable=False),
    Column("student_id", String(64), nullable=False, server_default=""),
    Column("course_id", String(64), nullable=False, server_default=""),
    Column("course_title", String(500), nullable=False, server_default=""),
    Column("teacher_id", String(64), nullable=False, server_default=""),
    _tenant(),
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
    # The meeting instance uuid, or "meeting:{meeting_id}" while the sweep has not learned it.
    Column("job_key", String(160), nullable=False),
    Column("meeting_id", BigInteger(), nullable=False),
    Column("meeting_uuid", String(128), nullable=False, server_default=""),
    Column("session_id", String(64), nullable=False, server_default=""),
    Column("batch_id", String(64), nullable=False, server_default=""),
    Column("batch_type", String(16), nullable=False, server_default=""),
    Column("student_id", String(64), nullable=False, server_default=""),
    Column("course_id", String(64), nullable=False, server_default=""),
    Column("folder", String(300), nullable=False, server_default=""),
    Column("topic", String(500), nullable=False, server_default=""),
    Column("meeting_start", UTCDateTime(), nullable=True),
    Column("duration_minutes", Integer(), nullable=False, server_default="0"),
    _tenant(),
    # pending | waiting_for_recording | downloading | synced | failed | no_recording | cancelled
    Column("state", String(32), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("max_attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", Text(), nullable=False, server_default=""),
    Column("last_error_type", String(32), nullable=False, server_default=""),
    Column("force", Boolean(), nullable=False, server_default=false()),
    # Pre-chosen id of the recording this job produces (the row appears once synced).
    Column("recording_id", String(64), nullable=False),
    # The real end (zoom.meeting.ended), when known: the sweep looks at end + delay.
    Column("ended_at", UTCDateTime(), nullable=True),
    # A worker holds the job until lease_until, renewed by its heartbeat (heartbeat_at);
    # every claim bumps lease_generation, and a worker writes only while its generation is
    # the job's (fencing). ``version`` is bumped by every write: a save that finds another
    # version lost a race and is retried on fresh state (optimistic concurrency).
    Column("lease_owner", String(64), nullable=False, server_default=""),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("lease_generation", BigInteger(), nullable=False, server_default="0"),
    Column("heartbeat_at", UTCDateTime(), nullable=True),
    Column("version", BigInteger(), nullable=False, server_default="0"),
    Column("file_count", Integer(), nullable=False, server_default="0"),
    Column("files_done", Integer(), nullable=False, server_default="0"),
    Column("bytes_total", BigInteger(), nullable=False, server_default="0"),
    Column("bytes_done", BigInteger(), nullable=False, server_default="0"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
)
Index("ix_sync_jobs_job_key", sync_jobs.c.job_key, unique=True)
Index("ix_sync_jobs_meeting_id", sync_jobs.c.meeting_id)
Index("ix_sync_jobs_due", sync_jobs.c.state, sync_jobs.c.next_attempt_at)
Index("ix_sync_jobs_batch_id", sync_jobs.c.batch_id)
Index("ix_sync_jobs_session_id", sync_jobs.c.session_id)
Index("ix_sync_jobs_tenant_batch", sync_jobs.c.tenant_id, sync_jobs.c.batch_id)

recording_files = Table(
    "recording_files",
    metadata,
    Column("id", String(64), primary_key=True),
    _tenant(),
    Column("job_id", String(64), nullable=False),
    Column("recording_id", String(64), nullable=False),
    Column("zoom_file_id", String(128), nullable=False),
    Column("meeting_uuid", String(128), nullable=False, server_default=""),
    # RecordingFileType name without prefix ("mp4", "transcript", ...).
    Column("file_type", String(32), nullable=False, server_default=""),
    Column("zoom_file_type", String(32), nullable=False, server_default=""),
    Column("file_extension", String(16), nullable=False, server_default=""),
    Column("recording_type", String(64), nullable=False, server_default=""),
    # Zoom's status of the file: "completed" or "processing".
    Column("zoom_status", String(16), nullable=False, server_default=""),
    # Not a secret by itself (needs a credential), kept to ask the gateway for access.
    Column("download_url", Text(), nullable=False, server_default=""),
    Column("recording_start", UTCDateTime(), nullable=True),
    Column("recording_end", UTCDateTime(), nullable=True),
    Column("zoom_size", BigInteger(), nullable=False, server_default="0"),
    Column("size_bytes", BigInteger(), nullable=False, server_default="0"),
    Column("sha256", String(64), nullable=False, server_default=""),
    Column("content_type", String(100), nullable=False, server_default=""),
    Column("storage_key", String(600), nullable=False, server_default=""),
    Column("file_name", String(300), nullable=False, server_default=""),
    # pending | transferring | stored | failed | skipped | deleted
    Column("state", String(16), nullable=False),
    Column("lesson_title", String(300), nullable=False, server_default=""),
    # Segments of one type form one lesson: its kind, and this file's part (from 1).
    Column("lesson_kind", String(120), nullable=False, server_default=""),
    Column("part", Integer(), nullable=False, server_default="0"),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("last_error", Text(), nullable=False, server_default=""),
    Column("last_error_type", String(32), nullable=False, server_default=""),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    # Bytes copied so far by the running transfer (moves part by part).
    Column("bytes_done", BigInteger(), nullable=False, server_default="0"),
    # How to resume an interrupted copy (storage-defined JSON: upload id, parts, hash state).
    Column("checkpoint", Text(), nullable=False, server_default=""),
    # The store's fingerprint of the stored bytes (an S3 ETag), beside the sha256.
    Column("etag", String(80), nullable=False, server_default=""),
    Column("stored_at", UTCDateTime(), nullable=True),
    # When recording.synced first named this file (set once; later events leave it out).
    Column("announced_at", UTCDateTime(), nullable=True),
    # When the stored copy was verified against Zoom's listing, and when Classbridge itself
    # deleted the file at Zoom after that (Zoom's recording.deleted for it is then ours).
    Column("verified_at", UTCDateTime(), nullable=True),
    Column("zoom_deleted_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index(
    "ix_recording_files_job_file",
    recording_files.c.job_id,
    recording_files.c.zoom_file_id,
    unique=True,
)
Index("ix_recording_files_recording_id", recording_files.c.recording_id)

recordings = Table(
    "recordings",
    metadata,
    Column("id", String(64), primary_key=True),
    _tenant(),
    Column("job_id", String(64), nullable=False),
    # RecordingSource name without prefix ("zoom_auto_sync").
    Column("source", String(32), nullable=False),
    Column("session_id", String(64), nullable=False, server_default=""),
    Column("batch_id", String(64), nullable=False, server_default=""),
    Column("batch_type", String(16), nullable=False, server_default=""),
    Column("student_id", String(64), nullable=False, server_default=""),
    Column("course_id", String(64), nullable=False, server_default=""),
    Column("meeting_id", BigInteger(), nullable=False, server_default="0"),
    Column("meeting_uuid", String(128), nullable=False, server_default=""),
    Column("topic", String(500), nullable=False, server_default=""),
    Column("start_time", UTCDateTime(), nullable=True),
    Column("duration_seconds", Integer(), nullable=False, server_default="0"),
    Column("total_size_bytes", BigInteger(), nullable=False, server_default="0"),
    Column("file_count", Integer(), nullable=False, server_default="0"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sync_time", UTCDateTime(), nullable=True),
)
Index("ix_recordings_job_id", recordings.c.job_id, unique=True)
Index("ix_recordings_batch_id", recordings.c.batch_id)
Index("ix_recordings_session_id", recordings.c.session_id)
Index("ix_recordings_student_id", recordings.c.student_id)
Index("ix_recordings_tenant_batch", recordings.c.tenant_id, recordings.c.batch_id)

access_grants = Table(
    "access_grants",
    metadata,
    Column("id", String(64), primary_key=True),
    _tenant(),
    Column("recording_id", String(64), nullable=False),
    # public | enrolled_students | specific_user
    Column("scope", String(24), nullable=False),
    # specific_user only ("" otherwise, so the unique index covers every scope).
    Column("user_id", String(64), nullable=False, server_default=""),
    # view | download | edit
    Column("level", String(16), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("created_by", String(64), nullable=False, server_default=""),
    Column("request_id", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)
Index(
    "ix_access_grants_scope",
    access_grants.c.recording_id,
    access_grants.c.scope,
    access_grants.c.user_id,
    unique=True,
)
# Idempotency keys are per tenant: one school's key never collides with another's.
Index(
    "ix_access_grants_request_id",
    access_grants.c.tenant_id,
    access_grants.c.request_id,
    unique=True,
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
