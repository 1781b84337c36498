"""RecordingSyncService over gRPC: translates requests to the handlers and back.

Implemented: sync jobs (SyncMeeting, SyncBatch, RetrySync, GetSyncJob, GetSyncStatus,
ListSyncJobs), recordings (ListRecordings, GetRecording, DeleteRecording), access grants,
GetPlaybackUrl and GetSyncStatistics; the local-folder watcher in ``watcher_api``. Manual
upload answers UNIMPLEMENTED with a message naming the method, so callers (the edge answers
501) can tell a missing feature from a failure. Who may call which method at all is declared in
``access_rules`` (enforced by the auth interceptor); how far the caller reaches (their tenant,
the batches they teach or attend) and every other decision is made in ``service_layer``; this
module only converts messages and enums.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import grpc.aio
from google.protobuf import empty_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import current_caller
from classbridge_common.errors import InvalidArgument, Unimplemented
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.adapters.sync_repository import SyncUnitOfWork
from recording_sync.domain import model as m
from recording_sync.domain import naming
from recording_sync.domain.sync_job import SyncJob
from recording_sync.entrypoints.policy_api import PolicyMethods
from recording_sync.entrypoints.transcript_api import (
    TranscriptMethods,
    deliverable_message,
    fill_recording,
    track_message,
)
from recording_sync.entrypoints.upload_api import UploadMethods
from recording_sync.entrypoints.watcher_api import WatcherMethods
from recording_sync.service_layer import jobs, recordings, transcripts
from recording_sync.service_layer.ports import Memberships
from recording_sync.service_layer.processing import TranscriptProcessor
from recording_sync.service_layer.reach import Reach
from recording_sync.service_layer.sync import SyncPipeline
from recording_sync.service_layer.uploads import SessionDirectory
from recording_sync.settings import Settings
from recording_sync.watcher.control import WatcherService

SERVICE = pb.DESCRIPTOR.services_by_name["RecordingSyncService"]


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def job_message(row: SyncJob) -> pb.SyncJob:
    """A job (with its files, when loaded) as the API's ``SyncJob``."""
    job = pb.SyncJob(
        id=row.id,
        meeting_id=row.meeting_id,
        meeting_uuid=row.meeting_uuid,
        session_id=row.session_id,
        batch_id=row.batch_id,
        batch_type=naming.enum_name(common_pb2.BatchType, "BATCH_TYPE_", row.batch_type),
        student_id=row.student_id,
        state=naming.enum_name(pb.SyncState, "SYNC_STATE_", row.state),
        trigger=naming.enum_name(pb.SyncTrigger, "SYNC_TRIGGER_", row.trigger),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        last_error=row.last_error,
        last_error_type=m.error_name(row.last_error_type),
        force=row.force,
        file_count=row.file_count,
        files_done=row.files_done,
        bytes_total=row.bytes_total,
        bytes_done=row.bytes_done,
        recording_id=row.recording_id if row.state == m.SYNCED else "",
        lease_owner=row.lease_owner,
        lease_generation=row.lease_generation,
        files=[file_message(f, recording_id=row.recording_id) for f in row.files],
    )
    for name, value in (
        ("next_attempt_time", row.next_attempt_at),
        ("create_time", row.created_at),
        ("update_time", row.updated_at),
        ("start_time", row.started_at),
        ("finish_time", row.finished_at),
        ("lease_expire_time", row.lease_until if row.lease_owner else None),
        ("heartbeat_time", row.heartbeat_at),
    ):
        stamp = _ts(value)
        if stamp is not None:
            getattr(job, name).CopyFrom(stamp)
    return job


def _label(enum: EnumTypeWrapper, prefix: str, number: int) -> str:
    """An enum number as the stored lower-case label ("" for UNSPECIFIED/unknown)."""
    found = enum.DESCRIPTOR.values_by_number.get(number)
    if found is None or number == 0:
        return ""
    return str(found.name.removeprefix(prefix).lower())


def _when(stamp: Timestamp, present: bool) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if present else None


def _copy_ts(target: Message, name: str, value: datetime | None) -> None:
    stamp = _ts(value)
    if stamp is not None:
        getattr(target, name).CopyFrom(stamp)


