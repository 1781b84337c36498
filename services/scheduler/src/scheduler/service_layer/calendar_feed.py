"""Calendar feeds: the classes a person subscribes to in their calendar app (``GetCalendarFeed``).

A feed is a batch's (for its and its course's teachers and the tenant's admins) or a person's
own: the sessions of the batches they teach or attend and the sessions they teach. It holds
the sessions starting from :data:`FEED_WINDOW` ago on, cancelled ones included (a calendar
removes an event only when the feed says it was cancelled), at most :data:`MAX_EVENTS`.

Each event carries the caller's join link as ``GetJoinUrl`` gives it (a student's own
registrant link once registered for that meeting, else the meeting's link; nothing once
cancelled) and never the host's start URL.

**SEQUENCE.** iCalendar clients replace an event when its ``SEQUENCE`` grows. The scheduler
stores no count of changes (and a feed must not need one), but every change of a session (a
move above all: ``UpdateSession``, a change made in Zoom, a cancellation) moves its
``update_time`` forward, and nothing moves it back. So the sequence is the tenths of a second
from the session's creation to its last change (:func:`sequence_of`): 0 for a session never
changed, larger after every later change. Two changes less than a tenth of a second apart
share a number (``DTSTAMP``, the change's time, still tells them apart); the number stays
below 2**31, as 32-bit calendar clients need, for six years after the session was created
(and is held there after that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from classbridge_common.auth import Caller
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.model import Session, SessionStatus
from scheduler.service_layer import access
from scheduler.service_layer.catalog import load_batch
from scheduler.service_layer.clock import Clock, utcnow
from scheduler.service_layer.membership import memberships_of
from scheduler.service_layer.registration import join_link

FEED_WINDOW = timedelta(days=30)
"""How far back a feed reaches: sessions starting this long before now or later."""
MAX_EVENTS = 1000
"""The most sessions one feed holds (the earliest of the window first)."""
SEQUENCE_STEP = timedelta(milliseconds=100)
MAX_SEQUENCE = 2**31 - 1


@dataclass(frozen=True)
class CalendarEvent:
    """One session as a calendar shows it, with the caller's own join link."""

    session: Session
    course_title: str
    join_url: str
    registered: bool
    sequence: int


@dataclass(frozen=True)
class CalendarFeed:
    name: str
    events: tuple[CalendarEvent, ...] = ()


def sequence_of(session: Session) -> int:
    """The session's iCalendar SEQUENCE: tenths of a second from its creation to its last
    change (see the module's docstring)."""
    if session.create_time is None or session.update_time is None:
        return 0
    tenths = (session.update_time - session.create_time) // SEQUENCE_STEP
    return max(0, min(MAX_SEQUENCE, tenths))


async def _sessions(
    uow: SchedulerUnitOfWork, *, batch_ids: list[str], teacher_id: str, since: datetime
) -> list[Session]:
    found: dict[str, Session] = {}
    wanted: list[tuple[list[str] | None, str]] = []
    if batch_ids:
        wanted.append((batch_ids, ""))
    if teacher_id:
        wanted.append((None, teacher_id))
    for batches, teacher in wanted:
        page, _ = await uow.sessions.list(
            course_id="",
            batch_ids=batches,
            teacher_id=teacher,
            statuses=(),
            start_after=since,
            start_before=None,
            descending=False,
            offset=0,
            limit=MAX_EVENTS,
        )
        for session in page:
            found.setdefault(session.id, session)
    ordered = sorted(found.values(), key=lambda s: (s.scheduled_start, s.id))
    return ordered[:MAX_EVENTS]


async def _join_link(
    uow: SchedulerUnitOfWork, caller: Caller, session: Session, *, attends: bool
) -> tuple[str, bool]:
    """What ``GetJoinUrl`` would answer the caller, or ("", False) where it would refuse."""
    meeting = session.meeting
    if session.status is SessionStatus.CANCELLED or meeting is None or not meeting.join_url:
        return "", False
    if attends:
        return await join_link(uow, session, caller.subject)
    return meeting.join_url, False


async def get_calendar_feed(
    *,
    batch_id: str,
    validate_only: bool = False,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> CalendarFeed:
    """``GetCalendarFeed``: a batch's feed (who manages the batch), or the caller's own."""
    async with uow:
        if batch_id:
            batch = await load_batch(uow, batch_id)
            course = await uow.courses.get(batch.course_id)
            access.require(
                access.can_manage_batch(caller, batch, course), "read this batch's calendar"
            )
            name = f"{course.title} - {batch.name}" if course is not None else batch.name
            batch_ids, teacher_id, attended = [batch.id], "", frozenset[str]()
        else:
            own = await memberships_of(uow, caller.subject)
            name = ""
            batch_ids = sorted(own.teaches_batches | own.attends_batches)
            teacher_id, attended = caller.subject, own.attends_batches
        if validate_only:
            return CalendarFeed(name=name)
        found = await _sessions(
            uow, batch_ids=batch_ids, teacher_id=teacher_id, since=now() - FEED_WINDOW
        )
        titles: dict[str, str] = {}
        events: list[CalendarEvent] = []
        for session in found:
            if session.course_id not in titles:
                of = await uow.courses.get(session.course_id)
                titles[session.course_id] = of.title if of is not None else ""
            url, registered = await _join_link(
                uow, caller, session, attends=session.batch_id in attended
            )
            events.append(
                CalendarEvent(
                    session=session,
                    course_title=titles[session.course_id],
                    join_url=url,
                    registered=registered,
                    sequence=sequence_of(session),
                )
            )
        return CalendarFeed(name=name, events=tuple(events))


__all__ = [
    "FEED_WINDOW",
    "MAX_EVENTS",
    "CalendarEvent",
    "CalendarFeed",
    "get_calendar_feed",
    "sequence_of",
]
