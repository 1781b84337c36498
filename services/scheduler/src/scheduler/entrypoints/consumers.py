"""Event consumers: Zoom's meeting lifecycle, what happens inside a running class (role
changes, screen sharing, breakout rooms), changes and deletions made in Zoom, and
recording-sync's reports, applied once each.

One durable queue (the scheduler's consumer name) bound to every routing key the scheduler
follows. Each message is decoded, turned into a command, and applied inside a unit of work that
first records its ``message_id`` in the inbox: a redelivery finds it there and does nothing,
and a failure rolls both back so the bus retries (then dead-letters) the message.

Each event is applied inside the tenant it names (the owner of the Zoom account, or of the
recording): a webhook a school signed for its own account can never touch another school's
session, even if it names that session's meeting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.bus import EventBus
from classbridge_common.messages import Envelope
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import commands
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.jobs import RetryPolicy
from scheduler.domain.model import UNKNOWN_OCCURRENCE, LessonSource, MeetingChange
from scheduler.service_layer import lifecycle, live_events
from scheduler.service_layer.reconcile import DEFAULT_POLICY

log = logging.getLogger(__name__)

SOURCES = {
    1: LessonSource.ZOOM_AUTO_SYNC,
    2: LessonSource.MANUAL_UPLOAD,
    3: LessonSource.EXTERNAL_LINK,
    4: LessonSource.LOCAL_FOLDER,
}


def _when(stamp: Timestamp, present: bool) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if present else None


def _event_time(context: zoom.ZoomEventContext, envelope: Envelope) -> datetime:
    """Zoom's own time of the fact; the publication time only if Zoom gave none."""
    return _when(context.event_time, context.HasField("event_time")) or envelope.timestamp


