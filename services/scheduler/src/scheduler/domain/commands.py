"""What callers and events ask the scheduler to do: imperative, immutable.

``changes`` of the Update commands holds only the fields named in the request's update mask
(already translated from protobuf by the entry point), so "not named" and "set to empty" differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.model import (
    AutoRecording,
    BatchType,
    InteractionType,
    LessonSource,
    MeetingChange,
    ResourceType,
    Settings,
)
from scheduler.domain.timing import Timing


@dataclass(frozen=True)
class CreateCourse:
    title: str
    request_id: str = ""
    tenant_id: str = ""
    description: str = ""
    instructor_ids: tuple[str, ...] = ()
    default_timezone: str = ""
    default_meeting_settings: Settings = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateCourse:
    course_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class DeleteCourse:
    course_id: str
    force: bool = False


@dataclass(frozen=True)
class CreateBatch:
    course_id: str
    name: str
    type: BatchType | None
    request_id: str = ""
    instructor_id: str = ""
    student_id: str = ""
    timezone: str = ""
    start_date: Any = None
    end_date: Any = None
    meeting_settings: Settings = field(default_factory=dict)
    present_threshold_percentage: float = 0.0
    breakout_groups: tuple[BreakoutGroup, ...] = ()


@dataclass(frozen=True)
class UpdateBatch:
    batch_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class DeleteBatch:
    batch_id: str
    force: bool = False


@dataclass(frozen=True)
class CreateEnrollment:
    batch_id: str
    student_id: str
    request_id: str = ""
    # What the student is registered with for the batch's meetings (none without an email).
    email: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class DeleteEnrollment:
    enrollment_id: str = ""
    batch_id: str = ""
    student_id: str = ""


@dataclass(frozen=True)
class CreateSession:
    batch_id: str
    title: str
    timing: Timing | None
    request_id: str = ""
    description: str = ""
    timezone: str = ""
    create_zoom_meeting: bool = True
    auto_recording: AutoRecording | None = None
    max_participants: int = 0
    meeting_settings: Settings = field(default_factory=dict)
    teacher_id: str = ""


@dataclass(frozen=True)
class BulkCreateSessions:
    """Many sessions at once; each item's own ``request_id`` is ignored (the bulk one counts)."""

    request_id: str
    items: tuple[CreateSession, ...]


@dataclass(frozen=True)
class CreateSeries:
    """The classes of one recurrence rule: ``session`` is the first class (its timing is the
    first occurrence; title, teacher and settings are every occurrence's), ``rule`` an RFC 5545
    RRULE, ``exceptions`` local dates or datetimes the rule's occurrences skip."""

    session: CreateSession
    rule: str
    exceptions: tuple[date | datetime, ...] = ()
    request_id: str = ""


@dataclass(frozen=True)
class UpdateSeries:
    """Change every class of a series still to come: its title and description, and its
    wall-clock times (each class keeps its date). ``None``: unchanged."""

    series_id: str
    title: str | None = None
    description: str | None = None
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class CancelSeries:
    """Cancel every class of a series still to come (and the series' meeting at Zoom)."""

    series_id: str
    reason: str = ""
    notify_participants: bool = False


@dataclass(frozen=True)
class UpdateSession:
    session_id: str
    changes: Mapping[str, Any]
    skip_zoom_sync: bool = False


@dataclass(frozen=True)
class CancelSession:
    session_id: str
    reason: str = ""
    notify_participants: bool = False


@dataclass(frozen=True)
class CreateZoomMeeting:
    session_id: str
    meeting_settings: Settings = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateParticipant:
    session_id: str
    participant_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class CreateInteraction:
    session_id: str
    type: InteractionType | None
    content: str
    request_id: str = ""
    author_display_name: str = ""
    anonymous: bool = False
    reply_to_id: str = ""
    poll_id: str = ""
    poll_question_id: str = ""


@dataclass(frozen=True)
class CreateSharedResource:
    session_id: str
    type: ResourceType | None
    title: str
    request_id: str = ""
    description: str = ""
    url: str = ""
    storage_key: str = ""


@dataclass(frozen=True)
class DeleteSharedResource:
    resource_id: str


@dataclass(frozen=True)
class AddRecordedLesson:
    session_id: str
    title: str
    source: LessonSource | None
    request_id: str = ""
    recording_id: str = ""
    recording_file_id: str = ""
    external_url: str = ""
    file_type: int = 0
    file_size_bytes: int = 0
    duration_seconds: int = 0


@dataclass(frozen=True)
class DeleteRecordedLesson:
    recorded_lesson_id: str


