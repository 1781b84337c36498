"""Object storage on any S3-compatible service (AWS S3, MinIO, …) through boto3.

How an upload stays invisible until it is whole and verified, and is written once:

- Bytes move through the shared pipeline (:mod:`recording_sync.adapters.pipeline`): parts of
  ``S3_MULTIPART_CHUNK_BYTES`` from one pool per storage object (the worker's memory budget),
  uploaded while the download goes on. A stream that ends within one part is checked (size,
  sha256) and written with one ``PutObject`` carrying ``x-amz-meta-sha256``.
- A longer stream is a multipart upload **straight to its key**: an incomplete multipart
  upload is invisible, so nothing is staged and copied (that wrote every byte twice). Each part
  carries a checksum S3 verifies before it keeps the part (``part_checksum``): by default S3's
  additional checksum ``x-amz-checksum-crc32`` (a few per cent of MD5's CPU), and the completed
  object's composite CRC32, which S3 computes from the parts it joined, is compared with ours;
  or, for stores that accept the additional checksums without verifying them, ``Content-MD5``
  with each part's ETag (the MD5 of what the store kept) compared with ours. Before completion
  the whole file's size and sha256 are checked, and the ETag S3 gives the completed object is
  compared with the one its parts imply. The sha256 cannot be metadata there (S3 takes
  metadata only when an upload starts): it is returned, recorded by the caller with the
  ETag, which :meth:`S3Storage.head` returns (``sha256`` is known at start only when the
  caller gave ``expected_sha256``).
- Resumable: with ``on_checkpoint`` the caller is given, after each run of finished parts, the
  upload id, the parts' ETags and the hash state (:class:`~.storage_base.Resume`); after a crash
  or on another worker :meth:`S3Storage.resume` checks them against ``ListParts`` and the copy
  continues from there. Without it, any failure aborts the upload before the error is re-raised.
  A failure of a resumable upload leaves it in place, except an :class:`IntegrityError`.
- What crashed or abandoned uploads leave, the janitor (:meth:`S3Storage.remove_abandoned`)
  removes once idle long enough, and a bucket created here (``S3_CREATE_BUCKET``) also gets
  :data:`LIFECYCLE_CONFIGURATION`, which makes S3 itself abort incomplete multipart uploads after
  a day (and expire the ``.staging/`` objects older versions wrote).

boto3 is synchronous: every call runs on this object's own bounded thread pool (one client per
storage object; boto3 clients are thread-safe), so S3 never blocks the event loop and a burst of
uploads cannot take every thread of the default executor.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import functools
import hashlib
import logging
import re
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NoReturn, Self, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

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
    content_disposition,
    validate_key,
)

if TYPE_CHECKING:
    from types_boto3_s3.type_defs import MultipartUploadTypeDef, ObjectTypeDef, PartTypeDef

__all__ = [
    "LIFECYCLE_CONFIGURATION",
    "MIN_PART_BYTES",
    "PART_CHECKSUMS",
    "STAGING_PREFIX",
    "S3Storage",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

MIN_PART_BYTES = 5 * 1024 * 1024  # S3 refuses smaller parts (except the last)
MAX_PARTS = 10_000  # S3's limit on parts per upload
STAGING_PREFIX = ".staging/"  # what older versions staged; never a valid key (hidden segment)
_BAD_DIGEST = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}
# How each part's bytes are proven to have reached the store intact (see the module's text).
PART_CHECKSUMS: Final = ("crc32", "md5")
_RECEIPT_SEPARATOR = ":"  # a CRC32 part's receipt is "<etag>:<base64 CRC32>"; never in either
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")
_MULTIPART_ETAG = re.compile(r"^[0-9a-f]{32}-\d+$")
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_NO_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_DENIED = {"403", "AccessDenied", "Forbidden", "AllAccessDisabled"}
_MOVED = {"301", "PermanentRedirect", "AuthorizationHeaderMalformed"}

# Put on a bucket this service creates (and documented in deploy/k8s/README.md for the others):
# S3 itself then clears what crashed uploads leave, even when no replica runs the janitor.
LIFECYCLE_CONFIGURATION: Final[dict[str, Any]] = {
    "Rules": [
        {
            "ID": "abort-incomplete-multipart-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
        {
            "ID": "expire-staging",
            "Status": "Enabled",
            "Filter": {"Prefix": STAGING_PREFIX},
            "Expiration": {"Days": 1},
        },
    ]
}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))


def _cause_code(exc: StorageError) -> str | None:
    """The S3 error code behind a :class:`StorageError` raised here, if S3 gave one."""
    return _code(exc.__cause__) if isinstance(exc.__cause__, ClientError) else None


class S3Storage:
    """:class:`~recording_sync.adapters.storage_base.ObjectStorage` on an S3 bucket."""

    backend = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        part_bytes: int = 8 * 1024 * 1024,
        parts_in_flight: int = 4,
        max_ttl_seconds: int = 900,
        max_workers: int = 8,
        max_attempts: int = 5,
        part_checksum: str = "crc32",
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"part_bytes must be at least {MIN_PART_BYTES} (S3's minimum)")
        if part_checksum not in PART_CHECKSUMS:
            raise ValueError(f"part_checksum must be one of {', '.join(PART_CHECKSUMS)}")
        self.bucket = bucket
        self.part_checksum = part_checksum
        self.region = region
        self.part_bytes = part_bytes
        self.max_ttl_seconds = max_ttl_seconds
        # Every file this storage copies at once shares these buffers: memory in flight is
        # parts_in_flight * part_bytes whatever the number of files.
        self._pool = PartPool(part_bytes=part_bytes, parts=parts_in_flight)
        config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            max_pool_connections=max_workers,
            signature_version="s3v4",
            connect_timeout=10,
            read_timeout=120,
        )
        if endpoint_url:
            # Path-style for MinIO/moto-like endpoints (no wildcard DNS); botocore adds checksums
            # only where the API requires them, since several S3-compatible servers reject the
            # newer defaults: the parts' own checksum is this class's (``part_checksum``).
            config = config.merge(
                Config(
                    s3={"addressing_style": "path"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                )
            )
        session = boto3.session.Session()
        self._client = session.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="s3")

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._shutdown)

    def _shutdown(self) -> None:
        self._executor.shutdown(wait=True)
        self._client.close()

    async def _call(self, func: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a blocking boto3 call on the bounded pool, keeping the caller's context (traces)."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(
            self._executor, functools.partial(context.run, func, **kwargs)
        )

    async def _s3(self, operation: str, key: str, **kwargs: Any) -> Any:
        try:
            return await self._call(getattr(self._client, operation), Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            raise StorageError(f"S3 {operation} failed for {key!r}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {operation} failed for {key!r}: {type(exc).__name__}") from exc

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
        validate_key(key)
        if expected_size is not None and expected_size > self.part_bytes * MAX_PARTS:
            raise ValueError("object larger than S3 allows with this part size")
        if resume is not None and resume.completing:
            if resume.key != key or resume.part_bytes != self.part_bytes:
                raise ValueError("resume belongs to another key or part size")
            return await self._complete_resumed(resume, content_type, on_progress)
        begun = begin(
            key,
            part_bytes=self.part_bytes,
            resume=resume,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
        )
        digest, start, expected_sha = begun.digest, begun.checkpoint, begun.expected_sha256
        sink = _S3Sink(self, key, content_type, expected_sha, resume)

        async def checkpointed(point: Checkpoint) -> None:
            if on_progress is not None:
                await on_progress(point.offset)
            if on_checkpoint is not None and sink.upload_id and point.sha_state is not None:
                await on_checkpoint(sink.resume(point))

        resumable = on_checkpoint is not None
        buffer: bytearray | None = None
        try:
            buffer, fill, written = await pump(
                chunks,
                sink,
                self._pool,
                digest=digest,
                start=start,
                expected_size=expected_size,
                on_checkpoint=checkpointed if (on_progress or on_checkpoint) else None,
            )
            size = written.offset + fill
            sha256 = begun.verify(size, expected_size)
            if not sink.upload_id and fill < self.part_bytes and start.offset == 0:
                etag = await sink.put_whole(buffer, fill, sha256)
                self._pool.give(buffer)
                buffer = None
            else:
                if fill:
                    receipt = await sink.write_part(
                        len(written.receipts) + 1, size - fill, buffer, fill
                    )
                    written = Checkpoint(size, (*written.receipts, receipt), None)
                self._pool.give(buffer)
                buffer = None
                final = sink.resume(written, sha256=sha256, size=size)
                if on_progress is not None:
                    await on_progress(size)
                if on_checkpoint is not None:
                    await on_checkpoint(final)
                etag = await sink.complete(final.receipts, final.etag)
        except BaseException as exc:
            if buffer is not None:
                self._pool.give(buffer)
            keep = resumable and not isinstance(exc, IntegrityError) and sink.upload_id
            if not keep:
                await asyncio.shield(sink.abort())
            raise
        if not sink.upload_id and on_progress is not None:
            # One PutObject is whole the moment it is durable, so there is nothing left to
            # abort: what on_progress raises propagates with the complete, verified object kept.
            await on_progress(size)
        log.debug("stored %s (%d bytes)", key, size)
        return StoredObject(key=key, size=size, sha256=sha256, content_type=content_type, etag=etag)

    async def _complete_resumed(
        self, resume: Resume, content_type: str, on_progress: ProgressCallback | None
    ) -> StoredObject:
        """Every byte was sent before the crash: only the completion was missing."""
        sink = _S3Sink(self, resume.key, content_type, None, resume)
        if on_progress is not None:
            await on_progress(resume.size)
        etag = await sink.complete(resume.receipts, resume.etag)
        return StoredObject(
            key=resume.key,
            size=resume.size,
            sha256=resume.sha256,
            content_type=content_type,
            etag=etag,
        )

    async def resume(self, key: str, token: str) -> Resume | None:
        validate_key(key)
        point = Resume.parse(token)
        if point is None or point.backend != self.backend or point.key != key:
            return None
        if point.part_bytes != self.part_bytes or restore_digest(point.sha_state) is None:
            await _Abandon(self, key, point.upload).abort()
            return None
        try:
            listed = await self._list_all(
                "list_parts", functools.partial(self._parts_of, key, point.upload)
            )
        except StorageError as exc:
            if _cause_code(exc) == "NoSuchUpload":
                return None
            raise
        by_number = {int(p["PartNumber"]): p for p in listed}
        last = len(point.receipts)
        for number, receipt in enumerate(point.receipts, start=1):
            part = by_number.get(number)
            size = int(part.get("Size", -1)) if part is not None else -1
            whole = size == self.part_bytes or (point.completing and number == last and size > 0)
            if part is None or not _listed_as(part, receipt) or not whole:
                log.warning(
                    "an interrupted upload of %r lost or changed part %d: starting over",
                    key,
                    number,
                )
                await _Abandon(self, key, point.upload).abort()
                return None
        # Intact. A completing checkpoint (every byte sent) only needs the completion.
        return point

    def _parts_of(self, key: str, upload_id: str) -> list[PartTypeDef]:
        pages = self._client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=key, UploadId=upload_id
        )
        return [item for page in pages for item in page.get("Parts", [])]

    async def _delete_quietly(self, key: str) -> bool:
        try:
            await self._s3("delete_object", key, Key=key)
        except StorageError as exc:
            log.warning("could not delete a staged upload: %s", exc)
            return False
        return True

    # --- ready at start, and cleaned up after crashes ---

    async def ensure_ready(self, *, create: bool) -> None:
        """HeadBucket; a missing bucket is created (region-aware, with
        :data:`LIFECYCLE_CONFIGURATION`) when ``create``, else :class:`StorageNotReady`."""
        try:
            await self._call(self._client.head_bucket, Bucket=self.bucket)
            return
        except ClientError as exc:
            code = _code(exc)
        except BotoCoreError as exc:
            raise StorageNotReady(
                f"S3 bucket {self.bucket!r} could not be reached: {type(exc).__name__}"
            ) from exc
        if code in _DENIED:
            raise StorageNotReady(
                f"S3 bucket {self.bucket!r} refused access: the credentials need s3:ListBucket "
                "(HeadBucket) and object read/write permissions on it"
            )
        if code in _MOVED:
            raise StorageNotReady(
                f"S3 bucket {self.bucket!r} is in another region: set S3_REGION to its region"
            )
        if code not in _NO_BUCKET:
            raise StorageNotReady(f"S3 bucket {self.bucket!r} is not usable: {code}")
        if not create:
            raise StorageNotReady(
                f"S3 bucket {self.bucket!r} does not exist: create it, or set "
                "S3_CREATE_BUCKET=true to let recording-sync create it"
            )
        await self._create_bucket()

    async def _create_bucket(self) -> None:
        region = self.region or self._client.meta.region_name
        # us-east-1 is the one region S3 refuses as an explicit LocationConstraint.
        extra: dict[str, Any] = (
            {}
            if region in (None, "", "us-east-1", "aws-global")
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        try:
            await self._call(self._client.create_bucket, Bucket=self.bucket, **extra)
        except ClientError as exc:
            code = _code(exc)
            if code in _DENIED:
                raise StorageNotReady(
                    f"S3 bucket {self.bucket!r} does not exist and the credentials may not "
                    "create it (s3:CreateBucket): create it, or grant that permission"
                ) from exc
            if code == "BucketAlreadyExists":
                raise StorageNotReady(
                    f"S3 bucket name {self.bucket!r} is taken by another account: choose another"
                ) from exc
            if code != "BucketAlreadyOwnedByYou":  # that one: another replica was quicker
                raise StorageNotReady(
                    f"S3 could not create bucket {self.bucket!r}: {code}"
                ) from exc
        except BotoCoreError as exc:
            raise StorageNotReady(
                f"S3 could not create bucket {self.bucket!r}: {type(exc).__name__}"
            ) from exc
        log.info("created S3 bucket %s", self.bucket)
        try:
            await self._call(
                self._client.put_bucket_lifecycle_configuration,
                Bucket=self.bucket,
                LifecycleConfiguration=LIFECYCLE_CONFIGURATION,
            )
        except (ClientError, BotoCoreError) as exc:
            # Several S3-compatible servers have no lifecycle rules; the janitor does the work.
            reason = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
            log.info("S3 bucket %s: no lifecycle rule set (%s)", self.bucket, reason)

    async def remove_abandoned(self, *, older_than: timedelta) -> int:
        """Abort multipart uploads idle since before ``now - older_than`` and delete staging
        objects last modified before then; return how many.

        An upload counts as idle from its newest part, not from its start, so a long copy that
        is still sending parts is never aborted (and servers that report no real start time
        are handled alike). Final objects are never listed: only ``.staging/`` is.
        """
        if older_than < timedelta(0):
            raise ValueError("older_than must not be negative")
        cutoff = datetime.now(UTC) - older_than
        removed = 0
        for upload in await self._list_all("list_multipart_uploads", self._uploads):
            if upload["Initiated"] >= cutoff:
                continue
            idle_since = await self._last_activity(upload)
            if idle_since is not None and idle_since < cutoff and await self._abort(upload):
                removed += 1
        staged = await self._list_all("list_objects_v2", self._staged)
        for item in staged:
            if item["LastModified"] < cutoff and await self._delete_quietly(item["Key"]):
                removed += 1
        if removed:
            log.info("removed %d abandoned uploads and staging objects", removed)
        return removed

    def _uploads(self) -> list[MultipartUploadTypeDef]:
        pages = self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket)
        return [item for page in pages for item in page.get("Uploads", [])]

    def _parts(self, upload: MultipartUploadTypeDef) -> list[PartTypeDef]:
        return self._parts_of(upload["Key"], upload["UploadId"])

    def _staged(self) -> list[ObjectTypeDef]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=STAGING_PREFIX
        )
        return [item for page in pages for item in page.get("Contents", [])]

    async def _list_all(self, operation: str, collect: Callable[[], list[T]]) -> list[T]:
        """Every item of a paginated listing of the bucket: ``collect`` (one of the listings
        above) runs as one job on the pool."""
        try:
            return await self._call(collect)
        except ClientError as exc:
            raise StorageError(f"S3 {operation} failed on {self.bucket!r}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(
                f"S3 {operation} failed on {self.bucket!r}: {type(exc).__name__}"
            ) from exc

    async def _last_activity(self, upload: MultipartUploadTypeDef) -> datetime | None:
        """When ``upload`` last changed (its newest part, else its start); ``None`` if gone."""
        try:
            parts = await self._list_all("list_parts", functools.partial(self._parts, upload))
        except StorageError as exc:
            if _cause_code(exc) == "NoSuchUpload":
                return None
            raise
        return max([upload["Initiated"], *(part["LastModified"] for part in parts)])

    async def _abort(self, upload: MultipartUploadTypeDef) -> bool:
        try:
            await self._s3(
                "abort_multipart_upload",
                upload["Key"],
                Key=upload["Key"],
                UploadId=upload["UploadId"],
            )
        except StorageError as exc:
            if _cause_code(exc) != "NoSuchUpload":  # that one: already gone (another janitor)
                log.warning("could not abort an abandoned upload: %s", exc)
            return False
        return True

    # --- reading and removing ---

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._s3("delete_object", key, Key=key)  # S3 answers 204 for a missing key

    async def head(self, key: str) -> StoredObject | None:
        """As stored, with S3's ETag; ``sha256`` is known only for an object written in one
        ``PutObject`` or with ``expected_sha256`` (else the caller recorded it with the ETag)."""
        validate_key(key)
        try:
            answer = await self._call(self._client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            code = _code(exc)
            if code in _NOT_FOUND:
                return None
            raise StorageError(f"S3 head_object failed for {key!r}: {code}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 head_object failed for {key!r}: {type(exc).__name__}") from exc
        return StoredObject(
            key=key,
            size=int(answer["ContentLength"]),
            sha256=str(answer.get("Metadata", {}).get("sha256", "")).lower(),
            content_type=str(answer.get("ContentType") or "application/octet-stream"),
            etag=_unquote(str(answer.get("ETag", ""))),
        )

    async def iter_object(self, key: str, *, chunk_bytes: int = 1 << 20) -> AsyncIterator[bytes]:
        validate_key(key)
        answer = await self._s3("get_object", key, Key=key)
        body = answer["Body"]
        try:
            while True:
                try:
                    chunk = await self._call(body.read, amt=chunk_bytes)
                except (ClientError, BotoCoreError, OSError) as exc:
                    raise StorageError(
                        f"S3 get_object failed for {key!r}: {type(exc).__name__}"
                    ) from exc
                if not chunk:
                    return
                yield bytes(chunk)
        finally:
            body.close()

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
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        if content_type is not None:
            params["ResponseContentType"] = content_type
        try:
            return await self._call(
                self._client.generate_presigned_url,
                ClientMethod="get_object",
                Params=params,
                ExpiresIn=min(expires_in, self.max_ttl_seconds),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"S3 could not sign a URL for {key!r}: {type(exc).__name__}"
            ) from exc


def _unquote(etag: str) -> str:
    return etag.strip().strip('"').lower()


def _body(data: bytearray, length: int) -> bytes | bytearray:
    # botocore takes bytes-like bodies but not memoryviews: a short (last) part is copied.
    return data if length == len(data) else bytes(memoryview(data)[:length])


def _md5_part(data: bytearray, length: int) -> tuple[bytes, bytes | bytearray]:
    body = _body(data, length)
    return hashlib.md5(body, usedforsecurity=False).digest(), body


def _crc32_part(data: bytearray, length: int) -> tuple[bytes, bytes | bytearray]:
    body = _body(data, length)  # zlib releases the GIL while it sums a large buffer
    return zlib.crc32(body).to_bytes(4, "big"), body


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _split(receipt: str) -> tuple[str, str]:
    """A part's receipt as (ETag, base64 CRC32); the CRC32 is ``""`` for an MD5 part."""
    etag, _, crc = receipt.partition(_RECEIPT_SEPARATOR)
    return etag, crc


