"""Traced or not, webhooks are answered by the same app: tracing only adds a server span."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import cast

import httpx
from opentelemetry.instrumentation.starlette import StarletteInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette

from classbridge_common.telemetry import instrument_app
from tests.unit.webhook_ingest.helpers import SECRET, signed_headers
from webhook_ingest.adapters.repository import EventRecord
from webhook_ingest.entrypoints.http import WebhookApp, WebhookEndpoint, create_app
from webhook_ingest.service_layer.group_commit import GroupCommitter
from webhook_ingest.service_layer.ingest import Ingestor

EVENT = json.dumps(
    {
        "event": "meeting.started",
        "event_ts": 1700000000000,
        "payload": {"account_id": "acc", "object": {"id": "123", "uuid": "u1"}},
    }
).encode()
CHALLENGE = json.dumps(
    {"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}}
).encode()
Answer = tuple[int, str | None, bytes]


class FakeStore:
    def __init__(self) -> None:
        self.stored: list[EventRecord] = []

    async def write(
        self, batch: Sequence[EventRecord], _occurrences: Mapping[Hashable, int]
    ) -> set[Hashable]:
        known = {record.key for record in self.stored}
        fresh: set[Hashable] = {record.key for record in batch if record.key not in known}
        self.stored.extend(record for record in batch if record.key in fresh)
        return fresh


@asynccontextmanager
async def _app() -> AsyncIterator[tuple[WebhookApp, FakeStore]]:
    store = FakeStore()
    committer: GroupCommitter[EventRecord] = GroupCommitter(write=store.write, max_wait=0)
    async with committer:
        endpoint = WebhookEndpoint(
            ingestor=Ingestor(committer=committer),
            secrets=(SECRET,),
            max_body_bytes=4096,
            tolerance_seconds=300,
        )
        yield create_app(endpoint), store


async def _exchanges(app: WebhookApp, **headers: str) -> list[Answer]:
    """Every kind of request: stored, duplicate, challenge, refused, health, 404, 405."""
    transport = httpx.ASGITransport(app=app)
    answers: list[Answer] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        requests = [
            ("POST", "/zoom/webhook", EVENT, signed_headers(EVENT)),
            ("POST", "/api/zoom/webhook", EVENT, signed_headers(EVENT)),
            ("POST", "/zoom/webhook", CHALLENGE, signed_headers(CHALLENGE)),
            ("POST", "/zoom/webhook", EVENT, signed_headers(EVENT, secret="wrong")),
            ("POST", "/zoom/webhook/default", EVENT, signed_headers(EVENT)),
            ("POST", "/zoom/webhook/not%20a%20tenant", EVENT, signed_headers(EVENT)),
            ("GET", "/zoom/webhook", b"", {}),
            ("GET", "/healthz", b"", {}),
            ("POST", "/elsewhere", EVENT, signed_headers(EVENT)),
        ]
        for method, path, body, extra in requests:
            response = await client.request(
                method, path, content=body, headers={**extra, **headers}
            )
            answers.append(
                (response.status_code, response.headers.get("content-type"), response.content)
            )
    return answers


async def test_a_traced_app_answers_like_an_untraced_one_with_one_server_span_a_request() -> None:
    async with _app() as (plain, plain_store):
        untraced = await _exchanges(plain)
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    async with _app() as (traced, traced_store):
        _trace(traced, provider)
        answers = await _exchanges(traced)

    assert answers == untraced
    assert [status for status, _, _ in answers] == [200, 200, 200, 401, 200, 404, 405, 200, 404]
    assert answers[1][2] == b'{"status":"duplicate"}'
    assert len(traced_store.stored) == len(plain_store.stored) == 1
    servers = [span for span in spans.get_finished_spans() if span.kind is SpanKind.SERVER]
    assert [span.name for span in servers] == [
        "POST /zoom/webhook",
        "POST /api/zoom/webhook",
        "POST /zoom/webhook",
        "POST /zoom/webhook",
        "POST /zoom/webhook/{tenant_id}",
        "POST /zoom/webhook/{tenant_id}",
        "GET /zoom/webhook",
        "GET /healthz",
        "POST",
    ]
    assert [_status(span) for span in servers] == [status for status, _, _ in answers]


async def test_a_traced_webhook_continues_the_callers_trace() -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    async with _app() as (app, _):
        _trace(app, provider)
        await _exchanges(app, traceparent=f"00-{trace_id}-b7ad6b7169203331-01")
    finished = spans.get_finished_spans()
    assert finished
    assert {format(span.context.trace_id, "032x") for span in finished} == {trace_id}


async def test_the_app_is_the_same_whether_it_is_to_be_traced_or_not() -> None:
    async with _app() as (app, _):
        endpoint = app.endpoint
        # One app whether or not it will be traced: tracing wraps it, never replaces it.
        assert type(create_app(endpoint)) is WebhookApp
        assert instrument_app(app) is True
        assert instrument_app(app) is False  # once only
        answers = await _exchanges(app)
    assert [status for status, _, _ in answers][:2] == [200, 200]


def _trace(app: WebhookApp, provider: TracerProvider) -> None:
    """What classbridge_common.telemetry.instrument_app does, with a provider of our own (the
    instrumentor only calls `add_middleware` and sets a flag, which `WebhookApp` supports)."""
    StarletteInstrumentor.instrument_app(cast(Starlette, app), tracer_provider=provider)


def _status(span: ReadableSpan) -> object:
    attributes = span.attributes or {}
    return attributes.get("http.response.status_code", attributes.get("http.status_code"))
