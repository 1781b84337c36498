"""The out-of-process relay (`WEBHOOK_RELAY_IN_PROCESS=false`, `relaying`) and HTTP workers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.settings import SettingsError
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.helpers import make_settings, signed_headers
from webhook_ingest.bootstrap import MIGRATIONS_DIR, relaying, running


async def test_without_the_in_process_relay_serve_stores_and_the_relay_command_publishes(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        webhook_relay_in_process=False,
        webhook_relay_poll_interval_seconds=0.05,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    body = z.encode(z.meeting_started())
    async with InProcessBus() as bus:
        recorder = Recorder()
        await bus.subscribe("test-recorder", ["zoom.#"], recorder, prefetch=1)
        async with running(settings, bus=bus) as service:
            assert service.relay is None
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(
                    service.webhook_url, content=body, headers=signed_headers(body)
                )
            assert response.status_code == 200
        assert recorder.envelopes == []  # stored, not published: no relay in that process

        async with relaying(settings, bus=bus) as relay:
            await wait_until(lambda: relay.published_total == 1, within=10)
        await wait_until(lambda: len(recorder.envelopes) == 1, within=10)
        assert recorder.envelopes[0].type == "zoom.meeting.started"


def test_the_relay_is_in_process_and_one_http_worker_by_default(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}", data_dir=tmp_path)
    assert settings.webhook_relay_in_process is True
    assert settings.webhook_http_workers == 1


def test_several_http_workers_need_postgres(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_HTTP_WORKERS"):
        make_settings(
            f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}", data_dir=tmp_path, webhook_http_workers=2
        )
    settings = make_settings("postgresql+asyncpg://u@localhost:5432/db", webhook_http_workers=3)
    assert settings.webhook_http_workers == 3