# ---- Facts from other services, applied by the consumers ----


@dataclass(frozen=True)
class RecordMeetingStarted:
    meeting_id: int
    meeting_uuid: str
    event_time: datetime
    start_time: datetime | None


@dataclass(frozen=True)
class RecordMeetingEnded:
    meeting_id: int
    meeting_uuid: str
    event_time: datetime
    start_time: datetime | None
    end_time: datetime | None


@dataclass(frozen=True)
class RecordMeetingUpdated:
    """A meeting was changed at Zoom; ``change`` holds only the fields the session follows."""

    meeting_id: int
    change: MeetingChange


@dataclass(frozen=True)
class RecordMeetingDeleted:
    """A meeting was deleted at Zoom; ``occurrence_ids`` set when only those occurrences were."""

    meeting_id: int
    event_time: datetime
    occurrence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordParticipantJoined:
    """Zoom says someone joined; who they are is ``registrant_id``, ``customer_key``, a
    verified ``email`` (never ``name``, which is only shown)."""

    meeting_id: int
    event_time: datetime
    participant_uuid: str
    zoom_user_id: str
    name: str
    email: str
    customer_key: str
    join_time: datetime | None
    is_host: bool = False
    registrant_id: str = ""
    # Zoom's per-meeting ``user_id`` of this stay: what sharing events name the person by.
    meeting_user_id: str = ""


@dataclass(frozen=True)
class RecordParticipantLeft:
    """Zoom says someone left (identified as in :class:`RecordParticipantJoined`)."""

    meeting_id: int
    event_time: datetime
    participant_uuid: str
    zoom_user_id: str
    name: str
    email: str
    customer_key: str
    leave_time: datetime | None
    leave_reason: str = ""
    registrant_id: str = ""


# Zoom's live-class events (``scheduler.service_layer.live_events``). ``who`` is what Zoom says
# about the person (tied to a student only by identity, never by ``who.name``);
# ``meeting_user_id`` is Zoom's per-meeting id of them (its ``user_id``).


@dataclass(frozen=True)
class RecordRoleChanged:
    """Zoom says a participant's role changed (Zoom's words: "host", "co-host", "attendee")."""

    meeting_id: int
    event_time: datetime
    who: ZoomIdentity
    old_role: str
    new_role: str
    change_time: datetime | None = None
    meeting_user_id: str = ""


@dataclass(frozen=True)
class RecordSharing:
    """Zoom says a participant started (``started``) or stopped sharing ``content``."""

    meeting_id: int
    event_time: datetime
    who: ZoomIdentity
    started: bool
    content: str = ""
    share_time: datetime | None = None
    meeting_user_id: str = ""


@dataclass(frozen=True)
class RecordBreakoutRoomJoined:
    """Zoom says a participant went into breakout room ``breakout_room_uuid``."""

    meeting_id: int
    event_time: datetime
    who: ZoomIdentity
    breakout_room_uuid: str
    join_time: datetime | None = None
    meeting_user_id: str = ""
    # Their ``user_id`` in the main meeting (Zoom's ``parent_user_id``), when sent.
    parent_meeting_user_id: str = ""


@dataclass(frozen=True)
class RecordBreakoutRoomLeft:
    """Zoom says a participant left breakout room ``breakout_room_uuid``."""

    meeting_id: int
    event_time: datetime
    who: ZoomIdentity
    breakout_room_uuid: str
    leave_time: datetime | None = None
    leave_reason: str = ""
    parent_meeting_user_id: str = ""


@dataclass(frozen=True)
class SyncedLessonFile:
    file_id: str
    zoom_file_id: str
    file_type: int
    recording_type: str
    size_bytes: int
    recording_start: datetime | None
    recording_end: datetime | None
    title: str
    # Files sharing a non-empty kind within a session are parts of one lesson, by ``part``.
    lesson_kind: str = ""
    part: int = 0


@dataclass(frozen=True)
class RecordRecordingSynced:
    recording_id: str
    session_id: str
    meeting_id: int
    meeting_uuid: str
    source: LessonSource
    occurred_at: datetime
    attempts: int
    files: tuple[SyncedLessonFile, ...]


@dataclass(frozen=True)
class RecordRecordingSyncFailed:
    session_id: str
    meeting_id: int
    occurred_at: datetime
    attempts: int
    error_message: str
    error_type: int
    next_attempt_time: datetime | None


@dataclass(frozen=True)
class RecordRecordingRemoved:
    recording_id: str
    session_id: str
    file_ids: tuple[str, ...]
    occurred_at: datetime | None = None
