"""Two outbox relays on one PostgreSQL outbox share the work without double-publishing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import Column, Integer, MetaData, Table

from classbridge_common.bus import InProcessBus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.messages import Envelope
from classbridge_common.outbox import OutboxRelay, inbox_table, outbox_table
from classbridge_common.testing import EnvelopeCollector, make_settings
from classbridge_common.uow import UnitOfWork

pytestmark = pytest.mark.integration


class CountingBus(InProcessBus):
    def __init__(self) -> None:
        super().__init__()
        self.published: Counter[str] = Counter()

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        await super().publish(envelopes)
        self.published.update(e.message_id for e in envelopes)


async def test_two_replicas_publish_each_row_once(
    database_url: str, pg_schema: str, tmp_path: Path
) -> None:
    metadata = MetaData()
    Table("noise", metadata, Column("id", Integer, primary_key=True))
    outbox_table(metadata)
    inbox_table(metadata)
    settings = make_settings(
        service_name="testsvc", data_dir=tmp_path, database_url=database_url, db_schema=pg_schema
    )
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        expected: list[str] = []
        for batch in range(20):
            uow = UnitOfWork(session_factory=sessions)
            async with uow:
                for i in range(10):
                    event = uow.add_event("lesson.created", StringValue(value=f"{batch}-{i}"))
                    expected.append(event.message_id)
                await uow.commit()
        async with CountingBus() as bus:
            seen = EnvelopeCollector()
            await bus.subscribe("scheduler", ["lesson.*"], seen)
            first = OutboxRelay(session_factory=sessions, bus=bus, batch_size=5, poll_interval=0.05)
            second = OutboxRelay(
                session_factory=sessions, bus=bus, batch_size=5, poll_interval=0.05
            )
            async with first, second:
                await seen.wait_count(len(expected), within=120)
            assert sorted(seen.message_ids) == sorted(expected)
            assert set(bus.published.values()) == {1}
            assert first.published_total + second.published_total == len(expected)
    finally:
        await engine.dispose()
