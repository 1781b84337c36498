"""Sessions and their Zoom meetings: schedule, read, change, cancel, start.

Zoom is called *outside* any database transaction (a transaction must never wait on the
network, and SQLite's single writer would stall everyone): the session is stored first, then
the meeting is created (idempotent at the gateway on the session id - plus a generation once
Zoom deleted an earlier meeting - so a retry never makes a second meeting), then linked in a
second transaction that writes ``session.meeting_linked`` to the outbox - unless the session
was cancelled (or ended) meanwhile, when the meeting is deleted again instead. A Zoom failure
leaves a session without a meeting and a warning, never an error; a meeting Zoom would not
delete stays on its cancelled session, and a repeated CancelSession deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from classbridge_common.auth import Caller
from classbridge_common.errors import (
    AlreadyExists,
    ClassbridgeError,
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from classbridge_common.paging import PageRequest
from classbridge_common.telemetry import Metrics
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import commands, events
from scheduler.domain.errors import invalid
from scheduler.domain.model import (
    AutoRecording,
    Batch,
    BatchType,
    Course,
    ParticipantRole,
    Session,
    SessionStatus,
    ZoomMeeting,
    host_participant,
)
from scheduler.domain.timing import check_window, resolve, session_minutes, zone, zoom_duration
from scheduler.service_layer import access, registration
from scheduler.service_layer.catalog import check_paths, load_batch
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.meeting_plan import (
    ALTERNATIVE_HOSTS,
    MeetingPeople,
    meeting_spec,
    notices,
    people_of,
)
from scheduler.service_layer.membership import memberships_of
from scheduler.service_layer.ports import (
    MeetingInfo,
    MeetingSpec,
    ZoomMeetings,
)
from scheduler.service_layer.request_ids import replays_a_twin, require_replay

#: The seeds' "Zoom meeting creation success rate", counted where sessions ask for meetings.
METRICS = Metrics.from_global()

SESSION_PATHS = frozenset(
    {
        "title",
        "description",
        "teacher_id",
        "scheduled_start",
        "scheduled_end",
        "timezone",
        "max_participants",
        "auto_recording",
        "meeting_settings",
        "status",
    }
)
START_URL_LIFETIME = timedelta(hours=2)


@dataclass(frozen=True)
class Warning:
    """A condition that did not fail the call; ``code`` names ``Warning.Code`` without prefix."""

    code: str
    message: str
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class SessionView:
    session: Session
    participant_count: int = 0
    recorded_lesson_count: int = 0


@dataclass(frozen=True)
class SessionResult:
    view: SessionView
    warnings: tuple[Warning, ...] = ()


async def load_session(
    uow: SchedulerUnitOfWork,
    session_id: str,
    *,
    for_update: bool = False,
    field: str = "session_id",
) -> Session:
    if not session_id:
        raise invalid(field, "required")
    session = await uow.sessions.get(session_id, for_update=for_update)
    if session is None:
        raise NotFound(resource_type="session", resource_id=session_id)
    return session


async def _context(
    uow: SchedulerUnitOfWork, session: Session
) -> tuple[Batch | None, Course | None]:
    return await uow.batches.get(session.batch_id), await uow.courses.get(session.course_id)


async def view_of(uow: SchedulerUnitOfWork, session: Session) -> SessionView:
    people, lessons = (await uow.sessions.counters([session.id]))[session.id]
    return SessionView(session=session, participant_count=people, recorded_lesson_count=lessons)


async def can_read_session(uow: SchedulerUnitOfWork, caller: Caller, session: Session) -> bool:
    """Staff read every session of their tenant; teachers those they teach; students those of
    the batches they attend."""
    if access.is_staff(caller):
        return True
    batch, course = await _context(uow, session)
    if access.can_manage_session(caller, session, batch, course):
        return True
    enrolled = await uow.enrollments.student_ids(session.batch_id)
    return batch is not None and access.belongs_to_batch(caller, batch, enrolled)


async def require_reader(uow: SchedulerUnitOfWork, caller: Caller, session: Session) -> None:
    """PERMISSION_DENIED unless :func:`can_read_session`."""
    access.require(await can_read_session(uow, caller, session), "see this session")


async def require_manager(
    uow: SchedulerUnitOfWork, caller: Caller, session: Session
) -> tuple[Batch | None, Course | None]:
    """PERMISSION_DENIED unless the caller manages the session; its batch and course (read
    for the check) otherwise."""
    batch, course = await _context(uow, session)
    access.require(access.can_manage_session(caller, session, batch, course), "manage this session")
    return batch, course


def _not_configured(error: ClassbridgeError) -> bool:
    text = f"{error.message} {' '.join(error.details.values())}".lower()
    return isinstance(error, FailedPrecondition) and "not configured" in text


def zoom_warning(error: ClassbridgeError, *, failed: str, what: str) -> Warning:
    """The warning for a Zoom call that failed (its message is safe: no credentials)."""
    if _not_configured(error):
        return Warning("ZOOM_NOT_CONFIGURED", f"Zoom is not configured, so {what}")
    if isinstance(error, ResourceExhausted):
        return Warning(
            "ZOOM_RATE_LIMITED",
            f"Zoom's rate limit was reached, so {what}; try again later",
            error.retry_delay(),
        )
    return Warning(failed, f"{what} ({error.public_message})")


def _people_warnings(
    info: MeetingInfo, people: MeetingPeople, *, rooms_sent: bool
) -> list[Warning]:
    """What Zoom did not take of the alternative hosts and breakout rooms asked for."""
    return [
        Warning(code, message) for code, message in notices(info, people, rooms_sent=rooms_sent)
    ]


def _duration_warning(session: Session) -> list[Warning]:
    minutes = session_minutes(session.scheduled_start, session.scheduled_end)
    if minutes >= zoom_duration(minutes):
        return []
    return [
        Warning(
            "DURATION_ADJUSTED",
            f"the meeting is booked for Zoom's minimum of 30 minutes (the session is {minutes})",
        )
    ]


def meeting_of(info: MeetingInfo, spec: MeetingSpec, *, at: datetime) -> ZoomMeeting:
    """The session's record of the meeting Zoom made for ``spec``."""
    return ZoomMeeting(
        meeting_id=info.meeting_id,
        meeting_uuid=info.meeting_uuid,
        join_url=info.join_url,
        password=info.password,
        topic=info.topic or spec.topic,
        host_zoom_user_id=info.host_zoom_user_id,
        host_email=info.host_email,
        duration_minutes=info.duration_minutes or spec.duration_minutes,
        create_time=at,
        last_zoom_sync_time=at,
        start_time=spec.start_time,
        timezone=spec.timezone,
    )


