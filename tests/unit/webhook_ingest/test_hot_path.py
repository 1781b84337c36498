"""Before 200 only the raw append; the translation comes behind the commit, in order, once.

- The endpoint stores a genuine webhook as a raw "pending" row (dedup key, body, tenant, trace
  context): nothing is normalised or encoded on the request path.
- The processor translates pending rows oldest first into typed events and outbox rows; the
  relay publishes them in that order, each once, continuing the request's trace.
- The group committer has a deadline per batch, not a timer per request: a batch that does not
  commit in time fails all its waiters together, and items queued behind busy writers expire too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from sqlalchemy import select

import webhook_ingest.service_layer.ingest as ingest_module
from classbridge.events.v1 import zoom_events_pb2 as pb
from classbridge.webhookingest.v1 import webhook_admin_pb2 as admin_pb
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.tenancy import TenantScope
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.helpers import SECRET, make_settings, signed_headers
from webhook_ingest.adapters.repository import EventFilter, EventRecord, count_pending
from webhook_ingest.adapters.tables import webhook_events
from webhook_ingest.bootstrap import MIGRATIONS_DIR, relaying, running
from webhook_ingest.entrypoints.grpc_api import to_proto
from webhook_ingest.entrypoints.http import WebhookEndpoint, create_app
from webhook_ingest.service_layer.group_commit import DeadlineExceeded, GroupCommitter
from webhook_ingest.service_layer.ingest import Ingestor


class KeptStore:
    def __init__(self) -> None:
        self.stored: list[EventRecord] = []

    async def write(
        self, batch: Sequence[EventRecord], _occurrences: Mapping[Hashable, int]
    ) -> set[Hashable]:
        self.stored.extend(batch)
        return {record.key for record in batch}


async def test_the_request_path_appends_the_raw_event_without_translating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_translation(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("normalised on the request path")

    monkeypatch.setattr(ingest_module, "normalise", no_translation)
    store = KeptStore()
    committer: GroupCommitter[EventRecord] = GroupCommitter(write=store.write, max_wait=0)
    async with committer:
        endpoint = WebhookEndpoint(
            ingestor=Ingestor(committer=committer),
            secrets=(SECRET,),
            max_body_bytes=65536,
            tolerance_seconds=300,
        )
        transport = httpx.ASGITransport(app=create_app(endpoint))
        body = z.encode(z.recording())
        parent = SpanContext(
            trace_id=0xABCDEF,
            span_id=0x1234,
            is_remote=False,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            with trace.use_span(NonRecordingSpan(parent)):
                response = await client.post(
                    "/zoom/webhook", content=body, headers=signed_headers(body)
                )
    assert response.status_code == 200, response.text
    (record,) = store.stored
    row = record.row
    assert row["body"] == body
    assert row["dedup_key"] == record.key
    assert row["event_type"] == "recording.completed"
    assert row["tenant_id"] == "default"
    assert "kind" not in row  # filled by the processor
    assert "routing_key" not in row
    assert row["trace_context"]["traceparent"].split("-")[1] == format(0xABCDEF, "032x")


async def _post_all(url: str, bodies: list[bytes]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for body in bodies:
            response = await client.post(url, content=body, headers=signed_headers(body))
            assert response.status_code == 200, response.text


async def test_pending_rows_are_received_then_translated_and_published_in_order_once(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        webhook_relay_in_process=False,
        webhook_relay_poll_interval_seconds=0.05,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    meetings = [z.meeting_started() for _ in range(12)]
    for i, meeting in enumerate(meetings):
        meeting["payload"]["object"]["uuid"] = f"uuid-{i}=="
    bodies = [z.encode(m) for m in meetings]
    async with InProcessBus() as bus:
        recorder = Recorder()
        await bus.subscribe("test-recorder", ["zoom.#"], recorder, prefetch=1)
        async with running(settings, bus=bus) as service:
            assert service.processor is None  # runs with the relay, elsewhere
            await _post_all(service.webhook_url, bodies)
            await _post_all(service.webhook_url, bodies[:3])  # duplicates: stored once
            engine = service.admin._engine
            assert await count_pending(engine) == len(bodies)
            page = await service.admin.list(
                EventFilter(states=frozenset({"received"})),
                scope=TenantScope(None),
                page_size=100,
                page_token="",
            )
            assert page.total_size == len(bodies)
            assert {to_proto(r).state for r in page.rows} == {admin_pb.PROCESSING_STATE_RECEIVED}

            async with relaying(settings, bus=bus) as relay:
                await wait_until(lambda: relay.published_total == len(bodies), within=15)
            await wait_until(lambda: len(recorder.envelopes) == len(bodies), within=10)
            assert await count_pending(engine) == 0
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(
                            webhook_events.c.id,
                            webhook_events.c.meeting_uuid,
                            webhook_events.c.kind,
                            webhook_events.c.routing_key,
                            webhook_events.c.message_id,
                        ).order_by(webhook_events.c.id)
                    )
                ).all()
    assert [r.meeting_uuid for r in rows] == [f"uuid-{i}==" for i in range(12)]
    assert {r.kind for r in rows} == {"typed"}
    assert {r.routing_key for r in rows} == {"zoom.meeting.started"}
    published = [e.parse(pb.ZoomMeetingStarted) for e in recorder.envelopes]
    # In the order stored, each once, naming its row and carrying its stored message id.
    assert [m.meeting.meeting_uuid for m in published] == [r.meeting_uuid for r in rows]
    assert [m.context.webhook_event_id for m in published] == [str(r.id) for r in rows]
    assert [e.message_id for e in recorder.envelopes] == [r.message_id for r in rows]
    assert all(m.context.dedup_key for m in published)


async def test_a_batch_past_its_deadline_fails_together_and_still_commits() -> None:
    release = asyncio.Event()
    written: list[str] = []

    async def slow_write(
        batch: Sequence[EventRecord], _occurrences: Mapping[Hashable, int]
    ) -> set[Hashable]:
        await release.wait()
        written.extend(record.key for record in batch)
        return {record.key for record in batch}

    committer: GroupCommitter[EventRecord] = GroupCommitter(
        write=slow_write, max_wait=0.01, deadline=0.2, concurrency=1
    )
    async with committer:
        first = [committer.submit(EventRecord(key=f"a{i}", row={})) for i in range(3)]
        await asyncio.sleep(0.05)  # the first batch is being written; these queue behind it
        queued = [committer.submit(EventRecord(key=f"b{i}", row={})) for i in range(2)]
        results = await asyncio.gather(*first, *queued, return_exceptions=True)
        assert all(isinstance(r, DeadlineExceeded) for r in results), results
        release.set()
        await wait_until(lambda: committer.batches == 1, within=5)
    # The batch being written was not cancelled: it committed (a retry is then a duplicate);
    # the expired queued items were never written.
    assert written == ["a0", "a1", "a2"]


async def test_within_the_deadline_nothing_fails() -> None:
    async def write(
        batch: Sequence[EventRecord], _occurrences: Mapping[Hashable, int]
    ) -> set[Hashable]:
        await asyncio.sleep(0.01)
        return {record.key for record in batch}

    committer: GroupCommitter[EventRecord] = GroupCommitter(write=write, deadline=1.0)
    async with committer:
        results = await asyncio.gather(
            *(committer.submit(EventRecord(key=str(i), row={})) for i in range(50))
        )
    assert results == [True] * 50


def test_translation_columns_come_from_the_processor() -> None:
    # the raw row names only what needs no translation
    record = ingest_module.accept_record(
        json.loads(z.encode(z.meeting_ended())),
        z.encode(z.meeting_ended()),
        {"x-zm-trackingid": "t-1", "authorization": "secret"},
        received_at=ingest_module.datetime.now(ingest_module.UTC),
        tenant_id="default",
    )
    assert record.row["tracking_id"] == "t-1"
    assert "authorization" not in record.row["headers"]
    assert record.row["trace_context"] is None  # no span: nothing to continue
