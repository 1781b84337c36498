"""The Prometheus scrape endpoint, the golden-signal instruments and the database gauges.

Each test builds its own telemetry (`build_telemetry`: a meter provider and a registry of its
own), serves it with the real endpoint on a free port, scrapes it over HTTP and parses the text
with prometheus_client's own parser, as Prometheus would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import grpc.aio
import httpx
import pytest
from google.protobuf.wrappers_pb2 import StringValue
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from classbridge_common import telemetry as telemetry_module
from classbridge_common.errors import NotFound
from classbridge_common.gauges import GaugeBoard, GaugeSource, Readings, outbox_source
from classbridge_common.grpc.interceptors import ErrorMappingInterceptor
from classbridge_common.grpc.metrics import MetricsInterceptor
from classbridge_common.grpc.testing import (
    PROBE_SERVICE,
    ProbeServicer,
    ProbeStub,
    add_probe_servicer_to_server,
)
from classbridge_common.http_metrics import UNMATCHED_ROUTE, HTTPMetricsMiddleware
from classbridge_common.messages import Envelope
from classbridge_common.outbox import OUTBOX
from classbridge_common.scrape import MetricsEndpoint, serving_metrics
from classbridge_common.settings import ServiceSettings
from classbridge_common.telemetry import METER_NAME, Telemetry, build_telemetry
from classbridge_common.testing import EnvelopeCollector, wait_until

# The seeds' instruments and the golden signals, as Prometheus names them.
EVERY_FAMILY = {
    "app_recording_sync",
    "app_recording_processing_seconds",
    "app_storage_bytes",
    "app_errors",
    "app_meeting_create",
    "app_webhook_received",
    "app_rpc_server_duration_seconds",
    "app_http_server_duration_seconds",
    "app_zoom_api_calls",
    "app_zoom_token_requests",
    "app_bus_dead_lettered",
    "app_transfer_bytes",
}


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    built = build_telemetry("classbridge-test")
    try:
        yield built
    finally:
        built.shutdown()


@pytest.fixture
def board(telemetry: Telemetry) -> GaugeBoard:
    return GaugeBoard(telemetry.meter_provider.get_meter(METER_NAME))


@pytest.fixture
async def endpoint(telemetry: Telemetry, board: GaugeBoard) -> AsyncIterator[MetricsEndpoint]:
    async with MetricsEndpoint(telemetry.registry, host="127.0.0.1", port=0, board=board) as ep:
        yield ep


async def scrape(port: int) -> dict[str, list[Sample]]:
    """GET /metrics, parsed: samples by family name."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f.samples for f in text_string_to_metric_families(answer.text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) == 1, (name, labels, samples)
    return found[0]


async def test_the_endpoint_serves_every_instrument_in_the_text_format(
    telemetry: Telemetry, endpoint: MetricsEndpoint
) -> None:
    m = telemetry.metrics
    m.recording_sync(success=True)
    m.recording_sync(success=False, error_type="download")
    m.recording_processing(12.5, file_type="MP4")
    m.storage_bytes(3_000, backend="local")
    m.error("timeout", operation="recording_download")
    m.meeting_create(success=True)
    m.webhook_received(event="meeting.ended", outcome="accepted")
    m.rpc_served(0.02, service="classbridge.scheduler.v1.Scheduler", method="Get", code="OK")
    m.http_served(0.03, method="GET", route="/api/v1/sessions/{session_id}", status=200)
    m.zoom_api_call(category="light", status="429")
    m.zoom_token(grant="refresh_token", outcome="refused")
    m.dead_lettered(consumer="scheduler", reason="max_attempts")
    m.transfer_bytes(8 * 1024 * 1024)

    families = await scrape(endpoint.port)

    assert families.keys() >= EVERY_FAMILY
    sync = families["app_recording_sync"]
    assert value(sync, "app_recording_sync_total", app_outcome="success") == 1
    assert value(sync, "app_recording_sync_total", app_error_type="download") == 1
    processing = families["app_recording_processing_seconds"]
    assert value(processing, "app_recording_processing_seconds_count") == 1
    assert value(processing, "app_recording_processing_seconds_sum") == 12.5
    assert value(families["app_storage_bytes"], "app_storage_bytes") == 3_000
    rpc = families["app_rpc_server_duration_seconds"]
    # seconds, with request-sized buckets (the SDK's default ones start at 5 *seconds*)
    assert value(rpc, "app_rpc_server_duration_seconds_bucket", le="0.025") == 1
    assert value(rpc, "app_rpc_server_duration_seconds_bucket", le="0.01") == 0
    tokens = families["app_zoom_token_requests"]
    assert value(tokens, "app_zoom_token_requests_total", app_outcome="refused") == 1
    moved = families["app_transfer_bytes"]
    assert value(moved, "app_transfer_bytes_total") == 8 * 1024 * 1024


