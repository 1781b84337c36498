"""Keeps the meeting -> session/batch/folder projection in step with the scheduler's events.

One row per (meeting, session): the occurrences of a recurring meeting share its Zoom meeting id
and are sessions of their own, each linked by its own ``SessionMeetingLinked``. Every event acts
on the row of the session it names; an older producer's unlink, update or cancellation that
names only the meeting acts on all of the meeting's rows, as it did when a meeting had one.

Each handler runs inside the inbox transaction (``classbridge_common.inbox``), so a redelivered
message is skipped and an applied one is recorded together with its effect. Events can also
arrive out of order (a retry goes to the back of the queue), so each row remembers the
``occurred_at`` of the newest event applied and ignores older ones — except cancellation, which
is final whatever arrives after it.

Each event is applied inside its own tenant (``tenant_id``; empty from an older producer means
the default tenant): every statement goes through that tenant's scope, so an event of one school
never changes another school's meeting, whatever ids it names.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import session_events_pb2
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.messages import Envelope
from classbridge_common.tenancy import TenantScope
from recording_sync.adapters.repository import Scoped
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.domain.folders import storage_folder

log = logging.getLogger(__name__)

LINKED, UNLINKED, CANCELLED = "linked", "unlinked", "cancelled"

SessionHandler = Callable[[Envelope, AsyncSession], Awaitable[None]]


def _when(stamp: Timestamp, fallback: datetime) -> datetime:
    """An event's ``occurred_at``, or the envelope's time when the producer left it unset."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        return fallback
    return stamp.ToDatetime(tzinfo=UTC)


def _in_tenant(session: AsyncSession, tenant_id: str) -> Scoped:
    """The session narrowed to the event's tenant."""
    return Scoped(session, TenantScope(tenant_id or DEFAULT_TENANT))


def _label(descriptor: EnumDescriptor, number: int, prefix: str) -> str:
    value = descriptor.values_by_number.get(number)
    return value.name.removeprefix(prefix).lower() if value is not None else ""


async def apply_meeting_linked(envelope: Envelope, session: AsyncSession) -> None:
    """Insert or refresh the projection row of the linked meeting, with its folder."""
    event = envelope.parse(session_events_pb2.SessionMeetingLinked)
    occurred = _when(event.occurred_at, envelope.timestamp)
    folder = storage_folder(
        batch_type=event.batch_type, batch_id=event.batch_id, student_id=event.student_id
    )
    if event.storage_folder_hint and event.storage_folder_hint != folder:
        log.warning(
            "storage folder hint differs from the folder rule; using the rule",
            extra={"meeting_id": event.meeting_id, "session_id": event.session_id},
        )
    values = {
        "meeting_uuid": event.meeting_uuid,
        "session_id": event.session_id,
        "session_title": event.session_title,
        "batch_id": event.batch_id,
        "batch_type": _label(common_pb2.BatchType.DESCRIPTOR, event.batch_type, "BATCH_TYPE_"),
        "student_id": event.student_id,
        "course_id": event.course_id,
        "course_title": event.course_title,
        "teacher_id": event.teacher_id,
        "host_zoom_user_id": event.host_zoom_user_id,
        "start_time": event.start_time.ToDatetime(tzinfo=UTC)
        if event.HasField("start_time")
        else None,
        "duration_minutes": event.duration_minutes,
        "timezone": event.timezone,
        "auto_recording": _label(
            common_pb2.AutoRecording.DESCRIPTOR, event.auto_recording, "AUTO_RECORDING_"
        ),
        "folder": folder,
        "last_event_at": occurred,
        "updated_at": datetime.now(UTC),
    }
    rows = _in_tenant(session, event.tenant_id)
    # Every tenant's rows of the meeting: a meeting id is one school's, whichever session.
    links = (
        await session.execute(
            select(mp.c.session_id, mp.c.status, mp.c.last_event_at, mp.c.tenant_id).where(
                mp.c.meeting_id == event.meeting_id
            )
        )
    ).all()
    if any(link.tenant_id != rows.scope.tenant for link in links):
        log.warning(
            "a meeting link names a meeting of another tenant; ignored",
            extra={"meeting_id": event.meeting_id, "session_id": event.session_id},
        )
        return
    existing = next((link for link in links if link.session_id == event.session_id), None)
    if existing is None:
        await rows.execute(
            mp.insert().values(
                meeting_id=event.meeting_id, status=LINKED, linked_at=occurred, **values
            )
        )
        return
    if existing.status == CANCELLED or existing.last_event_at > occurred:
        return  # cancelled for good, or this link is older than what we already know
    await rows.execute(
        update(mp)
        .where(mp.c.meeting_id == event.meeting_id, mp.c.session_id == event.session_id)
        .values(status=LINKED, linked_at=occurred, **values)
    )