async def _delete_at_zoom(
    zoom: ZoomMeetings,
    *,
    meeting_id: int,
    tenant_id: str,
    notify_hosts: bool,
    what: str,
    refuse_running: bool,
    occurrence_id: str = "",
) -> Warning | None:
    """Delete a meeting at Zoom, outside any transaction: None once it is gone (the gateway's
    delete is idempotent, so a meeting already gone counts), else the warning saying it was
    left (the caller keeps it on the session, where a repeated CancelSession deletes it).

    Zoom refusing because the meeting is running is raised when ``refuse_running`` (a
    cancellation must not go ahead then); anywhere else it is one more failure to warn of.
    """
    try:
        await zoom.delete_meeting(
            meeting_id=meeting_id,
            tenant_id=tenant_id,
            notify_hosts=notify_hosts,
            occurrence_id=occurrence_id,
        )
    except ClassbridgeError as error:
        if refuse_running and isinstance(error, FailedPrecondition) and not _not_configured(error):
            raise  # Zoom says the meeting is running: it cannot be cancelled now
        return zoom_warning(error, failed="ZOOM_MEETING_DELETE_FAILED", what=what)
    return None


async def _current_view(uow: SchedulerUnitOfWork, session: Session) -> SessionView:
    """The session as stored now, with its counters, in a read of its own."""
    async with uow:
        return await view_of(uow, session)


