"""Alembic wiring shared by every service.

A service's ``migrations/env.py`` is three lines::

    from classbridge_common.db.migrations import run_migrations
    from scheduler.adapters.orm import metadata
    from scheduler.settings import load

    run_migrations(metadata=metadata, settings=load)

and its ``migrate`` command (and its tests) call ``await upgrade_to_head(settings, dir)``.
On PostgreSQL the service's schema is created if missing and Alembic's version table lives in it;
on SQLite ``render_as_batch`` lets ``ALTER TABLE`` migrations work. Tables carry no schema name,
so one migration script serves both databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from classbridge_common.db.engine import create_engine, database_url
from classbridge_common.settings import ServiceSettings

__all__ = ["alembic_config", "run_migrations", "upgrade_to_head"]

_SETTINGS_KEY = "classbridge_settings"


def alembic_config(settings: ServiceSettings, migrations_dir: str | Path) -> Config:
    """An Alembic ``Config`` for ``migrations_dir`` that hands ``settings`` to ``env.py``."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes[_SETTINGS_KEY] = settings
    return config


def run_migrations(
    *,
    metadata: MetaData,
    settings: ServiceSettings | Callable[[], ServiceSettings] | None = None,
) -> None:
    """Body of every service's ``env.py``: run the pending migrations online or offline.

    Settings passed by :func:`upgrade_to_head` (through the Alembic config) win over
    ``settings``, which may be a callable so that plain ``alembic`` runs load the environment
    only when they need it.
    """
    chosen = context.config.attributes.get(_SETTINGS_KEY)
    if chosen is None:
        chosen = settings() if callable(settings) else settings
    if chosen is None:
        raise RuntimeError("run_migrations needs settings (or upgrade_to_head to pass them)")
    if context.is_offline_mode():
        _run_offline(metadata, chosen)
    else:
        asyncio.run(_run_online(metadata, chosen))


def _configure(metadata: MetaData, settings: ServiceSettings, **options: object) -> None:
    url = database_url(settings)
    postgres = url.startswith("postgresql")
    context.configure(
        target_metadata=metadata,
        version_table_schema=settings.schema if postgres else None,
        render_as_batch=not postgres,
        compare_type=True,
        **options,  # type: ignore[arg-type]
    )


def _run_offline(metadata: MetaData, settings: ServiceSettings) -> None:
    _configure(
        metadata,
        settings,
        url=database_url(settings),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection, metadata: MetaData, settings: ServiceSettings) -> None:
    _configure(metadata, settings, connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData, settings: ServiceSettings) -> None:
    engine = create_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.schema}"'))
                await connection.commit()
            await connection.run_sync(_run_sync, metadata, settings)
            await connection.commit()
    finally:
        await engine.dispose()


async def upgrade_to_head(
    settings: ServiceSettings, migrations_dir: str | Path, *, revision: str = "head"
) -> None:
    """Apply every migration up to ``revision``; safe to call from a running event loop.

    Alembic's command API is synchronous and ``env.py`` starts its own event loop, so the command
    runs in a worker thread; the caller's loop keeps serving meanwhile.
    """
    config = alembic_config(settings, migrations_dir)
    await asyncio.to_thread(command.upgrade, config, revision)
