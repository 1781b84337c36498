"""Bulk scheduling: a term's timetable in one request, its meetings within Zoom's daily budget.

``BulkCreateSessions`` checks every item before anything is stored (one bad item: nothing is
stored, and the error names it, ``items[3].title``; a batch that is not there is NOT_FOUND as
in CreateSession, and one the caller may not schedule for PERMISSION_DENIED), then stores
every session, its host participant and a ``CREATE_MEETING`` job in one transaction, with the
bulk job that lists them.
Replaying the request id with the same body returns that bulk job; another body is
ALREADY_EXISTS.

The jobs are the quota-aware queue. Zoom allows a host ``budget`` meeting creates and updates
per UTC day (``docs/zoom-api.md`` §3.5), counted per host, so the queue is per host: a meeting
may be hosted by the tenant's host or by an instructor of its course (their own Zoom user, the
others its alternative hosts), and each meeting waits for the possible host whose budget
reaches it first behind the meetings that host already has waiting: the tenant's host fills
today, then each instructor in turn, and only then does anyone wait for the next 00:00 UTC
(:func:`scheduler.domain.bulk.spread_over_hosts`). That planned time is the job's due time and
what ``GetBulkJob`` shows as the meeting's expected time, with its host.

The worker creates the due meetings in queue order through the path CreateSession takes
(idempotent at the gateway on the session's meeting request id, so a retried job never makes a
second meeting). When the gateway answers that a host's day is spent (RESOURCE_EXHAUSTED with
a retry beyond a few minutes: writes made elsewhere count too), that host's queue is planned
again from the next 00:00 UTC, and the round leaves that host alone. An instructor the gateway
cannot make meetings for (no Zoom user connected, or one of another Zoom account) hands their
waiting meetings to the tenant's host. A meeting whose class is over before the budget allows
it is given up, with the reason.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from classbridge_common.auth import Caller
from classbridge_common.errors import (
    ClassbridgeError,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import commands
from scheduler.domain.bulk import (
    MAX_ITEMS,
    BulkJob,
    next_utc_midnight,
    plan_days,
    spread_over_hosts,
)
from scheduler.domain.errors import invalid
from scheduler.domain.jobs import JobKind, JobState, RetryPolicy, SessionJob
from scheduler.domain.model import Batch, Course, Session, host_participant
from scheduler.domain.timing import resolve, zone
from scheduler.service_layer import access
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.meeting_plan import people_of
from scheduler.service_layer.ports import ZoomMeetings
from scheduler.service_layer.request_ids import replays_a_twin, require_replay
from scheduler.service_layer.sessions import link_meeting, new_session

log = logging.getLogger(__name__)

KIND = JobKind.CREATE_MEETING
#: Zoom's per-host meeting creates and updates per UTC day.
DEFAULT_BUDGET = 100
#: A failed create is tried again after a delay doubling from a minute up to half an hour.
DEFAULT_POLICY = RetryPolicy(
    first_delay=timedelta(0),
    initial_backoff=timedelta(minutes=1),
    max_backoff=timedelta(minutes=30),
    window=timedelta(days=400),
)
#: RESOURCE_EXHAUSTED asking to wait this long or more is the host's day spent, not a burst.
DAILY_SPENT = timedelta(minutes=10)


class ItemState(enum.StrEnum):
    CREATED = "created"
    PENDING = "pending"
    FAILED = "failed"
    NOT_REQUESTED = "not_requested"


@dataclass(frozen=True)
class BulkItemView:
    index: int
    session_id: str
    state: ItemState
    expected_time: datetime | None = None
    error: str = ""
    # Who hosts (or is to host) the meeting: a course instructor, or empty for the tenant's host.
    host_user_id: str = ""


@dataclass(frozen=True)
class BulkJobView:
    job: BulkJob
    items: tuple[BulkItemView, ...]

    def count(self, state: ItemState) -> int:
        return sum(1 for item in self.items if item.state is state)

    @property
    def done(self) -> bool:
        return self.count(ItemState.PENDING) == 0

    @property
    def expected_finish_time(self) -> datetime | None:
        times = [i.expected_time for i in self.items if i.state is ItemState.PENDING]
        return max((t for t in times if t is not None), default=None)


def fingerprint(items: tuple[commands.CreateSession, ...]) -> str:
    """What tells a replay from another body sent with the same request id."""
    body = repr(tuple(_without_request_id(item) for item in items))
    return hashlib.sha256(body.encode()).hexdigest()


def _without_request_id(item: commands.CreateSession) -> tuple[object, ...]:
    return (
        item.batch_id,
        item.title,
        item.timing,
        item.description,
        item.timezone,
        item.create_zoom_meeting,
        item.auto_recording,
        item.max_participants,
        sorted(item.meeting_settings.items()),
        item.teacher_id,
    )


def _prefixed(error: InvalidArgument, prefix: str, default: str) -> list[FieldViolation]:
    if not error.violations:
        return [FieldViolation(f"{prefix}{default}", error.message)]
    return [FieldViolation(f"{prefix}{v.field}", v.description) for v in error.violations]


def _item_violations(index: int, item: commands.CreateSession) -> list[FieldViolation]:
    """What is wrong with one item on its own (its batch is checked against the store later)."""
    prefix = f"items[{index}]."
    found: list[FieldViolation] = []
    if not item.batch_id:
        found.append(FieldViolation(f"{prefix}batch_id", "required"))
    if not item.title.strip():
        found.append(FieldViolation(f"{prefix}title", "required"))
    if item.timing is None:
        found.append(FieldViolation(f"{prefix}timing", "give local_time or time_range"))
    if item.max_participants < 0:
        found.append(FieldViolation(f"{prefix}max_participants", "must not be negative"))
    if item.timezone:
        try:
            zone(item.timezone)
        except InvalidArgument as error:
            found += _prefixed(error, prefix, "timezone")
    return found


def _refuse(violations: list[FieldViolation]) -> InvalidArgument:
    first = violations[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return InvalidArgument(
        f"{first.field}: {first.description}{more}; nothing was scheduled",
        violations=violations[:100],
    )


@replays_a_twin
async def bulk_create_sessions(
    cmd: commands.BulkCreateSessions,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    default_timezone: str,
    budget: int = DEFAULT_BUDGET,
    now: Clock = utcnow,
) -> BulkJobView:
    access.require_manager_role(caller)
    if not cmd.request_id:
        raise invalid("request_id", "required")
    if not cmd.items:
        raise invalid("items", "give at least one session")
    if len(cmd.items) > MAX_ITEMS:
        raise invalid("items", f"at most {MAX_ITEMS} sessions in one request")
    violations = [v for i, item in enumerate(cmd.items) for v in _item_violations(i, item)]
    if violations:
        raise _refuse(violations)
    body = fingerprint(cmd.items)
    async with uow:
        contexts: dict[str, tuple[Batch, Course | None]] = {}
        for index, item in enumerate(cmd.items):
            if item.batch_id in contexts:
                continue
            batch = await uow.batches.get(item.batch_id)  # the first fixes a spanning tenant
            if batch is None:  # as CreateSession answers it (another tenant's is none either)
                raise NotFound(
                    f"items[{index}].batch_id: no batch {item.batch_id!r}; nothing was scheduled",
                    resource_type="batch",
                    resource_id=item.batch_id,
                )
            course = await uow.courses.get(batch.course_id)
            access.require(
                access.can_manage_batch(caller, batch, course),
                f"schedule sessions for batch {batch.id!r}",
            )
            contexts[batch.id] = (batch, course)
        existing = await uow.bulk.by_request_id(cmd.request_id)
        if existing is not None:
            require_replay(
                existing.fingerprint == body and await _may_see(uow, caller, existing),
                resource_type="bulk_job",
                request_id=cmd.request_id,
            )
            return await _view(uow, existing)
        times: list[tuple[datetime, datetime, str]] = []
        for index, item in enumerate(cmd.items):
            if item.batch_id not in contexts:
                continue
            batch, course = contexts[item.batch_id]
            timezone = (
                item.timezone
                or batch.timezone
                or (course.default_timezone if course else "")
                or default_timezone
            )
            assert item.timing is not None  # checked above
            try:
                start, end = resolve(item.timing, timezone)
            except InvalidArgument as error:
                violations += _prefixed(error, f"items[{index}].", "timing")
                continue
            times.append((start, end, timezone))
        if violations:
            raise _refuse(violations)
        at = now()
        job = BulkJob(
            id=new_id(),
            request_id=cmd.request_id,
            fingerprint=body,
            created_by=caller.subject,
            create_time=at,
        )
        queued: list[tuple[int, Session]] = []
        for index, (item, (start, end, timezone)) in enumerate(zip(cmd.items, times, strict=True)):
            batch, _ = contexts[item.batch_id]
            session = new_session(
                item, batch, start=start, end=end, timezone=timezone, caller=caller, at=at
            )
            await uow.sessions.add(session)
            await uow.participants.add(host_participant(session, new_id()), at=at)
            job.session_ids.append(session.id)
            if item.create_zoom_meeting:
                queued.append((index, session))
        planned = dict(
            zip(
                (index for index, _ in queued),
                await queue_meetings(uow, [s for _, s in queued], at=at, budget=budget),
                strict=True,
            )
        )
        wanted = len(queued)
        items = [
            BulkItemView(
                index,
                session_id,
                ItemState.PENDING,
                planned[index][1],
                host_user_id=planned[index][0],
            )
            if index in planned
            else BulkItemView(index, session_id, ItemState.NOT_REQUESTED)
            for index, session_id in enumerate(job.session_ids)
        ]
        await uow.bulk.add(job)
        await uow.commit()
    log.info("bulk job %s: %d sessions stored, %d meetings queued", job.id, len(items), wanted)
    return BulkJobView(job=job, items=tuple(items))


async def possible_hosts(uow: SchedulerUnitOfWork, sessions: Sequence[Session]) -> list[list[str]]:
    """Who may host each session's meeting, in order of preference: the tenant's host (empty),
    then the instructors of the session's course, its own teacher first."""
    courses: dict[str, Course | None] = {}
    hosts: list[list[str]] = []
    for session in sessions:
        if session.course_id not in courses:
            courses[session.course_id] = await uow.courses.get(session.course_id)
        course = courses[session.course_id]
        instructors = course.instructor_ids if course is not None else []
        ranked = sorted(instructors, key=lambda i: i != session.teacher_id)
        hosts.append(list(dict.fromkeys(["", *(i.strip() for i in ranked if i.strip())])))
    return hosts


