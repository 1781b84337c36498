"""The in-service watcher's sink and ledger: files straight into recording-sync's storage.

:class:`ServiceSink` matches a local recording against the projection of the scheduler's
sessions (:mod:`.matching`), streams the file into the object storage (``put_stream``: parts,
size and sha256 proven, the object visible only once complete), then in **one** unit of work
creates the recording (source ``local_folder``) with its stored file, writes
``recording.synced`` to the outbox (the scheduler makes the recorded lesson of it) and marks the
ledger row uploaded. A crash before that commit leaves no recording, no lesson, and the row not
uploaded: the next start sends the file again under the same key (a key is deterministic from
the file's path), so it is never filed twice.

:class:`SqlLedger` is the ``watched_files`` table; paths there are relative to
``WATCHER_ROOT`` (the watcher's own paths relative to its folder, which lies inside it).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from google.protobuf.duration_pb2 import Duration
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.messages import Envelope
from classbridge_common.tenancy import Scoped, TenantScope
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.storage_base import ObjectStorage, StorageError
from recording_sync.adapters.sync_repository import ProjectionRepository
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.domain import naming, upload_types
from recording_sync.service_layer.sync_events import timestamp
from recording_sync.service_layer.sync_run import new_id
from recording_sync.watcher import matching
from recording_sync.watcher.engine import Match, ReadyFile, Unmatched, UploadFailed
from recording_sync.watcher.layout import LocalRecording
from recording_sync.watcher.ledger import FileRecord, FileState, StaleRecord
from recording_sync.watcher.tables import watched_files as wf

READ_CHUNK = 1024 * 1024
SOURCE = "local_folder"


@dataclass(frozen=True)
class HostRule:
    """Whose sessions a folder without a meeting id holds (set with SetWatchPath)."""

    tenant_id: str = ""
    host_id: str = ""


def _row_values(record: FileRecord, path: str) -> dict[str, Any]:
    return {
        "path": path,
        "size": record.size,
        "mtime_ns": record.mtime_ns,
        "state": str(record.state),
        "meeting_id": record.meeting_id,
        "topic": record.topic[:500],
        "recording_start": record.recording_start,
        "tenant_id": record.tenant_id,
        "session_id": record.session_id,
        "recording_id": record.recording_id,
        "sha256": record.sha256,
        "error": record.error,
        "attempts": record.attempts,
        "detected_at": record.detected_at,
        "updated_at": record.updated_at,
    }


class SqlLedger:
    """``watched_files`` seen from one watched folder (``prefix``: that folder relative to the
    root, ``""`` for the root itself)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, prefix: str) -> None:
        self._sessions = sessions
        self._prefix = prefix.strip("/")

    def full(self, relative: str) -> str:
        """The table's path of a file the watcher names relative to its folder."""
        return f"{self._prefix}/{relative}" if self._prefix else relative

    def _relative(self, path: str) -> str | None:
        if not self._prefix:
            return path
        head = self._prefix + "/"
        return path[len(head) :] if path.startswith(head) else None

    async def load(self) -> dict[str, FileRecord]:
        async with self._sessions() as session:
            rows = (await session.execute(select(wf))).all()
        found: dict[str, FileRecord] = {}
        for row in rows:
            relative = self._relative(row.path)
            if relative is not None:
                found[relative] = _record(row, relative)
        return found

    async def put(self, record: FileRecord) -> FileRecord:
        async with self._sessions() as session, session.begin():
            return await self.write(session, record)

    async def write(self, session: AsyncSession, record: FileRecord) -> FileRecord:
        """Write ``record`` on ``session`` (the caller's transaction): an update conditional on
        its version, or the insert of a new path; :class:`StaleRecord` when it lost a race."""
        path = self.full(record.path)
        values = _row_values(record, path)
        if record.version == 0:
            exists = (await session.execute(select(wf.c.id).where(wf.c.path == path))).first()
            if exists is not None:
                raise StaleRecord(record.path)
            await session.execute(insert(wf).values(id=new_id("wf"), version=1, **values))
        else:
            done = await session.execute(
                update(wf)
                .where(wf.c.path == path, wf.c.version == record.version)
                .values(version=record.version + 1, **values)
            )
            if not getattr(done, "rowcount", 0):
                raise StaleRecord(record.path)
        return record.changed(version=record.version + 1)


