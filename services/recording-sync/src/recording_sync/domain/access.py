"""Who may open a recorded lesson (flow 6): the rule alone, no I/O.

Managers always may: the tenant's admins (and platform operators, and services a method's
access rule admits), and teachers of the recording's batch. Everyone else needs an unexpired
grant that applies to them: ``public`` applies to any signed-in caller of the tenant,
``specific_user`` to the user it names, ``enrolled_students`` to the students who attend the
recording's batch (for an individual batch, its one student). Levels nest: view < download <
edit. Who teaches or attends what is the scheduler's to say (``ListMemberships``), so the rule
takes the answers as inputs rather than asking; the tenant is checked before the rule runs (a
recording of another tenant is never even loaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from classbridge_common.auth import Caller

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
) -> Access:
    """The caller's best access to ``recording`` given its grants. ``manages`` says whether the
    caller manages it (an admin, or a teacher of its batch); ``enrolled`` whether the caller
    attends its batch (both asked of the scheduler by the handler)."""
    if manages:
        return MANAGER
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
    return best