async def link_meeting(
    session: Session,
    *,
    batch: Batch | None,
    course: Course | None,
    extra_settings: Mapping[str, Any],
    people: MeetingPeople,
    uow: SchedulerUnitOfWork,
    zoom: ZoomMeetings,
    now: Clock,
    raise_errors: bool,
    host_user_id: str = "",
) -> SessionResult:
    """Create the session's meeting at Zoom and link it (outbox: ``session.meeting_linked``);
    the answer is the session as stored afterwards, with its counters. ``host_user_id``: the
    instructor whose Zoom user hosts it (bulk scheduling's spread), else the tenant's host.

    ``batch`` and ``course`` are those the caller's access check read (they name the meeting
    and its event). The session is read again after Zoom answered, since it may have been
    cancelled (or ended) meanwhile: such a session no longer wants the meeting, so it is
    deleted again rather than linked and announced to nobody's use (see
    :func:`_discard_meeting`). The counters of a linked session are read in the transaction
    that links it, so the answer costs no transaction of its own.
    """
    spec = meeting_spec(
        session, batch, course, extra_settings, people=people, host_user_id=host_user_id
    )
    warnings = _duration_warning(session)
    try:
        info = await zoom.create_meeting(request_id=session.meeting_request_id(), spec=spec)
    except ClassbridgeError as error:
        METRICS.meeting_create(success=False, error_type=type(error).__name__)
        if raise_errors:
            raise
        failed = zoom_warning(
            error,
            failed="ZOOM_MEETING_CREATE_FAILED",
            what="the session was scheduled without a Zoom meeting",
        )
        return SessionResult(view=await _current_view(uow, session), warnings=(*warnings, failed))
    METRICS.meeting_create(success=True)
    warnings += _people_warnings(info, people, rooms_sent=bool(people.rooms_layer))
    async with uow:
        current = await load_session(uow, session.id, for_update=True)
        if current.meeting is not None:
            # linked meanwhile (the same meeting: idempotent key)
            return SessionResult(view=await view_of(uow, current), warnings=tuple(warnings))
        if current.wants_meeting:
            at = now()
            current.link(meeting_of(info, spec, at=at))
            current.update_time = at
            uow.record(meeting_linked(current, batch, course, info, at=at))
            await registration.arm(uow, current, at=at)  # the batch's students, registered
            view = await view_of(uow, current)  # flushes the link first: counted with it
            await uow.commit()
            return SessionResult(view=view, warnings=tuple(warnings))
    # Cancelled or ended meanwhile; the transaction is left first, as none may wait on Zoom.
    current, left = await _discard_meeting(
        current,
        meeting_of(info, spec, at=now()),
        tenant_id=spec.tenant_id,
        uow=uow,
        zoom=zoom,
        now=now,
    )
    return SessionResult(view=await _current_view(uow, current), warnings=tuple(left))


def meeting_linked(
    session: Session,
    batch: Batch | None,
    course: Course | None,
    info: MeetingInfo,
    *,
    at: datetime,
) -> events.SessionMeetingLinked:
    """``session.meeting_linked`` for the meeting ``session`` was just linked to (for an
    occurrence of a recurring meeting: the occurrence's start and length)."""
    return events.SessionMeetingLinked(
        occurred_at=at,
        session_id=session.id,
        session_title=session.title,
        batch_id=session.batch_id,
        batch_type=session.batch_type,
        student_id=batch.student_id
        if batch is not None and batch.type is BatchType.INDIVIDUAL
        else "",
        course_id=session.course_id,
        course_title=course.title if course else "",
        teacher_id=session.teacher_id,
        tenant_id=course.tenant_id if course else "",
        meeting_id=info.meeting_id,
        meeting_uuid=info.meeting_uuid,
        host_zoom_user_id=info.host_zoom_user_id,
        start_time=session.scheduled_start,
        duration_minutes=session.meeting.duration_minutes if session.meeting else 0,
        timezone=session.timezone,
        auto_recording=session.auto_recording,
        storage_folder_hint=batch.storage_folder() if batch else "",
    )


