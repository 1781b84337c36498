"""The sync of recordings into storage (flow 4): jobs, their files, attempts and outcomes.

One job per meeting instance. A job is *claimed* with a conditional update (state and lease), so
several replicas and the webhook fast path never copy the same job at once; a crashed worker's
lease runs out and the sweep takes the job over. Bytes stream from Zoom straight into storage;
each stored file is committed on its own, so a retry copies only what is missing, and keys are
deterministic, so a re-run rewrites the same object rather than adding a second lesson.
Outcomes (``recording.synced`` / ``recording.sync_failed``) are written to the outbox in the
transaction that changes the job's state.

Every job belongs to one tenant, fixed when it is created (the scheduler's link of the meeting,
else the Zoom event's or the caller's tenant) and never changed: the projection is read only
within it, its files and recording inherit it, the gateway is asked for that tenant's Zoom
account, and the events carry it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.db.engine import is_postgres
from classbridge_common.errors import NotFound
from classbridge_common.messages import Envelope
from classbridge_common.outbox import write_to_outbox
from classbridge_common.telemetry import Metrics
from classbridge_common.tenancy import Scoped, TenantScope
from recording_sync.adapters.storage_base import IntegrityError, ObjectStorage, StorageError
from recording_sync.adapters.tables import access_grants as ag
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.domain import model as m
from recording_sync.domain import naming
from recording_sync.service_layer.ports import Download, ZoomGateway

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncPolicy:
    """The knobs of the pipeline (from Settings)."""

    sweep_delay: timedelta = timedelta(minutes=5)
    retry_interval: timedelta = timedelta(minutes=30)
    max_attempts: int = 3
    file_concurrency: int = 2
    download_tries: int = 3
    download_backoff: float = 1.0
    lease: timedelta = timedelta(hours=1)
    sweep_lookback: timedelta = timedelta(days=7)
    sweep_batch: int = 20


def _ts(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class SyncPipeline:
    """Creates, runs and sweeps sync jobs; removes recordings deleted at Zoom."""

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
    ) -> None:
        self._sessions = sessions
        self._storage = storage
        self._gateway = gateway
        self._downloader = downloader
        self.policy = policy
        self._on_commit = on_commit or (lambda: None)
        self._clock = clock
        self._metrics = metrics or Metrics.from_global()
        self._owner = uuid.uuid4().hex[:16]
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ job records

    async def _projection(self, session: AsyncSession, meeting_id: int, tenant_id: str) -> Any:
        return await Scoped(session, TenantScope(tenant_id)).first(
            select(mp).where(mp.c.meeting_id == meeting_id, mp.c.status == "linked")
        )

    async def _placement(
        self, session: AsyncSession, meeting_id: int, tenant_id: str
    ) -> dict[str, Any]:
        """Session, batch and folder of a meeting from the projection of its tenant
        (unassigned without)."""
        row = await self._projection(session, meeting_id, tenant_id)
        if row is None:
            return {"folder": naming.unassigned_folder(meeting_id)}
        return {
            "session_id": row.session_id,
            "batch_id": row.batch_id,
            "batch_type": row.batch_type,
            "student_id": row.student_id,
            "course_id": row.course_id,
            "folder": row.folder,
        }

    async def ensure_job(
        self,
        session: AsyncSession,
        *,
        meeting_id: int,
        meeting_uuid: str,
        trigger: str,
        due: datetime | None,
        tenant_id: str,
    ) -> Any:
        """The job of this meeting instance in ``tenant_id``, created if new (never two for one
        instance). A job of the instance in another tenant is NOT_FOUND: a tenant never adopts,
        reads or changes another's job, whoever names its meeting."""
        now = self._clock()
        key = meeting_uuid or f"meeting:{meeting_id}"
        row = (await session.execute(select(sj).where(sj.c.job_key == key))).first()
        if row is None and meeting_uuid:
            # A sweep-made job that did not know the instance yet: adopt it.
            placeholder = f"meeting:{meeting_id}"
            found = (await session.execute(select(sj).where(sj.c.job_key == placeholder))).first()
            if found is not None and found.tenant_id == tenant_id:
                await session.execute(
                    update(sj)
                    .where(sj.c.id == found.id)
                    .values(job_key=key, meeting_uuid=meeting_uuid, updated_at=now)
                )
                row = (await session.execute(select(sj).where(sj.c.id == found.id))).first()
        if row is not None:
            if row.tenant_id != tenant_id:
                raise NotFound(resource_type="meeting", resource_id=meeting_uuid or str(meeting_id))
            return row
        job_id = new_id("job")
        await session.execute(
            insert(sj).values(
                id=job_id,
                job_key=key,
                meeting_id=meeting_id,
                meeting_uuid=meeting_uuid,
                state=m.PENDING,
                trigger=trigger,
                attempts=0,
                max_attempts=self.policy.max_attempts,
                next_attempt_at=due,
                recording_id=new_id("rec"),
                created_at=now,
                updated_at=now,
                tenant_id=tenant_id,
                **await self._placement(session, meeting_id, tenant_id),
            )
        )
        return (await session.execute(select(sj).where(sj.c.id == job_id))).one()

    async def upsert_files(
        self, session: AsyncSession, job: Any, files: tuple[m.ZoomFile, ...]
    ) -> int:
        """Record Zoom's files of the job; returns how many still need copying."""
        now = self._clock()
        for f in files:
            state = m.F_PENDING if f.zoom_file_type and f.completed else m.F_SKIPPED
            values = {
                "meeting_uuid": f.meeting_uuid or job.meeting_uuid,
                "file_type": f.file_type,
                "zoom_file_type": f.zoom_file_type,
                "file_extension": f.extension.upper(),
                "recording_type": f.recording_type,
                "zoom_status": "completed" if f.completed else "processing",
                "download_url": f.download_url,
                "recording_start": f.recording_start,
                "recording_end": f.recording_end,
                "zoom_size": f.size,
                "updated_at": now,
            }
            existing = (
                await session.execute(
                    select(rf.c.id, rf.c.state).where(
                        rf.c.job_id == job.id, rf.c.zoom_file_id == f.zoom_file_id
                    )
                )
            ).first()
            if existing is None:
                await session.execute(
                    insert(rf).values(
                        id=new_id("file"),
                        tenant_id=job.tenant_id,
                        job_id=job.id,
                        recording_id=job.recording_id,
                        zoom_file_id=f.zoom_file_id,
                        state=state,
                        created_at=now,
                        **values,
                    )
                )
            elif existing.state != m.F_STORED:
                await session.execute(
                    update(rf).where(rf.c.id == existing.id).values(state=state, **values)
                )
        return int(
            await session.scalar(
                select(func.count())
                .select_from(rf)
                .where(rf.c.job_id == job.id, rf.c.state == m.F_PENDING)
            )
            or 0
        )

    async def record_recording(
        self, session: AsyncSession, recording: m.ZoomRecording, *, trigger: str, tenant_id: str
    ) -> str | None:
        """A recording (or transcript) was announced in ``tenant_id``: file it on its job;
        returns the job id when there is something to copy now, else None (e.g. a redelivery
        of a synced one)."""
        job = await self.ensure_job(
            session,
            meeting_id=recording.meeting_id,
            meeting_uuid=recording.meeting_uuid,
            trigger=trigger,
            due=self._clock(),
            tenant_id=tenant_id,
        )
        values: dict[str, Any] = {"updated_at": self._clock()}
        if recording.topic:
            values["topic"] = recording.topic
        if recording.start_time:
            values["meeting_start"] = recording.start_time
        if recording.duration_minutes:
            values["duration_minutes"] = recording.duration_minutes
        await session.execute(update(sj).where(sj.c.id == job.id).values(**values))
        missing = await self.upsert_files(session, job, recording.files)
        if job.state == m.CANCELLED:
            return None
        if missing == 0 and job.state == m.SYNCED:
            return None
        if job.state in m.FINISHED_STATES or job.state in (m.PENDING, m.WAITING):
            await session.execute(
                update(sj)
                .where(sj.c.id == job.id, sj.c.state != m.DOWNLOADING)
                .values(state=m.PENDING, next_attempt_at=self._clock(), trigger=trigger)
            )
        return str(job.id)

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
        job = await self.ensure_job(
            session,
            meeting_id=meeting_id,
            meeting_uuid=meeting_uuid,
            trigger=m.SWEEP,
            due=ended_at + self.policy.sweep_delay,
            tenant_id=tenant_id,
        )
        values: dict[str, Any] = {"ended_at": ended_at, "updated_at": self._clock()}
        if topic and not job.topic:
            values["topic"] = topic
        if start_time and job.meeting_start is None:
            values["meeting_start"] = start_time
        await session.execute(update(sj).where(sj.c.id == job.id).values(**values))

    # ------------------------------------------------------------------ running

    def spawn(self, job_id: str, *, download_token: str = "") -> None:
        """Run a job in the background (the consumer must not hold a message for a download)."""
        task = asyncio.create_task(self.run(job_id, download_token=download_token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for every background run (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel background runs; their leases expire and the sweep resumes them."""
        for task in list(self._tasks):
            task.cancel()
        await self.idle()

    async def _claim(self, job_id: str) -> Any:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(sj)
                .where(
                    sj.c.id == job_id,
                    or_(
                        sj.c.state.in_((m.PENDING, m.WAITING)),
                        and_(sj.c.state == m.DOWNLOADING, sj.c.lease_until < now),
                    ),
                    or_(sj.c.lease_until.is_(None), sj.c.lease_until < now),
                )
                .values(
                    state=m.DOWNLOADING,
                    lease_owner=self._owner,
                    lease_until=now + self.policy.lease,
                    started_at=func.coalesce(sj.c.started_at, now),
                    updated_at=now,
                )
            )
            if not result.rowcount:
                return None
            row = (await session.execute(select(sj).where(sj.c.id == job_id))).one()
            placement = await self._placement(session, row.meeting_id, row.tenant_id)
            if placement.get("session_id") or not row.folder:
                await session.execute(update(sj).where(sj.c.id == job_id).values(**placement))
            return (await session.execute(select(sj).where(sj.c.id == job_id))).one()

    async def run(self, job_id: str, *, download_token: str = "") -> str | None:
        """One attempt at a job; returns the state it ends in (None if someone else has it)."""
        job = await self._claim(job_id)
        if job is None:
            return None
        started = time.monotonic()
        try:
            return await self._attempt(job, download_token, started)
        except m.SyncFailure as failure:
            return await self._fail(job, failure)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug: count it, keep the job retryable
            log.exception("sync attempt crashed", extra={"job_id": job.id})
            failure = m.SyncFailure(
                common_pb2.SYNC_ERROR_TYPE_INTERNAL, f"internal error: {type(error).__name__}"
            )
            return await self._fail(job, failure)

    async def _attempt(self, job: Any, token: str, started: float) -> str:
        async with self._sessions() as session:
            pending = (await session.execute(select(rf).where(rf.c.job_id == job.id))).all()
        if not pending or (not any(f.state == m.F_PENDING for f in pending) and not job.force):
            listed = await self._gateway.list_recording(
                meeting_uuid=job.meeting_uuid, meeting_id=job.meeting_id, tenant_id=job.tenant_id
            )
            if listed is None or not any(f.zoom_file_type and f.completed for f in listed.files):
                if not pending or all(f.state != m.F_STORED for f in pending):
                    return await self._no_recording_yet(job)
            else:
                async with self._sessions() as session, session.begin():
                    if not job.meeting_uuid and listed.meeting_uuid:
                        await self._learn_uuid(session, job, listed.meeting_uuid)
                    job = (await session.execute(select(sj).where(sj.c.id == job.id))).one()
                    await self.upsert_files(session, job, listed.files)
                    await session.execute(
                        update(sj)
                        .where(sj.c.id == job.id)
                        .values(
                            topic=job.topic or listed.topic,
                            meeting_start=job.meeting_start or listed.start_time,
                            duration_minutes=job.duration_minutes or listed.duration_minutes,
                        )
                    )
                    job = (await session.execute(select(sj).where(sj.c.id == job.id))).one()
        async with self._sessions() as session:
            files = (await session.execute(select(rf).where(rf.c.job_id == job.id))).all()
        todo = [f for f in files if f.state == m.F_PENDING or (job.force and f.state == m.F_STORED)]
        copyable = [f for f in files if f.state in (m.F_PENDING, m.F_STORED)]
        if not copyable:
            return await self._no_recording_yet(job)
        await self._progress(
            job.id, file_count=len(copyable), bytes_total=sum(f.zoom_size for f in copyable)
        )
        gate = asyncio.Semaphore(self.policy.file_concurrency)

        async def one(f: Any) -> tuple[Any, bool]:
            async with gate:
                return f, await self._copy_file(job, f, token)

        results = await asyncio.gather(*(one(f) for f in todo), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        newly = [f.id for f, copied in results if copied]  # type: ignore[misc]
        return await self._succeed(job, newly, started)

    async def _learn_uuid(self, session: AsyncSession, job: Any, meeting_uuid: str) -> None:
        taken = (await session.execute(select(sj.c.id).where(sj.c.job_key == meeting_uuid))).first()
        if taken is None:
            await session.execute(
                update(sj)
                .where(sj.c.id == job.id)
                .values(job_key=meeting_uuid, meeting_uuid=meeting_uuid)
            )

    async def _progress(self, job_id: str, **values: Any) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(sj).where(sj.c.id == job_id).values(**values))

    async def _copy_file(self, job: Any, f: Any, token: str) -> bool:
        """Copy one file (with in-attempt retries); True when bytes were written now."""
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
        if not job.force:
            existing = await self._storage.head(key)
            if (
                existing is not None
                and (f.zoom_size in (0, existing.size))
                and (not f.sha256 or f.sha256 == existing.sha256)
            ):
                await self._stored(job, f, key, name, ctype, title, existing.size, existing.sha256)
                return f.state != m.F_STORED
        delay = self.policy.download_backoff
        for attempt in range(1, self.policy.download_tries + 1):
            try:
                access = await self._gateway.download_access(
                    meeting_uuid=f.meeting_uuid or job.meeting_uuid,
                    zoom_file_id=f.zoom_file_id,
                    download_url=f.download_url,
                    download_token=token,
                    tenant_id=job.tenant_id,
                )
                expected = f.zoom_size or access.size or None
                async with self._downloader.open(access) as chunks:
                    stored = await self._storage.put_stream(
                        key, chunks, content_type=ctype, expected_size=expected
                    )
            except m.SyncFailure as failure:
                error = failure
            except IntegrityError as exc:
                error = m.SyncFailure(
                    common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, f"incomplete download: {exc}"
                )
            except StorageError as exc:
                error = m.SyncFailure(common_pb2.SYNC_ERROR_TYPE_STORAGE, f"storage: {exc}")
            else:
                self._metrics.storage_bytes(stored.size, backend=self._storage.backend)
                await self._stored(job, f, key, name, ctype, title, stored.size, stored.sha256)
                return True
            self._metrics.error(error.label, operation="recording_download")
            log.warning(
                "file copy failed (try %d of %d): %s",
                attempt,
                self.policy.download_tries,
                error.message,
                extra={"job_id": job.id, "zoom_file_id": f.zoom_file_id},
            )
            if not error.retryable or attempt == self.policy.download_tries:
                raise error
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def _stored(
        self, job: Any, f: Any, key: str, name: str, ctype: str, title: str, size: int, sha: str
    ) -> None:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(rf)
                .where(rf.c.id == f.id)
                .values(
                    state=m.F_STORED,
                    storage_key=key,
                    file_name=name,
                    content_type=ctype,
                    lesson_title=title,
                    size_bytes=size,
                    sha256=sha,
                    stored_at=now,
                    last_error="",
                    updated_at=now,
                )
            )
            await session.execute(
                update(sj)
                .where(sj.c.id == job.id)
                .values(files_done=sj.c.files_done + 1, bytes_done=sj.c.bytes_done + size)
            )

    async def _no_recording_yet(self, job: Any) -> str:
        now = self._clock()
        attempts = job.attempts + 1
        final = attempts >= job.max_attempts
        state = m.NO_RECORDING if final else m.WAITING
        next_at = None if final else now + self.policy.retry_interval
        values: dict[str, Any] = {
            "state": state,
            "attempts": attempts,
            "next_attempt_at": next_at,
            "last_error": "Zoom has no recording for this meeting yet",
            "last_error_type": m.error_label(common_pb2.SYNC_ERROR_TYPE_NO_RECORDING),
            "lease_owner": "",
            "lease_until": None,
            "updated_at": now,
        }
        if final:
            values["finished_at"] = now
        events = []
        if final:
            self._metrics.recording_sync(success=False, error_type="no_recording")
            events.append(
                self._failed_event(
                    job,
                    attempts,
                    m.SyncFailure(common_pb2.SYNC_ERROR_TYPE_NO_RECORDING, values["last_error"]),
                    None,
                )
            )
        await self._finish(job.id, values, events)
        return state

    async def _fail(self, job: Any, failure: m.SyncFailure) -> str:
        now = self._clock()
        attempts = job.attempts + 1
        final = not failure.retryable or attempts >= job.max_attempts
        backoff = min(self.policy.retry_interval, timedelta(minutes=2) * (2 ** (attempts - 1)))
        next_at = None if final else now + backoff
        state = m.FAILED if final else m.PENDING
        values: dict[str, Any] = {
            "state": state,
            "attempts": attempts,
            "next_attempt_at": next_at,
            "last_error": failure.message[:2000],
            "last_error_type": failure.label,
            "lease_owner": "",
            "lease_until": None,
            "updated_at": now,
        }
        if final:
            values["finished_at"] = now
            self._metrics.recording_sync(success=False, error_type=failure.label)
        self._metrics.error(failure.label, operation="recording_sync")
        log.warning(
            "sync attempt failed (%s): %s",
            failure.label,
            failure.message,
            extra={"job_id": job.id, "attempts": attempts, "final": final},
        )
        await self._finish(job.id, values, [self._failed_event(job, attempts, failure, next_at)])
        return state

    def _failed_event(
        self, job: Any, attempts: int, failure: m.SyncFailure, next_at: datetime | None
    ) -> Envelope:
        event = rev.RecordingSyncFailed(
            occurred_at=_ts(self._clock()),
            sync_job_id=job.id,
            session_id=job.session_id,
            batch_id=job.batch_id,
            meeting_id=job.meeting_id,
            meeting_uuid=job.meeting_uuid,
            attempts=attempts,
            max_attempts=job.max_attempts,
            error_type=failure.error_type,  # type: ignore[arg-type]
            error_message=failure.message[:500],
            will_retry=next_at is not None,
            tenant_id=job.tenant_id,
        )
        if next_at is not None:
            event.next_attempt_time.CopyFrom(_ts(next_at))
        return Envelope.for_proto("recording.sync_failed", event)

    async def _finish(self, job_id: str, values: dict[str, Any], events: list[Envelope]) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(sj).where(sj.c.id == job_id).values(**values))
            await write_to_outbox(session, events)
        if events:
            self._on_commit()

    async def _succeed(self, job: Any, newly: list[str], started: float) -> str:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            job = (await session.execute(select(sj).where(sj.c.id == job.id))).one()
            files = (
                await session.execute(
                    select(rf).where(rf.c.job_id == job.id, rf.c.state == m.F_STORED)
                )
            ).all()
            total = sum(f.size_bytes for f in files)
            first_start = job.started_at or now
            values = {
                "source": "zoom_auto_sync",
                "session_id": job.session_id,
                "batch_id": job.batch_id,
                "batch_type": job.batch_type,
                "student_id": job.student_id,
                "course_id": job.course_id,
                "meeting_id": job.meeting_id,
                "meeting_uuid": job.meeting_uuid,
                "topic": job.topic,
                "start_time": job.meeting_start,
                "duration_seconds": job.duration_minutes * 60,
                "total_size_bytes": total,
                "file_count": len(files),
                "sync_time": now,
            }
            exists = (await session.execute(select(rec.c.id).where(rec.c.job_id == job.id))).first()
            if exists is None:
                await session.execute(
                    insert(rec).values(
                        id=job.recording_id,
                        tenant_id=job.tenant_id,
                        job_id=job.id,
                        created_at=now,
                        **values,
                    )
                )
            else:
                await session.execute(update(rec).where(rec.c.id == exists.id).values(**values))
            await session.execute(
                update(sj)
                .where(sj.c.id == job.id)
                .values(
                    state=m.SYNCED,
                    attempts=job.attempts + 1,
                    next_attempt_at=None,
                    last_error="",
                    last_error_type="",
                    force=False,
                    lease_owner="",
                    lease_until=None,
                    finished_at=now,
                    updated_at=now,
                )
            )
            events = []
            stored_now = [f for f in files if f.id in set(newly)]
            if stored_now:
                processing = Duration()
                processing.FromTimedelta(max(now - first_start, timedelta(0)))
                event = rev.RecordingSynced(
                    occurred_at=_ts(now),
                    recording_id=job.recording_id,
                    sync_job_id=job.id,
                    source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
                    session_id=job.session_id,
                    batch_id=job.batch_id,
                    batch_type=_batch_type(job.batch_type),  # type: ignore[arg-type]
                    student_id=job.student_id,
                    course_id=job.course_id,
                    meeting_id=job.meeting_id,
                    meeting_uuid=job.meeting_uuid,
                    files=[synced_file(f) for f in stored_now],
                    attempts=job.attempts + 1,
                    processing_time=processing,
                    tenant_id=job.tenant_id,
                )
                events.append(Envelope.for_proto("recording.synced", event))
            await write_to_outbox(session, events)
        if events:
            self._on_commit()
            self._metrics.recording_sync(success=True)
            self._metrics.recording_processing(time.monotonic() - started)
        log.info("recording synced", extra={"job_id": job.id, "files": len(stored_now)})
        return m.SYNCED

    # ------------------------------------------------------------------ sweep

    async def sweep_once(self) -> int:
        """One pass of the safety net: plan jobs for ended meetings, run the due ones."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await self._plan_from_projection(session, now)
        async with self._sessions() as session, session.begin():
            query = (
                select(sj.c.id)
                .where(
                    or_(
                        and_(
                            sj.c.state.in_((m.PENDING, m.WAITING)),
                            sj.c.next_attempt_at <= now,
                            or_(sj.c.lease_until.is_(None), sj.c.lease_until < now),
                        ),
                        and_(sj.c.state == m.DOWNLOADING, sj.c.lease_until < now),
                    )
                )
                .order_by(sj.c.next_attempt_at)
                .limit(self.policy.sweep_batch)
            )
            if is_postgres(session):
                query = query.with_for_update(skip_locked=True)
            due = [row.id for row in (await session.execute(query)).all()]
        ran = 0
        for job_id in due:
            if await self.run(job_id) is not None:
                ran += 1
        return ran

    async def _plan_from_projection(self, session: AsyncSession, now: datetime) -> None:
        """Linked meetings whose scheduled end + delay has passed and that have no job yet."""
        rows = (
            await session.execute(
                select(
                    mp.c.meeting_id, mp.c.start_time, mp.c.duration_minutes, mp.c.tenant_id
                ).where(
                    mp.c.status == "linked",
                    mp.c.start_time.is_not(None),
                    mp.c.start_time >= now - self.policy.sweep_lookback,
                    mp.c.start_time <= now,
                    ~select(sj.c.id).where(sj.c.meeting_id == mp.c.meeting_id).exists(),
                )
            )
        ).all()
        for row in rows:
            end = row.start_time + timedelta(minutes=row.duration_minutes)
            due = end + self.policy.sweep_delay
            if due <= now:
                await self.ensure_job(
                    session,
                    meeting_id=row.meeting_id,
                    meeting_uuid="",
                    trigger=m.SWEEP,
                    due=due,
                    tenant_id=row.tenant_id,
                )

    # ------------------------------------------------------------------ removal

    async def remove(
        self,
        session: AsyncSession,
        *,
        job_ids: list[str],
        reason: int,
        removed_by: str = "",
        zoom_file_ids: tuple[str, ...] = (),
    ) -> list[Envelope]:
        """Delete stored objects and rows of these jobs' recordings; returns the events
        (``recording.removed``) for the caller to write in its transaction."""
        events: list[Envelope] = []
        for job_id in job_ids:
            job = (await session.execute(select(sj).where(sj.c.id == job_id))).first()
            if job is None:
                continue
            query = select(rf).where(rf.c.job_id == job_id)
            if zoom_file_ids:
                query = query.where(rf.c.zoom_file_id.in_(zoom_file_ids))
            files = (await session.execute(query)).all()
            for f in files:
                if f.storage_key:
                    await self._storage.delete(f.storage_key)
                    self._metrics.storage_bytes(-f.size_bytes, backend=self._storage.backend)
            await session.execute(delete(rf).where(rf.c.id.in_([f.id for f in files])))
            left = await session.scalar(
                select(func.count()).select_from(rf).where(rf.c.job_id == job_id)
            )
            if not left:
                await session.execute(delete(rec).where(rec.c.job_id == job_id))
                await session.execute(delete(ag).where(ag.c.recording_id == job.recording_id))
                await session.execute(
                    update(sj)
                    .where(sj.c.id == job_id)
                    .values(state=m.CANCELLED, next_attempt_at=None, updated_at=self._clock())
                )
            event = rev.RecordingRemoved(
                occurred_at=_ts(self._clock()),
                recording_id=job.recording_id,
                session_id=job.session_id,
                batch_id=job.batch_id,
                meeting_id=job.meeting_id,
                meeting_uuid=job.meeting_uuid,
                file_ids=[f.id for f in files] if left else [],
                reason=reason,  # type: ignore[arg-type]
                removed_by=removed_by,
                tenant_id=job.tenant_id,
            )
            events.append(Envelope.for_proto("recording.removed", event))
        return events


def _batch_type(label: str) -> int:
    found = common_pb2.BatchType.DESCRIPTOR.values_by_name.get(f"BATCH_TYPE_{label.upper()}")
    return found.number if found else 0


def synced_file(f: Any) -> rev.SyncedFile:
    """The event's description of one stored file."""
    item = rev.SyncedFile(
        file_id=f.id,
        zoom_file_id=f.zoom_file_id,
        file_type=naming.file_type_value(f.file_type),  # type: ignore[arg-type]
        zoom_file_type=f.zoom_file_type,
        file_extension=f.file_extension,
        recording_type=f.recording_type,
        content_type=f.content_type,
        storage_key=f.storage_key,
        size_bytes=f.size_bytes,
        sha256=f.sha256,
        lesson_title=f.lesson_title,
    )
    if f.recording_start:
        item.recording_start.CopyFrom(_ts(f.recording_start))
    if f.recording_end:
        item.recording_end.CopyFrom(_ts(f.recording_end))
    return item
