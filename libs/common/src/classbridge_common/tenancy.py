"""Tenant isolation for SQLAlchemy Core statements, applied in one place: the repositories.

Every owned row has a ``tenant_id`` column. A unit of work carries one :class:`TenantScope`, and
its repositories pass every statement through :meth:`TenantScope.apply` before executing it:

- a ``SELECT`` gets ``tenant_id = :tenant`` for each table it reads from that has the column;
- an ``UPDATE`` or ``DELETE`` likewise for its table;
- an ``INSERT`` gets ``tenant_id`` set, and is refused when the scope names no tenant.

A scope of ``None`` spans tenants (platform operators, services, background work). The first row
such a unit of work loads by id fixes its tenant (:meth:`TenantScope.enter`), so whatever it then
writes lands in that row's tenant and nothing of another tenant is read alongside it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Delete, Insert, Join, Result, Select, Table, Update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import FromClause

from classbridge_common.auth import Caller, current_caller_or_none
from classbridge_common.errors import Internal, NotFound, PermissionDenied

TENANT_COLUMN = "tenant_id"

S = TypeVar("S", Select[Any], Insert, Update, Delete)


class TenantScope:
    """The tenant one unit of work reads and writes (``None``: every tenant, until entered)."""

    __slots__ = ("tenant",)

    def __init__(self, tenant: str | None) -> None:
        self.tenant = tenant

    def __repr__(self) -> str:
        return f"TenantScope({self.tenant!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TenantScope) and other.tenant == self.tenant

    def __hash__(self) -> int:
        return hash(self.tenant)

    @classmethod
    def of_caller(cls, caller: Caller | None = None) -> TenantScope:
        """The scope of ``caller`` (default: the current one): its tenant, or none for
        operators, tenant-less services and work outside any request."""
        who = caller if caller is not None else current_caller_or_none()
        if who is None or who.spans_tenants:
            return cls(None)
        if not who.tenant:  # a person always has one; never let "no tenant" mean "every tenant"
            raise PermissionDenied("the caller belongs to no tenant")
        return cls(who.tenant)

    @property
    def spans(self) -> bool:
        return self.tenant is None

    def enter(self, tenant: str) -> None:
        """Act within ``tenant`` from now on; NOT_FOUND when the scope is another tenant's."""
        if self.tenant is None:
            self.tenant = tenant
        elif self.tenant != tenant:
            raise NotFound("that resource does not exist in this tenant")

    def require(self) -> str:
        """The tenant a write lands in; a write with none is a programming error."""
        if self.tenant is None:
            raise Internal("a write outside any tenant")
        return self.tenant

    def apply(self, statement: S) -> S:
        """``statement`` narrowed to this scope's tenant (see the module docstring)."""
        if isinstance(statement, Insert):
            table = statement.table
            if isinstance(table, Table) and TENANT_COLUMN in table.c:
                return statement.values({TENANT_COLUMN: self.require()})
            return statement
        if self.tenant is None:
            return statement
        if isinstance(statement, Select):
            for table in _tables(statement.get_final_froms()):
                statement = statement.where(table.c[TENANT_COLUMN] == self.tenant)
            return statement
        table = statement.table
        if isinstance(table, Table) and TENANT_COLUMN in table.c:
            statement = statement.where(table.c[TENANT_COLUMN] == self.tenant)
        return statement


class Scoped:
    """A session whose every statement is narrowed to one :class:`TenantScope`: the one door a
    service's repositories execute through, so no statement can skip the tenant."""

    def __init__(self, session: AsyncSession, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    async def execute(self, statement: Any) -> Result[Any]:
        """Run ``statement`` inside the scope's tenant."""
        return await self.session.execute(self.scope.apply(statement))

    async def scalar(self, statement: Select[Any]) -> Any:
        return await self.session.scalar(self.scope.apply(statement))

    async def first(self, statement: Select[Any]) -> Any:
        """The first row, or None (also when it belongs to another tenant)."""
        return (await self.execute(statement)).first()

    async def all(self, statement: Select[Any]) -> list[Any]:
        return list((await self.execute(statement)).all())

    async def load(self, statement: Select[Any]) -> Any:
        """The first row, and the scope entered into its tenant (so the writes of a tenant-
        spanning caller that follow land there); None when there is none in scope."""
        row = await self.first(statement)
        if row is not None:
            self.scope.enter(row.tenant_id)
        return row


def _tables(sources: Any) -> list[Table]:
    """The tenant-owned tables a statement reads from directly (joins walked, subqueries not:
    they only feed a statement whose own tables are narrowed)."""
    found: list[Table] = []
    stack: list[FromClause] = list(sources)
    while stack:
        source = stack.pop()
        if isinstance(source, Join):
            stack.extend((source.left, source.right))
        elif isinstance(source, Table) and TENANT_COLUMN in source.c:
            found.append(source)
    return found


__all__ = ["TENANT_COLUMN", "Scoped", "TenantScope"]
