"""Object storage in a local folder: the embedded default (``LOCAL_STORAGE_DIR``).

A key ``videos/b-1/x.mp4`` is the file ``<root>/videos/b-1/x.mp4``. Alongside each object a
hidden ``.<name>.meta`` file records its sha256, size and content type, so :meth:`head` answers
without reading the data.

How a write stays invisible until it is whole and verified: the bytes go to a hidden temporary
file in the same folder (``.<name>.partial-<random>``) through the shared pipeline
(:mod:`recording_sync.adapters.pipeline`: parts from one pool, several ``pwrite`` at their
offsets while the download goes on), hashed as they pass; once the stream ends and matches what
was expected, the file is fsynced, its metadata file is written (itself through a temporary file
and ``os.replace``), and only then is the data renamed into place with ``os.replace`` — atomic
on one filesystem. Every ``progress_bytes`` the file is fsynced and ``on_progress`` /
``on_checkpoint`` are told; a checkpoint names the temporary file, so a copy that resumes
reopens it, cuts it back to the checkpoint and goes on. Any failure (or cancellation, or an
exception from ``on_progress``) deletes the temporary files — unless the write is resumable
(``on_checkpoint``) and the failure is not an :class:`IntegrityError`. A crash can leave a
temporary file behind; :meth:`LocalStorage.remove_abandoned` removes those idle for long
enough. The metadata names the data file's inode (a rename keeps it), so a reader can tell
when a crash or a concurrent write left metadata that does not belong to the data beside it;
``head`` then recomputes the checksum from the data rather than trusting it.

Playback: these files are served by the service itself (``entrypoints/files.py``) at
``/files/<key>``, behind an HMAC signature over the key, expiry, download name and content type
(:func:`sign_resource`), so a URL cannot be altered to reach another file or outlive its expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import hashlib
import json
import logging
import mimetypes
import os
import re
import secrets
import stat
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, Self, TypeVar
from urllib.parse import quote, urlencode

from classbridge_common.crypto import sign_url_token, verify_url_token
from recording_sync.adapters.pipeline import Checkpoint, PartPool, begin, pump
from recording_sync.adapters.resumable_sha256 import restore_digest
from recording_sync.adapters.storage_base import (
    CheckpointCallback,
    IntegrityError,
    ProgressCallback,
    Resume,
    StorageError,
    StorageNotReady,
    StoredObject,
    safe_download_name,
    validate_key,
)

__all__ = ["FILES_PATH_PREFIX", "LocalStorage", "OpenedObject", "resource_of", "sign_resource"]

log = logging.getLogger(__name__)

T = TypeVar("T")

FILES_PATH_PREFIX = "/files/"
WRITE_BUFFER_BYTES = 1024 * 1024  # read size when a checksum must be recomputed
PART_BYTES = 8 * 1024 * 1024  # one pwrite; the pipeline's unit
PROGRESS_BYTES = 64 * 1024 * 1024  # fsync and checkpoint (on_progress) this often
_DEFAULT_TYPE = "application/octet-stream"
# Temporary files: hidden (no key has a hidden segment) and marked, so the janitor can tell them.
_PARTIAL = ".partial-"
_PARTIAL_RE = re.compile(r"^\..*\.partial-[0-9a-f]{16}$")


def resource_of(key: str, download_name: str | None, content_type: str | None) -> str:
    """What a file URL's signature covers: the key, download name and content type (the expiry
    is added by :func:`~classbridge_common.crypto.sign_url_token`). JSON keeps it unambiguous."""
    return json.dumps([key, download_name, content_type], separators=(",", ":"))


def sign_resource(
    signing_key: bytes,
    key: str,
    *,
    expires_at: int,
    download_name: str | None,
    content_type: str | None,
) -> str:
    """The ``sig`` query value of a file URL."""
    token = sign_url_token(
        signing_key, resource_of(key, download_name, content_type), expires_at=expires_at
    )
    return token.partition(".")[2]


def verify_resource(
    signing_key: bytes,
    key: str,
    *,
    exp: str,
    sig: str,
    download_name: str | None,
    content_type: str | None,
) -> None:
    """Accept a file URL's signature or raise ``PermissionDenied`` (constant-time, expiry)."""
    verify_url_token(signing_key, resource_of(key, download_name, content_type), f"{exp}.{sig}")


@dataclass
class OpenedObject:
    """A stored file opened for reading (the handle pins the bytes even if the key is replaced)."""

    handle: BinaryIO
    size: int
    content_type: str


