"""Attendance reports: per session, and per batch over a range of days (what course platforms
grade, and what the edge exports as CSV or JSON).

A row per person: every participant record (students, the teacher, guests), one per student
(records of one user are measured together), and a row of 0 minutes, absent, for each student
expected who never came. Expected are the batch's students enrolled by the session's end (its
real end once it ended, else the planned one; the one student of an individual batch): someone
enrolled after the class was over was not expected at it. A student's row is named as the
course platform enrolled them (name and email), whatever Zoom showed (a phone dials in under
its number); others as Zoom named them. The meeting's host is neither a student nor a guest,
whether or not the session names its teacher. Figures are measured on the stays that count
(``Participant.counted_stays``: Zoom's report once merged, overlaps once) against the session's
real length; present is at or above the threshold: the request's, else the batch's, else the
service default.

Who reads what: the session's (or batch's) teachers and the tenant's admins every row; a
student of the batch only their own rows, with counts of those rows; anyone else is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from classbridge_common.auth import Caller
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import attendance
from scheduler.domain.errors import invalid
from scheduler.domain.jobs import JobKind, JobState, SessionJob
from scheduler.domain.model import (
    Batch,
    BatchType,
    Enrollment,
    Participant,
    ParticipantRole,
    Session,
    SessionStatus,
)
from scheduler.service_layer import access
from scheduler.service_layer.catalog import load_batch
from scheduler.service_layer.clock import Clock, utcnow
from scheduler.service_layer.sessions import load_session

DEFAULT_PRESENT_THRESHOLD = 75.0
MAX_ENROLLMENTS = 100_000


@dataclass(frozen=True)
class AttendanceRow:
    user_id: str
    display_name: str
    email: str
    enrolled: bool
    present: bool
    minutes_attended: int
    attendance_percentage: float
    first_join_time: datetime | None
    last_leave_time: datetime | None
    join_count: int
    rejoin_count: int = 0
    reconciled: bool = False
    # The meeting's host record (the teacher, named or not): never counted as a guest.
    host: bool = False


@dataclass(frozen=True)
class AttendanceReport:
    session: Session
    session_minutes: int
    enrolled_count: int
    present_count: int
    absent_count: int
    guest_count: int
    average_attendance_percentage: float
    present_threshold_percentage: float
    rows: list[AttendanceRow]
    final: bool
    generate_time: datetime
    reconciliation: SessionJob | None = None


@dataclass(frozen=True)
class BatchAttendance:
    batch: Batch
    timezone: str
    present_threshold_percentage: float
    sessions: list[AttendanceReport]


def threshold_of(requested: float, batch: Batch | None, default: float) -> float:
    """The present threshold: the request's, else the batch's, else the default."""
    if not 0 <= requested <= 100:  # NaN too
        raise invalid("present_threshold_percentage", "must be between 0 and 100")
    if requested:
        return requested
    if batch is not None and batch.present_threshold_percentage:
        return batch.present_threshold_percentage
    return default


def _measured(
    people: Sequence[Participant], session: Session, *, until: datetime, threshold: float
) -> tuple[int, float, bool, int, list[attendance.Span]]:
    """Minutes, percentage, present and stays of one person's records together, and the
    stays that count they are measured on."""
    stays = [stay for person in people for stay in person.counted_stays()]
    length = attendance.attended(stays, until=until)
    percent = attendance.percentage(length, session.length())
    return (
        attendance.whole_minutes(length),
        percent,
        percent >= threshold,
        attendance.stays(stays, until=until),
        stays,
    )


def _first_join(stays: Iterable[attendance.Span]) -> datetime | None:
    joins = [start for start, _ in stays if start is not None]
    return min(joins) if joins else None


def _last_leave(stays: Sequence[attendance.Span]) -> datetime | None:
    """The latest leave of the stays that count: a stay the webhooks closed at the meeting's
    end, which Zoom's report gives its true leave, does not count, so neither does its end."""
    if any(start is not None and end is None for start, end in stays):
        return None  # still in the meeting
    known = [end for _, end in stays if end is not None]
    return max(known) if known else None


