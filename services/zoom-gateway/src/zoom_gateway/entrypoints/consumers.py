"""The gateway's bus consumer: Zoom's ``app_deauthorized``, as webhook-ingest publishes it.

One durable queue (``Settings.consumer_name``) bound to ``zoom.app.deauthorized``. Each
message is decoded here and applied by :class:`~zoom_gateway.service_layer.deauthorizations.
Deauthorizations` in its tenant (the event's ``context.tenant_id``, resolved by webhook-ingest
from the Zoom account that signed it), once: the inbox row commits with the deletion. A message
that cannot be decoded or applied raises, so the bus retries it and finally dead-letters it.
"""

from __future__ import annotations

import logging
from datetime import UTC

from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge_common.bus import EventBus
from classbridge_common.messages import Envelope
from zoom_gateway.service_layer.deauthorizations import AppDeauthorized, Deauthorizations

log = logging.getLogger(__name__)

APP_DEAUTHORIZED = "zoom.app.deauthorized"
ROUTING_KEYS = (APP_DEAUTHORIZED,)


def app_deauthorized(message: zoom.ZoomAppDeauthorized, envelope: Envelope) -> AppDeauthorized:
    """The handler's view of the event (Zoom's time of the removal, when it gave one)."""
    context = message.context
    return AppDeauthorized(
        message_id=envelope.message_id,
        zoom_user_id=message.zoom_user_id,
        account_id=context.account_id,
        tenant_id=context.tenant_id,
        client_id=message.client_id,
        deauthorized_at=message.deauthorization_time.ToDatetime(tzinfo=UTC)
        if message.HasField("deauthorization_time")
        else None,
    )


class Consumer:
    """Applies each delivered ``zoom.app.deauthorized`` once; acknowledges anything else."""

    def __init__(self, *, name: str, deauthorizations: Deauthorizations) -> None:
        self.name = name
        self._deauthorizations = deauthorizations

    async def __call__(self, envelope: Envelope) -> None:
        if envelope.type != APP_DEAUTHORIZED:
            log.warning("no handler for %s; acknowledged", envelope.type)
            return
        message = envelope.parse(zoom.ZoomAppDeauthorized)
        await self._deauthorizations.apply(app_deauthorized(message, envelope))


async def subscribe(bus: EventBus, consumer: Consumer, *, prefetch: int) -> None:
    """Bind the gateway's queue to the events it follows and start consuming."""
    await bus.subscribe(consumer.name, list(ROUTING_KEYS), consumer, prefetch=prefetch)
