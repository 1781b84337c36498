"""Alembic environment of recording-sync: the shared helper does the work."""

import recording_sync.adapters.policy_tables  # noqa: F401 - sync_policies shares the metadata
from classbridge_common.db.migrations import run_migrations
from recording_sync.adapters.tables import metadata
from recording_sync.settings import load

run_migrations(metadata=metadata, settings=load)
