"""Callers and stored starting points for the handler tests.

Rows are stored straight through a :class:`FakeUnitOfWork` (not through the handlers), so a test
of one handler does not depend on the others being right.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from classbridge_common.auth import ADMIN, OPERATOR, SERVICE, STUDENT, TEACHER, Caller
from classbridge_common.paging import PageRequest
from scheduler.domain.jobs import JobKind, JobState, SessionJob
from scheduler.domain.model import (
    Batch,
    BatchType,
    Course,
    Enrollment,
    LessonSource,
    Participant,
    RecordedLesson,
    Session,
    SessionStatus,
    ZoomMeeting,
)
from scheduler.domain.registration import Registrant
from tests.unit.scheduler.fakes import FakeDatabase

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
"""When the seeded sessions start (the fake clock starts a day before)."""


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _user(subject: str, role: str, tenant: str = "default") -> Caller:
    return Caller(subject=subject, roles=frozenset({role}), tenant=tenant)


TEACHER_1 = _user("teacher-1", TEACHER)
TEACHER_2 = _user("teacher-2", TEACHER)
CO_TEACHER = _user("teacher-3", TEACHER)
STUDENT_1 = _user("student-1", STUDENT)
STRANGER = _user("student-9", STUDENT)
ADMIN_1 = _user("admin-1", ADMIN)
ACME_ADMIN = _user("admin-acme", ADMIN, "acme")
ACME_TEACHER = _user("teacher-1", TEACHER, "acme")
OPERATOR_1 = Caller(subject="operator-1", roles=frozenset({OPERATOR}), tenant=None)
RECORDING_SYNC = Caller(subject="recording-sync", roles=frozenset({SERVICE}), kind="service")


def ids(items: Iterable[Any]) -> list[str]:
    """The ``id`` of each item, in order: pages are compared by what they hold and its order."""
    return [item.id for item in items]


def page(offset: int = 0, limit: int = 50) -> PageRequest:
    """A page as ``page_request`` makes it (the fingerprint only matters to page tokens)."""
    return PageRequest(offset=offset, limit=limit, fingerprint="")


@contextmanager
def nothing_stored(db: FakeDatabase, *, commits: bool = True) -> Iterator[None]:
    """Asserts the block changes no row and publishes no event, and (unless ``commits`` is
    False: consumers commit the inbox row whatever the effect) commits nothing."""
    before, count, published = db.snapshot(), db.commits, len(db.published)
    yield
    if commits:
        assert db.commits == count
    assert db.snapshot() == before
    assert len(db.published) == published


def acting(db: FakeDatabase, caller: Caller) -> dict[str, Any]:
    """``uow`` and ``caller`` for a handler call made by ``caller`` (its scope as in a request)."""
    return {"uow": db.uow(caller=caller), "caller": caller}


async def seed_course(
    db: FakeDatabase,
    *,
    tenant: str = "default",
    instructors: tuple[str, ...] = ("teacher-1",),
    title: str = "JavaScript",
    created: datetime | None = None,
    **values: Any,
) -> Course:
    when = created or T0 - timedelta(days=30)
    course = Course(
        id=values.pop("id", f"course-{db.count('courses') + 1}"),
        tenant_id=tenant,
        title=title,
        instructor_ids=list(instructors),
        create_time=when,
        update_time=when,
        **values,
    )
    async with db.uow(tenant=tenant) as uow:
        await uow.courses.add(course)
        await uow.commit()
    return course


async def seed_batch(
    db: FakeDatabase,
    course: Course,
    *,
    type: BatchType = BatchType.GROUP,
    instructor_id: str = "teacher-1",
    student_id: str = "",
    created: datetime | None = None,
    **values: Any,
) -> Batch:
    when = created or T0 - timedelta(days=20)
    batch = Batch(
        id=values.pop("id", f"batch-{db.count('batches') + 1}"),
        course_id=course.id,
        name=values.pop("name", "Morning"),
        type=type,
        instructor_id=instructor_id,
        student_id=student_id,
        create_time=when,
        update_time=when,
        **values,
    )
    async with db.uow(tenant=course.tenant_id) as uow:
        await uow.batches.add(batch)
        await uow.commit()
    return batch


async def seed_enrollment(
    db: FakeDatabase, batch: Batch, student_id: str, *, request_id: str | None = None
) -> Enrollment:
    enrollment = Enrollment(
        id=f"enrollment-{db.count('enrollments') + 1}",
        batch_id=batch.id,
        student_id=student_id,
        create_time=T0 - timedelta(days=10, minutes=-db.count("enrollments")),
    )
    async with db.uow(tenant=db.tenant_of("batches", batch.id)) as uow:
        await uow.enrollments.add(enrollment, request_id=request_id)
        await uow.commit()
    return enrollment


def a_meeting(meeting_id: int = 81_000_000_001, **values: Any) -> ZoomMeeting:
    return ZoomMeeting(
        meeting_id=meeting_id,
        meeting_uuid=values.pop("meeting_uuid", f"uuid-{meeting_id}"),
        join_url=f"https://zoom.example/j/{meeting_id}",
        topic="JavaScript - Intro",
        host_zoom_user_id="zoom-host-1",
        duration_minutes=90,
        start_time=T0,
        timezone="UTC",
        **values,
    )


async def seed_session(
    db: FakeDatabase,
    batch: Batch,
    *,
    meeting: ZoomMeeting | None = None,
    start: datetime = T0,
    minutes: int = 90,
    status: SessionStatus = SessionStatus.SCHEDULED,
    teacher_id: str | None = None,
    **values: Any,
) -> Session:
    session = Session(
        id=values.pop("id", f"session-{db.count('sessions') + 1}"),
        batch_id=batch.id,
        course_id=batch.course_id,
        batch_type=batch.type,
        title=values.pop("title", "Intro"),
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=minutes),
        timezone=values.pop("timezone", "UTC"),
        teacher_id=batch.instructor_id if teacher_id is None else teacher_id,
        status=status,
        meeting=meeting,
        create_time=values.pop("create_time", T0 - timedelta(days=5)),
        update_time=T0 - timedelta(days=5),
        **values,
    )
    async with db.uow(tenant=db.tenant_of("batches", batch.id)) as uow:
        await uow.sessions.add(session)
        await uow.commit()
    return session


async def seed_participant(
    db: FakeDatabase, session: Session, *, created: datetime | None = None, **values: Any
) -> Participant:
    person = Participant(
        id=values.pop("id", f"participant-{db.count('participants') + 1}"),
        session_id=session.id,
        **values,
    )
    async with db.uow(tenant=db.tenant_of("sessions", session.id)) as uow:
        await uow.participants.add(person, at=created or at(db.count("participants")))
        await uow.commit()
    return person


async def seed_lesson(db: FakeDatabase, session: Session, **values: Any) -> RecordedLesson:
    lesson = RecordedLesson(
        id=values.pop("id", f"lesson-{db.count('recorded_lessons') + 1}"),
        session_id=session.id,
        title=values.pop("title", "Recording"),
        source=values.pop("source", LessonSource.MANUAL_UPLOAD),
        create_time=values.pop("create_time", at(200 + db.count("recorded_lessons"))),
        **values,
    )
    async with db.uow(tenant=db.tenant_of("sessions", session.id)) as uow:
        await uow.lessons.add(lesson)
        await uow.commit()
    return lesson


async def seed_registrant(
    db: FakeDatabase, session: Session, student_id: str, **values: Any
) -> Registrant:
    """``student_id`` registered for the session's meeting (registrant ``reg-<student>``)."""
    registrant = Registrant(
        id=values.pop("id", f"registrant-{db.count('session_registrants') + 1}"),
        session_id=session.id,
        student_id=student_id,
        registrant_id=values.pop("registrant_id", f"reg-{student_id}"),
        email=values.pop("email", f"{student_id}@school.example"),
        join_url=values.pop("join_url", f"https://zoom.example/w/1?tk=secret-{student_id}"),
        create_time=T0 - timedelta(days=4),
        update_time=T0 - timedelta(days=4),
        **values,
    )
    async with db.uow(tenant=db.tenant_of("sessions", session.id)) as uow:
        await uow.registrants.add(registrant)
        await uow.commit()
    return registrant


async def seed_job(
    db: FakeDatabase,
    session: Session,
    *,
    state: JobState = JobState.PENDING,
    kind: JobKind = JobKind.RECONCILE_ATTENDANCE,
    **values: Any,
) -> SessionJob:
    job = SessionJob(
        id=values.pop("id", f"job-{db.count('session_jobs') + 1}"),
        session_id=session.id,
        kind=kind,
        state=state,
        create_time=values.pop("create_time", at(90)),
        update_time=values.pop("update_time", at(90)),
        **values,
    )
    async with db.uow(tenant=db.tenant_of("sessions", session.id)) as uow:
        await uow.jobs.add(job)
        await uow.commit()
    return job
