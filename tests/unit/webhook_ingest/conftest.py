"""A running webhook-ingest on SQLite and the in-process bus, with a recorder of publications."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest.fake_gateway import FakeGateway, serving_gateway
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


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeGateway, str]]:
    """A fake zoom-gateway knowing tenants "a" and "b" (see fake_gateway.py)."""
    fake = FakeGateway()
    async with serving_gateway(fake) as address:
        yield fake, address


@pytest.fixture
async def tenant_service(
    tmp_path: Path, bus: InProcessBus, recorder: Recorder, gateway: tuple[FakeGateway, str]
) -> AsyncIterator[Running]:
    """webhook-ingest with the fake gateway's tenants; keys refreshed every second."""
    _, address = gateway
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        zoom_gateway_addr=address,
        webhook_keys_refresh_seconds=1,
        webhook_keys_min_refresh_seconds=0.2,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with running(settings, bus=bus) as started:
        await wait_until(lambda: started.keys.refreshes >= 1, within=10)
        yield started


@pytest.fixture
async def tenant_client(tenant_service: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=tenant_service.http_url, timeout=10) as http:
        yield http