async def queue_meetings(
    uow: SchedulerUnitOfWork, sessions: Sequence[Session], *, at: datetime, budget: int
) -> list[tuple[str, datetime]]:
    """Queue a ``CREATE_MEETING`` job for each of ``sessions`` (just added, in this order):
    each for the possible host (:func:`possible_hosts`) whose daily budget reaches it first
    behind the meetings that host already has waiting, due on that UTC day. Answers each one's
    host and due time, in order. A bulk request's sessions and a series' separate meetings
    are queued alike."""
    if not sessions:
        return []
    plan = spread_over_hosts(
        at,
        queued=await uow.jobs.pending_per_host(KIND),
        hosts_of=await possible_hosts(uow, sessions),
        budget=budget,
    )
    for index, (session, (host, due)) in enumerate(zip(sessions, plan, strict=True)):
        await uow.jobs.add(
            SessionJob(
                id=new_id(),
                session_id=session.id,
                kind=KIND,
                host_user_id=host,
                next_attempt_time=due,
                give_up_time=session.scheduled_end,
                # the queue's order within one due time: the request's
                create_time=at + timedelta(microseconds=index),
                update_time=at,
            )
        )
    return plan


async def get_bulk_job(
    bulk_job_id: str, *, uow: SchedulerUnitOfWork, caller: Caller
) -> BulkJobView:
    if not bulk_job_id:
        raise invalid("bulk_job_id", "required")
    async with uow:
        job = await uow.bulk.get(bulk_job_id)
        if job is None or not await _may_see(uow, caller, job):
            raise NotFound(resource_type="bulk_job", resource_id=bulk_job_id)
        return await _view(uow, job)


