"""The bus consumer that feeds the meeting projection from the scheduler's ``session.*`` events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.bus import EventBus
from classbridge_common.inbox import idempotent_handler
from recording_sync.service_layer import projection

CONSUMER = "recording-sync.session-projection"
ROUTING_KEYS = tuple(projection.HANDLERS)


async def subscribe(
    bus: EventBus, *, session_factory: async_sessionmaker[AsyncSession], prefetch: int = 8
) -> None:
    """Start consuming; each message is applied once (inbox) in one transaction."""
    handler = idempotent_handler(
        session_factory=session_factory, consumer=CONSUMER, handler=projection.apply
    )
    await bus.subscribe(CONSUMER, ROUTING_KEYS, handler, prefetch=prefetch)
