"""What a course platform receives: bus events turned into stable, documented JSON payloads.

Every payload has the shape Standard Webhooks recommends, `{"type": …, "timestamp": …,
"data": {…}}`: `type` is one of `EVENT_TYPES` (our public names, not the bus's routing keys, so
the bus can change without breaking a platform), `timestamp` is when it happened (RFC 3339,
UTC, `Z`), and `data` always has the same keys for a type (absent values are `null`, never
missing). Ids are strings, including Zoom's numeric meeting ids (JavaScript cannot hold every
int64). docs/outgoing-webhooks.md shows each shape; `tests/unit/webhook_ingest/
test_outgoing_payloads.py` pins them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2 as common
from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.events.v1 import session_events_pb2 as ses

TEST_EVENT = "webhook.test"

Data = dict[str, Any]


def rfc3339(value: datetime) -> str:
    """`2027-01-15T10:00:00Z` (UTC, whole seconds unless there are fractions)."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def _time(msg: Message, name: str) -> str | None:
    """The timestamp field ``name`` of ``msg`` in RFC 3339; None when unset (or the epoch)."""
    stamp: Timestamp = getattr(msg, name)
    if not msg.HasField(name) or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    return rfc3339(stamp.ToDatetime(tzinfo=UTC))


def _text(value: str) -> str | None:
    return value or None


def _id(value: int) -> str | None:
    return str(value) if value else None


def _enum(enum: EnumTypeWrapper, number: int, prefix: str) -> str | None:
    """`BATCH_TYPE_GROUP` → "group"; unset (0) or unknown → None."""
    if number == 0:
        return None
    try:
        name = str(enum.Name(number))
    except ValueError:
        return None
    return name.removeprefix(prefix).lower()


def _scheduled(msg: ses.SessionMeetingLinked) -> Data:
    return {
        "session_id": msg.session_id,
        "session_title": msg.session_title,
        "course_id": _text(msg.course_id),
        "course_title": _text(msg.course_title),
        "batch_id": _text(msg.batch_id),
        "batch_type": _enum(common.BatchType, msg.batch_type, "BATCH_TYPE_"),
        "student_id": _text(msg.student_id),
        "teacher_id": _text(msg.teacher_id),
        "meeting_id": _id(msg.meeting_id),
        "start_time": _time(msg, "start_time"),
        "duration_minutes": msg.duration_minutes,
        "timezone": _text(msg.timezone),
    }


def _updated(msg: ses.SessionUpdated) -> Data:
    return {
        "session_id": msg.session_id,
        "session_title": _text(msg.title),
        "batch_id": _text(msg.batch_id),
        "meeting_id": _id(msg.meeting_id),
        "changed_fields": list(msg.changed_fields),
        "scheduled_start": _time(msg, "scheduled_start"),
        "scheduled_end": _time(msg, "scheduled_end"),
        "previous_scheduled_start": _time(msg, "previous_scheduled_start"),
        "previous_scheduled_end": _time(msg, "previous_scheduled_end"),
        "duration_minutes": msg.duration_minutes,
        "timezone": _text(msg.timezone),
    }


def _class(
    msg: ses.SessionCancelled | ses.SessionStarted | ses.SessionEnded | ses.SessionAttendanceReady,
) -> Data:
    """The class an event of its life is about, as each such payload names it first."""
    return {
        "session_id": msg.session_id,
        "session_title": _text(msg.session_title),
        "course_id": _text(msg.course_id),
        "batch_id": _text(msg.batch_id),
    }


def _cancelled(msg: ses.SessionCancelled) -> Data:
    return {
        **_class(msg),
        "meeting_id": _id(msg.meeting_id),
        "scheduled_start": _time(msg, "scheduled_start"),
        "reason": _text(msg.reason),
        "cancelled_by": _text(msg.cancelled_by),
    }


def _started(msg: ses.SessionStarted) -> Data:
    return {
        **_class(msg),
        "meeting_id": _id(msg.meeting_id),
        "meeting_uuid": _text(msg.meeting_uuid),
        "started_at": _time(msg, "started_at"),
    }


def _ended(msg: ses.SessionEnded) -> Data:
    return {
        **_class(msg),
        "meeting_id": _id(msg.meeting_id),
        "meeting_uuid": _text(msg.meeting_uuid),
        "started_at": _time(msg, "started_at"),
        "ended_at": _time(msg, "ended_at"),
    }


def _attendance(msg: ses.SessionAttendanceReady) -> Data:
    return {
        **_class(msg),
        "meeting_uuid": _text(msg.meeting_uuid),
        "participants": msg.participants,
        "complete": msg.complete,
    }


def _file(file: rec.SyncedFile) -> Data:
    return {
        "file_id": file.file_id,
        "file_type": _enum(common.RecordingFileType, file.file_type, "RECORDING_FILE_TYPE_"),
        "file_extension": _text(file.file_extension),
        "recording_type": _text(file.recording_type),
        "content_type": _text(file.content_type),
        "size_bytes": file.size_bytes,
        "sha256": _text(file.sha256),
        "recording_start": _time(file, "recording_start"),
        "recording_end": _time(file, "recording_end"),
        "lesson_title": _text(file.lesson_title),
    }


