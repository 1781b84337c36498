"""Object storage on any S3-compatible service (AWS S3, MinIO, …) through boto3.

How an upload stays invisible until it is whole and verified:

- Up to one part (``S3_MULTIPART_CHUNK_BYTES``) is buffered. A stream that ends within it is
  checked (size, sha256) and written with one ``PutObject`` carrying ``x-amz-meta-sha256``.
- A longer stream becomes a multipart upload, one part each time the buffer fills; memory stays
  at about one part whatever the object's size. When the caller gave ``expected_sha256``, the
  upload goes straight to the key with that checksum as metadata (it is verified before
  ``CompleteMultipartUpload``). Otherwise the checksum is only known at the end, and S3 cannot
  add metadata when completing an upload: the parts go to a hidden staging key
  (``.staging/<random>``) and a server-side copy then creates the real key, atomically, with its
  sha256 metadata. Either way the key appears only complete and with its checksum.
- On any failure — the source stream raising, an :class:`IntegrityError`, S3 refusing, the task
  being cancelled — the multipart upload is aborted (and a staged object deleted) before the error
  is re-raised. A crash can still leave an incomplete upload or a staged object behind: the
  janitor (:meth:`S3Storage.remove_abandoned`) removes them once idle long enough, and a bucket
  created here (``S3_CREATE_BUCKET``) also gets :data:`LIFECYCLE_CONFIGURATION`, which makes S3
  itself abort incomplete multipart uploads and expire ``.staging/`` after a day.
- ``on_progress`` is awaited after each part is uploaded (a small file: once, after its
  ``PutObject``); what it raises aborts the upload like any other failure.

boto3 is synchronous: every call runs on this object's own bounded thread pool (one client per
storage object; boto3 clients are thread-safe), so S3 never blocks the event loop and a burst of
uploads cannot take every thread of the default executor.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from recording_sync.adapters.storage_base import (
    ProgressCallback,
    RunningDigest,
    StorageError,
    StorageNotReady,
    StoredObject,
    content_disposition,
    validate_key,
)

if TYPE_CHECKING:
    from types_boto3_s3.type_defs import MultipartUploadTypeDef, ObjectTypeDef, PartTypeDef

__all__ = ["LIFECYCLE_CONFIGURATION", "MIN_PART_BYTES", "STAGING_PREFIX", "S3Storage"]

log = logging.getLogger(__name__)

T = TypeVar("T")

MIN_PART_BYTES = 5 * 1024 * 1024  # S3 refuses smaller parts (except the last)
MAX_PARTS = 10_000  # S3's limit on parts per upload
MAX_SINGLE_COPY_BYTES = 5 * 1024**3  # CopyObject's limit; larger copies go part by part
COPY_PART_BYTES = 1024**3
STAGING_PREFIX = ".staging/"  # never a valid key (validate_key refuses hidden segments)
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
        part_bytes: int = 16 * 1024 * 1024,
        max_ttl_seconds: int = 900,
        max_workers: int = 8,
        max_attempts: int = 5,
        single_copy_limit: int = MAX_SINGLE_COPY_BYTES,
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"part_bytes must be at least {MIN_PART_BYTES} (S3's minimum)")
        self.bucket = bucket
        self.region = region
        self.part_bytes = part_bytes
        self.max_ttl_seconds = max_ttl_seconds
        self._single_copy_limit = single_copy_limit
        config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            max_pool_connections=max_workers,
            signature_version="s3v4",
            connect_timeout=10,
            read_timeout=120,
        )
        if endpoint_url:
            # Path-style for MinIO/moto-like endpoints (no wildcard DNS); checksums only where the
            # API requires them, since several S3-compatible servers reject the newer defaults.
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
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> StoredObject:
        validate_key(key)
        digest = RunningDigest(expected_size=expected_size, expected_sha256=expected_sha256)
        if expected_size is not None and expected_size > self.part_bytes * MAX_PARTS:
            raise ValueError("object larger than S3 allows with this part size")
        buffer = bytearray()
        upload: _Multipart | None = None
        try:
            async for chunk in chunks:
                digest.update(chunk)
                buffer += chunk
                if len(buffer) >= self.part_bytes:
                    if upload is None:
                        upload = await self._start(key, content_type, digest.expected_sha256)
                    await upload.add(buffer)
                    buffer = bytearray()  # a fresh one: the sent part is released, not resized
                    if on_progress is not None:
                        await on_progress(upload.written)
            sha256 = digest.verify()
            if upload is None:
                await self._s3(
                    "put_object",
                    key,
                    Key=key,
                    Body=bytes(buffer),
                    ContentType=content_type,
                    Metadata={"sha256": sha256},
                )
            else:
                if buffer:
                    await upload.add(buffer)
                    if on_progress is not None:
                        await on_progress(upload.written)
                buffer = bytearray()
                await upload.complete()
                if upload.key != key:
                    await self._promote(upload.key, key, digest.size, content_type, sha256)
        except BaseException:
            if upload is not None:
                await asyncio.shield(upload.discard())
            raise
        if upload is None and on_progress is not None:
            # One PutObject is whole the moment it is durable, so there is nothing left to
            # abort: what on_progress raises propagates with the complete, verified object kept.
            await on_progress(digest.size)
        log.debug("stored %s (%d bytes)", key, digest.size)
        return StoredObject(key=key, size=digest.size, sha256=sha256, content_type=content_type)

    async def _start(self, key: str, content_type: str, sha256: str | None) -> _Multipart:
        """Begin a multipart upload: to ``key`` itself when its checksum is known in advance,
        else to a staging key that is copied into place at the end."""
        target = key if sha256 is not None else f"{STAGING_PREFIX}{secrets.token_hex(16)}"
        extra: dict[str, Any] = {"Metadata": {"sha256": sha256}} if sha256 else {}
        answer = await self._s3(
            "create_multipart_upload", key, Key=target, ContentType=content_type, **extra
        )
        return _Multipart(self, target, answer["UploadId"], origin=key)

    async def _promote(
        self, staged: str, key: str, size: int, content_type: str, sha256: str
    ) -> None:
        """Copy the staged object to ``key`` with its metadata (one atomic step), then drop it."""
        source = {"Bucket": self.bucket, "Key": staged}
        metadata = {"sha256": sha256}
        if size <= self._single_copy_limit:
            await self._s3(
                "copy_object",
                key,
                Key=key,
                CopySource=source,
                MetadataDirective="REPLACE",
                ContentType=content_type,
                Metadata=metadata,
            )
        else:
            answer = await self._s3(
                "create_multipart_upload",
                key,
                Key=key,
                ContentType=content_type,
                Metadata=metadata,
            )
            copy = _Multipart(self, key, answer["UploadId"], origin=key)
            try:
                step = max(COPY_PART_BYTES, -(-size // MAX_PARTS))
                for start in range(0, size, step):
                    end = min(size, start + step) - 1
                    await copy.copy_part(source, f"bytes={start}-{end}")
                await copy.complete()
            except BaseException:
                await asyncio.shield(copy.discard())
                raise
        await self._delete_quietly(staged)

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
        pages = self._client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )
        return [item for page in pages for item in page.get("Parts", [])]

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
        """As stored; ``sha256`` is ``""`` only for an object written by another tool (every
        object written here carries ``x-amz-meta-sha256`` from the moment it exists)."""
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
        )

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


class _Multipart:
    """One multipart upload in progress: its parts so far, completion and abort."""

    def __init__(self, storage: S3Storage, key: str, upload_id: str, *, origin: str) -> None:
        self._storage = storage
        self.key = key
        self._origin = origin  # the caller's key, for error messages
        self._upload_id = upload_id
        self._parts: list[dict[str, Any]] = []
        self._completed = False
        self.written = 0  # bytes in the parts uploaded so far

    async def add(self, data: bytearray) -> None:
        number = len(self._parts) + 1
        if number > MAX_PARTS:
            raise StorageError(f"object {self._origin!r} needs more than {MAX_PARTS} parts")
        answer = await self._storage._s3(
            "upload_part",
            self._origin,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self.written += len(data)

    async def copy_part(self, source: dict[str, str], byte_range: str) -> None:
        number = len(self._parts) + 1
        answer = await self._storage._s3(
            "upload_part_copy",
            self._origin,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            CopySource=source,
            CopySourceRange=byte_range,
        )
        self._parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})

    async def complete(self) -> None:
        await self._storage._s3(
            "complete_multipart_upload",
            self._origin,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._completed = True

    async def discard(self) -> None:
        """Abort the upload, or delete what it produced if it already completed (staging only:
        an upload to the real key completes last, after every check)."""
        try:
            if self._completed:
                if self.key != self._origin:
                    await self._storage._s3("delete_object", self._origin, Key=self.key)
            else:
                await self._storage._s3(
                    "abort_multipart_upload", self._origin, Key=self.key, UploadId=self._upload_id
                )
        except StorageError as exc:
            log.warning("could not clean up a failed upload: %s", exc)
