"""The event bus interface both implementations honour, and the topic matching they share."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self

from classbridge_common.messages import Envelope

__all__ = [
    "ATTEMPTS_HEADER",
    "DEFAULT_EXCHANGE",
    "BusError",
    "BusUnavailable",
    "EventBus",
    "Handler",
    "topic_matches",
]

DEFAULT_EXCHANGE = "classbridge.events"
ATTEMPTS_HEADER = "x-classbridge-attempts"

Handler = Callable[[Envelope], Awaitable[None]]


class BusError(Exception):
    """Base of the event bus errors."""


class BusUnavailable(BusError):
    """The broker did not confirm every message (down, closed, nacked or timed out).

    Nothing can be assumed about which messages got through: the caller keeps them (the outbox
    keeps its rows) and publishes them again later. Consumers deduplicate by ``message_id``.
    """


class EventBus(abc.ABC):
    """Publish envelopes by their ``type`` (the routing key); consume them per named consumer.

    Guarantees, on both implementations:

    - ``publish`` returns only when every envelope is safely stored by the bus (RabbitMQ:
      publisher confirms of persistent messages); otherwise it raises :class:`BusUnavailable`.
    - Each consumer has its own durable queue, bound to topic patterns (``*`` one word, ``#``
      zero or more), that keeps receiving while nobody consumes it.
    - A handler that returns acks the message; one that raises has it retried up to
      ``max_attempts`` times in all, after which it is dead-lettered.
    - At most ``prefetch`` messages per consumer are in a handler at once; with ``prefetch=1``
      a consumer sees its messages in publication order (retries go to the back).
    - Delivery is at-least-once: handlers must be idempotent (see ``classbridge_common.inbox``).
    """

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect; raises :class:`BusUnavailable` when the broker cannot be reached."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop every consumer (letting in-flight handlers finish) and disconnect."""

    @abc.abstractmethod
    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish ``envelopes`` in order; return once all are confirmed."""

    @abc.abstractmethod
    async def subscribe(
        self,
        consumer: str,
        routing_keys: Sequence[str],
        handler: Handler,
        prefetch: int = 32,
    ) -> None:
        """Declare ``consumer``'s queue bound to ``routing_keys`` and start delivering to it."""

    @abc.abstractmethod
    async def unsubscribe(self, consumer: str) -> None:
        """Stop delivering to ``consumer`` after its in-flight handlers; its queue stays."""

    @abc.abstractmethod
    async def dead_letters(self, consumer: str, *, limit: int = 100) -> list[Envelope]:
        """Look at (without removing) up to ``limit`` of ``consumer``'s dead-lettered messages."""


def topic_matches(binding: str, routing_key: str) -> bool:
    """RabbitMQ topic semantics: words split by ``.``, ``*`` = exactly one, ``#`` = zero or more."""
    return _topic_match(binding.split("."), routing_key.split(".") if routing_key else [])


def _topic_match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_topic_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    if head in ("*", words[0]):
        return _topic_match(rest, words[1:])
    return False
