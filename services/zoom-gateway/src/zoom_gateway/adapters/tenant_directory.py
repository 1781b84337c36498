"""Every tenant the gateway serves: the seeds (``ZOOM_*``, ``ZOOM_TENANTS_FILE``, read-only)
with the ``tenants`` table layered on top.

Handlers read a snapshot synchronously (the rate limiter and token refresh need a tenant without
awaiting). :meth:`TenantDirectory.refresh` keeps the snapshot current: at most every ``ttl``
seconds it asks the database for the table's stamp (row count and sum of versions) and reloads
only when it changed, both in one read-only unit of work. A change made through this replica is
applied at once (:meth:`TenantDirectory.reload`); another replica sees it within ``ttl``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from zoom_gateway.adapters.repositories.tenants import TenantRepository, TenantRow
from zoom_gateway.adapters.uow import UnitOfWorkFactory
from zoom_gateway.domain.ratelimits import Category, Plan
from zoom_gateway.domain.tenants import TenantConfig

OVERRIDABLE = (
    "name",
    "account_id",
    "client_id",
    "client_secret",
    "webhook_secret_token",
    "previous_webhook_secret_token",
    "previous_webhook_valid_until",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_redirect_uri",
)


@dataclass(frozen=True)
class TenantEntry:
    """A tenant as served: its effective configuration and where it came from."""

    config: TenantConfig
    seeded: bool
    stored: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None


def merge(
    seed: TenantConfig | None, row: TenantRow | None, *, plan: Plan, category: Category
) -> TenantConfig:
    """The seed with every field the row sets (non-NULL) replaced."""
    if row is None:
        assert seed is not None
        return seed
    base = seed or TenantConfig(id=row.id, plan=plan, create_meeting_category=category)
    changes = {name: getattr(row, name) for name in OVERRIDABLE if getattr(row, name) is not None}
    return dataclasses.replace(base, **changes)


class TenantDirectory:
    """The tenants snapshot, refreshed from the database when it changed."""

    def __init__(
        self,
        *,
        seeds: Mapping[str, TenantConfig],
        uow: UnitOfWorkFactory,
        ttl: float = 1.0,
        plan: Plan = Plan.BUSINESS,
        category: Category = Category.MEDIUM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seeds = dict(seeds)
        self._uow = uow
        self._ttl = ttl
        self._plan = plan
        self._category = category
        self._clock = clock
        self._entries: dict[str, TenantEntry] = {
            tid: TenantEntry(config=t, seeded=True, stored=False) for tid, t in self._seeds.items()
        }
        self._stamp: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._lock = asyncio.Lock()

    def get(self, tenant_id: str) -> TenantConfig | None:
        entry = self._entries.get(tenant_id)
        return None if entry is None else entry.config

    def entry(self, tenant_id: str) -> TenantEntry | None:
        return self._entries.get(tenant_id)

    def entries(self) -> list[TenantEntry]:
        return [self._entries[k] for k in sorted(self._entries)]

    def configs(self) -> dict[str, TenantConfig]:
        return {k: e.config for k, e in self._entries.items()}

    def is_seeded(self, tenant_id: str) -> bool:
        return tenant_id in self._seeds

    async def refresh(self) -> None:
        """Reload when the table changed since the last look (looking at most every ``ttl``)."""
        if self._clock() - self._checked < self._ttl:
            return
        async with self._lock:
            if self._clock() - self._checked < self._ttl:
                return
            async with self._uow() as uow:
                stamp = await uow.tenants.stamp()
                if stamp != self._stamp:
                    await self._load(uow.tenants, stamp)
            self._checked = self._clock()

    async def reload(self) -> None:
        """Reload now (after this replica changed a tenant, its unit of work committed)."""
        async with self._lock:
            async with self._uow() as uow:
                await self._load(uow.tenants, await uow.tenants.stamp())
            self._checked = self._clock()

    async def _load(self, tenants: TenantRepository, stamp: tuple[int, int]) -> None:
        rows = {r.id: r for r in await tenants.all()}
        entries: dict[str, TenantEntry] = {}
        for tid in {*self._seeds, *rows}:
            row = rows.get(tid)
            entries[tid] = TenantEntry(
                config=merge(self._seeds.get(tid), row, plan=self._plan, category=self._category),
                seeded=tid in self._seeds,
                stored=row is not None,
                created_at=row.created_at if row else None,
                updated_at=row.updated_at if row else None,
            )
        self._entries = entries
        self._stamp = stamp
