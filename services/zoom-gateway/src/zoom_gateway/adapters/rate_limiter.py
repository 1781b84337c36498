"""Zoom's per-second rate limits, shared by every gateway replica through the database.

:class:`DbRateLimiter` is the ``RateLimiter`` :class:`~zoom_gateway.adapters.zoom_client.ZoomClient`
asks before each request: it takes a token from the tenant's bucket for the call's category
(:mod:`zoom_gateway.adapters.repositories.rate_buckets` holds the statements). When none is there
the caller waits (the bucket tells how long until the next token), bounded by its deadline, or
gets RESOURCE_EXHAUSTED with a retry delay; a category parked by a daily 429 refuses at once.

**One short unit of work per try, on purpose.** A try is one ``UPDATE … RETURNING`` (plus, when
it fails, a read to learn how long to wait) and is committed at once: the wait happens between
units of work, and the Zoom call after the token never runs inside one. Holding a transaction
while waiting or while Zoom answers would keep the bucket's row locked on PostgreSQL (stalling
every replica's callers of that category) and SQLite's single write lock (stalling everyone).
A caller that already has a unit of work open for its own writes — a create claiming its
idempotency key — takes its token there instead (:meth:`DbRateLimiter.prepay`), which costs no
transaction of its own.

Our buckets run slightly below Zoom's numbers (``safety``, default 0.9) so that network jitter
bunching requests on their way cannot push Zoom's own bucket over.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from classbridge_common.errors import ResourceExhausted
from zoom_gateway.adapters.uow import GatewayUnitOfWork, UnitOfWorkFactory
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import BucketSpec, Category, refill, wait_for_token

SpecFor = Callable[[str, Category], BucketSpec]


class DbRateLimiter:
    """Token buckets in the database (a ``RateLimiter`` for :class:`ZoomClient`)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        spec_for: SpecFor,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._uow = uow
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
            await asyncio.sleep(pause)  # between units of work: nothing is held while waiting

    async def prepay(self, uow: GatewayUnitOfWork, tenant: str, category: Category) -> bool:
        """Take a token inside the caller's open unit of work if one is there now; never waits.

        The statement alone is one round trip; what costs on PostgreSQL is a transaction of its
        own, so a create takes its token in the unit of work that claims its idempotency key.
        False (no token, bucket parked or not created yet) sends the call through the normal
        :meth:`acquire`, which waits or refuses as usual.
        """
        spec = self._spec_for(tenant, category)
        return await uow.buckets.take(tenant, category, spec, self._clock())

    async def _try_take(
        self, tenant: str, category: Category, spec: BucketSpec, now: float
    ) -> tuple[bool, float, float | None]:
        """One try in one short unit of work: (taken, seconds to wait, parked until)."""
        async with self._uow() as uow:
            if await uow.buckets.take(tenant, category, spec, now):
                await uow.commit()
                return True, 0.0, None
            bucket = await uow.buckets.get(tenant, category)
            if bucket is None:
                await uow.buckets.create(tenant, category, spec, now)
                await uow.commit()
                return False, 0.0, None  # created; the caller's next try takes from it
        tokens = refill(bucket.tokens, now - bucket.updated_at, spec)
        return False, wait_for_token(tokens, spec), bucket.blocked_until

    async def park(self, tenant: str, category: Category, until: datetime) -> None:
        """Zoom said this category's daily budget is spent: stop every replica until ``until``."""
        async with self._uow() as uow:
            await uow.buckets.park(tenant, category, until.timestamp())
            await uow.commit()
