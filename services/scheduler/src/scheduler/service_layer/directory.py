"""The tenant's people directory, kept by its course platform: the teachers and admins that
Classbridge emails (a recording ready, a sync given up on).

Only the tenant's admins (and services acting for it) write or read it: it holds people's
addresses. An entry is put whole (``PUT``: created or replaced), so the platform can push its
users again whenever they change without reading first.
"""

from __future__ import annotations

import re

from classbridge_common.auth import Caller
from classbridge_common.errors import FailedPrecondition, NotFound, PermissionDenied
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.directory import Person, PersonRole
from scheduler.domain.errors import invalid
from scheduler.service_layer import access
from scheduler.service_layer.clock import Clock, utcnow

#: An address a mail server takes: one @, no spaces or angle brackets, a dotted domain.
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _require_admin(caller: Caller, uow: SchedulerUnitOfWork) -> None:
    if not access.is_staff(caller):
        raise PermissionDenied("only the school's admins keep its people directory")
    if uow.scope.spans:
        raise FailedPrecondition("the people directory is a school's: act within its tenant")


def _checked(person: Person) -> Person:
    user_id = person.user_id.strip()
    if not user_id:
        raise invalid("person.user_id", "required")
    if len(user_id) > 128:
        raise invalid("person.user_id", "at most 128 characters")
    email = person.email.strip()
    if len(email) > 320 or not _EMAIL.match(email):
        raise invalid("person.email", "an email address, such as ana@school.example")
    if len(person.name) > 200:
        raise invalid("person.name", "at most 200 characters")
    return Person(user_id=user_id, email=email, role=person.role, name=person.name.strip())


async def put_person(
    person: Person, *, uow: SchedulerUnitOfWork, caller: Caller, now: Clock = utcnow
) -> Person:
    """Create or replace ``person``'s entry; the entry as stored."""
    wanted = _checked(person)
    async with uow:
        _require_admin(caller, uow)
        at = now()
        found = await uow.people.of_user(wanted.user_id, for_update=True)
        if found is None:
            found = Person(
                user_id=wanted.user_id,
                email=wanted.email,
                role=wanted.role,
                name=wanted.name,
                create_time=at,
                update_time=at,
            )
            await uow.people.add(found)
        else:
            found.email, found.role, found.name = wanted.email, wanted.role, wanted.name
            found.update_time = at
        await uow.commit()
        return found


async def list_people(
    *,
    role: PersonRole | None,
    offset: int,
    limit: int,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[Person], int]:
    """A page of the directory (of one role, when given), by user id; and how many in all."""
    async with uow:
        _require_admin(caller, uow)
        return await uow.people.list(role=role, offset=offset, limit=limit)


async def delete_person(user_id: str, *, uow: SchedulerUnitOfWork, caller: Caller) -> None:
    """Remove ``user_id``'s entry (NOT_FOUND when there is none): no more email to them."""
    if not user_id.strip():
        raise invalid("user_id", "required")
    async with uow:
        _require_admin(caller, uow)
        if not await uow.people.remove(user_id.strip()):
            raise NotFound(resource_type="person", resource_id=user_id)
        await uow.commit()


__all__ = ["delete_person", "list_people", "put_person"]
