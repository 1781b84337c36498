"""Fixtures: a scheduler started for real (SQLite, in-process bus, gRPC with tokens) against a
fake zoom-gateway (see support.py); and, for the migration and mapping tests, the scheduler's
settings on SQLite and (integration tier) on a PostgreSQL schema of its own, with an engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.db import create_engine
from classbridge_common.testing import make_settings
from scheduler.settings import Settings
from tests.service.scheduler.support import (
    FakeGateway,
    Harness,
    gateway_server,
    harness_settings,
    start_harness,
)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeGateway, int]]:
    async with gateway_server() as started:
        yield started


@pytest.fixture
async def harness(tmp_path: Path, gateway: tuple[FakeGateway, int]) -> AsyncIterator[Harness]:
    fake, port = gateway
    async with start_harness(harness_settings(tmp_path, port), fake) as started:
        yield started


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    fields: dict[str, Any] = {}
    if request.param == "postgres":
        fields = {
            "database_url": request.getfixturevalue("database_url"),
            "db_schema": request.getfixturevalue("pg_schema"),
        }
    return make_settings(Settings, service_name="scheduler", data_dir=tmp_path / "var", **fields)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on ``settings``' database, migrated by nothing (each test migrates to where it
    starts)."""
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.dispose()
