"""Session series: schedule the classes of one recurrence rule, read, change and cancel them.

``CreateSeries`` stores every occurrence as a session at once (one transaction, idempotent by
request id). When Zoom's recurrence can say the rule (:func:`recurrence.zoom_form`), one
recurring meeting is made for the series and each session is linked to its occurrence: a
meeting create spent for the whole term, one join link for the students, and each occurrence
still its own session — moved (``UpdateSession`` changes only that occurrence at Zoom),
cancelled (``CancelSession`` deletes only that occurrence), attended and recorded alone. The
rule's exceptions are deleted from the recurring meeting once Zoom made it. When Zoom cannot
say the rule, every session gets a meeting of its own, queued within the hosts' daily limit
as a bulk request's are.

Zoom is never called inside a transaction: the sessions are committed first, the meeting made,
then the links stored. A failed create leaves the sessions scheduled without a meeting and
says so; the same request again (same request id) tries the meeting again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from classbridge_common.auth import Caller
from classbridge_common.errors import ClassbridgeError, FailedPrecondition, NotFound
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import commands, recurrence
from scheduler.domain.errors import invalid
from scheduler.domain.model import (
    Batch,
    Course,
    Session,
    SessionStatus,
    host_participant,
)
from scheduler.domain.series import SeriesMeetings, SeriesStatus, SessionSeries
from scheduler.domain.timing import LocalTiming, resolve, zone
from scheduler.service_layer import access, registration
from scheduler.service_layer.bulk import DEFAULT_BUDGET, queue_meetings
from scheduler.service_layer.catalog import load_batch
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.meeting_plan import meeting_spec, people_of
from scheduler.service_layer.ports import MeetingInfo, MeetingSpec, ZoomMeetings
from scheduler.service_layer.request_ids import replays_a_twin, require_replay
from scheduler.service_layer.sessions import (
    Warning,
    can_read_session,
    cancel_session,
    meeting_linked,
    meeting_of,
    new_session,
    require_manager,
    session_cancelled,
    unlinked,
    update_session,
    zoom_warning,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeriesView:
    """A series and its sessions, in start order."""

    series: SessionSeries
    sessions: tuple[Session, ...]


@dataclass(frozen=True)
class SeriesResult:
    view: SeriesView
    warnings: tuple[Warning, ...] = ()


def _exception_text(value: date | datetime) -> str:
    return value.isoformat()


@replays_a_twin
async def create_series(
    cmd: commands.CreateSeries,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    default_timezone: str,
    budget: int = DEFAULT_BUDGET,
    now: Clock = utcnow,
) -> SeriesResult:
    template = cmd.session
    access.require_manager_role(caller)
    if not template.batch_id:
        raise invalid("series.session.batch_id", "required")
    if not template.title.strip():
        raise invalid("series.session.title", "required")
    if template.timing is None:
        raise invalid("series.session.timing", "give local_time or time_range")
    if not cmd.rule.strip():
        raise invalid("series.recurrence", "required: an RFC 5545 RRULE such as FREQ=WEEKLY;...")
    if template.timezone:
        zone(template.timezone)
    if cmd.request_id:
        replayed = await _replay(cmd, uow=uow, caller=caller, zoom=zoom, now=now)
        if replayed is not None:
            return replayed
    async with uow:
        batch = await load_batch(uow, template.batch_id)  # first: fixes a spanning tenant
        course = await uow.courses.get(batch.course_id)
        access.require(
            access.can_manage_batch(caller, batch, course), "schedule sessions for this batch"
        )
        timezone = (
            template.timezone
            or batch.timezone
            or (course.default_timezone if course else "")
            or default_timezone
        )
        start, end = resolve(template.timing, timezone)
        length = end - start
        first_local = start.astimezone(zone(timezone)).replace(tzinfo=None)
        plan = recurrence.expand(
            cmd.rule, first_start=first_local, timezone=timezone, exceptions=cmd.exceptions
        )
        at = now()
        recurring = template.create_zoom_meeting and plan.zoom is not None
        series = SessionSeries(
            id=new_id(),
            batch_id=batch.id,
            course_id=batch.course_id,
            title=template.title.strip(),
            rule=cmd.rule.strip(),
            first_start=start,
            timezone=timezone,
            duration_minutes=int(length.total_seconds() // 60),
            meetings=SeriesMeetings.RECURRING if recurring else SeriesMeetings.SEPARATE,
            exceptions=[_exception_text(e) for e in cmd.exceptions],
            created_by=caller.subject,
            request_id=cmd.request_id or None,
            create_time=at,
            update_time=at,
        )
        sessions: list[Session] = []
        for occurrence in plan.starts:
            session = new_session(
                template,
                batch,
                start=occurrence,
                end=occurrence + length,
                timezone=timezone,
                caller=caller,
                at=at,
            )
            session.series_id = series.id
            await uow.sessions.add(session)
            await uow.participants.add(host_participant(session, new_id()), at=at)
            series.session_ids.append(session.id)
            sessions.append(session)
        await uow.series.add(series)
        if template.create_zoom_meeting and not recurring:
            await queue_meetings(uow, sessions, at=at, budget=budget)
        await uow.commit()
    log.info(
        "series %s: %d sessions stored (%s meetings)",
        series.id,
        len(sessions),
        series.meetings.value,
    )
    if not recurring:
        return SeriesResult(view=SeriesView(series, tuple(sessions)))
    assert plan.zoom is not None
    return await _make_meeting(series, uow=uow, zoom=zoom, now=now)


async def _replay(
    cmd: commands.CreateSeries,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock,
) -> SeriesResult | None:
    """The series ``cmd.request_id`` already made (None: none yet); a recurring meeting Zoom
    failed to make the first time is tried again."""
    async with uow:
        batch = await load_batch(uow, cmd.session.batch_id)
        course = await uow.courses.get(batch.course_id)
        access.require(
            access.can_manage_batch(caller, batch, course), "schedule sessions for this batch"
        )
        existing = await uow.series.by_request_id(cmd.request_id)
        if existing is None:
            return None
        require_replay(
            existing.batch_id == batch.id, resource_type="series", request_id=cmd.request_id
        )
        stored = await uow.sessions.of_series(existing.id)
    retry = existing.meetings is SeriesMeetings.RECURRING and not existing.meeting_id
    if retry and existing.status is SeriesStatus.ACTIVE:
        return await _make_meeting(existing, uow=uow, zoom=zoom, now=now)
    return SeriesResult(view=SeriesView(existing, tuple(stored)))


async def _make_meeting(
    series: SessionSeries,
    *,
    uow: SchedulerUnitOfWork,
    zoom: ZoomMeetings,
    now: Clock,
) -> SeriesResult:
    """Make the series' recurring meeting at Zoom, link each session to its occurrence, and
    delete the occurrences the rule's exceptions skip."""
    async with uow:
        sessions = await uow.sessions.of_series(series.id)
        batch, course = await _context(uow, series)
        first = sessions[0] if sessions else None
        people = await people_of(uow, first, batch, course) if first is not None else None
    if first is None or people is None:
        return SeriesResult(view=SeriesView(series, ()))
    # The whole rule, exceptions included: Zoom's recurrence has none (they are deleted after).
    plan = recurrence.expand(series.rule, first_start=series.local_start, timezone=series.timezone)
    assert plan.zoom is not None  # a RECURRING series' rule fits Zoom's recurrence
    begin = plan.all_starts[0]
    first_of_rule = replace(
        first,
        scheduled_start=begin,
        scheduled_end=begin + (first.scheduled_end - first.scheduled_start),
    )
    spec = replace(
        meeting_spec(first_of_rule, batch, course, {}, people=people), recurrence=plan.zoom
    )
    try:
        info = await zoom.create_meeting(request_id=series.meeting_request_id(), spec=spec)
    except ClassbridgeError as error:
        failed = zoom_warning(
            error,
            failed="ZOOM_MEETING_CREATE_FAILED",
            what="the series was scheduled without its Zoom meeting; send the same request "
            "again to retry",
        )
        return SeriesResult(view=SeriesView(series, tuple(sessions)), warnings=(failed,))
    warnings: list[Warning] = []
    at = now()
    linked = await _link(series.id, info, spec, batch, course, uow=uow, at=at)
    missing = [s for s in sessions if s.id not in linked.values()]
    if missing:
        warnings.append(
            Warning(
                code="ZOOM_MEETING_CREATE_FAILED",
                message=f"Zoom's recurring meeting has no occurrence at the time of "
                f"{len(missing)} session(s) of the series; they have no meeting",
            )
        )
    for occurrence_id in sorted(set(dict(info.occurrences)) - set(linked)):
        # An exception of the rule (or a session cancelled meanwhile): not a class.
        try:
            await zoom.delete_meeting(
                meeting_id=info.meeting_id,
                tenant_id=spec.tenant_id,
                notify_hosts=False,
                occurrence_id=occurrence_id,
            )
        except ClassbridgeError as error:
            warnings.append(
                zoom_warning(
                    error,
                    failed="ZOOM_MEETING_DELETE_FAILED",
                    what=f"occurrence {occurrence_id} skipped by the series is still in Zoom",
                )
            )
    async with uow:
        current = await uow.series.get(series.id)
        assert current is not None
        return SeriesResult(
            view=SeriesView(current, tuple(await uow.sessions.of_series(series.id))),
            warnings=tuple(warnings),
        )


