"""Typed domain events → `classbridge.events.v1` protobuf messages (what goes on the bus).

The domain keeps times as epoch milliseconds with 0 meaning unknown; here an unknown time is an
unset Timestamp, and Zoom's numeric codes become enums (unknown codes → UNSPECIFIED, never an
error). `context.webhook_event_id` is filled in by the repository once the row has its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import zoom_events_pb2 as pb
from webhook_ingest.domain import events as ev
from webhook_ingest.domain.fields import integer
from webhook_ingest.domain.normalise import Normalised

DOWNLOAD_TOKEN_LIFETIME_MS = 24 * 3600 * 1000  # Zoom: about 24 hours after the event

_FILE_TYPES = {
    "MP4": common_pb2.RECORDING_FILE_TYPE_MP4,
    "M4A": common_pb2.RECORDING_FILE_TYPE_M4A,
    "CHAT": common_pb2.RECORDING_FILE_TYPE_CHAT,
    "TRANSCRIPT": common_pb2.RECORDING_FILE_TYPE_TRANSCRIPT,
    "CC": common_pb2.RECORDING_FILE_TYPE_CC,
    "CSV": common_pb2.RECORDING_FILE_TYPE_CSV,
    "TIMELINE": common_pb2.RECORDING_FILE_TYPE_TIMELINE,
    "SUMMARY": common_pb2.RECORDING_FILE_TYPE_SUMMARY,
    "CHAT_MESSAGE": common_pb2.RECORDING_FILE_TYPE_CHAT_MESSAGE,
    "TB": common_pb2.RECORDING_FILE_TYPE_TB,
}
_AUTO_RECORDING = {
    "none": common_pb2.AUTO_RECORDING_NONE,
    "local": common_pb2.AUTO_RECORDING_LOCAL,
    "cloud": common_pb2.AUTO_RECORDING_CLOUD,
}
_SCOPES = {"single": pb.MEETING_CHANGE_SCOPE_SINGLE, "all": pb.MEETING_CHANGE_SCOPE_ALL}
_MEETING_TYPES: dict[int, common_pb2.ZoomMeetingType] = {
    t: t
    for t in (
        common_pb2.ZOOM_MEETING_TYPE_UNSPECIFIED,
        common_pb2.ZOOM_MEETING_TYPE_INSTANT,
        common_pb2.ZOOM_MEETING_TYPE_SCHEDULED,
        common_pb2.ZOOM_MEETING_TYPE_RECURRING_NO_FIXED_TIME,
        common_pb2.ZOOM_MEETING_TYPE_PERSONAL_ROOM,
        common_pb2.ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME,
        common_pb2.ZOOM_MEETING_TYPE_SCREEN_SHARE_ONLY,
    )
}
"""Every value of ``ZoomMeetingType``, by its number."""
MAX_TIMESTAMP_MS = 253_402_300_799_999
"""The last millisecond a protobuf Timestamp can hold (9999-12-31T23:59:59.999Z)."""
_WithToken = TypeVar(
    "_WithToken",
    pb.ZoomRecordingCompleted,
    pb.ZoomRecordingTranscriptCompleted,
    pb.ZoomRecordingRecovered,
)


def _ts(ms: int) -> Timestamp | None:
    if ms <= 0 or ms > MAX_TIMESTAMP_MS:  # past 9999-12-31 no Timestamp holds it: unknown
        return None
    stamp = Timestamp()
    stamp.FromMilliseconds(ms)
    return stamp


def _set_time(message: Message, name: str, ms: int) -> None:
    stamp = _ts(ms)
    if stamp is not None:
        getattr(message, name).CopyFrom(stamp)


def _meeting_type(code: int) -> common_pb2.ZoomMeetingType:
    return _MEETING_TYPES.get(code, common_pb2.ZOOM_MEETING_TYPE_UNSPECIFIED)


def _file_type(zoom_type: str) -> common_pb2.RecordingFileType:
    if not zoom_type:
        return common_pb2.RECORDING_FILE_TYPE_UNSPECIFIED
    return _FILE_TYPES.get(zoom_type.upper(), common_pb2.RECORDING_FILE_TYPE_OTHER)


def _int32(value: int) -> int:
    return max(-(2**31), min(2**31 - 1, value))


def _context(delivery: ev.Delivery) -> pb.ZoomEventContext:
    context = pb.ZoomEventContext(
        zoom_event=delivery.zoom_event,
        account_id=delivery.account_id,
        operator=delivery.operator,
        operator_id=delivery.operator_id,
        tenant_id=delivery.tenant_id,
    )
    _set_time(context, "event_time", delivery.event_ts_ms)
    return context


def _meeting(m: ev.Meeting) -> pb.ZoomMeetingObject:
    out = pb.ZoomMeetingObject(
        meeting_id=integer(m.meeting_id),
        meeting_uuid=m.meeting_uuid,
        host_id=m.host_id,
        topic=m.topic,
        type=_meeting_type(m.meeting_type),
        timezone=m.timezone,
        duration_minutes=_int32(m.scheduled_duration_minutes),
    )
    _set_time(out, "start_time", m.start_time_ms)
    return out


def _participant(p: ev.Participant) -> pb.ZoomParticipant:
    return pb.ZoomParticipant(
        participant_uuid=p.participant_uuid,
        meeting_user_id=p.user_id,
        zoom_user_id=p.zoom_user_id,
        name=p.name,
        email=p.email,
        registrant_id=p.registrant_id,
        customer_key=p.customer_key,
    )


def _sharing(s: ev.Sharing) -> pb.ZoomSharingDetails:
    out = pb.ZoomSharingDetails(content=s.content, source=s.source, link_source=s.link_source)
    _set_time(out, "time", s.at_ms)
    return out


def _file(f: ev.RecordingFile) -> pb.ZoomRecordingFile:
    out = pb.ZoomRecordingFile(
        id=f.file_id,
        meeting_uuid=f.meeting_uuid,
        file_type=_file_type(f.file_type),
        zoom_file_type=f.file_type,
        file_extension=f.file_extension,
        file_size_bytes=f.file_size,
        file_name=f.file_name,
        download_url=f.download_url,
        play_url=f.play_url,
        recording_type=f.recording_type,
        status=f.status,
    )
    _set_time(out, "recording_start", f.recording_start_ms)
    _set_time(out, "recording_end", f.recording_end_ms)
    return out


def _recording(r: ev.Recording) -> pb.ZoomRecordingObject:
    m = r.meeting
    out = pb.ZoomRecordingObject(
        meeting_id=integer(m.meeting_id),
        meeting_uuid=m.meeting_uuid,
        host_id=m.host_id,
        host_email=r.host_email,
        topic=m.topic,
        type=_meeting_type(m.meeting_type),
        timezone=m.timezone,
        duration_minutes=_int32(m.scheduled_duration_minutes),
        total_size_bytes=r.total_size,
        recording_count=_int32(r.recording_count),
        share_url=r.share_url,
        recording_files=[_file(f) for f in r.files if not f.participant_audio],
        participant_audio_files=[_file(f) for f in r.files if f.participant_audio],
    )
    _set_time(out, "start_time", m.start_time_ms)
    return out


def _with_token(message: _WithToken, token: str, event_ts_ms: int) -> _WithToken:
    message.download_token = token
    if token and event_ts_ms > 0:
        _set_time(message, "download_token_expire_time", event_ts_ms + DOWNLOAD_TOKEN_LIFETIME_MS)
    return message


def _fields(f: ev.MeetingFields) -> pb.ZoomMeetingFields:
    out = pb.ZoomMeetingFields(
        topic=f.topic,
        duration_minutes=_int32(f.duration_minutes),
        timezone=f.timezone,
        agenda=f.agenda,
        password=f.password,
        type=_meeting_type(f.meeting_type),
        auto_recording=_AUTO_RECORDING.get(
            f.auto_recording.lower(), common_pb2.AUTO_RECORDING_UNSPECIFIED
        ),
    )
    _set_time(out, "start_time", f.start_time_ms)
    return out


def _encode(event: ev.ZoomEvent) -> Message:
    context = _context(event.delivery)
    ts = event.delivery.event_ts_ms
    match event:
        case ev.MeetingStarted():
            return pb.ZoomMeetingStarted(context=context, meeting=_meeting(event.meeting))
        case ev.MeetingEnded():
            ended = pb.ZoomMeetingEnded(context=context, meeting=_meeting(event.meeting))
            _set_time(ended, "end_time", event.end_time_ms)
            return ended
        case ev.ParticipantJoined():
            joined = _participant(event.participant)
            _set_time(joined, "join_time", event.join_time_ms)
            return pb.ZoomParticipantJoined(
                context=context, meeting=_meeting(event.meeting), participant=joined
            )
        case ev.ParticipantLeft():
            left = _participant(event.participant)
            _set_time(left, "leave_time", event.leave_time_ms)
            left.leave_reason = event.leave_reason
            return pb.ZoomParticipantLeft(
                context=context, meeting=_meeting(event.meeting), participant=left
            )
        case ev.ParticipantRoleChanged():
            changed = pb.ZoomParticipantRoleChanged(
                context=context,
                meeting=_meeting(event.meeting),
                participant=_participant(event.participant),
                old_role=event.old_role,
                new_role=event.new_role,
            )
            _set_time(changed, "change_time", event.changed_at_ms)
            return changed
        case ev.SharingStarted():
            return pb.ZoomSharingStarted(
                context=context,
                meeting=_meeting(event.meeting),
                participant=_participant(event.participant),
                sharing=_sharing(event.sharing),
            )
        case ev.SharingEnded():
            return pb.ZoomSharingEnded(
                context=context,
                meeting=_meeting(event.meeting),
                participant=_participant(event.participant),
                sharing=_sharing(event.sharing),
            )
        case ev.ParticipantJoinedBreakoutRoom():
            entered = _participant(event.participant)
            _set_time(entered, "join_time", event.join_time_ms)
            return pb.ZoomParticipantJoinedBreakoutRoom(
                context=context,
                meeting=_meeting(event.meeting),
                participant=entered,
                breakout_room_uuid=event.breakout_room_uuid,
                parent_meeting_user_id=event.parent_user_id,
            )
        case ev.ParticipantLeftBreakoutRoom():
            exited = _participant(event.participant)
            _set_time(exited, "leave_time", event.leave_time_ms)
            exited.leave_reason = event.leave_reason
            return pb.ZoomParticipantLeftBreakoutRoom(
                context=context,
                meeting=_meeting(event.meeting),
                participant=exited,
                breakout_room_uuid=event.breakout_room_uuid,
                parent_meeting_user_id=event.parent_user_id,
            )
        case ev.RecordingCompleted():
            completed = pb.ZoomRecordingCompleted(
                context=context, recording=_recording(event.recording)
            )
            return _with_token(completed, event.download_token, ts)
        case ev.RecordingTranscriptCompleted():
            transcript = pb.ZoomRecordingTranscriptCompleted(
                context=context, recording=_recording(event.recording)
            )
            return _with_token(transcript, event.download_token, ts)
        case ev.RecordingTrashed():
            return pb.ZoomRecordingTrashed(context=context, recording=_recording(event.recording))
        case ev.RecordingDeleted():
            return pb.ZoomRecordingDeleted(context=context, recording=_recording(event.recording))
        case ev.RecordingRecovered():
            recovered = pb.ZoomRecordingRecovered(
                context=context, recording=_recording(event.recording)
            )
            return _with_token(recovered, event.download_token, ts)
        case ev.MeetingUpdated():
            updated = pb.ZoomMeetingUpdated(
                context=context,
                meeting_id=integer(event.meeting_id),
                scope=_SCOPES.get(event.scope.lower(), pb.MEETING_CHANGE_SCOPE_UNSPECIFIED),
                occurrence_id=event.occurrence_id,
                changed_fields=list(event.changed_fields),
                new_values=_fields(event.new_values),
                old_values=_fields(event.old_values),
            )
            _set_time(updated, "update_time", event.updated_at_ms)
            return updated
        case ev.MeetingDeleted():
            occurrences = []
            for o in event.occurrences:
                occurrence = pb.ZoomOccurrence(occurrence_id=o.occurrence_id)
                _set_time(occurrence, "start_time", o.start_time_ms)
                occurrences.append(occurrence)
            return pb.ZoomMeetingDeleted(
                context=context,
                meeting=_meeting(event.meeting),
                scope=_SCOPES.get(event.operation.lower(), pb.MEETING_CHANGE_SCOPE_UNSPECIFIED),
                occurrences=occurrences,
            )
        case ev.AppDeauthorized():
            deauthorized = pb.ZoomAppDeauthorized(
                context=context, zoom_user_id=event.zoom_user_id, client_id=event.client_id
            )
            _set_time(deauthorized, "deauthorization_time", event.deauthorized_at_ms)
            return deauthorized
        case ev.RawEvent():
            return pb.ZoomRawEvent(
                context=context,
                event=event.delivery.zoom_event,
                raw_json=event.payload_json,
                reason=event.reason,
            )
    raise TypeError(f"no protobuf message for {type(event).__name__}")


def encode(normalised: Normalised) -> Message:
    """The protobuf message published for a normalised Zoom event."""
    return _encode(normalised.event)


def context_of(message: Message) -> pb.ZoomEventContext:
    """The `context` field every Zoom event message has."""
    return message.context  # type: ignore[attr-defined,no-any-return]


Encoder = Callable[[Normalised], Message]
