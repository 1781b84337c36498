"""Registering a batch's students for its sessions' meetings, and keeping that in step.

Zoom names a registrant in the participant events and the participants report of whoever
joins with the registrant's own link, so registering each enrolled student is what lets their
joins count for them (``scheduler.domain.identity``). For each upcoming session of a group batch
with a meeting, the registrations should be exactly the students enrolled with an email: a
student enrolled (or moved here from another batch) is registered, one who left is removed, and
a meeting Zoom replaced takes new registrations (the old meeting's are gone with it).

The work calls Zoom, so it is a stored job (``scheduler.domain.jobs``, kind
``SYNC_REGISTRANTS``), armed in the transaction of the change that calls for it (the meeting
linked, an enrolment added or removed) and run by the worker: the plan is read in one
transaction, Zoom is called with none open, the outcome stored in another, under the
attempt's lease. Registering and removing are idempotent at Zoom (an email already registered
answers its registration), so an attempt whose outcome was discarded (the job was armed again
meanwhile) is simply done again.

Join links are credentials: they are stored for their student's ``GetJoinUrl`` and never
logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from classbridge_common.errors import ClassbridgeError, FailedPrecondition
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.jobs import JobKind, RetryPolicy, SessionJob
from scheduler.domain.model import BatchType, Session, SessionStatus
from scheduler.domain.registration import Registrant
from scheduler.service_layer import job_runs
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.ports import RegisteredPerson, RegistrantSpec, ZoomRegistrants

log = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy(first_delay=timedelta(0))
MAX_STUDENTS = 100_000


def wants_registrants(session: Session) -> bool:
    """Upcoming sessions of group batches with a meeting are the ones registered for."""
    return (
        session.meeting is not None
        and session.status is SessionStatus.SCHEDULED
        and session.batch_type is BatchType.GROUP
    )


async def arm(
    uow: SchedulerUnitOfWork,
    session: Session,
    *,
    at: datetime,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> SessionJob | None:
    """Inside the unit of work of the change: have the session's registrations brought in step."""
    if not wants_registrants(session):
        return None
    job = await uow.jobs.of_session(session.id, JobKind.SYNC_REGISTRANTS)
    if job is None:
        job = SessionJob(
            id=new_id(), session_id=session.id, kind=JobKind.SYNC_REGISTRANTS, create_time=at
        )
        job.arm(at=at, policy=policy)
        await uow.jobs.add(job)
        return job
    job.arm(at=at, policy=policy)
    return job


async def arm_batch(
    uow: SchedulerUnitOfWork, batch_id: str, *, at: datetime, policy: RetryPolicy = DEFAULT_POLICY
) -> int:
    """Every upcoming session of the batch (its enrolments changed); how many were armed."""
    armed = 0
    for session in await uow.sessions.of_batch(batch_id):
        if await arm(uow, session, at=at, policy=policy) is not None:
            armed += 1
    return armed


@dataclass(frozen=True)
class Plan:
    """What one attempt changes at Zoom: who to register (student id, spec) and which
    registrations to remove; ``dead`` are records of a meeting Zoom replaced (nothing to ask)."""

    meeting_id: int
    add: list[tuple[str, RegistrantSpec]] = field(default_factory=list)
    remove: list[Registrant] = field(default_factory=list)
    dead: list[Registrant] = field(default_factory=list)
    # Students already registered for this meeting through another occurrence of a series'
    # recurring meeting (Zoom registers once for every occurrence): their registration, copied.
    copy: list[tuple[str, RegisteredPerson]] = field(default_factory=list)


async def _plan(uow: SchedulerUnitOfWork, session: Session) -> Plan:
    assert session.meeting is not None
    meeting_id = session.meeting.meeting_id
    enrolled, _ = await uow.enrollments.list(
        batch_id=session.batch_id, student_id="", offset=0, limit=MAX_STUDENTS
    )
    wanted = {e.student_id: e for e in enrolled if e.email}
    current = await uow.registrants.of_session(session.id)
    live = {r.student_id: r for r in current if r.meeting_id == meeting_id}
    missing = [
        e
        for student, e in wanted.items()
        if student not in live or live[student].email.lower() != e.email.lower()
    ]
    elsewhere: dict[str, Registrant] = {}
    if session.meeting.occurrence_id and missing:
        for r in await uow.registrants.of_meeting(meeting_id):
            if r.session_id != session.id:
                elsewhere.setdefault(r.email.lower(), r)
    copied = {e.student_id for e in missing if e.email.lower() in elsewhere}
    return Plan(
        meeting_id=meeting_id,
        add=[
            (e.student_id, RegistrantSpec(e.email, e.first_name, e.last_name))
            for e in missing
            if e.student_id not in copied
        ],
        copy=[
            (e.student_id, _person(elsewhere[e.email.lower()]))
            for e in missing
            if e.student_id in copied
        ],
        remove=[
            r
            for student, r in live.items()
            if student not in wanted or wanted[student].email.lower() != r.email.lower()
        ],
        dead=[r for r in current if r.meeting_id != meeting_id],
    )