async def _may_see(uow: SchedulerUnitOfWork, caller: Caller, job: BulkJob) -> bool:
    """Admins, whoever sent the request, and the teachers who manage every batch it
    scheduled for."""
    if access.is_staff(caller) or job.created_by == caller.subject:
        return True
    sessions = await uow.sessions.of_ids(job.session_ids)
    batch_ids = {s.batch_id for s in sessions.values()}
    for batch_id in batch_ids:
        batch = await uow.batches.get(batch_id)
        course = await uow.courses.get(batch.course_id) if batch is not None else None
        if batch is None or not access.can_manage_batch(caller, batch, course):
            return False
    return bool(batch_ids)


async def _view(uow: SchedulerUnitOfWork, job: BulkJob) -> BulkJobView:
    sessions = await uow.sessions.of_ids(job.session_ids)
    jobs = await uow.jobs.of_sessions(job.session_ids, KIND)
    return BulkJobView(
        job=job,
        items=tuple(
            _item(index, session_id, sessions.get(session_id), jobs.get(session_id))
            for index, session_id in enumerate(job.session_ids)
        ),
    )


def _item(
    index: int, session_id: str, session: Session | None, job: SessionJob | None
) -> BulkItemView:
    if session is None:
        return BulkItemView(index, session_id, ItemState.FAILED, error="the session was deleted")
    host = job.host_user_id if job is not None else ""
    if session.meeting is not None:
        return BulkItemView(
            index, session_id, ItemState.CREATED, session.meeting.create_time, host_user_id=host
        )
    if job is None:
        return BulkItemView(index, session_id, ItemState.NOT_REQUESTED)
    if job.state is JobState.PENDING and session.wants_meeting:
        return BulkItemView(
            index, session_id, ItemState.PENDING, job.next_attempt_time, host_user_id=host
        )
    reason = job.last_error or f"the session is {session.status.value}"
    return BulkItemView(index, session_id, ItemState.FAILED, error=reason)