async def test_head_is_answered_and_other_methods_paths_and_garbage_are_refused(
    telemetry: Telemetry, endpoint: MetricsEndpoint
) -> None:
    telemetry.metrics.meeting_create(success=True)
    base = f"http://127.0.0.1:{endpoint.port}"
    async with httpx.AsyncClient(timeout=10) as client:
        head = await client.head(f"{base}/metrics")
        assert head.status_code == 200
        assert head.content == b""
        body = (await client.get(f"{base}/metrics")).content
        assert int(head.headers["content-length"]) == len(body) > 0
        assert (await client.get(f"{base}/metrics?x=1")).status_code == 200
        post = await client.post(f"{base}/metrics", content=b"x")
        assert post.status_code == 405
        assert post.headers["allow"] == "GET, HEAD"
        assert (await client.get(f"{base}/")).status_code == 404
        assert (await client.get(f"{base}/metrics/../secrets")).status_code == 404
    reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
    writer.write(b"NONSENSE\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400 ")


async def test_a_client_that_sends_nothing_does_not_hold_the_shutdown(
    telemetry: Telemetry,
) -> None:
    async with MetricsEndpoint(telemetry.registry, host="127.0.0.1") as endpoint:
        _, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        await asyncio.sleep(0.05)
        port = endpoint.port
    # closed: the port no longer accepts, and the silent client did not keep it open
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    writer.close()


async def test_outbox_depth_and_lag_come_from_the_services_own_table(
    sessions: async_sessionmaker[AsyncSession],
    board: GaugeBoard,
    endpoint: MetricsEndpoint,
) -> None:
    now = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
    remove = board.add(outbox_source("scheduler", sessions, now=lambda: now))
    families = await scrape(endpoint.port)
    assert value(families["app_outbox_depth"], "app_outbox_depth", app_service="scheduler") == 0
    lag = families["app_outbox_lag_seconds"]
    assert value(lag, "app_outbox_lag_seconds", app_service="scheduler") == 0

    def row(n: int, age: timedelta, published: bool) -> dict[str, Any]:
        return {
            "message_id": f"m{n}",
            "type": "session.created",
            "body": b"x",
            "headers": {},
            "content_type": "application/x-protobuf",
            "created_at": now - age,
            "published_at": now if published else None,
        }

    async with sessions() as session, session.begin():
        await session.execute(
            insert(OUTBOX),
            [
                row(1, timedelta(minutes=9), published=True),  # sent: neither depth nor lag
                row(2, timedelta(seconds=90), published=False),
                row(3, timedelta(seconds=5), published=False),
            ],
        )
    families = await scrape(endpoint.port)  # read at the scrape, not cached from the last one
    assert value(families["app_outbox_depth"], "app_outbox_depth", app_service="scheduler") == 2
    lag = families["app_outbox_lag_seconds"]
    assert value(lag, "app_outbox_lag_seconds", app_service="scheduler") == 90
    remove()
    assert "app_outbox_depth" not in {
        name for name, samples in (await scrape(endpoint.port)).items() if samples
    }


async def test_a_failing_gauge_source_keeps_its_last_reading_and_the_scrape_succeeds(
    board: GaugeBoard, endpoint: MetricsEndpoint
) -> None:
    calls = 0

    async def read() -> Readings:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ConnectionError("the database went away")
        return {"app.recording.sync_jobs.stuck": [(2.0, {"app.reason": "overdue"})]}

    board.add(GaugeSource(service="recording-sync", name="jobs", read=read))
    for _ in range(2):
        families = await scrape(endpoint.port)
        stuck = families["app_recording_sync_jobs_stuck"]
        assert value(stuck, "app_recording_sync_jobs_stuck", app_reason="overdue") == 2
    assert calls == 2


async def test_serving_metrics_binds_only_when_a_port_is_set(
    settings_factory: Any, telemetry: Telemetry, board: GaugeBoard
) -> None:
    settings: ServiceSettings = settings_factory(service_name="testsvc")
    async with serving_metrics(settings, telemetry=telemetry, board=board) as served:
        assert served.port is None
    settings = settings_factory(service_name="testsvc", metrics_port=0, metrics_host="127.0.0.1")
    async with serving_metrics(settings, telemetry=telemetry, board=board) as served:
        assert served.port
        telemetry.metrics.meeting_create(success=False, error_type="Unavailable")
        families = await scrape(served.port)
        created = families["app_meeting_create"]
        assert value(created, "app_meeting_create_total", app_outcome="failure") == 1
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", served.port)


# --- gRPC -----------------------------------------------------------------------------------------


