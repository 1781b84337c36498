"""The deployment's watcher: which folder, started and stopped through the API, and its status.

**Who controls it.** The watched folder is mounted on the recording-sync host and shared by
every tenant of the deployment (its files are filed in whichever tenant their meeting belongs
to), so only platform operators start, stop and re-point it (``access_rules``); a school's admin
and teachers use the agent on their own computers instead (:mod:`.agent`).

**Where it may look.** Only inside ``WATCHER_ROOT``: a path is resolved (symbolic links
followed) and refused unless it lies in the root, and the watcher never follows a link while it
walks, so nothing outside the root is ever read. Without ``WATCHER_ROOT`` there is no watcher on
this host: the status says so and start or re-point is FAILED_PRECONDITION.

**State survives restarts.** Folder, running or not, and the host rule live in
``watcher_state``; a service that starts finds them and resumes (the first start takes
``WATCHER_PATH`` and ``WATCHER_AUTOSTART``). What was sent lives in ``watched_files``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.errors import FailedPrecondition, InvalidArgument, NotFound
from classbridge_common.settings import SettingsError
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.service_layer.reach import Reach
from recording_sync.settings import Settings
from recording_sync.watcher import matching
from recording_sync.watcher.engine import FolderWatcher, Match, Unmatched
from recording_sync.watcher.ledger import FileRecord
from recording_sync.watcher.service_sink import HostRule, ServiceSink, SqlLedger
from recording_sync.watcher.tables import watcher_state as ws

log = logging.getLogger(__name__)

STATE_ID = "default"
MAX_LISTED = 200


@dataclass(frozen=True)
class Snapshot:
    """The watcher as the API shows it."""

    available: bool
    root: str
    path: str
    running: bool
    tenant_id: str
    host_id: str
    settle_seconds: float
    started_at: datetime | None
    last_event_at: datetime | None
    last_error: str
    records: list[FileRecord]


def zone_of(name: str) -> ZoneInfo:
    """``WATCHER_TIMEZONE`` as a zone, or a settings error naming the variable."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"WATCHER_TIMEZONE: unknown time zone {name!r}") from None