async def _discard_meeting(
    session: Session,
    meeting: ZoomMeeting,
    *,
    tenant_id: str,
    uow: SchedulerUnitOfWork,
    zoom: ZoomMeetings,
    now: Clock,
) -> tuple[Session, list[Warning]]:
    """Delete a meeting Zoom made for a session that no longer wants one, through the path
    CancelSession deletes meetings by; nothing is announced (it was never linked).

    When Zoom does not delete it, the meeting is stored on the session (still unannounced), as
    CancelSession keeps a meeting it could not delete: the session then names the meeting left
    at Zoom, and cancelling it again deletes that meeting, so it is never lost track of.
    """
    retry = (
        "cancelling the session again deletes it"
        if session.status is SessionStatus.CANCELLED
        else "delete it in Zoom"
    )
    warning = await _delete_at_zoom(
        zoom,
        meeting_id=meeting.meeting_id,
        tenant_id=tenant_id,
        notify_hosts=False,
        what=f"the session was {session.status.value} while its Zoom meeting was being "
        f"created, and that meeting could not be deleted; {retry}",
        refuse_running=False,
    )
    if warning is None:
        return session, []
    async with uow:
        current = await load_session(uow, session.id, for_update=True)
        if current.meeting is None:
            current.link(meeting)
            current.update_time = now()
            await uow.commit()
        return current, [warning]


async def _hand_over_host(
    uow: SchedulerUnitOfWork, session: Session, previous: str, at: datetime
) -> None:
    """A new teacher takes over the host record made at creation while nobody has joined as
    the previous one; once the previous teacher joined, their record is kept (it is their
    attendance) and the new teacher gets a record of their own."""
    if not session.teacher_id:
        return
    people = await uow.participants.of_session(session.id)
    waiting = next(
        (
            p
            for p in people
            if p.role is ParticipantRole.HOST and p.user_id == previous and not p.intervals
        ),
        None,
    )
    if waiting is not None:
        waiting.user_id = session.teacher_id
    elif not any(p.user_id == session.teacher_id for p in people):
        await uow.participants.add(host_participant(session, new_id()), at=at)


def new_session(
    cmd: commands.CreateSession,
    batch: Batch,
    *,
    start: datetime,
    end: datetime,
    timezone: str,
    caller: Caller,
    at: datetime,
    request_id: str | None = None,
) -> Session:
    """The session ``cmd`` schedules in ``batch`` (times already resolved), not yet stored: one
    class scheduled alone and each class of a bulk request are made alike."""
    return Session(
        id=new_id(),
        batch_id=batch.id,
        course_id=batch.course_id,
        batch_type=batch.type,
        title=cmd.title.strip(),
        description=cmd.description,
        teacher_id=cmd.teacher_id or batch.instructor_id or caller.subject,
        scheduled_start=start,
        scheduled_end=end,
        timezone=timezone,
        max_participants=cmd.max_participants,
        auto_recording=cmd.auto_recording or AutoRecording.CLOUD,
        meeting_settings=dict(cmd.meeting_settings),
        request_id=request_id,
        create_time=at,
        update_time=at,
    )


