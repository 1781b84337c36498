"""The event bus: one interface (:class:`EventBus`), on RabbitMQ or inside the process."""

from __future__ import annotations

from classbridge_common.bus.base import (
    DEFAULT_EXCHANGE,
    BusError,
    BusUnavailable,
    EventBus,
    Handler,
    topic_matches,
)
from classbridge_common.bus.inprocess import InProcessBus
from classbridge_common.settings import ServiceSettings

__all__ = [
    "DEFAULT_EXCHANGE",
    "BusError",
    "BusUnavailable",
    "EventBus",
    "Handler",
    "InProcessBus",
    "create_bus",
    "topic_matches",
]


def create_bus(
    source: ServiceSettings | str | None, *, exchange: str | None = None, **options: float
) -> EventBus:
    """The RabbitMQ bus when an AMQP URL is configured, else a new in-process bus.

    ``source`` is a settings object (its ``amqp_url``), an URL, or ``None``. In the embedded
    default every service must share *one* in-process bus: build it once and pass it around
    instead of calling this per service.
    """
    settings = source if isinstance(source, ServiceSettings) else None
    url = settings.amqp_url if settings is not None else source
    if exchange is None:
        exchange = settings.events_exchange if settings is not None else DEFAULT_EXCHANGE
    if url:
        from classbridge_common.bus.rabbitmq import RabbitMQBus  # aio-pika only when used

        prefix = (settings.events_queue_prefix if settings is not None else None) or ""
        return RabbitMQBus(url, exchange=exchange, queue_prefix=prefix, **options)  # type: ignore[arg-type]
    return InProcessBus(exchange=exchange, **options)  # type: ignore[arg-type]
