"""Attendance reports: per session, and per batch over a range of days (what course platforms
grade, and what the edge exports as CSV or JSON).

A row per person: every participant record (students, the teacher, guests), one per student
(records of one user are measured together), and a row of 0 minutes, absent, for each student
expected who never came. Expected are the batch's students enrolled by the session's end (the
one student of an individual batch); someone enrolled later was not expected then. Figures are
measured on the stays that count (``Participant.counted_stays``: Zoom's report once merged,
overlaps once) against the session's real length; present is at or above the threshold: the
request's, else the batch's, else the service default.

Who reads what: the session's (or batch's) teachers and the tenant's admins every row; a
student of the batch only their own rows, with counts of those rows; anyone else is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from classbridge_common.auth import Caller
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import attendance
from scheduler.domain.errors import invalid
from scheduler.domain.jobs import JobKind, JobState, SessionJob
from scheduler.domain.model import Batch, BatchType, Participant, Session, SessionStatus
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
) -> tuple[int, float, bool, int]:
    """Minutes, percentage, present and stays of one person's records together."""
    stays = [stay for person in people for stay in person.counted_stays()]
    length = attendance.attended(stays, until=until)
    percent = attendance.percentage(length, session.length())
    return (
        attendance.whole_minutes(length),
        percent,
        percent >= threshold,
        attendance.stays(stays, until=until),
    )


def _first_join(people: Iterable[Participant]) -> datetime | None:
    joins = [p.first_join_time for p in people if p.first_join_time is not None]
    return min(joins) if joins else None


def _last_leave(people: Sequence[Participant]) -> datetime | None:
    leaves = [p.last_leave_time for p in people]
    if any(leave is None and p.intervals for leave, p in zip(leaves, people, strict=True)):
        return None  # still in the meeting
    known = [leave for leave in leaves if leave is not None]
    return max(known) if known else None


def build_report(
    session: Session,
    people: Sequence[Participant],
    expected: Iterable[str],
    *,
    threshold: float,
    job: SessionJob | None,
    now: datetime,
) -> AttendanceReport:
    """The report of one session from its records (no I/O)."""
    expected = list(dict.fromkeys(expected))
    until = session.actual_end or now
    reconciled = job is not None and job.state is JobState.DONE
    groups: dict[str, list[Participant]] = {}
    for person in people:
        groups.setdefault(person.user_id or f"\0{person.id}", []).append(person)
    rows: list[AttendanceRow] = []
    for key, group in groups.items():
        minutes, percent, present, stays = _measured(
            group, session, until=until, threshold=threshold
        )
        first = group[0]
        rows.append(
            AttendanceRow(
                user_id=first.user_id,
                display_name=next((p.display_name for p in group if p.display_name), ""),
                email=next((p.email for p in group if p.email), ""),
                enrolled=not key.startswith("\0") and key in expected,
                present=present,
                minutes_attended=minutes,
                attendance_percentage=percent,
                first_join_time=_first_join(group),
                last_leave_time=_last_leave(group),
                join_count=stays,
                rejoin_count=max(0, stays - 1),
                reconciled=reconciled,
            )
        )
    for student in expected:
        if student not in groups:
            rows.append(
                AttendanceRow(
                    student, "", "", True, False, 0, 0.0, None, None, 0, reconciled=reconciled
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
        r for r in rows if not r.enrolled and not (r.user_id and r.user_id == session.teacher_id)
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


def _expected(
    batch: Batch | None, enrolled: Sequence[tuple[str, datetime | None]], session: Session
) -> list[str]:
    """The students a session expected: enrolled by its end (an individual batch's one)."""
    if batch is not None and batch.type is BatchType.INDIVIDUAL:
        return [batch.student_id] if batch.student_id else []
    return [
        student for student, since in enrolled if since is None or since <= session.scheduled_end
    ]


async def _enrolled(uow: SchedulerUnitOfWork, batch_id: str) -> list[tuple[str, datetime | None]]:
    found, _ = await uow.enrollments.list(
        batch_id=batch_id, student_id="", offset=0, limit=MAX_ENROLLMENTS
    )
    return [(e.student_id, e.create_time) for e in found]


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
            reader = _reader_of_batch(caller, batch, [s for s, _ in enrolled], manages)
        people = await uow.participants.of_session(session.id)
        job = await uow.jobs.of_session(session.id, JobKind.RECONCILE_ATTENDANCE)
    report = build_report(
        session,
        people,
        _expected(batch, enrolled, session),
        threshold=threshold_of(threshold, batch, default_threshold),
        job=job,
        now=now(),
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
            [s for s, _ in enrolled],
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
    reports = [
        build_report(
            s,
            people[s.id],
            _expected(batch, enrolled, s),
            threshold=chosen,
            job=jobs.get(s.id),
            now=at,
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
