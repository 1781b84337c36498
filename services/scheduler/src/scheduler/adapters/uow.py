"""The scheduler's unit of work: one transaction, its repositories, and its outbox events.

The repositories hand out mapped entities (``scheduler.adapters.orm``): the unit of work's
commit writes what changed on them. One unit of work object serves several ``async with``
blocks, and what one block loaded is often passed into the next, so leaving a block lets go of
its entities as they are (detached, every attribute loaded) rather than expiring them: a later
block reads them as plain values, and one that changes a row loads it again.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session as OrmSession

from classbridge_common.inbox import try_record
from classbridge_common.tenancy import TenantScope
from classbridge_common.uow import UnitOfWork
from scheduler.adapters import event_codec, orm
from scheduler.adapters.repository import (
    Batches,
    BulkJobs,
    Courses,
    Enrollments,
    Interactions,
    NoticePreferences,
    Notices,
    Participants,
    People,
    RecordedLessons,
    Registrants,
    Series,
    SessionJobs,
    Sessions,
    SharedResources,
)
from scheduler.domain.events import Event
from scheduler.domain.jobs import JobState, SessionJob

# Mapped on import: an entity made before its class is mapped could never be stored, and
# everything that stores entities imports this module before making one.
orm.start_mappers()


class SchedulerUnitOfWork(UnitOfWork):
    """Repositories over the open transaction; domain events go to the outbox at commit.

    ``tenant`` is the one tenant it reads and writes: by default the current caller's (none for
    operators and services, until the first row loaded fixes it); consumers pass the event's.
    """

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] | None = None,
        tenant: str | None = None,
        on_job_armed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(session_factory=session_factory, on_commit=on_commit)
        self._tenant = tenant
        self._on_job_armed = on_job_armed

    scope: TenantScope
    """The open unit of work's tenant scope (made anew by each ``async with``)."""
    courses: Courses
    batches: Batches
    enrollments: Enrollments
    sessions: Sessions
    participants: Participants
    interactions: Interactions
    resources: SharedResources
    lessons: RecordedLessons
    registrants: Registrants
    jobs: SessionJobs
    bulk: BulkJobs
    series: Series
    notices: Notices
    notice_preferences: NoticePreferences
    people: People

    def attach(self, session: AsyncSession) -> None:
        scope = self.scope = (
            TenantScope(self._tenant) if self._tenant is not None else TenantScope.of_caller()
        )
        orm.watch(session, scope)
        self.courses = Courses(session, scope)
        self.batches = Batches(session, scope)
        self.enrollments = Enrollments(session, scope)
        self.sessions = Sessions(session, scope)
        self.participants = Participants(session, scope)
        self.interactions = Interactions(session, scope)
        self.resources = SharedResources(session, scope)
        self.lessons = RecordedLessons(session, scope)
        self.registrants = Registrants(session, scope)
        self.jobs = SessionJobs(session, scope)
        self.bulk = BulkJobs(session, scope)
        self.series = Series(session, scope)
        self.notices = Notices(session, scope)
        self.notice_preferences = NoticePreferences(session, scope)
        self.people = People(session, scope)
        if self._on_job_armed is not None:
            event.listen(session.sync_session, "before_flush", _note_armed_jobs)

    async def commit(self) -> None:
        """Write every change to the loaded entities, events to the outbox, and commit.

        Values changed only in place are flagged first: SQLAlchemy would take a session with
        nothing else changed for clean and commit without them.
        """
        orm.flag_changed(self.session.sync_session)
        await super().commit()
        armed = self.session.sync_session.info.pop(_JOB_ARMED, False)
        if armed and self._on_job_armed is not None:
            # A student asks for their join link right after the class is scheduled: the job
            # that registers them runs now, not at the worker's next poll.
            self._on_job_armed()

    async def rollback(self) -> None:
        """Discard the changes and events since the last commit; the unit stays open.

        The entities loaded so far are let go first (SQLAlchemy would expire them, and an
        expired attribute would be loaded again by I/O no async code awaits).
        """
        self.session.expunge_all()
        self.session.sync_session.info.pop(_JOB_ARMED, None)
        await super().rollback()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.expunge_all()  # kept usable, detached, by the blocks that follow
        await super().__aexit__(exc_type, exc, tb)

    def record(self, event: Event) -> None:
        """Announce ``event`` when (and only if) this unit of work commits, in its tenant."""
        message = event_codec.encode(event)
        if not getattr(message, "tenant_id", "x"):
            message.tenant_id = self.scope.require()  # type: ignore[attr-defined]
        self.add_event(event_codec.routing_key(message), message)

    async def first_delivery(self, consumer: str, message_id: str) -> bool:
        """Record ``message_id`` in the inbox; False when ``consumer`` applied it before.

        The inbox row commits with the effect, so a redelivered message is applied once.
        """
        return await try_record(self.session, consumer, message_id)


_JOB_ARMED = "classbridge.job_armed"


def _note_armed_jobs(session: OrmSession, *_: Any) -> None:
    """Before each flush (a query's autoflush as well as the commit's): note whether it writes
    a (re)armed background job, one pending and not yet tried (an attempt's own claim and
    outcome are not an arming)."""
    if any(
        isinstance(o, SessionJob)
        and o.state is JobState.PENDING
        and o.attempts == 0
        and not o.lease_id
        for o in (*session.new, *session.dirty)
    ):
        session.info[_JOB_ARMED] = True