@replays_a_twin
async def create_session(
    cmd: commands.CreateSession,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    default_timezone: str,
    now: Clock = utcnow,
) -> SessionResult:
    access.require_manager_role(caller)
    if not cmd.batch_id:
        raise invalid("batch_id", "required")
    if not cmd.title.strip():
        raise invalid("title", "required")
    if cmd.timing is None:
        raise invalid("timing", "give local_time or time_range")
    if cmd.max_participants < 0:
        raise invalid("max_participants", "must not be negative")
    if cmd.timezone:
        zone(cmd.timezone)
    async with uow:
        batch = await load_batch(uow, cmd.batch_id)  # first: fixes a spanning caller's tenant
        course = await uow.courses.get(batch.course_id)
        access.require(
            access.can_manage_batch(caller, batch, course), "schedule sessions for this batch"
        )
        if cmd.request_id:
            existing = await uow.sessions.by_request_id(cmd.request_id)
            if existing is not None:
                require_replay(
                    existing.batch_id == batch.id and await can_read_session(uow, caller, existing),
                    resource_type="session",
                    request_id=cmd.request_id,
                )
                return SessionResult(view=await view_of(uow, existing))
        timezone = (
            cmd.timezone
            or batch.timezone
            or (course.default_timezone if course else "")
            or default_timezone
        )
        start, end = resolve(cmd.timing, timezone)
        at = now()
        session = new_session(
            cmd,
            batch,
            start=start,
            end=end,
            timezone=timezone,
            caller=caller,
            at=at,
            request_id=cmd.request_id or None,
        )
        await uow.sessions.add(session)
        # Seed 001: the teacher is the class's host participant from the start, so participant
        # lists show the host before anyone joins; the teacher's join in Zoom lands on this
        # record (see lifecycle._person), never on a second one.
        await uow.participants.add(host_participant(session, new_id()), at=at)
        await uow.commit()
        people = (
            await people_of(uow, session, batch, course)
            if cmd.create_zoom_meeting
            else MeetingPeople()
        )
    if not cmd.create_zoom_meeting:
        # As committed: the session was new, so its one participant is the host added above
        # and it has no lessons yet.
        return SessionResult(view=SessionView(session=session, participant_count=1))
    return await link_meeting(
        session,
        batch=batch,
        course=course,
        extra_settings={},
        people=people,
        uow=uow,
        zoom=zoom,
        now=now,
        raise_errors=False,
    )


async def create_zoom_meeting(
    cmd: commands.CreateZoomMeeting,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock = utcnow,
) -> SessionResult:
    async with uow:
        session = await load_session(uow, cmd.session_id)
        batch, course = await require_manager(uow, caller, session)
        people = await people_of(uow, session, batch, course)
    if session.meeting is not None:
        raise AlreadyExists(
            f"session {session.id!r} already has Zoom meeting {session.meeting.meeting_id}",
            resource_type="session.zoom_meeting",
            resource_id=session.id,
        )
    session.ensure_can_change()
    return await link_meeting(
        session,
        batch=batch,
        course=course,
        extra_settings=cmd.meeting_settings,
        people=people,
        uow=uow,
        zoom=zoom,
        now=now,
        raise_errors=True,
    )


async def get_session(session_id: str, *, uow: SchedulerUnitOfWork, caller: Caller) -> SessionView:
    async with uow:
        session = await load_session(uow, session_id)
        await require_reader(uow, caller, session)
        return await view_of(uow, session)


async def list_sessions(
    *,
    course_id: str,
    batch_id: str,
    teacher_id: str,
    student_id: str,
    statuses: tuple[SessionStatus, ...],
    start_after: datetime | None,
    start_before: datetime | None,
    descending: bool,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[SessionView], int]:
    if access.is_student(caller):
        if student_id and student_id != caller.subject:
            raise PermissionDenied("students list only their own sessions")
        student_id = caller.subject
    async with uow:
        batch_ids: list[str] | None = [batch_id] if batch_id else None
        if student_id:
            mine = await uow.batches.ids_of_student(student_id)
            batch_ids = [b for b in (batch_ids or mine) if b in mine]
        if access.is_teacher(caller) and not access.is_staff(caller):
            own = await memberships_of(uow, caller.subject)
            visible = own.teaches_batches | own.attends_batches
            wanted = batch_ids if batch_ids is not None else sorted(visible)
            batch_ids = [b for b in wanted if b in visible]  # [] stays []: nothing to show
        sessions, total = await uow.sessions.list(
            course_id=course_id,
            batch_ids=batch_ids,
            teacher_id=teacher_id,
            statuses=statuses,
            start_after=start_after,
            start_before=start_before,
            descending=descending,
            offset=page.offset,
            limit=page.limit,
        )
        counters = await uow.sessions.counters([s.id for s in sessions])
        return [SessionView(s, *counters[s.id]) for s in sessions], total


