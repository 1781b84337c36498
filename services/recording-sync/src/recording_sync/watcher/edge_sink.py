"""The agent's sink: asks the edge which session a folder is, uploads through its tus API.

- **Match**: ``GET {edge}/api/v1/monitor/match?meeting_id=&start_time=&topic=`` with the
  teacher's token: 200 names the session, 404 says why none matches (reported, not uploaded).
- **Upload**: tus 1.0 (tuspy) to ``{edge}/api/v1/uploads``: a ``POST`` with ``Upload-Length``
  and ``Upload-Metadata`` (``session_id``, ``filename``, ``lesson_title``), then ``PATCH``es of
  ``chunk_bytes``. The upload's URL is kept in the agent's state folder under a key of the
  file's path, size and time, so an agent killed halfway asks the server for its offset
  (``HEAD``) and sends only the rest. Once every byte is there, ``GET`` of the upload's URL
  shows the ``recording_id`` (waited for while the edge files it).

The token goes in the ``Authorization`` header only; no message, log line or state file holds
it, and the stored URLs are the edge's upload addresses (useless without the token).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path, PurePosixPath
from typing import IO, Any

import httpx

from recording_sync.watcher.engine import (
    Match,
    ReadyFile,
    Unmatched,
    UploadFailed,
    WatcherFatal,
    sha256_of,
)
from recording_sync.watcher.layout import LocalRecording
from recording_sync.watcher.ledger import FileRecord, FileState, JsonLedger

DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
FINISH_WAIT_SECONDS = 60.0

Progress = Callable[[str, int, int], None]
"""``progress(file, bytes sent, size)``: called as chunks are acknowledged."""


class AgentStopped(WatcherFatal):
    """The edge refused the token (401/403): nothing can be uploaded; the agent stops."""


class UrlStore:
    """tuspy's URL storage as a small JSON file (written atomically): upload URL per file key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}

    def _write(self, items: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(items, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def get_item(self, key: str) -> str | None:
        return self._read().get(key)

    def set_item(self, key: str, url: str) -> None:
        items = self._read()
        items[key] = url
        self._write(items)

    def remove_item(self, key: str) -> None:
        items = self._read()
        if items.pop(key, None) is not None:
            self._write(items)


@dataclass(frozen=True)
class _Key:
    """tuspy's fingerprinter, answering the file's own key (path, size, time) rather than a hash
    of its first bytes (two recordings can start alike)."""

    key: str

    def get_fingerprint(self, fs: IO[bytes]) -> str:
        return self.key


def upload_key(ready: ReadyFile) -> str:
    """The key the upload's URL is stored under."""
    raw = f"{ready.relative}\0{ready.size}\0{ready.mtime_ns}"
    return "file:" + hashlib.sha256(raw.encode()).hexdigest()


def _reason(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        message = str(error.get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    return message or f"the edge answered {response.status_code}"


class EdgeSink:
    """Matches and uploads through the edge with one teacher's token."""

    def __init__(
        self,
        *,
        edge: str,
        token: str,
        ledger: JsonLedger,
        urls: UrlStore,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        progress: Progress | None = None,
        note: Callable[[str], None] | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._edge = edge.rstrip("/")
        self._token = token
        self._ledger = ledger
        self._urls = urls
        self._chunk = chunk_bytes
        self._progress = progress or (lambda name, done, size: None)
        self._http = http or httpx.AsyncClient(timeout=30)
        self.notes: list[str] = []
        self._note = note or self.notes.append

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    async def close(self) -> None:
        await self._http.aclose()

    def _refused(self, response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            raise AgentStopped(f"the edge refused the token: {_reason(response)}")

    async def match(self, found: LocalRecording) -> Match:
        params: dict[str, str] = {"topic": found.topic[:500]}
        if found.meeting_id:
            params["meeting_id"] = str(found.meeting_id)
        if found.start is not None:
            params["start_time"] = found.start.astimezone(UTC).isoformat()
        try:
            response = await self._http.get(
                f"{self._edge}/api/v1/monitor/match", params=params, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise UploadFailed(f"the edge cannot be reached: {type(exc).__name__}") from None
        self._refused(response)
        if response.status_code in (400, 404):
            raise Unmatched(_reason(response))
        if response.status_code != 200:
            raise UploadFailed(_reason(response))
        data = response.json()["data"]
        return Match(
            session_id=str(data["session_id"]),
            meeting_id=int(data.get("meeting_id") or 0),
            batch_id=str(data.get("batch_id") or ""),
            session_title=str(data.get("session_title") or ""),
            matched_by=str(data.get("matched_by") or ""),
        )

    async def upload(self, ready: ReadyFile, match: Match, record: FileRecord) -> FileRecord:
        url = await asyncio.to_thread(self._send, ready, match)
        recording_id = await self._finished(url, ready)
        digest = await asyncio.to_thread(sha256_of, ready.path)
        await asyncio.to_thread(self._urls.remove_item, upload_key(ready))
        return await self._ledger.put(
            record.changed(
                state=FileState.UPLOADED,
                recording_id=recording_id,
                session_id=match.session_id,
                sha256=digest,
                error="",
                upload="",
            )
        )

    def _send(self, ready: ReadyFile, match: Match) -> str:
        """The tus upload (blocking: tuspy is synchronous): resume the stored URL when the
        server still has it, else create one; returns the upload's URL. tuspy reads the file
        itself, one chunk per ``PATCH`` (never whole in memory)."""
        from tusclient.client import TusClient
        from tusclient.exceptions import TusCommunicationError, TusUploadFailed

        key = upload_key(ready)
        client = TusClient(f"{self._edge}/api/v1/uploads", headers=self._headers)
        metadata = {
            "session_id": match.session_id,
            "filename": PurePosixPath(ready.relative).name,
            "lesson_title": _title(ready),
        }
        try:
            uploader = self._uploader(client, ready.path, metadata, key)
        except TusCommunicationError as exc:
            if exc.status_code in (401, 403):
                raise AgentStopped("the edge refused the token") from None
            # The server forgot the stored upload (expired, finished elsewhere): anew.
            self._urls.remove_item(key)
            self._note(f"{ready.relative}: the earlier upload is gone; starting over")
            uploader = self._uploader(client, ready.path, metadata, key)
        if uploader.offset:
            self._note(f"{ready.relative}: resuming at byte {uploader.offset}")
        try:
            if not uploader.url:
                uploader.set_url(uploader.create_url())
                uploader.offset = 0
            self._progress(ready.relative, uploader.offset, ready.size)
            while uploader.offset < ready.size:
                uploader.upload_chunk()
                self._progress(ready.relative, uploader.offset, ready.size)
        except (TusCommunicationError, TusUploadFailed) as exc:
            if getattr(exc, "status_code", None) in (401, 403):
                raise AgentStopped("the edge refused the token") from None
            raise UploadFailed(
                f"the upload stopped at byte {uploader.offset}: {_tus_reason(exc)}"
            ) from None
        return str(uploader.url)

    def _uploader(self, client: Any, path: Path, metadata: dict[str, str], key: str) -> Any:
        return client.uploader(
            file_path=str(path),
            chunk_size=self._chunk,
            metadata=metadata,
            store_url=True,
            url_storage=self._urls,
            fingerprinter=_Key(key),
        )

    async def _finished(self, url: str, ready: ReadyFile) -> str:
        """The recording the edge filed the upload as (``recording_id`` of ``GET url``)."""
        deadline = time.monotonic() + FINISH_WAIT_SECONDS
        while True:
            try:
                response = await self._http.get(url, headers=self._headers)
            except httpx.HTTPError as exc:
                raise UploadFailed(f"the edge cannot be reached: {type(exc).__name__}") from None
            self._refused(response)
            if response.status_code != 200:
                raise UploadFailed(f"the finished upload is unknown: {_reason(response)}")
            body = response.json()
            data = body.get("data", body) if isinstance(body, dict) else {}
            recording_id = str(data.get("recording_id") or "")
            if recording_id:
                return recording_id
            error = str(data.get("error") or data.get("last_error") or "")
            if error:
                raise UploadFailed(f"the edge could not file the upload: {error}")
            if time.monotonic() > deadline:
                raise UploadFailed("the edge has not filed the upload as a recording yet")
            await asyncio.sleep(0.5)


def _title(ready: ReadyFile) -> str:
    day = ready.recording.start.strftime("%Y-%m-%d") if ready.recording.start else "undated"
    return f"Local Recording - {day} ({ready.extension.upper()})"


def _tus_reason(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    content = getattr(exc, "response_content", b"") or b""
    message = ""
    with contextlib.suppress(ValueError, AttributeError, UnicodeDecodeError):
        message = str((json.loads(content).get("error") or {}).get("message") or "")
    if status:
        return f"{status} {message}".strip()
    return type(exc).__name__


__all__ = ["AgentStopped", "EdgeSink", "UrlStore", "upload_key"]
