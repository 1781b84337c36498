"""A service-shaped Alembic environment, as every Classbridge service writes it."""

from sqlalchemy import MetaData

from classbridge_common.db.migrations import run_migrations

run_migrations(metadata=MetaData())
