"""A running webhook-ingest on SQLite and the in-process bus, with a recorder of publications."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from tests.unit.webhook_ingest.helpers import make_settings
from webhook_ingest.bootstrap import MIGRATIONS_DIR, Running, running


class Recorder:
    """Collects every envelope published under `zoom.#`."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def __call__(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    async with InProcessBus() as the_bus:
        yield the_bus


@pytest.fixture
async def recorder(bus: InProcessBus) -> Recorder:
    rec = Recorder()
    await bus.subscribe("test-recorder", ["zoom.#"], rec, prefetch=1)
    return rec


@pytest.fixture
async def service(tmp_path: Path, bus: InProcessBus, recorder: Recorder) -> AsyncIterator[Running]:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}", data_dir=tmp_path)
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with running(settings, bus=bus) as started:
        yield started


@pytest.fixture
async def client(service: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service.http_url, timeout=10) as http:
        yield http
