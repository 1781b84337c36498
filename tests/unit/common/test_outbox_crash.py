"""A publisher process SIGKILLed before (or while) relaying loses no event.

The publisher is a real subprocess: it commits domain rows and their events through the unit of
work, then either has no relay running or has one whose bus hangs after handing the first batch
to the broker (so rows were published but never marked). It is killed with SIGKILL. A relay
started afterwards must deliver every committed event, exactly as committed; duplicates are
allowed (at-least-once) and removed by the consumer's inbox.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from classbridge_common.bus import EventBus, InProcessBus
from classbridge_common.bus.rabbitmq import RabbitMQBus
from classbridge_common.inbox import idempotent_handler
from classbridge_common.messages import Envelope
from classbridge_common.outbox import OutboxRelay
from classbridge_common.settings import ServiceSettings
from classbridge_common.testing import AmqpNamespace, EnvelopeCollector, wait_until

from .conftest import applied, lessons

PUBLISHER = '''
import asyncio, os, sys
from collections.abc import Sequence
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import Column, Integer, MetaData, String, Table
from classbridge_common.db import create_engine, session_factory
from classbridge_common.outbox import OutboxRelay
from classbridge_common.settings import ServiceSettings
from classbridge_common.uow import UnitOfWork

lessons = Table("lessons", MetaData(), Column("id", Integer, primary_key=True),
                Column("title", String(200)))

class HangsAfterFirstBatch:
    """Hands the first batch to the real bus, then never returns (killed mid-loop)."""
    def __init__(self, bus):
        self.bus = bus
    async def publish(self, envelopes: Sequence) -> None:
        await self.bus.publish(envelopes)
        print("published-unmarked", flush=True)
        await asyncio.Event().wait()

async def main() -> None:
    settings = ServiceSettings(service_name="testsvc", data_dir=os.environ["DATA_DIR"],
                               database_url=os.environ.get("DATABASE_URL") or None,
                               db_schema=os.environ.get("DB_SCHEMA") or None)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    for batch in range(4):
        uow = UnitOfWork(session_factory=sessions)
        async with uow:
            for i in range(5):
                n = batch * 5 + i
                await uow.session.execute(lessons.insert().values(id=n, title=f"lesson {n}"))
                envelope = uow.add_event("lesson.created", StringValue(value=str(n)))
                print("event", envelope.message_id, flush=True)
            await uow.commit()
    print("committed", flush=True)
    if os.environ.get("MODE") == "mid-relay":
        from classbridge_common.bus.rabbitmq import RabbitMQBus
        bus = RabbitMQBus(os.environ["AMQP_URL"], exchange=os.environ["EXCHANGE"])
        await bus.start()
        relay = OutboxRelay(session_factory=sessions, bus=HangsAfterFirstBatch(bus), batch_size=7)
        await relay.__aenter__()
    await asyncio.Event().wait()  # wait to be killed

asyncio.run(main())
'''


async def run_publisher_and_kill(env: dict[str, str], tmp_path: Path, until: str) -> list[str]:
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    committed: list[str] = []
    try:
        async with asyncio.timeout(120):
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    raise AssertionError("the publisher exited before it was killed")
                if line.startswith("event "):
                    committed.append(line.split()[1])
                if line.strip() == until:
                    break
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    return committed


async def relay_and_collect(
    sessions: async_sessionmaker[AsyncSession], bus: EventBus, consumer: str, expected: list[str]
) -> EnvelopeCollector:
    seen = EnvelopeCollector()

    async def effect(envelope: Envelope, session: AsyncSession) -> None:
        await session.execute(applied.insert().values(message_id=envelope.message_id))
        await seen(envelope)

    handler = idempotent_handler(session_factory=sessions, consumer=consumer, handler=effect)
    await bus.subscribe(consumer, ["lesson.*"], handler, prefetch=1)
    async with OutboxRelay(session_factory=sessions, bus=bus, poll_interval=0.05):
        await seen.wait_for(lambda: set(seen.message_ids) >= set(expected), within=120)
    return seen


async def check_effects(sessions: async_sessionmaker[AsyncSession], expected: list[str]) -> None:
    async with sessions() as session:
        ids = list((await session.execute(select(applied.c.message_id))).scalars())
        lesson_count = await session.scalar(select(func.count()).select_from(lessons))
    assert sorted(ids) == sorted(expected)  # every event applied exactly once
    assert lesson_count == 20


def publisher_env(settings: ServiceSettings, **extra: str) -> dict[str, str]:
    return {
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url or "",
        "DB_SCHEMA": settings.schema,
        **extra,
    }


async def test_events_committed_before_a_crash_are_delivered_by_a_new_relay(
    db_settings: ServiceSettings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    committed = await run_publisher_and_kill(publisher_env(db_settings), tmp_path, "committed")
    assert len(committed) == 20
    async with InProcessBus() as bus:
        seen = await relay_and_collect(sessions, bus, "scheduler", committed)
    assert seen.message_ids == committed  # in commit order, each once
    assert [e.parse(StringValue).value for e in seen.received] == [str(n) for n in range(20)]
    await check_effects(sessions, committed)


@pytest.mark.integration
async def test_a_relay_killed_mid_batch_republishes_and_the_inbox_dedups(
    database_url: str,
    pg_schema: str,
    amqp_exchange: AmqpNamespace,
    settings_factory: object,
    tmp_path: Path,
) -> None:
    from classbridge_common.db import create_engine, session_factory

    from .conftest import metadata

    settings: ServiceSettings = settings_factory(  # type: ignore[operator]
        service_name="testsvc", database_url=database_url, db_schema=pg_schema
    )
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        consumer = amqp_exchange.consumer("scheduler")
        async with RabbitMQBus(amqp_exchange.amqp_url, exchange=amqp_exchange.exchange) as bus:
            early = EnvelopeCollector()
            await bus.subscribe(consumer, ["lesson.*"], early)  # declares and binds the queue
            await bus.unsubscribe(consumer)
            env = publisher_env(
                settings,
                MODE="mid-relay",
                AMQP_URL=amqp_exchange.amqp_url,
                EXCHANGE=amqp_exchange.exchange,
            )
            committed = await run_publisher_and_kill(env, tmp_path, "published-unmarked")
            assert len(committed) == 20
            seen = await relay_and_collect(sessions, bus, consumer, committed)
        assert sorted(seen.message_ids) == sorted(committed)
        await check_effects(sessions, committed)
    finally:
        await engine.dispose()


async def test_wait_helper_reports_a_timeout() -> None:
    with pytest.raises(TimeoutError):
        await wait_until(lambda: False, within=0.1)
