"""webhook-ingest's unit of work for outgoing webhooks: one transaction and its repository.

The Zoom-facing hot path keeps its group commit (`service_layer/group_commit.py`); everything
about outgoing webhooks — the admin API, the bus consumer that turns events into deliveries and
the delivery worker — goes through this, so the change, its outbox events
(`webhook_endpoint.disabled`) and the consumer's inbox record commit together or not at all.
A unit of work is never held open across an HTTP call to an endpoint.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.crypto import SecretBox
from classbridge_common.inbox import try_record
from classbridge_common.tenancy import TenantScope
from classbridge_common.uow import UnitOfWork
from webhook_ingest.adapters.outgoing_repository import OutgoingWebhookRepository
from webhook_ingest.adapters.tables import inbox, outbox


class WebhookUnitOfWork(UnitOfWork):
    """The outgoing-webhook repository over one transaction, within `scope`."""

    webhooks: OutgoingWebhookRepository

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        box: SecretBox,
        scope: TenantScope,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(session_factory=session_factory, on_commit=on_commit, outbox=outbox)
        self._box = box
        self.scope = scope

    def attach(self, session: AsyncSession) -> None:
        self.webhooks = OutgoingWebhookRepository(session, self.scope, self._box)

    async def first_delivery(self, consumer: str, message_id: str) -> bool:
        """Record the bus message as applied by `consumer`; False when it was before."""
        return await try_record(self.session, consumer, message_id, table=inbox)


UnitOfWorkFactory = Callable[[TenantScope], WebhookUnitOfWork]
"""A fresh unit of work for a scope (wired in `bootstrap`)."""