class WatcherService:
    """Owns the one :class:`FolderWatcher` of this process and its persisted state."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        storage: ObjectStorage,
        on_commit: object = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._storage = storage
        self._on_commit = on_commit if callable(on_commit) else None
        self._root = settings.watcher_root.resolve() if settings.watcher_root else None
        self._zone = zone_of(settings.watcher_timezone)
        self._watcher: FolderWatcher | None = None
        self._stopping: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self.slack = timedelta(minutes=settings.watcher_match_slack_minutes)

    # ------------------------------------------------------------------ paths

    def resolve(self, path: str) -> tuple[Path, str]:
        """(absolute folder, its path relative to the root) of ``path`` — absolute, or relative
        to the root — or INVALID_ARGUMENT: not inside the root (symbolic links resolved), not
        an existing folder, not readable."""
        root = self._require_root()
        if "\x00" in path or len(path) > 1000:
            raise InvalidArgument("path is not a usable folder path")
        candidate = Path(path) if Path(path).is_absolute() else root / path
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            raise InvalidArgument(
                f"path {path!r} does not exist on the recording-sync host"
            ) from None
        if not resolved.is_relative_to(root):
            raise InvalidArgument(f"path {path!r} is outside the watcher's root (WATCHER_ROOT)")
        if not resolved.is_dir():
            raise InvalidArgument(f"path {path!r} is not a folder")
        try:
            next(resolved.iterdir(), None)
        except OSError:
            raise InvalidArgument(f"path {path!r} cannot be read by recording-sync") from None
        relative = resolved.relative_to(root).as_posix()
        return resolved, "" if relative == "." else relative

    def _require_root(self) -> Path:
        if self._root is None:
            raise FailedPrecondition(
                "this recording-sync has no folder watcher: WATCHER_ROOT is not set"
            )
        return self._root

    # ------------------------------------------------------------------ state

    async def _state(self) -> dict[str, object]:
        async with self._sessions() as session:
            row = (await session.execute(select(ws).where(ws.c.id == STATE_ID))).first()
        if row is None:
            return {
                "path": self._settings.watcher_path.strip().strip("/"),
                "running": self._settings.watcher_autostart,
                "host_tenant_id": "",
                "host_id": "",
            }
        return dict(row._mapping)

    async def _save(self, by: str, **values: object) -> None:
        now = datetime.now(UTC)
        current = await self._state()  # read before the write transaction (SQLite: one writer)
        current.update(values)
        async with self._sessions() as session, session.begin():
            done = await session.execute(
                update(ws)
                .where(ws.c.id == STATE_ID)
                .values(updated_by=by, updated_at=now, **values)
            )
            if not getattr(done, "rowcount", 0):
                await session.execute(
                    insert(ws).values(
                        id=STATE_ID,
                        path=current["path"],
                        running=current["running"],
                        host_tenant_id=current["host_tenant_id"],
                        host_id=current["host_id"],
                        updated_by=by,
                        updated_at=now,
                    )
                )

    def _build(self, folder: Path, prefix: str, state: dict[str, object]) -> FolderWatcher:
        ledger = SqlLedger(self._sessions, prefix=prefix)
        sink = ServiceSink(
            sessions=self._sessions,
            storage=self._storage,
            ledger=ledger,
            slack=self.slack,
            hosts=HostRule(str(state["host_tenant_id"]), str(state["host_id"])),
            on_commit=self._on_commit,
        )
        return FolderWatcher(
            folder,
            sink=sink,
            ledger=ledger,
            settle_seconds=self._settings.watcher_settle_seconds,
            scan_seconds=self._settings.watcher_scan_seconds,
            zone=self._zone,
        )

    # ------------------------------------------------------------------ lifecycle

    async def boot(self) -> None:
        """At start: resume what the state says (a folder that went away is reported, not
        fatal — the service has other work)."""
        if self._root is None:
            return
        state = await self._state()
        if not state["running"]:
            return
        try:
            await self._start(state)
        except (InvalidArgument, FailedPrecondition) as exc:
            log.error("the folder watcher could not resume: %s", exc.message)

    async def close(self) -> None:
        """Shutdown: stop at once (an upload in flight is redone by the next start)."""
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            await watcher.cancel()
        for task in list(self._stopping):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._stopping, return_exceptions=True)

    async def _start(self, state: dict[str, object]) -> None:
        folder, prefix = self.resolve(str(state["path"]))
        watcher = self._build(folder, prefix, state)
        await watcher.start()
        self._watcher = watcher
        log.info("the folder watcher watches %s", folder)

    def _retire(self) -> None:
        """Stop the current watcher in the background: its upload in hand finishes."""
        if self._watcher is None:
            return
        watcher, self._watcher = self._watcher, None
        task = asyncio.create_task(watcher.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def start(self, *, by: str) -> Snapshot:
        """Start watching the set folder (a running watcher is left as it is)."""
        async with self._lock:
            self._require_root()
            if self._watcher is None or not self._watcher.running:
                state = await self._state()
                try:
                    await self._start(state)
                except InvalidArgument as exc:
                    raise FailedPrecondition(f"cannot start the watcher: {exc.message}") from None
                await self._save(by, running=True)
        return await self.status()

    async def stop(self, *, by: str) -> Snapshot:
        async with self._lock:
            self._require_root()
            self._retire()
            await self._save(by, running=False)
        return await self.status()

    async def set_path(self, path: str, *, tenant_id: str, host_id: str, by: str) -> Snapshot:
        """Watch ``path`` from now on (restarting the watcher there if it runs)."""
        if host_id and not tenant_id:
            raise InvalidArgument("tenant_id is required with host_id")
        if len(tenant_id) > 64 or len(host_id) > 64:
            raise InvalidArgument("tenant_id and host_id are at most 64 characters")
        if not path.strip():
            raise InvalidArgument("path is required")
        async with self._lock:
            _, prefix = self.resolve(path.strip())
            was_running = self._watcher is not None and self._watcher.running
            self._retire()
            await self._save(by, path=prefix, host_tenant_id=tenant_id, host_id=host_id)
            if was_running:
                await self._start(await self._state())
        return await self.status()

    async def status(self) -> Snapshot:
        state = await self._state() if self._root is not None else {}
        watcher = self._watcher
        if watcher is not None:
            seen = watcher.status()
            records, running = seen.records, seen.running
            started, last_event, last_error = seen.started_at, seen.last_event_at, seen.last_error
        else:
            records, running, started, last_event, last_error = [], False, None, None, ""
            if self._root is not None:
                records = sorted(
                    (await SqlLedger(self._sessions, prefix=str(state["path"])).load()).values(),
                    key=lambda r: r.updated_at,
                    reverse=True,
                )
        return Snapshot(
            available=self._root is not None,
            root=str(self._root or ""),
            path=str(self._root / str(state["path"])) if self._root is not None else "",
            running=running,
            tenant_id=str(state.get("host_tenant_id", "")),
            host_id=str(state.get("host_id", "")),
            settle_seconds=self._settings.watcher_settle_seconds,
            started_at=started,
            last_event_at=last_event,
            last_error=last_error,
            records=records,
        )


async def match_for_caller(
    *,
    reach: Reach,
    sessions: async_sessionmaker[AsyncSession],
    meeting_id: int,
    start: datetime | None,
    slack: timedelta,
) -> Match:
    """The caller's session a local recording is of (the agent asks before it uploads): a
    session of ``meeting_id`` in the caller's tenant that the caller manages, nearest
    ``start``; without a meeting id, the caller's own session (as its teacher or Zoom host) at
    ``start``. NOT_FOUND with the reason otherwise — also when the meeting is someone else's
    (the same answer as for an unknown one: nothing of another's is revealed)."""
    reach.require_manager()
    subject = reach.caller.subject
    async with sessions() as session:
        found = await matching.candidates(
            reach.rows(session),
            meeting_id=meeting_id or None,
            start=start,
            hosts=(subject,),
            slack=slack,
        )
    mine = [c for c in found if c.teacher_id == subject or await reach.manages(c.batch_id)]
    try:
        return matching.choose(
            mine, meeting_id=meeting_id or None, start=start, slack=slack, host=subject
        )
    except Unmatched as why:
        raise NotFound(f"no session matches the recording: {why}") from None


__all__ = ["Snapshot", "WatcherService", "match_for_caller", "zone_of"]
