"""Tracing across a gRPC hop and through message headers, metrics, and the global setup."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry import trace
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette

from classbridge_common.auth import ServiceTokenIssuer, TokenVerifier
from classbridge_common.grpc.client import call, create_channel
from classbridge_common.grpc.server import GrpcServer
from classbridge_common.grpc.testing import ProbeServicer, ProbeStub, add_probe_servicer_to_server
from classbridge_common.telemetry import (
    Telemetry,
    UnexportedTracerProvider,
    build_telemetry,
    current_trace_id,
    extract_context,
    inject_context,
    instrument_app,
)

SECRET = "test-secret-that-is-long-enough-for-hs256!"
SERVICE_SECRET = "test-service-secret-long-enough-for-hs256!"


@pytest.fixture
def telemetry() -> Iterator[tuple[Telemetry, InMemorySpanExporter, InMemoryMetricReader]]:
    spans = InMemorySpanExporter()
    reader = InMemoryMetricReader()
    built = build_telemetry("classbridge-test", span_exporter=spans, metric_reader=reader)
    yield built, spans, reader
    built.shutdown()


async def _call_through_grpc(tel: Telemetry) -> tuple[list[str | None], Any]:
    """One gRPC call inside an "edge request" span: the trace ids the server saw, and the
    root span."""
    seen_trace_ids: list[str | None] = []

    async def traced(request: StringValue, context: object) -> StringValue:
        seen_trace_ids.append(current_trace_id())
        return StringValue(value="ok")

    server = GrpcServer(
        servicers=[(add_probe_servicer_to_server, ProbeServicer(unary=traced))],
        verifier=TokenVerifier(SECRET, service_secret=SERVICE_SECRET),
        host="127.0.0.1",
        tracer_provider=tel.tracer_provider,
    )
    async with (
        server,
        create_channel(
            server.address,
            service_tokens=ServiceTokenIssuer("edge", secret=SERVICE_SECRET),
            tracer_provider=tel.tracer_provider,
        ) as channel,
    ):
        with tel.tracer("test").start_as_current_span("edge request") as root:
            await call(ProbeStub(channel).Unary, StringValue(value="hi"), timeout=30)
    return seen_trace_ids, root


async def test_a_grpc_call_is_one_trace_from_client_to_server(
    telemetry: tuple[Telemetry, InMemorySpanExporter, InMemoryMetricReader],
) -> None:
    tel, exporter, _ = telemetry
    seen_trace_ids, root = await _call_through_grpc(tel)
    tel.tracer_provider.force_flush()

    spans = exporter.get_finished_spans()
    client = next(s for s in spans if s.kind == SpanKind.CLIENT)
    server_span = next(s for s in spans if s.kind == SpanKind.SERVER)
    trace_id = root.get_span_context().trace_id
    assert client.context.trace_id == server_span.context.trace_id == trace_id
    assert server_span.parent is not None
    assert server_span.parent.span_id == client.context.span_id
    assert seen_trace_ids == [format(trace_id, "032x")]
    assert server_span.resource.attributes["service.name"] == "classbridge-test"
    assert server_span.attributes is not None
    assert "app.request_id" in server_span.attributes


def test_w3c_context_survives_a_dict_carrier(
    telemetry: tuple[Telemetry, InMemorySpanExporter, InMemoryMetricReader],
) -> None:
    tel, _, _ = telemetry
    tracer = tel.tracer("test")
    with tracer.start_as_current_span("publish") as publish:
        headers = inject_context({"message_id": "m-1"})
    assert headers["message_id"] == "m-1"
    assert "traceparent" in headers
    # AMQP may hand header values back as bytes.
    delivered = {k: v.encode() if isinstance(v, str) else v for k, v in headers.items()}
    with tracer.start_as_current_span("consume", context=extract_context(delivered)) as consume:
        pass
    assert consume.get_span_context().trace_id == publish.get_span_context().trace_id
    assert consume.parent is not None
    assert consume.parent.span_id == publish.get_span_context().span_id


def test_without_a_span_there_is_no_trace_id() -> None:
    assert trace.get_current_span().get_span_context().is_valid is False
    assert current_trace_id() is None


def test_metrics_record_the_seeds_numbers(
    telemetry: tuple[Telemetry, InMemorySpanExporter, InMemoryMetricReader],
) -> None:
    tel, _, reader = telemetry
    m = tel.metrics
    m.recording_sync(success=True)
    m.recording_sync(success=False, error_type="UpstreamError")
    m.recording_processing(12.5, file_type="MP4")
    m.storage_bytes(1000, backend="local")
    m.storage_bytes(-400, backend="local")
    m.error("NotFound", operation="GetRecording")
    m.meeting_create(success=True)
    m.webhook_received(event="meeting.ended", outcome="accepted")

    data = reader.get_metrics_data()
    assert data is not None
    points = {
        metric.name: list(metric.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    }
    sync = {p.attributes["app.outcome"]: p.value for p in points["app.recording.sync"]}
    assert sync == {"success": 1, "failure": 1}
    failure = next(
        p for p in points["app.recording.sync"] if p.attributes["app.outcome"] == "failure"
    )
    assert failure.attributes["app.error.type"] == "UpstreamError"
    assert points["app.recording.processing_seconds"][0].sum == 12.5
    assert points["app.storage.bytes"][0].value == 600
    assert points["app.errors"][0].attributes["app.error.type"] == "NotFound"
    assert points["app.meeting.create"][0].value == 1
    assert points["app.webhook.received"][0].attributes["app.webhook.event"] == "meeting.ended"


def test_instrument_app_is_idempotent() -> None:
    app = Starlette()
    assert instrument_app(app) is True
    assert instrument_app(app) is False


def _in_a_fresh_process(script: str, **env_extra: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), **env_extra}
    if "OTEL_EXPORTER_OTLP_ENDPOINT" not in env_extra:
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_global_setup_is_once_per_process_and_instruments_nothing_without_export() -> None:
    # Global providers and instrumentation patch the process, so this runs in a fresh one.
    _in_a_fresh_process(
        """
        import warnings
        warnings.simplefilter("error")
        from opentelemetry import trace
        from sqlalchemy import create_engine
        from classbridge_common import telemetry as t

        tel = t.setup_telemetry("scheduler", environ={})
        assert t.setup_telemetry("scheduler") is tel
        assert not tel.exporting
        assert isinstance(tel.tracer_provider, t.UnexportedTracerProvider)
        assert trace.get_tracer_provider() is tel.tracer_provider
        with tel.tracer().start_as_current_span("work") as span:
            assert t.current_trace_id() is not None  # logs still carry trace ids
            assert not span.is_recording()
        # Nothing was instrumented: these are the first calls.
        assert t.instrument_httpx() is True
        assert t.instrument_aio_pika() is True
        try:
            t.setup_telemetry("edge")
        except RuntimeError:
            pass
        else:
            raise AssertionError("a second service name must be refused")
        t.shutdown_telemetry()
        t.shutdown_telemetry()
        print("ok")
        """
    )


def test_global_setup_with_an_exporter_installs_the_sdk_and_instruments() -> None:
    _in_a_fresh_process(
        """
        import warnings
        warnings.simplefilter("error")
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from sqlalchemy import create_engine
        from classbridge_common import telemetry as t

        tel = t.setup_telemetry("scheduler")
        assert tel.exporting
        assert isinstance(tel.tracer_provider, TracerProvider)
        assert trace.get_tracer_provider() is tel.tracer_provider
        assert t.instrument_httpx() is False  # done by setup already
        assert t.instrument_aio_pika() is False
        assert t.instrument_sqlalchemy() is False  # so are engines created from now on
        engine = create_engine("sqlite://")
        assert t.instrument_sqlalchemy(engine) is False
        print("ok")
        """,
        # Nothing listens there; no span is made, so nothing is sent.
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:1",
    )


# --- without an exporter: non-recording spans that keep the trace going --------------------------


def test_without_an_exporter_spans_record_nothing_but_carry_the_trace() -> None:
    tel = build_telemetry("classbridge-test")
    assert isinstance(tel.tracer_provider, UnexportedTracerProvider)
    tracer = tel.tracer("test")
    with tracer.start_as_current_span("request", attributes={"a": 1}) as root:
        assert not root.is_recording()
        context = root.get_span_context()
        assert context.is_valid
        assert context.trace_flags.sampled
        with tracer.start_as_current_span("inner") as inner:
            assert inner.get_span_context().trace_id == context.trace_id
            headers = inject_context({})
    assert headers["traceparent"].split("-")[1] == format(context.trace_id, "032x")
    # The consuming side (another process without an exporter) continues the same trace.
    with tracer.start_as_current_span("consume", context=extract_context(headers)) as consume:
        assert consume.get_span_context().trace_id == context.trace_id
        assert current_trace_id() == format(context.trace_id, "032x")
    # Two roots are two traces.
    with tracer.start_as_current_span("another") as other:
        assert other.get_span_context().trace_id != context.trace_id
    tel.shutdown()


def test_without_an_exporter_a_remote_parent_keeps_its_sampling_decision() -> None:
    tracer = build_telemetry("classbridge-test").tracer("test")
    for flags in ("00", "01"):
        incoming = {"traceparent": f"00-{'ab' * 16}-{'cd' * 8}-{flags}"}
        with tracer.start_as_current_span("hop", context=extract_context(incoming)):
            outgoing = inject_context({})
        # The next service sees the caller's span as the parent, and the same decision.
        assert outgoing["traceparent"] == incoming["traceparent"]


async def test_without_an_exporter_a_grpc_call_is_still_one_trace() -> None:
    tel = build_telemetry("classbridge-test")
    seen_trace_ids, root = await _call_through_grpc(tel)
    assert seen_trace_ids == [format(root.get_span_context().trace_id, "032x")]
