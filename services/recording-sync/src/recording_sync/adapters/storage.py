"""Object storage for recorded lessons: the contract the sync pipeline uses, and its factory.

``create_storage(settings)`` picks the backend: an S3-compatible bucket when ``S3_BUCKET`` is set
(``storage_s3``), else the local folder ``LOCAL_STORAGE_DIR`` (``storage_local``), whose files the
service serves itself behind signed URLs (``entrypoints/files.py``). Both stream — never a whole
object in memory — and both make an object visible only once it is complete and verified.

At start, ``await storage.ensure_ready(create=settings.s3_create_bucket)`` checks the bucket or
folder (:class:`StorageNotReady` says what to fix); ``remove_abandoned(older_than=…)`` is the
janitor for what crashed uploads leave behind.
"""

from __future__ import annotations

from pydantic import SecretStr

from recording_sync.adapters.storage_base import (
    IntegrityError,
    ObjectStorage,
    ProgressCallback,
    StorageError,
    StorageNotReady,
    StoredObject,
    content_disposition,
    validate_key,
)
from recording_sync.adapters.storage_local import LocalStorage
from recording_sync.adapters.storage_s3 import S3Storage
from recording_sync.settings import Settings

__all__ = [
    "IntegrityError",
    "LocalStorage",
    "ObjectStorage",
    "ProgressCallback",
    "S3Storage",
    "StorageError",
    "StorageNotReady",
    "StoredObject",
    "content_disposition",
    "create_storage",
    "validate_key",
]


def create_storage(settings: Settings, *, files_url: str | None = None) -> ObjectStorage:
    """The storage ``settings`` describe (not yet entered: use it with ``async with``).

    ``files_url`` is the base of local-disk signed URLs when the files server's address is only
    known once bound (port 0); by default ``FILES_PUBLIC_URL`` or ``http://127.0.0.1:<port>``.
    """
    if settings.uses_s3:
        assert settings.s3_bucket is not None
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=_plain(settings.s3_access_key_id),
            secret_access_key=_plain(settings.s3_secret_access_key),
            part_bytes=settings.s3_multipart_chunk_bytes,
            part_checksum=settings.s3_part_checksum,
            parts_in_flight=settings.storage_parts_in_flight,
            max_ttl_seconds=settings.playback_url_max_ttl_seconds,
        )
    assert settings.local_storage_dir is not None
    return LocalStorage(
        settings.local_storage_dir,
        signing_key=settings.files_signing_key(),
        public_url=files_url or settings.files_base_url(),
        max_ttl_seconds=settings.playback_url_max_ttl_seconds,
        parts_in_flight=settings.storage_parts_in_flight,
    )


def _plain(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()
