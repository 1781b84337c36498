"""Tracing across a gRPC hop and through message headers, metrics, and the global setup."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

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


async def test_a_grpc_call_is_one_trace_from_client_to_server(
    telemetry: tuple[Telemetry, InMemorySpanExporter, InMemoryMetricReader],
) -> None:
    tel, exporter, _ = telemetry
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


def test_global_setup_is_once_per_process_and_instruments_optionally() -> None:
    # Global providers and instrumentation patch the process, so this runs in a fresh one.
    script = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("error")
        from opentelemetry import trace
        from sqlalchemy import create_engine
        from classbridge_common import telemetry as t

        tel = t.setup_telemetry("scheduler", environ={})
        assert t.setup_telemetry("scheduler") is tel
        assert trace.get_tracer_provider() is tel.tracer_provider
        with tel.tracer().start_as_current_span("work"):
            assert t.current_trace_id() is not None
        assert t.instrument_httpx() is False  # done by setup already
        assert t.instrument_sqlalchemy() is False  # so are engines created from now on
        engine = create_engine("sqlite://")
        assert t.instrument_sqlalchemy(engine) is False
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
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