async def join_link(
    uow: SchedulerUnitOfWork, session: Session, student_id: str
) -> tuple[str, bool]:
    """The link ``student_id`` joins ``session`` by, and whether it is their own registration
    (of the meeting the session holds now); the meeting's own link otherwise, "" without one.
    Inside an open unit of work. A credential: never logged."""
    meeting = session.meeting
    if meeting is None or not meeting.join_url:
        return "", False
    mine = await uow.registrants.of_student(session.id, student_id)
    if mine is not None and mine.meeting_id == meeting.meeting_id and mine.join_url:
        return mine.join_url, True
    return meeting.join_url, False


async def run_due(
    new_uow: Callable[..., SchedulerUnitOfWork],
    zoom: ZoomRegistrants,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
    limit: int = 20,
) -> int:
    """Run every registrant sync due now (in every tenant); how many completed."""

    async def attempt(job_id: str, uow: SchedulerUnitOfWork) -> bool:
        return await run_job(job_id, uow=uow, zoom=zoom, policy=policy, now=now)

    return await job_runs.run_due(
        new_uow, (JobKind.SYNC_REGISTRANTS,), attempt, now=now, limit=limit
    )


def _matched(
    plan: Plan, registered: Sequence[RegisteredPerson]
) -> list[tuple[str, RegisteredPerson]]:
    """Each student of ``plan.add`` with their registration (Zoom answers in the order asked;
    matched by email, so an answer in another order is no harm)."""
    by_email = {r.email.lower(): r for r in registered}
    found = []
    for student, spec in plan.add:
        person = by_email.get(spec.email.lower())
        if person is not None and person.registrant_id:
            found.append((student, person))
    return found


async def run_job(
    job_id: str,
    *,
    uow: SchedulerUnitOfWork,
    zoom: ZoomRegistrants,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
) -> bool:
    """One attempt: claim, plan, call Zoom, store the registrations. True when done."""
    lease = new_id()
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or job.kind is not JobKind.SYNC_REGISTRANTS or not job.due(now()):
            return False
        session = await uow.sessions.get(job.session_id)
        if session is None or not wants_registrants(session):
            job.succeeded(now=now(), count=0)  # ended, cancelled, or its meeting is gone
            await uow.commit()
            return True
        if not await uow.jobs.claim(job, job.claim(now=now(), policy=policy, lease_id=lease)):
            return False
        tenant = uow.scope.require()
        plan = await _plan(uow, session)
        await uow.commit()
    registered: list[RegisteredPerson] = []
    try:
        if plan.add:
            registered = await zoom.add_registrants(
                meeting_id=plan.meeting_id, tenant_id=tenant, people=[s for _, s in plan.add]
            )
        if plan.remove:
            await zoom.remove_registrants(
                meeting_id=plan.meeting_id,
                tenant_id=tenant,
                registrant_ids=[r.registrant_id for r in plan.remove],
            )
    except ClassbridgeError as error:
        await _failed(job_id, lease, uow=uow, error=error, policy=policy, now=now)
        return False
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or not job.holds(lease):
            return False  # armed again meanwhile: the next attempt plans afresh
        at = now()
        gone = {r.id for r in [*plan.remove, *plan.dead]}
        for record in await uow.registrants.of_session(job.session_id):
            if record.id in gone:
                await uow.registrants.delete(record.id)
        added = _matched(plan, registered) + plan.copy
        for student, person in added:
            await uow.registrants.add(
                _record(job.session_id, student, person, meeting_id=plan.meeting_id, at=at)
            )
        job.succeeded(now=at, count=len(added) + len(plan.remove))
        await uow.commit()
    return True


def _person(record: Registrant) -> RegisteredPerson:
    return RegisteredPerson(
        registrant_id=record.registrant_id,
        email=record.email,
        join_url=record.join_url,
        status="approved",
    )


def _record(
    session_id: str, student_id: str, person: RegisteredPerson, *, meeting_id: int, at: datetime
) -> Registrant:
    """The stored registration. The student had none left for this meeting (the plan, made
    under the same lease, removed any other), so it is always a new one."""
    return Registrant(
        id=new_id(),
        session_id=session_id,
        student_id=student_id,
        registrant_id=person.registrant_id,
        email=person.email,
        join_url=person.join_url,
        meeting_id=meeting_id,
        create_time=at,
        update_time=at,
    )


async def _failed(
    job_id: str,
    lease: str,
    *,
    uow: SchedulerUnitOfWork,
    error: ClassbridgeError,
    policy: RetryPolicy,
    now: Clock,
) -> None:
    """A Zoom failure: tried again with backoff, except a meeting that takes no registrations
    (or an account Zoom is not set up for), which retrying cannot change until someone does;
    the next change of the batch arms the job again."""
    job, _ = await job_runs.record_failure(
        job_id, lease, uow=uow, error=error, policy=policy, now=now, hopeless=(FailedPrecondition,)
    )
    if job is not None:
        log.info("registrants of session %s not synced yet: %s", job.session_id, error)


__all__ = [
    "DEFAULT_POLICY",
    "Plan",
    "arm",
    "arm_batch",
    "run_due",
    "run_job",
    "wants_registrants",
]
