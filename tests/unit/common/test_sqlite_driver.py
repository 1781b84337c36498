"""The SQLite engines' one-trip cursor answers as SQLAlchemy's own aiosqlite adapter does."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.db import create_engine
from classbridge_common.db.sqlite_driver import _OneTripConnection
from classbridge_common.settings import ServiceSettings
from tests.unit.common.conftest import lessons, metadata


@pytest.fixture
async def sqlite_engine(settings_factory: Any) -> Any:
    settings: ServiceSettings = settings_factory(service_name="drivertest")
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_statements_report_rows_counts_and_ids(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.begin() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, _OneTripConnection)
        inserted = await connection.execute(insert(lessons).values(title="a"))
        assert inserted.inserted_primary_key == (1,)
        await connection.execute(insert(lessons), [{"title": "b"}, {"title": "c"}])
        changed = await connection.execute(
            update(lessons).where(lessons.c.title != "a").values(title="z")
        )
        assert changed.rowcount == 2
        rows = (await connection.execute(select(lessons).order_by(lessons.c.id))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "z"), (3, "z")]
        assert (await connection.execute(select(lessons).where(lessons.c.id == 9))).all() == []
        streamed = await connection.stream(select(lessons.c.title).order_by(lessons.c.id))
        assert [r.title async for r in streamed] == ["a", "z", "z"]  # server-side cursor


async def test_errors_are_the_drivers(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.connect() as connection:
        with pytest.raises(IntegrityError):
            await connection.execute(insert(lessons), [{"id": 1, "title": "a"}] * 2)
        await connection.rollback()
        with pytest.raises(OperationalError):
            await connection.execute(text("SELECT * FROM no_such_table"))
