"""The sync of recordings into storage (flow 4): jobs, their files, attempts and outcomes.

One job per meeting instance (:class:`~recording_sync.domain.sync_job.SyncJob`). What Zoom
announces is filed on the job in the announcing transaction (the consumer's inbox, a person's
request); attempts run in the background (:class:`~recording_sync.service_layer.sync_run.JobRun`)
under a short lease renewed by a heartbeat. Every write goes through the sync's unit of work and
repositories; events leave through the outbox in the transaction that changes the job.

Each replica polls for due jobs every few seconds: jobs queued or due for a retry, jobs a
stopping replica released, and jobs whose holder died (its lease ran out). The sweep also
plans jobs for linked meetings that ended without any recording event, and the reconciliation
lists each tenant's cloud recordings, since Zoom stops retrying a webhook after three tries.

Every job belongs to one tenant, fixed when it is created (the scheduler's link of the meeting,
else the Zoom event's or the caller's tenant) and never changed: the projection is read only
within it, its files and recording inherit it, the gateway is asked for that tenant's Zoom
account, and the events carry it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.errors import NotFound
from classbridge_common.messages import Envelope
from classbridge_common.telemetry import Metrics
from classbridge_common.tenancy import TenantScope
from recording_sync.adapters.storage_base import ObjectStorage, StorageError
from recording_sync.adapters.sync_repository import (
    Placement,
    ProjectionRepository,
    Repos,
    Repositories,
    StaleJob,
    SyncUnitOfWork,
    repositories,
)
from recording_sync.domain import naming
from recording_sync.domain.model import ZoomRecording
from recording_sync.domain.occurrences import placeholder_keys
from recording_sync.domain.sync_job import (
    JobBusy,
    JobState,
    Lease,
    NotClaimable,
    SyncJob,
    Trigger,
)
from recording_sync.service_layer import sync_events
from recording_sync.service_layer.ports import Download, ZoomGateway
from recording_sync.service_layer.sync_run import (
    JobRun,
    SyncContext,
    SyncPolicy,
    new_id,
)

log = logging.getLogger(__name__)

__all__ = ["SyncPipeline", "SyncPolicy", "new_id"]

CopyAllowed = Callable[[SyncUnitOfWork, SyncJob], Awaitable[bool]]


def _now() -> datetime:
    return datetime.now(UTC)


async def _always(_uow: SyncUnitOfWork, _job: SyncJob) -> bool:
    return True


def _repos(session: AsyncSession, tenant_id: str | None) -> Repos:
    return repositories(session, TenantScope(tenant_id))


class SyncPipeline:
    """Files what Zoom announces on jobs, runs attempts, sweeps, and removes deleted files."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        storage: ObjectStorage,
        gateway: ZoomGateway,
        downloader: Download,
        policy: SyncPolicy,
        on_commit: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = _now,
        metrics: Metrics | None = None,
        copy_allowed: CopyAllowed = _always,
    ) -> None:
        self._sessions = sessions
        self._storage = storage
        self._on_commit = on_commit or (lambda: None)
        self._clock = clock
        self._copy_allowed = copy_allowed
        self.policy = policy
        # Unique per process and start, so a restarted worker never mistakes a dead one's
        # lease for its own.
        self.owner = f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._ctx = SyncContext(
            unit_of_work=self.unit_of_work,
            storage=storage,
            gateway=gateway,
            downloader=downloader,
            policy=policy,
            clock=clock,
            metrics=metrics or Metrics.from_global(),
        )
        self._tasks: set[asyncio.Task[str | None]] = set()
        self._running: set[str] = set()
        self._purging: set[asyncio.Task[int]] = set()

    @property
    def storage(self) -> ObjectStorage:
        """Where the copies go (a deletion verifies against the very storage copied to)."""
        return self._storage

    @property
    def gateway(self) -> ZoomGateway:
        """The zoom-gateway client the copies are made through."""
        return self._ctx.gateway

    def unit_of_work(self, scope: TenantScope | None = None) -> SyncUnitOfWork:
        """A unit of work on this service's database, narrowed to ``scope``."""
        return SyncUnitOfWork(
            session_factory=self._sessions, on_commit=self._on_commit, scope=scope
        )

    # ------------------------------------------------------------------ filing

    async def ensure_job(
        self,
        repos: Repositories | AsyncSession,
        *,
        meeting_id: int,
        meeting_uuid: str,
        trigger: str,
        due: datetime | None,
        tenant_id: str,
        start_time: datetime | None = None,
        session_id: str = "",
    ) -> SyncJob:
        """The job of this meeting instance in ``tenant_id``, created if new (never two for one
        instance). A job of the instance in another tenant is NOT_FOUND: a tenant never adopts,
        reads or changes another's job, whoever names its meeting.

        The instance's occurrence (its session, when the meeting is recurring) is ``session_id``
        when the caller knows it (the sweep, a sync by session), else told by the instance's
        uuid and ``start_time``; a job made before Zoom named the instance is keyed by meeting
        number and occurrence, so each occurrence has its own and adopts its own instance."""
        if isinstance(repos, AsyncSession):
            repos = _repos(repos, tenant_id)
        found = await repos.projections.placement(
            meeting_id, meeting_uuid=meeting_uuid, start_time=start_time, session_id=session_id
        )
        occurrence = found.session_id if found is not None else session_id
        placeholders = placeholder_keys(meeting_id, occurrence)
        key = meeting_uuid or placeholders[0]
        owner = await repos.jobs.tenant_of_key(key)
        if owner is None:
            # A job made before Zoom named the instance (the sweep, a sync by number): adopt
            # it, unless it is another occurrence's.
            for placeholder in placeholders if meeting_uuid else placeholders[1:]:
                if await repos.jobs.tenant_of_key(placeholder) != tenant_id:
                    continue
                job = await repos.jobs.by_key(placeholder, lock=True)
                if job is not None and (not occurrence or job.session_id in ("", occurrence)):
                    job.learn_uuid(meeting_uuid)
                    return job
        if owner is not None:
            if owner != tenant_id:
                raise NotFound(resource_type="meeting", resource_id=meeting_uuid or str(meeting_id))
            job = await repos.jobs.by_key(key, lock=True)
            if job is not None:
                return job
        now = self._clock()
        job = SyncJob(
            id=new_id("job"),
            tenant_id=tenant_id,
            job_key=key,
            meeting_id=meeting_id,
            meeting_uuid=meeting_uuid,
            recording_id=new_id("rec"),
            state=JobState.PENDING,
            trigger=Trigger(trigger),
            max_attempts=self.policy.max_attempts,
            next_attempt_at=due,
            created_at=now,
            updated_at=now,
            folder=naming.unassigned_folder(meeting_id),
        )
        _file(job, found)
        await repos.jobs.add(job)
        return job

    async def record_recording(
        self, session: AsyncSession, recording: ZoomRecording, *, trigger: str, tenant_id: str
    ) -> str | None:
        """A recording (or transcript) was announced in ``tenant_id``: file it on its job;
        returns the job id when an attempt should start now, else None (a redelivery of a
        synced one; a job a live worker holds, which copies the new files before it ends)."""
        repos = _repos(session, tenant_id)
        now = self._clock()
        job = await self.ensure_job(
            repos,
            meeting_id=recording.meeting_id,
            meeting_uuid=recording.meeting_uuid,
            trigger=trigger,
            due=now,
            tenant_id=tenant_id,
            start_time=recording.start_time,
        )
        job.describe(
            topic=recording.topic,
            start=recording.start_time,
            duration_minutes=recording.duration_minutes,
        )
        if job.learn(recording.files, new_id=new_id, now=now):
            start = job.reopen(trigger=Trigger(trigger), now=now)
        else:  # nothing new: start it only if it is due anyway (a takeover, say)
            start = job.due(now)
        await repos.jobs.save(job)  # a repeat of what the job knows writes nothing
        return job.id if start else None

    async def record_ended(
        self,
        session: AsyncSession,
        *,
        meeting_id: int,
        meeting_uuid: str,
        ended_at: datetime,
        topic: str,
        start_time: datetime | None,
        tenant_id: str,
    ) -> None:
        """Remember the real end, so the sweep looks at end + delay if no recording arrives."""
        repos = _repos(session, tenant_id)
        due = ended_at + self.policy.sweep_delay
        job = await self.ensure_job(
            repos,
            meeting_id=meeting_id,
            meeting_uuid=meeting_uuid,
            trigger=Trigger.SWEEP,
            due=due,
            tenant_id=tenant_id,
            start_time=start_time,
        )
        job.describe(topic=topic, start=start_time, ended_at=ended_at)
        job.schedule_check(due, self._clock())
        await repos.jobs.save(job)

    # ------------------------------------------------------------------ running

    def spawn(self, job_id: str, *, download_token: str = "") -> None:
        """Run a job in the background (the consumer must not hold a message for a download)."""
        if job_id in self._running:
            return
        task = asyncio.create_task(self.run(job_id, download_token=download_token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for every background run (tests, shutdown)."""
        while self._tasks or self._purging:
            await asyncio.gather(*list(self._tasks), *list(self._purging), return_exceptions=True)

    async def stop(self) -> None:
        """Stop every run this process holds: each releases its lease, so another replica (or
        the next start) takes the job over at once instead of after the lease."""
        for task in list(self._tasks):
            task.cancel()
        await self.idle()

    async def claim(self, job_id: str) -> tuple[SyncJob, Lease] | None:
        """Hold the job for an attempt; None when someone else holds it or it is not due to run
        (finished, cancelled, unknown). Files it under its session if the meeting was linked
        since; a job of a course whose recordings are not copied is cancelled instead."""
        now = self._clock()
        uow = self.unit_of_work()
        try:
            async with uow:
                job = await uow.jobs.get(job_id, lock=True)
                if job is None:
                    return None
                lease = job.claim(owner=self.owner, now=now, lease_for=self.policy.lease)
                await _place(uow.projections, job)
                if not await self._copy_allowed(uow, job):
                    job.cancel(now=now)
                    job.last_error = "copying recordings is switched off for this course"
                    await uow.jobs.save(job)
                    await uow.commit()
                    return None
                await uow.jobs.save(job)
                await uow.commit()
        except (JobBusy, NotClaimable, StaleJob):
            return None
        return job, lease

    async def run(self, job_id: str, *, download_token: str = "") -> str | None:
        """One attempt at a job; returns the state it ends in (None if someone else has it)."""
        if job_id in self._running:
            return None
        self._running.add(job_id)
        try:
            claimed = await self.claim(job_id)
            if claimed is None:
                return None
            job, lease = claimed
            return await JobRun(self._ctx, job, lease, download_token).go()
        finally:
            self._running.discard(job_id)

    # ------------------------------------------------------------------ sweep

    async def poll_once(self, *, wait: bool = True) -> int:
        """Start the due jobs (queued, released, retry time reached, holder dead) this process
        does not run already; with ``wait``, return once they finished. Returns how many ran
        (started, without ``wait``)."""
        now = self._clock()
        async with self.unit_of_work() as uow:
            due = await uow.jobs.due(now, limit=self.policy.sweep_batch)
        due = [job_id for job_id in due if job_id not in self._running]
        if not wait:
            for job_id in due:
                self.spawn(job_id)
            return len(due)
        outcomes = await asyncio.gather(*(self.run(job_id) for job_id in due))
        return sum(1 for outcome in outcomes if outcome is not None)

    async def plan_once(self) -> int:
        """Plan jobs for linked meetings whose scheduled end + delay passed without any
        recording event (each in its meeting's tenant; one per occurrence of a recurring
        meeting, on its session); returns how many."""
        now = self._clock()
        planned = 0
        async with self.unit_of_work() as uow:
            found = await uow.projections.ended_without_job(
                now, lookback=self.policy.sweep_lookback, delay=self.policy.sweep_delay
            )
            for occurrence in found:
                await self.ensure_job(
                    _repos(uow.session, occurrence.tenant_id),
                    meeting_id=occurrence.meeting_id,
                    meeting_uuid="",
                    trigger=Trigger.SWEEP,
                    due=occurrence.due,
                    tenant_id=occurrence.tenant_id,
                    session_id=occurrence.session_id,
                )
                planned += 1
            await uow.commit()
        return planned

    async def sweep_once(self) -> int:
        """One pass of the safety net: plan jobs for ended meetings, run the due ones."""
        await self.plan_once()
        return await self.poll_once()

    # ------------------------------------------------------------------ removal

    async def remove(
        self,
        session: AsyncSession,
        *,
        job_ids: list[str],
        reason: rev.RemovalReason,
        removed_by: str = "",
        zoom_file_ids: tuple[str, ...] = (),
    ) -> list[Envelope]:
        """Mark these jobs' files deleted (all, or those named) and return the events
        (``recording.removed``) for the caller to write in its transaction.

        The rows change first and the objects go once that transaction has committed, so no
        file ever points at an object that is gone; an object left by a crash in between is
        removed by :meth:`purge` (the janitor). Files Classbridge deleted at Zoom itself
        after verifying its copy are kept when Zoom's deletion is reported."""
        events: list[Envelope] = []
        now = self._clock()
        at_zoom = reason == rev.REMOVAL_REASON_ZOOM_DELETED
        for job_id in job_ids:
            repos = _repos(session, None)
            job = await repos.jobs.get(job_id, lock=True)
            if job is None:
                continue
            gone = job.delete_files(zoom_file_ids, now=now, at_zoom=at_zoom)
            whole = not job.copyable
            if whole:
                await repos.recordings.remove_of_job(job)
            else:
                await repos.recordings.refresh_totals(job)
            await repos.jobs.save(job)
            if gone or whole:
                events.append(
                    sync_events.removed(
                        job, gone, reason=reason, removed_by=removed_by, whole=whole, now=now
                    )
                )
                for f in gone:
                    self._ctx.metrics.storage_bytes(-f.size_bytes, backend=self._storage.backend)
        if events:
            self._purge_after_commit(session)
        return events

    def _purge_after_commit(self, session: AsyncSession) -> None:
        def committed(_: object) -> None:
            task = asyncio.get_running_loop().create_task(self.purge())
            self._purging.add(task)
            task.add_done_callback(self._purging.discard)

        event.listen(session.sync_session, "after_commit", committed, once=True)

    async def purge(self, *, limit: int = 500) -> int:
        """Delete the objects of deleted files (after their rows changed); returns how many."""
        async with self.unit_of_work() as uow:
            found = await uow.recordings.deleted_objects(limit=limit)
        purged = 0
        for file_id, key in found:
            try:
                await self._storage.delete(key)
            except StorageError:
                log.warning("could not delete a removed file's object; the janitor retries")
                continue
            async with self.unit_of_work() as uow:
                await uow.recordings.purged(file_id)
                await uow.commit()
            purged += 1
        return purged


async def _place(projections: ProjectionRepository, job: SyncJob) -> None:
    """File the job under the scheduler's link of its meeting instance, when there is one
    (of a recurring meeting: the occurrence its uuid or start names)."""
    found = await projections.placement(
        job.meeting_id, meeting_uuid=job.meeting_uuid, start_time=job.meeting_start
    )
    _file(job, found)


def _file(job: SyncJob, found: Placement | None) -> None:
    """File the job under ``found``; a job nobody claims keeps its filing (or none)."""
    if found is not None:
        job.place(
            session_id=found.session_id,
            batch_id=found.batch_id,
            batch_type=found.batch_type,
            student_id=found.student_id,
            course_id=found.course_id,
            folder=found.folder,
        )
    elif not job.folder:
        job.folder = naming.unassigned_folder(job.meeting_id)
