"""Migration 0005 on rows written before it: batches keep the default present threshold (0),
enrolments have no email (nobody is registered), participants' stays read as webhook stays, and
it goes down again cleanly (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db import session_factory
from classbridge_common.db.migrations import alembic_config, upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.domain.jobs import JobKind
from scheduler.settings import Settings

AT = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


async def test_rows_from_before_read_as_they_were(settings: Settings, engine: AsyncEngine) -> None:
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0004")
    stamp = sa.bindparam("at", type_=UTCDateTime())
    async with engine.begin() as c:
        await c.execute(
            sa.text(
                "INSERT INTO batches (id, course_id, name, type, meeting_settings, create_time,"
                " update_time) VALUES ('b-1', 'c-1', 'Morning', 'group', '{}', :at, :at)"
            ).bindparams(stamp),
            {"at": AT},
        )
        await c.execute(
            sa.text(
                "INSERT INTO enrollments (id, batch_id, student_id, create_time)"
                " VALUES ('e-1', 'b-1', 'student-1', :at)"
            ).bindparams(stamp),
            {"at": AT},
        )
        await c.execute(
            sa.text(
                "INSERT INTO participants (id, session_id, user_id, role, intervals, create_time)"
                " VALUES ('p-1', 's-1', 'student-1', 'participant', :stays, :at)"
            ).bindparams(stamp, sa.bindparam("stays", type_=sa.JSON())),
            {
                "at": AT,
                "stays": [
                    {
                        "participant_uuid": "u",
                        "join_time": AT.isoformat(),
                        "leave_time": None,
                        "leave_reason": "",
                    }
                ],
            },
        )
    await engine.dispose()  # the migration alters tables these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR)

    factory = session_factory(engine)
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        batch = await uow.batches.get("b-1")
        assert batch is not None
        assert batch.present_threshold_percentage == 0.0
        enrollment = await uow.enrollments.get("e-1")
        assert enrollment is not None
        assert (enrollment.email, enrollment.first_name, enrollment.last_name) == ("", "", "")
        [person] = await uow.participants.of_session("s-1")
        assert [i.reported_by for i in person.intervals] == [""]
        assert await uow.registrants.of_session("s-1") == []
        assert await uow.jobs.of_session("s-1", JobKind.RECONCILE_ATTENDANCE) is None
    await engine.dispose()

    config = alembic_config(settings, MIGRATIONS_DIR)
    await asyncio.to_thread(command.downgrade, config, "0004")
    async with engine.connect() as c:
        names = await c.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        columns = await c.run_sync(
            lambda sync: {col["name"] for col in sa.inspect(sync).get_columns("enrollments")}
        )
    assert "session_jobs" not in names
    assert "session_registrants" not in names
    assert "email" not in columns
