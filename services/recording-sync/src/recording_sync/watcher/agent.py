"""``python -m recording_sync watch PATH --edge URL``: the folder watcher on a teacher's computer.

Watches PATH (Zoom's local recordings folder, e.g. ``~/Documents/Zoom``) and uploads each
recording Zoom finishes there to the teacher's session through the edge (:mod:`.edge_sink`:
the session is asked of ``/api/v1/monitor/match``, the bytes go through the tus upload API,
resumable). The same core as the service's watcher (:mod:`.engine`) decides when a file is
complete and what was sent.

- **The token** comes from ``--token-file`` or ``CLASSBRIDGE_TOKEN`` (never an argument: argv
  shows in ``ps``); it is sent to the edge only and never printed or logged.
- **State** (``--state-dir``, default ``~/.classbridge/watch``): ``ledger.json`` (what was sent,
  so a restart sends nothing twice, and each file's state and error) and ``uploads.json`` (the
  tus URL of each upload in progress, so a killed agent resumes where the server stands).
- **Output**: a ``rich`` progress line on a terminal (plain lines otherwise) on stderr, a line
  per file sent, unmatched or failed, and a summary at the end. ``--once`` scans, sends what is
  complete and exits (0 when nothing failed, 1 otherwise); without it the agent runs until
  Ctrl-C. Exit 2 for bad arguments, 3 when the edge refuses the token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from recording_sync.watcher.edge_sink import DEFAULT_CHUNK_BYTES, AgentStopped, EdgeSink, UrlStore
from recording_sync.watcher.engine import FolderWatcher
from recording_sync.watcher.ledger import FileRecord, FileState, JsonLedger

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

TOKEN_ENV = "CLASSBRIDGE_TOKEN"  # noqa: S105 - the variable's name
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
PROG = "python -m recording_sync watch"


class Display:
    """Progress on stderr: a live ``rich`` bar on a terminal, plain lines (every 10 %)
    otherwise, so a log file stays readable."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._name = ""
        self._step: dict[str, int] = {}

    def line(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            self._stream.write(text + "\n")
            self._stream.flush()

    def progress(self, name: str, done: int, size: int) -> None:
        if self._live:
            self._rich(name, done, size)
            return
        tenth = max(1, size // 10)
        step = done // tenth
        if step != self._step.get(name) or done == size:
            self._step[name] = step
            percent = done * 100 // size if size else 100
            self.line(f"{name}: {percent}% ({done} of {size} bytes)")

    def _rich(self, name: str, done: int, size: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        if self._progress is None:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
            )
            self._progress.start()
        if self._task is None or self._name != name:
            if self._task is not None:
                self._progress.remove_task(self._task)
            self._task = self._progress.add_task(name[-40:], total=size, completed=done)
            self._name = name
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Watch Zoom's local recordings folder and upload each finished recording to its "
            f"Classbridge session through the edge. The token is read from --token-file or "
            f"{TOKEN_ENV} (never give it as an argument)."
        ),
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="Zoom's local recordings folder")
    parser.add_argument("--edge", required=True, metavar="URL", help="the Classbridge edge")
    parser.add_argument("--token-file", type=Path, metavar="FILE", help="a file holding the token")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path.home() / ".classbridge" / "watch",
        metavar="DIR",
        help="where the agent remembers what it sent (default: ~/.classbridge/watch)",
    )
    parser.add_argument(
        "--settle", type=float, default=10.0, metavar="SECONDS", help="quiet time of a file"
    )
    parser.add_argument("--scan", type=float, default=15.0, metavar="SECONDS", help="rescan every")
    parser.add_argument(
        "--timezone", default="", metavar="ZONE", help="the zone of folder times (default: local)"
    )
    parser.add_argument(
        "--chunk-mib", type=int, default=DEFAULT_CHUNK_BYTES // (1024 * 1024), metavar="MIB"
    )
    parser.add_argument("--once", action="store_true", help="send what is complete, then exit")
    return parser


