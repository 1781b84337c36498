"""OpenTelemetry for Classbridge: providers, instrumentation, and the seeds' metrics.

:func:`setup_telemetry` installs a TracerProvider and a MeterProvider with resource
``service.name``. With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set they export over OTLP/gRPC, the
provider is the SDK's, and aio-pika, httpx and every SQLAlchemy engine created afterwards are
instrumented (Starlette apps by :func:`instrument_app`). Without an exporter tracing costs next to
nothing: the provider is :class:`UnexportedTracerProvider`, whose spans are non-recording (no
attributes, events, timing or processors) yet carry ids, so the trace context still propagates
across services (W3C headers in gRPC metadata, HTTP and outbox envelopes) and logs carry trace
ids either way; and nothing is instrumented, since those spans would go nowhere (the SDK built a
span for each message the outbox relay published). gRPC is traced by the interceptors that
``classbridge_common.grpc`` always installs on its servers and channels (not by patching
``grpc.aio`` globally, which would trace each call twice).

Span attributes we add are namespaced ``app.*``. :class:`Metrics` holds the instruments for
the numbers the seeds ask for (sync success rate, processing time per recording, storage used,
errors by type, meeting-creation success rate, webhooks received) and the golden signals
(request rate, errors and latency of the gRPC and HTTP servers, Zoom calls and token grants,
dead-lettered messages, bytes transferred). Every meter provider also has a Prometheus reader
over the :class:`Telemetry`'s own ``registry``, whatever else exports: that registry is what a
service's scrape endpoint serves (``classbridge_common.scrape``), so metrics can be scraped
with or without an OTLP collector.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self

from opentelemetry import metrics, propagate, trace
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.util import types as otel_types
from prometheus_client import CollectorRegistry

from classbridge_common.logging import redact_text

logger = logging.getLogger(__name__)

OTLP_ENDPOINT_ENV: Final = "OTEL_EXPORTER_OTLP_ENDPOINT"
METER_NAME: Final = "classbridge"
#: Latency buckets (seconds) of request histograms: 5 ms to 60 s.
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


_SAMPLED = TraceFlags(TraceFlags.SAMPLED)


class _UnexportedTracer(trace.NoOpTracer):
    """Non-recording spans that keep the trace going (see :class:`UnexportedTracerProvider`)."""

    def __init__(self) -> None:
        self._ids = RandomIdGenerator()

    def start_span(
        self,
        name: str,
        context: Any | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: otel_types.Attributes = None,
        links: Any = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        current = trace.get_current_span(context)
        if current.get_span_context().is_valid:
            # The caller's span (maybe remote) stays the parent of whatever comes next: spans of
            # a service downstream that does export attach to the nearest exported ancestor.
            return (
                current
                if isinstance(current, NonRecordingSpan)
                else NonRecordingSpan(current.get_span_context())
            )
        ids = self._ids
        return NonRecordingSpan(
            SpanContext(
                trace_id=ids.generate_trace_id(),
                span_id=ids.generate_span_id(),
                is_remote=False,
                # Sampled, as the SDK's default sampler (parent-based, always on) marks a root:
                # a downstream service that exports decides as it did before.
                trace_flags=_SAMPLED,
            )
        )


class UnexportedTracerProvider(trace.NoOpTracerProvider):
    """The tracer provider of a process that exports no traces.

    Its spans record nothing (no SDK span objects, attributes or processors) but carry ids: a new
    root gets a fresh trace id, and a span under another — local or remote, from the W3C headers
    of a request or message — continues that trace. So trace context still propagates between
    services and logs still carry trace ids, at the price of a context look-up per span.
    """

    def __init__(self) -> None:
        self._tracer = _UnexportedTracer()

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: otel_types.Attributes = None,
    ) -> trace.Tracer:
        return self._tracer

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    def shutdown(self) -> None:
        """Nothing to flush or stop."""


@dataclass(frozen=True, slots=True)
class Telemetry:
    """The providers of this process and the metrics built on them.

    Usable as ``async with setup_telemetry(...)`` so it flushes and shuts down on exit.
    ``tracer_provider`` is the SDK's when spans are exported (``exporting``), else an
    :class:`UnexportedTracerProvider`.
    """

    service_name: str
    tracer_provider: TracerProvider | UnexportedTracerProvider
    meter_provider: MeterProvider
    metrics: Metrics
    # What the Prometheus reader of ``meter_provider`` fills at each scrape (not the process's
    # global registry: each Telemetry, and each test's, has its own).
    registry: CollectorRegistry

    @property
    def exporting(self) -> bool:
        """Are spans exported anywhere (OTLP or a given exporter)?"""
        return isinstance(self.tracer_provider, TracerProvider)

    def tracer(self, name: str = "classbridge") -> trace.Tracer:
        return self.tracer_provider.get_tracer(name)

    def shutdown(self) -> None:
        """Flush pending spans and metrics, then stop the exporters."""
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if _installed is self:
            shutdown_telemetry()
        else:
            self.shutdown()


def build_telemetry(
    service_name: str,
    *,
    otlp_endpoint: str | None = None,
    span_exporter: SpanExporter | None = None,
    metric_reader: MetricReader | None = None,
    resource_attributes: Mapping[str, str] | None = None,
) -> Telemetry:
    """Providers for ``service_name`` without touching global state (tests use this with
    in-memory exporters; :func:`setup_telemetry` installs the result globally).

    The SDK's tracer provider only when something exports spans (``otlp_endpoint`` or
    ``span_exporter``); otherwise an :class:`UnexportedTracerProvider`.
    """
    resource = Resource.create({**(resource_attributes or {}), SERVICE_NAME: service_name})
    exporting = bool(otlp_endpoint) or span_exporter is not None
    tracer_provider: TracerProvider | UnexportedTracerProvider = (
        TracerProvider(resource=resource) if exporting else UnexportedTracerProvider()
    )
    readers: list[MetricReader] = []
    if otlp_endpoint:
        assert isinstance(tracer_provider, TracerProvider)
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter,
        )
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter,
        )

        tracer_provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint))
        )
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=otlp_endpoint)))
    if span_exporter is not None:
        assert isinstance(tracer_provider, TracerProvider)
        tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    if metric_reader is not None:
        readers.append(metric_reader)
    registry = CollectorRegistry(auto_describe=True)
    readers.append(PrometheusMetricReader(registry=registry))
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    return Telemetry(
        service_name=service_name,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        metrics=Metrics(meter_provider.get_meter(METER_NAME)),
        registry=registry,
    )


_lock = threading.Lock()
_installed: Telemetry | None = None
_shut_down = False


def setup_telemetry(
    service_name: str,
    *,
    otlp_endpoint: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Telemetry:
    """Install tracing and metrics for this process, once (later calls return the same).

    ``otlp_endpoint`` defaults to ``OTEL_EXPORTER_OTLP_ENDPOINT``; unset means no export, and
    then no library is instrumented either (their spans would be built for nobody).
    """
    global _installed
    with _lock:
        if _installed is not None:
            if _installed.service_name != service_name:
                raise RuntimeError(
                    f"telemetry already set up for {_installed.service_name!r} in this process"
                )
            return _installed
        if _shut_down:
            raise RuntimeError("telemetry was shut down; it is set up once per process")
        env = os.environ if environ is None else environ
        endpoint = otlp_endpoint if otlp_endpoint is not None else env.get(OTLP_ENDPOINT_ENV)
        telemetry = build_telemetry(service_name, otlp_endpoint=endpoint or None)
        trace.set_tracer_provider(telemetry.tracer_provider)
        metrics.set_meter_provider(telemetry.meter_provider)
        _installed = telemetry
    if telemetry.exporting:
        instrument_aio_pika()
        instrument_httpx()
        instrument_sqlalchemy()  # engines are created after this, by each service's bootstrap
    logger.info(
        "telemetry set up for %s (%s)", service_name, "OTLP export" if endpoint else "no export"
    )
    return telemetry


def current_telemetry() -> Telemetry | None:
    return _installed


def shutdown_telemetry() -> None:
    """Flush and stop the installed providers (at process exit; idempotent)."""
    global _installed, _shut_down
    with _lock:
        telemetry, _installed = _installed, None
        if telemetry is not None:
            _shut_down = True
    if telemetry is not None:
        telemetry.shutdown()


# --- instrumentation (each optional and idempotent) ----------------------------------------------

_instrument_lock = threading.Lock()


def _instrument_once(module: str, cls_name: str, **kwargs: Any) -> bool:
    """Globally instrument with ``module.cls_name`` unless done already or not installed."""
    try:
        mod = __import__(module, fromlist=[cls_name])
    except ImportError:
        logger.debug("instrumentation %s not installed", module)
        return False
    instrumentor = getattr(mod, cls_name)()
    with _instrument_lock:
        if instrumentor.is_instrumented_by_opentelemetry:
            return False
        instrumentor.instrument(**kwargs)
    return True


def instrument_aio_pika() -> bool:
    """Trace publishes and consumes (context travels in AMQP headers)."""
    return _instrument_once("opentelemetry.instrumentation.aio_pika", "AioPikaInstrumentor")


def instrument_httpx() -> bool:
    """Trace outgoing HTTP (Zoom, S3-compatible endpoints over httpx)."""
    return _instrument_once("opentelemetry.instrumentation.httpx", "HTTPXClientInstrumentor")


_traced_engines: weakref.WeakSet[Any] = weakref.WeakSet()


def instrument_sqlalchemy(engine: Any | None = None) -> bool:
    """Trace SQL of ``engine`` (a sync or async engine) and of engines created from now on."""
    try:
        from opentelemetry.instrumentation.sqlalchemy import (
            SQLAlchemyInstrumentor,
        )
    except ImportError:
        return False
    sync_engine = getattr(engine, "sync_engine", engine)
    with _instrument_lock:
        if sync_engine is not None and sync_engine in _traced_engines:
            return False
        instrumentor = SQLAlchemyInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            # Engines created after the first call are traced by the wrapped factories.
            if sync_engine is not None:
                _traced_engines.add(sync_engine)
            return False
        if sync_engine is not None:
            instrumentor.instrument(engine=sync_engine)
            _traced_engines.add(sync_engine)
        else:
            instrumentor.instrument()
    return True


def instrument_app(app: Any) -> bool:
    """Trace a Starlette app's requests (the edge, webhook-ingest)."""
    try:
        from opentelemetry.instrumentation.starlette import (
            StarletteInstrumentor,
        )
    except ImportError:
        return False
    if getattr(app, "_is_instrumented_by_opentelemetry", False):
        return False
    StarletteInstrumentor.instrument_app(app, server_request_hook=_scrub_request_span)
    return True


