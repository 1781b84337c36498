"""Fixtures: a scheduler started for real (SQLite, in-process bus, gRPC with tokens) against a
fake zoom-gateway (see support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
