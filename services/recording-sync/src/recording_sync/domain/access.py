"""Who may open a recorded lesson (flow 6): the rule alone, no I/O.

Managers always may: the tenant's admins (and platform operators, and services a method's
access rule admits), and teachers of the recording's batch. Everyone else needs an unexpired
grant that applies to them: ``public`` applies to any signed-in caller of the tenant,
``specific_user`` to the user it names, ``enrolled_students`` to the students who attend the
recording's batch (for an individual batch, its one student). Levels nest: view < download <
edit. A course may end its students' access (the recording policy's
``student_access_end_time``): from then on students open none of its recordings, whatever their
grants, while teachers and admins still do. Who teaches or attends what is the scheduler's to
say (``ListMemberships``), so the rule takes the answers as inputs rather than asking; the
tenant is checked before the rule runs (a recording of another tenant is never even loaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from classbridge_common.auth import ADMIN, OPERATOR, STUDENT, TEACHER, Caller

PUBLIC, ENROLLED, SPECIFIC = "public", "enrolled_students", "specific_user"
SCOPES = (PUBLIC, ENROLLED, SPECIFIC)
VIEW, DOWNLOAD, EDIT = "view", "download", "edit"
LEVELS = (VIEW, DOWNLOAD, EDIT)


@dataclass(frozen=True, slots=True)
class Membership:
    """The batches one user teaches and attends, within one tenant (the scheduler's answer)."""

    teaches: frozenset[str] = frozenset()
    attends: frozenset[str] = frozenset()


def manages_tenant(caller: Caller) -> bool:
    """Admins (of their tenant), operators and admitted services manage every recording and
    job in reach; teachers only those of the batches they teach."""
    return caller.manages_tenant


def rank(level: str) -> int:
    """0 for no access, then 1..3 for view, download, edit."""
    return LEVELS.index(level) + 1 if level in LEVELS else 0


@dataclass(frozen=True)
class Access:
    """What one caller may do with one recording."""

    level: str = ""  # "" = nothing
    expires_at: datetime | None = None

    @property
    def can_view(self) -> bool:
        return rank(self.level) >= rank(VIEW)

    @property
    def can_download(self) -> bool:
        return rank(self.level) >= rank(DOWNLOAD)

    @property
    def can_edit(self) -> bool:
        return rank(self.level) >= rank(EDIT)


MANAGER = Access(level=EDIT)


def live(grant: Any, now: datetime) -> bool:
    """A grant counts until its expiry (none = forever)."""
    return grant.expires_at is None or grant.expires_at > now


def is_student(caller: Caller) -> bool:
    """A person who is only a student here: the one the end of a course's access applies to (a
    caller who also teaches or administers is judged as such)."""
    return (
        not caller.is_service
        and caller.has_role(STUDENT)
        and not caller.has_role(TEACHER, ADMIN, OPERATOR)
    )


def ended(caller: Caller, now: datetime, access_ends_at: datetime | None) -> bool:
    """Has the course's end of students' access passed for this caller?"""
    return access_ends_at is not None and now >= access_ends_at and is_student(caller)


def needs_enrollment(grants: list[Any], now: datetime) -> bool:
    """Whether the answer depends on attendance (so the scheduler is asked only then)."""
    return any(g.scope == ENROLLED and live(g, now) for g in grants)


def decide(
    caller: Caller,
    recording: Any,
    grants: list[Any],
    now: datetime,
    *,
    manages: bool,
    enrolled: bool,
    access_ends_at: datetime | None = None,
) -> Access:
    """The caller's best access to ``recording`` given its grants. ``manages`` says whether the
    caller manages it (an admin, or a teacher of its batch); ``enrolled`` whether the caller
    attends its batch (both asked of the scheduler by the handler); ``access_ends_at`` when the
    recording's course ends its students' access (its policy; None = never). A student's grant
    lasts at most until that end, so the access says when it runs out."""
    if manages:
        return MANAGER
    if ended(caller, now, access_ends_at):
        return Access()
    best = Access()
    for grant in grants:
        if not live(grant, now):
            continue
        if grant.scope == PUBLIC:
            applies = True
        elif grant.scope == SPECIFIC:
            applies = bool(grant.user_id) and grant.user_id == caller.subject
        elif grant.scope == ENROLLED:
            if recording.batch_type == "individual":
                applies = bool(recording.student_id) and recording.student_id == caller.subject
            else:
                applies = enrolled
        else:
            applies = False
        if not applies:
            continue
        if rank(grant.level) > rank(best.level) or (
            rank(grant.level) == rank(best.level)
            and best.expires_at is not None
            and (grant.expires_at is None or grant.expires_at > best.expires_at)
        ):
            best = Access(level=grant.level, expires_at=grant.expires_at)
    if best.level and access_ends_at is not None and is_student(caller):
        return Access(level=best.level, expires_at=_earliest(best.expires_at, access_ends_at))
    return best


def _earliest(first: datetime | None, second: datetime) -> datetime:
    return second if first is None else min(first, second)
