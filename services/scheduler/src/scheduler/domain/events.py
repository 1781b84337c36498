"""Facts the scheduler announces (past tense, immutable); written to the outbox with the change.

The adapters turn them into the ``classbridge.events.v1`` messages other services consume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.domain.model import AutoRecording, BatchType


@dataclass(frozen=True)
class SessionMeetingLinked:
    occurred_at: datetime
    session_id: str
    session_title: str
    batch_id: str
    batch_type: BatchType
    student_id: str
    course_id: str
    course_title: str
    teacher_id: str
    tenant_id: str
    meeting_id: int
    meeting_uuid: str
    host_zoom_user_id: str
    start_time: datetime
    duration_minutes: int
    timezone: str
    auto_recording: AutoRecording
    storage_folder_hint: str


@dataclass(frozen=True)
class SessionMeetingUnlinked:
    occurred_at: datetime
    session_id: str
    batch_id: str
    meeting_id: int
    meeting_uuid: str
    reason: str  # "session_cancelled" | "meeting_deleted" | "replaced"


@dataclass(frozen=True)
class SessionCancelled:
    occurred_at: datetime
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_id: int
    scheduled_start: datetime
    reason: str
    notify_participants: bool
    cancelled_by: str


@dataclass(frozen=True)
class SessionUpdated:
    occurred_at: datetime
    session_id: str
    batch_id: str
    meeting_id: int
    changed_fields: tuple[str, ...]
    title: str
    scheduled_start: datetime
    scheduled_end: datetime
    timezone: str
    duration_minutes: int
    previous_scheduled_start: datetime
    previous_scheduled_end: datetime


@dataclass(frozen=True)
class SessionStarted:
    """The class went live (announced to course platforms)."""

    occurred_at: datetime
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_id: int
    meeting_uuid: str
    started_at: datetime


@dataclass(frozen=True)
class SessionEnded:
    """The class ended; its attendance follows once Zoom's report is read."""

    occurred_at: datetime
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_id: int
    meeting_uuid: str
    started_at: datetime | None
    ended_at: datetime


@dataclass(frozen=True)
class SessionAttendanceReady:
    """The class's attendance is final: with Zoom's report (``complete``) or without it."""

    occurred_at: datetime
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_uuid: str
    participants: int
    complete: bool


Event = (
    SessionMeetingLinked
    | SessionMeetingUnlinked
    | SessionCancelled
    | SessionUpdated
    | SessionStarted
    | SessionEnded
    | SessionAttendanceReady
)
