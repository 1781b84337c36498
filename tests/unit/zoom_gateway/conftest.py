"""Fixtures: a Zoom simulator on a local socket and a zoom-gateway on SQLite talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    zoom_gateway,
    zoom_simulator,
)


@pytest.fixture
async def zoom() -> AsyncIterator[Zoom]:
    async with zoom_simulator() as sim:
        yield sim


@pytest.fixture
async def gw(zoom: Zoom, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with zoom_gateway(gateway_settings(zoom, tmp_path)) as gateway:
        yield gateway
