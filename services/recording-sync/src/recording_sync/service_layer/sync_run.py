"""One worker's attempt at one sync job, under a lease (flow 4).

The attempt holds a :class:`~recording_sync.domain.sync_job.Lease` and writes only through
:meth:`JobRun.change`: a short unit of work that loads the job, applies one transition (each
checks the lease) and saves it. A heartbeat renews the lease while the attempt runs; the first
write that finds the lease taken over (:class:`LeaseLost`) stops the attempt, and the storage
upload in flight is aborted by the progress callback raising it, so nothing a stale worker does
becomes visible. A graceful stop releases the lease, so another replica takes the job over at
once; a crash leaves a lease that runs out within ``SyncPolicy.lease``.

Files that arrive during the attempt (a late transcript, a re-sent ``recording.completed``) are
added to the job by the consumer; the attempt copies whatever is pending until nothing is, and
only then may the job succeed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from classbridge.common.v1 import common_pb2
from classbridge_common.telemetry import Metrics
from classbridge_common.tenancy import TenantScope
from recording_sync.adapters.storage_base import (
    IntegrityError,
    ObjectStorage,
    Resume,
    StorageError,
    StoredObject,
)
from recording_sync.adapters.sync_repository import StaleJob, SyncUnitOfWork
from recording_sync.domain import naming
from recording_sync.domain.model import SyncFailure
from recording_sync.domain.sync_job import (
    JobState,
    Lease,
    LeaseLost,
    MoreToCopy,
    RecordingFile,
    StoredCopy,
    SyncJob,
)
from recording_sync.service_layer import sync_events
from recording_sync.service_layer.ports import Download, ZoomGateway

log = logging.getLogger(__name__)

T = TypeVar("T")
WRITE_TRIES = 8
# Rounds of copying within one attempt (each copies what arrived during the one before).
MAX_ROUNDS = 50


@dataclass(frozen=True)
class SyncPolicy:
    """The knobs of the pipeline (from Settings)."""

    sweep_delay: timedelta = timedelta(minutes=5)
    retry_interval: timedelta = timedelta(minutes=30)
    max_attempts: int = 3
    file_concurrency: int = 2
    download_tries: int = 3
    download_backoff: float = 1.0
    lease: timedelta = timedelta(seconds=30)
    heartbeat: timedelta = timedelta(seconds=10)
    sweep_lookback: timedelta = timedelta(days=7)
    sweep_batch: int = 20
    reconcile_window: timedelta = timedelta(days=7)

    def backoff(self, attempts: int) -> timedelta:
        """Pause before retrying a failed attempt: 2, 4, 8 ... minutes, at most the interval."""
        return min(self.retry_interval, timedelta(minutes=2) * (1 << max(attempts - 1, 0)))


@dataclass(frozen=True)
class SyncContext:
    """What an attempt works with (the pipeline builds it once)."""

    unit_of_work: Callable[[TenantScope], SyncUnitOfWork]
    storage: ObjectStorage
    gateway: ZoomGateway
    downloader: Download
    policy: SyncPolicy
    clock: Callable[[], datetime]
    metrics: Metrics


async def change(
    ctx: SyncContext,
    tenant_id: str,
    job_id: str,
    apply: Callable[[SyncJob, SyncUnitOfWork], Awaitable[T]],
) -> T:
    """Load the job, ``apply`` one change (it may publish events on the unit of work), save and
    commit; retried on fresh state when another writer got there first (:class:`StaleJob`)."""
    for attempt in range(WRITE_TRIES):
        uow = ctx.unit_of_work(TenantScope(tenant_id))
        try:
            async with uow:
                job = await uow.jobs.get(job_id, lock=True)
                if job is None:
                    raise LeaseLost(f"sync job {job_id} is gone")
                result = await apply(job, uow)
                await uow.jobs.save(job)
                await uow.commit()
                return result
        except StaleJob:
            await asyncio.sleep(0.01 * (attempt + 1))
    raise LeaseLost(f"sync job {job_id} kept changing under this worker")


class Superseded(Exception):
    """Another job copies this job's meeting instance; this one was cancelled."""


