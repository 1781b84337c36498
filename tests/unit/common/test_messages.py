from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from classbridge_common.messages import Envelope, extract_trace_context

SPAN = SpanContext(
    trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
    span_id=0x00F067AA0BA902B7,
    is_remote=False,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
)


def test_for_proto_round_trips_the_message_and_carries_the_trace() -> None:
    with trace.use_span(NonRecordingSpan(SPAN)):
        envelope = Envelope.for_proto("recording.synced", StringValue(value="r-1"))
    assert envelope.parse(StringValue).value == "r-1"
    assert envelope.headers["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert envelope.timestamp.tzinfo is not None
    assert envelope.content_type == "application/x-protobuf"
    parent = trace.get_current_span(extract_trace_context(envelope)).get_span_context()
    assert parent.trace_id == SPAN.trace_id
    assert parent.span_id == SPAN.span_id


def test_envelope_is_immutable_and_validated() -> None:
    envelope = Envelope.for_proto("a.b", StringValue(value="x"), message_id="m-1")
    assert envelope.message_id == "m-1"
    with pytest.raises(AttributeError):
        envelope.type = "c.d"  # type: ignore[misc]
    with pytest.raises(TypeError):
        envelope.headers["x"] = "y"  # type: ignore[index]
    with pytest.raises(ValueError, match="timezone-aware"):
        Envelope("m", "a.b", b"", datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="message_id"):
        Envelope("", "a.b", b"", datetime.now(UTC))
    assert envelope.with_headers(tenant="t1").headers["tenant"] == "t1"
    assert "tenant" not in envelope.headers
