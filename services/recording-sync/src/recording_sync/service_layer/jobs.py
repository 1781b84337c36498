"""Manual control of sync jobs (seed 000's manual sync, retry and status): handlers.

Each handler takes the caller's :class:`~recording_sync.service_layer.reach.Reach` and the
sync's unit of work (narrowed to the reach's tenant scope) and decides; only the unit of work
commits. Another tenant's jobs, sessions and meetings do not exist here; a teacher reaches only
the batches they teach (a job or session of another batch is NOT_FOUND, a batch they do not
teach PERMISSION_DENIED, lists leave the rest out).

Copies start after the commit (``SyncPipeline.spawn``), so a job is never run before the row
that says it should be run is visible to every replica; if this process dies first, the job is
due and the next poll runs it. A forced sync or retry of a job whose worker died (its heartbeat
stopped, so its lease ran out) takes it over at once; one whose worker is alive is left to it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound
from classbridge_common.paging import page_request
from recording_sync.adapters.sync_repository import StaleJob, SyncUnitOfWork
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.domain.sync_job import FINISHED_STATES, JobState, SyncJob, Trigger
from recording_sync.service_layer.reach import Reach
from recording_sync.service_layer.sync import SyncPipeline
from recording_sync.service_layer.sync_run import WRITE_TRIES

RETRYABLE_STATES = (JobState.FAILED, JobState.NO_RECORDING)


@dataclass(frozen=True)
class BatchSyncResult:
    jobs: list[SyncJob]
    skipped_synced: int
    skipped_not_ended: int


def _start_after_commit(pipeline: SyncPipeline, jobs: list[SyncJob], now: datetime) -> None:
    for job in jobs:
        if job.due(now):
            pipeline.spawn(job.id)


async def get_sync_job(*, reach: Reach, job_id: str, uow: SyncUnitOfWork) -> SyncJob:
    """One job with its files; NOT_FOUND for another tenant's and for a batch the teacher does
    not teach."""
    reach.require_manager()
    async with uow.within(reach.scope):
        job = await uow.jobs.get(job_id)
        if job is None:
            raise NotFound(resource_type="sync job", resource_id=job_id)
        await reach.require_managed(job.batch_id, resource_type="sync job", resource_id=job_id)
    return job


async def sync_meeting(
    *,
    reach: Reach,
    session_id: str = "",
    meeting_uuid: str = "",
    meeting_id: int = 0,
    force: bool,
    uow: SyncUnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
) -> SyncJob:
    """Queue (or re-queue with ``force``) one meeting's job and start it after the commit.

    The meeting is found in the caller's tenant only: by session (the projection), by instance
    (its job) or by Zoom id (a linked meeting or a job). A meeting unknown there is NOT_FOUND
    (the proto's contract), so nobody files a job for another school's meeting. By session, the
    job is that session's: of a recurring meeting, its occurrence's, never a sibling's."""
    reach.require_manager()
    async with uow.within(reach.scope):
        rows = uow.rows
        uuid = ""
        occurrence = ""  # the session whose job it is, when asked by session
        if session_id:
            link = await rows.load(
                select(mp).where(mp.c.session_id == session_id).order_by(mp.c.linked_at.desc())
            )
            if link is None:
                raise NotFound(resource_type="session", resource_id=session_id)
            await reach.require_managed(
                link.batch_id, resource_type="session", resource_id=session_id
            )
            meeting_id = link.meeting_id
            occurrence = session_id
        elif meeting_uuid:
            found = await uow.jobs.by_key(meeting_uuid)
            if found is None:
                raise NotFound(resource_type="meeting", resource_id=meeting_uuid)
            await reach.require_managed(
                found.batch_id, resource_type="meeting", resource_id=meeting_uuid
            )
            meeting_id, uuid = found.meeting_id, found.meeting_uuid
        elif meeting_id:
            known = await rows.load(
                select(mp.c.batch_id, mp.c.tenant_id).where(mp.c.meeting_id == meeting_id)
            ) or await rows.load(
                select(sj.c.batch_id, sj.c.tenant_id)
                .where(sj.c.meeting_id == meeting_id)
                .order_by(sj.c.created_at.desc())
            )
            if known is None:
                raise NotFound(resource_type="meeting", resource_id=str(meeting_id))
            await reach.require_managed(
                known.batch_id, resource_type="meeting", resource_id=str(meeting_id)
            )
        else:
            raise InvalidArgument("one of session_id, meeting_uuid, meeting_id is required")
        if not uuid:  # the latest instance's job, when the meeting has one already
            latest = await _latest_job(uow, meeting_id, occurrence)
            uuid = latest.meeting_uuid if latest is not None else ""
        tenant = rows.scope.tenant or reach.caller.tenant or DEFAULT_TENANT
        rows.scope.enter(tenant)
        job = await pipeline.ensure_job(
            uow,
            meeting_id=meeting_id,
            meeting_uuid=uuid,
            trigger=Trigger.MANUAL,
            due=None,
            tenant_id=tenant,
            session_id=occurrence,
        )
        if job.state != JobState.SYNCED or force:
            job.reopen(trigger=Trigger.MANUAL, now=now, force=force, fresh_budget=True)
        await uow.jobs.save(job)
        await uow.commit()
    _start_after_commit(pipeline, [job], now)
    return job


async def sync_status(
    *,
    reach: Reach,
    batch_id: str = "",
    session_id: str = "",
    meeting_uuid: str = "",
    uow: SyncUnitOfWork,
) -> list[SyncJob]:
    """The jobs (with their files) of a batch, session or meeting instance, most recently
    updated first, within the caller's tenant and, for a teacher, the batches they teach."""
    if batch_id:
        await reach.require_batch(batch_id)
        condition = sj.c.batch_id == batch_id
    elif session_id:
        condition = sj.c.session_id == session_id
    elif meeting_uuid:
        condition = sj.c.meeting_uuid == meeting_uuid
    else:
        raise InvalidArgument("one of batch_id, session_id, meeting_uuid is required")
    mine = await reach.batch_filter(sj.c.batch_id)
    async with uow.within(reach.scope):
        return await uow.jobs.where(condition, *mine)


async def sync_batch(
    *,
    reach: Reach,
    batch_id: str,
    force: bool,
    uow: SyncUnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
) -> BatchSyncResult:
    """Queue every ended meeting of the batch (projection rows still linked). A meeting counts
    as ended when Zoom said so or its scheduled end has passed; synced ones are left alone
    unless ``force``. Another tenant's batch has no meetings here: nothing is queued. A job a
    worker changed meanwhile (:class:`StaleJob`) is read again and the whole batch queued
    afresh; ABORTED when it keeps changing."""
    if not batch_id:
        raise InvalidArgument("batch_id is required")
    await reach.require_batch(batch_id)
    for attempt in range(WRITE_TRIES):
        try:
            result = await _queue_batch(
                reach=reach, batch_id=batch_id, force=force, uow=uow, pipeline=pipeline, now=now
            )
        except StaleJob:
            await asyncio.sleep(0.01 * (attempt + 1))
            continue
        _start_after_commit(pipeline, list(result.jobs), now)
        return result
    raise Aborted(f"the sync jobs of batch {batch_id!r} kept changing meanwhile; try again")


async def _queue_batch(
    *,
    reach: Reach,
    batch_id: str,
    force: bool,
    uow: SyncUnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
) -> BatchSyncResult:
    """One try of :func:`sync_batch`, in one unit of work."""
    async with uow.within(reach.scope):
        meetings = await uow.rows.all(
            select(mp)
            .where(mp.c.batch_id == batch_id, mp.c.status == "linked")
            .order_by(mp.c.start_time, mp.c.meeting_id)
        )
        series = await uow.projections.series(m.meeting_id for m in meetings)
        queued: list[SyncJob] = []
        synced = not_ended = 0
        for meeting in meetings:
            existing = await _latest_job(uow, meeting.meeting_id, meeting.session_id)
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
            if existing is not None and existing.state == JobState.SYNCED and not force:
                synced += 1
                continue
            uow.rows.scope.enter(meeting.tenant_id)
            job = existing or await pipeline.ensure_job(
                uow,
                meeting_id=meeting.meeting_id,
                # An occurrence's link may carry the series' uuid of creation, not its instance's.
                meeting_uuid="" if meeting.meeting_id in series else meeting.meeting_uuid,
                trigger=Trigger.MANUAL,
                due=now,
                tenant_id=meeting.tenant_id,
                session_id=meeting.session_id,
            )
            job.reopen(trigger=Trigger.MANUAL, now=now, force=force, fresh_budget=True)
            await uow.jobs.save(job)
            queued.append(job)
        await uow.commit()
    return BatchSyncResult(jobs=queued, skipped_synced=synced, skipped_not_ended=not_ended)


async def retry_sync(
    *,
    reach: Reach,
    job_id: str = "",
    session_id: str = "",
    batch_id: str = "",
    uow: SyncUnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
) -> list[SyncJob]:
    """Re-queue failed (or never-recorded) jobs with a fresh attempt budget, and jobs whose
    worker died mid-copy. One job that is neither is FAILED_PRECONDITION: the caller asked for
    something that cannot happen."""
    reach.require_manager()
    if batch_id and not job_id and not session_id:
        await reach.require_batch(batch_id)
    async with uow.within(reach.scope):
        if job_id:
            job = await uow.jobs.get(job_id)
            if job is None:
                raise NotFound(resource_type="sync job", resource_id=job_id)
            await reach.require_managed(job.batch_id, resource_type="sync job", resource_id=job_id)
            if not _retryable(job, now):
                raise FailedPrecondition(f"sync job {job_id} is {job.state}, not failed")
            jobs = [job]
        elif session_id or batch_id:
            column = sj.c.session_id if session_id else sj.c.batch_id
            mine = await reach.batch_filter(sj.c.batch_id)
            found = await uow.jobs.where(column == (session_id or batch_id), *mine)
            jobs = sorted((j for j in found if _retryable(j, now)), key=lambda j: j.created_at)
        else:
            raise InvalidArgument("one of job_id, session_id, batch_id is required")
        for job in jobs:
            job.reopen(trigger=Trigger.RETRY, now=now, fresh_budget=True)
            await uow.jobs.save(job)
        await uow.commit()
    _start_after_commit(pipeline, jobs, now)
    return jobs


async def _latest_job(uow: SyncUnitOfWork, meeting_id: int, session_id: str) -> SyncJob | None:
    """The meeting's latest job; of a recurring meeting asked by session, that occurrence's
    (another occurrence's job is not this session's recording)."""
    if session_id and meeting_id in await uow.projections.series([meeting_id]):
        return await uow.jobs.latest_of_meeting(meeting_id, session_id=session_id)
    return await uow.jobs.latest_of_meeting(meeting_id)


def _retryable(job: SyncJob, now: datetime) -> bool:
    """Failed, never recorded, or held by a worker whose heartbeat stopped."""
    if job.state in RETRYABLE_STATES:
        return True
    return job.state == JobState.DOWNLOADING and not job.lease_live(now)


@dataclass(frozen=True)
class JobPage:
    jobs: list[SyncJob]
    next_page_token: str
    total_size: int


async def list_sync_jobs(
    *,
    reach: Reach,
    batch_id: str,
    session_id: str,
    states: list[str],
    updated_after: datetime | None,
    page_size: int,
    page_token: str,
    uow: SyncUnitOfWork,
) -> JobPage:
    """Jobs by batch, session and state, most recently updated first (only those the caller
    manages: their tenant's, and for a teacher the batches they teach)."""
    page = page_request(
        page_size,
        page_token,
        [batch_id, session_id, sorted(states), str(updated_after or "")],
        listing="ListSyncJobs",
    )
    conditions = await reach.batch_filter(sj.c.batch_id)
    if batch_id:
        conditions.append(sj.c.batch_id == batch_id)
    if session_id:
        conditions.append(sj.c.session_id == session_id)
    if states:
        conditions.append(sj.c.state.in_(states))
    if updated_after is not None:
        conditions.append(sj.c.updated_at >= updated_after)
    async with uow.within(reach.scope):
        total = int(
            await uow.rows.scalar(select(func.count()).select_from(sj).where(*conditions)) or 0
        )
        found = await uow.jobs.page(conditions, offset=page.offset, limit=page.limit)
    return JobPage(jobs=found, next_page_token=page.next_token(total), total_size=total)


__all__ = [
    "FINISHED_STATES",
    "BatchSyncResult",
    "JobPage",
    "get_sync_job",
    "list_sync_jobs",
    "retry_sync",
    "sync_batch",
    "sync_meeting",
    "sync_status",
]