class LocalStorage:
    """:class:`~recording_sync.adapters.storage_base.ObjectStorage` on a local folder."""

    backend = "local"

    def __init__(
        self,
        root: Path,
        *,
        signing_key: bytes,
        public_url: str,
        max_ttl_seconds: int = 900,
        max_workers: int = 8,
        progress_bytes: int = PROGRESS_BYTES,
        part_bytes: int = PART_BYTES,
        parts_in_flight: int = 4,
    ) -> None:
        if len(signing_key) < 16:
            raise ValueError("the file-URL signing key must be at least 16 bytes")
        self.root = Path(root)
        self.public_url = public_url.rstrip("/")
        self.max_ttl_seconds = max_ttl_seconds
        self.progress_bytes = progress_bytes
        self.part_bytes = part_bytes
        # Shared by every file written at once: the memory budget of bytes in flight.
        self._pool = PartPool(part_bytes=part_bytes, parts=parts_in_flight)
        self._signing_key = signing_key
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="files")

    def __repr__(self) -> str:
        return "LocalStorage(<root>)"

    async def __aenter__(self) -> Self:
        try:
            await self.ensure_ready(create=True)
        except BaseException:
            self._executor.shutdown(wait=False)
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(self._executor.shutdown, wait=True)
        )

    async def _call(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(
            self._executor, functools.partial(context.run, func, *args, **kwargs)
        )

    async def _write_io(self, key: str, func: Callable[..., T], /, *args: Any) -> T:
        """A blocking step of a write; an ``OSError`` becomes a :class:`StorageError` here (and
        only here, so what ``on_progress`` raises is never rewrapped)."""
        try:
            return await self._call(func, *args)
        except OSError as exc:
            raise StorageError(
                f"local storage could not write {key!r}: {exc.strerror or type(exc).__name__}"
            ) from exc

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(f".{path.name}.meta")

    # --- writing ---

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        on_progress: ProgressCallback | None = None,
        resume: Resume | None = None,
        on_checkpoint: CheckpointCallback | None = None,
    ) -> StoredObject:
        path = self._path(key)
        begun = begin(
            key,
            part_bytes=self.part_bytes,
            resume=resume,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
        )
        digest, start = begun.digest, begun.checkpoint
        suffix = resume.upload if resume is not None else secrets.token_hex(8)
        temp = path.with_name(f".{path.name}{_PARTIAL}{suffix}")
        meta_temp = path.with_name(f".{path.name}.meta{_PARTIAL}{suffix}")
        sink: _LocalSink | None = None
        resumable = on_checkpoint is not None
        completing = False

        async def checkpointed(point: Checkpoint) -> None:
            if on_progress is not None:
                await on_progress(point.offset)
            if on_checkpoint is not None and point.sha_state is not None:
                await on_checkpoint(self._resume(key, suffix, point))

        try:
            fd = await self._write_io(key, _open_partial, temp, resume is not None, start.offset)
            sink = _LocalSink(self, key, fd)
            buffer, fill, written = await pump(
                chunks,
                sink,
                self._pool,
                digest=digest,
                start=start,
                expected_size=expected_size,
                on_checkpoint=checkpointed if (on_progress or on_checkpoint) else None,
                checkpoint_bytes=self.progress_bytes,
            )
            try:
                if fill:
                    await sink.write_part(len(written.receipts) + 1, written.offset, buffer, fill)
            finally:
                self._pool.give(buffer)
            size = written.offset + fill
            sha256 = begun.verify(size, expected_size)
            inode = await self._write_io(key, _seal, fd)
            completing = True  # from here a failure leaves nothing to resume from
            if on_progress is not None:
                await on_progress(size)  # durable, and still invisible
            if on_checkpoint is not None:
                done = Checkpoint(offset=size, receipts=written.receipts)
                await on_checkpoint(
                    replace(self._resume(key, suffix, done), sha256=sha256, size=size)
                )
            meta = {"sha256": sha256, "size": size, "content_type": content_type, "inode": inode}
            await self._write_io(
                key, _commit, fd, temp, path, meta_temp, self._meta_path(path), meta
            )
            sink = None
        except BaseException as exc:
            keep = resumable and not completing and not isinstance(exc, IntegrityError)
            fd_left = sink.fd if sink is not None else None
            await asyncio.shield(self._call(_discard, fd_left, temp, meta_temp, keep))
            raise
        log.debug("stored %s (%d bytes)", key, size)
        return StoredObject(key=key, size=size, sha256=sha256, content_type=content_type)

    def _resume(self, key: str, suffix: str, point: Checkpoint) -> Resume:
        return Resume(
            backend=self.backend,
            key=key,
            upload=suffix,
            part_bytes=self.part_bytes,
            offset=point.offset,
            receipts=point.receipts,
            sha_state=point.sha_state,
        )

    async def resume(self, key: str, token: str) -> Resume | None:
        path = self._path(key)
        point = Resume.parse(token)
        if (
            point is None
            or point.backend != self.backend
            or point.key != key
            or not re.fullmatch(r"[0-9a-f]{16}", point.upload)
        ):
            return None
        temp = path.with_name(f".{path.name}{_PARTIAL}{point.upload}")
        usable = point.part_bytes == self.part_bytes and restore_digest(point.sha_state) is not None
        try:
            length = await self._call(_length, temp)
        except OSError:
            length = None
        if not usable or length is None or length < point.offset or point.completing:
            # A completing copy of a local file was renamed into place or is lost: start over.
            with contextlib.suppress(OSError):
                await self._call(temp.unlink, missing_ok=True)
            return None
        return point

    # --- ready at start, and cleaned up after crashes ---

    async def ensure_ready(self, *, create: bool) -> None:
        """Create the folder and prove it writable (a probe file written and removed), or raise
        :class:`StorageNotReady` naming it. The folder is this service's own, so it is created
        whatever ``create`` says (that flag is about S3 buckets, which others may own)."""
        try:
            await self._call(_check_writable, self.root)
        except OSError as exc:
            raise StorageNotReady(
                f"local storage folder {str(self.root)!r} is not writable "
                f"({exc.strerror or type(exc).__name__}): fix its permissions, or set "
                "LOCAL_STORAGE_DIR to a writable folder"
            ) from exc

    async def remove_abandoned(self, *, older_than: timedelta) -> int:
        """Remove the temporary files that crashed writes left behind, unmodified for longer
        than ``older_than``; return how many. A live write touches its file with every buffer
        it writes, so only a write idle that long could be hit, and then it fails cleanly
        (its rename finds no file). Objects and their metadata are never touched."""
        if older_than < timedelta(0):
            raise ValueError("older_than must not be negative")
        cutoff = time.time() - older_than.total_seconds()
        try:
            removed = await self._call(_remove_partials, self.root, cutoff)
        except OSError as exc:
            raise StorageError(
                f"local storage could not clean up: {exc.strerror or type(exc).__name__}"
            ) from exc
        if removed:
            log.info("removed %d abandoned temporary files", removed)
        return removed

    # --- reading and removing ---

    async def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            await self._call(_delete, path, self._meta_path(path))
        except OSError as exc:
            raise StorageError(
                f"local storage could not delete {key!r}: {exc.strerror or type(exc).__name__}"
            ) from exc

    async def head(self, key: str) -> StoredObject | None:
        path = self._path(key)
        try:
            return await self._call(_describe, key, path, self._meta_path(path))
        except OSError as exc:
            raise StorageError(
                f"local storage could not read {key!r}: {exc.strerror or type(exc).__name__}"
            ) from exc

    async def open(self, key: str) -> OpenedObject | None:
        """The stored file opened for reading, or ``None`` (for the files endpoint)."""
        path = self._path(key)
        try:
            return await self._call(_open, path, self._meta_path(path))
        except OSError as exc:
            raise StorageError(
                f"local storage could not open {key!r}: {exc.strerror or type(exc).__name__}"
            ) from exc

    async def iter_object(self, key: str, *, chunk_bytes: int = 1 << 20) -> AsyncIterator[bytes]:
        opened = await self.open(key)
        if opened is None:
            raise StorageError(f"local storage has no object {key!r}")
        try:
            while True:
                try:
                    chunk = await self._call(opened.handle.read, chunk_bytes)
                except OSError as exc:
                    raise StorageError(
                        f"local storage could not read {key!r}: "
                        f"{exc.strerror or type(exc).__name__}"
                    ) from exc
                if not chunk:
                    return
                yield chunk
        finally:
            opened.handle.close()

    async def signed_url(
        self,
        key: str,
        *,
        expires_in: int,
        download_name: str | None = None,
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        name = safe_download_name(download_name) if download_name is not None else None
        expires_at = int(time.time()) + min(expires_in, self.max_ttl_seconds)
        query: dict[str, str] = {
            "exp": str(expires_at),
            "sig": sign_resource(
                self._signing_key,
                key,
                expires_at=expires_at,
                download_name=name,
                content_type=content_type,
            ),
        }
        if name is not None:
            query["dl"] = name
        if content_type is not None:
            query["ct"] = content_type
        return f"{self.public_url}{FILES_PATH_PREFIX}{quote(key, safe='/')}?{urlencode(query)}"


# --- the blocking parts, run on the storage's thread pool ---


class _LocalSink:
    """One write: parts ``pwrite`` at their offsets into the temporary file, several at once."""

    def __init__(self, storage: LocalStorage, key: str, fd: int) -> None:
        self._storage, self._key, self.fd = storage, key, fd

    async def write_part(self, number: int, offset: int, data: bytearray, length: int) -> str:
        view = data if length == len(data) else memoryview(data)[:length]
        await self._storage._write_io(self._key, _pwrite_all, self.fd, view, offset)
        return ""

    async def make_durable(self) -> None:
        await self._storage._write_io(self._key, os.fsync, self.fd)


def _open_partial(temp: Path, resuming: bool, offset: int) -> int:
    """The temporary file: created exclusively, or (resuming) reopened and cut back to the
    checkpoint's offset — bytes after it were never recorded as written."""
    if resuming:
        fd = os.open(temp, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            os.ftruncate(fd, offset)
        except BaseException:
            os.close(fd)
            raise
        return fd
    temp.parent.mkdir(parents=True, exist_ok=True)
    return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o640)


def _pwrite_all(fd: int, data: bytearray | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _length(path: Path) -> int:
    return path.stat().st_size


def _seal(fd: int) -> int:
    """fsync the data; its inode, which the metadata names."""
    os.fsync(fd)
    return os.fstat(fd).st_ino


def _commit(
    fd: int,
    temp: Path,
    path: Path,
    meta_temp: Path,
    meta_path: Path,
    meta: dict[str, Any],
) -> None:
    """Write the sealed data's metadata, then rename the data into place."""
    os.close(fd)
    out_fd = os.open(meta_temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(out_fd, "w", encoding="utf-8") as out:
        json.dump(meta, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(meta_temp, meta_path)
    os.replace(temp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _discard(fd: int | None, temp: Path, meta_temp: Path, keep: bool) -> None:
    """Close a failed write's file; remove it unless it is kept to resume from."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
    for leftover in (meta_temp,) if keep else (temp, meta_temp):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)


def _check_writable(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    probe = root / f".ready{_PARTIAL}{secrets.token_hex(8)}"  # the janitor's if left behind
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    probe.unlink()


def _remove_partials(root: Path, cutoff: float) -> int:
    removed = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if not _PARTIAL_RE.match(name):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(path)
                    removed += 1
            except FileNotFoundError:  # its write just finished or failed
                continue
    return removed


def _delete(path: Path, meta_path: Path) -> None:
    # Data first: once it is gone the object is absent, whatever happens to the metadata.
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        path.unlink()
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        meta_path.unlink()


def _read_meta(meta_path: Path, info: os.stat_result) -> dict[str, Any] | None:
    """The metadata if it belongs to the data described by ``info``, else ``None``."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(meta, dict)
        or meta.get("inode") != info.st_ino
        or meta.get("size") != info.st_size
    ):
        return None
    return meta


def _guess_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or _DEFAULT_TYPE


def _describe(key: str, path: Path, meta_path: Path) -> StoredObject | None:
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    meta = _read_meta(meta_path, info)
    if meta is not None and isinstance(meta.get("sha256"), str):
        return StoredObject(
            key=key,
            size=info.st_size,
            sha256=meta["sha256"],
            content_type=str(meta.get("content_type") or _DEFAULT_TYPE),
        )
    # Metadata missing or not this data's (a crash between the two renames, or a concurrent
    # write): the data itself is whole, so its checksum is recomputed rather than trusted.
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while block := source.read(WRITE_BUFFER_BYTES):
            hasher.update(block)
            size += len(block)
    return StoredObject(
        key=key, size=size, sha256=hasher.hexdigest(), content_type=_guess_type(path)
    )


def _open(path: Path, meta_path: Path) -> OpenedObject | None:
    try:
        handle = path.open("rb")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    try:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            return None
        meta = _read_meta(meta_path, info)
        content_type = str(meta.get("content_type")) if meta else _guess_type(path)
        return OpenedObject(handle=handle, size=info.st_size, content_type=content_type)
    except BaseException:
        handle.close()
        raise
