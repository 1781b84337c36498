"""Token buckets for the edge's rate limits: one interface, kept in memory or in the database.

A bucket holds up to ``capacity`` tokens and gains ``per_second`` of them continuously; a request
takes one, or is refused when less than one is left (and then takes nothing). A bucket nobody
touched for ``capacity / per_second`` seconds is full, which is the same as having no row: that
is what lets both stores forget idle buckets (an address seen once, a caller gone home).

- :class:`MemoryBuckets` — one process (the embedded default of ``make run``, tests): a dict.
- :class:`DatabaseBuckets` — several edge replicas behind a load balancer share their buckets
  through the database (PostgreSQL in production; SQLite works for processes on one host).
  Each take is **one** conditional ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` of one row,
  in its own transaction (autocommit on PostgreSQL), so no transaction is ever held across a
  call to a service. The table is the edge's only one, and expendable (losing it resets the
  limits): the store creates it on first use, ``UNLOGGED`` on PostgreSQL, under an advisory
  lock so replicas starting together do not race; the edge has no migrate step.

Clocks: the memory store uses the monotonic clock; the database store the wall clock of each
replica (they agree to NTP precision, and a bucket's clock never runs backwards: a replica
behind the others neither refills nor rewinds it).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Float,
    Index,
    MetaData,
    String,
    Table,
    case,
    delete,
    literal,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateIndex, CreateTable

from classbridge_common.db import is_postgres

log = logging.getLogger(__name__)

Clock = Callable[[], float]
PRUNE_EVERY_SECONDS = 60.0
RETRY_CREATE_AFTER_SECONDS = 30.0
_LOCK_KEY = 0x636C_6272_6C69_6D  # pg_advisory_xact_lock key of the table's creation


@dataclass(frozen=True)
class Bucket:
    """One limit as a request meets it: its key (who), its size and its refill rate."""

    key: str
    capacity: int
    per_second: float

    @classmethod
    def per_minute(cls, key: str, limit: int) -> Bucket:
        """``limit`` requests a minute, all of which may come at once."""
        return cls(key=key, capacity=limit, per_second=limit / 60.0)


@dataclass(frozen=True)
class Level:
    """A bucket after a request met it: was it let through, and what is left."""

    bucket: Bucket
    allowed: bool
    tokens: float

    @property
    def remaining(self) -> int:
        """Whole requests left now."""
        return max(0, math.floor(self.tokens))

    @property
    def retry_after(self) -> int:
        """Whole seconds until one request is allowed again (0 when it is now)."""
        missing = 1.0 - self.tokens
        return 0 if missing <= 0 else max(1, math.ceil(missing / self.bucket.per_second))

    @property
    def reset(self) -> int:
        """Whole seconds until the bucket is full again."""
        missing = self.bucket.capacity - self.tokens
        return 0 if missing <= 0 else math.ceil(missing / self.bucket.per_second)


class BucketStore(Protocol):
    """Where buckets live; chosen once at start-up (:func:`edge.rate_limits.limiter_from`)."""

    name: str

    async def take(self, bucket: Bucket) -> Level:
        """Take one token from ``bucket`` if it has one (refused: it takes nothing)."""

    async def give_back(self, bucket: Bucket) -> None:
        """Return the token a request took, when a later bucket refused that request."""

    async def aclose(self) -> None:
        """Release what the store holds (connections)."""


def _refill(tokens: float, stamp: float, now: float, bucket: Bucket) -> float:
    return min(float(bucket.capacity), tokens + max(0.0, now - stamp) * bucket.per_second)


def _full_at(tokens: float, now: float, bucket: Bucket) -> float:
    return now + max(0.0, bucket.capacity - tokens) / bucket.per_second


class MemoryBuckets:
    """Buckets in this process (one edge alone). No lock: a take never awaits."""

    name = "memory"

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._levels: dict[str, tuple[float, float, float]] = {}  # tokens, stamp, full at
        self._pruned = clock()

    async def take(self, bucket: Bucket) -> Level:
        now = self._clock()
        self._prune(now)
        tokens, stamp, _ = self._levels.get(bucket.key, (float(bucket.capacity), now, now))
        tokens = _refill(tokens, stamp, now, bucket)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._levels[bucket.key] = (tokens, max(stamp, now), _full_at(tokens, now, bucket))
        return Level(bucket=bucket, allowed=allowed, tokens=tokens)

    async def give_back(self, bucket: Bucket) -> None:
        found = self._levels.get(bucket.key)
        if found is not None:
            tokens, stamp, full_at = found
            self._levels[bucket.key] = (min(float(bucket.capacity), tokens + 1.0), stamp, full_at)

    async def aclose(self) -> None:
        self._levels.clear()

    def __len__(self) -> int:
        return len(self._levels)

    def _prune(self, now: float) -> None:
        if now - self._pruned < PRUNE_EVERY_SECONDS:
            return
        self._pruned = now
        for key in [k for k, (_, _, full_at) in self._levels.items() if full_at <= now]:
            del self._levels[key]


metadata = MetaData()

rate_buckets = Table(
    "edge_rate_buckets",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("stamp", Float, nullable=False),  # the wall clock of the last take, epoch seconds
    Column("full_at", Float, nullable=False),  # when the bucket is full again: prunable after
    Column("allowed", Boolean, nullable=False),  # the verdict of the last take
)
Index("ix_edge_rate_buckets_full_at", rate_buckets.c.full_at)


class DatabaseBuckets:
    """Buckets in the edge's database schema, shared by every replica using it."""

    name = "database"

    def __init__(
        self, engine: AsyncEngine, *, schema: str | None = None, clock: Clock = time.time
    ) -> None:
        self._engine = engine
        self._postgres = is_postgres(engine)
        self._schema = schema if self._postgres else None
        # One statement, one transaction: autocommit on PostgreSQL (one round trip); SQLite's
        # engine opens ``BEGIN IMMEDIATE`` itself, so there it is a plain transaction.
        self._statements = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if self._postgres else engine
        )
        self._clock = clock
        self._created = False
        self._create_failed_at: float | None = None
        self._creating = asyncio.Lock()
        self._pruned = clock()

    async def take(self, bucket: Bucket) -> Level:
        await self._create_table()
        now = self._clock()
        async with self._connect() as connection:
            row = (await connection.execute(self._take(bucket, now))).one()
            if not self._postgres:
                await connection.commit()
        level = Level(bucket=bucket, allowed=bool(row.allowed), tokens=float(row.tokens))
        if now - self._pruned >= PRUNE_EVERY_SECONDS:
            self._pruned = now
            await self._prune(now)
        return level

    async def give_back(self, bucket: Bucket) -> None:
        tokens = rate_buckets.c.tokens
        statement = (
            update(rate_buckets)
            .where(rate_buckets.c.key == bucket.key)
            .values(tokens=_least(tokens + 1.0, float(bucket.capacity)))
        )
        async with self._connect() as connection:
            await connection.execute(statement)
            if not self._postgres:
                await connection.commit()

    async def aclose(self) -> None:
        await self._engine.dispose()

    def _connect(self) -> AsyncConnection:
        return self._statements.connect()

    def _take(self, bucket: Bucket, now: float) -> Any:
        table = rate_buckets
        capacity = float(bucket.capacity)
        elapsed = _greatest(literal(now, Float) - table.c.stamp, 0.0)
        refilled = _least(table.c.tokens + elapsed * bucket.per_second, capacity)
        allowed = refilled >= 1.0
        left = case((allowed, refilled - 1.0), else_=refilled)
        first = capacity - 1.0
        insert = postgresql.insert if self._postgres else sqlite.insert
        return (
            insert(table)
            .values(
                key=bucket.key,
                tokens=first,
                stamp=now,
                full_at=now + 1.0 / bucket.per_second,
                allowed=True,
            )
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "tokens": left,
                    "allowed": allowed,
                    "stamp": _greatest(table.c.stamp, now),
                    "full_at": literal(now, Float) + (capacity - left) / bucket.per_second,
                },
            )
            .returning(table.c.tokens, table.c.allowed)
        )

    async def _prune(self, now: float) -> None:
        """Forget the buckets that are full again (a missing row is a full bucket)."""
        try:
            async with self._connect() as connection:
                await connection.execute(delete(rate_buckets).where(rate_buckets.c.full_at <= now))
                if not self._postgres:
                    await connection.commit()
        except Exception:  # pruning is housekeeping: the next minute retries
            log.warning("could not prune the rate-limit buckets", exc_info=True)

    async def _create_table(self) -> None:
        if self._created:
            return
        async with self._creating:  # the first requests of a replica wait for one creation
            if not self._created:
                await self._create_once()

    async def _create_once(self) -> None:
        failed = self._create_failed_at
        if failed is not None and time.monotonic() - failed < RETRY_CREATE_AFTER_SECONDS:
            raise RuntimeError("the rate-limit table could not be created; retrying later")
        try:
            async with self._engine.begin() as connection:
                await _create(connection, postgres=self._postgres, schema=self._schema)
        except Exception:
            self._create_failed_at = time.monotonic()
            raise
        self._created = True


async def _create(connection: AsyncConnection, *, postgres: bool, schema: str | None) -> None:
    """The table and its index, if missing (PostgreSQL: the schema too, serialised)."""
    if postgres:
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        if schema:  # a lower-case SQL identifier: the settings check it
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    ddl = str(CreateTable(rate_buckets, if_not_exists=True).compile(dialect=connection.dialect))
    if postgres:
        ddl = ddl.replace("CREATE TABLE", "CREATE UNLOGGED TABLE", 1)
    await connection.exec_driver_sql(ddl)
    index = next(iter(rate_buckets.indexes))
    await connection.execute(CreateIndex(index, if_not_exists=True))


def _least(value: ColumnElement[Any], bound: float) -> ColumnElement[Any]:
    """``min(value, bound)``, spelled the same on PostgreSQL and SQLite."""
    return case((value > bound, literal(bound, Float)), else_=value)


def _greatest(value: ColumnElement[Any], bound: float) -> ColumnElement[Any]:
    """``max(value, bound)``, spelled the same on PostgreSQL and SQLite."""
    return case((value < bound, literal(bound, Float)), else_=value)


__all__ = ["Bucket", "BucketStore", "DatabaseBuckets", "Level", "MemoryBuckets", "metadata"]
