"""Manual upload over gRPC (CreateManualUpload, AppendManualUpload, GetManualUpload,
DeleteManualUpload, GetManualUploadLimits): a mixin of ``grpc_api._Api``.

Expects what ``_Api.__init__`` sets (``_sessions``, ``_storage``, ``_settings``,
``_memberships``, ``_directory``, ``_on_commit``); converts messages only, the service layer
(``service_layer.uploads``, ``service_layer.upload_append``) decides. ``AppendManualUpload`` is
client-streaming: the first message names the upload and offset, the rest are its bytes, handed
on to the service layer as they arrive (nothing buffers the request).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc.aio
from google.protobuf import empty_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.auth import current_caller
from classbridge_common.errors import ClassbridgeError, FailedPrecondition, InvalidArgument
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.domain import upload_types
from recording_sync.service_layer import upload_append, uploads
from recording_sync.service_layer.ports import Memberships
from recording_sync.service_layer.reach import Reach
from recording_sync.settings import Settings

MAX_CHUNK_BYTES = 1024 * 1024
DRAIN_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 2.0
STATES = {
    uploads.UPLOADING: pb.MANUAL_UPLOAD_STATE_UPLOADING,
    uploads.COMPLETED: pb.MANUAL_UPLOAD_STATE_COMPLETED,
    uploads.FAILED: pb.MANUAL_UPLOAD_STATE_FAILED,
}


def upload_policy(settings: Settings) -> uploads.UploadPolicy:
    """The upload limits and timings the settings give."""
    return uploads.UploadPolicy(
        max_bytes=settings.upload_max_bytes,
        by_tenant=upload_types.parse_tenant_limits(settings.upload_max_bytes_by_tenant),
        expire_after=timedelta(seconds=settings.storage_staging_max_age_seconds or 6 * 3600),
        lease=timedelta(seconds=settings.upload_append_lease_seconds),
    )


def _stamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def upload_message(row: Any, policy: uploads.UploadPolicy) -> pb.ManualUpload:
    """An upload row as the API's ``ManualUpload``."""
    out = pb.ManualUpload(
        id=row.id,
        session_id=row.session_id,
        state=STATES.get(row.state, pb.MANUAL_UPLOAD_STATE_UNSPECIFIED),
        offset=row.offset,
        size_bytes=row.size_bytes,
        file_name=row.file_name,
        lesson_title=row.lesson_title,
        content_type=row.content_type,
        uploader_id=row.uploader_id,
        recording_id=row.recording_id,
        error=row.error,
        error_reason=row.error_reason,
        sha256=row.sha256,
        create_time=_stamp(row.created_at),
        update_time=_stamp(row.updated_at),
    )
    if row.state == uploads.UPLOADING:
        out.expire_time.CopyFrom(_stamp(row.updated_at + policy.expire_after))
    return out


async def _drain(messages: AsyncIterator[pb.ManualUploadChunk]) -> None:
    """Read what the client is still sending (a little), before answering a refusal.

    A client-streaming call answered while the client still writes ends, on the client, with
    its failed write (INTERNAL) rather than the answer. Reading on for a moment lets a client
    that was about to finish see the real refusal; a larger one learns it from the upload's
    state (``GetManualUpload``: ``FAILED`` and ``error_reason``)."""
    budget = DRAIN_BYTES

    async def read() -> None:
        nonlocal budget
        async for message in messages:
            budget -= len(message.data)
            if budget <= 0:
                return

    with contextlib.suppress(Exception):
        await asyncio.wait_for(read(), timeout=DRAIN_SECONDS)


