"""Two schools in one recording-sync on PostgreSQL (its own schema, dropped afterwards): the
same checks as tests/unit/recording_sync/test_tenancy.py — one school's admin reaches nothing of
the other; teachers reach what they teach and students what they attend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from classbridge_common.bus import InProcessBus
from recording_sync.bootstrap import Running
from tests.unit.recording_sync import tenancy_scenario as scenario
from tests.unit.recording_sync.fakes import FakeScheduler

pytestmark = pytest.mark.integration


@pytest.fixture
def fake() -> FakeScheduler:
    return FakeScheduler()


@pytest.fixture
async def service(
    tmp_path: Path, fake: FakeScheduler, database_url: str, pg_schema: str
) -> AsyncIterator[Running]:
    async with (
        InProcessBus() as bus,
        scenario.recording_sync(
            tmp_path, fake, bus, database_url=database_url, db_schema=pg_schema
        ) as started,
    ):
        assert started.settings.database_url
        yield started


async def test_one_schools_admin_reaches_nothing_of_the_other_on_postgres(
    service: Running, fake: FakeScheduler
) -> None:
    acme, globex = await scenario.two_schools(service, fake)
    await scenario.check_isolation(service, acme, globex)


async def test_teachers_and_students_reach_only_their_batches_on_postgres(
    service: Running, fake: FakeScheduler
) -> None:
    acme, _ = await scenario.two_schools(service, fake)
    await scenario.check_roles(service, fake, acme)
