"""The scheduler's unit of work: one transaction, its repositories, and its outbox events."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.inbox import try_record
from classbridge_common.tenancy import TenantScope
from classbridge_common.uow import UnitOfWork
from scheduler.adapters import event_codec
from scheduler.adapters.repository import (
    Batches,
    Courses,
    Enrollments,
    Interactions,
    Participants,
    RecordedLessons,
    Sessions,
    SharedResources,
)
from scheduler.domain.events import Event


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
    ) -> None:
        super().__init__(session_factory=session_factory, on_commit=on_commit)
        self._tenant = tenant

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

    def attach(self, session: AsyncSession) -> None:
        scope = self.scope = (
            TenantScope(self._tenant) if self._tenant is not None else TenantScope.of_caller()
        )
        self.courses = Courses(session, scope)
        self.batches = Batches(session, scope)
        self.enrollments = Enrollments(session, scope)
        self.sessions = Sessions(session, scope)
        self.participants = Participants(session, scope)
        self.interactions = Interactions(session, scope)
        self.resources = SharedResources(session, scope)
        self.lessons = RecordedLessons(session, scope)

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