#: What Zoom changes of one occurrence of a recurring meeting (``occurrence_id`` updates).
OCCURRENCE_PATHS = ("start_time", "duration_minutes", "agenda")


def _zoom_paths(changed: set[str]) -> tuple[str, ...]:
    """The meeting's fields a change of the session's ``changed`` fields touches. A new teacher
    changes who the other instructors are, so the alternative hosts too."""
    paths: list[str] = []
    if "title" in changed:
        paths.append("topic")
    if "description" in changed:
        paths.append("agenda")
    if "scheduled_start" in changed:
        paths.append("start_time")
    if changed & {"scheduled_start", "scheduled_end"}:
        paths.append("duration_minutes")
    if "timezone" in changed:
        paths.append("timezone")
    if changed & {"meeting_settings", "auto_recording"}:
        paths.append("settings")
    elif "teacher_id" in changed:
        paths.append(ALTERNATIVE_HOSTS)
    return tuple(paths)


async def update_session(
    cmd: commands.UpdateSession,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock = utcnow,
) -> SessionResult:
    check_paths(cmd.changes, SESSION_PATHS)
    changes = dict(cmd.changes)
    async with uow:
        session = await load_session(uow, cmd.session_id, for_update=True, field="session.id")
        await require_manager(uow, caller, session)
        at = now()
        status = changes.pop("status", None)
        if changes:
            session.ensure_can_change()
        before = replace(session)
        if status is not None:
            if status is not SessionStatus.ENDED:
                raise invalid("session.status", "may only be set to ENDED")
            session.close_manually(at=at)
        for path, value in changes.items():
            if path == "title" and not str(value).strip():
                raise invalid("session.title", "required")
            if path == "timezone":
                zone(value, field="session.timezone")
            if path == "max_participants" and value < 0:
                raise invalid("session.max_participants", "must not be negative")
            if path in ("scheduled_start", "scheduled_end") and value is None:
                raise invalid(f"session.{path}", "required")
            setattr(session, path, value)
        check_window(session.scheduled_start, session.scheduled_end, field="session.scheduled_end")
        changed = {p for p in changes if getattr(before, p) != getattr(session, p)}
        session.update_time = at
        if "teacher_id" in changed:
            await _hand_over_host(uow, session, before.teacher_id, at)
        if changed:
            uow.record(
                events.SessionUpdated(
                    occurred_at=at,
                    session_id=session.id,
                    batch_id=session.batch_id,
                    meeting_id=session.meeting.meeting_id if session.meeting else 0,
                    changed_fields=tuple(sorted(changed)),
                    title=session.title,
                    scheduled_start=session.scheduled_start,
                    scheduled_end=session.scheduled_end,
                    timezone=session.timezone,
                    duration_minutes=zoom_duration(
                        session_minutes(session.scheduled_start, session.scheduled_end)
                    ),
                    previous_scheduled_start=before.scheduled_start,
                    previous_scheduled_end=before.scheduled_end,
                )
            )
        await uow.commit()
        batch, course = await _context(uow, session)
        people = await people_of(uow, session, batch, course)
    warnings: list[Warning] = []
    paths = _zoom_paths(changed)
    occurrence = session.meeting.occurrence_id if session.meeting is not None else ""
    if occurrence:
        # One occurrence of a series' recurring meeting: Zoom moves or shortens it alone;
        # its topic, time zone and settings are the whole series'.
        paths = tuple(p for p in paths if p in OCCURRENCE_PATHS)
    if session.meeting is not None and paths and not cmd.skip_zoom_sync:
        spec = meeting_spec(
            session, batch, course, {}, people=people, replace_hosts="teacher_id" in changed
        )
        try:
            info = await zoom.update_meeting(
                meeting_id=session.meeting.meeting_id,
                spec=spec,
                paths=paths,
                occurrence_id=occurrence,
            )
        except ClassbridgeError as error:
            warnings.append(
                zoom_warning(
                    error,
                    failed="ZOOM_MEETING_UPDATE_FAILED",
                    what="the session changed but its Zoom meeting could not be updated",
                )
            )
        else:
            rooms_sent = "settings" in paths and bool(people.rooms_layer)
            warnings += _people_warnings(info, people, rooms_sent=rooms_sent)
            async with uow:
                current = await load_session(uow, session.id, for_update=True)
                if current.meeting is not None and current.meeting.meeting_id == info.meeting_id:
                    current.meeting.topic = info.topic or spec.topic
                    current.meeting.duration_minutes = (
                        info.duration_minutes or spec.duration_minutes
                    )
                    if "start_time" in paths:
                        current.meeting.start_time = spec.start_time
                    if "timezone" in paths:
                        current.meeting.timezone = spec.timezone
                    current.meeting.last_zoom_sync_time = now()
                    await uow.commit()
                session = current
    async with uow:
        return SessionResult(view=await view_of(uow, session), warnings=tuple(warnings))


