"""What both bus implementations do around a handler call."""

from __future__ import annotations

from opentelemetry import context as otel_context

from classbridge_common.bus.base import Handler
from classbridge_common.messages import Envelope, extract_trace_context


async def call_handler(handler: Handler, envelope: Envelope) -> None:
    """Run ``handler`` with the producer's trace context current, so logs and spans join it."""
    token = otel_context.attach(extract_trace_context(envelope))
    try:
        await handler(envelope)
    finally:
        otel_context.detach(token)


def retry_delay(attempt: int, *, base: float, cap: float) -> float:
    """Exponential delay before retry number ``attempt`` (1-based)."""
    return min(cap, base * 2.0 ** max(0, attempt - 1))
