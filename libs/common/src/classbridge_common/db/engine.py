"""Async SQLAlchemy engines: PostgreSQL (one schema per service) or one SQLite file per service.

The same code and the same migrations run on both: tables are declared without a schema and
PostgreSQL finds them through ``search_path``, set per connection to the service's schema.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# Looked up on the module at call time: OpenTelemetry's SQLAlchemy instrumentation replaces
# ``sqlalchemy.ext.asyncio.create_async_engine``, and a name imported earlier would bypass it.
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from classbridge_common.db import sqlite_driver
from classbridge_common.settings import ServiceSettings

__all__ = ["create_engine", "database_url", "is_postgres", "is_sqlite", "session_factory"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url(settings: ServiceSettings) -> str:
    """``DATABASE_URL``, or the service's SQLite file ``<data_dir>/<service>.db`` when unset."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite+aiosqlite:///{settings.sqlite_path}"


def create_engine(
    settings: ServiceSettings,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    echo: bool = False,
    pool_pre_ping: bool = True,
    **engine_options: Any,
) -> AsyncEngine:
    """Create the service's async engine (the caller disposes it: ``await engine.dispose()``).

    ``pool_pre_ping`` (PostgreSQL) tests each pooled connection with a round trip before lending
    it. Keep it for ordinary request handlers; a hot writer that already turns a failed statement
    into a retryable error (webhook-ingest's group committer answers 503, Zoom retries) may turn it
    off to save that round trip per transaction — SQLAlchemy still discards a connection whose
    statement failed with a disconnect, so the next transaction gets a fresh one.
    """
    url = database_url(settings)
    if url.startswith("postgresql"):
        connect_args = dict(engine_options.pop("connect_args", {}))
        server_settings = dict(connect_args.get("server_settings", {}))
        server_settings.setdefault("search_path", settings.schema)
        server_settings.setdefault("application_name", settings.service_name)
        connect_args["server_settings"] = server_settings
        return sa_asyncio.create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=pool_pre_ping,
            echo=echo,
            connect_args=connect_args,
            **engine_options,
        )
    if url.startswith("sqlite"):
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        if url.startswith("sqlite+aiosqlite"):
            # one trip to the connection's thread per statement instead of four
            engine_options.setdefault("module", sqlite_driver.dbapi())
        engine = sa_asyncio.create_async_engine(url, echo=echo, **engine_options)
        _configure_sqlite(engine.sync_engine)
        return engine
    raise ValueError("DATABASE_URL must be a postgresql+asyncpg:// or sqlite+aiosqlite:// URL")


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` for every transaction.

    SQLite has one writer. A deferred transaction that reads and then writes fails at once with
    "database is locked" when another writer got there first (the busy timeout cannot help a
    snapshot upgrade), which is exactly what the outbox relay and a request would do. Taking the
    write lock when the transaction begins makes writers queue on the busy timeout instead. This
    serialises transactions on the embedded default, which trades throughput for correctness;
    production runs on PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no implicit lazy I/O)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def _dialect_name(bind: AsyncEngine | AsyncConnection | AsyncSession | Engine | Connection) -> str:
    if isinstance(bind, AsyncSession):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def is_postgres(bind: AsyncEngine | AsyncConnection | AsyncSession | Engine | Connection) -> bool:
    """True on PostgreSQL (row locks, ``SKIP LOCKED``, ``ON CONFLICT``, schemas)."""
    return _dialect_name(bind) == "postgresql"


def is_sqlite(bind: AsyncEngine | AsyncConnection | AsyncSession | Engine | Connection) -> bool:
    """True on SQLite (single writer, no schemas)."""
    return _dialect_name(bind) == "sqlite"
