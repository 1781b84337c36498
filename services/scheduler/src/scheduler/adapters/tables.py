"""The scheduler's tables (SQLAlchemy Core), the same on PostgreSQL and SQLite.

Tables carry no schema name: PostgreSQL finds them through the service's ``search_path``.
Every owned table has ``tenant_id`` (the repositories narrow every statement to one tenant) and
its idempotency keys are unique per tenant, so two schools may use the same ``request_id``.
Nested values that are always read and written whole (meeting settings, a session's Zoom
meeting, a participant's intervals) are JSON columns; anything filtered on is a column.

The domain's entities are mapped onto these tables (``scheduler.adapters.orm``); the column
types (``scheduler.adapters.column_types``) read enums and value objects into their domain
types and store them in the format the rows have always had. This module's ``metadata`` is
also what the migrations are checked against.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db.types import UTCDateTime
from classbridge_common.outbox import inbox_table, outbox_table
from scheduler.adapters.column_types import EnumString, JsonData, JsonList, JsonObject
from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.directory import PersonRole
from scheduler.domain.jobs import JobKind, JobState
from scheduler.domain.model import (
    AutoRecording,
    BatchType,
    InteractionType,
    Interval,
    LessonPart,
    LessonSource,
    ParticipantRole,
    RecordingSync,
    ResourceType,
    SessionStatus,
    ZoomMeeting,
)
from scheduler.domain.notices import NoticeKind, NoticeState
from scheduler.domain.series import SeriesMeetings, SeriesStatus

metadata = MetaData()

ID = String(36)
TENANT = String(64)

courses = Table(
    "courses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("title", String(300), nullable=False),
    Column("description", Text(), nullable=False, server_default=""),
    Column("instructor_ids", JsonData(list), nullable=False),
    Column("default_timezone", String(64), nullable=False, server_default=""),
    Column("default_meeting_settings", JsonData(dict), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "request_id", name="uq_courses_tenant_request"),
)
Index("ix_courses_create_time", courses.c.create_time)
Index("ix_courses_tenant_create_time", courses.c.tenant_id, courses.c.create_time)

batches = Table(
    "batches",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("course_id", ID, nullable=False),
    Column("name", String(300), nullable=False),
    Column("type", EnumString(BatchType, 16), nullable=False),
    Column("instructor_id", String(128), nullable=False, server_default=""),
    Column("student_id", String(128), nullable=False, server_default=""),
    Column("timezone", String(64), nullable=False, server_default=""),
    Column("start_date", Date(), nullable=True),
    Column("end_date", Date(), nullable=True),
    Column("meeting_settings", JsonData(dict), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
    Column("present_threshold_percentage", Float(), nullable=False, server_default="0"),
    Column("breakout_groups", JsonList(BreakoutGroup), nullable=True),
    UniqueConstraint("tenant_id", "request_id", name="uq_batches_tenant_request"),
)
Index("ix_batches_course_id", batches.c.course_id)
Index("ix_batches_student_id", batches.c.student_id)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("batch_id", ID, nullable=False),
    Column("student_id", String(128), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("email", String(320), nullable=False, server_default=""),
    Column("first_name", String(200), nullable=False, server_default=""),
    Column("last_name", String(200), nullable=False, server_default=""),
    UniqueConstraint("batch_id", "student_id", name="uq_enrollments_batch_student"),
    UniqueConstraint("tenant_id", "request_id", name="uq_enrollments_tenant_request"),
)
Index("ix_enrollments_student_id", enrollments.c.student_id)

sessions = Table(
    "sessions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("batch_id", ID, nullable=False),
    Column("course_id", ID, nullable=False),
    Column("batch_type", EnumString(BatchType, 16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("description", Text(), nullable=False, server_default=""),
    Column("teacher_id", String(128), nullable=False, server_default=""),
    Column("scheduled_start", UTCDateTime(), nullable=False),
    Column("scheduled_end", UTCDateTime(), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("status", EnumString(SessionStatus, 16), nullable=False),
    Column("actual_start", UTCDateTime(), nullable=True),
    Column("actual_end", UTCDateTime(), nullable=True),
    Column("lifecycle_event_time", UTCDateTime(), nullable=True),
    Column("max_participants", Integer(), nullable=False, server_default="0"),
    Column("auto_recording", EnumString(AutoRecording, 16), nullable=False),
    Column("meeting_settings", JsonData(dict), nullable=False),
    Column("meeting_id", BigInteger(), nullable=True),
    Column("meeting", JsonObject(ZoomMeeting), nullable=True),
    Column("meeting_generation", Integer(), nullable=False, server_default="0"),
    Column("previous_meeting", JsonObject(ZoomMeeting), nullable=True),
    Column("series_id", String(36), nullable=False, server_default=""),
    Column("recording_sync", JsonObject(RecordingSync), nullable=True),
    Column("cancel_time", UTCDateTime(), nullable=True),
    Column("cancel_reason", Text(), nullable=False, server_default=""),
    Column("cancelled_by", String(128), nullable=False, server_default=""),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "request_id", name="uq_sessions_tenant_request"),
)
Index("ix_sessions_batch_start", sessions.c.batch_id, sessions.c.scheduled_start)
Index("ix_sessions_course_id", sessions.c.course_id)
Index("ix_sessions_teacher_id", sessions.c.teacher_id)
Index("ix_sessions_meeting_id", sessions.c.meeting_id)
Index("ix_sessions_series_start", sessions.c.series_id, sessions.c.scheduled_start)
Index("ix_sessions_scheduled_start", sessions.c.scheduled_start)
Index("ix_sessions_tenant_start", sessions.c.tenant_id, sessions.c.scheduled_start)

participants = Table(
    "participants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("session_id", ID, nullable=False),
    Column("display_name", String(300), nullable=False, server_default=""),
    Column("email", String(320), nullable=False, server_default=""),
    Column("zoom_user_id", String(128), nullable=False, server_default=""),
    Column("user_id", String(128), nullable=False, server_default=""),
    Column("role", EnumString(ParticipantRole, 16), nullable=False),
    Column("shared_screen", Boolean(), nullable=False, server_default="0"),
    Column("raised_hand", Boolean(), nullable=False, server_default="0"),
    Column("enrolled", Boolean(), nullable=False, server_default="0"),
    Column("intervals", JsonList(Interval), nullable=False),
    Column("create_time", UTCDateTime(), nullable=False),
    # Zoom's time of the last role change applied (older ones arriving later are ignored), and
    # when and what the participant first shared (0006).
    Column("role_change_time", UTCDateTime(), nullable=True),
    Column("first_share_time", UTCDateTime(), nullable=True),
    Column("first_share_content", String(64), nullable=False, server_default=""),
)
Index("ix_participants_session_id", participants.c.session_id)

interactions = Table(
    "interactions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("session_id", ID, nullable=False),
    Column("type", EnumString(InteractionType, 16), nullable=False),
    Column("author_id", String(128), nullable=False),
    Column("author_display_name", String(300), nullable=False, server_default=""),
    Column("anonymous", Boolean(), nullable=False, server_default="0"),
    Column("content", Text(), nullable=False),
    Column("reply_to_id", String(36), nullable=False, server_default=""),
    Column("poll_id", String(128), nullable=False, server_default=""),
    Column("poll_question_id", String(128), nullable=False, server_default=""),
    Column("answered", Boolean(), nullable=False, server_default="0"),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "request_id", name="uq_interactions_tenant_request"),
)
Index("ix_interactions_session_time", interactions.c.session_id, interactions.c.create_time)

shared_resources = Table(
    "shared_resources",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("session_id", ID, nullable=False),
    Column("type", EnumString(ResourceType, 16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("description", Text(), nullable=False, server_default=""),
    Column("url", Text(), nullable=False, server_default=""),
    Column("storage_key", Text(), nullable=False, server_default=""),
    Column("shared_by", String(128), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("shared_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "request_id", name="uq_shared_resources_tenant_request"),
)
Index("ix_shared_resources_session", shared_resources.c.session_id, shared_resources.c.shared_at)

recorded_lessons = Table(
    "recorded_lessons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("session_id", ID, nullable=False),
    Column("title", String(300), nullable=False),
    Column("source", EnumString(LessonSource, 16), nullable=False),
    Column("recording_id", String(128), nullable=False, server_default=""),
    Column("recording_file_id", String(128), nullable=False, server_default=""),
    Column("external_url", Text(), nullable=False, server_default=""),
    Column("file_type", Integer(), nullable=False, server_default="0"),
    Column("file_size_bytes", BigInteger(), nullable=False, server_default="0"),
    Column("duration_seconds", Integer(), nullable=False, server_default="0"),
    Column("zoom_info", JsonData(dict), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    # Files of one kind in a session are the parts of one lesson (read and written whole).
    Column("lesson_kind", String(128), nullable=False, server_default=""),
    Column("parts", JsonList(LessonPart), nullable=True),
    UniqueConstraint("tenant_id", "request_id", name="uq_recorded_lessons_tenant_request"),
)
Index("ix_recorded_lessons_session", recorded_lessons.c.session_id, recorded_lessons.c.create_time)
Index("ix_recorded_lessons_recording", recorded_lessons.c.recording_id)

# A student's registration for a session's meeting (``scheduler.domain.registration``): how a
# join is tied to the student. ``join_url`` is the student's personal link (a credential).
session_registrants = Table(
    "session_registrants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("session_id", ID, nullable=False),
    Column("student_id", String(128), nullable=False),
    Column("registrant_id", String(128), nullable=False),
    Column("email", String(320), nullable=False, server_default=""),
    Column("join_url", Text(), nullable=False, server_default=""),
    Column("meeting_id", BigInteger(), nullable=False, server_default="0"),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
    UniqueConstraint("session_id", "student_id", name="uq_session_registrants_student"),
)
Index(
    "ix_session_registrants_registrant",
    session_registrants.c.session_id,
    session_registrants.c.registrant_id,
)

# Background work about a session that calls Zoom (``scheduler.domain.jobs``): one row per
# session and kind, found by the worker through its due time.
session_jobs = Table(
    "session_jobs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("session_id", ID, nullable=False),
    Column("kind", EnumString(JobKind, 32), nullable=False),
    Column("state", EnumString(JobState, 16), nullable=False),
    Column("meeting_uuid", String(128), nullable=False, server_default=""),
    Column("host_user_id", String(128), nullable=False, server_default=""),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("next_attempt_time", UTCDateTime(), nullable=True),
    Column("give_up_time", UTCDateTime(), nullable=True),
    Column("lease_id", String(36), nullable=False, server_default=""),
    Column("last_error", Text(), nullable=False, server_default=""),
    Column("result_count", Integer(), nullable=False, server_default="0"),
    Column("finish_time", UTCDateTime(), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
    UniqueConstraint("session_id", "kind", name="uq_session_jobs_session_kind"),
)
Index(
    "ix_session_jobs_due",
    session_jobs.c.kind,
    session_jobs.c.state,
    session_jobs.c.next_attempt_time,
)

# A bulk scheduling request (``scheduler.domain.bulk``): the sessions it stored, in the
# request's order; their meetings' progress is read from the sessions and their jobs.
bulk_jobs = Table(
    "bulk_jobs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("request_id", String(128), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("session_ids", JsonData(list), nullable=False),
    Column("create_time", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "request_id", name="uq_bulk_jobs_request"),
)

session_series = Table(
    "session_series",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("batch_id", ID, nullable=False),
    Column("course_id", ID, nullable=False),
    Column("title", String(300), nullable=False),
    Column("rule", String(500), nullable=False),
    Column("first_start", UTCDateTime(), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("duration_minutes", Integer(), nullable=False),
    Column("meetings", EnumString(SeriesMeetings, 16), nullable=False),
    Column("exceptions", JsonData(list), nullable=False),
    Column("session_ids", JsonData(list), nullable=False),
    Column("status", EnumString(SeriesStatus, 16), nullable=False),
    Column("meeting_id", BigInteger(), nullable=False, server_default="0"),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("request_id", String(128), nullable=True),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
    Column("cancel_time", UTCDateTime(), nullable=True),
    UniqueConstraint("tenant_id", "request_id", name="uq_session_series_request"),
)
Index("ix_session_series_batch", session_series.c.batch_id)

notices = Table(
    "notices",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", TENANT, nullable=False, server_default=DEFAULT_TENANT),
    Column("event_id", String(64), nullable=False),
    Column("kind", EnumString(NoticeKind, 16), nullable=False),
    Column("session_id", ID, nullable=False),
    Column("recipient_id", String(128), nullable=False),
    Column("email", String(320), nullable=False),
    Column("about", String(200), nullable=False, server_default=""),
    Column("state", EnumString(NoticeState, 16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("next_attempt_time", UTCDateTime(), nullable=False),
    Column("last_error", Text(), nullable=False, server_default=""),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("sent_time", UTCDateTime(), nullable=True),
    UniqueConstraint("event_id", "email", name="uq_notices_event_email"),
)
Index("ix_notices_due", notices.c.state, notices.c.next_attempt_time)

notice_preferences = Table(
    "notice_preferences",
    metadata,
    Column("tenant_id", TENANT, primary_key=True, server_default=DEFAULT_TENANT),
    Column("user_id", String(128), primary_key=True),
    Column("email_notices", Boolean(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
)

# The tenant's people directory (``scheduler.domain.directory``): the teachers and admins
# notices are sent to, upserted by the course platform.
people = Table(
    "people",
    metadata,
    Column("tenant_id", TENANT, primary_key=True, server_default=DEFAULT_TENANT),
    Column("user_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("email", String(320), nullable=False),
    Column("role", EnumString(PersonRole, 16), nullable=False),
    Column("create_time", UTCDateTime(), nullable=False),
    Column("update_time", UTCDateTime(), nullable=False),
)
Index("ix_people_role", people.c.tenant_id, people.c.role)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
