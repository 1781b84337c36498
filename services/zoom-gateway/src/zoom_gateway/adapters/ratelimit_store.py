"""Rate limits shared by every gateway replica, kept in the gateway's database.

**Token buckets.** One row per (tenant, category) holds ``tokens`` and ``updated_at``. Taking a
token is one statement::

    UPDATE rate_buckets
       SET tokens = refilled - 1, updated_at = max(updated_at, :now)
     WHERE tenant = :t AND category = :c AND refilled >= 1 AND not parked
    RETURNING tokens

where ``refilled = min(capacity, tokens + (now - updated_at) * rate)`` is computed in SQL. On
PostgreSQL the UPDATE locks the row and re-evaluates the WHERE clause against the latest
committed version, so two replicas racing for the last token cannot both get it; on SQLite every
write transaction is serialised (``BEGIN IMMEDIATE``). When no row is updated the caller waits
(the bucket tells how long until the next token), bounded by its deadline, or gets
RESOURCE_EXHAUSTED with a retry delay. A daily 429 from Zoom parks the whole category
(``blocked_until``) for every replica.

Our buckets run slightly below Zoom's numbers (``safety``, default 0.9) so that network jitter
bunching requests on their way cannot push Zoom's own bucket over.

**Per-host daily ledger.** Zoom allows a host 100 meeting creates+updates per UTC day. One row per
(tenant, Zoom user id, day) — the host resolved once to Zoom's id, so one person named by email,
by ``me`` and by id has one counter — is counted with ``INSERT … ON CONFLICT DO UPDATE SET
count = count + 1 WHERE count < limit RETURNING count`` *before* the call; when nothing is
updated the call is refused with RESOURCE_EXHAUSTED and a ``RetryInfo`` pointing at the next
00:00 UTC, and Zoom is never asked.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from classbridge_common.errors import ResourceExhausted
from zoom_gateway.adapters.db_util import insert_ignore
from zoom_gateway.adapters.orm import host_daily_usage, meeting_hosts, rate_buckets
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import (
    HOST_DAILY_MEETING_WRITES,
    BucketSpec,
    Category,
    next_utc_midnight,
    refill,
    utc_day,
    wait_for_token,
)

SpecFor = Callable[[str, Category], BucketSpec]


class DbRateLimiter:
    """Token buckets in the database (a ``RateLimiter`` for :class:`ZoomClient`)."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        spec_for: SpecFor,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._spec_for = spec_for
        self._clock = clock
        self.waits = 0  # how often a caller had to wait for a token (observability)

    async def acquire(self, tenant: str, category: Category, deadline: Deadline) -> None:
        """Take one token, waiting for it while the deadline allows."""
        spec = self._spec_for(tenant, category)
        while True:
            now = self._clock()
            taken, wait, blocked_until = await self._try_take(tenant, category, spec, now)
            if taken:
                return
            if blocked_until is not None and blocked_until > now:
                raise ResourceExhausted(
                    f"Zoom's daily limit for {category.value} calls is used up",
                    retry_at=datetime.fromtimestamp(blocked_until, UTC),
                    details={"category": category.value, "limit": "daily"},
                )
            # a little jitter so that waiters of several replicas do not wake together
            pause = wait + random.uniform(0, min(0.05, wait + 0.01))
            if pause >= deadline.remaining():
                raise ResourceExhausted(
                    f"Zoom's per-second limit for {category.value} calls is reached",
                    retry_after=timedelta(seconds=max(wait, 0.001)),
                    details={"category": category.value, "limit": "per_second"},
                )
            self.waits += 1
            await asyncio.sleep(pause)

    def _take_statement(self, tenant: str, category: Category, spec: BucketSpec, now: float) -> Any:
        """The one ``UPDATE … RETURNING`` that takes a token, refill computed in SQL."""
        t = rate_buckets
        elapsed = case((t.c.updated_at < now, literal(now) - t.c.updated_at), else_=literal(0.0))
        grown = t.c.tokens + elapsed * spec.rate
        refilled = case((grown > spec.capacity, literal(spec.capacity)), else_=grown)
        return (
            update(t)
            .where(
                t.c.tenant == tenant,
                t.c.category == category.value,
                refilled >= 1.0,
                or_(t.c.blocked_until.is_(None), t.c.blocked_until <= now),
            )
            .values(
                tokens=refilled - 1.0,
                updated_at=case((t.c.updated_at < now, literal(now)), else_=t.c.updated_at),
            )
            .returning(t.c.tokens)
        )

    async def take_in(self, conn: AsyncConnection, tenant: str, category: Category) -> bool:
        """Take a token inside the caller's transaction if one is there now; never waits.

        The statement alone is one round trip; what costs on PostgreSQL is a transaction of its
        own, so a create takes its token in the transaction that claims its idempotency key.
        False (no token, bucket parked or not created yet) sends the call through the normal
        :meth:`acquire`, which waits or refuses as usual.
        """
        spec = self._spec_for(tenant, category)
        stmt = self._take_statement(tenant, category, spec, self._clock())
        return (await conn.execute(stmt)).first() is not None

    async def _try_take(
        self, tenant: str, category: Category, spec: BucketSpec, now: float
    ) -> tuple[bool, float, float | None]:
        t = rate_buckets
        key = and_(t.c.tenant == tenant, t.c.category == category.value)
        async with self._engine.begin() as conn:
            stmt = self._take_statement(tenant, category, spec, now)
            if (await conn.execute(stmt)).first() is not None:
                return True, 0.0, None
            row = (
                await conn.execute(select(t.c.tokens, t.c.updated_at, t.c.blocked_until).where(key))
            ).first()
            if row is None:
                await conn.execute(
                    insert_ignore(
                        conn,
                        t,
                        {
                            "tenant": tenant,
                            "category": category.value,
                            "tokens": spec.capacity,
                            "updated_at": now,
                            "blocked_until": None,
                        },
                    )
                )
                return False, 0.0, None  # created; the caller's next try takes from it
        tokens = refill(row.tokens, now - row.updated_at, spec)
        return False, wait_for_token(tokens, spec), row.blocked_until

    async def park(self, tenant: str, category: Category, until: datetime) -> None:
        """Zoom said this category's daily budget is spent: stop every replica until ``until``."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(rate_buckets)
                .where(rate_buckets.c.tenant == tenant, rate_buckets.c.category == category.value)
                .values(blocked_until=until.timestamp())
            )


class HostQuotaLedger:
    """Counts meeting creates+updates per host per UTC day, shared by every replica."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        limit: int = HOST_DAILY_MEETING_WRITES,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self.limit = limit
        self._now = now

    async def charge(self, tenant: str, host_key: str) -> int:
        """Count one write for ``host_key`` today, or raise RESOURCE_EXHAUSTED (Zoom not asked)."""
        async with self._engine.begin() as conn:
            return await self.charge_in(conn, tenant, host_key)

    async def charge_in(self, conn: AsyncConnection, tenant: str, host_key: str) -> int:
        """:meth:`charge` inside the caller's transaction (one upsert statement).

        ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1 WHERE count < limit RETURNING``:
        the row lock makes concurrent replicas count one after the other; no row back means the
        day's budget is spent. Raising rolls the caller's transaction back with it.
        """
        now = self._now()
        day = utc_day(now)
        t = host_daily_usage
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(t)
            .values(tenant=tenant, host_key=host_key.lower(), day=day, count=1)
            .on_conflict_do_update(
                index_elements=[t.c.tenant, t.c.host_key, t.c.day],
                set_={"count": t.c.count + 1},
                where=t.c.count < self.limit,
            )
            .returning(t.c.count)
        )
        row = (await conn.execute(stmt)).first()
        if row is None:
            raise self.exhausted(host_key, now)
        return int(row[0])  # RETURNING count (``row.count`` is Row's tuple method to mypy)

    async def mark_exhausted(self, tenant: str, host_key: str) -> None:
        """Zoom itself said the host is out (writes made elsewhere): stop counting, refuse."""
        day = utc_day(self._now())
        t = host_daily_usage
        async with self._engine.begin() as conn:
            await conn.execute(
                insert_ignore(
                    conn,
                    t,
                    {"tenant": tenant, "host_key": host_key.lower(), "day": day, "count": 0},
                )
            )
            await conn.execute(
                update(t)
                .where(t.c.tenant == tenant, t.c.host_key == host_key.lower(), t.c.day == day)
                .values(count=self.limit)
            )

    async def used(self, tenant: str, host_key: str) -> int:
        t = host_daily_usage
        async with self._engine.connect() as conn:
            value = (
                await conn.execute(
                    select(t.c.count).where(
                        t.c.tenant == tenant,
                        t.c.host_key == host_key.lower(),
                        t.c.day == utc_day(self._now()),
                    )
                )
            ).scalar()
        return int(value or 0)

    async def remember_host(self, tenant: str, meeting_id: int, host_key: str) -> None:
        """Which ledger a meeting's updates are charged to (the host it was created for)."""
        async with self._engine.begin() as conn:
            await self.remember_host_in(conn, tenant, meeting_id, host_key)

    async def remember_host_in(
        self, conn: AsyncConnection, tenant: str, meeting_id: int, host_key: str
    ) -> None:
        """:meth:`remember_host` inside the caller's transaction (stored with the create's
        result, so one commit records both)."""
        await conn.execute(
            insert_ignore(
                conn,
                meeting_hosts,
                {"tenant": tenant, "meeting_id": meeting_id, "host_key": host_key.lower()},
            )
        )

    async def host_of(self, tenant: str, meeting_id: int) -> str | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(meeting_hosts.c.host_key).where(
                        meeting_hosts.c.tenant == tenant, meeting_hosts.c.meeting_id == meeting_id
                    )
                )
            ).scalar()

    def exhausted(self, host_key: str, now: datetime) -> ResourceExhausted:
        return ResourceExhausted(
            f"Zoom allows {self.limit} meeting creates and updates per host per UTC day; "
            f"host {host_key!r} has used them; retry after 00:00 UTC",
            retry_at=next_utc_midnight(now),
            details={"limit": "host_daily", "host": host_key},
        )
