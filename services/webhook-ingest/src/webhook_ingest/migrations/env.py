"""Alembic environment of webhook-ingest: the shared helper does the work."""

from classbridge_common.db.migrations import run_migrations
from webhook_ingest.adapters.tables import metadata
from webhook_ingest.settings import load

run_migrations(metadata=metadata, settings=load)