async def cancel_session(
    cmd: commands.CancelSession,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock = utcnow,
) -> SessionResult:
    """Cancel the session and delete its meeting at Zoom (``session.cancelled``, and
    ``session.meeting_unlinked`` when the meeting went).

    A repeat changes nothing, except for a cancelled session still holding a meeting that is
    left at Zoom (its delete failed, or it was made while the session was being cancelled):
    the repeat deletes that meeting, which is how such a delete is retried.
    """
    async with uow:
        session = await load_session(uow, cmd.session_id)
        await require_manager(uow, caller, session)
        _, course = await _context(uow, session)
        if session.status is SessionStatus.CANCELLED and not session.meeting_left_at_zoom:
            return SessionResult(view=await view_of(uow, session))
        session.ensure_can_cancel()
    tenant_id = course.tenant_id if course else ""
    if session.status is SessionStatus.CANCELLED:
        return await _delete_left_meeting(
            session,
            tenant_id=tenant_id,
            notify_hosts=cmd.notify_participants,
            uow=uow,
            zoom=zoom,
            now=now,
        )
    warnings: list[Warning] = []
    deleted = False
    if session.meeting is not None:
        warning = await _delete_at_zoom(
            zoom,
            meeting_id=session.meeting.meeting_id,
            tenant_id=tenant_id,
            notify_hosts=cmd.notify_participants,
            what="the session was cancelled but its Zoom meeting could not be deleted",
            refuse_running=True,
            occurrence_id=session.meeting.occurrence_id,
        )
        deleted = warning is None
        warnings += [warning] if warning is not None else []
    async with uow:
        current = await load_session(uow, session.id, for_update=True)
        if current.status is SessionStatus.CANCELLED:
            return SessionResult(view=await view_of(uow, current), warnings=tuple(warnings))
        at = now()
        current.cancel(reason=cmd.reason, by=caller.subject, at=at)
        meeting = current.meeting
        if deleted and session.meeting is not None:
            current.forget_own_deletion(session.meeting.meeting_id)
        if deleted and meeting is not None:
            current.meeting = None
            uow.record(unlinked(current, meeting, at=at))
        current.update_time = at
        uow.record(
            session_cancelled(
                current, meeting, reason=cmd.reason, notify=cmd.notify_participants, at=at
            )
        )
        await uow.commit()
        return SessionResult(view=await view_of(uow, current), warnings=tuple(warnings))


