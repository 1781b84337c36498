"""The envelope every event travels in, whichever bus carries it.

An :class:`Envelope` is what the outbox stores and what the bus publishes and delivers: an opaque
protobuf ``body`` plus the metadata consumers rely on — ``message_id`` (the inbox dedup key),
``type`` (the routing key, e.g. ``zoom.meeting.ended``), ``timestamp`` and string ``headers``
that carry the W3C trace context from the request that caused the event to its consumers.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TypeVar

from google.protobuf.message import Message
from opentelemetry import propagate
from opentelemetry.context import Context

__all__ = ["PROTOBUF", "Envelope", "extract_trace_context", "new_message_id"]

PROTOBUF = "application/x-protobuf"

M = TypeVar("M", bound=Message)


def new_message_id() -> str:
    """A fresh, globally unique message id (UUID4 text)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Envelope:
    """One immutable event on the wire: protobuf bytes plus id, type, time and headers."""

    message_id: str
    type: str
    body: bytes
    timestamp: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = PROTOBUF

    def __post_init__(self) -> None:
        if not self.message_id:
            raise ValueError("an envelope needs a message_id")
        if not self.type:
            raise ValueError("an envelope needs a type (its routing key)")
        if self.timestamp.tzinfo is None:
            raise ValueError("an envelope timestamp must be timezone-aware")
        headers = {str(k): str(v) for k, v in self.headers.items()}
        object.__setattr__(self, "headers", MappingProxyType(headers))
        object.__setattr__(self, "body", bytes(self.body))

    @classmethod
    def for_proto(
        cls,
        type: str,
        msg: Message,
        message_id: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        timestamp: datetime | None = None,
    ) -> Envelope:
        """Serialise ``msg`` and capture the current trace context into the headers."""
        carrier: dict[str, str] = dict(headers or {})
        propagate.inject(carrier)
        return cls(
            message_id=message_id or new_message_id(),
            type=type,
            body=msg.SerializeToString(),
            timestamp=timestamp or datetime.now(UTC),
            headers=carrier,
        )

    # ``builtins.type``: inside the class body ``type`` is the routing-key field above.
    def parse(self, cls: builtins.type[M]) -> M:
        """Deserialise the body as ``cls`` (raises ``google.protobuf.message.DecodeError``)."""
        if self.content_type != PROTOBUF:
            raise ValueError(f"cannot parse {self.content_type} as protobuf {cls.__name__}")
        message = cls()
        message.ParseFromString(self.body)
        return message

    def with_headers(self, **headers: str) -> Envelope:
        """A copy with ``headers`` added or replaced."""
        return replace(self, headers={**self.headers, **headers})


def extract_trace_context(envelope: Envelope) -> Context:
    """The OpenTelemetry context of the producer, to parent the consumer's work."""
    return propagate.extract(dict(envelope.headers))
