"""The event bus inside one process, for the embedded default where every service shares it.

Same interface and guarantees as the RabbitMQ bus, with asyncio queues: a queue per consumer that
lives as long as the bus (it keeps filling while its consumer is unsubscribed), RabbitMQ topic
matching, ``prefetch`` concurrent handlers per consumer, bounded retries then a dead-letter list.
``publish`` returns once each envelope sits in every bound queue — that is its confirm. Nothing
survives the process; durability comes from the outbox, which keeps rows until published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from classbridge_common.bus._delivery import call_handler, retry_delay
from classbridge_common.bus.base import (
    DEFAULT_EXCHANGE,
    BusUnavailable,
    EventBus,
    Handler,
    topic_matches,
)
from classbridge_common.messages import Envelope

__all__ = ["InProcessBus"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _ConsumerQueue:
    name: str
    bindings: set[str] = field(default_factory=set)
    queue: asyncio.Queue[tuple[Envelope, int]] = field(default_factory=asyncio.Queue)
    dead: list[Envelope] = field(default_factory=list)
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    retries: set[asyncio.TimerHandle] = field(default_factory=set)

    def wants(self, routing_key: str) -> bool:
        return any(topic_matches(binding, routing_key) for binding in self.bindings)


class InProcessBus(EventBus):
    """An :class:`EventBus` made of asyncio queues (see the module docstring)."""

    def __init__(
        self,
        *,
        exchange: str = DEFAULT_EXCHANGE,
        max_attempts: int = 5,
        retry_base_delay: float = 0.05,
        retry_max_delay: float = 2.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.exchange = exchange
        self._max_attempts = max_attempts
        self._retry_base_delay = retry_base_delay
        self._retry_max_delay = retry_max_delay
        self._queues: dict[str, _ConsumerQueue] = {}
        self._open = False

    async def start(self) -> None:
        self._open = True

    async def close(self) -> None:
        for consumer in list(self._queues):
            await self.unsubscribe(consumer)
        self._open = False

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if not self._open:
            raise BusUnavailable("the in-process bus is not started")
        for envelope in envelopes:
            for consumer in self._queues.values():
                if consumer.wants(envelope.type):
                    consumer.queue.put_nowait((envelope, 1))

    async def subscribe(
        self,
        consumer: str,
        routing_keys: Sequence[str],
        handler: Handler,
        prefetch: int = 32,
    ) -> None:
        if not self._open:
            raise BusUnavailable("the in-process bus is not started")
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        queue = self._queues.setdefault(consumer, _ConsumerQueue(consumer))
        if queue.workers:
            raise ValueError(f"consumer {consumer!r} is already subscribed")
        queue.bindings.update(routing_keys)
        queue.workers = [
            asyncio.create_task(self._work(queue, handler), name=f"bus-consumer-{consumer}-{i}")
            for i in range(prefetch)
        ]

    async def unsubscribe(self, consumer: str) -> None:
        queue = self._queues.get(consumer)
        if queue is None:
            return
        workers, queue.workers = queue.workers, []
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def dead_letters(self, consumer: str, *, limit: int = 100) -> list[Envelope]:
        queue = self._queues.get(consumer)
        return [] if queue is None else list(queue.dead[:limit])

    async def _work(self, queue: _ConsumerQueue, handler: Handler) -> None:
        while True:
            envelope, attempt = await queue.queue.get()
            delivery = asyncio.ensure_future(self._deliver(queue, handler, envelope, attempt))
            try:
                await asyncio.shield(delivery)
            except asyncio.CancelledError:
                await delivery  # unsubscribe lets the handler in flight finish
                raise
            finally:
                queue.queue.task_done()

    async def _deliver(
        self, queue: _ConsumerQueue, handler: Handler, envelope: Envelope, attempt: int
    ) -> None:
        try:
            await call_handler(handler, envelope)
        except Exception:
            if attempt >= self._max_attempts:
                log.exception(
                    "dead-lettering a message after %d attempts",
                    attempt,
                    extra={"consumer": queue.name, "message_id": envelope.message_id},
                )
                queue.dead.append(envelope)
                return
            log.warning(
                "handler failed (attempt %d of %d), retrying",
                attempt,
                self._max_attempts,
                exc_info=True,
                extra={"consumer": queue.name, "message_id": envelope.message_id},
            )
            delay = retry_delay(attempt, base=self._retry_base_delay, cap=self._retry_max_delay)
            loop = asyncio.get_running_loop()

            def requeue() -> None:
                queue.retries.discard(timer)
                queue.queue.put_nowait((envelope, attempt + 1))

            timer = loop.call_later(delay, requeue)
            queue.retries.add(timer)
