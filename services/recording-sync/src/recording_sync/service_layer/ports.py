"""What the sync needs from the outside world, as protocols (adapters implement them)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from recording_sync.domain.access import Membership
from recording_sync.domain.model import DownloadAccess, ZoomRecording


class ZoomGateway(Protocol):
    """The zoom-gateway calls the sync makes (always for the job's tenant)."""

    async def list_recording(
        self, *, meeting_uuid: str, meeting_id: int, tenant_id: str
    ) -> ZoomRecording | None: ...

    async def list_host_recordings(
        self, *, tenant_id: str, host_user_id: str, start: datetime, end: datetime
    ) -> list[ZoomRecording]: ...

    async def download_access(
        self,
        *,
        meeting_uuid: str,
        zoom_file_id: str,
        download_url: str,
        download_token: str,
        tenant_id: str,
    ) -> DownloadAccess: ...

    async def delete_recording_file(
        self, *, meeting_uuid: str, zoom_file_id: str, tenant_id: str, permanently: bool = False
    ) -> bool: ...


class DownloadBody(AsyncIterable[bytes], Protocol):
    """A file's bytes from byte ``offset`` on (what the server really sent, whatever was asked)."""

    offset: int


class Download(Protocol):
    """Opens one file's byte stream (``SyncFailure`` on refusal or HTTP error), from ``offset``
    on when the server honours the range."""

    def open(
        self, access: DownloadAccess, *, offset: int = 0
    ) -> AbstractAsyncContextManager[DownloadBody]: ...


class Memberships(Protocol):
    """Who teaches and attends which batches, asked of the scheduler (it owns both)."""

    async def memberships(self, *, user_id: str, tenant_id: str) -> Membership: ...
