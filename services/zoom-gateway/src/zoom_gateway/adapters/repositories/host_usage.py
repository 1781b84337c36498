"""Zoom's per-host daily budget: ``host_daily_usage`` (the counters) and ``meeting_hosts``
(which host a meeting's updates are charged to).

Zoom allows a host 100 meeting creates+updates per UTC day. One row per (tenant, Zoom user id,
day) — the host resolved once to Zoom's id, so one person named by email, by ``me`` and by id
has one counter — is counted with ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1 WHERE
count < limit RETURNING count`` *before* the call: the row lock makes concurrent replicas count
one after the other, and no row back means the day's budget is spent. What to do then (refuse
with RESOURCE_EXHAUSTED, roll the create's claim back) is the caller's:
:mod:`zoom_gateway.service_layer.host_quota`.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoom_gateway.adapters.orm import host_daily_usage, meeting_hosts
from zoom_gateway.adapters.repositories.sql import dialect_insert, insert_ignore


class HostUsageRepository:
    """Counts meeting writes per host per UTC day and remembers each meeting's host."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def charge(self, tenant: str, host_key: str, *, day: str, limit: int) -> int | None:
        """Count one write for ``host_key`` on ``day``: the new count, or None when ``limit``
        writes were counted already (nothing changes then)."""
        t = host_daily_usage
        stmt = (
            dialect_insert(self._session, t)
            .values(tenant=tenant, host_key=host_key.lower(), day=day, count=1)
            .on_conflict_do_update(
                index_elements=[t.c.tenant, t.c.host_key, t.c.day],
                set_={"count": t.c.count + 1},
                where=t.c.count < limit,
            )
            .returning(t.c.count)
        )
        row = (await self._session.execute(stmt)).first()
        return None if row is None else int(row[0])  # ``row.count`` is Row's tuple method

    async def mark_exhausted(self, tenant: str, host_key: str, *, day: str, limit: int) -> None:
        """Zoom itself said the host is out (writes made elsewhere): count the day as spent."""
        t = host_daily_usage
        key = host_key.lower()
        await self._session.execute(
            insert_ignore(
                self._session, t, {"tenant": tenant, "host_key": key, "day": day, "count": 0}
            )
        )
        await self._session.execute(
            update(t)
            .where(t.c.tenant == tenant, t.c.host_key == key, t.c.day == day)
            .values(count=limit)
        )

    async def remember_host(self, tenant: str, meeting_id: int, host_key: str) -> None:
        """Which ledger a meeting's updates are charged to (the host it was created for)."""
        await self._session.execute(
            insert_ignore(
                self._session,
                meeting_hosts,
                {"tenant": tenant, "meeting_id": meeting_id, "host_key": host_key.lower()},
            )
        )

    async def host_of(self, tenant: str, meeting_id: int) -> str | None:
        t = meeting_hosts
        host: str | None = (
            await self._session.execute(
                select(t.c.host_key).where(t.c.tenant == tenant, t.c.meeting_id == meeting_id)
            )
        ).scalar()
        return host
