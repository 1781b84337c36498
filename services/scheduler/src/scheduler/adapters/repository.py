"""Repositories: entities in and out of the scheduler's tables. They never commit.

Each repository works on the unit of work's ``AsyncSession``. Lists take an offset and a limit
and return ``(items, total)`` so the entry point can build opaque page tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, Table, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.db import is_postgres
from classbridge_common.tenancy import Scoped, TenantScope
from scheduler.adapters import tables as t
from scheduler.domain.model import (
    AutoRecording,
    Batch,
    BatchType,
    Course,
    Enrollment,
    Interaction,
    InteractionType,
    Interval,
    LessonPart,
    LessonSource,
    Participant,
    ParticipantRole,
    RecordedLesson,
    RecordingSync,
    ResourceType,
    Session,
    SessionStatus,
    SharedResource,
    ZoomMeeting,
)

Page = tuple[list[Any], int]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _dump_times(obj: Any) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, datetime) else v for k, v in asdict(obj).items()}


def _load_times(cls: type[Any], data: dict[str, Any]) -> Any:
    names = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            continue
        if isinstance(value, str) and "datetime" in str(names[key].type):
            value = _dt(value)
        values[key] = value
    return cls(**values)


async def _page(
    session: AsyncSession, query: Select[Any], offset: int, limit: int
) -> tuple[list[Any], int]:
    total = (
        await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    rows = (await session.execute(query.offset(offset).limit(limit))).all()
    return list(rows), int(total)


def _columns(obj: Any) -> dict[str, Any]:
    """A dataclass whose fields are exactly its table's columns, as row values (enums by value)."""
    return {
        f.name: value.value if isinstance(value := getattr(obj, f.name), Enum) else value
        for f in fields(obj)
    }


T = TypeVar("T")


class _Rows(Generic[T]):
    """A table whose rows map to one domain object: ``get``, ``by_request_id`` and ``delete``
    written once; each repository names its ``table`` and the row mapper ``load``.

    Every statement goes through :meth:`_run` (or :meth:`_page`), which narrows it to the unit
    of work's tenant: this is the one place tenants are kept apart.
    """

    table: ClassVar[Table]

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self._s = session
        self._rows = Scoped(session, scope)
        self._scope = scope

    def load(self, row: Any) -> T:
        raise NotImplementedError

    async def _run(self, statement: Any) -> Any:
        return await self._rows.execute(statement)

    async def _page(self, query: Select[Any], offset: int, limit: int) -> tuple[list[Any], int]:
        return await _page(self._s, self._scope.apply(query), offset, limit)

    async def _first(self, query: Select[Any], *, for_update: bool = False) -> T | None:
        """The first row of ``query`` in scope; a tenant-spanning unit of work enters its tenant."""
        if for_update and is_postgres(self._s):
            query = query.with_for_update()
        row = await self._rows.load(query)
        return self.load(row) if row is not None else None

    async def _one(self, *where: Any) -> T | None:
        return await self._first(select(self.table).where(*where))

    async def get(self, id_: str) -> T | None:
        return await self._one(self.table.c.id == id_)

    async def by_request_id(self, request_id: str) -> T | None:
        return await self._one(self.table.c.request_id == request_id)

    async def delete(self, id_: str) -> None:
        await self._run(delete(self.table).where(self.table.c.id == id_))


class Courses(_Rows[Course]):
    table = t.courses

    def load(self, row: Any) -> Course:
        return _course(row)

    async def add(self, course: Course) -> None:
        self._scope.enter(course.tenant_id)
        await self._run(insert(t.courses).values(**_course_row(course)))

    async def save(self, course: Course) -> None:
        await self._run(
            update(t.courses).where(t.courses.c.id == course.id).values(**_course_row(course))
        )

    async def list(
        self,
        *,
        tenant_id: str,
        instructor_id: str,
        offset: int,
        limit: int,
        ids: Iterable[str] | None = None,
    ) -> Page:
        query = select(t.courses).order_by(t.courses.c.create_time.desc(), t.courses.c.id.desc())
        if ids is not None:
            query = query.where(t.courses.c.id.in_(list(ids)))
        if tenant_id:
            query = query.where(t.courses.c.tenant_id == tenant_id)
        rows, total = (
            await self._page(query, 0, 1_000_000)
            if instructor_id
            else await self._page(query, offset, limit)
        )
        items = [_course(r) for r in rows]
        if instructor_id:  # JSON membership differs between databases; filter here
            items = [c for c in items if instructor_id in c.instructor_ids]
            total = len(items)
            items = items[offset : offset + limit]
        return items, total

    async def ids_taught_by(self, teacher_id: str) -> set[str]:
        """Courses ``teacher_id`` is an instructor of (JSON membership: filtered here)."""
        rows = await self._run(select(t.courses.c.id, t.courses.c.instructor_ids))
        return {r.id for r in rows if teacher_id in (r.instructor_ids or [])}


