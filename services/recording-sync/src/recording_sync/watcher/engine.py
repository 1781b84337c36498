"""The watcher's core, shared by the service and the agent: find, settle, match, upload, remember.

:class:`FolderWatcher` watches one folder tree. watchdog's events (created, modified, closed,
and *moved* — Zoom renames a converted file into place) wake it early; a full rescan every
``scan_seconds`` finds whatever events were lost (a network share, a queue overflow, files
written while it was stopped). Each recording file is observed until it has settled
(:mod:`.settle`), then, one at a time:

1. its path is read for the meeting (:mod:`.layout`, plus a metadata file in its folder);
2. the *sink* matches it to a session — or says why none matches: the file is then reported
   ``unmatched`` and asked about again later (a session may be linked since), never guessed;
3. the sink uploads it and files it as a recording of that session;
4. the ledger remembers it, so neither a rescan nor a restart sends it again.

A failure is kept on the file's record (``failed`` with its error, tried again with a growing
pause); the watcher goes on with the next file. Nothing here knows where files go: the sinks
(:mod:`.service_sink`, :mod:`.agent`) do.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from recording_sync.watcher import layout
from recording_sync.watcher.ledger import FileRecord, FileState, Ledger, StaleRecord
from recording_sync.watcher.settle import Settler, open_for_writing

log = logging.getLogger(__name__)

HASH_CHUNK = 1024 * 1024
MAX_RETRY_SECONDS = 600.0


@dataclass(frozen=True)
class Match:
    """The session a local recording belongs to."""

    session_id: str
    meeting_id: int
    tenant_id: str = ""
    batch_id: str = ""
    session_title: str = ""
    matched_by: str = ""  # "meeting_id" | "host_and_time"
    session_start: datetime | None = None


class Unmatched(Exception):
    """No session matches the recording; the message says why (shown in the status)."""


class UploadFailed(Exception):
    """The upload failed; the message is safe to show (no token, no signed URL)."""


class WatcherFatal(Exception):
    """Nothing can be sent at all (the agent's token refused): the watcher stops with it."""


@dataclass(frozen=True)
class ReadyFile:
    """A complete recording file, about to be sent."""

    path: Path  # absolute
    relative: str  # under the watched folder, '/'-separated
    size: int
    mtime_ns: int
    extension: str  # lower case, e.g. "mp4"
    recording: layout.LocalRecording


class Sink(Protocol):
    """Where the watcher's files go: the service's storage pipeline, or the edge."""

    async def match(self, found: layout.LocalRecording) -> Match:
        """The session of ``found``, or :class:`Unmatched` saying why there is none."""
        ...

    async def upload(self, ready: ReadyFile, match: Match, record: FileRecord) -> FileRecord:
        """Store ``ready`` as a recording of ``match``'s session and return ``record`` saved
        as uploaded (in the transaction that files the recording, where the sink has one);
        :class:`UploadFailed` (or ``OSError``) when it could not."""
        ...


@dataclass
class WatcherStatus:
    """What ``status()`` shows: the folder, whether it runs, counters, and every record."""

    root: Path
    running: bool
    started_at: datetime | None
    last_event_at: datetime | None
    last_error: str
    records: list[FileRecord] = field(default_factory=list)

    def count(self, state: FileState) -> int:
        return sum(1 for r in self.records if r.state is state)


def sha256_of(path: Path) -> str:
    """The sha256 of a file on disk, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FolderWatcher:
    """Watches ``root`` and sends each complete recording once (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        *,
        sink: Sink,
        ledger: Ledger,
        settle_seconds: float,
        scan_seconds: float,
        zone: tzinfo = UTC,
        events: bool = True,
        clock: Callable[[], float] = time.monotonic,
        writers: Callable[[set[Path]], set[Path] | None] = open_for_writing,
    ) -> None:
        self.root = root
        self._sink = sink
        self._ledger = ledger
        self._settler = Settler(settle_seconds)
        self._scan_seconds = scan_seconds
        self._zone = zone
        self._events = events
        self._clock = clock
        self._writers = writers
        self.records: dict[str, FileRecord] = {}
        self._retry_at: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._observer: Any = None
        self._started_at: datetime | None = None
        self._last_event_at: datetime | None = None
        self._last_error = ""
        self._loaded = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def load(self) -> None:
        """Read the ledger (once): what was sent before is not sent again."""
        if not self._loaded:
            self.records = await self._ledger.load()
            self._loaded = True

    async def start(self) -> None:
        """Begin watching: watchdog's observer (when ``events``) and the scan loop."""
        if self.running:
            return
        await self.load()
        self._stopping = False
        self._started_at = datetime.now(UTC)
        if self._events:
            self._observer = _observe(self.root, asyncio.get_running_loop(), self._poke)
        self._task = asyncio.create_task(self._run(), name=f"watcher:{self.root}")

    async def stop(self) -> None:
        """Stop watching; the file being uploaded, if any, finishes first."""
        self._stopping = True
        self._wake.set()
        if self._observer is not None:
            observer, self._observer = self._observer, None
            await asyncio.to_thread(_stop_observer, observer)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, WatcherFatal):
                await self._task
            self._task = None

    async def wait(self) -> None:
        """Until the watcher stops (raises the :class:`WatcherFatal` that stopped it)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def cancel(self) -> None:
        """Stop now, abandoning an upload in flight (shutdown; it is resumed or redone)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
        await self.stop()

    def _poke(self) -> None:
        self._last_event_at = datetime.now(UTC)
        self._wake.set()

    async def _run(self) -> None:
        gap = max(0.05, min(1.0, self._settler.settle_seconds / 4))
        while not self._stopping:
            try:
                await self.scan_once()
            except asyncio.CancelledError:
                raise
            except WatcherFatal as fatal:
                self._last_error = str(fatal)
                raise
            except Exception as exc:
                self._last_error = _describe(exc)
                log.warning("the folder watcher's scan failed: %s", self._last_error)
            await asyncio.sleep(gap)  # a burst of write events is one scan, not thousands
            wait = self._scan_seconds
            if self._settler.pending:
                wait = min(wait, max(0.05, self._settler.settle_seconds / 4))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    # ------------------------------------------------------------------ one pass

    async def scan_once(self) -> int:
        """Look at every recording file once, send those that are complete; returns how many
        were sent."""
        await self.load()
        now = self._clock()
        found = await asyncio.to_thread(_walk, self.root)
        settled: list[tuple[Path, str, int, int, str]] = []
        for path, relative, size, mtime_ns, extension in found:
            record = self.records.get(relative)
            if record is not None and record.same_file(size, mtime_ns):
                if record.state is FileState.UPLOADED:
                    continue
                if self._retry_at.get(relative, 0.0) > now:
                    continue
            if record is None:
                try:
                    await self._save(FileRecord(path=relative, size=size, mtime_ns=mtime_ns))
                except StaleRecord:  # another replica's watcher found it first
                    self.records = await self._ledger.load()
                    continue
                log.info("the folder watcher found %s", relative)
            if self._settler.observe(relative, size=size, mtime_ns=mtime_ns, now=now):
                settled.append((path, relative, size, mtime_ns, extension))
        present = {relative for _, relative, *_ in found}
        for relative in list(self._retry_at):
            if relative not in present:
                self._retry_at.pop(relative, None)
        if not settled:
            return 0
        busy = self._writers({p for p, *_ in settled}) or set()
        sent = 0
        for path, relative, size, mtime_ns, extension in settled:
            if self._stopping:
                break
            if path in busy:
                self._settler.restart(relative, now)  # Zoom still converts into it
                continue
            if await self._process(path, relative, size, mtime_ns, extension):
                sent += 1
        return sent

    async def _save(self, record: FileRecord) -> FileRecord:
        saved = await self._ledger.put(record)
        self.records[record.path] = saved
        return saved

    def _later(self, record: FileRecord) -> None:
        pause = min(MAX_RETRY_SECONDS, self._scan_seconds * 2 ** max(0, record.attempts - 1))
        self._retry_at[record.path] = self._clock() + pause

    async def _process(
        self, path: Path, relative: str, size: int, mtime_ns: int, extension: str
    ) -> bool:
        record = self.records[relative]
        try:
            if record.state is FileState.UPLOADED:
                # Touched, copied back or converted again: send it only if its bytes differ.
                if await asyncio.to_thread(sha256_of, path) == record.sha256:
                    await self._save(record.changed(size=size, mtime_ns=mtime_ns))
                    self._settler.forget(relative)
                    return False
                record = FileRecord(
                    path=relative, size=size, mtime_ns=mtime_ns, version=record.version
                )
            found = layout.describe(
                PurePosixPath(relative), self._zone, metadata=_metadata(path.parent)
            )
            record = record.changed(
                size=size,
                mtime_ns=mtime_ns,
                meeting_id=found.meeting_id or 0,
                topic=found.topic,
                recording_start=found.start,
            )
            try:
                match = await self._sink.match(found)
            except Unmatched as why:
                record = await self._save(
                    record.changed(state=FileState.UNMATCHED, error=str(why), attempts=0)
                )
                log.info("no session matches %s: %s", relative, why)
                self._retry_at[relative] = self._clock() + self._scan_seconds
                return False
            record = await self._save(
                record.changed(
                    state=FileState.UPLOADING,
                    attempts=record.attempts + 1,
                    tenant_id=match.tenant_id,
                    session_id=match.session_id,
                    meeting_id=match.meeting_id or record.meeting_id,
                    error="",
                )
            )
            ready = ReadyFile(path, relative, size, mtime_ns, extension, found)
            try:
                final = await self._sink.upload(ready, match, record)
            except (UploadFailed, OSError) as exc:
                message = _describe(exc)
                record = await self._save(record.changed(state=FileState.FAILED, error=message))
                self._last_error = f"{relative}: {message}"
                log.warning("the folder watcher could not upload %s: %s", relative, message)
                self._later(record)
                return False
        except StaleRecord:
            # Another replica's watcher has the file: leave it to it, look again later.
            self.records = await self._ledger.load()
            self._retry_at[relative] = self._clock() + self._scan_seconds
            return False
        self.records[relative] = final
        self._settler.forget(relative)
        self._retry_at.pop(relative, None)
        log.info("the folder watcher uploaded %s as recording %s", relative, final.recording_id)
        return True

    @property
    def settling(self) -> int:
        """Files still being written or waiting to settle (what ``--once`` waits for)."""
        waiting = (FileState.SETTLING, FileState.UPLOADING)
        return sum(
            1
            for key in self._settler.growing()
            if (record := self.records.get(key)) is not None and record.state in waiting
        )

    # ------------------------------------------------------------------ status

    def status(self) -> WatcherStatus:
        records = sorted(self.records.values(), key=lambda r: r.updated_at, reverse=True)
        return WatcherStatus(
            root=self.root,
            running=self.running,
            started_at=self._started_at if self.running else None,
            last_event_at=self._last_event_at,
            last_error=self._last_error,
            records=records,
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {Path(str(exc.filename)).name}" if exc.filename else "")
    return " ".join(str(exc).split())[:500] or type(exc).__name__


def _walk(root: Path) -> list[tuple[Path, str, int, int, str]]:
    """(absolute path, relative path, size, mtime_ns, extension) of every recording file under
    ``root``: symbolic links are never followed (nothing outside the folder is read), hidden
    folders are skipped."""
    found = []
    base = root.resolve(strict=True)
    if not base.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    for folder, dirs, files in os.walk(base, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            extension = layout.recording_extension(name)
            if extension is None:
                continue
            path = Path(folder, name)
            try:
                info = path.lstat()
            except OSError:
                continue  # renamed or removed meanwhile
            if not stat.S_ISREG(info.st_mode):
                continue  # a symlink, a device: never read through it
            relative = path.relative_to(base).as_posix()
            found.append((path, relative, info.st_size, info.st_mtime_ns, extension))
    return found


def _metadata(folder: Path) -> str:
    """The text of the folder's metadata file (for a meeting id its name lacks), if any."""
    for name in layout.METADATA_NAMES:
        candidate = folder / name
        try:
            if candidate.is_symlink() or not candidate.is_file():
                continue
            with candidate.open("rb") as handle:
                return handle.read(layout.METADATA_MAX_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
    return ""


def _observe(root: Path, loop: asyncio.AbstractEventLoop, poke: Callable[[], None]) -> Any:
    """watchdog's observer on ``root``, calling ``poke`` (in the loop) on every event that can
    mean a new or finished recording: created, modified, closed, and moved into its name."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class _Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("created", "modified", "moved", "closed"):
                loop.call_soon_threadsafe(poke)

    observer = Observer()
    observer.schedule(_Handler(), str(root), recursive=True)
    observer.daemon = True
    observer.start()
    return observer


def _stop_observer(observer: Any) -> None:
    observer.stop()
    observer.join(timeout=5)


__all__ = [
    "FolderWatcher",
    "Match",
    "ReadyFile",
    "Sink",
    "Unmatched",
    "UploadFailed",
    "WatcherFatal",
    "WatcherStatus",
    "sha256_of",
]
