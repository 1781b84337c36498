"""Repositories: the scheduler's entities found, added and deleted. They never commit.

The entities are mapped onto the tables (``scheduler.adapters.orm``), so a repository hands out
the unit of work's own objects: what the service layer changes on them is written when the unit
of work commits, and there is no ``save``. Queries that return entities are ORM selects; the
rest (ids, counters, bulk deletes) stay Core statements, run after the pending changes are
flushed so that they see them and write after them.

Every statement goes through the unit of work's tenant scope (:class:`_Rows`), which narrows
it to one tenant. Lists take an offset and a limit and return ``(items, total)`` so the entry
point can build opaque page tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.db import is_postgres
from classbridge_common.tenancy import TENANT_COLUMN, Scoped, TenantScope
from scheduler.adapters import orm
from scheduler.adapters import tables as t
from scheduler.domain.bulk import BulkJob
from scheduler.domain.directory import Person, PersonRole
from scheduler.domain.jobs import JobKind, JobState, SessionJob
from scheduler.domain.model import (
    Batch,
    BatchType,
    Course,
    Enrollment,
    Interaction,
    InteractionType,
    LessonSource,
    Participant,
    RecordedLesson,
    ResourceType,
    Session,
    SessionStatus,
    SharedResource,
)
from scheduler.domain.notices import Notice, NoticeKind, NoticePreference, NoticeState
from scheduler.domain.registration import Registrant
from scheduler.domain.series import SessionSeries

Page = tuple[list[Any], int]

T = TypeVar("T")


#: The tables whose rows belong to one session (deleted with it).
SESSION_CHILDREN = (
    t.participants,
    t.interactions,
    t.shared_resources,
    t.recorded_lessons,
    t.session_registrants,
    t.session_jobs,
)


class _Rows(Generic[T]):
    """The repository of one mapped ``entity`` stored in ``table``: ``get``, ``by_request_id``
    and ``delete`` written once.

    Every statement goes through :meth:`_run`, :meth:`_all`, :meth:`_first` or :meth:`_page`,
    which narrow it to the unit of work's tenant: this is the one place tenants are kept apart.
    """

    entity: ClassVar[type[Any]]
    table: ClassVar[Table]

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self._s = session
        self._rows = Scoped(session, scope)
        self._scope = scope

    def _add(self, obj: T, **columns: Any) -> None:
        """Add a new entity in the scope's tenant (INTERNAL when the scope names none)."""
        orm.set_columns(obj, **{TENANT_COLUMN: self._scope.require()}, **columns)
        self._s.add(obj)

    async def _run(self, statement: Any) -> Any:
        """A Core statement, after the pending changes (so it sees them, and writes after)."""
        await orm.flush(self._s)
        return await self._rows.execute(statement)

    async def _all(self, query: Select[Any]) -> list[T]:
        return list((await self._rows.execute(query)).scalars().all())

    async def _page(self, query: Select[Any], offset: int, limit: int) -> tuple[list[T], int]:
        await orm.flush(self._s)
        query = self._scope.apply(query)
        total = await self._s.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        items = (await self._s.execute(query.offset(offset).limit(limit))).scalars().all()
        return list(items), int(total or 0)

    async def _first(self, query: Select[Any], *, for_update: bool = False) -> T | None:
        """The first entity of ``query`` in scope; a tenant-spanning unit of work enters its
        tenant. A locked read also refreshes the entity if this unit of work already holds it:
        the lock is taken to act on the row as it is now."""
        if for_update:
            query = query.execution_options(populate_existing=True)
            if is_postgres(self._s):
                query = query.with_for_update()
        found: T | None = (await self._rows.execute(query)).scalars().first()
        if found is not None:
            self._scope.enter(orm.column_value(found, TENANT_COLUMN))
        return found

    async def _one(self, *where: Any) -> T | None:
        return await self._first(select(self.entity).where(*where))

    async def get(self, id_: str) -> T | None:
        return await self._one(self.table.c.id == id_)

    async def by_request_id(self, request_id: str) -> T | None:
        return await self._one(self.table.c.request_id == request_id)

    async def delete(self, id_: str) -> None:
        """Delete the row; an entity of it already loaded leaves the unit of work with it."""
        await self._rows.execute(
            delete(self.entity)
            .where(self.table.c.id == id_)
            .execution_options(synchronize_session="fetch")
        )


