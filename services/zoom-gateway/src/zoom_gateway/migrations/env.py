"""Alembic environment of zoom-gateway: the shared helper does the work."""

from classbridge_common.db.migrations import run_migrations
from zoom_gateway.adapters.orm import metadata
from zoom_gateway.settings import load

run_migrations(metadata=metadata, settings=load)
