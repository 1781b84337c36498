"""Forgetting a user who removed Classbridge's app at Zoom (``app_deauthorized``).

Zoom requires an app to delete a user's data when told the user removed it. The event names the
Zoom user and account, not a Classbridge user: every connection of the event's tenant to that
Zoom user goes — the row with its access and refresh tokens (the previous refresh token too) —
and the in-memory token cache forgets it. Other replicas' caches need no message: every call
resolves its connection from the database first (``Accounts.resolve``), and the row is gone.
Nothing is revoked at Zoom: the user already removed the app, which ended the grant there.

One unit of work per event records its ``message_id`` in the inbox and deletes in the same
transaction, so a redelivered event does nothing twice; a failure rolls both back and the bus
retries. An event that arrives late (Zoom retries for up to 85 minutes, the bus may redeliver)
spares a connection made after the removal: the user connected again meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from zoom_gateway.adapters.uow import UnitOfWorkFactory
from zoom_gateway.adapters.user_tokens import UserTokens
from zoom_gateway.domain.tenants import DEFAULT_TENANT
from zoom_gateway.service_layer.accounts import Accounts

log = logging.getLogger("zoom_gateway.deauthorizations")

CLOCK_MARGIN = timedelta(minutes=1)
"""Zoom's clock and ours may disagree: a connection made up to this long after Zoom's
deauthorization time still counts as made before it (and is deleted)."""


@dataclass(frozen=True)
class AppDeauthorized:
    """What the gateway needs of the event (``classbridge.events.v1.ZoomAppDeauthorized``)."""

    message_id: str
    zoom_user_id: str
    account_id: str = ""
    tenant_id: str = ""  # the tenant owning ``account_id``, as webhook-ingest resolved it
    client_id: str = ""
    deauthorized_at: datetime | None = None


class Deauthorizations:
    """Applies ``app_deauthorized`` events, each once."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        accounts: Accounts,
        tokens: UserTokens,
        consumer: str,
        margin: timedelta = CLOCK_MARGIN,
    ) -> None:
        self._uow = uow
        self._accounts = accounts
        self._tokens = tokens
        self._consumer = consumer
        self._margin = margin
        self.applied = 0  # events applied by this process (redeliveries not counted)
        self.skipped = 0  # redeliveries of events already applied (here or by another replica)
        self.removed = 0  # connections deleted by this process

    async def apply(self, event: AppDeauthorized) -> list[str]:
        """Delete the connections of the Zoom user ``event`` names; the Classbridge user ids
        whose connection went (none for a redelivery, or a user who never connected)."""
        await self._accounts.refresh()
        tenant_id = self.tenant_of(event)
        connected_before = (
            event.deauthorized_at + self._margin if event.deauthorized_at is not None else None
        )
        async with self._uow() as uow:
            if not await uow.first_delivery(self._consumer, event.message_id):
                log.info("app_deauthorized already applied", extra={"message_id": event.message_id})
                self.skipped += 1
                return []
            removed: list[str] = []
            if self._is_tenants_app(tenant_id, event.client_id):
                removed = await uow.connections.remove_zoom_user(
                    tenant=tenant_id,
                    zoom_user_id=event.zoom_user_id,
                    zoom_account_id=event.account_id,
                    connected_before=connected_before,
                )
            await uow.commit()
        for user_id in removed:
            self._tokens.forget(user_id)
        self.applied += 1
        self.removed += len(removed)
        log.info(
            "a zoom user removed the app; their connection is deleted",
            extra={"tenant": tenant_id, "zoom_user_id": event.zoom_user_id, "users": removed},
        )
        return removed

    def tenant_of(self, event: AppDeauthorized) -> str:
        """The event's tenant; for an event that names none (published before tenancy), the
        tenant whose Zoom account it names, else the default tenant."""
        if event.tenant_id:
            return event.tenant_id
        if event.account_id:
            for tenant in self._accounts.directory.configs().values():
                if tenant.account_id == event.account_id:
                    return tenant.id
        return DEFAULT_TENANT

    def _is_tenants_app(self, tenant_id: str, client_id: str) -> bool:
        """Whether the removed app may be the tenant's user-managed app: a user removing some
        other app of their account keeps their Classbridge connection. Unknown on either side
        (no client id sent, the tenant gone or without OAuth): yes — deleting is what Zoom asks."""
        tenant = self._accounts.directory.get(tenant_id)
        ours = tenant.oauth_client_id if tenant is not None else ""
        if client_id and ours and client_id != ours:
            log.info(
                "app_deauthorized names another app; nothing deleted",
                extra={"tenant": tenant_id},
            )
            return False
        return True