def _listed_as(part: PartTypeDef, receipt: str) -> bool:
    """Whether ``ListParts`` shows the part ``receipt`` was given for (same ETag, and the same
    CRC32 where the store lists one)."""
    etag, crc = _split(receipt)
    listed_crc = str(part.get("ChecksumCRC32", "") or "")
    return _unquote(str(part.get("ETag", ""))) == etag and (not crc or listed_crc in ("", crc))


def _composite_crc32(receipts: tuple[str, ...]) -> str:
    """S3's composite checksum of a multipart object: the CRC32 of its parts' CRC32s, "-N"."""
    joined = b"".join(base64.b64decode(_split(r)[1]) for r in receipts)
    return f"{_b64(zlib.crc32(joined).to_bytes(4, 'big'))}-{len(receipts)}"


def _same_composite(stored: str, ours: str) -> bool:
    """Whether two composite checksums agree; some stores leave out the "-N" part count."""
    stored_value, _, stored_parts = stored.partition("-")
    value, _, parts = ours.partition("-")
    return stored_value == value and stored_parts in ("", parts)


def _multipart_etag(receipts: tuple[str, ...]) -> str:
    """The ETag S3 gives an object joined from parts with these ETags (``""`` when a part's
    ETag is no MD5, as with some encryption settings: then there is nothing to compare)."""
    etags = [_split(r)[0] for r in receipts]
    if not all(_MD5_ETAG.match(e) for e in etags):
        return ""
    joined = b"".join(bytes.fromhex(e) for e in etags)
    return f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(etags)}"