class Courses(_Rows[Course]):
    entity = Course
    table = t.courses

    async def add(self, course: Course) -> None:
        self._scope.enter(course.tenant_id)  # a course names its tenant
        self._add(course)

    async def list(
        self,
        *,
        tenant_id: str,
        instructor_id: str,
        offset: int,
        limit: int,
        ids: Iterable[str] | None = None,
    ) -> Page:
        query = select(Course).order_by(t.courses.c.create_time.desc(), t.courses.c.id.desc())
        if ids is not None:
            query = query.where(t.courses.c.id.in_(list(ids)))
        if tenant_id:
            query = query.where(t.courses.c.tenant_id == tenant_id)
        if not instructor_id:
            return await self._page(query, offset, limit)
        # JSON membership differs between databases; filter here.
        items = [c for c in await self._all(query) if instructor_id in c.instructor_ids]
        return items[offset : offset + limit], len(items)

    async def ids_taught_by(self, teacher_id: str) -> set[str]:
        """Courses ``teacher_id`` is an instructor of (JSON membership: filtered here)."""
        rows = await self._run(select(t.courses.c.id, t.courses.c.instructor_ids))
        return {r.id for r in rows if teacher_id in r.instructor_ids}


class Batches(_Rows[Batch]):
    entity = Batch
    table = t.batches

    async def add(self, batch: Batch) -> None:
        self._add(batch)

    async def delete(self, batch_id: str) -> None:
        await self._run(delete(t.enrollments).where(t.enrollments.c.batch_id == batch_id))
        await super().delete(batch_id)

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
        query = select(Batch).order_by(t.batches.c.create_time.desc(), t.batches.c.id.desc())
        if ids is not None:
            query = query.where(t.batches.c.id.in_(list(ids)))
        if course_id:
            query = query.where(t.batches.c.course_id == course_id)
        if instructor_id:
            query = query.where(t.batches.c.instructor_id == instructor_id)
        if type is not None:
            query = query.where(t.batches.c.type == type)
        if student_id:
            enrolled = select(t.enrollments.c.batch_id).where(
                t.enrollments.c.student_id == student_id
            )
            query = query.where(
                or_(t.batches.c.student_id == student_id, t.batches.c.id.in_(enrolled))
            )
        return await self._page(query, offset, limit)

    async def enrollment_counts(self, batch_ids: Sequence[str]) -> dict[str, int]:
        if not batch_ids:
            return {}
        rows = await self._run(
            select(t.enrollments.c.batch_id, func.count())
            .where(t.enrollments.c.batch_id.in_(list(batch_ids)))
            .group_by(t.enrollments.c.batch_id)
        )
        return {r[0]: int(r[1]) for r in rows}


class Enrollments(_Rows[Enrollment]):
    entity = Enrollment
    table = t.enrollments

    async def add(self, enrollment: Enrollment, *, request_id: str | None) -> None:
        self._add(enrollment, request_id=request_id)

    async def find(self, batch_id: str, student_id: str) -> Enrollment | None:
        """The student's enrollment in the batch (a lookup: it does not enter a tenant)."""
        found = await self._all(
            select(Enrollment)
            .where(t.enrollments.c.batch_id == batch_id, t.enrollments.c.student_id == student_id)
            .limit(1)
        )
        return found[0] if found else None

    async def student_ids(self, batch_id: str) -> list[str]:
        rows = await self._run(
            select(t.enrollments.c.student_id).where(t.enrollments.c.batch_id == batch_id)
        )
        return [r.student_id for r in rows]

    async def list(self, *, batch_id: str, student_id: str, offset: int, limit: int) -> Page:
        query = select(Enrollment).order_by(t.enrollments.c.create_time, t.enrollments.c.id)
        if batch_id:
            query = query.where(t.enrollments.c.batch_id == batch_id)
        if student_id:
            query = query.where(t.enrollments.c.student_id == student_id)
        return await self._page(query, offset, limit)


