"""Alembic environment of the scheduler: the shared helper does the work."""

from classbridge_common.db.migrations import run_migrations
from scheduler.adapters.tables import metadata
from scheduler.settings import load

run_migrations(metadata=metadata, settings=load)
