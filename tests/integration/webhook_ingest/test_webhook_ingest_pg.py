"""webhook-ingest on PostgreSQL and RabbitMQ: storing, publishing, broker outages, DB outages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from classbridge.events.v1 import zoom_events_pb2 as pb
from classbridge_common.bus import BusUnavailable, EventBus, create_bus
from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import AmqpNamespace, wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.helpers import make_settings, signed_headers
from webhook_ingest.adapters.tables import outbox, webhook_events
from webhook_ingest.bootstrap import MIGRATIONS_DIR, running
from webhook_ingest.settings import Settings

pytestmark = pytest.mark.integration


class Collector:
    def __init__(self) -> None:
        self.by_id: dict[str, Envelope] = {}
        self.deliveries = 0

    async def __call__(self, envelope: Envelope) -> None:
        self.deliveries += 1
        self.by_id[envelope.message_id] = envelope


class FlakyBus(EventBus):
    """Delegates to a real bus, except that while `down` every publish fails (broker outage)."""

    def __init__(self, real: EventBus) -> None:
        self.real = real
        self.down = True
        self.refused = 0

    async def start(self) -> None:
        await self.real.start()

    async def close(self) -> None:
        await self.real.close()

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if self.down:
            self.refused += 1
            raise BusUnavailable("broker unreachable (simulated)")
        await self.real.publish(envelopes)

    async def subscribe(
        self, consumer: str, routing_keys: Sequence[str], handler: Any, prefetch: int = 32
    ) -> None:
        await self.real.subscribe(consumer, routing_keys, handler, prefetch)

    async def unsubscribe(self, consumer: str) -> None:
        await self.real.unsubscribe(consumer)

    async def dead_letters(self, consumer: str, *, limit: int = 100) -> list[Envelope]:
        return await self.real.dead_letters(consumer, limit=limit)


@pytest.fixture
async def pg_settings(
    database_url: str, pg_schema: str, amqp_exchange: AmqpNamespace, tmp_path: Any
) -> Settings:
    settings = make_settings(
        database_url,
        db_schema=pg_schema,
        amqp_url=amqp_exchange.amqp_url,
        events_exchange=amqp_exchange.exchange,
        outgoing_consumer_name=amqp_exchange.consumer("webhook-ingest.outgoing"),
        data_dir=tmp_path,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    return settings


@pytest.fixture
async def rabbit(amqp_exchange: AmqpNamespace) -> AsyncIterator[EventBus]:
    async with create_bus(amqp_exchange.amqp_url, exchange=amqp_exchange.exchange) as bus:
        yield bus


async def _counts(settings: Settings) -> tuple[int, int, int]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            events = (await conn.execute(select(func.count()).select_from(webhook_events))).scalar()
            rows = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
            published = (
                await conn.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.published_at.is_not(None))
                )
            ).scalar()
    finally:
        await engine.dispose()
    return int(events or 0), int(rows or 0), int(published or 0)


def _participant_body(i: int) -> bytes:
    return z.encode(z.participant_joined(participant_uuid=f"p-{i}", user_id=str(i)))


async def test_events_are_stored_and_published_through_rabbitmq(
    pg_settings: Settings, rabbit: EventBus, amqp_exchange: AmqpNamespace
) -> None:
    collector = Collector()
    await rabbit.subscribe(amqp_exchange.consumer("collector"), ["zoom.#"], collector)
    async with running(pg_settings) as service, httpx.AsyncClient(timeout=10) as client:
        bodies = [
            z.encode(z.meeting_started()),
            z.encode(z.meeting_ended()),
            z.encode(z.recording()),
            _participant_body(1),
        ]
        for body in bodies + bodies[:2]:  # the last two are duplicates
            response = await client.post(
                service.webhook_url, content=body, headers=signed_headers(body)
            )
            assert response.status_code == 200
        await wait_until(lambda: len(collector.by_id) == 4, within=20)
    assert await _counts(pg_settings) == (4, 4, 4)
    types = sorted(e.type for e in collector.by_id.values())
    assert types == [
        "zoom.meeting.ended",
        "zoom.meeting.started",
        "zoom.participant.joined",
        "zoom.recording.completed",
    ]
    recording = next(e for e in collector.by_id.values() if e.type == "zoom.recording.completed")
    message = recording.parse(pb.ZoomRecordingCompleted)
    assert message.download_token.startswith("eyJ")
    assert len(message.recording.recording_files) == 2


async def test_broker_down_during_a_burst_then_everything_is_published(
    pg_settings: Settings, rabbit: EventBus, amqp_exchange: AmqpNamespace
) -> None:
    collector = Collector()
    await rabbit.subscribe(amqp_exchange.consumer("collector"), ["zoom.#"], collector)
    flaky = FlakyBus(rabbit)
    async with running(pg_settings, bus=flaky) as service, httpx.AsyncClient(timeout=10) as client:
        bodies = [_participant_body(i) for i in range(200)]
        responses = await asyncio.gather(
            *(
                client.post(service.webhook_url, content=b, headers=signed_headers(b))
                for b in bodies
            )
        )
        assert {r.status_code for r in responses} == {200}
        await wait_until(lambda: flaky.refused > 0, within=10)
        assert collector.by_id == {}

        async def all_queued() -> bool:
            # the processor turns stored events into outbox rows in batches, broker or not
            return (await _counts(pg_settings))[:2] == (200, 200)

        await wait_until(all_queued, within=20)
        flaky.down = False  # the broker is back
        await wait_until(lambda: len(collector.by_id) == 200, within=60)
    assert await _counts(pg_settings) == (200, 200, 200)


async def test_database_unreachable_answers_503(tmp_path: Any) -> None:
    settings = make_settings(
        "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        db_schema="nowhere",
        data_dir=tmp_path,
    )
    async with running(settings) as service, httpx.AsyncClient(timeout=10) as client:
        body = z.encode(z.meeting_started())
        response = await client.post(
            service.webhook_url, content=body, headers=signed_headers(body)
        )
        assert response.status_code == 503
        assert json.loads(response.content)["error"] == "unavailable"