def _scrub_request_span(span: Any, scope: Mapping[str, Any]) -> None:
    """A request span's path and URL with credentials scrubbed (a calendar feed's path is its
    token: ``logging.redact_text``), as they would be in a log line."""
    path = str(scope.get("path", ""))
    clean = redact_text(path)
    if clean == path or span is None or not span.is_recording():
        return
    for key in ("http.target", "url.path", "http.url", "url.full"):
        span.set_attribute(key, clean)


# --- context propagation through message headers -------------------------------------------------


def inject_context(carrier: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the current trace context (W3C ``traceparent``/``tracestate``) into ``carrier``
    (e.g. AMQP message headers) and return it."""
    headers: dict[str, Any] = {} if carrier is None else carrier
    propagate.inject(headers)
    return headers


def extract_context(carrier: Mapping[str, Any]) -> Any:
    """The context carried by ``carrier`` headers, for ``tracer.start_as_current_span(...,
    context=...)`` on the consuming side. Byte values (as AMQP may deliver) are decoded."""
    text = {
        k: (v.decode("latin-1") if isinstance(v, bytes) else v)
        for k, v in carrier.items()
        if isinstance(v, str | bytes)
    }
    return propagate.extract(text)


def current_trace_id() -> str | None:
    """The current trace id as 32 hex digits, for logs and error details."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


# --- metrics -------------------------------------------------------------------------------------


class Metrics:
    """The instruments for the seeds' numbers. Attribute names are ``app.*``.

    Built from one meter; services call the methods, never the instruments directly, so the
    names and attributes stay the same everywhere.
    """

    def __init__(self, meter: metrics.Meter) -> None:
        self._recording_sync = meter.create_counter(
            "app.recording.sync", unit="{recording}", description="Recording syncs by outcome"
        )
        self._processing_seconds = meter.create_histogram(
            "app.recording.processing_seconds",
            unit="s",
            description="Time from sync start to stored recording",
        )
        self._storage_bytes = meter.create_up_down_counter(
            "app.storage.bytes", unit="By", description="Bytes held in object storage"
        )
        self._errors = meter.create_counter(
            "app.errors", unit="{error}", description="Errors by type"
        )
        self._meeting_create = meter.create_counter(
            "app.meeting.create", unit="{meeting}", description="Zoom meeting creations by outcome"
        )
        self._webhook_received = meter.create_counter(
            "app.webhook.received", unit="{webhook}", description="Webhooks by event and outcome"
        )

        # Golden signals. Latencies in seconds, with buckets for requests (not the SDK's default,
        # which suits milliseconds).
        self._rpc_server = meter.create_histogram(
            "app.rpc.server.duration",
            unit="s",
            description="gRPC calls served, by service, method and status code",
            explicit_bucket_boundaries_advisory=LATENCY_BUCKETS,
        )
        self._http_server = meter.create_histogram(
            "app.http.server.duration",
            unit="s",
            description="HTTP requests served, by method, route template and status",
            explicit_bucket_boundaries_advisory=LATENCY_BUCKETS,
        )
        self._zoom_api = meter.create_counter(
            "app.zoom.api.calls",
            unit="{call}",
            description="Requests sent to Zoom's REST API, by rate-limit category and status",
        )
        self._zoom_token = meter.create_counter(
            "app.zoom.token.requests",
            unit="{request}",
            description="Token requests to Zoom's OAuth endpoint, by grant and outcome",
        )
        self._dead_lettered = meter.create_counter(
            "app.bus.dead_lettered",
            unit="{message}",
            description="Messages a consumer gave up on (moved to its dead-letter queue)",
        )
        self._transfer_bytes = meter.create_counter(
            "app.transfer.bytes", unit="By", description="Bytes written to object storage"
        )
        self._webhook_deliveries = meter.create_counter(
            "app.webhook.deliveries",
            unit="{attempt}",
            description="Outgoing webhook delivery attempts, by event type and outcome",
        )
        self._webhook_delivery_duration = meter.create_histogram(
            "app.webhook.delivery.duration",
            unit="s",
            description="Time an outgoing webhook attempt took, by outcome",
            explicit_bucket_boundaries_advisory=LATENCY_BUCKETS,
        )

    @classmethod
    def from_global(cls) -> Metrics:
        """Metrics on the globally installed meter provider (no-op until one is set)."""
        return cls(metrics.get_meter(METER_NAME))

    def recording_sync(self, *, success: bool, error_type: str | None = None) -> None:
        attributes = {"app.outcome": "success" if success else "failure"}
        if not success:
            attributes["app.error.type"] = error_type or "unknown"
        self._recording_sync.add(1, attributes)

    def recording_processing(self, seconds: float, *, file_type: str | None = None) -> None:
        self._processing_seconds.record(
            seconds, {"app.file_type": file_type} if file_type else None
        )

    def storage_bytes(self, delta: int, *, backend: str) -> None:
        """``delta`` positive when an object is stored, negative when one is deleted."""
        self._storage_bytes.add(delta, {"app.storage.backend": backend})

    def error(self, error_type: str, *, operation: str | None = None) -> None:
        attributes = {"app.error.type": error_type}
        if operation:
            attributes["app.operation"] = operation
        self._errors.add(1, attributes)

    def meeting_create(self, *, success: bool, error_type: str | None = None) -> None:
        attributes = {"app.outcome": "success" if success else "failure"}
        if not success:
            attributes["app.error.type"] = error_type or "unknown"
        self._meeting_create.add(1, attributes)

    def webhook_received(self, *, event: str, outcome: str) -> None:
        """``outcome``: ``accepted``, ``duplicate``, ``rejected_signature``, ``invalid``, …"""
        self._webhook_received.add(1, {"app.webhook.event": event, "app.outcome": outcome})

    def rpc_served(self, seconds: float, *, service: str, method: str, code: str) -> None:
        """One gRPC call served; ``code`` is the status name (``OK``, ``NOT_FOUND``, …)."""
        self._rpc_server.record(
            seconds, {"rpc.service": service, "rpc.method": method, "rpc.grpc.status_code": code}
        )

    def http_served(self, seconds: float, *, method: str, route: str, status: int) -> None:
        """One HTTP request answered. ``route`` is the route's template (``/api/v1/batches/
        {batch_id}``), never the raw path: ids and tokens in paths must not become labels."""
        attributes = {"http.request.method": method, "http.route": route}
        self._http_server.record(seconds, {**attributes, "http.response.status_code": status})

    def zoom_api_call(self, *, category: str, status: str) -> None:
        """One request to Zoom's REST API; ``status`` is the HTTP status or ``no_answer``."""
        self._zoom_api.add(1, {"app.zoom.category": category, "app.zoom.status": status})

    def zoom_token(self, *, grant: str, outcome: str) -> None:
        """One POST to Zoom's token endpoint. ``outcome``: ``success``, ``refused`` (Zoom said
        no: the grant is bad) or ``unavailable`` (no or a 5xx answer)."""
        self._zoom_token.add(1, {"app.zoom.grant": grant, "app.outcome": outcome})

    def dead_lettered(self, *, consumer: str, reason: str) -> None:
        """``reason``: ``max_attempts`` or ``malformed``."""
        self._dead_lettered.add(1, {"app.consumer": consumer, "app.reason": reason})

    def transfer_bytes(self, count: int, *, stage: str = "stored") -> None:
        self._transfer_bytes.add(count, {"app.transfer.stage": stage})

    def webhook_delivery(self, seconds: float, *, event_type: str, outcome: str) -> None:
        """One attempt at an outgoing webhook. ``outcome``: ``success``, ``retry`` (failed, tried
        again later) or ``failed`` (failed for good). Never the endpoint or tenant as a label."""
        self._webhook_deliveries.add(1, {"app.webhook.event": event_type, "app.outcome": outcome})
        self._webhook_delivery_duration.record(seconds, {"app.outcome": outcome})


_app_metrics: Metrics | None = None


def app_metrics() -> Metrics:
    """The process's :class:`Metrics` on the global meter provider, made once.

    For code without a :class:`Telemetry` at hand (the bus, adapters, interceptors). Its
    instruments are the API's proxies until a provider is installed, then record into it.
    """
    global _app_metrics
    if _app_metrics is None:
        _app_metrics = Metrics.from_global()
    return _app_metrics


__all__ = [
    "LATENCY_BUCKETS",
    "Metrics",
    "Telemetry",
    "UnexportedTracerProvider",
    "app_metrics",
    "build_telemetry",
    "current_telemetry",
    "current_trace_id",
    "extract_context",
    "inject_context",
    "instrument_aio_pika",
    "instrument_app",
    "instrument_httpx",
    "instrument_sqlalchemy",
    "setup_telemetry",
    "shutdown_telemetry",
]
