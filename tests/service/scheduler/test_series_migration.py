"""Migration 0009 on sessions written before it: they belong to no series and read as they
were; a series and its occurrence sessions are stored and read back; and it goes down again
cleanly (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db import session_factory
from classbridge_common.db.migrations import alembic_config, upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.domain.model import BatchType, Session, ZoomMeeting
from scheduler.domain.series import SeriesMeetings, SessionSeries
from scheduler.settings import Settings

AT = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


async def test_sessions_from_before_belong_to_no_series_and_series_are_kept(
    settings: Settings, engine: AsyncEngine
) -> None:
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0008")
    async with engine.begin() as c:
        await c.execute(
            sa.text(
                "INSERT INTO sessions (id, batch_id, course_id, batch_type, title, scheduled_start,"
                " scheduled_end, timezone, status, auto_recording, meeting_settings, create_time,"
                " update_time) VALUES ('s-old', 'b-1', 'c-1', 'group', 'Old', :at, :end, 'UTC',"
                " 'scheduled', 'cloud', '{}', :at, :at)"
            ).bindparams(
                sa.bindparam("at", type_=UTCDateTime()), sa.bindparam("end", type_=UTCDateTime())
            ),
            {"at": AT, "end": AT + timedelta(hours=1)},
        )
    await engine.dispose()  # the migration alters a table these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR)
    factory = session_factory(engine)
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        old = await uow.sessions.get("s-old")
        assert old is not None
        assert old.series_id == ""
        await uow.series.add(
            SessionSeries(
                id="series-1",
                batch_id="b-1",
                course_id="c-1",
                title="Weekly",
                rule="FREQ=WEEKLY;COUNT=2",
                first_start=AT,
                timezone="Asia/Kolkata",
                duration_minutes=60,
                meetings=SeriesMeetings.RECURRING,
                exceptions=["2030-01-22"],
                session_ids=["s-1"],
                meeting_id=88_000_000_001,
                create_time=AT,
                update_time=AT,
            )
        )
        await uow.sessions.add(
            Session(
                id="s-1",
                batch_id="b-1",
                course_id="c-1",
                batch_type=BatchType.GROUP,
                title="Weekly",
                scheduled_start=AT,
                scheduled_end=AT + timedelta(hours=1),
                timezone="Asia/Kolkata",
                series_id="series-1",
                meeting=ZoomMeeting(meeting_id=88_000_000_001, occurrence_id="1894600800000"),
                create_time=AT,
                update_time=AT,
            )
        )
        await uow.commit()
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        series = await uow.series.get("series-1")
        assert series is not None
        assert (series.local_start, series.exceptions) == (
            datetime(2030, 1, 15, 15, 30),
            ["2030-01-22"],
        )
        [occurrence] = await uow.sessions.of_series("series-1")
        assert occurrence.meeting is not None
        assert occurrence.meeting.occurrence_id == "1894600800000"
        assert [s.id for s in await uow.sessions.of_meeting(88_000_000_001)] == ["s-1"]
    await engine.dispose()

    config = alembic_config(settings, MIGRATIONS_DIR)
    await asyncio.to_thread(command.downgrade, config, "0008")
    async with engine.connect() as c:
        tables = await c.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
        columns = await c.run_sync(
            lambda sync: {col["name"] for col in sa.inspect(sync).get_columns("sessions")}
        )
    assert "session_series" not in tables
    assert "series_id" not in columns
