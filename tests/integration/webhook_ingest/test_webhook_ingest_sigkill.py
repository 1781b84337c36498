"""SIGKILL during a burst: every webhook that got 200 is stored, and published after restart."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from classbridge_common.bus import create_bus
from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import AmqpNamespace, wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.helpers import SECRET, make_settings, signed_headers
from webhook_ingest.adapters.tables import outbox, webhook_events
from webhook_ingest.bootstrap import MIGRATIONS_DIR

pytestmark = pytest.mark.integration


async def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    stderr = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        process = subprocess.Popen(  # noqa: ASYNC220 - a child we kill on purpose
            [sys.executable, "-m", "webhook_ingest", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    finally:
        os.close(stderr)
    assert process.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=60)
    match = re.search(rb"http=(\d+)", line)
    assert match, f"service did not start: {line!r}"
    return process, int(match.group(1))


async def test_sigkill_during_a_burst_loses_no_acknowledged_event(
    database_url: str, pg_schema: str, amqp_exchange: AmqpNamespace, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url,
        db_schema=pg_schema,
        amqp_url=amqp_exchange.amqp_url,
        events_exchange=amqp_exchange.exchange,
        outgoing_consumer_name=amqp_exchange.consumer("webhook-ingest.outgoing"),
        data_dir=tmp_path,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    received: set[str] = set()

    async def collect(envelope: Envelope) -> None:
        received.add(envelope.message_id)

    env = {
        **os.environ,
        "ZOOM_WEBHOOK_SECRET_TOKENS": SECRET,
        "DATABASE_URL": database_url,
        "DB_SCHEMA": pg_schema,
        "AMQP_URL": amqp_exchange.amqp_url,
        "EVENTS_EXCHANGE": amqp_exchange.exchange,
        "OUTGOING_CONSUMER_NAME": amqp_exchange.consumer("webhook-ingest.outgoing"),
        "HTTP_PORT": "0",
        "GRPC_PORT": "0",
        "HTTP_HOST": "127.0.0.1",
        "GRPC_HOST": "127.0.0.1",
        "CLASSBRIDGE_ENV": "dev",
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "service.log"
    async with create_bus(amqp_exchange.amqp_url, exchange=amqp_exchange.exchange) as bus:
        await bus.subscribe(amqp_exchange.consumer("collector"), ["zoom.#"], collect)
        process, port = await _start(env, log)
        acknowledged: list[bytes] = []
        failed = 0
        url = f"http://127.0.0.1:{port}/zoom/webhook"
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(timeout=5, limits=limits) as client:
            pending = iter(range(5000))

            async def worker() -> None:
                nonlocal failed
                for i in pending:
                    body = z.encode(z.participant_joined(participant_uuid=f"k-{i}", user_id=str(i)))
                    try:
                        response = await client.post(
                            url, content=body, headers=signed_headers(body)
                        )
                    except httpx.HTTPError:
                        failed += 1
                        continue
                    if response.status_code == 200:
                        acknowledged.append(body)
                    else:
                        failed += 1

            burst = [asyncio.create_task(worker()) for _ in range(40)]
            await wait_until(lambda: len(acknowledged) >= 300, within=120)
            process.send_signal(signal.SIGKILL)
            await asyncio.gather(*burst)
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        assert len(acknowledged) >= 300
        assert failed > 0, "the kill should have interrupted the burst"

        engine = create_engine(settings)
        try:
            async with engine.connect() as conn:
                stored = set((await conn.execute(select(webhook_events.c.body))).scalars())
            assert all(body in stored for body in acknowledged)

            restarted, _ = await _start(env, log)
            try:

                async def all_published() -> bool:
                    async with engine.connect() as conn:
                        pending = (
                            await conn.execute(
                                select(func.count())
                                .select_from(outbox)
                                .where(outbox.c.published_at.is_(None))
                            )
                        ).scalar()
                    return pending == 0

                await wait_until(all_published, within=60, interval=0.2)
                async with engine.connect() as conn:
                    message_ids = set(
                        (await conn.execute(select(webhook_events.c.message_id))).scalars()
                    )
                await wait_until(lambda: message_ids <= received, within=60)
            finally:
                restarted.send_signal(signal.SIGTERM)
                restarted.wait(timeout=30)
                if restarted.stdout is not None:
                    restarted.stdout.close()
        finally:
            await engine.dispose()