def session_cancelled(
    session: Session, meeting: ZoomMeeting | None, *, reason: str, notify: bool, at: datetime
) -> events.SessionCancelled:
    """``session.cancelled`` for ``session`` (cancelled already) and the meeting it held."""
    return events.SessionCancelled(
        occurred_at=at,
        session_id=session.id,
        session_title=session.title,
        batch_id=session.batch_id,
        course_id=session.course_id,
        meeting_id=meeting.meeting_id if meeting else 0,
        scheduled_start=session.scheduled_start,
        reason=reason,
        notify_participants=notify,
        cancelled_by=session.cancelled_by,
    )


def unlinked(
    session: Session, meeting: ZoomMeeting, *, at: datetime
) -> events.SessionMeetingUnlinked:
    """``session.meeting_unlinked`` for a meeting a cancellation deleted."""
    return events.SessionMeetingUnlinked(
        occurred_at=at,
        session_id=session.id,
        batch_id=session.batch_id,
        meeting_id=meeting.meeting_id,
        meeting_uuid=meeting.meeting_uuid,
        reason="session_cancelled",
    )


async def _delete_left_meeting(
    session: Session,
    *,
    tenant_id: str,
    notify_hosts: bool,
    uow: SchedulerUnitOfWork,
    zoom: ZoomMeetings,
    now: Clock,
) -> SessionResult:
    """A repeated CancelSession: delete the meeting the cancelled session still holds, and
    unlink it once Zoom deleted it. Zoom refusing again is a warning (the session stays
    cancelled either way)."""
    left = session.meeting
    assert left is not None  # meeting_left_at_zoom
    warning = await _delete_at_zoom(
        zoom,
        meeting_id=left.meeting_id,
        tenant_id=tenant_id,
        notify_hosts=notify_hosts,
        what="the session is cancelled but its Zoom meeting could not be deleted",
        refuse_running=False,
        occurrence_id=left.occurrence_id,
    )
    async with uow:
        current = await load_session(uow, session.id, for_update=True)
        meeting = current.meeting
        if warning is None and meeting is not None and meeting.meeting_id == left.meeting_id:
            at = now()
            current.meeting = None
            current.update_time = at
            uow.record(unlinked(current, meeting, at=at))
            await uow.commit()
        return SessionResult(
            view=await view_of(uow, current), warnings=(warning,) if warning is not None else ()
        )


async def get_start_url(
    session_id: str,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    zoom: ZoomMeetings,
    now: Clock = utcnow,
) -> tuple[str, datetime]:
    """A fresh host start URL (never stored, never logged) and its approximate expiry."""
    async with uow:
        session = await load_session(uow, session_id)
        batch, course = await _context(uow, session)
    allowed = access.is_staff(caller) or (
        access.is_teacher(caller) and access.can_manage_session(caller, session, batch, course)
    )
    access.require(allowed, "start this session's meeting (host, teacher or admin only)")
    if session.meeting is None:
        raise FailedPrecondition("the session has no Zoom meeting; create it first")
    if session.status in (SessionStatus.CANCELLED, SessionStatus.ENDED):
        raise FailedPrecondition(f"the session is {session.status.value}")
    url = await zoom.start_url(
        meeting_id=session.meeting.meeting_id, tenant_id=course.tenant_id if course else ""
    )
    return url, now() + START_URL_LIFETIME


async def get_join_url(
    session_id: str, *, uow: SchedulerUnitOfWork, caller: Caller
) -> tuple[str, bool]:
    """``GetJoinUrl``: the caller's link, and whether it is their own registration (a student
    registered for the meeting: Zoom then names them by registrant). A credential, never logged.
    """
    async with uow:
        session = await load_session(uow, session_id)
        access.require(await can_read_session(uow, caller, session), "join this session")
        link = await registration.join_link(uow, session, caller.subject)
    if session.meeting is None:
        raise FailedPrecondition("the session has no Zoom meeting yet")
    if session.status in (SessionStatus.CANCELLED, SessionStatus.ENDED):
        raise FailedPrecondition(f"the session is {session.status.value}")
    return link
