"""The two-schools scenario of tests/service/scheduler/test_tenancy.py on PostgreSQL (the
scheduler in this test's own schema, the fake zoom-gateway, the in-process bus)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.service.scheduler.support import Harness, gateway_server, harness_settings, start_harness
from tests.service.scheduler.tenancy_scenario import check_isolation, check_operator

pytestmark = pytest.mark.integration


@pytest.fixture
async def harness(tmp_path: Path, database_url: str, pg_schema: str) -> AsyncIterator[Harness]:
    async with gateway_server() as (fake, port):
        settings = harness_settings(tmp_path, port, database_url=database_url, db_schema=pg_schema)
        async with start_harness(settings, fake) as started:
            yield started


async def test_an_admin_finds_nothing_of_another_school_on_postgres(harness: Harness) -> None:
    await check_isolation(harness)


async def test_an_operator_sees_and_manages_both_schools_on_postgres(harness: Harness) -> None:
    await check_operator(harness)