# ---- the queue ----


class Outcome(enum.Enum):
    DONE = "done"  # created (or nothing left to do)
    RETRY = "retry"  # failed; tried again later
    SKIPPED = "skipped"  # not due, claimed by another worker, or its host spent this round


@dataclass(frozen=True)
class Spent:
    """The host's day is spent: the meetings waiting for it moved to its next day."""

    host_user_id: str


async def run_due(
    new_uow: Callable[..., SchedulerUnitOfWork],
    zoom: ZoomMeetings,
    *,
    budget: int = DEFAULT_BUDGET,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
    limit: int = 50,
) -> int:
    """Create the meetings due now, in queue order, in every tenant; how many were done. The
    tenant's host whose day is spent is left alone for the rest of the round (the meetings
    planned for that host were moved to its next day; other hosts go on)."""
    async with new_uow() as uow:
        due = await uow.jobs.due(now(), KIND, limit=limit)
    spent: set[tuple[str, str]] = set()
    done = 0
    for job_id, tenant in due:
        outcome = await run_job(
            job_id,
            uow=new_uow(tenant=tenant),
            zoom=zoom,
            budget=budget,
            policy=policy,
            now=now,
            skip_hosts={host for t, host in spent if t == tenant},
        )
        if outcome is Outcome.DONE:
            done += 1
        elif isinstance(outcome, Spent):
            spent.add((tenant, outcome.host_user_id))
    return done


async def run_job(
    job_id: str,
    *,
    uow: SchedulerUnitOfWork,
    zoom: ZoomMeetings,
    budget: int = DEFAULT_BUDGET,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
    skip_hosts: frozenset[str] | set[str] = frozenset(),
) -> Outcome | Spent:
    """One attempt: claim, create the meeting at Zoom and link it, record the outcome. A job
    for one of ``skip_hosts`` (spent this round) is left for its next turn."""
    lease = new_id()
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or job.kind is not KIND or not job.due(now()):
            return Outcome.SKIPPED
        if job.host_user_id in skip_hosts:
            return Outcome.SKIPPED
        session = await uow.sessions.get(job.session_id)
        if session is None or not session.wants_meeting:
            job.abandon(now=now(), reason="the session was cancelled, ended or deleted first")
            await uow.commit()
            return Outcome.DONE
        if session.meeting is not None:
            job.succeeded(now=now(), count=1)  # made meanwhile (CreateZoomMeeting)
            await uow.commit()
            return Outcome.DONE
        if not await uow.jobs.claim(job, job.claim(now=now(), policy=policy, lease_id=lease)):
            return Outcome.SKIPPED
        batch = await uow.batches.get(session.batch_id)
        course = await uow.courses.get(session.course_id)
        host = job.host_user_id
        people = await people_of(uow, session, batch, course, host_user_id=host)
        await uow.commit()
    try:
        result = await link_meeting(
            session,
            batch=batch,
            course=course,
            extra_settings={},
            people=people,
            uow=uow,
            zoom=zoom,
            now=now,
            raise_errors=True,
            host_user_id=host,
        )
    except ClassbridgeError as error:
        return await _failed(
            job_id, lease, uow=uow, error=error, budget=budget, policy=policy, now=now
        )
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is not None and job.holds(lease):
            job.succeeded(now=now(), count=1)
            job.last_error = "; ".join(w.message for w in result.warnings)[:2000]
            await uow.commit()
    return Outcome.DONE