def file_message(row: Any, *, recording_id: str = "") -> pb.RecordingFile:
    """A file (row or domain object) as the API's ``RecordingFile``."""
    item = pb.RecordingFile(
        id=row.id,
        recording_id=getattr(row, "recording_id", recording_id),
        zoom_file_id=row.zoom_file_id,
        file_type=naming.file_type_name(row.file_type),
        zoom_file_type=row.zoom_file_type,
        file_extension=row.file_extension,
        recording_type=row.recording_type,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        storage_key=row.storage_key,
        file_name=row.file_name,
        state=naming.enum_name(pb.FileState, "FILE_STATE_", row.state),
        lesson_title=row.lesson_title,
        attempts=row.attempts,
        last_error=row.last_error,
        last_error_type=m.error_name(row.last_error_type),
        zoom_size_bytes=row.zoom_size,
        bytes_done=row.bytes_done,
        lesson_kind=row.lesson_kind,
        part=row.part,
    )
    _copy_ts(item, "recording_start", row.recording_start)
    _copy_ts(item, "recording_end", row.recording_end)
    _copy_ts(item, "store_time", row.stored_at)
    _copy_ts(item, "next_attempt_time", row.next_attempt_at)
    _copy_ts(item, "verify_time", row.verified_at)
    return item


def recording_message(view: recordings.RecordingView) -> pb.Recording:
    """A recording with its files and the caller's access as the API's ``Recording``."""
    row = view.row
    duration = Duration()
    duration.FromTimedelta(timedelta(seconds=row.duration_seconds))
    out = pb.Recording(
        id=row.id,
        source=naming.enum_name(common_pb2.RecordingSource, "RECORDING_SOURCE_", row.source),
        session_id=row.session_id,
        batch_id=row.batch_id,
        batch_type=naming.enum_name(common_pb2.BatchType, "BATCH_TYPE_", row.batch_type),
        student_id=row.student_id,
        meeting_id=row.meeting_id,
        meeting_uuid=row.meeting_uuid,
        topic=row.topic,
        duration=duration,
        total_size_bytes=row.total_size_bytes,
        files=[file_message(f) for f in view.files],
        caller_access=pb.CallerAccess(
            can_view=view.access.can_view,
            can_download=view.access.can_download,
            can_edit=view.access.can_edit,
        ),
    )
    _copy_ts(out.caller_access, "expire_time", view.access.expires_at)
    _copy_ts(out, "start_time", row.start_time)
    _copy_ts(out, "create_time", row.created_at)
    _copy_ts(out, "sync_time", row.sync_time)
    fill_recording(out, view.processing)
    return out


def grant_message(row: Any) -> pb.AccessGrant:
    """A grant row as the API's ``AccessGrant``."""
    grant = pb.AccessGrant(
        id=row.id,
        recording_id=row.recording_id,
        scope=naming.enum_name(pb.AccessScope, "ACCESS_SCOPE_", row.scope),
        user_id=row.user_id,
        level=naming.enum_name(pb.AccessLevel, "ACCESS_LEVEL_", row.level),
        created_by=row.created_by,
    )
    _copy_ts(grant, "expire_time", row.expires_at)
    _copy_ts(grant, "create_time", row.created_at)
    return grant


_Unimplemented = Callable[
    [object, Message, grpc.aio.ServicerContext[Message, Message]], Awaitable[NoReturn]
]


def _not_yet(name: str) -> _Unimplemented:
    async def method(
        self: object, request: Message, context: grpc.aio.ServicerContext[Message, Message]
    ) -> NoReturn:
        raise Unimplemented(
            f"RecordingSyncService.{name} is not implemented yet in this release of recording-sync"
        )

    method.__name__ = name
    return method


