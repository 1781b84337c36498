"""Alembic environment of recording-sync: the shared helper does the work."""

# Modules whose tables hang off the same metadata (sync_policies, manual_uploads, ...).
import recording_sync.adapters.policy_tables
import recording_sync.adapters.transcript_tables
import recording_sync.adapters.upload_tables
import recording_sync.watcher.tables  # noqa: F401 - the watcher's tables too
from classbridge_common.db.migrations import run_migrations
from recording_sync.adapters.tables import metadata
from recording_sync.settings import load

run_migrations(metadata=metadata, settings=load)