async def _failed(
    job_id: str,
    lease: str,
    *,
    uow: SchedulerUnitOfWork,
    error: ClassbridgeError,
    budget: int,
    policy: RetryPolicy,
    now: Clock,
) -> Outcome | Spent:
    """A Zoom failure: the host's day spent moves that host's queue to the next 00:00 UTC; an
    instructor who cannot host (no Zoom user connected, or one of another account) hands their
    waiting meetings to the tenant's host; one retrying cannot change (Zoom not set up, a
    setting Zoom refuses) is given up; anything else is tried again with backoff."""
    outcome: Outcome | Spent = Outcome.RETRY
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or not job.holds(lease):
            return Outcome.SKIPPED
        at = now()
        host = job.host_user_id
        delay = error.retry_delay(now=at) if isinstance(error, ResourceExhausted) else None
        if delay is not None and delay >= DAILY_SPENT:
            # Zoom's day restarts at 00:00 UTC whatever the clock of whoever said so.
            job.failed(now=at, error=str(error), policy=policy)
            await replan(uow, start=next_utc_midnight(at), budget=budget, now=at, host=host)
            outcome = Spent(host)
        elif host and isinstance(error, FailedPrecondition) and _cannot_host(error, host):
            job.failed(now=at, error=str(error), policy=policy)
            moved = await hand_to_tenant_host(uow, host, budget=budget, now=at)
            log.info("%s cannot host meetings: %d handed to the tenant's host", host, moved)
        elif isinstance(error, FailedPrecondition | InvalidArgument | NotFound):
            job.abandon(now=at, reason=str(error))
        else:
            job.failed(now=at, error=str(error), policy=policy, retry_after=delay)
        await uow.commit()
    log.info("meeting of session %s not created yet: %s", job.session_id, error)
    return outcome


def _cannot_host(error: FailedPrecondition, host: str) -> bool:
    """The gateway's answer that ``host`` has no Zoom user it can make meetings for."""
    return error.details.get("host_user_id") == host


async def hand_to_tenant_host(
    uow: SchedulerUnitOfWork, host: str, *, budget: int, now: datetime
) -> int:
    """Give the meetings waiting for ``host`` to the tenant's host, behind those it already
    has, planned within its budget from now on. How many were handed over."""
    waiting = await uow.jobs.pending(KIND)
    ahead = sum(1 for job in waiting if not job.host_user_id)
    moved = [job for job in waiting if job.host_user_id == host and not job.lease_id]
    for job, due in zip(
        moved, plan_days(now, ahead=ahead, count=len(moved), budget=budget), strict=True
    ):
        job.host_user_id = ""
        job.next_attempt_time = max(due, job.next_attempt_time or due)
        job.update_time = now
    return len(moved)


async def replan(
    uow: SchedulerUnitOfWork, *, start: datetime, budget: int, now: datetime, host: str = ""
) -> int:
    """Plan the meetings waiting for ``host`` (empty: the tenant's host) again, in queue order,
    from ``start`` (``budget`` a day); those whose class is over by then are given up. How
    many are waiting."""
    waiting = [
        job for job in await uow.jobs.pending(KIND) if not job.lease_id and job.host_user_id == host
    ]
    for job, due in zip(
        waiting, plan_days(start, ahead=0, count=len(waiting), budget=budget), strict=True
    ):
        if job.give_up_time is not None and due > job.give_up_time:
            job.abandon(
                now=now, reason="the class is over before the host's daily Zoom budget allows it"
            )
            continue
        job.next_attempt_time = due
        job.update_time = now
    return len(waiting)


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_POLICY",
    "KIND",
    "BulkItemView",
    "BulkJobView",
    "ItemState",
    "Outcome",
    "Spent",
    "bulk_create_sessions",
    "fingerprint",
    "get_bulk_job",
    "hand_to_tenant_host",
    "possible_hosts",
    "queue_meetings",
    "replan",
    "run_due",
    "run_job",
]
