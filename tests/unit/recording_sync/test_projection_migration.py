"""Migration 0009 on a projection written before it: every row kept as it was, a meeting may
then hold a row per session (a recurring meeting's occurrences), the service files recordings
from the migrated rows, and it goes down again keeping per meeting the newest row (SQLite;
PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.db import create_engine, session_factory
from classbridge_common.db.migrations import alembic_config, upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from classbridge_common.tenancy import TenantScope
from classbridge_common.testing import make_settings
from recording_sync.adapters.sync_repository import SyncUnitOfWork
from recording_sync.adapters.tables import meeting_projections
from recording_sync.bootstrap import MIGRATIONS_DIR
from recording_sync.settings import Settings

AT = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
REVISION = "0009"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    fields: dict[str, Any] = {}
    if request.param == "postgres":
        fields = {
            "database_url": request.getfixturevalue("database_url"),
            "db_schema": request.getfixturevalue("pg_schema"),
        }
    return make_settings(
        Settings, service_name="recording-sync", data_dir=tmp_path / "var", **fields
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.dispose()


def _before(settings: Settings) -> str:
    """The revision 0009 follows (whatever the chain before it is)."""
    script = ScriptDirectory.from_config(alembic_config(settings, MIGRATIONS_DIR))
    found = script.get_revision(REVISION)
    assert found is not None
    assert isinstance(found.down_revision, str)
    return found.down_revision


INSERT = sa.text(
    "INSERT INTO meeting_projections (meeting_id, meeting_uuid, session_id, session_title,"
    " batch_id, batch_type, course_id, tenant_id, start_time, duration_minutes, folder, status,"
    " linked_at, last_event_at, updated_at) VALUES (:meeting, :uuid, :session, :title, :batch,"
    " 'group', 'c-1', :tenant, :start, 60, :folder, :status, :at, :event_at, :at)"
).bindparams(
    sa.bindparam("start", type_=UTCDateTime()),
    sa.bindparam("at", type_=UTCDateTime()),
    sa.bindparam("event_at", type_=UTCDateTime()),
)


def _row(meeting: int, session: str, **values: Any) -> dict[str, Any]:
    row = {
        "meeting": meeting,
        "uuid": "",
        "session": session,
        "title": f"Lesson {session}",
        "batch": "b-1",
        "tenant": "default",
        "start": AT,
        "folder": "videos/b-1",
        "status": "linked",
        "at": AT,
        "event_at": AT,
    }
    return row | values


async def _rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as c:
        found = await c.execute(
            sa.select(
                meeting_projections.c.meeting_id,
                meeting_projections.c.session_id,
                meeting_projections.c.session_title,
                meeting_projections.c.tenant_id,
                meeting_projections.c.status,
                meeting_projections.c.start_time,
            ).order_by(meeting_projections.c.meeting_id, meeting_projections.c.session_id)
        )
        return [tuple(r) for r in found]


async def test_rows_from_before_are_kept_and_a_meeting_then_holds_a_row_per_session(
    settings: Settings, engine: AsyncEngine
) -> None:
    before = _before(settings)
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision=before)
    async with engine.begin() as c:
        await c.execute(INSERT, _row(81, "s-a", uuid="uuid-a"))
        await c.execute(INSERT, _row(82, "s-b", tenant="acme", status="cancelled"))
        # The old key refuses a second session of one meeting: what 0009 is for.
    with pytest.raises(IntegrityError):
        async with engine.begin() as c:
            await c.execute(INSERT, _row(81, "s-other"))
    kept = await _rows(engine)
    await engine.dispose()  # the migration rebuilds a table these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR)

    assert await _rows(engine) == kept
    async with engine.begin() as c:  # a second occurrence of meeting 81, a week on
        await c.execute(INSERT, _row(81, "s-a2", start=AT + timedelta(days=7), event_at=AT))
    with pytest.raises(IntegrityError):  # still one row per (meeting, session)
        async with engine.begin() as c:
            await c.execute(INSERT, _row(81, "s-a2"))
    uow = SyncUnitOfWork(session_factory=session_factory(engine), scope=TenantScope("default"))
    async with uow:
        week_on = await uow.projections.placement(81, start_time=AT + timedelta(days=7, minutes=3))
        by_uuid = await uow.projections.placement(
            81, meeting_uuid="uuid-a", start_time=AT + timedelta(days=7)
        )
        unknown = await uow.projections.placement(81, start_time=AT + timedelta(days=3))
    assert week_on is not None
    assert week_on.session_id == "s-a2"
    assert by_uuid is not None
    assert by_uuid.session_id == "s-a"
    assert unknown is None
    await engine.dispose()

    # Down again: one row per meeting, the one of the newest event.
    async with engine.begin() as c:
        await c.execute(
            sa.update(meeting_projections)
            .where(meeting_projections.c.session_id == "s-a2")
            .values(last_event_at=AT + timedelta(hours=1))
        )
    await engine.dispose()
    config = alembic_config(settings, MIGRATIONS_DIR)
    await asyncio.to_thread(command.downgrade, config, before)
    assert [(r[0], r[1]) for r in await _rows(engine)] == [(81, "s-a2"), (82, "s-b")]
    async with engine.connect() as c:
        key = await c.run_sync(
            lambda sync: sa.inspect(sync).get_pk_constraint("meeting_projections")
        )
    assert key["constrained_columns"] == ["meeting_id"]
