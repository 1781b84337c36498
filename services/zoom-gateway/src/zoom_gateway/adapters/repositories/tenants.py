"""The ``tenants`` table: tenants and Zoom apps set through the API, secrets encrypted.

Rows hold only what was set through the API (NULL = "the seed's value holds", see
:mod:`zoom_gateway.adapters.tenant_directory`). Every change bumps ``version``, so another
replica notices it with one cheap query (:meth:`TenantRepository.stamp`) instead of re-reading
every row, and so a change is applied only to the version it was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.crypto import SecretBox
from classbridge_common.errors import Aborted
from zoom_gateway.adapters.orm import tenants
from zoom_gateway.adapters.repositories.sql import insert_ignore, rowcount

SECRET_COLUMNS: Mapping[str, str] = {
    "client_secret": "client_secret_enc",
    "webhook_secret_token": "webhook_secret_enc",
    "previous_webhook_secret_token": "previous_webhook_secret_enc",
    "oauth_client_secret": "oauth_client_secret_enc",
}
"""Field of :class:`TenantRow` -> its encrypted column."""
PLAIN_COLUMNS = ("account_id", "client_id", "oauth_client_id", "oauth_redirect_uri")
APP_FIELDS = (*PLAIN_COLUMNS, "client_secret", "webhook_secret_token", "oauth_client_secret")
"""What UpdateTenantZoomApps may change."""


@dataclass(frozen=True)
class TenantRow:
    """One stored tenant, secrets decrypted. ``None``: not set through the API."""

    id: str
    name: str
    request_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    account_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    webhook_secret_token: str | None = None
    previous_webhook_secret_token: str | None = None
    previous_webhook_valid_until: datetime | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = None
    oauth_redirect_uri: str | None = None

    def __repr__(self) -> str:
        return f"TenantRow(id={self.id!r}, version={self.version}, <secrets hidden>)"

    __str__ = __repr__


class TenantRepository:
    """Reads and writes the ``tenants`` table in the unit of work's transaction."""

    def __init__(self, session: AsyncSession, box: SecretBox) -> None:
        self._session = session
        self._box = box

    def _row(self, raw: Any) -> TenantRow:
        values: dict[str, Any] = {
            f.name: getattr(raw, f.name) for f in fields(TenantRow) if f.name not in SECRET_COLUMNS
        }
        for name, column in SECRET_COLUMNS.items():
            stored = getattr(raw, column)
            values[name] = None if stored is None else self._box.decrypt_str(stored)
        return TenantRow(**values)

    async def stamp(self) -> tuple[int, int]:
        """(rows, sum of versions): changes whenever any tenant is created or changed."""
        count, total = (
            await self._session.execute(
                select(func.count(), func.coalesce(func.sum(tenants.c.version), 0))
            )
        ).one()
        return int(count), int(total)

    async def all(self) -> list[TenantRow]:
        rows = (await self._session.execute(select(tenants).order_by(tenants.c.id))).all()
        return [self._row(r) for r in rows]

    async def get(self, tenant_id: str) -> TenantRow | None:
        raw = (
            await self._session.execute(select(tenants).where(tenants.c.id == tenant_id))
        ).first()
        return None if raw is None else self._row(raw)

    async def add(
        self, *, tenant_id: str, name: str, request_id: str | None, now: datetime
    ) -> bool:
        """Insert a tenant; False when the id is taken (perhaps by a concurrent create, whose
        row the same unit of work can then read)."""
        inserted = await self._session.execute(
            insert_ignore(
                self._session,
                tenants,
                {
                    "id": tenant_id,
                    "name": name,
                    "request_id": request_id,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                },
            ).returning(tenants.c.id)
        )
        return inserted.first() is not None

    async def set_apps(
        self,
        *,
        tenant_id: str,
        name: str,
        changes: Mapping[str, str],
        current_webhook_secret: str,
        previous_webhook_valid_until: datetime | None,
        now: datetime,
    ) -> TenantRow:
        """Apply ``changes`` (fields of :data:`APP_FIELDS`) to the tenant's row, creating it for
        a seed-only tenant. A changed webhook secret keeps the old one as ``previous`` until
        ``previous_webhook_valid_until``. Guarded by ``version``: a concurrent change of the
        same tenant answers ABORTED (and the unit of work rolls back) instead of being silently
        lost. ``current_webhook_secret`` is the token in effect now (perhaps a seed's), the one
        a change keeps for the grace period."""
        current = await self.get(tenant_id)
        if current is None:
            await self.add(tenant_id=tenant_id, name=name, request_id=None, now=now)
            current = await self.get(tenant_id)
            assert current is not None
        values: dict[str, Any] = {}
        for field_name, value in changes.items():
            if field_name in SECRET_COLUMNS:
                values[SECRET_COLUMNS[field_name]] = self._box.encrypt(value)
            else:
                values[field_name] = value
        new_webhook = changes.get("webhook_secret_token")
        if (
            new_webhook is not None
            and current_webhook_secret
            and new_webhook != current_webhook_secret
        ):
            values["previous_webhook_secret_enc"] = self._box.encrypt(current_webhook_secret)
            values["previous_webhook_valid_until"] = previous_webhook_valid_until
        result = await self._session.execute(
            update(tenants)
            .where(tenants.c.id == tenant_id, tenants.c.version == current.version)
            .values(**values, version=current.version + 1, updated_at=now)
        )
        if rowcount(result) != 1:
            raise Aborted(f"tenant {tenant_id!r} was changed concurrently; try again")
        updated = await self.get(tenant_id)
        assert updated is not None
        return updated
