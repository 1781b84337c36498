from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.bus import BusUnavailable, EventBus, InProcessBus
from classbridge_common.messages import Envelope
from classbridge_common.outbox import OUTBOX, OutboxRelay
from classbridge_common.testing import EnvelopeCollector, wait_until
from classbridge_common.uow import UnitOfWork


class SwitchableBus(InProcessBus):
    """An in-process bus that can be "down": publish raises while it is."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if self.down:
            raise BusUnavailable("broker down (test)")
        await super().publish(envelopes)


async def commit_events(
    sessions: async_sessionmaker[AsyncSession], n: int, **kw: object
) -> list[str]:
    uow = UnitOfWork(session_factory=sessions, **kw)  # type: ignore[arg-type]
    async with uow:
        ids = [
            uow.add_event("lesson.created", StringValue(value=str(i))).message_id for i in range(n)
        ]
        await uow.commit()
    return ids


async def unpublished(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
        )
    return int(count or 0)


async def test_relay_publishes_in_commit_order_and_marks_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with InProcessBus() as bus:
        seen = EnvelopeCollector()
        await bus.subscribe("scheduler", ["lesson.*"], seen, prefetch=1)
        ids = await commit_events(sessions, 25)
        async with OutboxRelay(
            session_factory=sessions, bus=bus, batch_size=10, poll_interval=0.05
        ):
            await seen.wait_count(25)

            async def all_marked() -> bool:
                return await unpublished(sessions) == 0

            await wait_until(all_marked)
        assert seen.message_ids == ids
        assert await unpublished(sessions) == 0


async def test_notify_wakes_the_relay_without_waiting_for_the_poll(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with InProcessBus() as bus:
        seen = EnvelopeCollector()
        await bus.subscribe("scheduler", ["lesson.*"], seen)
        # a poll interval far beyond the test timeout: only notify() can deliver in time
        relay = OutboxRelay(session_factory=sessions, bus=bus, poll_interval=3600)
        async with relay:
            await wait_until(lambda: relay.published_total == 0)
            ids = await commit_events(sessions, 3, on_commit=relay.notify)
            await seen.wait_count(3, within=60)
        assert sorted(seen.message_ids) == sorted(ids)


async def test_relay_survives_the_bus_being_down_and_delivers_when_it_returns(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bus = SwitchableBus()
    async with bus:
        seen = EnvelopeCollector()
        await bus.subscribe("scheduler", ["lesson.*"], seen, prefetch=1)
        bus.down = True
        ids = await commit_events(sessions, 5)
        relay = OutboxRelay(
            session_factory=sessions,
            bus=bus,
            poll_interval=0.05,
            initial_backoff=0.01,
            max_backoff=0.1,
        )
        async with relay:

            async def attempted_twice() -> bool:
                async with sessions() as session:
                    low = await session.scalar(select(func.min(OUTBOX.c.attempts)))
                return (low or 0) >= 2

            await wait_until(attempted_twice)
            assert seen.received == []
            async with sessions() as session:
                errors = set((await session.execute(select(OUTBOX.c.last_error))).scalars())
            assert errors == {"broker down (test)"}
            bus.down = False
            await seen.wait_count(5)
        assert seen.message_ids == ids
        assert await unpublished(sessions) == 0


async def test_prune_deletes_only_old_published_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await commit_events(sessions, 3)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    async with sessions() as session, session.begin():
        await session.execute(
            update(OUTBOX).where(OUTBOX.c.message_id == ids[0]).values(published_at=long_ago)
        )
        await session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.message_id == ids[1])
            .values(published_at=datetime.now(UTC))
        )
    bus: EventBus = InProcessBus()
    relay = OutboxRelay(session_factory=sessions, bus=bus, retention=timedelta(days=7))
    assert await relay.prune() == 1
    async with sessions() as session:
        left = set((await session.execute(select(OUTBOX.c.message_id))).scalars())
    assert left == {ids[1], ids[2]}