async def test_grpc_calls_are_measured_with_their_final_status(telemetry: Telemetry) -> None:
    async def unary(request: StringValue, context: Any) -> StringValue:
        if request.value == "missing":
            raise NotFound("no such thing")
        if request.value == "bug":
            raise RuntimeError("a bug with a secret in it: hunter2")
        return request

    server = grpc.aio.server(
        interceptors=[MetricsInterceptor(telemetry.metrics), ErrorMappingInterceptor()]
    )
    add_probe_servicer_to_server(ProbeServicer(unary=unary), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = ProbeStub(channel)
            await stub.Unary(StringValue(value="fine"), timeout=10)
            for bad, code in (("missing", grpc.StatusCode.NOT_FOUND), ("bug", None)):
                with pytest.raises(grpc.aio.AioRpcError) as raised:
                    await stub.Unary(StringValue(value=bad), timeout=10)
                assert code is None or raised.value.code() == code
    finally:
        await server.stop(None)
    async with MetricsEndpoint(telemetry.registry, host="127.0.0.1") as endpoint:
        families = await scrape(endpoint.port)
    rpc = families["app_rpc_server_duration_seconds"]
    count = "app_rpc_server_duration_seconds_count"
    for code_name in ("OK", "NOT_FOUND", "INTERNAL"):
        labels = {"rpc_service": PROBE_SERVICE, "rpc_method": "Unary"}
        assert value(rpc, count, rpc_grpc_status_code=code_name, **labels) == 1
    # only the server's own failure is an error by type; a NOT_FOUND is an answer
    errors = families["app_errors"]
    assert value(errors, "app_errors_total", app_error_type="internal", app_operation="Unary") == 1
    assert all(s.labels.get("app_error_type") != "not_found" for s in errors)
    assert "hunter2" not in str(families)


# --- HTTP -----------------------------------------------------------------------------------------


async def test_http_requests_are_labelled_by_route_template_never_by_raw_path(
    telemetry: Telemetry,
) -> None:
    async def show(request: Request) -> Response:
        return JSONResponse({"id": request.path_params["session_id"]})

    routes = [Route("/api/v1/sessions/{session_id}", show)]

    class RefuseWithoutToken:
        """Answers 401 before routing, like the edge's authentication."""

        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            headers = dict(scope.get("headers", []))
            if scope["type"] == "http" and b"authorization" not in headers:
                await PlainTextResponse("no", status_code=401)(scope, receive, send)
                return
            await self.app(scope, receive, send)

    app = Starlette(routes=routes)
    app.add_middleware(RefuseWithoutToken)
    app.add_middleware(HTTPMetricsMiddleware, routes=app.routes, metrics=telemetry.metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        token = {"Authorization": "Bearer x"}
        assert (await client.get("/api/v1/sessions/s-123", headers=token)).status_code == 200
        assert (await client.get("/api/v1/sessions/s-456")).status_code == 401
        assert (
            await client.get("/calendar/secret-feed-token.ics", headers=token)
        ).status_code == 404
        assert (await client.request("BREW", "/api/v1/sessions/s-1", headers=token)).status_code
    async with MetricsEndpoint(telemetry.registry, host="127.0.0.1") as endpoint:
        families = await scrape(endpoint.port)
    http = families["app_http_server_duration_seconds"]
    count = "app_http_server_duration_seconds_count"
    template = "/api/v1/sessions/{session_id}"
    assert value(http, count, http_route=template, http_response_status_code="200") == 1
    assert value(http, count, http_route=template, http_response_status_code="401") == 1
    assert value(http, count, http_route=UNMATCHED_ROUTE, http_response_status_code="404") == 1
    assert value(http, count, http_request_method="other") == 1
    text = str(families)
    for raw in ("s-123", "s-456", "secret-feed-token"):
        assert raw not in text


# --- the event buses ------------------------------------------------------------------------------


async def test_a_dead_lettered_message_is_counted_by_consumer(
    telemetry: Telemetry,
    open_bus: Callable[[], Awaitable[Any]],
    consumer_name: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The buses record on the process's metrics; here, on this test's own.
    monkeypatch.setattr(telemetry_module, "_app_metrics", telemetry.metrics)
    bus = await open_bus()
    consumer = consumer_name("poisoned")
    await bus.subscribe(consumer, ["a.b"], EnvelopeCollector(fail_times=10**6))
    await bus.publish([Envelope.for_proto("a.b", StringValue(value="poison"))])

    async def dead_lettered() -> bool:
        return len(await bus.dead_letters(consumer)) == 1

    await wait_until(dead_lettered)
    async with MetricsEndpoint(telemetry.registry, host="127.0.0.1") as endpoint:
        families = await scrape(endpoint.port)
    dead = families["app_bus_dead_lettered"]
    total = "app_bus_dead_lettered_total"
    assert value(dead, total, app_consumer=consumer, app_reason="max_attempts") == 1


async def test_a_tenants_own_webhook_path_is_one_template_never_its_id(
    telemetry: Telemetry,
) -> None:
    from webhook_ingest.bootstrap import _webhook_route

    async def answer(scope: Any, receive: Any, send: Any) -> None:  # routes nothing, as Zoom's
        await PlainTextResponse("ok")(scope, receive, send)

    app = HTTPMetricsMiddleware(answer, template_of=_webhook_route, metrics=telemetry.metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
        for path in ("/zoom/webhook", "/zoom/webhook/acme-school", "/zoom/webhook/other"):
            assert (await client.post(path, content=b"{}")).status_code == 200
    async with MetricsEndpoint(telemetry.registry, host="127.0.0.1") as endpoint:
        families = await scrape(endpoint.port)
    http = families["app_http_server_duration_seconds"]
    count = "app_http_server_duration_seconds_count"
    assert value(http, count, http_route="/zoom/webhook") == 1
    assert value(http, count, http_route="/zoom/webhook/{tenant}") == 2
    assert "acme-school" not in str(families)
