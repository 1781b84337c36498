"""How far one caller reaches within one request: which tenant, and which batches.

Two questions, answered in one place for every handler:

- **the tenant** (:class:`~classbridge_common.tenancy.TenantScope`): a user's own; none for
  operators and tenant-less services, until the first row they load fixes it. Every statement
  goes through :class:`~recording_sync.adapters.repository.Scoped` with it.
- **the batches**: admins (and operators, and services a rule admits) manage everything in
  their tenant; a teacher manages only the batches they teach; a student manages nothing and
  watches what they attend (with an ``enrolled_students`` grant) or were granted. Who teaches
  and attends what is asked of the scheduler (``ListMemberships``) at most once per request,
  and only when the answer matters.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.auth import DEFAULT_TENANT, STUDENT, TEACHER, Caller
from classbridge_common.errors import NotFound
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.tenancy import TenantScope
from recording_sync.adapters.repository import Scoped
from recording_sync.domain import access
from recording_sync.service_layer.ports import Memberships

NOBODY = access.Membership()


class Reach:
    """One caller's tenant scope and memberships for one request (memoised)."""

    def __init__(self, caller: Caller, memberships: Memberships) -> None:
        self.caller = caller
        self.scope = TenantScope.of_caller(caller)
        self._memberships = memberships
        self._known: access.Membership | None = None

    @property
    def tenant_wide(self) -> bool:
        """Manages every batch of the tenant (admins, operators, admitted services)."""
        return access.manages_tenant(self.caller)

    def rows(self, session: AsyncSession) -> Scoped:
        """The session, narrowed to this caller's tenant."""
        return Scoped(session, self.scope)

    async def membership(self) -> access.Membership:
        """What the caller teaches and attends in their tenant (asked once, when needed)."""
        if self._known is None:
            if self.caller.is_service or not self.caller.has_role(TEACHER, STUDENT):
                self._known = NOBODY
            else:
                self._known = await self._memberships.memberships(
                    user_id=self.caller.subject, tenant_id=self.tenant_of_caller
                )
        return self._known

    async def of_user(self, user_id: str) -> access.Membership:
        """What ``user_id`` (someone else, or the caller) teaches and attends in this tenant."""
        if user_id == self.caller.subject:
            return await self.membership()
        return await self._memberships.memberships(user_id=user_id, tenant_id=self.tenant_of_caller)

    @property
    def tenant_of_caller(self) -> str:
        """The tenant membership questions are asked in (the scope's, else the token's)."""
        return self.scope.tenant or self.caller.tenant or DEFAULT_TENANT

    async def manages(self, batch_id: str) -> bool:
        """May the caller manage (sync, retry, grant, delete) and watch what belongs to
        ``batch_id``? Rows without a batch are for tenant-wide managers only."""
        if self.tenant_wide:
            return True
        if not self.caller.has_role(TEACHER) or not batch_id:
            return False
        return batch_id in (await self.membership()).teaches

    async def attends(self, batch_id: str) -> bool:
        """Does the caller attend ``batch_id`` (for ``enrolled_students`` grants)?"""
        if not batch_id or self.caller.is_service:
            return False
        return batch_id in (await self.membership()).attends

    def require_manager(self) -> None:
        """Job and grant control is for admins and teachers (the access rules say so too;
        this keeps the handler safe on its own)."""
        if not (self.tenant_wide or self.caller.has_role(TEACHER)):
            raise Denied("requires one of the roles: admin, teacher")

    async def batch_filter(self, column: ColumnElement[str]) -> list[ColumnElement[bool]]:
        """Conditions keeping a query to the batches the caller manages (none when all)."""
        self.require_manager()
        if self.tenant_wide:
            return []
        taught = sorted((await self.membership()).teaches)
        return [column.in_(taught)] if taught else [false()]

    async def require_batch(self, batch_id: str) -> None:
        """Batch-addressed control (sync or retry a batch, its status): PERMISSION_DENIED for a
        teacher who does not teach it."""
        self.require_manager()
        if not await self.manages(batch_id):
            raise Denied("only the batch's teachers and the tenant's admins may do this")

    async def require_managed(self, batch_id: str, *, resource_type: str, resource_id: str) -> None:
        """An id-addressed job or session the caller may not manage is NOT_FOUND (no leak)."""
        self.require_manager()
        if not await self.manages(batch_id):
            raise NotFound(resource_type=resource_type, resource_id=resource_id)


__all__ = ["Reach"]
