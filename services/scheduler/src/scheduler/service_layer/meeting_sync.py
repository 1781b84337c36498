"""Keeping upcoming meetings in step with whom they name besides the host.

A course's instructors are its sessions' alternative hosts, and a group batch's breakout groups
its sessions' pre-assigned rooms (:mod:`scheduler.service_layer.meeting_plan`). When either
changes, every upcoming session with a meeting needs its meeting updated at Zoom: one write of
the host's daily budget each, too many and too slow to make while the change is answered. So
each is a stored job (``scheduler.domain.jobs``, kinds ``SYNC_ALTERNATIVE_HOSTS`` and
``SYNC_BREAKOUT_ROOMS``: each updates only its own part of the meeting), armed in the
transaction of the change and run by the worker as the registrant sync is: planned in one
transaction, Zoom called with none open, the outcome stored under the attempt's lease.

What Zoom did not take (an instructor it refused, rooms the account does not allow) is no
failure: the job is done, and its ``last_error`` keeps the warning for whoever looks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from classbridge_common.errors import (
    ClassbridgeError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.jobs import JobKind, RetryPolicy, SessionJob
from scheduler.domain.model import Session, SessionStatus
from scheduler.service_layer import job_runs
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.meeting_plan import (
    ALTERNATIVE_HOSTS,
    BREAKOUT_ROOMS,
    meeting_spec,
    notices,
    people_of,
)
from scheduler.service_layer.ports import ZoomMeetings

log = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy(first_delay=timedelta(0))
KINDS = (JobKind.SYNC_ALTERNATIVE_HOSTS, JobKind.SYNC_BREAKOUT_ROOMS)
PATHS = {
    JobKind.SYNC_ALTERNATIVE_HOSTS: ALTERNATIVE_HOSTS,
    JobKind.SYNC_BREAKOUT_ROOMS: BREAKOUT_ROOMS,
}


def wants_sync(session: Session) -> bool:
    """Only a scheduled session's meeting is changed (a running one is left as it is)."""
    return session.meeting is not None and session.status is SessionStatus.SCHEDULED


async def arm(
    uow: SchedulerUnitOfWork,
    session: Session,
    kind: JobKind,
    *,
    at: datetime,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> SessionJob | None:
    """Inside the unit of work of the change: have the session's meeting brought in step."""
    if not wants_sync(session):
        return None
    job = await uow.jobs.of_session(session.id, kind)
    if job is None:
        job = SessionJob(id=new_id(), session_id=session.id, kind=kind, create_time=at)
        job.arm(at=at, policy=policy)
        await uow.jobs.add(job)
        return job
    job.arm(at=at, policy=policy)
    return job


async def arm_batch(
    uow: SchedulerUnitOfWork,
    batch_id: str,
    kind: JobKind,
    *,
    at: datetime,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> int:
    """Every upcoming session of the batch; how many were armed."""
    armed = 0
    for session in await uow.sessions.of_batch(batch_id):
        if await arm(uow, session, kind, at=at, policy=policy) is not None:
            armed += 1
    return armed


async def arm_course(
    uow: SchedulerUnitOfWork,
    course_id: str,
    kind: JobKind,
    *,
    at: datetime,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> int:
    """Every upcoming session of every batch of the course; how many were armed."""
    armed = 0
    for batch_id in await uow.batches.ids_of_course(course_id):
        armed += await arm_batch(uow, batch_id, kind, at=at, policy=policy)
    return armed


async def run_due(
    new_uow: Callable[..., SchedulerUnitOfWork],
    zoom: ZoomMeetings,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
    limit: int = 20,
) -> int:
    """Run every meeting sync due now (in every tenant); how many completed."""

    async def attempt(job_id: str, uow: SchedulerUnitOfWork) -> bool:
        return await run_job(job_id, uow=uow, zoom=zoom, policy=policy, now=now)

    return await job_runs.run_due(new_uow, KINDS, attempt, now=now, limit=limit)


async def run_job(
    job_id: str,
    *,
    uow: SchedulerUnitOfWork,
    zoom: ZoomMeetings,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
) -> bool:
    """One attempt: claim, read what the meeting should name, update it at Zoom, record the
    outcome. True when done."""
    lease = new_id()
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or job.kind not in KINDS or not job.due(now()):
            return False
        session = await uow.sessions.get(job.session_id)
        if session is None or not wants_sync(session):
            job.succeeded(now=now(), count=0)  # started, ended, cancelled, or no meeting
            await uow.commit()
            return True
        if not await uow.jobs.claim(job, job.claim(now=now(), policy=policy, lease_id=lease)):
            return False
        batch = await uow.batches.get(session.batch_id)
        course = await uow.courses.get(session.course_id)
        people = await people_of(uow, session, batch, course, clear_rooms=True)
        spec = meeting_spec(session, batch, course, {}, people=people, replace_hosts=True)
        kind, meeting_id = job.kind, session.meeting.meeting_id if session.meeting else 0
        await uow.commit()
    try:
        info = await zoom.update_meeting(meeting_id=meeting_id, spec=spec, paths=(PATHS[kind],))
    except ClassbridgeError as error:
        await _failed(job_id, lease, uow=uow, error=error, policy=policy, now=now)
        return False
    warnings = notices(info, people, rooms_sent=kind is JobKind.SYNC_BREAKOUT_ROOMS)
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or not job.holds(lease):
            return False  # armed again meanwhile: the next attempt reads afresh
        job.succeeded(now=now(), count=1)
        job.last_error = "; ".join(message for _, message in warnings)[:2000]
        await uow.commit()
    if warnings:
        log.info(
            "meeting of session %s updated with warnings: %s",
            job.session_id,
            ", ".join(code for code, _ in warnings),
        )
    return True


async def _failed(
    job_id: str,
    lease: str,
    *,
    uow: SchedulerUnitOfWork,
    error: ClassbridgeError,
    policy: RetryPolicy,
    now: Clock,
) -> None:
    """A Zoom failure: tried again with backoff, except one retrying cannot change (Zoom not
    set up, the meeting running or gone, a setting Zoom refuses): given up, with the reason;
    the next change arms the job again."""
    job, _ = await job_runs.record_failure(
        job_id,
        lease,
        uow=uow,
        error=error,
        policy=policy,
        now=now,
        hopeless=(FailedPrecondition, InvalidArgument, NotFound),
    )
    if job is not None:
        log.info("meeting of session %s not updated yet: %s", job.session_id, error)


__all__ = [
    "DEFAULT_POLICY",
    "KINDS",
    "arm",
    "arm_batch",
    "arm_course",
    "run_due",
    "run_job",
    "wants_sync",
]