class Sessions(_Rows[Session]):
    entity = Session
    table = t.sessions

    async def add(self, s: Session) -> None:
        self._add(s)

    async def get(self, session_id: str, *, for_update: bool = False) -> Session | None:
        return await self._first(
            select(Session).where(t.sessions.c.id == session_id), for_update=for_update
        )

    async def by_meeting_id(self, meeting_id: int, *, for_update: bool = False) -> Session | None:
        """The session holding Zoom meeting ``meeting_id`` (the newest, should there be two)."""
        query = (
            select(Session)
            .where(t.sessions.c.meeting_id == meeting_id)
            .order_by(t.sessions.c.create_time.desc())
            .limit(1)
        )
        return await self._first(query, for_update=for_update)

    async def of_meeting(self, meeting_id: int) -> list[Session]:
        """Every session holding Zoom meeting ``meeting_id``: one, or the occurrences of a
        recurring meeting, in start order."""
        return await self._all(
            select(Session)
            .where(t.sessions.c.meeting_id == meeting_id)
            .order_by(t.sessions.c.scheduled_start, t.sessions.c.id)
        )

    async def of_series(self, series_id: str) -> list[Session]:
        """The sessions of a series, in start order."""
        return await self._all(
            select(Session)
            .where(t.sessions.c.series_id == series_id)
            .order_by(t.sessions.c.scheduled_start, t.sessions.c.id)
        )

    async def of_ids(self, session_ids: Sequence[str]) -> dict[str, Session]:
        """The sessions of ``session_ids`` that exist in scope, by id."""
        found: dict[str, Session] = {}
        ids = list(session_ids)
        for i in range(0, len(ids), 500):  # bounded IN lists
            chunk = ids[i : i + 500]
            for s in await self._all(select(Session).where(t.sessions.c.id.in_(chunk))):
                found[s.id] = s
        return found

    async def of_batch(self, batch_id: str) -> list[Session]:
        return await self._all(
            select(Session)
            .where(t.sessions.c.batch_id == batch_id)
            .order_by(t.sessions.c.scheduled_start, t.sessions.c.id)
        )

    async def delete_of_batch(self, batch_id: str) -> None:
        ids = select(t.sessions.c.id).where(t.sessions.c.batch_id == batch_id)
        for table in SESSION_CHILDREN:
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
        query = select(Session).order_by(*order)
        if course_id:
            query = query.where(t.sessions.c.course_id == course_id)
        if batch_ids is not None:
            query = query.where(t.sessions.c.batch_id.in_(list(batch_ids)))
        if teacher_id:
            query = query.where(t.sessions.c.teacher_id == teacher_id)
        wanted = list(statuses)
        if wanted:
            query = query.where(t.sessions.c.status.in_(wanted))
        if start_after is not None:
            query = query.where(t.sessions.c.scheduled_start >= start_after)
        if start_before is not None:
            query = query.where(t.sessions.c.scheduled_start < start_before)
        return await self._page(query, offset, limit)

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


class Participants(_Rows[Participant]):
    entity = Participant
    table = t.participants

    async def of_session(self, session_id: str) -> list[Participant]:
        return await self._all(
            select(Participant)
            .where(t.participants.c.session_id == session_id)
            .order_by(t.participants.c.create_time, t.participants.c.id)
        )

    async def add(self, p: Participant, *, at: datetime) -> None:
        self._add(p, create_time=at)


class Interactions(_Rows[Interaction]):
    entity = Interaction
    table = t.interactions

    async def add(self, i: Interaction) -> None:
        self._add(i)

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
            select(Interaction)
            .where(t.interactions.c.session_id == session_id)
            .order_by(t.interactions.c.create_time, t.interactions.c.id)
        )
        wanted = list(types)
        if wanted:
            query = query.where(t.interactions.c.type.in_(wanted))
        if since is not None:
            query = query.where(t.interactions.c.create_time > since)
        return await self._page(query, offset, limit)


class SharedResources(_Rows[SharedResource]):
    entity = SharedResource
    table = t.shared_resources

    async def add(self, r: SharedResource) -> None:
        self._add(r)

    async def list(
        self, *, session_id: str, type: ResourceType | None, shared_by: str, offset: int, limit: int
    ) -> Page:
        query = (
            select(SharedResource)
            .where(t.shared_resources.c.session_id == session_id)
            .order_by(t.shared_resources.c.shared_at, t.shared_resources.c.id)
        )
        if type is not None:
            query = query.where(t.shared_resources.c.type == type)
        if shared_by:
            query = query.where(t.shared_resources.c.shared_by == shared_by)
        return await self._page(query, offset, limit)