def _course_row(c: Course) -> dict[str, Any]:
    return {
        "id": c.id,
        "tenant_id": c.tenant_id,
        "title": c.title,
        "description": c.description,
        "instructor_ids": list(c.instructor_ids),
        "default_timezone": c.default_timezone,
        "default_meeting_settings": dict(c.default_meeting_settings),
        "request_id": c.request_id,
        "create_time": c.create_time,
        "update_time": c.update_time,
    }


def _course(r: Any) -> Course:
    return Course(
        id=r.id,
        tenant_id=r.tenant_id,
        title=r.title,
        description=r.description,
        instructor_ids=list(r.instructor_ids or []),
        default_timezone=r.default_timezone,
        default_meeting_settings=dict(r.default_meeting_settings or {}),
        request_id=r.request_id,
        create_time=r.create_time,
        update_time=r.update_time,
    )


class Batches(_Rows[Batch]):
    table = t.batches

    def load(self, row: Any) -> Batch:
        return _batch(row)

    async def add(self, batch: Batch) -> None:
        await self._run(insert(t.batches).values(**_batch_row(batch)))

    async def save(self, batch: Batch) -> None:
        await self._run(
            update(t.batches).where(t.batches.c.id == batch.id).values(**_batch_row(batch))
        )

    async def delete(self, batch_id: str) -> None:
        await self._run(delete(t.enrollments).where(t.enrollments.c.batch_id == batch_id))
        await self._run(delete(t.batches).where(t.batches.c.id == batch_id))

    async def ids_of_course(self, course_id: str) -> list[str]:
        rows = await self._run(select(t.batches.c.id).where(t.batches.c.course_id == course_id))
        return [r.id for r in rows]

    async def ids_taught_by(self, teacher_id: str, course_ids: Iterable[str]) -> list[str]:
        """Batches ``teacher_id`` teaches: as the batch's teacher or a teacher of its course."""
        rows = await self._run(
            select(t.batches.c.id).where(
                or_(
                    t.batches.c.instructor_id == teacher_id,
                    t.batches.c.course_id.in_(list(course_ids)),
                )
            )
        )
        return [r.id for r in rows]

    async def course_ids(self, batch_ids: Iterable[str]) -> set[str]:
        rows = await self._run(
            select(t.batches.c.course_id).where(t.batches.c.id.in_(list(batch_ids)))
        )
        return {r.course_id for r in rows}

    async def ids_of_student(self, student_id: str) -> list[str]:
        """Batches a student belongs to: enrolled in, or the student of an individual batch."""
        enrolled = select(t.enrollments.c.batch_id).where(t.enrollments.c.student_id == student_id)
        rows = await self._run(
            select(t.batches.c.id).where(
                or_(t.batches.c.student_id == student_id, t.batches.c.id.in_(enrolled))
            )
        )
        return [r.id for r in rows]

    async def list(
        self,
        *,
        course_id: str,
        instructor_id: str,
        student_id: str,
        type: BatchType | None,
        offset: int,
        limit: int,
        ids: Sequence[str] | None = None,
    ) -> Page:
        query = select(t.batches).order_by(t.batches.c.create_time.desc(), t.batches.c.id.desc())
        if ids is not None:
            query = query.where(t.batches.c.id.in_(list(ids)))
        if course_id:
            query = query.where(t.batches.c.course_id == course_id)
        if instructor_id:
            query = query.where(t.batches.c.instructor_id == instructor_id)
        if type is not None:
            query = query.where(t.batches.c.type == type.value)
        if student_id:
            enrolled = select(t.enrollments.c.batch_id).where(
                t.enrollments.c.student_id == student_id
            )
            query = query.where(
                or_(t.batches.c.student_id == student_id, t.batches.c.id.in_(enrolled))
            )
        rows, total = await self._page(query, offset, limit)
        return [_batch(r) for r in rows], total

    async def enrollment_counts(self, batch_ids: Sequence[str]) -> dict[str, int]:
        if not batch_ids:
            return {}
        rows = await self._run(
            select(t.enrollments.c.batch_id, func.count())
            .where(t.enrollments.c.batch_id.in_(list(batch_ids)))
            .group_by(t.enrollments.c.batch_id)
        )
        return {r[0]: int(r[1]) for r in rows}


