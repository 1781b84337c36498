"""``python -m recording_sync.copy_file URL KEY``: copy one Zoom recording file by hand.

For the file a sync job gave up on, or one a person was sent a link to: an operator copies it
into the storage the usual recording-sync settings describe (``S3_BUCKET``, else
``LOCAL_STORAGE_DIR``), through the same downloader and transfer engine as the service, so the
copy is held to the same rules — the size and sha256 of the whole file proven, the object
visible only once complete, an HTML page or JSON error body never stored.

- **The token stays out of argv.** A Zoom access token, when one is needed, is read from
  ``ZOOM_ACCESS_TOKEN``: arguments show in ``ps`` and in shell history. It is sent only to the
  URL's host (never across a redirect), and no output names it or a URL's query.
- **Hosts.** Redirects may go to the ``--allow-host`` hosts (``*.zoom.us`` patterns allowed),
  else to ``ZOOM_DOWNLOAD_HOSTS``, else only to the URL's own host. When ``ZOOM_DOWNLOAD_HOSTS``
  is set it also binds the URL's host and every redirect, as it does for the service: this
  command downloads from no host the service would refuse.
- **Resumable.** With ``--checkpoint PATH`` each checkpoint of the upload is written to PATH
  (atomically); a run that finds PATH resumes where it stands, asking only for the rest of the
  file, and PATH is removed once the object is stored.
- **Output.** Progress on stderr (a ``rich`` bar on a terminal, a plain line every 10 %
  otherwise); the stored object as one JSON line on stdout. Exit 0 stored, 1 failed (one line
  on stderr says why), 2 bad arguments, 130 interrupted (Ctrl-C: resumable like a crash).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import mimetypes
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO
from urllib.parse import urlsplit

# The downloader, the storage backends and the settings are imported where used: httpx, boto3
# and pydantic take seconds to import, and a mistyped command should answer at once.
from recording_sync.adapters.storage_base import (
    CheckpointCallback,
    IntegrityError,
    ObjectStorage,
    ProgressCallback,
    Resume,
    StorageError,
    StoredObject,
    validate_key,
)
from recording_sync.domain.model import DownloadAccess, SyncFailure

if TYPE_CHECKING:
    from recording_sync.adapters.downloader import Body, Downloader
    from recording_sync.settings import Settings

__all__ = ["TOKEN_ENV", "CopyError", "CopyRequest", "copy_file", "main"]

TOKEN_ENV = "ZOOM_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a token
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
CHECKPOINT_VERSION = 1
_PROG = "python -m recording_sync.copy_file"
# Plain http carries the token in clear text: allowed only to this machine (a Zoom simulator).
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_PLAIN_STEP_UNKNOWN = 64 * 1024 * 1024  # a plain progress line this often when the size is unknown
_DEFAULT_TYPE = "application/octet-stream"


def safe_url(url: str) -> str:
    """``scheme://host/path`` of ``url``: what output may name (its query can be a credential).
    The downloader's own function, imported when first needed."""
    from recording_sync.adapters.downloader import safe_url as without_query

    return without_query(url)


def check_key(key: str) -> str:
    """``key`` if the storage accepts it, else ``ValueError`` naming it (before any I/O)."""
    try:
        return validate_key(key)
    except ValueError as exc:
        raise ValueError(f"bad key {key!r}: {exc}") from None


class CopyError(Exception):
    """A problem of this command rather than of Zoom or the storage (a checkpoint file that is
    not this copy's): exit 1 with the message."""


@dataclass(frozen=True)
class CopyRequest:
    """What the operator asked for, checked: ``size`` 0 = not known."""

    url: str
    key: str
    size: int
    content_type: str
    checkpoint: Path | None
    allow_hosts: tuple[str, ...]

    def __repr__(self) -> str:  # a URL's query can be a credential
        return f"CopyRequest(url={safe_url(self.url)!r}, key={self.key!r}, size={self.size})"


