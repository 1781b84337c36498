"""Turns the bus's session and recording events into deliveries, once per event and endpoint.

The consumer's inbox record (`message_id`) and the deliveries it creates commit in one unit of
work: a redelivered bus message finds its record and creates nothing, so a platform never gets
one event twice because the bus delivered it twice. The event is applied inside its own tenant
(`tenant_id` of the message): only that tenant's endpoints that subscribed to its type get it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from classbridge_common.messages import Envelope
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters import outgoing_payloads
from webhook_ingest.adapters.uow import UnitOfWorkFactory
from webhook_ingest.service_layer.outgoing_endpoints import new_delivery_id

log = logging.getLogger(__name__)

CONSUMER = "webhook-ingest.outgoing-webhooks"
ROUTING_KEYS: tuple[str, ...] = tuple(outgoing_payloads.BY_ROUTING_KEY)


class Fanout:
    """The bus handler: one bus event → one delivery per subscribed endpoint of its tenant."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Callable[[], datetime],
        wake_worker: Callable[[], None] = lambda: None,
        name: str = CONSUMER,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._wake = wake_worker
        self.name = name

    async def __call__(self, envelope: Envelope) -> None:
        now = self._clock()
        event = outgoing_payloads.from_bus(envelope.type, envelope.body, received_at=now)
        if event is None:
            return
        async with self._uow(TenantScope(event.tenant_id)) as uow:
            if not await uow.first_delivery(self.name, envelope.message_id):
                log.info(
                    "skipping a message already applied",
                    extra={"consumer": self.name, "message_id": envelope.message_id},
                )
                return
            endpoints = await uow.webhooks.subscribed(event.event_type)
            for endpoint in endpoints:
                await uow.webhooks.add_delivery(
                    delivery_id=new_delivery_id(),
                    endpoint_id=endpoint.id,
                    event_type=event.event_type,
                    source_message_id=envelope.message_id,
                    payload=event.body,
                    now=now,
                )
            await uow.commit()
        if endpoints:
            self._wake()