def _record(row: Any, relative: str) -> FileRecord:
    return FileRecord(
        path=relative,
        size=row.size,
        mtime_ns=row.mtime_ns,
        state=FileState(row.state),
        meeting_id=row.meeting_id,
        topic=row.topic,
        recording_start=row.recording_start,
        tenant_id=row.tenant_id,
        session_id=row.session_id,
        recording_id=row.recording_id,
        sha256=row.sha256,
        error=row.error,
        attempts=row.attempts,
        detected_at=row.detected_at,
        updated_at=row.updated_at,
        version=row.version,
    )


async def file_chunks(ready: ReadyFile) -> AsyncGenerator[bytes, None]:
    """The file's bytes, read in a thread one chunk at a time (never whole in memory); exactly
    ``ready.size`` of them, or :class:`UploadFailed` when the file changed meanwhile."""
    handle = await asyncio.to_thread(ready.path.open, "rb")
    try:
        left = ready.size
        while left > 0:
            chunk = await asyncio.to_thread(handle.read, min(READ_CHUNK, left))
            if not chunk:
                raise UploadFailed(f"{ready.relative} became shorter while it was uploaded")
            left -= len(chunk)
            yield chunk
        if await asyncio.to_thread(handle.read, 1):
            raise UploadFailed(f"{ready.relative} grew while it was uploaded")
    finally:
        await asyncio.to_thread(handle.close)


def _head(ready: ReadyFile) -> bytes:
    with ready.path.open("rb") as handle:
        return handle.read(upload_types.SNIFF_BYTES)


def storage_name(ready: ReadyFile, meeting_id: int) -> str:
    """The stored file's name: the recording's time, meeting, the local file's name and a
    hash of its path, so the same file always lands on the same key (a re-send replaces)."""
    path_hash = hashlib.sha256(ready.relative.encode()).hexdigest()[:8]
    stem = PurePosixPath(ready.relative).stem
    return naming.file_name(
        recording_start=ready.recording.start,
        meeting_id=meeting_id,
        kind=f"local-{stem}"[:60],
        zoom_file_id=path_hash,
        extension=ready.extension,
    )


def lesson_title(ready: ReadyFile) -> str:
    """``Local Recording - 2026-12-03 (MP4)``: the recorded lesson's title."""
    day = ready.recording.start.strftime("%Y-%m-%d") if ready.recording.start else "undated"
    return f"Local Recording - {day} ({ready.extension.upper()})"