class JobRun:
    """One attempt at one job by the worker holding ``lease``."""

    def __init__(self, ctx: SyncContext, job: SyncJob, lease: Lease, token: str) -> None:
        self._ctx = ctx
        self._tenant = job.tenant_id
        self._lease = lease
        self._token = token
        self._checkpoints: dict[str, str] = {}  # file id -> its newest checkpoint this attempt
        self._lost = False
        self._started = time.monotonic()
        self.job = job

    async def change(self, apply: Callable[[SyncJob, SyncUnitOfWork], Awaitable[T]]) -> T:
        async def checked(job: SyncJob, uow: SyncUnitOfWork) -> T:
            job.check(self._lease)
            result = await apply(job, uow)
            self.job = job
            return result

        return await change(self._ctx, self._tenant, self._lease.job_id, checked)

    # ------------------------------------------------------------------ the attempt

    async def go(self) -> JobState | None:
        """Run the attempt; the state it ends in, or None when the job was taken over."""
        me = asyncio.current_task()
        beat = asyncio.create_task(self._heartbeat(me), name=f"heartbeat-{self._lease.job_id}")
        try:
            return await self._attempt()
        except Superseded as why:
            log.info("sync job superseded: %s", why, extra={"job_id": self._lease.job_id})
            return JobState.CANCELLED
        except LeaseLost as lost:
            log.info("sync job taken over; this worker stops: %s", lost)
            return None
        except SyncFailure as failure:
            return await self._fail(failure)
        except asyncio.CancelledError:
            if self._lost and me is not None and me.uncancel() == 0:
                log.info("sync job taken over; this worker stopped its copy")
                return None
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release())
            raise
        except Exception as error:  # a bug: count it, keep the job retryable
            log.exception("sync attempt crashed", extra={"job_id": self._lease.job_id})
            crash = SyncFailure(
                common_pb2.SYNC_ERROR_TYPE_INTERNAL, f"internal error: {type(error).__name__}"
            )
            return await self._fail(crash)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await beat

    async def _heartbeat(self, worker: asyncio.Task[object] | None) -> None:
        """Renew the lease every ``policy.heartbeat``; on losing it, stop the worker."""
        ctx = self._ctx
        while True:
            await asyncio.sleep(ctx.policy.heartbeat.total_seconds())

            async def beat(job: SyncJob, _: SyncUnitOfWork) -> None:
                job.heartbeat(self._lease, now=ctx.clock(), lease_for=ctx.policy.lease)

            try:
                await self.change(beat)
            except LeaseLost:
                self._lost = True
                if worker is not None:
                    worker.cancel()
                return
            except Exception:  # the database is away: try again at the next beat
                log.warning("sync heartbeat failed", exc_info=True)

    async def _attempt(self) -> JobState:
        job = self.job
        if not job.pending and not job.force:
            waiting = await self._ask_zoom(job)
            if waiting:
                return await self._wait_for_zoom()
        forced = self.job.force
        for _ in range(MAX_ROUNDS):
            job = self.job
            todo = list(job.pending)
            if forced:
                todo += [f for f in job.stored if f not in todo]
                forced = False
            if todo:
                await self._copy_all(todo)
                continue
            try:
                return await self._succeed()
            except MoreToCopy:
                if not self.job.copyable:
                    return await self._wait_for_zoom()
        raise SyncFailure(
            common_pb2.SYNC_ERROR_TYPE_INTERNAL, f"files kept arriving for {MAX_ROUNDS} rounds"
        )

    async def _ask_zoom(self, job: SyncJob) -> bool:
        """List the recording at Zoom and learn its files; True when there is nothing to copy
        yet (Zoom has no completed file and nothing was stored before)."""
        ctx = self._ctx
        listed = await ctx.gateway.list_recording(
            meeting_uuid=job.meeting_uuid, meeting_id=job.meeting_id, tenant_id=job.tenant_id
        )
        if listed is None or not any(f.zoom_file_type and f.completed for f in listed.files):
            return not job.stored

        async def learn(job: SyncJob, uow: SyncUnitOfWork) -> bool | None:
            if listed.meeting_uuid and not job.meeting_uuid:
                if job.session_id and not await uow.projections.claims(
                    job.meeting_id,
                    job.session_id,
                    meeting_uuid=listed.meeting_uuid,
                    start_time=listed.start_time,
                ):
                    # Zoom lists a meeting number's latest instance: of a recurring meeting,
                    # maybe another occurrence's. Not this job's: it waits for its own.
                    return None
                if await uow.jobs.tenant_of_key(listed.meeting_uuid) is not None:
                    # A job keyed by the meeting number (a manual sync, the sweep) raced the
                    # webhook's job of the same instance: that one copies, this one ends.
                    job.cancel(now=ctx.clock())
                    job.last_error = f"the job of meeting instance {listed.meeting_uuid} copies it"
                    return False
                job.learn_uuid(listed.meeting_uuid)
            job.describe(
                topic=listed.topic,
                start=listed.start_time,
                duration_minutes=listed.duration_minutes,
            )
            job.learn(listed.files, new_id=new_id, now=ctx.clock())
            return True

        learned = await self.change(learn)
        if learned is None:
            return not self.job.stored
        if not learned:
            raise Superseded(self.job.last_error)
        return not self.job.copyable

    async def _copy_all(self, todo: list[RecordingFile]) -> None:
        gate = asyncio.Semaphore(self._ctx.policy.file_concurrency)

        async def one(f: RecordingFile) -> None:
            async with gate:
                await self._copy_file(f)

        results = await asyncio.gather(*(one(f) for f in todo), return_exceptions=True)
        for result in results:  # a lost lease first: then nothing else is ours to report
            if isinstance(result, LeaseLost | asyncio.CancelledError):
                raise result
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _copy_file(self, f: RecordingFile) -> None:
        """Copy one file (with in-attempt retries); stores it or marks it failed and raises."""
        ctx, lease, job = self._ctx, self._lease, self.job

        async def start(job: SyncJob, _: SyncUnitOfWork) -> None:
            job.start_file(lease, f.id, now=ctx.clock())

        await self.change(start)
        kind = f.recording_type or f.zoom_file_type or f.file_type
        name = naming.file_name(
            recording_start=f.recording_start or job.meeting_start,
            meeting_id=job.meeting_id,
            kind=kind,
            zoom_file_id=f.zoom_file_id,
            extension=f.file_extension,
        )
        key = naming.storage_key(job.folder or naming.unassigned_folder(job.meeting_id), name)
        ctype = naming.content_type(f.file_extension)
        title = naming.lesson_title(
            start=f.recording_start or job.meeting_start,
            extension=f.file_extension,
            zoom_file_type=f.zoom_file_type,
        )

        def copy(size: int, sha256: str, etag: str) -> StoredCopy:
            return StoredCopy(key, name, ctype, title, size, sha256, etag)

        if not job.force:
            existing = await ctx.storage.head(key)
            if existing is not None and f.zoom_size in (0, existing.size):
                # An earlier attempt stored it and died before saying so. An S3 multipart
                # object's sha256 is in the checkpoint recorded just before its completion.
                sha256 = existing.sha256 or _completed_sha256(f.checkpoint, existing.etag)
                if sha256:
                    await self._stored(f, copy(existing.size, sha256, existing.etag))
                    return
        delay = ctx.policy.download_backoff
        for attempt in range(1, ctx.policy.download_tries + 1):
            try:
                stored = await self._transfer(f, key, ctype)
            except SyncFailure as failure:
                error = failure
            except IntegrityError as exc:
                error = SyncFailure(
                    common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, f"incomplete download: {exc}"
                )
            except StorageError as exc:
                error = SyncFailure(common_pb2.SYNC_ERROR_TYPE_STORAGE, f"storage: {exc}")
            else:
                ctx.metrics.storage_bytes(stored.size, backend=ctx.storage.backend)
                await self._stored(f, copy(stored.size, stored.sha256, stored.etag))
                return
            ctx.metrics.error(error.label, operation="recording_download")
            log.warning(
                "file copy failed (try %d of %d): %s",
                attempt,
                ctx.policy.download_tries,
                error.message,
                extra={"job_id": job.id, "zoom_file_id": f.zoom_file_id},
            )
            if not error.retryable or attempt == ctx.policy.download_tries:
                await self._file_failed(f, error)
                raise error
            await asyncio.sleep(delay)
            delay *= 2

    async def _transfer(self, f: RecordingFile, key: str, ctype: str) -> StoredObject:
        ctx, job = self._ctx, self.job
        access = await ctx.gateway.download_access(
            meeting_uuid=f.meeting_uuid or job.meeting_uuid,
            zoom_file_id=f.zoom_file_id,
            download_url=f.download_url,
            download_token=self._token,
            tenant_id=job.tenant_id,
        )
        if not access.extension:
            access = replace(access, extension=f.file_extension)
        expected = f.zoom_size or access.size or None
        token = self._checkpoints.get(f.id, f.checkpoint)
        resume = await ctx.storage.resume(key, token) if token else None

        async def checkpoint(point: Resume) -> None:
            saved = point.token()
            self._checkpoints[f.id] = saved

            async def moved(job: SyncJob, _: SyncUnitOfWork) -> None:
                done = point.size if point.completing else point.offset
                job.progress(self._lease, f.id, bytes_done=done, now=ctx.clock(), checkpoint=saved)

            await self.change(moved)  # raises LeaseLost: the copy stops, the upload stays

        if resume is not None and (resume.completing or resume.offset == expected):
            # Every byte was stored before the interruption (a range from the end would be a
            # 416): only the completion is left.
            return await ctx.storage.put_stream(
                key,
                _nothing(),
                content_type=ctype,
                expected_size=expected,
                resume=resume,
                on_checkpoint=checkpoint,
            )
        if resume is not None:
            log.info(
                "resuming a file copy at byte %d",
                resume.offset,
                extra={"job_id": job.id, "zoom_file_id": f.zoom_file_id},
            )
        async with ctx.downloader.open(access, offset=resume.offset if resume else 0) as body:
            if resume is not None and body.offset != resume.offset:
                resume = None  # the server sent the whole file: start over (the janitor clears)
            return await ctx.storage.put_stream(
                key,
                body,
                content_type=ctype,
                expected_size=expected,
                resume=resume,
                on_checkpoint=checkpoint,
            )

    # ------------------------------------------------------------------ outcomes

    async def _stored(self, f: RecordingFile, copy: StoredCopy) -> None:
        async def stored(job: SyncJob, _: SyncUnitOfWork) -> None:
            job.file_stored(self._lease, f.id, copy, now=self._ctx.clock())

        await self.change(stored)

    async def _file_failed(self, f: RecordingFile, failure: SyncFailure) -> None:
        async def failed(job: SyncJob, _: SyncUnitOfWork) -> None:
            job.file_failed(self._lease, f.id, failure, now=self._ctx.clock())

        await self.change(failed)

    async def _succeed(self) -> JobState:
        ctx = self._ctx

        async def succeed(job: SyncJob, uow: SyncUnitOfWork) -> int:
            now = ctx.clock()
            fresh = job.succeed(self._lease, now=now)
            await uow.recordings.record(job, now=now)
            if fresh:
                uow.publish(sync_events.synced(job, fresh, now=now))
            return len(fresh)

        announced = await self.change(succeed)
        if announced:
            ctx.metrics.recording_sync(success=True)
            ctx.metrics.recording_processing(time.monotonic() - self._started)
        log.info("recording synced", extra={"job_id": self._lease.job_id, "files": announced})
        return JobState.SYNCED

    async def _wait_for_zoom(self) -> JobState:
        ctx = self._ctx

        async def wait(job: SyncJob, uow: SyncUnitOfWork) -> bool:
            now = ctx.clock()
            final = job.wait_for_zoom(self._lease, now=now, retry_in=ctx.policy.retry_interval)
            failure = SyncFailure(common_pb2.SYNC_ERROR_TYPE_NO_RECORDING, job.last_error)
            uow.publish(sync_events.sync_failed(job, failure, now=now))
            return final

        if await self.change(wait):
            ctx.metrics.recording_sync(success=False, error_type="no_recording")
        return self.job.state

    async def _fail(self, failure: SyncFailure) -> JobState | None:
        ctx = self._ctx

        async def fail(job: SyncJob, uow: SyncUnitOfWork) -> bool:
            now = ctx.clock()
            final = job.fail(
                self._lease, failure, now=now, retry_in=ctx.policy.backoff(job.attempts + 1)
            )
            uow.publish(sync_events.sync_failed(job, failure, now=now))
            return final

        try:
            final = await self.change(fail)
        except LeaseLost:
            return None
        if final:
            ctx.metrics.recording_sync(success=False, error_type=failure.label)
        ctx.metrics.error(failure.label, operation="recording_sync")
        log.warning(
            "sync attempt failed (%s): %s",
            failure.label,
            failure.message,
            extra={"job_id": self._lease.job_id, "final": final},
        )
        return self.job.state

    async def _release(self) -> None:
        """Hand the job back (graceful stop): due at once for another worker."""

        async def release(job: SyncJob, _: SyncUnitOfWork) -> None:
            job.release(self._lease, now=self._ctx.clock())

        with contextlib.suppress(LeaseLost):
            await asyncio.wait_for(self.change(release), timeout=5)
        log.info("sync job released for another worker", extra={"job_id": self._lease.job_id})


async def _nothing() -> AsyncIterator[bytes]:
    """No bytes: a resumed copy that had sent them all only completes."""
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk


def _completed_sha256(token: str, etag: str) -> str:
    """The sha256 the checkpoint recorded for the object now stored with ``etag``, if any."""
    point = Resume.parse(token) if token else None
    if point is None or not point.completing or not etag or point.etag != etag:
        return ""
    return point.sha256


def new_id(prefix: str) -> str:
    """A fresh id: ``{prefix}_{32 hex digits}``."""
    return f"{prefix}_{uuid.uuid4().hex}"