def _batch_row(b: Batch) -> dict[str, Any]:
    return {
        "id": b.id,
        "course_id": b.course_id,
        "name": b.name,
        "type": b.type.value,
        "instructor_id": b.instructor_id,
        "student_id": b.student_id,
        "timezone": b.timezone,
        "start_date": b.start_date,
        "end_date": b.end_date,
        "meeting_settings": dict(b.meeting_settings),
        "request_id": b.request_id,
        "create_time": b.create_time,
        "update_time": b.update_time,
    }


def _batch(r: Any) -> Batch:
    return Batch(
        id=r.id,
        course_id=r.course_id,
        name=r.name,
        type=BatchType(r.type),
        instructor_id=r.instructor_id,
        student_id=r.student_id,
        timezone=r.timezone,
        start_date=r.start_date,
        end_date=r.end_date,
        meeting_settings=dict(r.meeting_settings or {}),
        request_id=r.request_id,
        create_time=r.create_time,
        update_time=r.update_time,
    )


class Enrollments(_Rows[Enrollment]):
    table = t.enrollments

    def load(self, row: Any) -> Enrollment:
        return _enrollment(row)

    async def add(self, enrollment: Enrollment, *, request_id: str | None) -> None:
        await self._run(
            insert(t.enrollments).values(
                id=enrollment.id,
                batch_id=enrollment.batch_id,
                student_id=enrollment.student_id,
                request_id=request_id,
                create_time=enrollment.create_time,
            )
        )

    async def find(self, batch_id: str, student_id: str) -> Enrollment | None:
        row = (
            await self._run(
                select(t.enrollments).where(
                    t.enrollments.c.batch_id == batch_id, t.enrollments.c.student_id == student_id
                )
            )
        ).first()
        return _enrollment(row) if row else None

    async def student_ids(self, batch_id: str) -> list[str]:
        rows = await self._run(
            select(t.enrollments.c.student_id).where(t.enrollments.c.batch_id == batch_id)
        )
        return [r.student_id for r in rows]

    async def list(self, *, batch_id: str, student_id: str, offset: int, limit: int) -> Page:
        query = select(t.enrollments).order_by(t.enrollments.c.create_time, t.enrollments.c.id)
        if batch_id:
            query = query.where(t.enrollments.c.batch_id == batch_id)
        if student_id:
            query = query.where(t.enrollments.c.student_id == student_id)
        rows, total = await self._page(query, offset, limit)
        return [_enrollment(r) for r in rows], total


def _enrollment(r: Any) -> Enrollment:
    return Enrollment(
        id=r.id, batch_id=r.batch_id, student_id=r.student_id, create_time=r.create_time
    )


