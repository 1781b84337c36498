"""The scheduler's unit of work: one transaction, its repositories, and its outbox events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.inbox import try_record
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
    """Repositories over the open transaction; domain events go to the outbox at commit."""

    courses: Courses
    batches: Batches
    enrollments: Enrollments
    sessions: Sessions
    participants: Participants
    interactions: Interactions
    resources: SharedResources
    lessons: RecordedLessons

    def attach(self, session: AsyncSession) -> None:
        self.courses = Courses(session)
        self.batches = Batches(session)
        self.enrollments = Enrollments(session)
        self.sessions = Sessions(session)
        self.participants = Participants(session)
        self.interactions = Interactions(session)
        self.resources = SharedResources(session)
        self.lessons = RecordedLessons(session)

    def record(self, event: Event) -> None:
        """Announce ``event`` when (and only if) this unit of work commits."""
        message = event_codec.encode(event)
        self.add_event(event_codec.routing_key(message), message)

    async def first_delivery(self, consumer: str, message_id: str) -> bool:
        """Record ``message_id`` in the inbox; False when ``consumer`` applied it before.

        The inbox row commits with the effect, so a redelivered message is applied once.
        """
        return await try_record(self.session, consumer, message_id)
