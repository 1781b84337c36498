"""What every kind of background job does the same way: finding the due ones, and recording a
failed attempt.

Each kind (the reads of participants reports in ``reconcile``, the registrant syncs in
``registration``, the meeting syncs in ``meeting_sync``) has its own attempt: claim the job,
call Zoom with no transaction open, record the outcome under the attempt's lease. Around that
attempt they are alike: due jobs are listed across tenants (the worker is no tenant's caller)
and each is run in a unit of work of its own tenant; a failure is retried with the policy's
backoff (no sooner than Zoom's own ``Retry-After``) unless retrying cannot change it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from classbridge_common.errors import ResourceExhausted
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.jobs import JobKind, RetryPolicy, SessionJob
from scheduler.service_layer.clock import Clock

#: One attempt at one job, in a unit of work of the job's tenant; True when the job is done.
Attempt = Callable[[str, SchedulerUnitOfWork], Awaitable[bool]]

#: What a kind of job records when it is given up, in the transaction that gives it up.
GiveUp = Callable[[SessionJob, SchedulerUnitOfWork, datetime], Awaitable[None]]


async def run_due(
    new_uow: Callable[..., SchedulerUnitOfWork],
    kinds: Iterable[JobKind],
    attempt: Attempt,
    *,
    now: Clock,
    limit: int,
) -> int:
    """Make an attempt at every job of ``kinds`` due now (up to ``limit`` per kind), each in a
    unit of work of its own tenant; how many completed."""
    completed = 0
    for kind in kinds:
        async with new_uow() as uow:
            due = await uow.jobs.due(now(), kind, limit=limit)
        for job_id, tenant in due:
            if await attempt(job_id, new_uow(tenant=tenant)):
                completed += 1
    return completed


async def record_failure(
    job_id: str,
    lease: str,
    *,
    uow: SchedulerUnitOfWork,
    error: Exception,
    policy: RetryPolicy,
    now: Clock,
    hopeless: tuple[type[Exception], ...] = (),
    retry_after: timedelta | None = None,
    on_give_up: GiveUp | None = None,
) -> tuple[SessionJob | None, bool]:
    """Record that the attempt holding ``lease`` failed with ``error``: the job is given up at
    once when the error is ``hopeless`` (retrying cannot change it; the next change arms the job
    again), else tried again after the backoff, and no sooner than ``retry_after`` or the
    ``RetryInfo`` of a rate limit. Answers the job (None when the attempt no longer holds it)
    and whether it was given up. ``on_give_up`` runs in the same transaction as the giving up,
    so what it records (an event) commits with it or not at all."""
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or not job.holds(lease):
            return None, False
        if hopeless and isinstance(error, hopeless):
            job.abandon(now=now(), reason=str(error))
            gave_up = True
        else:
            if retry_after is None and isinstance(error, ResourceExhausted):
                retry_after = error.retry_delay(now=now())
            gave_up = job.failed(
                now=now(), error=str(error), policy=policy, retry_after=retry_after
            )
        if gave_up and on_give_up is not None:
            await on_give_up(job, uow, now())
        await uow.commit()
    return job, gave_up


__all__ = ["Attempt", "GiveUp", "record_failure", "run_due"]
