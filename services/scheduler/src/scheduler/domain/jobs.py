"""Background work about one session that needs Zoom and must not be lost: stored jobs.

Reading Zoom's participants report after a meeting (and keeping a meeting's registrants in
step with the batch) calls Zoom, which may be down, rate limited, or not have the data yet (the
report appears minutes after the end). So the work is a row, written in the same transaction
as the fact that calls for it (the meeting ended), and a worker runs it when it is due: a
restart loses nothing, and a failure is tried again later, with a growing delay, until the
retry window closes.

An attempt is claimed before Zoom is called (no transaction stays open across the call): the
claim gives the job a new ``lease_id`` and pushes its due time past the attempt's lease, so no
other worker starts it meanwhile, and only the holder of that lease may record the outcome.
Arming the job again (the meeting restarted and ended again) clears the lease, so a late
outcome of the earlier attempt is discarded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class JobKind(enum.StrEnum):
    RECONCILE_ATTENDANCE = "reconcile_attendance"
    SYNC_REGISTRANTS = "sync_registrants"
    # an upcoming meeting's alternative hosts (the course's instructors changed)
    SYNC_ALTERNATIVE_HOSTS = "sync_alternative_hosts"
    # an upcoming meeting's pre-assigned breakout rooms (the batch's groups changed)
    SYNC_BREAKOUT_ROOMS = "sync_breakout_rooms"
    # a session's meeting, created when the host's daily Zoom budget allows (bulk scheduling)
    CREATE_MEETING = "create_meeting"


class JobState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    GAVE_UP = "gave_up"


@dataclass(frozen=True)
class RetryPolicy:
    """When a job is tried: ``first_delay`` after it is armed, then after each failure a delay
    doubling from ``initial_backoff`` up to ``max_backoff``, until ``window`` after arming.
    An attempt holds its job for ``lease`` (longer than any Zoom call takes)."""

    first_delay: timedelta = timedelta(minutes=2)
    initial_backoff: timedelta = timedelta(minutes=1)
    max_backoff: timedelta = timedelta(minutes=30)
    window: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=5)

    def backoff(self, attempts: int) -> timedelta:
        """The delay after the ``attempts``-th failed attempt."""
        exponent = max(0, min(attempts - 1, 30))
        return min(self.max_backoff, self.initial_backoff * (1 << exponent))


@dataclass
class SessionJob:
    """One kind of background work for one session (at most one row per session and kind)."""

    id: str
    session_id: str
    kind: JobKind
    state: JobState = JobState.PENDING
    # The meeting instance the work is about (its participants report), when it matters.
    meeting_uuid: str = ""
    # CREATE_MEETING: the course instructor whose Zoom user is to host the meeting, so that a
    # term's meetings spread over several hosts' daily budgets; empty: the tenant's host.
    host_user_id: str = ""
    attempts: int = 0
    next_attempt_time: datetime | None = None
    give_up_time: datetime | None = None
    lease_id: str = ""
    last_error: str = ""
    # What the last successful attempt handled (report rows merged, registrants changed).
    result_count: int = 0
    finish_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None

    def arm(self, *, at: datetime, policy: RetryPolicy, meeting_uuid: str = "") -> None:
        """Due (again) from ``at`` + the first delay, with a fresh retry window."""
        self.state = JobState.PENDING
        self.meeting_uuid = meeting_uuid or self.meeting_uuid
        self.attempts = 0
        self.next_attempt_time = at + policy.first_delay
        self.give_up_time = at + policy.window
        self.lease_id = ""
        self.last_error = ""
        self.finish_time = None
        self.update_time = at

    def due(self, now: datetime) -> bool:
        return (
            self.state is JobState.PENDING
            and self.next_attempt_time is not None
            and self.next_attempt_time <= now
        )

    def claim(self, *, now: datetime, policy: RetryPolicy, lease_id: str) -> dict[str, Any]:
        """What an attempt's claim changes: it holds the job until its lease runs out. Returned,
        not applied: the repository writes it only if nobody claimed the job first."""
        return {
            "attempts": self.attempts + 1,
            "lease_id": lease_id,
            "next_attempt_time": now + policy.lease,
            "update_time": now,
        }

    def holds(self, lease_id: str) -> bool:
        """Whether the attempt holding ``lease_id`` may still record its outcome."""
        return self.state is JobState.PENDING and bool(lease_id) and self.lease_id == lease_id

    def succeeded(self, *, now: datetime, count: int) -> None:
        self.state = JobState.DONE
        self.result_count = count
        self.last_error = ""
        self.lease_id = ""
        self.next_attempt_time = None
        self.finish_time = now
        self.update_time = now

    def abandon(self, *, now: datetime, reason: str) -> None:
        """Nothing is left to do (the session is gone): given up at once, with the reason."""
        self.state = JobState.GAVE_UP
        self.last_error = reason[:2000]
        self.lease_id = ""
        self.next_attempt_time = None
        self.finish_time = now
        self.update_time = now

    def failed(
        self,
        *,
        now: datetime,
        error: str,
        policy: RetryPolicy,
        retry_after: timedelta | None = None,
    ) -> bool:
        """The attempt failed: tried again after the backoff (at least ``retry_after``, Zoom's
        own ask), or given up once that would be past the window. True when given up."""
        self.last_error = error[:2000]
        self.lease_id = ""
        self.update_time = now
        delay = max(policy.backoff(self.attempts), retry_after or timedelta(0))
        if self.give_up_time is not None and now + delay > self.give_up_time:
            self.state = JobState.GAVE_UP
            self.next_attempt_time = None
            self.finish_time = now
            return True
        self.next_attempt_time = now + delay
        return False


__all__ = ["JobKind", "JobState", "RetryPolicy", "SessionJob"]
