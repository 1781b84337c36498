from __future__ import annotations

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.outbox import OUTBOX
from classbridge_common.uow import UnitOfWork

from .conftest import lessons


class LessonUnitOfWork(UnitOfWork):
    """How services attach repositories."""

    def attach(self, session: AsyncSession) -> None:
        self.lessons = session


async def counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        lesson_count = await session.scalar(select(func.count()).select_from(lessons))
        outbox_count = await session.scalar(select(func.count()).select_from(OUTBOX))
    return int(lesson_count or 0), int(outbox_count or 0)


async def test_commit_writes_changes_and_events_together(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    notified: list[int] = []
    uow = LessonUnitOfWork(session_factory=sessions, on_commit=lambda: notified.append(1))
    async with uow:
        await uow.lessons.execute(lessons.insert().values(id=1, title="Algebra"))
        envelope = uow.add_event("lesson.created", StringValue(value="1"))
        await uow.commit()
    assert await counts(sessions) == (1, 1)
    assert notified == [1]
    async with sessions() as session:
        row = (await session.execute(select(OUTBOX))).one()
    assert row.message_id == envelope.message_id
    assert row.body == envelope.body
    assert row.published_at is None
    assert row.created_at == envelope.timestamp


async def test_leaving_without_commit_rolls_back_changes_and_events(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = LessonUnitOfWork(session_factory=sessions)
    async with uow:
        await uow.lessons.execute(lessons.insert().values(id=1, title="Algebra"))
        uow.add_event("lesson.created", StringValue(value="1"))
    assert await counts(sessions) == (0, 0)


async def test_an_exception_rolls_back_and_propagates(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = LessonUnitOfWork(session_factory=sessions)

    async def breaks_a_rule() -> None:
        async with uow:
            await uow.lessons.execute(lessons.insert().values(id=1, title="Algebra"))
            uow.add_event("lesson.created", StringValue(value="1"))
            raise RuntimeError("domain rule broken")

    with pytest.raises(RuntimeError, match="domain rule"):
        await breaks_a_rule()
    assert await counts(sessions) == (0, 0)


async def test_a_failing_commit_stores_neither_change_nor_event(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = LessonUnitOfWork(session_factory=sessions)
    async with uow:
        uow.add_event("lesson.created", StringValue(value="1"), message_id="dup")
        await uow.commit()

    async def reuses_a_message_id() -> None:
        async with uow:
            await uow.lessons.execute(lessons.insert().values(id=2, title="Geometry"))
            uow.add_event("lesson.created", StringValue(value="2"), message_id="dup")
            await uow.commit()

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await reuses_a_message_id()
    assert await counts(sessions) == (0, 1)


async def test_events_need_an_open_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = UnitOfWork(session_factory=sessions)
    with pytest.raises(RuntimeError, match="not open"):
        uow.add_event("lesson.created", StringValue(value="1"))
