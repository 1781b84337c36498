from __future__ import annotations

import asyncio

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.inbox import already_applied, idempotent_handler, record
from classbridge_common.messages import Envelope

from .conftest import applied


async def apply(envelope: Envelope, session: AsyncSession) -> None:
    await asyncio.sleep(0.05)  # widen the window in which concurrent deliveries overlap
    await session.execute(applied.insert().values(message_id=envelope.message_id))


async def effects(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(applied)) or 0)


async def test_redelivery_applies_the_effect_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    handle = idempotent_handler(session_factory=sessions, consumer="scheduler", handler=apply)
    envelope = Envelope.for_proto("zoom.meeting.ended", StringValue(value="m"))
    await handle(envelope)
    await handle(envelope)
    assert await effects(sessions) == 1


async def test_concurrent_deliveries_apply_the_effect_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    handle = idempotent_handler(session_factory=sessions, consumer="scheduler", handler=apply)
    envelope = Envelope.for_proto("zoom.meeting.ended", StringValue(value="m"))
    await asyncio.gather(*(handle(envelope) for _ in range(5)))
    assert await effects(sessions) == 1


async def test_each_consumer_has_its_own_inbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    envelope = Envelope.for_proto("zoom.meeting.ended", StringValue(value="m"))
    for consumer in ("scheduler", "recording-sync"):
        await idempotent_handler(session_factory=sessions, consumer=consumer, handler=apply)(
            envelope
        )
    assert await effects(sessions) == 2


async def test_a_failed_effect_leaves_no_inbox_row_so_a_retry_applies_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    calls = 0

    async def fails_once(envelope: Envelope, session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        await apply(envelope, session)
        if calls == 1:
            raise RuntimeError("transient")

    handle = idempotent_handler(session_factory=sessions, consumer="scheduler", handler=fails_once)
    envelope = Envelope.for_proto("zoom.meeting.ended", StringValue(value="m"))
    with pytest.raises(RuntimeError, match="transient"):
        await handle(envelope)
    assert await effects(sessions) == 0
    await handle(envelope)
    assert await effects(sessions) == 1


async def test_already_applied_and_record_share_the_callers_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        assert not await already_applied(session, "scheduler", "m-1")
        await record(session, "scheduler", "m-1")
        assert await already_applied(session, "scheduler", "m-1")
    async with sessions() as session:
        assert await already_applied(session, "scheduler", "m-1")
        assert not await already_applied(session, "recording-sync", "m-1")