class _Api(PolicyMethods, UploadMethods, WatcherMethods, TranscriptMethods):
    """The implemented methods; the rest are filled in as UNIMPLEMENTED below."""

    def __init__(
        self,
        *,
        pipeline: SyncPipeline,
        sessions: async_sessionmaker[AsyncSession],
        storage: ObjectStorage,
        settings: Settings,
        memberships: Memberships,
        on_commit: Callable[[], None] | None = None,
        watcher: WatcherService | None = None,
        directory: SessionDirectory | None = None,
        processor: TranscriptProcessor | None = None,
    ) -> None:
        self._processor = processor
        self._pipeline = pipeline
        self._sessions = sessions
        self._storage = storage
        self._settings = settings
        self._memberships = memberships
        self._on_commit = on_commit
        self._watcher = watcher
        self._directory = directory

    def _uow(self) -> SyncUnitOfWork:
        return SyncUnitOfWork(session_factory=self._sessions, on_commit=self._on_commit)

    def _reach(self) -> Reach:
        """The current caller's tenant and memberships, for this one request."""
        return Reach(current_caller(), self._memberships)

    async def GetSyncJob(
        self,
        request: pb.GetSyncJobRequest,
        context: grpc.aio.ServicerContext[pb.GetSyncJobRequest, pb.SyncJob],
    ) -> pb.SyncJob:
        reach = self._reach()
        row = await jobs.get_sync_job(reach=reach, job_id=request.job_id, uow=self._uow())
        return await self._with_deliverable(reach, row)

    async def _with_deliverable(self, reach: Reach, row: SyncJob) -> pb.SyncJob:
        """The job, with its recording's deliverable once the recording exists."""
        job = job_message(row)
        if row.state == m.SYNCED:
            found = await transcripts.deliverable(
                reach=reach, recording_id=row.recording_id, uow=self._uow()
            )
            if found is not None:
                job.deliverable.CopyFrom(deliverable_message(found))
        return job

    async def SyncMeeting(
        self,
        request: pb.SyncMeetingRequest,
        context: grpc.aio.ServicerContext[pb.SyncMeetingRequest, pb.SyncJob],
    ) -> pb.SyncJob:
        """Queue (or re-queue with ``force``) the meeting's job and start it in the background."""
        target = request.WhichOneof("target")
        if target is None:
            raise InvalidArgument("one of session_id, meeting_uuid, meeting_id is required")
        reach = self._reach()
        job = await jobs.sync_meeting(
            reach=reach,
            force=request.force,
            uow=self._uow(),
            pipeline=self._pipeline,
            now=datetime.now(UTC),
            **{target: getattr(request, target)},
        )
        return await self._with_deliverable(reach, job)

    async def GetSyncStatus(
        self,
        request: pb.GetSyncStatusRequest,
        context: grpc.aio.ServicerContext[pb.GetSyncStatusRequest, pb.GetSyncStatusResponse],
    ) -> pb.GetSyncStatusResponse:
        """Seed 000's sync status: counts by state and the jobs."""
        target = request.WhichOneof("target")
        if target is None:
            raise InvalidArgument("one of batch_id, session_id, meeting_uuid is required")
        rows = await jobs.sync_status(
            reach=self._reach(), uow=self._uow(), **{target: getattr(request, target)}
        )
        stats = pb.SyncJobStatistics(total_jobs=len(rows))
        for row in rows:
            if row.state in (
                m.PENDING,
                m.WAITING,
                m.DOWNLOADING,
                m.SYNCED,
                m.FAILED,
                m.NO_RECORDING,
            ):
                setattr(stats, row.state, getattr(stats, row.state) + 1)
            stats.total_files += row.files_done
            stats.total_bytes += row.bytes_done
        counted = len([r for r in rows if r.state != m.CANCELLED])
        stats.sync_percentage = (stats.synced / counted * 100.0) if counted else 0.0
        return pb.GetSyncStatusResponse(statistics=stats, jobs=[job_message(r) for r in rows])

    async def SyncBatch(
        self,
        request: pb.SyncBatchRequest,
        context: grpc.aio.ServicerContext[pb.SyncBatchRequest, pb.SyncBatchResponse],
    ) -> pb.SyncBatchResponse:
        result = await jobs.sync_batch(
            reach=self._reach(),
            batch_id=request.batch_id,
            force=request.force,
            uow=self._uow(),
            pipeline=self._pipeline,
            now=datetime.now(UTC),
        )
        return pb.SyncBatchResponse(
            jobs=[job_message(j) for j in result.jobs],
            skipped_synced=result.skipped_synced,
            skipped_not_ended=result.skipped_not_ended,
        )

    async def RetrySync(
        self,
        request: pb.RetrySyncRequest,
        context: grpc.aio.ServicerContext[pb.RetrySyncRequest, pb.RetrySyncResponse],
    ) -> pb.RetrySyncResponse:
        target = request.WhichOneof("target")
        if target is None:
            raise InvalidArgument("one of job_id, session_id, batch_id is required")
        requeued = await jobs.retry_sync(
            reach=self._reach(),
            uow=self._uow(),
            pipeline=self._pipeline,
            now=datetime.now(UTC),
            **{target: getattr(request, target)},
        )
        return pb.RetrySyncResponse(jobs=[job_message(j) for j in requeued])

    async def ListSyncJobs(
        self,
        request: pb.ListSyncJobsRequest,
        context: grpc.aio.ServicerContext[pb.ListSyncJobsRequest, pb.ListSyncJobsResponse],
    ) -> pb.ListSyncJobsResponse:
        states = [_label(pb.SyncState, "SYNC_STATE_", s) for s in request.states]
        if any(not s for s in states):
            raise InvalidArgument("states must not contain SYNC_STATE_UNSPECIFIED")
        page = await jobs.list_sync_jobs(
            reach=self._reach(),
            batch_id=request.batch_id,
            session_id=request.session_id,
            states=states,
            updated_after=_when(request.updated_after, request.HasField("updated_after")),
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._uow(),
        )
        return pb.ListSyncJobsResponse(
            jobs=[job_message(j) for j in page.jobs],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    async def ListRecordings(
        self,
        request: pb.ListRecordingsRequest,
        context: grpc.aio.ServicerContext[pb.ListRecordingsRequest, pb.ListRecordingsResponse],
    ) -> pb.ListRecordingsResponse:
        page = await recordings.list_recordings(
            reach=self._reach(),
            session_id=request.session_id,
            batch_id=request.batch_id,
            student_id=request.student_id,
            meeting_uuid=request.meeting_uuid,
            source=_label(common_pb2.RecordingSource, "RECORDING_SOURCE_", request.source),
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._uow(),
            now=datetime.now(UTC),
        )
        return pb.ListRecordingsResponse(
            recordings=[recording_message(v) for v in page.recordings],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    async def GetRecording(
        self,
        request: pb.GetRecordingRequest,
        context: grpc.aio.ServicerContext[pb.GetRecordingRequest, pb.Recording],
    ) -> pb.Recording:
        view = await recordings.get_recording(
            reach=self._reach(),
            recording_id=request.recording_id,
            uow=self._uow(),
            now=datetime.now(UTC),
        )
        return recording_message(view)

    async def DeleteRecording(
        self,
        request: pb.DeleteRecordingRequest,
        context: grpc.aio.ServicerContext[pb.DeleteRecordingRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await recordings.delete_recording(
            reach=self._reach(),
            recording_id=request.recording_id,
            delete_from_zoom=request.delete_from_zoom,
            uow=self._uow(),
            pipeline=self._pipeline,
            now=datetime.now(UTC),
        )
        return empty_pb2.Empty()

    async def CreateAccessGrant(
        self,
        request: pb.CreateAccessGrantRequest,
        context: grpc.aio.ServicerContext[pb.CreateAccessGrantRequest, pb.AccessGrant],
    ) -> pb.AccessGrant:
        grant = request.grant
        row = await recordings.create_access_grant(
            reach=self._reach(),
            request_id=request.request_id,
            recording_id=grant.recording_id,
            scope=_label(pb.AccessScope, "ACCESS_SCOPE_", grant.scope),
            level=_label(pb.AccessLevel, "ACCESS_LEVEL_", grant.level),
            user_id=grant.user_id,
            expires_at=_when(grant.expire_time, grant.HasField("expire_time")),
            uow=self._uow(),
            now=datetime.now(UTC),
        )
        return grant_message(row)

    async def ListAccessGrants(
        self,
        request: pb.ListAccessGrantsRequest,
        context: grpc.aio.ServicerContext[pb.ListAccessGrantsRequest, pb.ListAccessGrantsResponse],
    ) -> pb.ListAccessGrantsResponse:
        page = await recordings.list_access_grants(
            reach=self._reach(),
            recording_id=request.recording_id,
            include_expired=request.include_expired,
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._uow(),
            now=datetime.now(UTC),
        )
        return pb.ListAccessGrantsResponse(
            grants=[grant_message(g) for g in page.grants],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    async def DeleteAccessGrant(
        self,
        request: pb.DeleteAccessGrantRequest,
        context: grpc.aio.ServicerContext[pb.DeleteAccessGrantRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await recordings.delete_access_grant(
            reach=self._reach(), grant_id=request.grant_id, uow=self._uow(), now=datetime.now(UTC)
        )
        return empty_pb2.Empty()

    async def GetPlaybackUrl(
        self,
        request: pb.GetPlaybackUrlRequest,
        context: grpc.aio.ServicerContext[pb.GetPlaybackUrlRequest, pb.PlaybackUrl],
    ) -> pb.PlaybackUrl:
        ttl = int(request.ttl.ToTimedelta().total_seconds()) if request.HasField("ttl") else 0
        if ttl < 0:
            raise InvalidArgument("ttl must not be negative")
        found = await recordings.playback_url(
            reach=self._reach(),
            recording_id=request.recording_id,
            file_id=request.file_id,
            download=request.disposition == pb.DISPOSITION_ATTACHMENT,
            ttl_seconds=ttl,
            max_ttl_seconds=self._settings.playback_url_max_ttl_seconds,
            uow=self._uow(),
            storage=self._storage,
            now=datetime.now(UTC),
        )
        answer = pb.PlaybackUrl(
            url=found.url,
            file_id=found.file.id,
            content_type=found.file.content_type,
            size_bytes=found.file.size_bytes,
            file_name=found.file.file_name,
        )
        _copy_ts(answer, "expire_time", found.expires_at)
        tracks = await transcripts.tracks_for(
            storage=self._storage,
            uow=self._uow(),
            reach=self._reach(),
            recording_id=request.recording_id,
            expires_in=max(1, int((found.expires_at - datetime.now(UTC)).total_seconds())),
            now=datetime.now(UTC),
        )
        answer.captions.extend(track_message(x) for x in tracks)
        return answer

    async def GetSyncStatistics(
        self,
        request: pb.GetSyncStatisticsRequest,
        context: grpc.aio.ServicerContext[pb.GetSyncStatisticsRequest, pb.SyncStatistics],
    ) -> pb.SyncStatistics:
        stats = await recordings.statistics(
            reach=self._reach(),
            start=_when(request.start_time, request.HasField("start_time")),
            end=_when(request.end_time, request.HasField("end_time")),
            batch_id=request.batch_id,
            uow=self._uow(),
        )
        average = Duration()
        average.FromTimedelta(stats.average_processing)
        return pb.SyncStatistics(
            jobs_finished=stats.jobs_finished,
            jobs_synced=stats.jobs_synced,
            success_rate=stats.success_rate,
            average_processing_time=average,
            recordings_count=stats.recordings_count,
            files_count=stats.files_count,
            storage_used_bytes=stats.storage_used_bytes,
            errors_by_type=[
                pb.ErrorCount(error_type=m.error_name(label), count=count)
                for label, count in sorted(stats.errors_by_type.items())
            ],
            jobs_in_progress=stats.jobs_in_progress,
        )


_IMPLEMENTED = {
    "GetSyncJob",
    "SyncMeeting",
    "GetSyncStatus",
    "SyncBatch",
    "RetrySync",
    "ListSyncJobs",
    "ListRecordings",
    "GetRecording",
    "DeleteRecording",
    "CreateAccessGrant",
    "ListAccessGrants",
    "DeleteAccessGrant",
    "GetPlaybackUrl",
    "GetSyncStatistics",
    *PolicyMethods.METHODS,
    *UploadMethods.METHODS,
    *WatcherMethods.METHODS,
    *TranscriptMethods.METHODS,
}

RecordingSyncApi: type = type(
    "RecordingSyncApi",
    (_Api, recording_sync_pb2_grpc.RecordingSyncServiceServicer),
    {
        "__doc__": "RecordingSyncService; methods not implemented yet answer UNIMPLEMENTED.",
        **{m_.name: _not_yet(m_.name) for m_ in SERVICE.methods if m_.name not in _IMPLEMENTED},
    },
)


def servicers(
    *,
    pipeline: SyncPipeline,
    sessions: async_sessionmaker[AsyncSession],
    storage: ObjectStorage,
    settings: Settings,
    memberships: Memberships,
    on_commit: Callable[[], None] | None = None,
    watcher: WatcherService | None = None,
    directory: SessionDirectory | None = None,
    processor: TranscriptProcessor | None = None,
) -> list[tuple[Callable[[Any, Any], None], Any]]:
    """The ``(add_to_server, servicer)`` pairs ``GrpcServer`` registers."""
    api = RecordingSyncApi(
        pipeline=pipeline,
        sessions=sessions,
        storage=storage,
        settings=settings,
        memberships=memberships,
        on_commit=on_commit,
        watcher=watcher,
        directory=directory,
        processor=processor,
    )
    return [(recording_sync_pb2_grpc.add_RecordingSyncServiceServicer_to_server, api)]
