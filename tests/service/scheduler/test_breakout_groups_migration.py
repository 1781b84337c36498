"""Migration 0007 on batches written before it: they have no breakout groups; a batch with
groups is stored and read back whole, a change in place included; and it goes down again
cleanly (SQLite; PostgreSQL when configured)."""

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
from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.model import Batch, BatchType
from scheduler.settings import Settings

AT = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


async def _columns(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as c:
        return await c.run_sync(
            lambda sync: {col["name"] for col in sa.inspect(sync).get_columns("batches")}
        )


async def test_batches_from_before_have_no_groups_and_new_ones_keep_theirs(
    settings: Settings, engine: AsyncEngine
) -> None:
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0006")
    assert "breakout_groups" not in await _columns(engine)
    async with engine.begin() as c:
        await c.execute(
            sa.text(
                "INSERT INTO batches (id, course_id, name, type, meeting_settings, create_time,"
                " update_time) VALUES ('b-old', 'c-1', 'Morning', 'group', '{}', :at, :at)"
            ).bindparams(sa.bindparam("at", type_=UTCDateTime())),
            {"at": AT},
        )
    await engine.dispose()  # the migration alters a table these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR)
    assert "breakout_groups" in await _columns(engine)

    factory = session_factory(engine)
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        old = await uow.batches.get("b-old")
        assert old is not None
        assert old.breakout_groups == []
        await uow.batches.add(
            Batch(
                id="b-new",
                course_id="c-1",
                name="Evening",
                type=BatchType.GROUP,
                create_time=AT,
                update_time=AT,
                breakout_groups=[
                    BreakoutGroup("Group A", ["student-1", "student-2"]),
                    BreakoutGroup("Group B", []),
                ],
            )
        )
        await uow.commit()
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        new = await uow.batches.get("b-new")
        assert new is not None
        assert new.breakout_groups == [
            BreakoutGroup("Group A", ["student-1", "student-2"]),
            BreakoutGroup("Group B", []),
        ]
        new.breakout_groups[1].student_ids.append("student-3")  # changed in place
        await uow.commit()
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        again = await uow.batches.get("b-new")
        assert again is not None
        assert again.breakout_groups[1] == BreakoutGroup("Group B", ["student-3"])
    await engine.dispose()

    config = alembic_config(settings, MIGRATIONS_DIR)
    await asyncio.to_thread(command.downgrade, config, "0006")
    assert "breakout_groups" not in await _columns(engine)
