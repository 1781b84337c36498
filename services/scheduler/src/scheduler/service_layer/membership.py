"""What a person teaches and attends, within the unit of work's tenant.

Lists are narrowed with it (a teacher lists only the courses, batches and sessions they teach; a
student only those they attend), and recording-sync asks for it (``ListMemberships``) before it
hands out a playback URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from classbridge_common.errors import InvalidArgument
from scheduler.adapters.uow import SchedulerUnitOfWork


@dataclass(frozen=True, slots=True)
class Memberships:
    """Batch and course ids one user teaches or attends."""

    teaches_courses: frozenset[str]
    """Courses they are an instructor of, and the courses of the batches they teach."""
    teaches_batches: frozenset[str]
    attends_batches: frozenset[str]


async def memberships_of(uow: SchedulerUnitOfWork, user_id: str) -> Memberships:
    """Inside an open unit of work: what ``user_id`` teaches (instructor of the course, or the
    batch's teacher) and attends (enrolled, or the student of an individual batch)."""
    courses = await uow.courses.ids_taught_by(user_id)
    taught = await uow.batches.ids_taught_by(user_id, courses)
    courses |= await uow.batches.course_ids(taught)
    attends = await uow.batches.ids_of_student(user_id)
    return Memberships(
        teaches_courses=frozenset(courses),
        teaches_batches=frozenset(taught),
        attends_batches=frozenset(attends),
    )


async def list_memberships(
    user_id: str, *, tenant_id: str, uow: SchedulerUnitOfWork
) -> Memberships:
    """``ListMemberships``: asked by another service about one user of one tenant."""
    if not user_id or not tenant_id:
        raise InvalidArgument("user_id and tenant_id are required")
    async with uow:
        uow.scope.enter(tenant_id)
        return await memberships_of(uow, user_id)


__all__ = ["Memberships", "list_memberships", "memberships_of"]