def _token(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.token_file is not None:
        try:
            token = str(args.token_file.read_text(encoding="utf-8")).strip()
        except OSError as exc:
            parser.error(f"cannot read --token-file: {exc.strerror}")
    else:
        token = str(os.environ.get(TOKEN_ENV, "")).strip()
    if not token:
        parser.error(f"no token: give --token-file or set {TOKEN_ENV}")
    if any(c.isspace() for c in token):
        parser.error("the token file must hold one token")
    return token


def _zone(name: str, parser: argparse.ArgumentParser) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(f"unknown time zone {name!r}")


def state_folder(base: Path, watched: Path) -> Path:
    """One state folder per watched folder, under ``--state-dir``."""
    return base / hashlib.sha256(str(watched).encode()).hexdigest()[:16]


def summary(records: Sequence[FileRecord]) -> str:
    counts = {state: sum(1 for r in records if r.state is state) for state in FileState}
    return (
        f"{counts[FileState.UPLOADED]} uploaded, {counts[FileState.UNMATCHED]} unmatched, "
        f"{counts[FileState.FAILED]} failed, "
        f"{counts[FileState.SETTLING] + counts[FileState.UPLOADING]} waiting"
    )


async def run(args: argparse.Namespace, token: str, zone: ZoneInfo | None, out: Display) -> int:
    watched = args.path.expanduser().resolve()
    state = state_folder(args.state_dir.expanduser(), watched)
    ledger = JsonLedger(state / "ledger.json")
    sink = EdgeSink(
        edge=args.edge,
        token=token,
        ledger=ledger,
        urls=UrlStore(state / "uploads.json"),
        chunk_bytes=max(1, args.chunk_mib) * 1024 * 1024,
        progress=out.progress,
        note=out.line,
    )
    local = zone or _local_zone()
    watcher = FolderWatcher(
        watched,
        sink=sink,
        ledger=ledger,
        settle_seconds=args.settle,
        scan_seconds=args.scan,
        zone=local,
        events=not args.once,
    )
    reported: dict[str, tuple[FileState, str]] = {}

    def report() -> None:
        for note in sink.notes:
            out.line(note)
        sink.notes.clear()
        for record in watcher.records.values():
            seen = (record.state, record.error)
            if reported.get(record.path) == seen or record.state is FileState.SETTLING:
                continue
            reported[record.path] = seen
            if record.state is FileState.UPLOADED:
                out.line(f"uploaded {record.path} -> session {record.session_id}")
            elif record.state is FileState.UNMATCHED:
                out.line(f"unmatched {record.path}: {record.error}")
            elif record.state is FileState.FAILED:
                out.line(f"failed {record.path}: {record.error}")

    try:
        await watcher.load()
        reported.update(
            {
                r.path: (r.state, r.error)
                for r in watcher.records.values()
                if r.state is FileState.UPLOADED
            }
        )
        out.line(f"watching {watched} (state in {state})")
        if args.once:
            await watcher.scan_once()
            while watcher.settling:
                await asyncio.sleep(min(1.0, args.settle / 4))
                await watcher.scan_once()
                report()
        else:
            await watcher.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            ended = asyncio.create_task(watcher.wait())
            while not stop.is_set() and not ended.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)
                report()
            if ended.done():
                ended.result()  # raises the fatal error that stopped it
            ended.cancel()
            await watcher.stop()
    except AgentStopped as refused:
        report()
        out.line(f"stopped: {refused}")
        return EXIT_REFUSED
    finally:
        out.close()
        await sink.close()
    report()
    records = list(watcher.records.values())
    out.line(f"summary: {summary(records)}")
    return EXIT_FAILED if any(r.state is FileState.FAILED for r in records) else EXIT_OK


def _local_zone() -> ZoneInfo:
    """This computer's zone (``TZ``, else ``/etc/localtime``), UTC when it cannot be told."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        with contextlib.suppress(OSError):
            target = os.path.realpath("/etc/localtime")
            if "zoneinfo/" in target:
                name = target.split("zoneinfo/", 1)[1]
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the agent; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    token = _token(args, parser)
    zone = _zone(args.timezone, parser)
    if not args.path.expanduser().is_dir():
        parser.error(f"{args.path} is not a folder")
    if not args.edge.startswith(
        ("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")
    ):
        parser.error("--edge must be https (plain http only to this machine)")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    logging.getLogger("recording_sync.watcher").setLevel(logging.ERROR)  # the display reports
    display = Display(sys.stderr)
    try:
        return asyncio.run(run(args, token, zone, display))
    except KeyboardInterrupt:
        display.close()
        sys.stderr.write("interrupted (run again to resume)\n")
        return 130
    except ValueError as exc:  # an unreadable ledger
        display.close()
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILED


__all__ = ["main", "run", "state_folder", "summary"]
