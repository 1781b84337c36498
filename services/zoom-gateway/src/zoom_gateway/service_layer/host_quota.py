"""Zoom's per-host daily budget as the handlers apply it: count before calling, refuse when spent.

Zoom allows a host 100 meeting creates+updates per UTC day. Each create and update is charged
to the host's ledger (:mod:`zoom_gateway.adapters.repositories.host_usage`) *before* Zoom is
asked, in the caller's unit of work; when the day's budget is spent the call is refused with
RESOURCE_EXHAUSTED and a ``RetryInfo`` pointing at the next 00:00 UTC, and Zoom is never asked.
Raising inside the unit of work rolls back what it held with the charge (a create's claim).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from classbridge_common.errors import ResourceExhausted
from zoom_gateway.adapters.uow import GatewayUnitOfWork
from zoom_gateway.domain.ratelimits import HOST_DAILY_MEETING_WRITES, next_utc_midnight, utc_day


class HostQuota:
    """The per-host daily limit and the clock that says which UTC day it is."""

    def __init__(
        self,
        *,
        limit: int = HOST_DAILY_MEETING_WRITES,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.limit = limit
        self.now = now

    async def charge(self, uow: GatewayUnitOfWork, tenant: str, host_key: str) -> int:
        """Count one write for ``host_key`` today in ``uow``, or raise RESOURCE_EXHAUSTED."""
        now = self.now()
        count = await uow.host_usage.charge(tenant, host_key, day=utc_day(now), limit=self.limit)
        if count is None:
            raise self.exhausted(host_key, now)
        return count

    async def mark_exhausted(self, uow: GatewayUnitOfWork, tenant: str, host_key: str) -> None:
        """Zoom itself said the host is out (writes made elsewhere): refuse until midnight."""
        await uow.host_usage.mark_exhausted(
            tenant, host_key, day=utc_day(self.now()), limit=self.limit
        )

    def exhausted(self, host_key: str, now: datetime) -> ResourceExhausted:
        return ResourceExhausted(
            f"Zoom allows {self.limit} meeting creates and updates per host per UTC day; "
            f"host {host_key!r} has used them; retry after 00:00 UTC",
            retry_at=next_utc_midnight(now),
            details={"limit": "host_daily", "host": host_key},
        )
