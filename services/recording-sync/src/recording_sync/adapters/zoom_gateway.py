"""The zoom-gateway client: recordings list, download access and file deletion over gRPC.

Calls carry recording-sync's own service token, not a person's: the sync runs in the background
and its answer must not depend on who triggered it. Each call names the job's tenant twice: in
``Account(tenant_id=…)`` (whose Zoom account to use) and in ``x-classbridge-tenant`` (the tenant
recording-sync acts for), so a job can only ever reach its own school's Zoom recordings.
Gateway errors of the sync's calls are translated here into ``SyncFailure`` with the error type
the statistics count; those of a deletion into the error a person asking for it should see.
"""

from __future__ import annotations

from datetime import UTC, datetime

import grpc.aio
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common import errors
from classbridge_common.auth import DEFAULT_TENANT, ServiceTokenIssuer
from classbridge_common.grpc import call, create_channel
from classbridge_common.grpc.interceptors import TENANT_HEADER
from recording_sync.domain.model import DownloadAccess, SyncFailure, ZoomFile, ZoomRecording
from recording_sync.domain.naming import file_type_label


def _when(stamp: Timestamp) -> datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def _file(item: zg.RecordingFile) -> ZoomFile:
    return ZoomFile(
        zoom_file_id=item.id,
        meeting_uuid=item.meeting_uuid,
        file_type=file_type_label(item.file_type),
        zoom_file_type=item.zoom_file_type,
        extension=item.file_extension,
        size=item.file_size_bytes,
        download_url=item.download_url,
        recording_type=item.recording_type,
        completed=item.status != zg.RECORDING_FILE_STATUS_PROCESSING,
        recording_start=_when(item.recording_start),
        recording_end=_when(item.recording_end),
    )


def _recording(rec: zg.MeetingRecording) -> ZoomRecording:
    return ZoomRecording(
        meeting_id=rec.meeting_id,
        meeting_uuid=rec.meeting_uuid,
        topic=rec.topic,
        start_time=_when(rec.start_time),
        duration_minutes=rec.duration_minutes,
        files=tuple(_file(f) for f in rec.recording_files),
    )


def _failure(error: errors.ClassbridgeError) -> SyncFailure:
    """Classify a gateway error by what retrying can change."""
    message = f"zoom-gateway: {error.public_message}"
    if isinstance(error, errors.ResourceExhausted):
        return SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_RATE_LIMITED, message)
    if isinstance(error, errors.Unauthenticated | errors.PermissionDenied):
        return SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_AUTH, message)
    if isinstance(error, errors.FailedPrecondition):
        return SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_AUTH, message)
    if isinstance(error, errors.NotFound):
        return SyncFailure(common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, message)
    return SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_UNAVAILABLE, message)


def _deletion_failure(error: errors.ClassbridgeError) -> errors.ClassbridgeError:
    """A failed delete at Zoom as the caller of the deletion should see it: rate limits and
    outages stay retryable; a refusal of the gateway or of Zoom (a file still processing, an
    account without access) is a precondition not met — never the caller's own permission."""
    message = f"zoom-gateway: {error.public_message}"
    if isinstance(error, errors.ResourceExhausted | errors.Unavailable):
        return error
    if isinstance(
        error, errors.FailedPrecondition | errors.PermissionDenied | errors.Unauthenticated
    ):
        return errors.FailedPrecondition(message)
    return errors.Unavailable(message)


def _account(tenant_id: str) -> zg.Account:
    """The Zoom account of the job's tenant (rows written before tenancy: the default one)."""
    return zg.Account(tenant_id=tenant_id or DEFAULT_TENANT)


def _acting_for(tenant_id: str) -> tuple[tuple[str, str], ...]:
    return ((TENANT_HEADER, tenant_id or DEFAULT_TENANT),)


class ZoomGatewayClient:
    """One channel to the zoom-gateway (the ``ZoomGateway`` port of the sync)."""

    def __init__(self, *, address: str, tokens: ServiceTokenIssuer, timeout: float) -> None:
        self._channel: grpc.aio.Channel = create_channel(
            address, default_timeout=timeout, service_tokens=tokens, forward_caller=False
        )
        self._stub = zg_grpc.ZoomGatewayServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def list_recording(
        self, *, meeting_uuid: str, meeting_id: int, tenant_id: str
    ) -> ZoomRecording | None:
        """The instance's recording, or None while Zoom has none (a normal answer)."""
        request = zg.ListMeetingRecordingsRequest(account=_account(tenant_id))
        if meeting_uuid:
            request.meeting_uuid = meeting_uuid
        else:
            request.meeting_id = meeting_id
        try:
            answer = await call(
                self._stub.ListMeetingRecordings, request, metadata=_acting_for(tenant_id)
            )
        except errors.ClassbridgeError as error:
            raise _failure(error) from None
        if not answer.has_recording:
            return None
        return _recording(answer.recording)

    async def list_host_recordings(
        self, *, tenant_id: str, host_user_id: str, start: datetime, end: datetime
    ) -> list[ZoomRecording]:
        """Every cloud recording of one host between two instants (whole UTC days, all pages:
        the gateway walks Zoom's 30-day windows), for the reconciliation."""
        request = zg.ListUserRecordingsRequest(
            account=_account(tenant_id),
            host=zg.UserRef(user_id=host_user_id),
            all_pages=True,
            page_size=300,
        )
        for field, moment in (("from", start), ("to", end)):
            day = getattr(request, field)
            day.year, day.month, day.day = moment.year, moment.month, moment.day
        try:
            answer = await call(
                self._stub.ListUserRecordings, request, metadata=_acting_for(tenant_id)
            )
        except errors.ClassbridgeError as error:
            raise _failure(error) from None
        return [_recording(r) for r in answer.recordings]

    async def download_access(
        self,
        *,
        meeting_uuid: str,
        zoom_file_id: str,
        download_url: str,
        download_token: str,
        tenant_id: str,
    ) -> DownloadAccess:
        """URL, credential and allowed hosts for one file (secret: never logged)."""
        request = zg.GetDownloadAccessRequest(
            account=_account(tenant_id),
            meeting_uuid=meeting_uuid,
            recording_file_id=zoom_file_id,
            download_url=download_url,
            download_token=download_token,
        )
        try:
            answer = await call(
                self._stub.GetDownloadAccess, request, metadata=_acting_for(tenant_id)
            )
        except errors.ClassbridgeError as error:
            raise _failure(error) from None
        return DownloadAccess(
            url=answer.download_url,
            token=answer.access_token,
            credential_hosts=tuple(answer.credential_hosts),
            redirect_hosts=tuple(answer.redirect_hosts),
            size=answer.file_size_bytes,
        )

    async def delete_recording_file(
        self, *, meeting_uuid: str, zoom_file_id: str, tenant_id: str, permanently: bool = False
    ) -> bool:
        """Move one recording file to Zoom's trash (recoverable there for 30 days), or delete it
        for good with ``permanently``. True when Zoom deleted it now, False when Zoom has no
        such file any more (already gone: the outcome wanted all the same)."""
        request = zg.DeleteRecordingFileRequest(
            account=_account(tenant_id),
            meeting_uuid=meeting_uuid,
            recording_file_id=zoom_file_id,
            action=zg.DELETE_ACTION_DELETE if permanently else zg.DELETE_ACTION_TRASH,
        )
        try:
            await call(self._stub.DeleteRecordingFile, request, metadata=_acting_for(tenant_id))
        except errors.NotFound:
            return False
        except errors.ClassbridgeError as error:
            raise _deletion_failure(error) from None
        return True
