"""The in-service watcher's tables: its ledger (``watched_files``) and its state
(``watcher_state``).

Both belong to the deployment, not to one school: the folder lives on the recording-sync host
and its files are filed in whichever tenant their meeting belongs to. ``watched_files`` keeps
that tenant once a file is matched (``""`` before), but is read and written only by the watcher
itself (platform operators' API), never through a tenant's requests. A file's ``path`` is
relative to ``WATCHER_ROOT``, so re-pointing the watcher inside the root keeps what it sent.
The tables hang off ``adapters.tables.metadata`` (as ``policy_tables`` does), so Alembic's
autogenerate and ``metadata.create_all`` know them once this module is imported.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text, false

from classbridge_common.db.types import UTCDateTime
from recording_sync.adapters.tables import metadata

watched_files = Table(
    "watched_files",
    metadata,
    Column("id", String(64), primary_key=True),
    # Relative to WATCHER_ROOT, '/'-separated.
    Column("path", String(1000), nullable=False),
    Column("size", BigInteger(), nullable=False),
    Column("mtime_ns", BigInteger(), nullable=False),
    # settling | uploading | uploaded | failed | unmatched
    Column("state", String(16), nullable=False),
    Column("meeting_id", BigInteger(), nullable=False, server_default="0"),
    Column("topic", String(500), nullable=False, server_default=""),
    Column("recording_start", UTCDateTime(), nullable=True),
    Column("tenant_id", String(64), nullable=False, server_default=""),
    Column("session_id", String(64), nullable=False, server_default=""),
    Column("recording_id", String(64), nullable=False, server_default=""),
    Column("sha256", String(64), nullable=False, server_default=""),
    Column("error", Text(), nullable=False, server_default=""),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    # Bumped by every write: a watcher whose copy is stale (another replica's) writes nothing.
    Column("version", BigInteger(), nullable=False, server_default="0"),
    Column("detected_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_watched_files_path", watched_files.c.path, unique=True)

watcher_state = Table(
    "watcher_state",
    metadata,
    # One row, "default": the deployment's watcher.
    Column("id", String(16), primary_key=True),
    # Relative to WATCHER_ROOT ("" = the root itself).
    Column("path", String(1000), nullable=False, server_default=""),
    Column("running", Boolean(), nullable=False, server_default=false()),
    # For folders without a meeting id: whose sessions they hold (see SetWatchPath).
    Column("host_tenant_id", String(64), nullable=False, server_default=""),
    Column("host_id", String(64), nullable=False, server_default=""),
    Column("updated_by", String(64), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
)

__all__ = ["watched_files", "watcher_state"]
