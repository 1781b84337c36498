"""The fake unit of work behaves like the real one: the scenarios of
tests/unit/scheduler/uow_scenarios.py run against ``FakeUnitOfWork`` and against
``SchedulerUnitOfWork`` on a migrated SQLite database, built as the service builds it (engine,
migrations, session factory). The handler tests in tests/unit/scheduler trust the fake because
this passes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.events.v1 import session_events_pb2
from classbridge_common.db import create_engine, session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.outbox import OUTBOX
from classbridge_common.testing import make_settings
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.settings import Settings
from tests.unit.scheduler.uow_scenarios import SCENARIOS, FakeBackend, Scenario

MESSAGES = {
    "session.cancelled": session_events_pb2.SessionCancelled,
    "session.updated": session_events_pb2.SessionUpdated,
    "session.meeting_linked": session_events_pb2.SessionMeetingLinked,
    "session.meeting_unlinked": session_events_pb2.SessionMeetingUnlinked,
}


def _settings(data_dir: Path) -> Settings:
    return make_settings(Settings, service_name="scheduler", data_dir=data_dir)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated to head; each test gets a copy (migrating takes a second)."""
    data_dir = tmp_path_factory.mktemp("migrated")
    settings = _settings(data_dir)
    loop = asyncio.new_event_loop()  # its own loop: the tests' current loop stays as it is
    try:
        loop.run_until_complete(upgrade_to_head(settings, MIGRATIONS_DIR))
    finally:
        loop.close()
    return settings.sqlite_path


class SqliteBackend:
    """The scenarios' view of the real unit of work over one SQLite file."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def uow(self, tenant: str | None = None) -> SchedulerUnitOfWork:
        return SchedulerUnitOfWork(session_factory=self._sessions, tenant=tenant)

    async def published(self) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = (
                await session.execute(select(OUTBOX.c.type, OUTBOX.c.body).order_by(OUTBOX.c.id))
            ).all()
        return [(r.type, MESSAGES[r.type].FromString(r.body).tenant_id) for r in rows]


@pytest.fixture(params=["fake", "sqlite"])
async def backend(
    request: pytest.FixtureRequest, migrated: Path, tmp_path: Path
) -> AsyncIterator[SqliteBackend | FakeBackend]:
    if request.param == "fake":
        yield FakeBackend()
        return
    settings = _settings(tmp_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated, settings.sqlite_path)
    engine = create_engine(settings)
    try:
        yield SqliteBackend(session_factory(engine))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
async def test_the_fake_and_the_real_unit_of_work_agree(
    scenario: Scenario, backend: SqliteBackend | FakeBackend
) -> None:
    await scenario(backend)
