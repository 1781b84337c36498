"""The local-folder watcher over gRPC (GetWatcherStatus, StartWatcher, StopWatcher,
SetWatchPath, MatchLocalRecording): a mixin of ``grpc_api._Api``.

Expects what ``_Api.__init__`` sets (``_watcher``, ``_sessions``, ``_reach``); converts messages
only: :class:`~recording_sync.watcher.control.WatcherService` and
:func:`~recording_sync.watcher.control.match_for_caller` decide.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import grpc.aio
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.auth import current_caller
from classbridge_common.errors import FailedPrecondition, InvalidArgument
from recording_sync.watcher.control import Snapshot, WatcherService, match_for_caller
from recording_sync.watcher.layout import RECORDING_EXTENSIONS
from recording_sync.watcher.ledger import FileRecord, FileState

if TYPE_CHECKING:
    from recording_sync.service_layer.reach import Reach

MAX_LISTED = 200
_STATES = {
    FileState.SETTLING: pb.WATCHED_FILE_STATE_SETTLING,
    FileState.UPLOADING: pb.WATCHED_FILE_STATE_UPLOADING,
    FileState.UPLOADED: pb.WATCHED_FILE_STATE_UPLOADED,
    FileState.FAILED: pb.WATCHED_FILE_STATE_FAILED,
    FileState.UNMATCHED: pb.WATCHED_FILE_STATE_UNMATCHED,
}


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def file_message(record: FileRecord) -> pb.WatchedFile:
    """One ledger record as the API's ``WatchedFile``."""
    item = pb.WatchedFile(
        path=record.path,
        state=_STATES[record.state],
        size_bytes=record.size,
        meeting_id=record.meeting_id,
        topic=record.topic,
        session_id=record.session_id,
        recording_id=record.recording_id,
        sha256=record.sha256,
        error=record.error,
        attempts=record.attempts,
    )
    for name, value in (
        ("recording_start", record.recording_start),
        ("detect_time", record.detected_at),
        ("update_time", record.updated_at),
    ):
        stamp = _ts(value)
        if stamp is not None:
            getattr(item, name).CopyFrom(stamp)
    return item


def status_message(snapshot: Snapshot) -> pb.WatcherStatus:
    """The watcher's state, counters and newest files as the API's ``WatcherStatus``."""
    records = snapshot.records

    def count(*states: FileState) -> int:
        return sum(1 for r in records if r.state in states)

    settle = Duration()
    settle.FromTimedelta(timedelta(seconds=snapshot.settle_seconds))
    status = pb.WatcherStatus(
        running=snapshot.running,
        watch_path=snapshot.path,
        extensions=sorted(RECORDING_EXTENSIONS),
        settle_time=settle,
        files_detected=len(records),
        files_pending=count(FileState.SETTLING, FileState.UPLOADING),
        files_uploaded=count(FileState.UPLOADED),
        files_failed=count(FileState.FAILED),
        files_unmatched=count(FileState.UNMATCHED),
        last_error=snapshot.last_error,
        files=[file_message(r) for r in records[:MAX_LISTED]],
        watch_root=snapshot.root,
        tenant_id=snapshot.tenant_id,
        host_id=snapshot.host_id,
    )
    for name, value in (
        ("start_time", snapshot.started_at),
        ("last_event_time", snapshot.last_event_at),
    ):
        stamp = _ts(value)
        if stamp is not None:
            getattr(status, name).CopyFrom(stamp)
    return status


class WatcherMethods:
    """The watcher methods of RecordingSyncService."""

    METHODS: tuple[str, ...] = (
        "GetWatcherStatus",
        "StartWatcher",
        "StopWatcher",
        "SetWatchPath",
        "MatchLocalRecording",
    )

    _watcher: WatcherService | None
    _sessions: async_sessionmaker[AsyncSession]

    if TYPE_CHECKING:

        def _reach(self) -> Reach: ...

    def _watcher_service(self) -> WatcherService:
        if self._watcher is None:
            raise FailedPrecondition("this recording-sync runs no folder watcher")
        return self._watcher

    async def GetWatcherStatus(
        self,
        request: pb.GetWatcherStatusRequest,
        context: grpc.aio.ServicerContext[pb.GetWatcherStatusRequest, pb.WatcherStatus],
    ) -> pb.WatcherStatus:
        return status_message(await self._watcher_service().status())

    async def StartWatcher(
        self,
        request: pb.StartWatcherRequest,
        context: grpc.aio.ServicerContext[pb.StartWatcherRequest, pb.WatcherStatus],
    ) -> pb.WatcherStatus:
        snapshot = await self._watcher_service().start(by=current_caller().subject)
        return status_message(snapshot)

    async def StopWatcher(
        self,
        request: pb.StopWatcherRequest,
        context: grpc.aio.ServicerContext[pb.StopWatcherRequest, pb.WatcherStatus],
    ) -> pb.WatcherStatus:
        snapshot = await self._watcher_service().stop(by=current_caller().subject)
        return status_message(snapshot)

    async def SetWatchPath(
        self,
        request: pb.SetWatchPathRequest,
        context: grpc.aio.ServicerContext[pb.SetWatchPathRequest, pb.WatcherStatus],
    ) -> pb.WatcherStatus:
        snapshot = await self._watcher_service().set_path(
            request.path,
            tenant_id=request.tenant_id,
            host_id=request.host_id,
            by=current_caller().subject,
        )
        return status_message(snapshot)

    async def MatchLocalRecording(
        self,
        request: pb.MatchLocalRecordingRequest,
        context: grpc.aio.ServicerContext[pb.MatchLocalRecordingRequest, pb.LocalRecordingMatch],
    ) -> pb.LocalRecordingMatch:
        if request.meeting_id < 0:
            raise InvalidArgument("meeting_id must not be negative")
        start = (
            request.start_time.ToDatetime(tzinfo=UTC) if request.HasField("start_time") else None
        )
        if not request.meeting_id and start is None:
            raise InvalidArgument("meeting_id or start_time is required")
        slack = self._watcher.slack if self._watcher is not None else timedelta(minutes=30)
        found = await match_for_caller(
            reach=self._reach(),
            sessions=self._sessions,
            meeting_id=request.meeting_id,
            start=start,
            slack=slack,
        )
        answer = pb.LocalRecordingMatch(
            session_id=found.session_id,
            meeting_id=found.meeting_id,
            batch_id=found.batch_id,
            session_title=found.session_title,
            matched_by=found.matched_by,
        )
        stamp = _ts(found.session_start)
        if stamp is not None:
            answer.session_start.CopyFrom(stamp)
        return answer


__all__ = ["WatcherMethods", "file_message", "status_message"]
