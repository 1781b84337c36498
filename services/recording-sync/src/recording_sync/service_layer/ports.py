"""What the sync needs from the outside world, as protocols (adapters implement them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from recording_sync.domain.model import DownloadAccess, ZoomRecording


class ZoomGateway(Protocol):
    """The zoom-gateway calls the sync makes."""

    async def list_recording(
        self, *, meeting_uuid: str, meeting_id: int, tenant_id: str
    ) -> ZoomRecording | None: ...

    async def download_access(
        self,
        *,
        meeting_uuid: str,
        zoom_file_id: str,
        download_url: str,
        download_token: str,
        tenant_id: str,
    ) -> DownloadAccess: ...


class Download(Protocol):
    """Opens one file's byte stream (``SyncFailure`` on refusal or HTTP error)."""

    def open(self, access: DownloadAccess) -> AbstractAsyncContextManager[AsyncIterator[bytes]]: ...


class Enrollments(Protocol):
    """Who is enrolled where, asked of the scheduler (it owns enrollments)."""

    async def is_enrolled(self, *, batch_id: str, student_id: str) -> bool: ...

    async def batches_of(self, *, student_id: str) -> set[str]: ...
