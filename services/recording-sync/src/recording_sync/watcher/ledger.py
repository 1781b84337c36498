"""What the watcher has found and sent: one record per file, so a restart never sends it twice.

A record is keyed by the file's path under the watched folder and fingerprinted by its size and
modification time; once uploaded it also holds the sha256 of what was stored and the recording
it became. A file seen again with the same fingerprint is done; with another one it is hashed,
and only different bytes are sent again (a new recording, never a silent overwrite).

Two ledgers honour :class:`Ledger`: the service's ``watched_files`` table
(:mod:`.service_sink`) and the agent's JSON file (:class:`JsonLedger`), written atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


class FileState(StrEnum):
    """Where a watched file stands (the API's ``WatchedFileState``)."""

    SETTLING = "settling"
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    FAILED = "failed"
    UNMATCHED = "unmatched"


@dataclass
class FileRecord:
    """One recording file the watcher found, and what became of it."""

    path: str  # relative to the watched folder, '/'-separated
    size: int
    mtime_ns: int
    state: FileState = FileState.SETTLING
    meeting_id: int = 0
    topic: str = ""
    recording_start: datetime | None = None
    tenant_id: str = ""
    session_id: str = ""
    recording_id: str = ""
    sha256: str = ""
    error: str = ""
    attempts: int = 0
    detected_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The sink's handle of an upload in progress (the agent: its tus upload URL).
    upload: str = ""
    version: int = 0  # bumped on every write (the service ledger's concurrency check)

    def same_file(self, size: int, mtime_ns: int) -> bool:
        """Whether the file on disk still has the fingerprint this record was made from."""
        return self.size == size and self.mtime_ns == mtime_ns

    def changed(self, **values: Any) -> FileRecord:
        """A copy with ``values``, stamped now."""
        return replace(self, updated_at=datetime.now(UTC), **values)


class StaleRecord(Exception):
    """Someone else (another replica's watcher) changed the record since it was read."""


class Ledger(Protocol):
    """Where the records are kept."""

    async def load(self) -> dict[str, FileRecord]:
        """Every record, by path (read once when the watcher starts)."""
        ...

    async def put(self, record: FileRecord) -> FileRecord:
        """Write ``record`` if nobody changed it since it was read (its ``version``), else
        raise :class:`StaleRecord`; returns it with its new version."""
        ...


def _encode(record: FileRecord) -> dict[str, Any]:
    body = asdict(record)
    for name in ("recording_start", "detected_at", "updated_at"):
        value = body[name]
        body[name] = value.isoformat() if isinstance(value, datetime) else None
    body["state"] = str(record.state)
    return body


def _decode(body: dict[str, Any]) -> FileRecord:
    known = {f.name for f in fields(FileRecord)}
    values = {k: v for k, v in body.items() if k in known}
    for name in ("recording_start", "detected_at", "updated_at"):
        value = values.get(name)
        values[name] = datetime.fromisoformat(value) if isinstance(value, str) else None
    if values.get("detected_at") is None:
        values.pop("detected_at", None)
    if values.get("updated_at") is None:
        values.pop("updated_at", None)
    values["state"] = FileState(values.get("state", FileState.SETTLING))
    return FileRecord(**values)


class JsonLedger:
    """The agent's ledger: one JSON file, rewritten atomically (temporary file, fsync,
    ``os.replace``) on every change, so a kill leaves the old records or the new ones."""

    VERSION = 1

    def __init__(self, path: Path) -> None:
        self.path = path
        self._records: dict[str, FileRecord] = {}

    async def load(self) -> dict[str, FileRecord]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            body = json.loads(text)
            if body.get("v") != self.VERSION:
                raise ValueError("unknown version")
            self._records = {r["path"]: _decode(r) for r in body["files"]}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{self.path} is not a watcher ledger ({exc}); move it away") from None
        return dict(self._records)

    async def put(self, record: FileRecord) -> FileRecord:
        saved = replace(record, version=record.version + 1)
        self._records[record.path] = saved
        self._write()
        return saved

    def _write(self) -> None:
        body = {"v": self.VERSION, "files": [_encode(r) for r in self._records.values()]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(body, out, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


__all__ = ["FileRecord", "FileState", "JsonLedger", "Ledger", "StaleRecord"]