async def _context(
    uow: SchedulerUnitOfWork, series: SessionSeries
) -> tuple[Batch | None, Course | None]:
    batch = await uow.batches.get(series.batch_id)
    course = await uow.courses.get(series.course_id)
    return batch, course


async def _link(
    series_id: str,
    info: MeetingInfo,
    spec: MeetingSpec,
    batch: Batch | None,
    course: Course | None,
    *,
    uow: SchedulerUnitOfWork,
    at: datetime,
) -> dict[str, str]:
    """Link each session of the series still wanting a meeting to its occurrence of ``info``
    (by start); occurrence id → session id of those linked (now or before)."""
    by_start = {start: occurrence_id for occurrence_id, start in info.occurrences}
    linked: dict[str, str] = {}
    async with uow:
        series = await uow.series.get_for_update(series_id)
        assert series is not None
        series.meeting_id = info.meeting_id
        series.update_time = at
        for session in await uow.sessions.of_series(series_id):
            occurrence_id = by_start.get(session.scheduled_start)
            if occurrence_id is None:
                continue
            if session.meeting is not None:
                linked[occurrence_id] = session.id
                continue
            if not session.wants_meeting:
                continue
            # The recurring meeting as this occurrence has it: its own start and id; the
            # instance uuid comes when the occurrence starts.
            session.link(
                replace(
                    meeting_of(info, spec, at=at),
                    meeting_uuid="",
                    occurrence_id=occurrence_id,
                    start_time=session.scheduled_start,
                    timezone=session.timezone,
                )
            )
            session.update_time = at
            uow.record(meeting_linked(session, batch, course, info, at=at))
            await registration.arm(uow, session, at=at)
            linked[occurrence_id] = session.id
        await uow.commit()
    return linked


