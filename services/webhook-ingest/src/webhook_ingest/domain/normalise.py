"""Turning Zoom's JSON into Classbridge's typed events (the anti-corruption layer).

`normalise` never raises: an event type it does not know, or a known one whose payload is too
broken to read, becomes a `RawEvent` carrying the payload verbatim, so nothing signed is ever
dropped. Each result also has its routing key on the `classbridge.events` exchange.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from webhook_ingest.domain import events as ev
from webhook_ingest.domain.fields import epoch_ms, integer, items, mapping, text
from webhook_ingest.domain.tenancy import account_of

UNKNOWN_EVENT_TYPE = "unknown_event_type"
_ROUTING_WORD = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Normalised:
    """A typed event and the routing key it is published under."""

    routing_key: str
    event: ev.ZoomEvent

    @property
    def is_raw(self) -> bool:
        return isinstance(self.event, ev.RawEvent)


def raw_routing_key(zoom_event: str) -> str:
    """`zoom.raw.<event>` with the event name reduced to characters safe in a topic key."""
    word = _ROUTING_WORD.sub("_", zoom_event.lower()).strip(".") or "unknown"
    return ("zoom.raw." + word)[:200]


def _delivery(document: Mapping[str, Any]) -> ev.Delivery:
    payload = mapping(document.get("payload"))
    return ev.Delivery(
        zoom_event=text(document.get("event")),
        event_ts_ms=epoch_ms(document.get("event_ts")),
        account_id=account_of(document),
        operator=text(payload.get("operator")),
        operator_id=text(payload.get("operator_id")),
    )


def _object(document: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(mapping(document.get("payload")).get("object"))


def _meeting(obj: Mapping[str, Any]) -> ev.Meeting:
    return ev.Meeting(
        meeting_id=text(obj.get("id")) or text(obj.get("meeting_id")),
        meeting_uuid=text(obj.get("uuid")) or text(obj.get("meeting_uuid")),
        host_id=text(obj.get("host_id")),
        topic=text(obj.get("topic")),
        meeting_type=integer(obj.get("type")),
        start_time_ms=epoch_ms(obj.get("start_time")),
        timezone=text(obj.get("timezone")),
        scheduled_duration_minutes=integer(obj.get("duration")),
    )


def _participant(obj: Mapping[str, Any]) -> ev.Participant:
    p = mapping(obj.get("participant"))
    zoom_user_id = text(p.get("id")) or text(p.get("participant_user_id"))
    return ev.Participant(
        participant_uuid=text(p.get("participant_uuid")),
        user_id=text(p.get("user_id")),
        zoom_user_id=zoom_user_id,
        name=text(p.get("user_name")) or text(p.get("name")),
        email=text(p.get("email")),
        registrant_id=text(p.get("registrant_id")),
        customer_key=text(p.get("customer_key")),
        is_guest=not zoom_user_id,
    )


def _file(f: Mapping[str, Any], *, participant_audio: bool) -> ev.RecordingFile:
    return ev.RecordingFile(
        file_id=text(f.get("id")),
        meeting_uuid=text(f.get("meeting_id")),
        recording_start_ms=epoch_ms(f.get("recording_start")),
        recording_end_ms=epoch_ms(f.get("recording_end")),
        file_type=text(f.get("file_type")),
        file_extension=text(f.get("file_extension")),
        file_size=max(0, integer(f.get("file_size"))),
        file_name=text(f.get("file_name")),
        play_url=text(f.get("play_url")),
        download_url=text(f.get("download_url")),
        status=text(f.get("status")),
        recording_type=text(f.get("recording_type")),
        participant_audio=participant_audio,
    )


def _recording(obj: Mapping[str, Any]) -> ev.Recording:
    files = [_file(f, participant_audio=False) for f in items(obj.get("recording_files"))]
    files += [_file(f, participant_audio=True) for f in items(obj.get("participant_audio_files"))]
    return ev.Recording(
        meeting=_meeting(obj),
        host_email=text(obj.get("host_email")),
        share_url=text(obj.get("share_url")),
        total_size=max(0, integer(obj.get("total_size"))),
        recording_count=max(0, integer(obj.get("recording_count"))),
        files=tuple(files),
    )


def _meeting_started(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    return ev.MeetingStarted(delivery=_delivery(doc), meeting=_meeting(_object(doc)))


def _meeting_ended(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    obj = _object(doc)
    meeting = _meeting(obj)
    end_ms = epoch_ms(obj.get("end_time"))
    actual = (end_ms - meeting.start_time_ms) // 1000 if end_ms and meeting.start_time_ms else 0
    return ev.MeetingEnded(
        delivery=_delivery(doc),
        meeting=meeting,
        end_time_ms=end_ms,
        actual_duration_seconds=max(0, actual),
    )


def _participant_joined(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    obj = _object(doc)
    p = mapping(obj.get("participant"))
    return ev.ParticipantJoined(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        join_time_ms=epoch_ms(p.get("join_time")),
    )


def _participant_left(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    obj = _object(doc)
    p = mapping(obj.get("participant"))
    return ev.ParticipantLeft(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        leave_time_ms=epoch_ms(p.get("leave_time")),
        leave_reason=text(p.get("leave_reason")),
    )


def _role_changed(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    """`participant{user_id, user_name, email, old_role, new_role, date_time, …}`."""
    obj = _object(doc)
    p = mapping(obj.get("participant"))
    return ev.ParticipantRoleChanged(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        old_role=text(p.get("old_role")),
        new_role=text(p.get("new_role")),
        changed_at_ms=epoch_ms(p.get("date_time")),
    )


def _sharing(obj: Mapping[str, Any]) -> ev.Sharing:
    """Zoom's `sharing_details`: inside `participant` as documented, beside it in some
    payloads [seen]; whichever is there."""
    details = mapping(mapping(obj.get("participant")).get("sharing_details")) or mapping(
        obj.get("sharing_details")
    )
    return ev.Sharing(
        content=text(details.get("content")),
        at_ms=epoch_ms(details.get("date_time")),
        source=text(details.get("source")),
        link_source=text(details.get("link_source")),
    )


def _sharing_started(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    obj = _object(doc)
    return ev.SharingStarted(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        sharing=_sharing(obj),
    )


def _sharing_ended(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    obj = _object(doc)
    return ev.SharingEnded(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        sharing=_sharing(obj),
    )


def _joined_breakout_room(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    """`object` is the parent meeting plus `breakout_room_uuid`; the participant as in
    `meeting.participant_joined`, plus `parent_user_id`."""
    obj = _object(doc)
    p = mapping(obj.get("participant"))
    return ev.ParticipantJoinedBreakoutRoom(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        breakout_room_uuid=text(obj.get("breakout_room_uuid")),
        parent_user_id=text(p.get("parent_user_id")),
        join_time_ms=epoch_ms(p.get("join_time")),
    )


def _left_breakout_room(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    obj = _object(doc)
    p = mapping(obj.get("participant"))
    return ev.ParticipantLeftBreakoutRoom(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        participant=_participant(obj),
        breakout_room_uuid=text(obj.get("breakout_room_uuid")),
        parent_user_id=text(p.get("parent_user_id")),
        leave_time_ms=epoch_ms(p.get("leave_time")),
        leave_reason=text(p.get("leave_reason")),
    )


def _recording_completed(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    return ev.RecordingCompleted(
        delivery=_delivery(doc),
        recording=_recording(_object(doc)),
        download_token=text(doc.get("download_token")),
    )


def _transcript_completed(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    return ev.RecordingTranscriptCompleted(
        delivery=_delivery(doc),
        recording=_recording(_object(doc)),
        download_token=text(doc.get("download_token")),
    )


def _recording_trashed(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    return ev.RecordingTrashed(delivery=_delivery(doc), recording=_recording(_object(doc)))


def _recording_deleted(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    return ev.RecordingDeleted(delivery=_delivery(doc), recording=_recording(_object(doc)))


def _recording_recovered(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    return ev.RecordingRecovered(
        delivery=_delivery(doc),
        recording=_recording(_object(doc)),
        download_token=text(doc.get("download_token")),
    )


_IDENTITY_FIELDS = frozenset({"id", "uuid", "occurrence_id"})


def _changed_fields(obj: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for name, value in obj.items():
        if name in _IDENTITY_FIELDS:
            continue
        if name == "settings" and isinstance(value, Mapping):
            names.extend(f"settings.{inner}" for inner in value)
        else:
            names.append(str(name))
    return tuple(sorted(names))


def _meeting_fields(obj: Mapping[str, Any]) -> ev.MeetingFields:
    return ev.MeetingFields(
        topic=text(obj.get("topic")),
        start_time_ms=epoch_ms(obj.get("start_time")),
        duration_minutes=integer(obj.get("duration")),
        timezone=text(obj.get("timezone")),
        agenda=text(obj.get("agenda")),
        password=text(obj.get("password")),
        meeting_type=integer(obj.get("type")),
        auto_recording=text(mapping(obj.get("settings")).get("auto_recording")),
    )


def _meeting_updated(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    payload = mapping(doc.get("payload"))
    obj = _object(doc)
    old = mapping(payload.get("old_object"))
    return ev.MeetingUpdated(
        delivery=_delivery(doc),
        meeting_id=text(obj.get("id")) or text(old.get("id")),
        meeting_uuid=text(obj.get("uuid")) or text(old.get("uuid")),
        scope=text(payload.get("scope")),
        occurrence_id=text(obj.get("occurrence_id")) or text(old.get("occurrence_id")),
        changed_fields=_changed_fields(obj),
        new_values=_meeting_fields(obj),
        old_values=_meeting_fields(old),
        updated_at_ms=epoch_ms(payload.get("time_stamp")),
    )


def _meeting_deleted(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    payload = mapping(doc.get("payload"))
    obj = _object(doc)
    return ev.MeetingDeleted(
        delivery=_delivery(doc),
        meeting=_meeting(obj),
        operation=text(payload.get("operation")),
        occurrences=tuple(
            ev.Occurrence(
                occurrence_id=text(o.get("occurrence_id")),
                start_time_ms=epoch_ms(o.get("start_time")),
            )
            for o in items(obj.get("occurrences"))
        ),
    )


def _app_deauthorized(doc: Mapping[str, Any]) -> ev.ZoomEvent:
    """`payload{account_id, user_id, client_id, deauthorization_time, signature}` (no `object`).

    Without a `user_id` nobody's data can be deleted: raising makes it a raw event (kept,
    replayable), not a typed one every consumer would have to second-guess.
    """
    payload = mapping(doc.get("payload"))
    user_id = text(payload.get("user_id"))
    if not user_id:
        raise ValueError("app_deauthorized without payload.user_id")
    return ev.AppDeauthorized(
        delivery=_delivery(doc),
        zoom_user_id=user_id,
        client_id=text(payload.get("client_id")),
        deauthorized_at_ms=epoch_ms(payload.get("deauthorization_time")),
    )


# Zoom's event → (routing key, builder). Zoom's Meetings webhooks include no raised-hand event
# (its catalogue of meeting events has none; raised hands are visible only in the client and the
# Meeting and Apps SDKs): a class's raised hands cannot come from here. Anything Zoom adds later
# arrives as `zoom.raw.<event>` until it is typed.
_KNOWN: dict[str, tuple[str, Callable[[Mapping[str, Any]], ev.ZoomEvent]]] = {
    "meeting.started": ("zoom.meeting.started", _meeting_started),
    "meeting.ended": ("zoom.meeting.ended", _meeting_ended),
    "meeting.participant_joined": ("zoom.participant.joined", _participant_joined),
    "meeting.participant_left": ("zoom.participant.left", _participant_left),
    "meeting.participant_role_changed": ("zoom.participant.role_changed", _role_changed),
    "meeting.sharing_started": ("zoom.sharing.started", _sharing_started),
    "meeting.sharing_ended": ("zoom.sharing.ended", _sharing_ended),
    "meeting.participant_joined_breakout_room": (
        "zoom.participant.joined_breakout_room",
        _joined_breakout_room,
    ),
    "meeting.participant_left_breakout_room": (
        "zoom.participant.left_breakout_room",
        _left_breakout_room,
    ),
    "recording.completed": ("zoom.recording.completed", _recording_completed),
    "recording.transcript_completed": (
        "zoom.recording.transcript_completed",
        _transcript_completed,
    ),
    "recording.trashed": ("zoom.recording.trashed", _recording_trashed),
    "recording.deleted": ("zoom.recording.deleted", _recording_deleted),
    "recording.recovered": ("zoom.recording.recovered", _recording_recovered),
    "meeting.updated": ("zoom.meeting.updated", _meeting_updated),
    "meeting.deleted": ("zoom.meeting.deleted", _meeting_deleted),
    "app_deauthorized": ("zoom.app.deauthorized", _app_deauthorized),
}

KNOWN_EVENTS = frozenset(_KNOWN)


def _in_tenant(event: ev.ZoomEvent, tenant_id: str) -> ev.ZoomEvent:
    if not tenant_id:
        return event
    delivery = dataclasses.replace(event.delivery, tenant_id=tenant_id)
    return dataclasses.replace(event, delivery=delivery)


def as_raw(document: Mapping[str, Any], reason: str, *, tenant_id: str = "") -> Normalised:
    """The raw event for `document` (unknown type, or a typed translation that failed)."""
    delivery = dataclasses.replace(_delivery(document), tenant_id=tenant_id)
    obj = _object(document)
    without_token = {k: v for k, v in document.items() if k != "download_token"}
    try:
        payload_json = json.dumps(without_token, separators=(",", ":"), sort_keys=True)
    except (TypeError, ValueError):  # pragma: no cover - json.loads output always dumps
        payload_json = "{}"
    return Normalised(
        routing_key=raw_routing_key(delivery.zoom_event),
        event=ev.RawEvent(
            delivery=delivery,
            meeting_uuid=text(obj.get("uuid")) or text(obj.get("meeting_uuid")),
            meeting_id=text(obj.get("id")) or text(obj.get("meeting_id")),
            payload_json=payload_json,
            reason=reason,
        ),
    )


def normalise(document: Mapping[str, Any], *, tenant_id: str = "") -> Normalised:
    """The typed event for a Zoom webhook body, or a raw event when it cannot be typed.

    `tenant_id` is the tenant the verified webhook belongs to; it travels on every event's
    delivery so that consumers apply the event inside that tenant.
    """
    zoom_event = text(document.get("event"))
    known = _KNOWN.get(zoom_event)
    if known is None:
        return as_raw(document, UNKNOWN_EVENT_TYPE, tenant_id=tenant_id)
    routing_key, build = known
    try:
        return Normalised(routing_key=routing_key, event=_in_tenant(build(document), tenant_id))
    except Exception as error:  # liberal: a broken payload still reaches consumers, raw
        return as_raw(document, f"malformed: {type(error).__name__}", tenant_id=tenant_id)


__all__ = [
    "KNOWN_EVENTS",
    "UNKNOWN_EVENT_TYPE",
    "Normalised",
    "as_raw",
    "normalise",
    "raw_routing_key",
]