class ServiceSink:
    """Matches against the projection and stores through the service's storage."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        storage: ObjectStorage,
        ledger: SqlLedger,
        slack: timedelta,
        hosts: HostRule = HostRule(),
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._storage = storage
        self._ledger = ledger
        self._slack = slack
        self._hosts = hosts
        self._on_commit = on_commit

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(session_factory=self._sessions, on_commit=self._on_commit)

    async def match(self, found: LocalRecording) -> Match:
        # A meeting id is unique at Zoom, so it is looked for in every tenant; a folder
        # without one only among the configured host's sessions in their tenant.
        if found.meeting_id:
            scope = TenantScope(None)
        elif self._hosts.host_id and self._hosts.tenant_id:
            scope = TenantScope(self._hosts.tenant_id)
        else:
            raise Unmatched(
                "the folder name has no meeting id, and no host is set to match it by time"
            )
        async with self._sessions() as session:
            rows = Scoped(session, scope)
            found_rows = await matching.candidates(
                rows,
                meeting_id=found.meeting_id,
                start=found.start,
                hosts=(self._hosts.host_id,),
                slack=self._slack,
            )
        return matching.choose(
            found_rows,
            meeting_id=found.meeting_id,
            start=found.start,
            slack=self._slack,
            host=self._hosts.host_id,
        )

    async def upload(self, ready: ReadyFile, match: Match, record: FileRecord) -> FileRecord:
        scope = TenantScope(match.tenant_id)
        async with self._sessions() as session:
            placement = await ProjectionRepository(Scoped(session, scope)).placement(
                match.meeting_id, session_id=match.session_id, start_time=ready.recording.start
            )
        if placement is None or placement.session_id != match.session_id:
            raise UploadFailed(f"session {match.session_id} is no longer linked to its meeting")
        head = await asyncio.to_thread(_head, ready)
        kind, looks = upload_types.sniff(head)
        if kind is None:  # a file named .mp4 that is none: never stored as a lesson
            raise UploadFailed(f"the file is not a recording (its bytes look like {looks})")
        key = naming.storage_key(placement.folder, storage_name(ready, match.meeting_id))
        content_type = kind.content_type
        try:
            # Closed here whatever happens: an abandoned generator would keep the file open
            # until the garbage collector found it (after the loop had gone, with a warning).
            async with aclosing(file_chunks(ready)) as chunks:
                stored = await self._storage.put_stream(
                    key, chunks, content_type=content_type, expected_size=ready.size
                )
        except StorageError as exc:
            raise UploadFailed(f"storage refused the file: {exc}") from None
        now = datetime.now(UTC)
        recording_id = new_id("rec")
        file_id = new_id("file")
        job_id = f"watch_{hashlib.sha256(key.encode()).hexdigest()[:32]}_{now:%Y%m%d%H%M%S}"
        file_type = kind.file_type  # "mp4" (a video lesson) or "m4a" (audio)
        title = lesson_title(ready)
        uow = self._uow()
        async with uow:
            rows = Scoped(uow.session, TenantScope(match.tenant_id))
            await rows.execute(
                insert(rec).values(
                    id=recording_id,
                    job_id=job_id,
                    source=SOURCE,
                    session_id=placement.session_id,
                    batch_id=placement.batch_id,
                    batch_type=placement.batch_type,
                    student_id=placement.student_id,
                    course_id=placement.course_id,
                    meeting_id=match.meeting_id,
                    topic=ready.recording.topic[:500],
                    start_time=ready.recording.start,
                    duration_seconds=0,
                    total_size_bytes=stored.size,
                    file_count=1,
                    created_at=now,
                    sync_time=now,
                )
            )
            await rows.execute(
                insert(rf).values(
                    id=file_id,
                    job_id=job_id,
                    recording_id=recording_id,
                    zoom_file_id="",
                    file_type=file_type,
                    file_extension=ready.extension.upper(),
                    recording_type="local_recording",
                    recording_start=ready.recording.start,
                    zoom_size=ready.size,
                    size_bytes=stored.size,
                    sha256=stored.sha256,
                    content_type=content_type,
                    storage_key=stored.key,
                    file_name=key.rsplit("/", 1)[-1],
                    state="stored",
                    lesson_title=title,
                    part=1,
                    attempts=record.attempts,
                    bytes_done=stored.size,
                    etag=stored.etag,
                    stored_at=now,
                    announced_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.publish(
                _synced(
                    match=match,
                    placement_batch_type=placement.batch_type,
                    student_id=placement.student_id,
                    course_id=placement.course_id,
                    recording_id=recording_id,
                    file_id=file_id,
                    ready=ready,
                    stored_sha256=stored.sha256,
                    stored_key=stored.key,
                    stored_size=stored.size,
                    content_type=content_type,
                    file_type=file_type,
                    title=title,
                    attempts=record.attempts,
                    now=now,
                )
            )
            final = await self._ledger.write(
                uow.session,
                record.changed(
                    state=FileState.UPLOADED,
                    recording_id=recording_id,
                    session_id=placement.session_id,
                    tenant_id=match.tenant_id,
                    sha256=stored.sha256,
                    error="",
                ),
            )
            await uow.commit()
        return final


def _synced(
    *,
    match: Match,
    placement_batch_type: str,
    student_id: str,
    course_id: str,
    recording_id: str,
    file_id: str,
    ready: ReadyFile,
    stored_sha256: str,
    stored_key: str,
    stored_size: int,
    content_type: str,
    file_type: str,
    title: str,
    attempts: int,
    now: datetime,
) -> Envelope:
    """``recording.synced`` with source LOCAL_FOLDER: the scheduler adds the lesson."""
    item = rev.SyncedFile(
        file_id=file_id,
        file_type=naming.file_type_name(file_type),
        file_extension=ready.extension.upper(),
        recording_type="local_recording",
        content_type=content_type,
        storage_key=stored_key,
        size_bytes=stored_size,
        sha256=stored_sha256,
        lesson_title=title,
        part=1,
    )
    if ready.recording.start is not None:
        item.recording_start.CopyFrom(timestamp(ready.recording.start))
    event = rev.RecordingSynced(
        occurred_at=timestamp(now),
        recording_id=recording_id,
        source=common_pb2.RECORDING_SOURCE_LOCAL_FOLDER,
        session_id=match.session_id,
        batch_id=match.batch_id,
        batch_type=naming.enum_name(common_pb2.BatchType, "BATCH_TYPE_", placement_batch_type),
        student_id=student_id,
        course_id=course_id,
        meeting_id=match.meeting_id,
        files=[item],
        attempts=attempts,
        processing_time=Duration(),
        tenant_id=match.tenant_id,
    )
    return Envelope.for_proto("recording.synced", event)


__all__ = ["SOURCE", "HostRule", "ServiceSink", "SqlLedger", "file_chunks", "storage_name"]
