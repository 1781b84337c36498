"""The event bus inside one process, for the embedded default where every service shares it.

Same interface and guarantees as the RabbitMQ bus, with asyncio queues: a queue per consumer that
lives as long as the bus (it keeps filling while its consumer is unsubscribed), RabbitMQ topic
matching, ``prefetch`` concurrent handlers per consumer, bounded retries then a dead-letter list.

Nothing survives the process, so durability comes from the outbox, which keeps a row until the bus
confirms it. That is why ``publish`` confirms only once every bound consumer has *handled* the
envelope (or dead-lettered it): a process stopped between the two leaves the row unpublished and
the next start delivers it again (consumers deduplicate through their inbox). A confirm that does
not come within ``confirm_timeout`` raises :class:`BusUnavailable`, and the relay retries later.

RabbitMQ's queues outlive their consumers; these exist only from a consumer's first ``subscribe``.
When several services start on one bus, ``hold_deliveries=True`` makes ``publish`` wait until
:meth:`InProcessBus.release` is called after every service has subscribed, so an event published
during start-up is not routed to nobody.
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
from classbridge_common.telemetry import app_metrics

__all__ = ["InProcessBus"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Delivery:
    """One envelope on its way to one consumer, and the confirm its publisher waits for."""

    envelope: Envelope
    attempt: int
    confirm: asyncio.Future[None]

    def settle(self) -> None:
        if not self.confirm.done():
            self.confirm.set_result(None)


@dataclass(eq=False)
class _ConsumerQueue:
    name: str
    bindings: set[str] = field(default_factory=set)
    queue: asyncio.Queue[_Delivery] = field(default_factory=asyncio.Queue)
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
        confirm_timeout: float = 30.0,
        hold_deliveries: bool = False,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.exchange = exchange
        self._max_attempts = max_attempts
        self._retry_base_delay = retry_base_delay
        self._retry_max_delay = retry_max_delay
        self._confirm_timeout = confirm_timeout
        self._queues: dict[str, _ConsumerQueue] = {}
        self._pending: set[asyncio.Future[None]] = set()
        self._released = asyncio.Event()
        if not hold_deliveries:
            self._released.set()
        self._open = False

    def release(self) -> None:
        """Let held publications through (see ``hold_deliveries``)."""
        self._released.set()

    async def start(self) -> None:
        self._open = True

    async def close(self) -> None:
        self._open = False
        for consumer in list(self._queues):
            await self.unsubscribe(consumer)
        for confirm in list(self._pending):
            if not confirm.done():
                confirm.set_exception(BusUnavailable("the in-process bus closed"))

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if not self._open:
            raise BusUnavailable("the in-process bus is not started")
        await self._released.wait()
        loop = asyncio.get_running_loop()
        confirms: list[asyncio.Future[None]] = []
        for envelope in envelopes:
            for consumer in self._queues.values():
                if consumer.wants(envelope.type):
                    confirm: asyncio.Future[None] = loop.create_future()
                    self._pending.add(confirm)
                    confirm.add_done_callback(self._pending.discard)
                    consumer.queue.put_nowait(_Delivery(envelope, 1, confirm))
                    confirms.append(confirm)
        if not confirms:
            return
        done, not_done = await asyncio.wait(confirms, timeout=self._confirm_timeout)
        if not_done:
            raise BusUnavailable(
                f"{len(not_done)} deliveries not handled within {self._confirm_timeout:g}s"
            )
        for confirm in done:
            confirm.result()  # re-raises BusUnavailable from close()

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
            item = await queue.queue.get()
            delivery = asyncio.ensure_future(self._deliver(queue, handler, item))
            try:
                await asyncio.shield(delivery)
            except asyncio.CancelledError:
                await delivery  # unsubscribe lets the handler in flight finish
                raise
            finally:
                queue.queue.task_done()

    async def _deliver(self, queue: _ConsumerQueue, handler: Handler, item: _Delivery) -> None:
        envelope, attempt = item.envelope, item.attempt
        try:
            await call_handler(handler, envelope)
            item.settle()
        except Exception:
            if attempt >= self._max_attempts:
                log.exception(
                    "dead-lettering a message after %d attempts",
                    attempt,
                    extra={"consumer": queue.name, "message_id": envelope.message_id},
                )
                queue.dead.append(envelope)
                app_metrics().dead_lettered(consumer=queue.name, reason="max_attempts")
                item.settle()  # dead-lettered is handled: RabbitMQ confirms it too
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
                queue.queue.put_nowait(_Delivery(envelope, attempt + 1, item.confirm))

            timer = loop.call_later(delay, requeue)
            queue.retries.add(timer)