async def get_series(series_id: str, *, uow: SchedulerUnitOfWork, caller: Caller) -> SeriesView:
    """The series and its sessions, for whoever may read its batch's sessions."""
    async with uow:
        series = await uow.series.get(series_id)
        sessions = await uow.sessions.of_series(series_id) if series is not None else []
        if series is None or not sessions or not await can_read_session(uow, caller, sessions[0]):
            raise NotFound(
                f"no series {series_id!r}", resource_type="series", resource_id=series_id
            )
        return SeriesView(series, tuple(sessions))


async def update_series(
    cmd: commands.UpdateSeries,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock = utcnow,
) -> SeriesResult:
    """Change every class of the series still to come (the held and cancelled ones stay as
    they were): each is updated as ``UpdateSession`` updates it — for a recurring meeting its
    own occurrence at Zoom, keeping the occurrence ids every link relies on — and a new title
    is the recurring meeting's topic, changed once."""
    if cmd.title is not None and not cmd.title.strip():
        raise invalid("series.title", "must not be blank")
    if (cmd.start is None) != (cmd.end is None):
        raise invalid("series.end_time", "give start_time and end_time together")
    view = await get_series(cmd.series_id, uow=uow, caller=caller)
    async with uow:
        batch, course = await require_manager(uow, caller, view.sessions[0])
    if view.series.status is SeriesStatus.CANCELLED:
        raise FailedPrecondition("the series is cancelled")
    at = now()
    upcoming = [
        s for s in view.sessions if s.status is SessionStatus.SCHEDULED and s.scheduled_start > at
    ]
    warnings: list[Warning] = []
    tz = zone(view.series.timezone)
    length: timedelta | None = None
    for session in upcoming:
        changes: dict[str, object] = {}
        if cmd.title is not None:
            changes["title"] = cmd.title.strip()
        if cmd.description is not None:
            changes["description"] = cmd.description
        if cmd.start is not None and cmd.end is not None:
            # The class's own day, the new times: read as a schedule body's local times are.
            day = session.scheduled_start.astimezone(tz).date()
            start, end = resolve(
                LocalTiming(day=day, start=cmd.start, end=cmd.end), view.series.timezone
            )
            changes["scheduled_start"], changes["scheduled_end"] = start, end
            length = end - start
        if changes:
            result = await update_session(
                commands.UpdateSession(session_id=session.id, changes=changes),
                uow=uow,
                caller=caller,
                zoom=zoom,
                now=now,
            )
            warnings += result.warnings
    if cmd.title is not None and view.series.meeting_id and upcoming:
        async with uow:
            first = await uow.sessions.get(upcoming[0].id)
        assert first is not None
        try:
            await zoom.update_meeting(
                meeting_id=view.series.meeting_id,
                spec=meeting_spec(first, batch, course, {}),
                paths=("topic",),
            )
        except ClassbridgeError as error:
            warnings.append(
                zoom_warning(
                    error,
                    failed="ZOOM_MEETING_UPDATE_FAILED",
                    what="the series' classes changed but its Zoom meeting's topic did not",
                )
            )
    async with uow:
        series = await uow.series.get_for_update(cmd.series_id)
        assert series is not None
        if cmd.title is not None:
            series.title = cmd.title.strip()
        if length is not None:
            series.duration_minutes = int(length.total_seconds() // 60)
        series.update_time = at
        await uow.commit()
        return SeriesResult(
            view=SeriesView(series, tuple(await uow.sessions.of_series(series.id))),
            warnings=tuple(warnings),
        )


async def cancel_series(
    cmd: commands.CancelSeries,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock = utcnow,
) -> SeriesResult:
    """Cancel every class of the series still to come; the classes held stay as they were.

    A recurring meeting is deleted at Zoom whole when no occurrence was held yet, else each
    remaining occurrence is deleted alone (the held ones keep their recordings and reports).
    Refused while one of its classes is in progress. A repeat retries what Zoom refused.
    """
    view = await get_series(cmd.series_id, uow=uow, caller=caller)
    if any(s.status is SessionStatus.IN_PROGRESS for s in view.sessions):
        raise FailedPrecondition("a class of the series is in progress; cancel it afterwards")
    held = any(s.status is SessionStatus.ENDED for s in view.sessions)
    async with uow:
        # Checked before Zoom is asked to delete the whole meeting, not only per class below.
        _, course = await require_manager(uow, caller, view.sessions[0])
    warnings: list[Warning] = []
    to_cancel = [s for s in view.sessions if s.status is SessionStatus.SCHEDULED]
    whole = view.series.meeting_id and not held
    if whole:
        try:
            await zoom.delete_meeting(
                meeting_id=view.series.meeting_id,
                tenant_id=course.tenant_id if course else "",
                notify_hosts=cmd.notify_participants,
            )
        except ClassbridgeError as error:
            whole = False  # each occurrence is then deleted alone below
            log.info("series %s: deleting the whole meeting failed (%s)", view.series.id, error)
    for session in to_cancel:
        if whole and session.meeting is not None:
            await _cancel_with_meeting_gone(session.id, cmd, uow=uow, caller=caller, now=now)
            continue
        result = await cancel_session(
            commands.CancelSession(
                session_id=session.id,
                reason=cmd.reason,
                notify_participants=cmd.notify_participants,
            ),
            uow=uow,
            caller=caller,
            zoom=zoom,
            now=now,
        )
        warnings += result.warnings
    at = now()
    async with uow:
        series = await uow.series.get_for_update(cmd.series_id)
        assert series is not None
        if series.status is not SeriesStatus.CANCELLED:
            series.status = SeriesStatus.CANCELLED
            series.cancel_time = at
            series.update_time = at
            await uow.commit()
        return SeriesResult(
            view=SeriesView(series, tuple(await uow.sessions.of_series(series.id))),
            warnings=tuple(warnings),
        )


async def _cancel_with_meeting_gone(
    session_id: str,
    cmd: commands.CancelSeries,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock,
) -> None:
    """Cancel one session whose occurrence went with the whole recurring meeting."""
    async with uow:
        session = await uow.sessions.get(session_id, for_update=True)
        if session is None or session.status is not SessionStatus.SCHEDULED:
            return
        at = now()
        meeting = session.meeting
        session.cancel(reason=cmd.reason, by=caller.subject, at=at)
        session.meeting = None
        session.update_time = at
        if meeting is not None:
            uow.record(unlinked(session, meeting, at=at))
        uow.record(
            session_cancelled(
                session, meeting, reason=cmd.reason, notify=cmd.notify_participants, at=at
            )
        )
        await uow.commit()


__all__ = [
    "SeriesResult",
    "SeriesView",
    "cancel_series",
    "create_series",
    "get_series",
    "update_series",
]
