"""The ``rate_buckets`` table: per-tenant, per-category token buckets shared by every replica.

Taking a token is one statement::

    UPDATE rate_buckets
       SET tokens = refilled - 1, updated_at = max(updated_at, :now)
     WHERE tenant = :t AND category = :c AND refilled >= 1 AND not parked
    RETURNING tokens

where ``refilled = min(capacity, tokens + (now - updated_at) * rate)`` is computed in SQL. On
PostgreSQL the UPDATE locks the row and re-evaluates the WHERE clause against the latest
committed version, so two replicas racing for the last token cannot both get it; on SQLite every
write transaction is serialised (``BEGIN IMMEDIATE``). A daily 429 from Zoom parks the whole
category (``blocked_until``) for every replica. How callers wait for a token is
:mod:`zoom_gateway.adapters.rate_limiter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoom_gateway.adapters.orm import rate_buckets
from zoom_gateway.adapters.repositories.sql import insert_ignore
from zoom_gateway.domain.ratelimits import BucketSpec, Category


@dataclass(frozen=True)
class BucketState:
    """A bucket as stored: tokens at ``updated_at`` (unix seconds), parked until when."""

    tokens: float
    updated_at: float
    blocked_until: float | None


class RateBucketRepository:
    """Takes tokens from, creates and parks the shared buckets."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @staticmethod
    def _take_statement(tenant: str, category: Category, spec: BucketSpec, now: float) -> Any:
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

    async def take(self, tenant: str, category: Category, spec: BucketSpec, now: float) -> bool:
        """Take one token if the bucket has one now; False when empty, parked or missing."""
        stmt = self._take_statement(tenant, category, spec, now)
        return (await self._session.execute(stmt)).first() is not None

    async def get(self, tenant: str, category: Category) -> BucketState | None:
        t = rate_buckets
        row = (
            await self._session.execute(
                select(t.c.tokens, t.c.updated_at, t.c.blocked_until).where(
                    t.c.tenant == tenant, t.c.category == category.value
                )
            )
        ).first()
        if row is None:
            return None
        return BucketState(
            tokens=row.tokens, updated_at=row.updated_at, blocked_until=row.blocked_until
        )

    async def create(self, tenant: str, category: Category, spec: BucketSpec, now: float) -> None:
        """A full bucket, unless another replica created it first."""
        await self._session.execute(
            insert_ignore(
                self._session,
                rate_buckets,
                {
                    "tenant": tenant,
                    "category": category.value,
                    "tokens": spec.capacity,
                    "updated_at": now,
                    "blocked_until": None,
                },
            )
        )

    async def park(self, tenant: str, category: Category, until: float) -> None:
        """No token of this category for anyone until ``until`` (unix seconds)."""
        t = rate_buckets
        await self._session.execute(
            update(t)
            .where(t.c.tenant == tenant, t.c.category == category.value)
            .values(blocked_until=until)
        )