class _Abandon:
    """Abort an upload this service no longer continues (a NoSuchUpload is fine: gone)."""

    def __init__(self, storage: S3Storage, key: str, upload_id: str) -> None:
        self._storage, self._key, self._upload_id = storage, key, upload_id

    async def abort(self) -> None:
        if not self._upload_id:
            return
        try:
            await self._storage._s3(
                "abort_multipart_upload", self._key, Key=self._key, UploadId=self._upload_id
            )
        except StorageError as exc:
            if _cause_code(exc) != "NoSuchUpload":
                log.warning("could not abort an upload: %s", exc)


class _S3Sink:
    """One object's upload: a multipart upload straight to its key, created with the first
    part (a small object is one ``PutObject`` instead).

    Every part carries its checksum, so S3 refuses a part damaged on the way: with ``crc32``
    S3's additional checksum (the upload is created with ``ChecksumAlgorithm=CRC32``, and the
    composite CRC32 S3 answers at completion, computed from the parts it joined, must be ours);
    with ``md5`` ``Content-MD5``, and the ETag S3 answers — the MD5 of what it stored — is
    compared with ours, so a store that ignores Content-MD5 cannot keep a damaged part either. A
    part that fails a check is sent again from the same buffer, then the copy fails. An upload
    resumed keeps the checksum it was created with (its receipts say which)."""

    PART_TRIES = 3

    def __init__(
        self,
        storage: S3Storage,
        key: str,
        content_type: str,
        expected_sha256: str | None,
        resume: Resume | None,
    ) -> None:
        self._storage = storage
        self._key = key
        self._content_type = content_type
        self._expected_sha256 = expected_sha256
        self.upload_id = resume.upload if resume is not None else ""
        self._creating: asyncio.Task[str] | None = None
        self.crc32 = storage.part_checksum == "crc32"
        if resume is not None and resume.receipts:
            self.crc32 = bool(_split(resume.receipts[0])[1])

    def resume(self, point: Checkpoint, *, sha256: str = "", size: int = -1) -> Resume:
        etag = _multipart_etag(point.receipts) if sha256 else ""
        return Resume(
            backend=self._storage.backend,
            key=self._key,
            upload=self.upload_id,
            part_bytes=self._storage.part_bytes,
            offset=point.offset,
            receipts=point.receipts,
            sha_state=point.sha_state,
            sha256=sha256,
            etag=etag,
            size=size,
        )

    async def _ensure_upload(self) -> str:
        """The upload id, the upload created by the first part that needs it. The creation is
        its own task, so a copy cancelled meanwhile still learns the id and can abort it."""
        if self._creating is None:
            self._creating = asyncio.create_task(self._create())
        return await asyncio.shield(self._creating)

    async def _create(self) -> str:
        extra: dict[str, Any] = (
            {"Metadata": {"sha256": self._expected_sha256}} if self._expected_sha256 else {}
        )
        if self.crc32:
            extra["ChecksumAlgorithm"] = "CRC32"
        answer = await self._storage._s3(
            "create_multipart_upload",
            self._key,
            Key=self._key,
            ContentType=self._content_type,
            **extra,
        )
        self.upload_id = str(answer["UploadId"])
        return self.upload_id

    async def write_part(self, number: int, offset: int, data: bytearray, length: int) -> str:
        if number > MAX_PARTS:
            raise StorageError(f"object {self._key!r} needs more than {MAX_PARTS} parts")
        upload_id = self.upload_id or await self._ensure_upload()
        checksum = _crc32_part if self.crc32 else _md5_part
        digest, body = await self._storage._call(functools.partial(checksum, data, length))
        expected = digest.hex()
        proof: dict[str, str] = (
            {"ChecksumAlgorithm": "CRC32", "ChecksumCRC32": _b64(digest)}
            if self.crc32
            else {"ContentMD5": _b64(digest)}
        )
        for attempt in range(1, self.PART_TRIES + 1):
            try:
                answer = await self._storage._s3(
                    "upload_part",
                    self._key,
                    Key=self._key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=body,
                    **proof,
                )
            except StorageError as exc:
                if _cause_code(exc) not in _BAD_DIGEST or attempt == self.PART_TRIES:
                    raise
                log.warning(
                    "S3 refused part %d of %r as damaged: sending it again", number, self._key
                )
                continue
            got = _unquote(str(answer.get("ETag", "")))
            if self.crc32:  # S3 verified the CRC32 before it answered
                return f"{got}{_RECEIPT_SEPARATOR}{_b64(digest)}"
            if not _MD5_ETAG.match(got) or got == expected:
                return expected
            log.warning(
                "S3 stored part %d of %r with another checksum: sending it again", number, self._key
            )
        raise IntegrityError(f"part {number} of {self._key!r} kept arriving damaged at S3")

    async def make_durable(self) -> None:
        """A part S3 acknowledged is durable."""

    async def put_whole(self, data: bytearray, length: int, sha256: str) -> str:
        md5, _ = _md5_part(data, length)
        answer = await self._storage._s3(
            "put_object",
            self._key,
            Key=self._key,
            Body=bytes(memoryview(data)[:length]),
            ContentType=self._content_type,
            ContentMD5=base64.b64encode(md5).decode(),
            Metadata={"sha256": sha256},
        )
        return _unquote(str(answer.get("ETag", "")))

    async def complete(self, receipts: tuple[str, ...], etag: str) -> str:
        upload_id = self.upload_id or await self._ensure_upload()
        parts: list[dict[str, Any]] = []
        for number, receipt in enumerate(receipts, start=1):
            part_etag, crc = _split(receipt)
            parts.append(
                {
                    "PartNumber": number,
                    "ETag": f'"{part_etag}"',
                    **({"ChecksumCRC32": crc} if crc else {}),
                }
            )
        answer = await self._storage._s3(
            "complete_multipart_upload",
            self._key,
            Key=self._key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )
        got = _unquote(str(answer.get("ETag", "")))
        if etag and _MULTIPART_ETAG.match(got) and got != etag:
            await self._discard(f"S3 completed {self._key!r} from other parts than were sent")
        if receipts and all(_split(r)[1] for r in receipts):
            # S3 verified each part's CRC32 on arrival; a store that takes the checksums
            # without verifying them still computes the composite from what it joined.
            stored = str(answer.get("ChecksumCRC32") or "") or await self._stored_crc32()
            if stored and not _same_composite(stored, _composite_crc32(receipts)):
                await self._discard(f"S3 stored {self._key!r} with other bytes than were sent")
        return got

    async def _stored_crc32(self) -> str:
        answer = await self._storage._s3(
            "head_object", self._key, Key=self._key, ChecksumMode="ENABLED"
        )
        return str(answer.get("ChecksumCRC32") or "")

    async def _discard(self, reason: str) -> NoReturn:
        """The completed object is not the file sent: it must not stay."""
        with contextlib.suppress(StorageError):
            await self._storage._s3("delete_object", self._key, Key=self._key)
        raise IntegrityError(reason)

    async def abort(self) -> None:
        if self._creating is not None:
            with contextlib.suppress(Exception):
                await self._creating
        await _Abandon(self._storage, self._key, self.upload_id).abort()