# --- progress ---------------------------------------------------------------------------------


class Reporter(Protocol):
    """Shows a copy's progress: the file's bytes read so far (the live figure) and the bytes
    durably stored (what a resumed run would not download again)."""

    def note(self, message: str) -> None:
        """A line of information (resuming, starting over)."""
        ...

    def start(self, offset: int, total: int | None) -> None:
        """The download begins at byte ``offset`` of a file of ``total`` bytes (``None``: not
        known)."""
        ...

    def read(self, done: int) -> None:
        """The first ``done`` bytes of the file have been received."""
        ...

    def durable(self, done: int) -> None:
        """The first ``done`` bytes of the file are stored durably."""
        ...

    def close(self) -> None:
        """Stop any live display, so what follows on stderr is not drawn over."""
        ...


def _bytes(n: float) -> str:
    """``n`` bytes for people, in decimal units as ``rich``'s columns show them (one output
    whether stderr is a terminal or not)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def _duration(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class PlainReporter:
    """One line per tenth of the file (per 64 MiB when its size is unknown): what a log file or
    a CI job can keep, where a redrawn bar would be a wall of control characters."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._total: int | None = None
        self._begin = 0
        self._began_at = 0.0
        self._next = 0
        self._durable = 0
        self._done = 0
        self._last_printed = -1

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def note(self, message: str) -> None:
        self._line(message)

    def _step(self) -> int:
        if self._total:
            return max(1, math.ceil(self._total / 10))
        return _PLAIN_STEP_UNKNOWN

    def start(self, offset: int, total: int | None) -> None:
        self._total = total or None
        self._begin = offset
        self._began_at = self._clock()
        step = self._step()
        self._next = (offset // step + 1) * step
        self._done = offset
        self._last_printed = -1

    def read(self, done: int) -> None:
        self._done = done
        if done < self._next or done == self._total:  # the last line is close()'s
            return
        step = self._step()
        self._next = (done // step + 1) * step
        self._report(done)

    def durable(self, done: int) -> None:
        self._durable = max(self._durable, done)

    def _report(self, done: int) -> None:
        if done == self._last_printed:
            return
        self._last_printed = done
        elapsed = self._clock() - self._began_at
        speed = (done - self._begin) / elapsed if elapsed > 0 else 0.0
        parts = []
        if self._total:
            percent = min(100, done * 100 // self._total)
            parts.append(f"{percent:3d}% {_bytes(done)} of {_bytes(self._total)}")
        else:
            parts.append(_bytes(done))
        parts.append(f"{_bytes(speed)}/s")
        if self._total and speed > 0 and done < self._total:
            parts.append(f"ETA {_duration((self._total - done) / speed)}")
        parts.append(f"stored {_bytes(self._durable)}")
        self._line(", ".join(parts))

    def close(self) -> None:
        """The last figure, unless just printed: with what is stored by then, for a file of
        unknown size under 64 MB the only one, and for a failed copy how far it got."""
        if self._done > self._begin:
            self._report(self._done)


class RichReporter:
    """A live ``rich`` bar on a terminal: bytes done of the total, speed, time left, and how
    much is durably stored (the part a rerun would not fetch again)."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TaskID,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._console = Console(file=stream)
        self._progress = Progress(
            TextColumn("[bold]copy"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TextColumn("stored {task.fields[stored]}"),
            console=self._console,
            redirect_stdout=False,  # stdout is the JSON result's
            redirect_stderr=False,
        )
        self._task: TaskID | None = None
        self._live = False

    def note(self, message: str) -> None:
        self._console.print(message, markup=False, highlight=False)

    def start(self, offset: int, total: int | None) -> None:
        if self._task is not None:  # a second start: the copy began again from byte 0
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task("copy", total=total, completed=offset, stored="-")
        if not self._live:
            self._progress.start()
            self._live = True

    def read(self, done: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=done)

    def durable(self, done: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, stored=_bytes(done))

    def close(self) -> None:
        if self._live:
            self._progress.stop()
            self._live = False


def make_reporter(stream: TextIO) -> Reporter:
    """A live bar when ``stream`` is a terminal (and ``rich`` is installed: it is not a runtime
    dependency of the service), else plain lines."""
    if stream.isatty():
        try:
            return RichReporter(stream)
        except ImportError:
            pass
    return PlainReporter(stream)


class _CountedBody:
    """The download's bytes, counted as they pass to the storage (``offset`` forwarded): the bar
    moves with the network, not only at each durable checkpoint (every 64 MiB locally)."""

    def __init__(self, body: Body, on_read: Callable[[int], None]) -> None:
        self.offset = body.offset
        self._chunks = aiter(body)
        self._done = body.offset
        self._on_read = on_read

    def __aiter__(self) -> _CountedBody:
        return self

    async def __anext__(self) -> bytes:
        chunk = await anext(self._chunks)
        self._done += len(chunk)
        self._on_read(self._done)
        return chunk


async def _nothing() -> AsyncIterator[bytes]:
    """No bytes: a resumed copy that had stored them all only completes."""
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk


# --- the checkpoint file ----------------------------------------------------------------------


class CheckpointFile:
    """``--checkpoint PATH``: the upload's last checkpoint, with what it is a copy of.

    A checkpoint names only the storage's temporary upload, so resuming it with another file's
    bytes would store a mixture of two files: the file therefore records the source
    (``scheme://host/path``, never the query) and the key, and a run for another copy refuses it
    rather than resume or overwrite it. Written through a temporary file, fsynced, then
    ``os.replace``: a crash leaves the previous checkpoint or the new one, never half of one.
    """

    def __init__(self, path: Path, request: CopyRequest) -> None:
        if not path.parent.is_dir():  # found now, not at the first checkpoint 64 MiB in
            raise CopyError(f"the folder of checkpoint {path} does not exist")
        self.path = path
        self._source = safe_url(request.url)
        self._key = request.key
        self._size = request.size

    def load(self) -> str | None:
        """The storage token saved at PATH, or ``None`` when there is no file (a new copy)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CopyError(f"cannot read checkpoint {self.path}: {exc.strerror}") from None
        try:
            saved = json.loads(text)
        except ValueError:
            saved = None
        if (
            not isinstance(saved, dict)
            or saved.get("v") != CHECKPOINT_VERSION
            or not isinstance(saved.get("resume"), str)
        ):
            raise CopyError(
                f"{self.path} is not a copy_file checkpoint: remove it or choose another "
                "--checkpoint"
            )
        size = saved.get("size") or 0
        if (
            saved.get("source") != self._source
            or saved.get("key") != self._key
            or (self._size and size and size != self._size)
        ):
            raise CopyError(
                f"checkpoint {self.path} belongs to another copy ({saved.get('source')} to "
                f"{saved.get('key')!r}): remove it or choose another --checkpoint"
            )
        token: str = saved["resume"]
        return token

    async def save(self, point: Resume) -> None:
        body = {
            "v": CHECKPOINT_VERSION,
            "source": self._source,
            "key": self._key,
            "size": self._size,
            "offset": point.size if point.completing else point.offset,
            "resume": point.token(),
        }
        await asyncio.to_thread(self._write, json.dumps(body) + "\n")

    def _write(self, text: str) -> None:
        folder = self.path.parent
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


# --- the copy ---------------------------------------------------------------------------------


def _hosts(text: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in text.split(",") if h.strip())


def download_access(request: CopyRequest, *, token: str, settings: Settings) -> DownloadAccess:
    """What the downloader needs: the token for the URL's host only; redirects to the
    ``--allow-host`` hosts, else the configured download hosts, else the URL's host."""
    host = urlsplit(request.url).hostname or ""
    redirects = request.allow_hosts or _hosts(settings.zoom_download_hosts) or (host,)
    suffix = Path(request.key).suffix.lstrip(".")
    return DownloadAccess(
        url=request.url,
        token=token,
        credential_hosts=(host,),
        redirect_hosts=redirects,
        size=request.size,
        # The key's extension says what file this must be, so a JSON error body is refused
        # for an .mp4 (an HTML page always is).
        extension=suffix.upper() if suffix.isalnum() else "",
    )


async def copy_file(
    request: CopyRequest, *, token: str, settings: Settings, reporter: Reporter
) -> StoredObject:
    """Download ``request.url`` into ``request.key`` of the configured storage, resuming from
    and maintaining the checkpoint file when there is one; return the stored object."""
    from recording_sync.adapters.downloader import Downloader
    from recording_sync.adapters.storage import create_storage

    check_key(request.key)  # before any download or storage access
    checkpoint = CheckpointFile(request.checkpoint, request) if request.checkpoint else None
    saved = checkpoint.load() if checkpoint is not None else None
    access = download_access(request, token=token, settings=settings)
    downloader = Downloader(local_hosts=_hosts(settings.zoom_download_hosts))
    try:
        async with create_storage(settings) as storage:
            await storage.ensure_ready(create=settings.s3_create_bucket)
            resume = await storage.resume(request.key, saved) if saved is not None else None
            if saved is not None and resume is None:
                reporter.note("the checkpoint no longer matches what is stored: starting over")
            stored = await _transfer(
                storage, downloader, access, request, checkpoint, resume, reporter
            )
    finally:
        reporter.close()
        await downloader.close()
    if checkpoint is not None:
        checkpoint.remove()
    return stored


async def _transfer(
    storage: ObjectStorage,
    downloader: Downloader,
    access: DownloadAccess,
    request: CopyRequest,
    checkpoint: CheckpointFile | None,
    resume: Resume | None,
    reporter: Reporter,
) -> StoredObject:
    expected = request.size or None

    async def progressed(done: int) -> None:
        reporter.durable(done)

    on_checkpoint: CheckpointCallback | None = checkpoint.save if checkpoint else None
    if resume is not None and (resume.completing or (expected and resume.offset == expected)):
        # Every byte was stored before the interruption (a range from the end would be a 416):
        # only the completion is left.
        reporter.note("every byte was stored before: completing the copy")
        return await storage.put_stream(
            request.key,
            _nothing(),
            content_type=request.content_type,
            expected_size=expected,
            on_progress=progressed,
            resume=resume,
            on_checkpoint=on_checkpoint,
        )
    offset = resume.offset if resume is not None else 0
    if resume is not None:
        reporter.note(f"resuming at byte {offset} ({_bytes(offset)} already stored)")
    async with downloader.open(access, offset=offset) as body:
        if body.offset == offset:
            return await _store(storage, body, request, resume, progressed, on_checkpoint, reporter)
        if body.offset == 0:
            # The server ignored the range; what was stored is left to the janitor (or to the
            # bucket's rule for abandoned uploads).
            reporter.note("the server sent the whole file again: starting over")
            return await _store(storage, body, request, None, progressed, on_checkpoint, reporter)
    # A range that starts elsewhere is of no use: ask again for the whole file.
    reporter.note("the server answered another range: starting over")
    async with downloader.open(access) as body:
        return await _store(storage, body, request, None, progressed, on_checkpoint, reporter)


async def _store(
    storage: ObjectStorage,
    body: Body,
    request: CopyRequest,
    resume: Resume | None,
    on_progress: ProgressCallback,
    on_checkpoint: CheckpointCallback | None,
    reporter: Reporter,
) -> StoredObject:
    reporter.start(body.offset, request.size or None)
    reporter.durable(body.offset)
    return await storage.put_stream(
        request.key,
        _CountedBody(body, reporter.read),
        content_type=request.content_type,
        expected_size=request.size or None,
        on_progress=on_progress,
        resume=resume,
        on_checkpoint=on_checkpoint,
    )


# --- the command line -------------------------------------------------------------------------


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of bytes: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a size cannot be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description=(
            "Copy one Zoom recording file into the storage the recording-sync settings "
            "describe. A Zoom access token, if the URL needs one, is read from "
            f"{TOKEN_ENV} (never give it as an argument)."
        ),
    )
    parser.add_argument("url", metavar="URL", help="the file's download_url (https)")
    parser.add_argument("key", metavar="KEY", help="the object key to store it under")
    parser.add_argument(
        "--size", type=_size, default=0, help="the file's size in bytes, as Zoom lists it"
    )
    parser.add_argument(
        "--content-type", default=None, help="the object's content type (default: from KEY)"
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        metavar="PATH",
        help="keep the copy's checkpoint here, and resume from it if it exists",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host redirects may go to (repeatable; *.example.com allowed); default: "
        "ZOOM_DOWNLOAD_HOSTS, else the URL's host",
    )
    return parser


def parse_args(argv: Sequence[str] | None) -> CopyRequest:
    """The request, or exit 2 with argparse's message (naming no URL query)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    url: str = args.url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        parser.error(f"URL must be an https URL, not {safe_url(url)}")
    if parts.scheme == "http" and host not in _LOOPBACK:
        parser.error("URL must be https (plain http only to this machine, e.g. a Zoom simulator)")
    key: str = args.key
    content_type = args.content_type or mimetypes.guess_type(key)[0] or _DEFAULT_TYPE
    return CopyRequest(
        url=url,
        key=key,
        size=args.size,
        content_type=content_type,
        checkpoint=args.checkpoint,
        allow_hosts=tuple(h.strip() for h in args.allow_host if h.strip()),
    )


def _scrub(text: str, url: str, token: str) -> str:
    """``text`` with the token, the URL and its query replaced: whatever a message names."""
    query = urlsplit(url).query
    if url in text:
        text = text.replace(url, safe_url(url))
    for secret in (token, query):
        if secret:
            text = text.replace(secret, "***")
    return text


def _result(stored: StoredObject) -> str:
    body: dict[str, Any] = {"key": stored.key, "size": stored.size, "sha256": stored.sha256}
    if stored.etag:
        body["etag"] = stored.etag
    return json.dumps(body)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    out, err = sys.stdout, sys.stderr
    request = parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "").strip()
    # The downloader logs a refusal as a warning, and the error line below says it again.
    logging.basicConfig(level=logging.ERROR, stream=err, format="%(levelname)s: %(message)s")
    reporter = make_reporter(err)
    try:
        check_key(request.key)
        from recording_sync.settings import load

        settings = load()
        stored = asyncio.run(copy_file(request, token=token, settings=settings, reporter=reporter))
    except KeyboardInterrupt:
        resumable = request.checkpoint is not None and request.checkpoint.exists()
        hint = " (run again with the same --checkpoint to resume)" if resumable else ""
        err.write(f"copy interrupted{hint}\n")
        return EXIT_INTERRUPTED
    except (SyncFailure, StorageError, CopyError, ValueError, OSError) as exc:
        message = _scrub(_describe(exc), request.url, token)
        resumable = (
            request.checkpoint is not None
            and request.checkpoint.exists()
            and not isinstance(exc, IntegrityError | CopyError | ValueError)
        )
        hint = " (run again with the same --checkpoint to resume)" if resumable else ""
        err.write(f"copy failed: {message}{hint}\n")
        return EXIT_FAILED
    out.write(_result(stored) + "\n")
    out.flush()
    return EXIT_OK


def _describe(exc: BaseException) -> str:
    """One line for people: the failure's own words (which name no credential), its kind."""
    if isinstance(exc, SyncFailure):
        return f"{exc.message} ({exc.label})"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or type(exc).__name__}{where}"
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