def build_report(
    session: Session,
    people: Sequence[Participant],
    expected: Iterable[str],
    *,
    threshold: float,
    job: SessionJob | None,
    now: datetime,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> AttendanceReport:
    """The report of one session from its records (no I/O). ``names``: the (name, email) each
    expected student was enrolled with, which their row shows over what Zoom showed."""
    expected = list(dict.fromkeys(expected))
    names = names or {}
    until = session.actual_end or now
    reconciled = job is not None and job.state is JobState.DONE
    groups: dict[str, list[Participant]] = {}
    for person in people:
        groups.setdefault(person.user_id or f"\0{person.id}", []).append(person)
    rows: list[AttendanceRow] = []
    for key, group in groups.items():
        minutes, percent, present, stays, counted = _measured(
            group, session, until=until, threshold=threshold
        )
        first = group[0]
        enrolled = not key.startswith("\0") and key in expected
        name, email = names.get(key, ("", "")) if enrolled else ("", "")
        rows.append(
            AttendanceRow(
                user_id=first.user_id,
                display_name=name or next((p.display_name for p in group if p.display_name), ""),
                email=email or next((p.email for p in group if p.email), ""),
                enrolled=enrolled,
                present=present,
                minutes_attended=minutes,
                attendance_percentage=percent,
                first_join_time=_first_join(counted),
                last_leave_time=_last_leave(counted),
                join_count=stays,
                rejoin_count=max(0, stays - 1),
                reconciled=reconciled,
                host=any(p.role is ParticipantRole.HOST for p in group),
            )
        )
    for student in expected:
        if student not in groups:
            name, email = names.get(student, ("", ""))
            rows.append(
                AttendanceRow(
                    student, name, email, True, False, 0, 0.0, None, None, 0, reconciled=reconciled
                )
            )
    return _summed(
        session, rows, expected_count=len(expected), threshold=threshold, job=job, now=now
    )


def _summed(
    session: Session,
    rows: list[AttendanceRow],
    *,
    expected_count: int,
    threshold: float,
    job: SessionJob | None,
    now: datetime,
) -> AttendanceReport:
    enrolled_rows = [r for r in rows if r.enrolled]
    present = sum(1 for r in enrolled_rows if r.present)
    guests = [
        r
        for r in rows
        if not r.enrolled and not r.host and not (r.user_id and r.user_id == session.teacher_id)
    ]
    measured = enrolled_rows or rows
    average = (
        round(sum(r.attendance_percentage for r in measured) / len(measured), 2)
        if measured
        else 0.0
    )
    pending = job is not None and job.state is JobState.PENDING
    return AttendanceReport(
        session=session,
        session_minutes=int(session.length().total_seconds() // 60),
        enrolled_count=expected_count,
        present_count=present,
        absent_count=expected_count - present,
        guest_count=len(guests),
        average_attendance_percentage=average,
        present_threshold_percentage=threshold,
        rows=rows,
        final=session.status is SessionStatus.ENDED and not pending,
        generate_time=now,
        reconciliation=job,
    )


def own_rows(report: AttendanceReport, student_id: str) -> AttendanceReport:
    """The report as one student may read it: their own rows only, counted alone."""
    rows = [r for r in report.rows if r.user_id == student_id]
    enrolled = sum(1 for r in rows if r.enrolled)
    narrowed = _summed(
        report.session,
        rows,
        expected_count=enrolled,
        threshold=report.present_threshold_percentage,
        job=report.reconciliation,
        now=report.generate_time,
    )
    return replace(narrowed, final=report.final)


#: How finely Zoom reports a meeting's times.
ZOOM_RESOLUTION = timedelta(seconds=1)


def _expected(batch: Batch | None, enrolled: Sequence[Enrollment], session: Session) -> list[str]:
    """The students a session expected: enrolled by its end, the real one once it ended (an
    individual batch's one)."""
    if batch is not None and batch.type is BatchType.INDIVIDUAL:
        return [batch.student_id] if batch.student_id else []
    end = session.actual_end if session.actual_end is not None else session.scheduled_end
    # Zoom tells the end to the second: an enrolment within that second may have come first.
    by = end.replace(microsecond=0) + ZOOM_RESOLUTION
    return [e.student_id for e in enrolled if e.create_time is None or e.create_time < by]


def _names(enrolled: Sequence[Enrollment]) -> dict[str, tuple[str, str]]:
    """The (name, email) each student was enrolled with, where the course platform gave one."""
    return {
        e.student_id: (f"{e.first_name} {e.last_name}".strip(), e.email)
        for e in enrolled
        if e.first_name or e.last_name or e.email
    }


async def _enrolled(uow: SchedulerUnitOfWork, batch_id: str) -> list[Enrollment]:
    found, _ = await uow.enrollments.list(
        batch_id=batch_id, student_id="", offset=0, limit=MAX_ENROLLMENTS
    )
    return list(found)


def _reader_of_batch(
    caller: Caller, batch: Batch, enrolled: list[str], manages: bool
) -> str | None:
    """``None`` when the caller reads every row; the student's own id when only theirs."""
    if manages:
        return None
    access.require(
        access.is_student(caller) and access.belongs_to_batch(caller, batch, enrolled),
        "see this attendance",
    )
    return caller.subject


async def attendance_report(
    session_id: str,
    *,
    threshold: float,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
    default_threshold: float = DEFAULT_PRESENT_THRESHOLD,
) -> AttendanceReport:
    """``GetAttendanceReport``: one session's rows (a student: their own)."""
    async with uow:
        session = await load_session(uow, session_id)
        batch = await uow.batches.get(session.batch_id)
        course = await uow.courses.get(session.course_id)
        manages = access.can_manage_session(caller, session, batch, course)
        enrolled = await _enrolled(uow, session.batch_id)
        reader: str | None = None
        if not manages:
            access.require(batch is not None, "see this attendance")
            assert batch is not None
            reader = _reader_of_batch(caller, batch, [e.student_id for e in enrolled], manages)
        people = await uow.participants.of_session(session.id)
        job = await uow.jobs.of_session(session.id, JobKind.RECONCILE_ATTENDANCE)
    report = build_report(
        session,
        people,
        _expected(batch, enrolled, session),
        threshold=threshold_of(threshold, batch, default_threshold),
        job=job,
        now=now(),
        names=_names(enrolled),
    )
    return report if reader is None else own_rows(report, reader)


def _days(
    from_day: date | None, to_day: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The instants the range of days spans in ``zone`` (the end exclusive)."""
    if from_day is not None and to_day is not None and to_day < from_day:
        raise invalid("to_date", "must not be before from_date")
    start = datetime.combine(from_day, time(), zone) if from_day is not None else None
    end = datetime.combine(to_day + timedelta(days=1), time(), zone) if to_day is not None else None
    return start, end


async def batch_attendance(
    batch_id: str,
    *,
    from_day: date | None,
    to_day: date | None,
    threshold: float,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
    default_threshold: float = DEFAULT_PRESENT_THRESHOLD,
    default_timezone: str = "UTC",
) -> BatchAttendance:
    """``GetBatchAttendance``: a report per session of the batch whose scheduled start falls
    on one of the days (in the batch's timezone), oldest first, cancelled ones left out."""
    async with uow:
        batch = await load_batch(uow, batch_id)
        course = await uow.courses.get(batch.course_id)
        enrolled = await _enrolled(uow, batch.id)
        reader = _reader_of_batch(
            caller,
            batch,
            [e.student_id for e in enrolled],
            access.can_manage_batch(caller, batch, course),
        )
        timezone = batch.timezone or (course.default_timezone if course else "") or default_timezone
        start, end = _days(from_day, to_day, ZoneInfo(timezone))
        sessions = [
            s
            for s in await uow.sessions.of_batch(batch.id)
            if s.status is not SessionStatus.CANCELLED
            and (start is None or s.scheduled_start >= start)
            and (end is None or s.scheduled_start < end)
        ]
        jobs = await uow.jobs.of_sessions([s.id for s in sessions], JobKind.RECONCILE_ATTENDANCE)
        people = {s.id: await uow.participants.of_session(s.id) for s in sessions}
    at = now()
    chosen = threshold_of(threshold, batch, default_threshold)
    names = _names(enrolled)
    reports = [
        build_report(
            s,
            people[s.id],
            _expected(batch, enrolled, s),
            threshold=chosen,
            job=jobs.get(s.id),
            now=at,
            names=names,
        )
        for s in sessions
    ]
    if reader is not None:
        reports = [own_rows(r, reader) for r in reports]
    return BatchAttendance(
        batch=batch, timezone=timezone, present_threshold_percentage=chosen, sessions=reports
    )


__all__ = [
    "DEFAULT_PRESENT_THRESHOLD",
    "AttendanceReport",
    "AttendanceRow",
    "BatchAttendance",
    "attendance_report",
    "batch_attendance",
    "build_report",
    "own_rows",
    "threshold_of",
]
