"""The event bus on RabbitMQ (aio-pika).

Topology, declared idempotently by whoever needs it:

- one durable topic exchange (``classbridge.events`` unless told otherwise); routing key = the
  envelope's ``type``;
- per consumer a durable queue named after the consumer, bound to its routing keys, whose
  dead-letter exchange is ``<exchange>.dlx`` (direct, durable) with routing key ``<consumer>``,
  which routes to the durable ``<consumer>.dlq``.

Messages are persistent and published on a channel with publisher confirms; ``publish`` returns
after every confirm. ``message_id``, ``type``, ``timestamp`` and ``content_type`` travel in the
AMQP properties (the exact timestamp also in ``x-classbridge-timestamp``, since the AMQP one has
whole seconds), the envelope headers (trace context included) in the AMQP headers.

Bounded redelivery: a failed message is *republished* to the tail of the consumer's own queue
(through the default exchange, so other consumers do not see it again) with
``x-classbridge-attempts`` incremented — confirmed before the original is acked — and after
``max_attempts`` it is rejected without requeue, which dead-letters it. We chose this over a
quorum queue's ``x-delivery-limit`` because it works on classic queues and any RabbitMQ version,
lets us wait between attempts, and keeps the count when a consumer crashes mid-handler (the
unacked original is redelivered with the same count). The cost: a retried message moves behind
the messages published after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from classbridge_common.bus._delivery import call_handler, retry_delay
from classbridge_common.bus.base import (
    ATTEMPTS_HEADER,
    DEFAULT_EXCHANGE,
    BusUnavailable,
    EventBus,
    Handler,
)
from classbridge_common.messages import Envelope
from classbridge_common.telemetry import app_metrics

__all__ = ["TIMESTAMP_HEADER", "RabbitMQBus", "dlq_name"]

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "x-classbridge-timestamp"
_OWN_HEADERS = frozenset({ATTEMPTS_HEADER, TIMESTAMP_HEADER})


def dlq_name(consumer: str) -> str:
    """The dead-letter queue of ``consumer``."""
    return f"{consumer}.dlq"


@dataclass(eq=False)
class _Consumer:
    channel: AbstractChannel
    queue: AbstractQueue
    tag: str
    in_flight: set[asyncio.Task[Any]] = field(default_factory=set)


class RabbitMQBus(EventBus):
    """An :class:`EventBus` on RabbitMQ (see the module docstring for topology and retries)."""

    def __init__(
        self,
        url: str,
        *,
        exchange: str = DEFAULT_EXCHANGE,
        max_attempts: int = 5,
        retry_base_delay: float = 0.2,
        retry_max_delay: float = 5.0,
        publish_timeout: float = 30.0,
        connect_timeout: float = 15.0,
        queue_prefix: str = "",
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._url = url
        self._queue_prefix = queue_prefix  # side-by-side installs and tests share one broker
        self.exchange_name = exchange
        self.dead_letter_exchange_name = f"{exchange}.dlx"
        self._max_attempts = max_attempts
        self._retry_base_delay = retry_base_delay
        self._retry_max_delay = retry_max_delay
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._publish_lock = asyncio.Lock()
        self._consumers: dict[str, _Consumer] = {}

    async def start(self) -> None:
        try:
            self._connection = await aio_pika.connect_robust(
                self._url, timeout=self._connect_timeout
            )
            self._channel = await self._connection.channel(publisher_confirms=True)
            self._exchange = await self._declare_exchanges(self._channel)
        except Exception as error:
            await self.close()
            raise BusUnavailable(f"cannot connect to RabbitMQ: {type(error).__name__}") from error

    async def close(self) -> None:
        for consumer in list(self._consumers):
            await self.unsubscribe(consumer)
        connection, self._connection = self._connection, None
        self._channel = None
        self._exchange = None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _declare_exchanges(self, channel: AbstractChannel) -> AbstractExchange:
        await channel.declare_exchange(
            self.dead_letter_exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
        )
        return await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        exchange = self._exchange
        if exchange is None:
            raise BusUnavailable("the RabbitMQ bus is not started")
        if not envelopes:
            return
        try:
            # Publish the whole batch before waiting: confirms arrive in one round trip, and
            # messages on one channel keep their order.
            async with self._publish_lock:
                confirms = [
                    exchange.publish(_to_message(e), routing_key=e.type, mandatory=False)
                    for e in envelopes
                ]
                await asyncio.wait_for(asyncio.gather(*confirms), timeout=self._publish_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise BusUnavailable(f"RabbitMQ did not confirm: {type(error).__name__}") from error

    async def subscribe(
        self,
        consumer: str,
        routing_keys: Sequence[str],
        handler: Handler,
        prefetch: int = 32,
    ) -> None:
        consumer = self._queue_prefix + consumer
        if self._connection is None:
            raise BusUnavailable("the RabbitMQ bus is not started")
        if consumer in self._consumers:
            raise ValueError(f"consumer {consumer!r} is already subscribed")
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=prefetch)
        exchange = await self._declare_exchanges(channel)
        queue = await self._declare_queue(channel, consumer)
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)
        state = _Consumer(channel=channel, queue=queue, tag="")

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                state.in_flight.add(task)
            try:
                await self._on_message(channel, consumer, queue, handler, message)
            finally:
                if task is not None:
                    state.in_flight.discard(task)

        state.tag = await queue.consume(on_message)
        self._consumers[consumer] = state

    async def _declare_queue(self, channel: AbstractChannel, consumer: str) -> AbstractQueue:
        dlq = await channel.declare_queue(dlq_name(consumer), durable=True)
        await dlq.bind(self.dead_letter_exchange_name, routing_key=consumer)
        return await channel.declare_queue(
            consumer,
            durable=True,
            arguments={
                "x-dead-letter-exchange": self.dead_letter_exchange_name,
                "x-dead-letter-routing-key": consumer,
            },
        )

    async def _on_message(
        self,
        channel: AbstractChannel,
        consumer: str,
        queue: AbstractQueue,
        handler: Handler,
        message: AbstractIncomingMessage,
    ) -> None:
        # requeue=True: if this code itself fails unexpectedly, the message is not lost.
        async with message.process(requeue=True, ignore_processed=True):
            try:
                envelope = _to_envelope(message)
            except Exception:
                log.exception("dead-lettering a malformed message", extra={"consumer": consumer})
                app_metrics().dead_lettered(consumer=consumer, reason="malformed")
                await message.reject(requeue=False)
                return
            attempt = _attempt(message)
            try:
                await call_handler(handler, envelope)
            except Exception:
                if attempt >= self._max_attempts:
                    log.exception(
                        "dead-lettering a message after %d attempts",
                        attempt,
                        extra={"consumer": consumer, "message_id": envelope.message_id},
                    )
                    app_metrics().dead_lettered(consumer=consumer, reason="max_attempts")
                    await message.reject(requeue=False)
                    return
                log.warning(
                    "handler failed (attempt %d of %d), retrying",
                    attempt,
                    self._max_attempts,
                    exc_info=True,
                    extra={"consumer": consumer, "message_id": envelope.message_id},
                )
                await asyncio.sleep(
                    retry_delay(attempt, base=self._retry_base_delay, cap=self._retry_max_delay)
                )
                retry = _to_message(envelope, attempt=attempt + 1)
                await channel.default_exchange.publish(retry, routing_key=queue.name)
                await message.ack()
            else:
                await message.ack()

    async def unsubscribe(self, consumer: str) -> None:
        consumer = self._queue_prefix + consumer
        state = self._consumers.pop(consumer, None)
        if state is None:
            return
        with contextlib.suppress(Exception):
            await state.queue.cancel(state.tag)
        if state.in_flight:
            await asyncio.wait(set(state.in_flight), timeout=30)
        with contextlib.suppress(Exception):
            await state.channel.close()

    async def dead_letters(self, consumer: str, *, limit: int = 100) -> list[Envelope]:
        consumer = self._queue_prefix + consumer
        if self._connection is None:
            raise BusUnavailable("the RabbitMQ bus is not started")
        # A channel of its own: closing it returns every fetched message to the queue.
        channel = await self._connection.channel()
        try:
            queue = await channel.declare_queue(dlq_name(consumer), durable=True)
            found: list[Envelope] = []
            while len(found) < limit:
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                found.append(_to_envelope(message))
            return found
        finally:
            await channel.close()


def _attempt(message: AbstractIncomingMessage) -> int:
    raw = (message.headers or {}).get(ATTEMPTS_HEADER, 1)
    try:
        return max(1, int(raw.decode() if isinstance(raw, bytes) else raw))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1


def _to_message(envelope: Envelope, *, attempt: int = 1) -> aio_pika.Message:
    headers: dict[str, Any] = dict(envelope.headers)
    headers[TIMESTAMP_HEADER] = envelope.timestamp.isoformat()
    headers[ATTEMPTS_HEADER] = attempt
    return aio_pika.Message(
        body=envelope.body,
        message_id=envelope.message_id,
        type=envelope.type,
        timestamp=envelope.timestamp,
        content_type=envelope.content_type,
        headers=headers,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _header_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _to_envelope(message: AbstractIncomingMessage) -> Envelope:
    headers = {k: _header_text(v) for k, v in (message.headers or {}).items()}
    precise = headers.get(TIMESTAMP_HEADER)
    if precise is not None:
        timestamp = datetime.fromisoformat(precise)
    elif message.timestamp is not None:
        timestamp = message.timestamp
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
    else:
        timestamp = datetime.now(UTC)
    if message.message_id is None or message.type is None:
        raise ValueError("message without message_id or type")
    return Envelope(
        message_id=message.message_id,
        type=message.type,
        body=message.body,
        timestamp=timestamp,
        headers={k: v for k, v in headers.items() if k not in _OWN_HEADERS},
        content_type=message.content_type or "application/octet-stream",
    )