class RecordedLessons(_Rows[RecordedLesson]):
    entity = RecordedLesson
    table = t.recorded_lessons

    async def add(self, lesson: RecordedLesson) -> None:
        self._add(lesson)

    async def of_session(self, session_id: str) -> list[RecordedLesson]:
        """Every lesson of the session, oldest first (a session has a handful)."""
        return await self._all(
            select(RecordedLesson)
            .where(t.recorded_lessons.c.session_id == session_id)
            .order_by(t.recorded_lessons.c.create_time, t.recorded_lessons.c.id)
        )

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
            select(RecordedLesson)
            .where(t.recorded_lessons.c.session_id == session_id)
            .order_by(t.recorded_lessons.c.create_time, t.recorded_lessons.c.id)
        )
        if source is not None:
            query = query.where(t.recorded_lessons.c.source == source)
        return await self._page(query, offset, limit)

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
            result.setdefault(session_id, {})[source] = int(count)
        return result


class Registrants(_Rows[Registrant]):
    entity = Registrant
    table = t.session_registrants

    async def add(self, registrant: Registrant) -> None:
        self._add(registrant)

    async def of_session(self, session_id: str) -> list[Registrant]:
        """A session's registrants (one per registered student), oldest first."""
        return await self._all(
            select(Registrant)
            .where(t.session_registrants.c.session_id == session_id)
            .order_by(t.session_registrants.c.create_time, t.session_registrants.c.id)
        )

    async def of_meeting(self, meeting_id: int) -> list[Registrant]:
        """Every registration made for Zoom meeting ``meeting_id``: a recurring meeting's
        registrants are registered once, for all its occurrences."""
        return await self._all(
            select(Registrant)
            .where(t.session_registrants.c.meeting_id == meeting_id)
            .order_by(t.session_registrants.c.create_time, t.session_registrants.c.id)
        )

    async def of_student(self, session_id: str, student_id: str) -> Registrant | None:
        found = await self._all(
            select(Registrant)
            .where(
                t.session_registrants.c.session_id == session_id,
                t.session_registrants.c.student_id == student_id,
            )
            .limit(1)
        )
        return found[0] if found else None


