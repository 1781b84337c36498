"""Streams one Zoom file over HTTP, following redirects by hand.

httpx's own redirect following drops the ``Authorization`` header only when the redirect leaves
the origin (and keeps it on an http-to-https upgrade of the same host); it keeps it on a redirect
to the same origin, and it checks no host. Zoom's CDN is another host today, but nothing binds it
to stay one, so redirects are followed here: the bearer token goes only to ``credential_hosts``
(the first request, never a redirect, whatever its origin), redirects only to ``redirect_hosts``
(without the token), anything else is refused. tests/unit/recording_sync/test_downloader_cdn.py
proves it against the Zoom simulator's CDN, which records any Authorization header it receives.
Logs and errors name the host and path only — a download URL's query is a credential.

A 2xx answer is not yet the file: Zoom answers 200 with an HTML page for a deleted (or not yet
processed) file and sends small JSON error bodies, and either, stored, would count as a copied
recording while the lesson is lost. So the final answer's headers are checked against what
``DownloadAccess`` expects (its extension and size) before any byte is stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urljoin, urlsplit

import httpx

from classbridge.common.v1 import common_pb2
from recording_sync.domain.model import DownloadAccess, SyncFailure, host_allowed

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class Body:
    """A download's bytes, from byte ``offset`` of the file on (0 unless a ``Range`` asked for
    more and the server honoured it: a server may answer 200 with the whole file instead)."""

    def __init__(self, chunks: AsyncIterator[bytes], offset: int) -> None:
        self._chunks = chunks
        self.offset = offset

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks


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
    async def open(self, access: DownloadAccess, *, offset: int = 0) -> AsyncIterator[Body]:
        """Yield the :class:`Body` of a successful (2xx) answer that can be the file expected
        (see :func:`check_answer`); raise ``SyncFailure`` else, before reading the body.

        ``offset`` > 0 asks for the file from that byte on (a resumed copy); the body says where
        it really starts. Chunks are what the connection delivers, not re-joined: the pipeline
        copies them into its parts once."""
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
            if offset > 0:
                headers["Range"] = f"bytes={offset}-"
            try:
                async with self._client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = urljoin(url, location)
                        first = False
                        continue
                    _check_status(response.status_code, url)
                    start = _start_of(response, access, url, offset) if offset > 0 else 0
                    check_answer(response.headers, access, url, offset=start)
                    yield Body(response.aiter_bytes(), start)
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


def _start_of(response: httpx.Response, access: DownloadAccess, url: str, offset: int) -> int:
    """Where a ranged answer starts: ``offset`` for a 206 whose ``Content-Range`` starts there
    (for this file's size, when known), or 0 for a 200 that sends the whole file. A range that
    starts anywhere else cannot continue the copy: refused, never stored as the file's start."""
    if response.status_code != 206:
        return 0
    match = _CONTENT_RANGE.match(response.headers.get("content-range", "").strip())
    total = match.group(3) if match else ""
    if (
        match is None
        or int(match.group(1)) != offset
        or (access.size > 0 and total not in ("*", str(access.size)))
    ):
        raise SyncFailure(
            common_pb2.SYNC_ERROR_TYPE_DOWNLOAD,
            f"Zoom answered a range of another file: {safe_url(url)}",
        )
    return int(match.group(1))


def check_answer(
    headers: httpx.Headers, access: DownloadAccess, url: str, *, offset: int = 0
) -> None:
    """Refuse a 2xx answer that cannot be the file ``access`` describes: an HTML page (always),
    JSON when the file is not JSON, or a Content-Length other than the known size (less the
    ``offset`` a ranged answer starts at).

    JSON is refused only when the expected extension is known (``""`` says nothing, and JSON
    files are real recordings' companions); a known size then still catches an error body.
    """
    what = f"the {access.extension.upper()} file" if access.extension else "the file"
    where = safe_url(url)
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    problem = ""
    if media in _HTML_TYPES:
        problem = f"Zoom answered an HTML page instead of {what} (deleted, or not ready yet)"
    elif _is_json(media) and access.extension and access.extension.upper() != "JSON":
        problem = f"Zoom answered a JSON body instead of {what} (an error, not the recording)"
    elif access.size > 0 and (announced := _content_length(headers)) not in (
        None,
        access.size - offset,
    ):
        problem = (
            f"Zoom announced {announced} bytes instead of the {access.size - offset} of {what}"
        )
    if problem:
        log.warning("refusing a download: %s: %s", problem, where)
        raise SyncFailure(common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, f"{problem}: {where}")


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _content_length(headers: httpx.Headers) -> int | None:
    """The body's announced size, when it counts the file's bytes (not a compressed form)."""
    if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    value = headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None
