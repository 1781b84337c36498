"""Two schools in one scheduler (SQLite): nothing of one is visible to, or changed by, the
other's admin; idempotency keys are per school; an operator spans both (tenancy_scenario.py)."""

from __future__ import annotations

from tests.service.scheduler.tenancy_scenario import check_isolation, check_operator


async def test_an_admin_finds_nothing_of_another_school(harness) -> None:
    await check_isolation(harness)


async def test_an_operator_sees_and_manages_both_schools(harness) -> None:
    await check_operator(harness)
