"""The scheduler's domain events as ``classbridge.events.v1`` messages (and their routing keys)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import event_options_pb2, session_events_pb2
from scheduler.domain import events
from scheduler.domain.model import AutoRecording, BatchType

BATCH_TYPES = {
    BatchType.GROUP: common_pb2.BATCH_TYPE_GROUP,
    BatchType.INDIVIDUAL: common_pb2.BATCH_TYPE_INDIVIDUAL,
}
AUTO_RECORDINGS = {
    AutoRecording.NONE: common_pb2.AUTO_RECORDING_NONE,
    AutoRecording.LOCAL: common_pb2.AUTO_RECORDING_LOCAL,
    AutoRecording.CLOUD: common_pb2.AUTO_RECORDING_CLOUD,
}
UNLINK_REASONS = {
    "session_cancelled": session_events_pb2.UNLINK_REASON_SESSION_CANCELLED,
    "meeting_deleted": session_events_pb2.UNLINK_REASON_MEETING_DELETED,
    "replaced": session_events_pb2.UNLINK_REASON_REPLACED,
}


def ts(value: datetime | None) -> Timestamp | None:
    """A protobuf Timestamp of ``value`` (None stays None so the field stays unset)."""
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def routing_key(message: Message) -> str:
    """The routing key declared on the message type (``option (routing_key)``)."""
    # protoc's --pyi_out stubs declare the extension as a plain FieldDescriptor, where the
    # protobuf stubs index Extensions by _ExtensionFieldDescriptor[MessageOptions, str].
    options = message.DESCRIPTOR.GetOptions()
    return str(options.Extensions[event_options_pb2.routing_key])  # type: ignore[index]


#: The events whose message has each of their fields under the same name (times as Timestamps).
PLAIN: dict[type[Any], type[Message]] = {
    events.SessionStarted: session_events_pb2.SessionStarted,
    events.SessionEnded: session_events_pb2.SessionEnded,
    events.SessionAttendanceReady: session_events_pb2.SessionAttendanceReady,
}


def _copied(event: Any, message: type[Message]) -> Message:
    """``message`` with every field of dataclass ``event`` (None stays unset)."""
    values = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    return message(
        **{k: ts(v) if isinstance(v, datetime) else v for k, v in values.items() if v is not None}
    )


def encode(event: events.Event) -> Message:
    """The protobuf message announcing ``event``."""
    if isinstance(event, events.SessionMeetingLinked):
        return session_events_pb2.SessionMeetingLinked(
            occurred_at=ts(event.occurred_at),
            session_id=event.session_id,
            session_title=event.session_title,
            batch_id=event.batch_id,
            batch_type=BATCH_TYPES[event.batch_type],
            student_id=event.student_id,
            course_id=event.course_id,
            course_title=event.course_title,
            teacher_id=event.teacher_id,
            tenant_id=event.tenant_id,
            meeting_id=event.meeting_id,
            meeting_uuid=event.meeting_uuid,
            host_zoom_user_id=event.host_zoom_user_id,
            start_time=ts(event.start_time),
            duration_minutes=event.duration_minutes,
            timezone=event.timezone,
            auto_recording=AUTO_RECORDINGS[event.auto_recording],
            storage_folder_hint=event.storage_folder_hint,
        )
    if isinstance(event, events.SessionMeetingUnlinked):
        return session_events_pb2.SessionMeetingUnlinked(
            occurred_at=ts(event.occurred_at),
            session_id=event.session_id,
            batch_id=event.batch_id,
            meeting_id=event.meeting_id,
            meeting_uuid=event.meeting_uuid,
            reason=UNLINK_REASONS.get(event.reason, session_events_pb2.UNLINK_REASON_UNSPECIFIED),
        )
    if isinstance(event, events.SessionCancelled):
        return session_events_pb2.SessionCancelled(
            occurred_at=ts(event.occurred_at),
            session_id=event.session_id,
            session_title=event.session_title,
            batch_id=event.batch_id,
            course_id=event.course_id,
            meeting_id=event.meeting_id,
            scheduled_start=ts(event.scheduled_start),
            reason=event.reason,
            notify_participants=event.notify_participants,
            cancelled_by=event.cancelled_by,
        )
    if isinstance(
        event, events.SessionStarted | events.SessionEnded | events.SessionAttendanceReady
    ):
        return _copied(event, PLAIN[type(event)])
    return session_events_pb2.SessionUpdated(
        occurred_at=ts(event.occurred_at),
        session_id=event.session_id,
        batch_id=event.batch_id,
        meeting_id=event.meeting_id,
        changed_fields=list(event.changed_fields),
        title=event.title,
        scheduled_start=ts(event.scheduled_start),
        scheduled_end=ts(event.scheduled_end),
        timezone=event.timezone,
        duration_minutes=event.duration_minutes,
        previous_scheduled_start=ts(event.previous_scheduled_start),
        previous_scheduled_end=ts(event.previous_scheduled_end),
    )