class Sessions(_Rows[Session]):
    table = t.sessions

    def load(self, row: Any) -> Session:
        return _session(row)

    async def add(self, s: Session) -> None:
        await self._run(insert(t.sessions).values(**_session_row(s)))

    async def save(self, s: Session) -> None:
        await self._run(update(t.sessions).where(t.sessions.c.id == s.id).values(**_session_row(s)))

    async def get(self, session_id: str, *, for_update: bool = False) -> Session | None:
        return await self._first(
            select(t.sessions).where(t.sessions.c.id == session_id), for_update=for_update
        )

    async def by_meeting_id(self, meeting_id: int, *, for_update: bool = False) -> Session | None:
        """The session holding Zoom meeting ``meeting_id`` (the newest, should there be two)."""
        query = (
            select(t.sessions)
            .where(t.sessions.c.meeting_id == meeting_id)
            .order_by(t.sessions.c.create_time.desc())
            .limit(1)
        )
        return await self._first(query, for_update=for_update)

    async def of_batch(self, batch_id: str) -> list[Session]:
        rows = await self._run(
            select(t.sessions)
            .where(t.sessions.c.batch_id == batch_id)
            .order_by(t.sessions.c.scheduled_start, t.sessions.c.id)
        )
        return [_session(r) for r in rows]

    async def delete_of_batch(self, batch_id: str) -> None:
        ids = select(t.sessions.c.id).where(t.sessions.c.batch_id == batch_id)
        for table in (t.participants, t.interactions, t.shared_resources, t.recorded_lessons):
            await self._run(delete(table).where(table.c.session_id.in_(ids)))
        await self._run(delete(t.sessions).where(t.sessions.c.batch_id == batch_id))

    async def list(
        self,
        *,
        course_id: str,
        batch_ids: Sequence[str] | None,
        teacher_id: str,
        statuses: Iterable[SessionStatus],
        start_after: datetime | None,
        start_before: datetime | None,
        descending: bool,
        offset: int,
        limit: int,
    ) -> Page:
        order = (
            (t.sessions.c.scheduled_start.desc(), t.sessions.c.id.desc())
            if descending
            else (t.sessions.c.scheduled_start, t.sessions.c.id)
        )
        query = select(t.sessions).order_by(*order)
        if course_id:
            query = query.where(t.sessions.c.course_id == course_id)
        if batch_ids is not None:
            query = query.where(t.sessions.c.batch_id.in_(list(batch_ids)))
        if teacher_id:
            query = query.where(t.sessions.c.teacher_id == teacher_id)
        wanted = [s.value for s in statuses]
        if wanted:
            query = query.where(t.sessions.c.status.in_(wanted))
        if start_after is not None:
            query = query.where(t.sessions.c.scheduled_start >= start_after)
        if start_before is not None:
            query = query.where(t.sessions.c.scheduled_start < start_before)
        rows, total = await self._page(query, offset, limit)
        return [_session(r) for r in rows], total

    async def counters(self, session_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(participants who joined, recorded lessons) per session."""
        if not session_ids:
            return {}
        ids = list(session_ids)
        people = dict(
            (
                await self._run(
                    select(t.participants.c.session_id, func.count())
                    .where(t.participants.c.session_id.in_(ids))
                    .group_by(t.participants.c.session_id)
                )
            ).all()
        )
        lessons = dict(
            (
                await self._run(
                    select(t.recorded_lessons.c.session_id, func.count())
                    .where(t.recorded_lessons.c.session_id.in_(ids))
                    .group_by(t.recorded_lessons.c.session_id)
                )
            ).all()
        )
        return {i: (int(people.get(i, 0)), int(lessons.get(i, 0))) for i in ids}


def _session_row(s: Session) -> dict[str, Any]:
    return {
        "id": s.id,
        "batch_id": s.batch_id,
        "course_id": s.course_id,
        "batch_type": s.batch_type.value,
        "title": s.title,
        "description": s.description,
        "teacher_id": s.teacher_id,
        "scheduled_start": s.scheduled_start,
        "scheduled_end": s.scheduled_end,
        "timezone": s.timezone,
        "status": s.status.value,
        "actual_start": s.actual_start,
        "actual_end": s.actual_end,
        "lifecycle_event_time": s.lifecycle_event_time,
        "max_participants": s.max_participants,
        "auto_recording": s.auto_recording.value,
        "meeting_settings": dict(s.meeting_settings),
        "meeting_id": s.meeting.meeting_id if s.meeting else None,
        "meeting": _dump_times(s.meeting) if s.meeting else None,
        "meeting_generation": s.meeting_generation,
        "previous_meeting": _dump_times(s.previous_meeting) if s.previous_meeting else None,
        "recording_sync": _dump_times(s.recording_sync) if s.recording_sync else None,
        "cancel_time": s.cancel_time,
        "cancel_reason": s.cancel_reason,
        "cancelled_by": s.cancelled_by,
        "request_id": s.request_id,
        "create_time": s.create_time,
        "update_time": s.update_time,
    }


def _session(r: Any) -> Session:
    return Session(
        id=r.id,
        batch_id=r.batch_id,
        course_id=r.course_id,
        batch_type=BatchType(r.batch_type),
        title=r.title,
        description=r.description,
        teacher_id=r.teacher_id,
        scheduled_start=r.scheduled_start,
        scheduled_end=r.scheduled_end,
        timezone=r.timezone,
        status=SessionStatus(r.status),
        actual_start=r.actual_start,
        actual_end=r.actual_end,
        lifecycle_event_time=r.lifecycle_event_time,
        max_participants=r.max_participants,
        auto_recording=AutoRecording(r.auto_recording),
        meeting_settings=dict(r.meeting_settings or {}),
        meeting=_load_times(ZoomMeeting, r.meeting) if r.meeting else None,
        meeting_generation=r.meeting_generation,
        previous_meeting=_load_times(ZoomMeeting, r.previous_meeting)
        if r.previous_meeting
        else None,
        recording_sync=_load_times(RecordingSync, r.recording_sync) if r.recording_sync else None,
        cancel_time=r.cancel_time,
        cancel_reason=r.cancel_reason,
        cancelled_by=r.cancelled_by,
        request_id=r.request_id,
        create_time=r.create_time,
        update_time=r.update_time,
    )


class Participants(_Rows[Participant]):
    table = t.participants

    def load(self, row: Any) -> Participant:
        return _participant(row)

    async def of_session(self, session_id: str) -> list[Participant]:
        rows = await self._run(
            select(t.participants)
            .where(t.participants.c.session_id == session_id)
            .order_by(t.participants.c.create_time, t.participants.c.id)
        )
        return [_participant(r) for r in rows]

    async def add(self, p: Participant, *, at: datetime) -> None:
        await self._run(insert(t.participants).values(**_participant_row(p), create_time=at))

    async def save(self, p: Participant) -> None:
        await self._run(
            update(t.participants).where(t.participants.c.id == p.id).values(**_participant_row(p))
        )


def _participant_row(p: Participant) -> dict[str, Any]:
    return {
        "id": p.id,
        "session_id": p.session_id,
        "display_name": p.display_name,
        "email": p.email,
        "zoom_user_id": p.zoom_user_id,
        "user_id": p.user_id,
        "role": p.role.value,
        "shared_screen": p.shared_screen,
        "raised_hand": p.raised_hand,
        "enrolled": p.enrolled,
        "intervals": [_dump_times(i) for i in p.intervals],
    }


def _participant(r: Any) -> Participant:
    return Participant(
        id=r.id,
        session_id=r.session_id,
        display_name=r.display_name,
        email=r.email,
        zoom_user_id=r.zoom_user_id,
        user_id=r.user_id,
        role=ParticipantRole(r.role),
        shared_screen=bool(r.shared_screen),
        raised_hand=bool(r.raised_hand),
        enrolled=bool(r.enrolled),
        intervals=[_load_times(Interval, i) for i in (r.intervals or [])],
    )


class Interactions(_Rows[Interaction]):
    table = t.interactions

    def load(self, row: Any) -> Interaction:
        return _interaction(row)

    async def add(self, i: Interaction) -> None:
        await self._run(insert(t.interactions).values(**_columns(i)))

    async def list(
        self,
        *,
        session_id: str,
        types: Iterable[InteractionType],
        since: datetime | None,
        offset: int,
        limit: int,
    ) -> Page:
        query = (
            select(t.interactions)
            .where(t.interactions.c.session_id == session_id)
            .order_by(t.interactions.c.create_time, t.interactions.c.id)
        )
        wanted = [x.value for x in types]
        if wanted:
            query = query.where(t.interactions.c.type.in_(wanted))
        if since is not None:
            query = query.where(t.interactions.c.create_time > since)
        rows, total = await self._page(query, offset, limit)
        return [_interaction(r) for r in rows], total


def _interaction(r: Any) -> Interaction:
    return Interaction(
        id=r.id,
        session_id=r.session_id,
        type=InteractionType(r.type),
        author_id=r.author_id,
        author_display_name=r.author_display_name,
        anonymous=bool(r.anonymous),
        content=r.content,
        reply_to_id=r.reply_to_id,
        poll_id=r.poll_id,
        poll_question_id=r.poll_question_id,
        answered=bool(r.answered),
        request_id=r.request_id,
        create_time=r.create_time,
    )


class SharedResources(_Rows[SharedResource]):
    table = t.shared_resources

    def load(self, row: Any) -> SharedResource:
        return _resource(row)

    async def add(self, r: SharedResource) -> None:
        await self._run(insert(t.shared_resources).values(**_columns(r)))

    async def list(
        self, *, session_id: str, type: ResourceType | None, shared_by: str, offset: int, limit: int
    ) -> Page:
        query = (
            select(t.shared_resources)
            .where(t.shared_resources.c.session_id == session_id)
            .order_by(t.shared_resources.c.shared_at, t.shared_resources.c.id)
        )
        if type is not None:
            query = query.where(t.shared_resources.c.type == type.value)
        if shared_by:
            query = query.where(t.shared_resources.c.shared_by == shared_by)
        rows, total = await self._page(query, offset, limit)
        return [_resource(r) for r in rows], total


def _resource(r: Any) -> SharedResource:
    return SharedResource(
        id=r.id,
        session_id=r.session_id,
        type=ResourceType(r.type),
        title=r.title,
        description=r.description,
        url=r.url,
        storage_key=r.storage_key,
        shared_by=r.shared_by,
        request_id=r.request_id,
        shared_at=r.shared_at,
    )


class RecordedLessons(_Rows[RecordedLesson]):
    table = t.recorded_lessons

    def load(self, row: Any) -> RecordedLesson:
        return _lesson(row)

    async def add(self, lesson: RecordedLesson) -> None:
        await self._run(insert(t.recorded_lessons).values(**_lesson_row(lesson)))

    async def save(self, lesson: RecordedLesson) -> None:
        await self._run(
            update(t.recorded_lessons)
            .where(t.recorded_lessons.c.id == lesson.id)
            .values(**_lesson_row(lesson))
        )

    async def of_session(self, session_id: str) -> list[RecordedLesson]:
        """Every lesson of the session, oldest first (a session has a handful)."""
        rows = await self._run(
            select(t.recorded_lessons)
            .where(t.recorded_lessons.c.session_id == session_id)
            .order_by(t.recorded_lessons.c.create_time, t.recorded_lessons.c.id)
        )
        return [_lesson(r) for r in rows]

    async def session_ids_of_recording(self, recording_id: str) -> list[str]:
        """The sessions holding lessons made from ``recording_id`` (for events naming none)."""
        rows = await self._run(
            select(t.recorded_lessons.c.session_id)
            .where(t.recorded_lessons.c.recording_id == recording_id)
            .distinct()
        )
        return sorted(r.session_id for r in rows)

    async def list(
        self, *, session_id: str, source: LessonSource | None, offset: int, limit: int
    ) -> Page:
        query = (
            select(t.recorded_lessons)
            .where(t.recorded_lessons.c.session_id == session_id)
            .order_by(t.recorded_lessons.c.create_time, t.recorded_lessons.c.id)
        )
        if source is not None:
            query = query.where(t.recorded_lessons.c.source == source.value)
        rows, total = await self._page(query, offset, limit)
        return [_lesson(r) for r in rows], total

    async def counts_by_source(
        self, session_ids: Sequence[str]
    ) -> dict[str, dict[LessonSource, int]]:
        if not session_ids:
            return {}
        rows = await self._run(
            select(t.recorded_lessons.c.session_id, t.recorded_lessons.c.source, func.count())
            .where(t.recorded_lessons.c.session_id.in_(list(session_ids)))
            .group_by(t.recorded_lessons.c.session_id, t.recorded_lessons.c.source)
        )
        result: dict[str, dict[LessonSource, int]] = {}
        for session_id, source, count in rows:
            result.setdefault(session_id, {})[LessonSource(source)] = int(count)
        return result


def _lesson_row(lesson: RecordedLesson) -> dict[str, Any]:
    row = _columns(lesson)
    row["parts"] = [_dump_times(p) for p in lesson.parts]
    return row


def _lesson(r: Any) -> RecordedLesson:
    return RecordedLesson(
        id=r.id,
        session_id=r.session_id,
        title=r.title,
        source=LessonSource(r.source),
        recording_id=r.recording_id,
        recording_file_id=r.recording_file_id,
        external_url=r.external_url,
        file_type=r.file_type,
        file_size_bytes=r.file_size_bytes,
        duration_seconds=r.duration_seconds,
        zoom_info=dict(r.zoom_info or {}),
        request_id=r.request_id,
        create_time=r.create_time,
        lesson_kind=r.lesson_kind,
        parts=[_load_times(LessonPart, p) for p in (r.parts or [])],
    )