def _which(session_id: str, meeting_id: int, *, any_meeting: bool) -> list[ColumnElement[bool]]:
    """The rows an event acts on: its session's (only of its meeting unless ``any_meeting``); an
    older producer's event naming only the meeting acts on all of the meeting's."""
    if not session_id:
        return [mp.c.meeting_id == meeting_id]
    if any_meeting or not meeting_id:
        return [mp.c.session_id == session_id]
    return [mp.c.session_id == session_id, mp.c.meeting_id == meeting_id]


async def apply_meeting_unlinked(envelope: Envelope, session: AsyncSession) -> None:
    """The session no longer uses the meeting: stop treating it as linked (keep the row). The
    meeting's other sessions (occurrences) stay linked."""
    event = envelope.parse(session_events_pb2.SessionMeetingUnlinked)
    occurred = _when(event.occurred_at, envelope.timestamp)
    if not event.meeting_id:
        return  # names no meeting: nothing of ours changes
    await _in_tenant(session, event.tenant_id).execute(
        update(mp)
        .where(
            *_which(event.session_id, event.meeting_id, any_meeting=False),
            mp.c.status == LINKED,
            mp.c.last_event_at <= occurred,
        )
        .values(status=UNLINKED, last_event_at=occurred, updated_at=datetime.now(UTC))
    )


async def apply_session_cancelled(envelope: Envelope, session: AsyncSession) -> None:
    """Mark the session's link(s) cancelled; final, whatever the event order. A cancelled
    occurrence leaves the meeting's other occurrences linked. The session's rows are found by
    session alone (a session may have had several meetings, each replaced by the next)."""
    event = envelope.parse(session_events_pb2.SessionCancelled)
    occurred = _when(event.occurred_at, envelope.timestamp)
    if not event.session_id and not event.meeting_id:
        return
    await _in_tenant(session, event.tenant_id).execute(
        update(mp)
        .where(
            *_which(event.session_id, event.meeting_id, any_meeting=True), mp.c.status != CANCELLED
        )
        .values(
            status=CANCELLED,
            cancelled_at=occurred,
            last_event_at=occurred,
            updated_at=datetime.now(UTC),
        )
    )


async def apply_session_updated(envelope: Envelope, session: AsyncSession) -> None:
    """Refresh title and timing (the sweep's schedule, the occurrence a recording is matched
    to) from a newer session update."""
    event = envelope.parse(session_events_pb2.SessionUpdated)
    occurred = _when(event.occurred_at, envelope.timestamp)
    values: dict[str, object] = {"last_event_at": occurred, "updated_at": datetime.now(UTC)}
    if event.title:
        values["session_title"] = event.title
    if event.HasField("scheduled_start"):
        values["start_time"] = event.scheduled_start.ToDatetime(tzinfo=UTC)
    if event.duration_minutes:
        values["duration_minutes"] = event.duration_minutes
    if event.timezone:
        values["timezone"] = event.timezone
    if not event.session_id and not event.meeting_id:
        return
    await _in_tenant(session, event.tenant_id).execute(
        update(mp)
        .where(
            *_which(event.session_id, event.meeting_id, any_meeting=True),
            mp.c.status != CANCELLED,
            mp.c.last_event_at <= occurred,
        )
        .values(**values)
    )


HANDLERS: dict[str, SessionHandler] = {
    "session.meeting_linked": apply_meeting_linked,
    "session.meeting_unlinked": apply_meeting_unlinked,
    "session.cancelled": apply_session_cancelled,
    "session.updated": apply_session_updated,
}


async def apply(envelope: Envelope, session: AsyncSession) -> None:
    """Dispatch one ``session.*`` event to its handler (unknown types are acknowledged)."""
    handler = HANDLERS.get(envelope.type)
    if handler is None:
        log.info("ignoring an event type this projection does not use: %s", envelope.type)
        return
    await handler(envelope, session)