def _recording_ready(msg: rec.RecordingSynced) -> Data:
    return {
        "recording_id": msg.recording_id,
        "session_id": _text(msg.session_id),
        "course_id": _text(msg.course_id),
        "batch_id": _text(msg.batch_id),
        "meeting_id": _id(msg.meeting_id),
        "meeting_uuid": _text(msg.meeting_uuid),
        "source": _enum(common.RecordingSource, msg.source, "RECORDING_SOURCE_"),
        "files": [_file(f) for f in msg.files],
    }


def _recording_deleted(msg: rec.RecordingRemoved) -> Data:
    return {
        "recording_id": msg.recording_id,
        "session_id": _text(msg.session_id),
        "batch_id": _text(msg.batch_id),
        "meeting_id": _id(msg.meeting_id),
        "meeting_uuid": _text(msg.meeting_uuid),
        "file_ids": list(msg.file_ids),
        "reason": _enum(rec.RemovalReason, msg.reason, "REMOVAL_REASON_"),
    }


def _sync_failed(msg: rec.RecordingSyncFailed) -> Data:
    return {
        "sync_job_id": msg.sync_job_id,
        "session_id": _text(msg.session_id),
        "batch_id": _text(msg.batch_id),
        "meeting_id": _id(msg.meeting_id),
        "meeting_uuid": _text(msg.meeting_uuid),
        "attempts": msg.attempts,
        "max_attempts": msg.max_attempts,
        "error_type": _enum(common.SyncErrorType, msg.error_type, "SYNC_ERROR_TYPE_"),
        "error_message": _text(msg.error_message),
        "will_retry": msg.will_retry,
        "next_attempt_time": _time(msg, "next_attempt_time"),
    }


@dataclass(frozen=True)
class PublicMapping:
    """How one bus event becomes one public event type."""

    event_type: str
    message: type[Message]
    data: Callable[[Any], Data]


# routing key on the bus -> the public event
BY_ROUTING_KEY: Mapping[str, PublicMapping] = {
    "session.meeting_linked": PublicMapping(
        "session.scheduled", ses.SessionMeetingLinked, _scheduled
    ),
    "session.updated": PublicMapping("session.updated", ses.SessionUpdated, _updated),
    "session.cancelled": PublicMapping("session.cancelled", ses.SessionCancelled, _cancelled),
    "session.started": PublicMapping("session.started", ses.SessionStarted, _started),
    "session.ended": PublicMapping("session.ended", ses.SessionEnded, _ended),
    "session.attendance_ready": PublicMapping(
        "attendance.ready", ses.SessionAttendanceReady, _attendance
    ),
    "recording.synced": PublicMapping("recording.ready", rec.RecordingSynced, _recording_ready),
    "recording.removed": PublicMapping(
        "recording.deleted", rec.RecordingRemoved, _recording_deleted
    ),
    "recording.sync_failed": PublicMapping(
        "recording.sync_failed", rec.RecordingSyncFailed, _sync_failed
    ),
}

EVENT_TYPES: tuple[str, ...] = tuple(m.event_type for m in BY_ROUTING_KEY.values())
"""The event types an endpoint may subscribe to (`webhook.test` is sent on request only)."""


@dataclass(frozen=True)
class PublicEvent:
    """One event as platforms see it, for the tenant it belongs to."""

    tenant_id: str
    event_type: str
    body: str  # the JSON payload, exactly as sent and signed


def body(event_type: str, occurred_at: datetime, data: Data) -> str:
    """The JSON payload (compact, keys in a fixed order)."""
    return json.dumps(
        {"type": event_type, "timestamp": rfc3339(occurred_at), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def from_bus(routing_key: str, payload: bytes, *, received_at: datetime) -> PublicEvent | None:
    """The public event for a bus message, or None when platforms are not told of it."""
    mapping = BY_ROUTING_KEY.get(routing_key)
    if mapping is None:
        return None
    msg = mapping.message.FromString(payload)
    occurred: Timestamp = getattr(msg, "occurred_at")  # noqa: B009 - every event has it
    when = occurred.ToDatetime(tzinfo=UTC) if msg.HasField("occurred_at") else received_at
    tenant = str(getattr(msg, "tenant_id", "")) or "default"
    return PublicEvent(
        tenant_id=tenant,
        event_type=mapping.event_type,
        body=body(mapping.event_type, when, mapping.data(msg)),
    )


def test_event(endpoint_id: str, now: datetime) -> str:
    """The payload of a `webhook.test` ping."""
    return body(
        TEST_EVENT,
        now,
        {"endpoint_id": endpoint_id, "message": "A test event from Classbridge."},
    )
