"""The one door every request's reads and writes go through: statements narrowed to a tenant.

``Scoped`` wraps the unit of work's session with the request's
:class:`~classbridge_common.tenancy.TenantScope`: each ``SELECT``, ``UPDATE`` and ``DELETE`` on a
table with a ``tenant_id`` column gets ``tenant_id = :tenant``, each ``INSERT`` gets its
``tenant_id`` set. Handlers never execute a statement on the bare session, so a user of one
school can neither see nor touch another school's rows however the statement is written: an id
of another tenant simply matches nothing (NOT_FOUND, lists without it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Delete, Insert, Result, Select, Update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.tenancy import TenantScope

Statement = Select[Any] | Insert | Update | Delete


class Scoped:
    """A session whose statements are narrowed to one tenant scope."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def execute(self, statement: Statement) -> Result[Any]:
        """Run ``statement`` inside the scope's tenant."""
        return await self.session.execute(self.scope.apply(statement))  # type: ignore[arg-type]

    async def scalar(self, statement: Select[Any]) -> Any:
        return await self.session.scalar(self.scope.apply(statement))

    async def first(self, statement: Select[Any]) -> Any:
        """The first row, or None (also when it belongs to another tenant)."""
        return (await self.execute(statement)).first()

    async def all(self, statement: Select[Any]) -> list[Any]:
        return list((await self.execute(statement)).all())

    async def load(self, statement: Select[Any]) -> Any:
        """The first row, and the scope entered into its tenant (so an operator's writes that
        follow land there); None when there is none in scope."""
        row = await self.first(statement)
        if row is not None:
            self.scope.enter(row.tenant_id)
        return row


__all__ = ["Scoped"]
