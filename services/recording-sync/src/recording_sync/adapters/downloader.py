"""Streams one Zoom file over HTTP, following redirects by hand.

httpx's own redirect following would carry the ``Authorization`` header to wherever Zoom points,
so redirects are followed here: the bearer token goes only to ``credential_hosts`` (the first
request), redirects only to ``redirect_hosts`` (without the token), anything else is refused.
Logs and errors name the host and path only — a download URL's query is a credential.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urljoin, urlsplit

import httpx

from classbridge.common.v1 import common_pb2
from recording_sync.domain.model import DownloadAccess, SyncFailure, host_allowed

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
CHUNK = 1024 * 1024


def safe_url(url: str) -> str:
    """``scheme://host/path`` without query or fragment, for logs and error messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{parts.path}"


class Downloader:
    """Opens streaming downloads; one ``httpx.AsyncClient`` shared by every job."""

    def __init__(
        self,
        *,
        local_hosts: tuple[str, ...] = (),
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._local_hosts = local_hosts
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=10.0),
            follow_redirects=False,
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    def _allowed(self, host: str, patterns: tuple[str, ...]) -> bool:
        if not host_allowed(host, patterns):
            return False
        return not self._local_hosts or host_allowed(host, self._local_hosts)

    @asynccontextmanager
    async def open(self, access: DownloadAccess) -> AsyncIterator[AsyncIterator[bytes]]:
        """Yield the body's chunks of a successful (2xx) answer; raise ``SyncFailure`` else."""
        url = access.url
        first = True
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            host = parts.hostname or ""
            patterns = access.credential_hosts if first else access.redirect_hosts
            if parts.scheme not in ("https", "http") or not self._allowed(host, patterns):
                log.warning("refusing a download from a host not allowed: %s", safe_url(url))
                raise SyncFailure(
                    common_pb2.SYNC_ERROR_TYPE_DISALLOWED_HOST,
                    f"download host not allowed: {host}",
                    retryable=False,
                )
            headers = {"Authorization": f"Bearer {access.token}"} if first and access.token else {}
            try:
                async with self._client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = urljoin(url, location)
                        first = False
                        continue
                    _check_status(response.status_code, url)
                    yield response.aiter_bytes(CHUNK)
                    return
            except httpx.HTTPError as error:
                raise SyncFailure(
                    common_pb2.SYNC_ERROR_TYPE_DOWNLOAD,
                    f"download of {safe_url(url)} broke off: {type(error).__name__}",
                ) from None
        raise SyncFailure(
            common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, "too many redirects", retryable=False
        )


def _check_status(status: int, url: str) -> None:
    if 200 <= status < 300:
        return
    where = safe_url(url)
    if status == 429:
        raise SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_RATE_LIMITED, f"429 from {where}")
    if status in (401, 403):
        raise SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_AUTH, f"{status} from {where}")
    if status >= 500:
        raise SyncFailure(common_pb2.SYNC_ERROR_TYPE_ZOOM_UNAVAILABLE, f"{status} from {where}")
    raise SyncFailure(common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, f"{status} from {where}")