class SessionJobs(_Rows[SessionJob]):
    entity = SessionJob
    table = t.session_jobs

    async def add(self, job: SessionJob) -> None:
        self._add(job)

    async def get(self, job_id: str, *, for_update: bool = False) -> SessionJob | None:
        return await self._first(
            select(SessionJob).where(t.session_jobs.c.id == job_id), for_update=for_update
        )

    async def of_session(self, session_id: str, kind: JobKind) -> SessionJob | None:
        """The session's job of ``kind`` (a lookup: it does not enter a tenant)."""
        found = await self._all(
            select(SessionJob)
            .where(t.session_jobs.c.session_id == session_id, t.session_jobs.c.kind == kind)
            .limit(1)
        )
        return found[0] if found else None

    async def of_sessions(self, session_ids: Sequence[str], kind: JobKind) -> dict[str, SessionJob]:
        if not session_ids:
            return {}
        found = await self._all(
            select(SessionJob).where(
                t.session_jobs.c.session_id.in_(list(session_ids)), t.session_jobs.c.kind == kind
            )
        )
        return {job.session_id: job for job in found}

    async def due(self, now: datetime, kind: JobKind, *, limit: int) -> list[tuple[str, str]]:
        """``(job id, tenant)`` of pending jobs of ``kind`` due by ``now``, the longest waiting
        first, in every tenant the scope spans (the worker's unit of work spans them all)."""
        rows = await self._run(
            select(t.session_jobs.c.id, t.session_jobs.c.tenant_id)
            .where(
                t.session_jobs.c.kind == kind,
                t.session_jobs.c.state == JobState.PENDING,
                t.session_jobs.c.next_attempt_time <= now,
            )
            .order_by(t.session_jobs.c.next_attempt_time, t.session_jobs.c.id)
            .limit(limit)
        )
        return [(r.id, r.tenant_id) for r in rows]

    async def pending(self, kind: JobKind) -> list[SessionJob]:
        """The scope's pending jobs of ``kind`` in queue order (due time, then creation)."""
        return await self._all(
            select(SessionJob)
            .where(t.session_jobs.c.kind == kind, t.session_jobs.c.state == JobState.PENDING)
            .order_by(
                t.session_jobs.c.next_attempt_time,
                t.session_jobs.c.create_time,
                t.session_jobs.c.id,
            )
        )

    async def pending_per_host(self, kind: JobKind) -> dict[str, int]:
        """How many jobs of ``kind`` are pending in the scope, per host they name."""
        table = t.session_jobs
        rows = await self._run(
            select(table.c.host_user_id, func.count())
            .where(table.c.kind == kind, table.c.state == JobState.PENDING)
            .group_by(table.c.host_user_id)
        )
        return {str(host): int(count) for host, count in rows.all()}

    async def claim(self, job: SessionJob, changes: Mapping[str, Any]) -> bool:
        """Write a claim (``SessionJob.claim``'s ``changes``) only if the job is still as
        ``job`` was read: pending and due when it was. Of two workers claiming one job, one
        wins; the winner's entity then holds the claim as written."""
        table = t.session_jobs
        result = await self._run(
            update(table)
            .where(
                table.c.id == job.id,
                table.c.state == JobState.PENDING,
                table.c.next_attempt_time == job.next_attempt_time,
            )
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        won = int(getattr(result, "rowcount", 0) or 0) == 1
        if won:
            orm.set_committed(job, **changes)
        return won


class Series(_Rows[SessionSeries]):
    entity = SessionSeries
    table = t.session_series

    async def add(self, series: SessionSeries) -> None:
        self._add(series)

    async def get_for_update(self, series_id: str) -> SessionSeries | None:
        return await self._first(
            select(SessionSeries).where(t.session_series.c.id == series_id), for_update=True
        )


class Notices(_Rows[Notice]):
    entity = Notice
    table = t.notices

    async def add(self, notice: Notice) -> None:
        self._add(notice)

    async def of_event(self, event_id: str) -> list[Notice]:
        return await self._all(select(Notice).where(t.notices.c.event_id == event_id))

    async def get_for_update(self, notice_id: str) -> Notice | None:
        return await self._first(select(Notice).where(t.notices.c.id == notice_id), for_update=True)

    async def any_of_session(self, session_id: str, kind: NoticeKind) -> bool:
        """Whether a notice of ``kind`` about ``session_id`` was planned already (any event)."""
        found = await self._first(
            select(Notice).where(t.notices.c.session_id == session_id, t.notices.c.kind == kind)
        )
        return found is not None

    async def due(self, now: datetime, *, limit: int) -> list[tuple[str, str]]:
        """``(notice id, tenant)`` of pending notices due by ``now``, oldest first, in every
        tenant the scope spans."""
        rows = await self._run(
            select(t.notices.c.id, t.notices.c.tenant_id)
            .where(t.notices.c.state == NoticeState.PENDING, t.notices.c.next_attempt_time <= now)
            .order_by(t.notices.c.next_attempt_time, t.notices.c.id)
            .limit(limit)
        )
        return [(r.id, r.tenant_id) for r in rows]


class People(_Rows[Person]):
    """The tenant's people directory (``scheduler.domain.directory``)."""

    entity = Person
    table = t.people

    async def of_user(self, user_id: str, *, for_update: bool = False) -> Person | None:
        query = select(Person).where(t.people.c.user_id == user_id)
        return await self._first(query, for_update=for_update)

    async def add(self, person: Person) -> None:
        self._add(person)

    async def remove(self, user_id: str) -> bool:
        """Delete ``user_id``'s entry; False when there was none."""
        result = await self._run(
            delete(Person)
            .where(t.people.c.user_id == user_id)
            .execution_options(synchronize_session="fetch")
        )
        return bool(result.rowcount)

    async def with_role(self, role: PersonRole) -> list[Person]:
        """Everyone of ``role`` in the tenant, by user id."""
        return await self._all(
            select(Person).where(t.people.c.role == role).order_by(t.people.c.user_id)
        )

    async def list(
        self, *, role: PersonRole | None, offset: int, limit: int
    ) -> tuple[list[Person], int]:
        query = select(Person).order_by(t.people.c.user_id)
        if role is not None:
            query = query.where(t.people.c.role == role)
        return await self._page(query, offset, limit)


class NoticePreferences(_Rows[NoticePreference]):
    entity = NoticePreference
    table = t.notice_preferences

    async def of_user(self, user_id: str) -> NoticePreference | None:
        return await self._one(t.notice_preferences.c.user_id == user_id)

    async def opted_out(self, user_ids: Sequence[str]) -> set[str]:
        """Those of ``user_ids`` who asked for no email notices."""
        found = await self._all(
            select(NoticePreference).where(
                t.notice_preferences.c.user_id.in_(list(user_ids)),
                t.notice_preferences.c.email_notices.is_(False),
            )
        )
        return {p.user_id for p in found}

    async def add(self, preference: NoticePreference) -> None:
        self._add(preference)


class BulkJobs(_Rows[BulkJob]):
    entity = BulkJob
    table = t.bulk_jobs

    async def add(self, job: BulkJob) -> None:
        self._add(job)
