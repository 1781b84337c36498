"""What every object-storage backend shares: the contract, its errors, keys and the running digest.

The sync pipeline codes against :class:`ObjectStorage` only; the S3 and local-disk backends
(``storage_s3``, ``storage_local``) both honour the same promises, which the contract test suite
checks on each: an object is either complete (right size, right sha256, its metadata recorded) or
absent — never half there — and nothing is ever held whole in memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, Self, TypeAlias, runtime_checkable
from urllib.parse import quote

__all__ = [
    "MAX_KEY_BYTES",
    "CheckpointCallback",
    "IntegrityError",
    "ObjectStorage",
    "ProgressCallback",
    "Resume",
    "StorageError",
    "StorageNotReady",
    "StoredObject",
    "content_disposition",
    "read_object",
    "safe_download_name",
    "validate_key",
]

MAX_KEY_BYTES = 1024  # S3's own limit, applied to both backends so a key valid on one is on both

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredObject:
    """An object as stored: its key, byte size, sha256 (lowercase hex), content type, and the
    store's own fingerprint of the bytes (an S3 ETag; ``""`` where the store has none)."""

    key: str
    size: int
    sha256: str
    content_type: str
    etag: str = ""


@dataclass(frozen=True)
class Resume:
    """Where an interrupted upload of ``key`` stands, as its last checkpoint recorded it: the
    first ``offset`` bytes are durable in the backend's ``upload`` (an S3 upload id, a local
    temporary file), as ``receipts`` (one per part of ``part_bytes``), and ``sha_state`` is the
    sha256 state after them. ``sha256``/``etag``/``size`` are set once every byte was written
    and the upload is being completed. Stored by the caller as :meth:`token` text, opaque to it.
    """

    backend: str
    key: str
    upload: str
    part_bytes: int
    offset: int = 0
    receipts: tuple[str, ...] = ()
    sha_state: str | None = None
    sha256: str = ""
    etag: str = ""
    size: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    def token(self) -> str:
        body = {
            "v": 1,
            "backend": self.backend,
            "key": self.key,
            "upload": self.upload,
            "part_bytes": self.part_bytes,
            "offset": self.offset,
            "receipts": list(self.receipts),
            "sha_state": self.sha_state,
            "sha256": self.sha256,
            "etag": self.etag,
            "size": self.size,
            **({"extra": self.extra} if self.extra else {}),
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def parse(cls, token: str) -> Resume | None:
        """The checkpoint in ``token``, or ``None`` if it is not one (then copy from scratch)."""
        try:
            body = json.loads(token)
            if body.get("v") != 1:
                return None
            return cls(
                backend=str(body["backend"]),
                key=str(body["key"]),
                upload=str(body["upload"]),
                part_bytes=int(body["part_bytes"]),
                offset=int(body["offset"]),
                receipts=tuple(str(r) for r in body["receipts"]),
                sha_state=body["sha_state"] if isinstance(body["sha_state"], str) else None,
                sha256=str(body.get("sha256", "")),
                etag=str(body.get("etag", "")),
                size=int(body.get("size", -1)),
                extra=dict(body.get("extra") or {}),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    @property
    def completing(self) -> bool:
        """Every byte was written; only the completion may be missing."""
        return bool(self.sha256)


class StorageError(Exception):
    """The backend refused or failed an operation. The message names the key and the backend's
    error code, never credentials or signed URLs, so it is safe to log."""


class IntegrityError(StorageError):
    """The bytes received differ in size or sha256 from what the caller expected; nothing was
    stored."""


class StorageNotReady(StorageError):
    """Raised by ``ensure_ready`` at start when the storage cannot be used as configured (bucket
    missing, access denied, folder not writable). The message says what to fix, so the service
    stops with it rather than failing every copy later."""


ProgressCallback: TypeAlias = Callable[[int], Awaitable[None]]
"""Awaited by ``put_stream`` with the bytes durably written so far; raising aborts the upload."""

CheckpointCallback: TypeAlias = Callable[[Resume], Awaitable[None]]
"""Awaited by ``put_stream`` each time more of the upload is durable, and once more when every
byte is written, just before the object is completed (``Resume.completing``). The caller stores
it, to resume from after a crash (:meth:`ObjectStorage.resume`). What it raises stops the copy
*without* aborting the upload: a worker that lost its lease leaves it to the one that took over.
"""


@runtime_checkable
class ObjectStorage(Protocol):
    """Where recorded lessons live. Implementations: ``S3Storage`` and ``LocalStorage``."""

    backend: str  # "s3" | "local" — a metrics label

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
        """Store the bytes of ``chunks`` under ``key`` (replacing any object there); the object
        becomes visible only once complete and verified.

        ``on_progress`` is awaited with the number of bytes written so far after each part is
        written (and once at the end), so a long copy can show progress and renew its lease. An
        exception it raises aborts the upload — nothing becomes visible under ``key``, nothing
        half-stored is left — and propagates unchanged: that is how a worker that lost its
        lease stops.

        With ``on_checkpoint`` the upload is resumable: a failure leaves what is durable in place
        (invisible) for a later ``put_stream(resume=...)``, whose ``chunks`` then start at
        ``resume.offset`` (a ``Range`` request); the whole file's size and sha256 are still
        proven. ``resume`` must come from :meth:`resume`, which checked it against the store.
        """
        ...

    async def resume(self, key: str, token: str) -> Resume | None:
        """The checkpoint in ``token`` if the store still holds what it names, intact (parts
        listed with the recorded receipts, the temporary file long enough), else ``None`` —
        and then whatever is left of that upload is discarded, and the copy starts over."""
        ...

    async def ensure_ready(self, *, create: bool) -> None:
        """Check at start that objects can be stored (creating the bucket or folder when
        ``create`` allows it), or raise :class:`StorageNotReady` saying what to fix — better
        than a service that starts and then fails every copy."""
        ...

    async def remove_abandoned(self, *, older_than: timedelta) -> int:
        """Remove what crashed uploads left behind (incomplete multipart uploads, staging
        objects, temporary files) idle for longer than ``older_than``; return how many.

        Never touches a final object, nor an upload younger than ``older_than``: choose it
        longer than any copy can take.
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error (deletes are retried)."""
        ...

    async def head(self, key: str) -> StoredObject | None:
        """The stored object's description, or ``None`` when there is none."""
        ...

    def iter_object(self, key: str, *, chunk_bytes: int = 1 << 20) -> AsyncIterator[bytes]:
        """The stored object's bytes, a chunk at a time (a transcript to parse, audio to send
        to speech-to-text); :class:`StorageError` when it is missing or unreadable."""
        ...

    async def signed_url(
        self,
        key: str,
        *,
        expires_in: int,
        download_name: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A URL anyone holding it may GET until it expires (``expires_in`` seconds, capped by
        ``PLAYBACK_URL_MAX_TTL_SECONDS``); ``download_name`` makes it an attachment."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...


async def read_object(storage: ObjectStorage, key: str, *, max_bytes: int) -> bytes:
    """A small stored object whole (a text file); :class:`StorageError` past ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    chunks = storage.iter_object(key)
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise StorageError(f"{key!r} is larger than {max_bytes} bytes")
            parts.append(chunk)
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:  # a generator left early closes its file or response now
            await aclose()
    return b"".join(parts)


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe object key, else raise :class:`ValueError` (before any I/O).

    Keys become file paths on the local backend, so anything that could escape the storage root
    or alias another key is refused on both backends alike: absolute paths, backslashes, empty,
    ``.`` or ``..`` segments, and segments starting with ``.`` (hidden names are reserved for the
    local backend's temporary and metadata files). Keys must be printable and at most 1024 bytes
    of UTF-8.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("object key must be a non-empty string")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise ValueError(f"object key longer than {MAX_KEY_BYTES} bytes")
    if not key.isprintable():
        raise ValueError("object key contains non-printable characters")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("object key is not valid UTF-8") from None
    if "\\" in key:
        raise ValueError("object key contains a backslash")
    if key.startswith("/"):
        raise ValueError("object key must be relative")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError("object key has an empty, '.' or '..' segment")
        if segment.startswith("."):
            raise ValueError("object key segments may not start with '.'")
        if segment != segment.strip():
            raise ValueError("object key segments may not start or end with whitespace")
    return key


def check_sha256(value: str | None) -> str | None:
    """Normalise an expected sha256 (hex, any case) or raise :class:`ValueError`."""
    if value is None:
        return None
    lowered = value.lower()
    if not _SHA256_RE.match(lowered):
        raise ValueError("expected_sha256 must be 64 hex digits")
    return lowered


def safe_download_name(name: str) -> str:
    """A file name fit for ``Content-Disposition``: no path, no control characters, no quotes."""
    cleaned = "".join(
        ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable() and ch != '"'
    ).strip()
    if not cleaned or cleaned in (".", ".."):
        raise ValueError("download_name is not a usable file name")
    if len(cleaned.encode()) > 255:
        raise ValueError("download_name longer than 255 bytes")
    return cleaned


def content_disposition(download_name: str | None) -> str:
    """``attachment`` with an ASCII fallback and the RFC 6266/5987 UTF-8 name, or ``inline``."""
    if download_name is None:
        return "inline"
    name = safe_download_name(download_name)
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"%;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