class UploadMethods:
    """The manual-upload methods of RecordingSyncService."""

    METHODS: tuple[str, ...] = (
        "CreateManualUpload",
        "AppendManualUpload",
        "GetManualUpload",
        "DeleteManualUpload",
        "GetManualUploadLimits",
    )

    _sessions: async_sessionmaker[AsyncSession]
    _storage: ObjectStorage
    _settings: Settings
    _memberships: Memberships
    _directory: uploads.SessionDirectory | None
    _on_commit: Callable[[], None] | None

    def _upload_uow(self) -> UnitOfWork:
        return UnitOfWork(session_factory=self._sessions, on_commit=self._on_commit)

    def _upload_reach(self) -> Reach:
        return Reach(current_caller(), self._memberships)

    def _upload_policy(self) -> uploads.UploadPolicy:
        return upload_policy(self._settings)

    async def CreateManualUpload(
        self,
        request: pb.CreateManualUploadRequest,
        context: grpc.aio.ServicerContext[pb.CreateManualUploadRequest, pb.ManualUpload],
    ) -> pb.ManualUpload:
        if self._directory is None:
            raise FailedPrecondition("manual uploads need the scheduler, which is not configured")
        policy = self._upload_policy()
        row = await uploads.create_upload(
            reach=self._upload_reach(),
            directory=self._directory,
            request_id=request.request_id,
            session_id=request.session_id,
            file_name=request.file_name,
            size_bytes=request.size_bytes,
            sha256=request.sha256,
            lesson_title=request.lesson_title,
            policy=policy,
            uow=self._upload_uow(),
            now=datetime.now(UTC),
        )
        return upload_message(row, policy)

    async def AppendManualUpload(
        self,
        request_iterator: AsyncIterator[pb.ManualUploadChunk],
        context: grpc.aio.ServicerContext[pb.ManualUploadChunk, pb.ManualUpload],
    ) -> pb.ManualUpload:
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("part") != "start":
            raise InvalidArgument("the first message must name the upload (start)")
        if first.start.offset < 0:
            raise InvalidArgument("offset must not be negative")

        async def data() -> AsyncIterator[bytes]:
            async for message in request_iterator:
                if message.WhichOneof("part") != "data":
                    raise InvalidArgument("only the first message names the upload")
                if len(message.data) > MAX_CHUNK_BYTES:
                    raise InvalidArgument(f"a chunk may carry at most {MAX_CHUNK_BYTES} bytes")
                yield message.data

        policy = self._upload_policy()
        try:
            row = await upload_append.append(
                reach=self._upload_reach(),
                upload_id=first.start.upload_id,
                offset=first.start.offset,
                chunks=data(),
                uow=self._upload_uow(),
                storage=self._storage,
                policy=policy,
                clock=lambda: datetime.now(UTC),
                last=first.start.last,
            )
        except ClassbridgeError:
            await _drain(request_iterator)
            raise
        return upload_message(row, policy)

    async def GetManualUpload(
        self,
        request: pb.GetManualUploadRequest,
        context: grpc.aio.ServicerContext[pb.GetManualUploadRequest, pb.ManualUpload],
    ) -> pb.ManualUpload:
        policy = self._upload_policy()
        row = await uploads.get_upload(
            reach=self._upload_reach(),
            upload_id=request.upload_id,
            policy=policy,
            uow=self._upload_uow(),
            now=datetime.now(UTC),
        )
        return upload_message(row, policy)

    async def DeleteManualUpload(
        self,
        request: pb.DeleteManualUploadRequest,
        context: grpc.aio.ServicerContext[pb.DeleteManualUploadRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await uploads.delete_upload(
            reach=self._upload_reach(),
            upload_id=request.upload_id,
            uow=self._upload_uow(),
            storage=self._storage,
            now=datetime.now(UTC),
        )
        return empty_pb2.Empty()

    async def GetManualUploadLimits(
        self,
        request: pb.GetManualUploadLimitsRequest,
        context: grpc.aio.ServicerContext[pb.GetManualUploadLimitsRequest, pb.ManualUploadLimits],
    ) -> pb.ManualUploadLimits:
        found = uploads.limits(reach=self._upload_reach(), policy=self._upload_policy())
        expire = Duration()
        expire.FromTimedelta(found.expire_after)
        return pb.ManualUploadLimits(
            max_size_bytes=found.max_bytes,
            content_types=found.content_types,
            expire_after=expire,
        )


__all__ = ["UploadMethods", "upload_message", "upload_policy"]
