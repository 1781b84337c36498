"""The manual uploads' table: one row per resumable upload of a recording file (tus, flow 2).

``manual_uploads`` holds what is needed to continue an upload from any replica after any pause:
the declared size, the storage checkpoint of the parts already stored (``checkpoint``, the
storage's own resumable record: upload id, part receipts, sha256 state) and the bytes received
after the last whole part (``tail``, shorter than one part: object stores take parts of at least
5 MiB, so a request that ends mid-part keeps its last bytes here until the next one completes
the part). ``offset`` is always the checkpoint's offset plus the tail's length: every byte
acknowledged to the client is durable. ``lock_token`` / ``locked_until`` let one append run at a
time (a lease, renewed while it runs, so a crashed append does not block the upload for long).

The table hangs off ``adapters.tables.metadata`` (Alembic's autogenerate and ``create_all``
know it once this module is imported) and has a ``tenant_id``, so ``Scoped`` narrows every
statement on it to the caller's tenant.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Table, Text

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db.types import UTCDateTime
from recording_sync.adapters.tables import metadata

manual_uploads = Table(
    "manual_uploads",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, server_default=DEFAULT_TENANT),
    # The client's idempotency key (per tenant), NULL when none was given.
    Column("request_id", String(128), nullable=True),
    # The session the recording becomes a lesson of, and where it is filed (from the scheduler).
    Column("session_id", String(64), nullable=False),
    Column("session_title", String(500), nullable=False, server_default=""),
    Column("session_start", UTCDateTime(), nullable=True),
    Column("batch_id", String(64), nullable=False),
    Column("batch_type", String(16), nullable=False),
    Column("student_id", String(64), nullable=False, server_default=""),
    Column("course_id", String(64), nullable=False, server_default=""),
    Column("meeting_id", BigInteger(), nullable=False, server_default="0"),
    Column("folder", String(300), nullable=False),
    Column("uploader_id", String(64), nullable=False),
    Column("file_name", String(300), nullable=False, server_default=""),
    Column("lesson_title", String(300), nullable=False, server_default=""),
    # Declared size, and the bytes durably received so far.
    Column("size_bytes", BigInteger(), nullable=False),
    Column("offset", BigInteger(), nullable=False, server_default="0"),
    Column("expected_sha256", String(64), nullable=False, server_default=""),
    # Sniffed from the first bytes ("" until then), and the object key chosen with it.
    Column("content_type", String(100), nullable=False, server_default=""),
    Column("file_extension", String(16), nullable=False, server_default=""),
    Column("file_type", String(32), nullable=False, server_default=""),
    Column("storage_key", String(600), nullable=False, server_default=""),
    Column("checkpoint", Text(), nullable=False, server_default=""),
    Column("tail", LargeBinary(), nullable=True),
    # uploading | completed | failed
    Column("state", String(16), nullable=False),
    Column("error", Text(), nullable=False, server_default=""),
    # UNSUPPORTED_MEDIA_TYPE | UPLOAD_MISMATCH | TERMINATED | EXPIRED
    Column("error_reason", String(32), nullable=False, server_default=""),
    Column("recording_id", String(64), nullable=False, server_default=""),
    Column("file_id", String(64), nullable=False, server_default=""),
    Column("sha256", String(64), nullable=False, server_default=""),
    Column("lock_token", String(64), nullable=False, server_default=""),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
)
Index(
    "ix_manual_uploads_request_id",
    manual_uploads.c.tenant_id,
    manual_uploads.c.request_id,
    unique=True,
)
Index("ix_manual_uploads_state_updated", manual_uploads.c.state, manual_uploads.c.updated_at)

__all__ = ["manual_uploads"]