async def _started(
    msg: zoom.ZoomMeetingStarted, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    m = msg.meeting
    await lifecycle.meeting_started(
        commands.RecordMeetingStarted(
            meeting_id=m.meeting_id,
            meeting_uuid=m.meeting_uuid,
            event_time=_event_time(msg.context, envelope),
            start_time=_when(m.start_time, m.HasField("start_time")),
        ),
        uow=uow,
    )


async def _ended(
    msg: zoom.ZoomMeetingEnded,
    envelope: Envelope,
    uow: SchedulerUnitOfWork,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> None:
    m = msg.meeting
    await lifecycle.meeting_ended(
        commands.RecordMeetingEnded(
            meeting_id=m.meeting_id,
            meeting_uuid=m.meeting_uuid,
            event_time=_event_time(msg.context, envelope),
            start_time=_when(m.start_time, m.HasField("start_time")),
            end_time=_when(msg.end_time, msg.HasField("end_time")),
        ),
        uow=uow,
        policy=policy,
    )


#: Zoom's names of the meeting fields a session follows (``changed_fields`` of meeting.updated).
FOLLOWED_FIELDS = frozenset({"topic", "start_time", "duration", "timezone"})


def _meeting_change(msg: zoom.ZoomMeetingUpdated, envelope: Envelope) -> MeetingChange:
    """The followed fields Zoom named as changed, with their new values; the rest stay None.

    Ordered by Zoom's time of the change (``update_time``), else by the event time.
    """
    changed = set(msg.changed_fields) & FOLLOWED_FIELDS
    new = msg.new_values
    single = msg.scope == zoom.MEETING_CHANGE_SCOPE_SINGLE
    return MeetingChange(
        event_time=_when(msg.update_time, msg.HasField("update_time"))
        or _event_time(msg.context, envelope),
        topic=new.topic if "topic" in changed else None,
        start_time=_when(new.start_time, "start_time" in changed and new.HasField("start_time")),
        duration_minutes=new.duration_minutes
        if "duration" in changed and new.duration_minutes > 0
        else None,
        timezone=new.timezone if "timezone" in changed and new.timezone else None,
        occurrence_id=(msg.occurrence_id or UNKNOWN_OCCURRENCE) if single else "",
    )


async def _updated(
    msg: zoom.ZoomMeetingUpdated, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    await lifecycle.meeting_updated(
        commands.RecordMeetingUpdated(
            meeting_id=msg.meeting_id, change=_meeting_change(msg, envelope)
        ),
        uow=uow,
    )


async def _deleted(
    msg: zoom.ZoomMeetingDeleted, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    occurrences: tuple[str, ...] = ()
    if msg.scope == zoom.MEETING_CHANGE_SCOPE_SINGLE:
        occurrences = tuple(o.occurrence_id for o in msg.occurrences) or (UNKNOWN_OCCURRENCE,)
    await lifecycle.meeting_deleted(
        commands.RecordMeetingDeleted(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            occurrence_ids=occurrences,
        ),
        uow=uow,
    )


async def _joined(
    msg: zoom.ZoomParticipantJoined, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    p = msg.participant
    await lifecycle.participant_joined(
        commands.RecordParticipantJoined(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            participant_uuid=p.participant_uuid,
            zoom_user_id=p.zoom_user_id,
            name=p.name,
            email=p.email,
            customer_key=p.customer_key,
            registrant_id=p.registrant_id,
            join_time=_when(p.join_time, p.HasField("join_time")),
            meeting_user_id=p.meeting_user_id,
        ),
        uow=uow,
    )


async def _left(
    msg: zoom.ZoomParticipantLeft, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    p = msg.participant
    await lifecycle.participant_left(
        commands.RecordParticipantLeft(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            participant_uuid=p.participant_uuid,
            zoom_user_id=p.zoom_user_id,
            name=p.name,
            email=p.email,
            customer_key=p.customer_key,
            registrant_id=p.registrant_id,
            leave_time=_when(p.leave_time, p.HasField("leave_time")),
            leave_reason=p.leave_reason,
        ),
        uow=uow,
    )


def _who(p: zoom.ZoomParticipant) -> ZoomIdentity:
    """What a live-class event says about the person (``name`` only shown, never matched)."""
    return ZoomIdentity(
        participant_uuid=p.participant_uuid,
        zoom_user_id=p.zoom_user_id,
        registrant_id=p.registrant_id,
        customer_key=p.customer_key,
        email=p.email,
        name=p.name,
    )


async def _role_changed(
    msg: zoom.ZoomParticipantRoleChanged, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    await live_events.role_changed(
        commands.RecordRoleChanged(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            who=_who(msg.participant),
            old_role=msg.old_role,
            new_role=msg.new_role,
            change_time=_when(msg.change_time, msg.HasField("change_time")),
            meeting_user_id=msg.participant.meeting_user_id,
        ),
        uow=uow,
    )


async def _sharing(
    msg: zoom.ZoomSharingStarted | zoom.ZoomSharingEnded,
    envelope: Envelope,
    uow: SchedulerUnitOfWork,
    *,
    started: bool,
) -> None:
    await live_events.sharing(
        commands.RecordSharing(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            who=_who(msg.participant),
            started=started,
            content=msg.sharing.content,
            share_time=_when(msg.sharing.time, msg.sharing.HasField("time")),
            meeting_user_id=msg.participant.meeting_user_id,
        ),
        uow=uow,
    )


async def _joined_room(
    msg: zoom.ZoomParticipantJoinedBreakoutRoom, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    p = msg.participant
    await live_events.breakout_room_joined(
        commands.RecordBreakoutRoomJoined(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            who=_who(p),
            breakout_room_uuid=msg.breakout_room_uuid,
            join_time=_when(p.join_time, p.HasField("join_time")),
            meeting_user_id=p.meeting_user_id,
            parent_meeting_user_id=msg.parent_meeting_user_id,
        ),
        uow=uow,
    )


async def _left_room(
    msg: zoom.ZoomParticipantLeftBreakoutRoom, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    p = msg.participant
    await live_events.breakout_room_left(
        commands.RecordBreakoutRoomLeft(
            meeting_id=msg.meeting.meeting_id,
            event_time=_event_time(msg.context, envelope),
            who=_who(p),
            breakout_room_uuid=msg.breakout_room_uuid,
            leave_time=_when(p.leave_time, p.HasField("leave_time")),
            leave_reason=p.leave_reason,
            parent_meeting_user_id=msg.parent_meeting_user_id,
        ),
        uow=uow,
    )


async def _synced(msg: rec.RecordingSynced, envelope: Envelope, uow: SchedulerUnitOfWork) -> None:
    await lifecycle.recording_synced(
        commands.RecordRecordingSynced(
            recording_id=msg.recording_id,
            session_id=msg.session_id,
            meeting_id=msg.meeting_id,
            meeting_uuid=msg.meeting_uuid,
            source=SOURCES.get(msg.source, LessonSource.ZOOM_AUTO_SYNC),
            occurred_at=_when(msg.occurred_at, msg.HasField("occurred_at")) or envelope.timestamp,
            attempts=msg.attempts,
            files=tuple(
                commands.SyncedLessonFile(
                    file_id=f.file_id,
                    zoom_file_id=f.zoom_file_id,
                    file_type=int(f.file_type),
                    recording_type=f.recording_type,
                    size_bytes=f.size_bytes,
                    recording_start=_when(f.recording_start, f.HasField("recording_start")),
                    recording_end=_when(f.recording_end, f.HasField("recording_end")),
                    title=f.lesson_title,
                    lesson_kind=f.lesson_kind,
                    part=f.part,
                )
                for f in msg.files
            ),
        ),
        uow=uow,
    )


async def _sync_failed(
    msg: rec.RecordingSyncFailed, envelope: Envelope, uow: SchedulerUnitOfWork
) -> None:
    await lifecycle.recording_sync_failed(
        commands.RecordRecordingSyncFailed(
            session_id=msg.session_id,
            meeting_id=msg.meeting_id,
            occurred_at=_when(msg.occurred_at, msg.HasField("occurred_at")) or envelope.timestamp,
            attempts=msg.attempts,
            error_message=msg.error_message,
            error_type=int(msg.error_type),
            next_attempt_time=_when(
                msg.next_attempt_time, msg.will_retry and msg.HasField("next_attempt_time")
            ),
        ),
        uow=uow,
    )


async def _removed(msg: rec.RecordingRemoved, envelope: Envelope, uow: SchedulerUnitOfWork) -> None:
    await lifecycle.recording_removed(
        commands.RecordRecordingRemoved(
            recording_id=msg.recording_id,
            session_id=msg.session_id,
            file_ids=tuple(msg.file_ids),
            occurred_at=_when(msg.occurred_at, msg.HasField("occurred_at")) or envelope.timestamp,
        ),
        uow=uow,
    )


@dataclass(frozen=True, slots=True)
class Route:
    """How one routing key is applied: the message it carries and the handler taking it."""

    message: type[Message]
    apply: Callable[[Any, Envelope, SchedulerUnitOfWork], Awaitable[None]]


ROUTES: dict[str, Route] = {
    "zoom.meeting.started": Route(zoom.ZoomMeetingStarted, _started),
    "zoom.meeting.ended": Route(zoom.ZoomMeetingEnded, _ended),
    "zoom.meeting.updated": Route(zoom.ZoomMeetingUpdated, _updated),
    "zoom.meeting.deleted": Route(zoom.ZoomMeetingDeleted, _deleted),
    "zoom.participant.joined": Route(zoom.ZoomParticipantJoined, _joined),
    "zoom.participant.left": Route(zoom.ZoomParticipantLeft, _left),
    "zoom.participant.role_changed": Route(zoom.ZoomParticipantRoleChanged, _role_changed),
    "zoom.sharing.started": Route(zoom.ZoomSharingStarted, partial(_sharing, started=True)),
    "zoom.sharing.ended": Route(zoom.ZoomSharingEnded, partial(_sharing, started=False)),
    "zoom.participant.joined_breakout_room": Route(
        zoom.ZoomParticipantJoinedBreakoutRoom, _joined_room
    ),
    "zoom.participant.left_breakout_room": Route(zoom.ZoomParticipantLeftBreakoutRoom, _left_room),
    "recording.synced": Route(rec.RecordingSynced, _synced),
    "recording.sync_failed": Route(rec.RecordingSyncFailed, _sync_failed),
    "recording.removed": Route(rec.RecordingRemoved, _removed),
}


def tenant_of(message: Message) -> str:
    """The tenant an event belongs to: Zoom events name it in their context, recording-sync's
    on the message; events from before tenancy belong to the default tenant."""
    carrier = getattr(message, "context", message)
    return str(getattr(carrier, "tenant_id", "")) or DEFAULT_TENANT


class Consumer:
    """Applies each delivered envelope once (inbox), in its own unit of work, in its tenant.

    ``reconcile`` is when the read of Zoom's participants report, armed by a meeting's end, is
    tried (``scheduler.service_layer.reconcile``).
    """

    def __init__(
        self,
        *,
        name: str,
        uow: Callable[..., SchedulerUnitOfWork],
        reconcile: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.name = name
        self._uow = uow
        self._routes = {
            **ROUTES,
            "zoom.meeting.ended": Route(zoom.ZoomMeetingEnded, partial(_ended, policy=reconcile)),
        }
        self.applied = 0
        self.skipped = 0

    async def __call__(self, envelope: Envelope) -> None:
        route = self._routes.get(envelope.type)
        if route is None:
            log.warning("no handler for %s; acknowledged", envelope.type)
            return
        message = envelope.parse(route.message)
        async with self._uow(tenant=tenant_of(message)) as uow:
            if not await uow.first_delivery(self.name, envelope.message_id):
                log.info("already applied %s %s", envelope.type, envelope.message_id)
                self.skipped += 1
                return
            await route.apply(message, envelope, uow)
            await uow.commit()
        self.applied += 1


async def subscribe(bus: EventBus, consumer: Consumer, *, prefetch: int) -> None:
    """Bind the scheduler's queue to every routing key it follows and start consuming."""
    await bus.subscribe(consumer.name, list(ROUTES), consumer, prefetch=prefetch)


__all__: list[Any] = ["ROUTES", "Consumer", "Route", "subscribe", "tenant_of"]
