"""Manual control of sync jobs (seed 000's manual sync, retry and status): handlers.

Each handler takes the caller and a unit of work and decides; only the unit of work commits.
Copies start after the commit (``SyncPipeline.spawn``), so a job is never run before the row
that says it should be run is visible to every replica; if this process dies first, the job is
due and the sweep runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from classbridge_common.auth import Caller
from classbridge_common.errors import FailedPrecondition, InvalidArgument, NotFound
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.paging import page_request
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.domain import access
from recording_sync.domain import model as m
from recording_sync.service_layer.sync import SyncPipeline

RETRYABLE_STATES = (m.FAILED, m.NO_RECORDING)


def require_staff(caller: Caller) -> None:
    """Job control is for admins, teachers and services."""
    if not access.is_staff(caller):
        raise Denied("requires one of the roles: admin, teacher, service")


@dataclass(frozen=True)
class BatchSyncResult:
    jobs: list[Any]
    skipped_synced: int
    skipped_not_ended: int


async def _requeue(uow: UnitOfWork, job: Any, *, trigger: str, force: bool, now: datetime) -> Any:
    """Make ``job`` due now with a fresh attempt budget when it had finished."""
    await uow.session.execute(
        update(sj)
        .where(sj.c.id == job.id, sj.c.state != m.DOWNLOADING)
        .values(
            state=m.PENDING,
            trigger=trigger,
            force=force,
            attempts=0 if job.state in (*m.FINISHED_STATES, m.CANCELLED) else job.attempts,
            next_attempt_at=now,
            finished_at=None,
            updated_at=now,
        )
    )
    return (await uow.session.execute(select(sj).where(sj.c.id == job.id))).one()


async def sync_batch(
    *,
    caller: Caller,
    batch_id: str,
    force: bool,
    uow: UnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
) -> BatchSyncResult:
    """Queue every ended meeting of the batch (projection rows still linked). A meeting counts
    as ended when Zoom said so or its scheduled end has passed; synced ones are left alone
    unless ``force``."""
    require_staff(caller)
    if not batch_id:
        raise InvalidArgument("batch_id is required")
    async with uow:
        meetings = (
            await uow.session.execute(
                select(mp)
                .where(mp.c.batch_id == batch_id, mp.c.status == "linked")
                .order_by(mp.c.start_time, mp.c.meeting_id)
            )
        ).all()
        queued: list[Any] = []
        synced = not_ended = 0
        for meeting in meetings:
            existing = (
                await uow.session.execute(
                    select(sj)
                    .where(sj.c.meeting_id == meeting.meeting_id)
                    .order_by(sj.c.created_at.desc())
                )
            ).first()
            scheduled_end = (
                meeting.start_time + timedelta(minutes=meeting.duration_minutes)
                if meeting.start_time is not None
                else None
            )
            ended = (existing is not None and existing.ended_at is not None) or (
                scheduled_end is not None and scheduled_end <= now
            )
            if not ended:
                not_ended += 1
                continue
            if existing is not None and existing.state == m.SYNCED and not force:
                synced += 1
                continue
            job = existing or await pipeline.ensure_job(
                uow.session,
                meeting_id=meeting.meeting_id,
                meeting_uuid=meeting.meeting_uuid,
                trigger=m.MANUAL,
                due=now,
            )
            if job.state != m.DOWNLOADING:
                job = await _requeue(uow, job, trigger=m.MANUAL, force=force, now=now)
            queued.append(job)
        await uow.commit()
    for job in queued:
        if job.state == m.PENDING:
            pipeline.spawn(job.id)
    return BatchSyncResult(jobs=queued, skipped_synced=synced, skipped_not_ended=not_ended)


async def retry_sync(
    *,
    caller: Caller,
    job_id: str = "",
    session_id: str = "",
    batch_id: str = "",
    uow: UnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
) -> list[Any]:
    """Re-queue failed (or never-recorded) jobs with a fresh attempt budget. One job that is
    not failed is FAILED_PRECONDITION: the caller asked for something that cannot happen."""
    require_staff(caller)
    async with uow:
        if job_id:
            job = (await uow.session.execute(select(sj).where(sj.c.id == job_id))).first()
            if job is None:
                raise NotFound(resource_type="sync job", resource_id=job_id)
            if job.state not in RETRYABLE_STATES:
                raise FailedPrecondition(f"sync job {job_id} is {job.state}, not failed")
            jobs = [job]
        elif session_id or batch_id:
            column = sj.c.session_id if session_id else sj.c.batch_id
            jobs = list(
                (
                    await uow.session.execute(
                        select(sj)
                        .where(column == (session_id or batch_id), sj.c.state.in_(RETRYABLE_STATES))
                        .order_by(sj.c.created_at)
                    )
                ).all()
            )
        else:
            raise InvalidArgument("one of job_id, session_id, batch_id is required")
        requeued = [await _requeue(uow, job, trigger=m.RETRY, force=False, now=now) for job in jobs]
        await uow.commit()
    for job in requeued:
        pipeline.spawn(job.id)
    return requeued


@dataclass(frozen=True)
class JobPage:
    jobs: list[Any]
    next_page_token: str
    total_size: int


async def list_sync_jobs(
    *,
    caller: Caller,
    batch_id: str,
    session_id: str,
    states: list[str],
    updated_after: datetime | None,
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
) -> JobPage:
    """Jobs by batch, session and state, most recently updated first."""
    require_staff(caller)
    page = page_request(
        page_size, page_token, [batch_id, session_id, sorted(states), str(updated_after or "")]
    )
    conditions = []
    if batch_id:
        conditions.append(sj.c.batch_id == batch_id)
    if session_id:
        conditions.append(sj.c.session_id == session_id)
    if states:
        conditions.append(sj.c.state.in_(states))
    if updated_after is not None:
        conditions.append(sj.c.updated_at >= updated_after)
    async with uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(sj).where(*conditions)) or 0
        )
        rows = (
            await uow.session.execute(
                select(sj)
                .where(*conditions)
                .order_by(sj.c.updated_at.desc(), sj.c.id)
                .offset(page.offset)
                .limit(page.limit)
            )
        ).all()
    return JobPage(jobs=list(rows), next_page_token=page.next_token(total), total_size=total)
