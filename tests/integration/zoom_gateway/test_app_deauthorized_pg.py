"""app_deauthorized end to end on PostgreSQL and RabbitMQ: the simulator tells webhook-ingest a
user removed the app, webhook-ingest publishes `zoom.app.deauthorized`, one of two gateway
replicas sharing a schema and a queue deletes the user's connection, and a redelivery of the
same message (to either replica) does nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Table, func, select

from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.outbox import envelope_from_row
from classbridge_common.testing import (
    AmqpNamespace,
    create_schema,
    drop_schema,
    unique_name,
    wait_until,
)
from tests.unit.webhook_ingest.helpers import make_settings as webhook_settings
from tests.unit.zoom_gateway.helpers import Gateway, gateway_settings, zoom_gateway, zoom_simulator
from tests.unit.zoom_gateway.test_user_oauth import connect
from webhook_ingest.adapters.tables import outbox
from webhook_ingest.bootstrap import MIGRATIONS_DIR as WEBHOOK_MIGRATIONS
from webhook_ingest.bootstrap import running as running_webhook_ingest
from zoom_gateway.adapters.orm import inbox, user_connections
from zoomsim import Fidelity

pytestmark = pytest.mark.integration

SECRET = "app-deauthorized-pg-secret"


async def _count(gw: Gateway, table: Table) -> int:
    engine = create_engine(gw.running.settings)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(select(func.count()).select_from(table))
            return int(found.scalar() or 0)
    finally:
        await engine.dispose()


def _counter(replicas: tuple[Gateway, ...], name: str) -> int:
    return sum(getattr(r.running.deauthorizations, name) for r in replicas)


async def test_one_replica_deletes_the_connection_once(
    tmp_path: Path, database_url: str, pg_schema: str, amqp_exchange: AmqpNamespace
) -> None:
    ingest_schema = unique_name("test")
    await create_schema(database_url, ingest_schema)
    bus = {
        "amqp_url": amqp_exchange.amqp_url,
        "events_exchange": amqp_exchange.exchange,
    }
    try:
        async with zoom_simulator(fidelity=Fidelity(app_deauthorized_event=True)) as zoom:
            common = {
                "database_url": database_url,
                "db_schema": pg_schema,
                "consumer_name": amqp_exchange.consumer("zoom-gateway"),
                **bus,
            }
            ingest = webhook_settings(
                database_url,
                db_schema=ingest_schema,
                data_dir=tmp_path,
                zoom_webhook_secret_tokens=SECRET,
                outgoing_consumer_name=amqp_exchange.consumer("webhook-ingest.outgoing"),
                **bus,
            )
            await upgrade_to_head(ingest, WEBHOOK_MIGRATIONS)
            async with (
                zoom_gateway(gateway_settings(zoom, tmp_path / "a", **common)) as a,
                zoom_gateway(gateway_settings(zoom, tmp_path / "b", **common), migrate=False) as b,
                running_webhook_ingest(ingest) as webhooks,
            ):
                await zoom.ctl.set_webhooks(
                    [{"url": f"{webhooks.http_url}/zoom/deauthorization", "secret": SECRET}],
                    validate=True,
                )
                connection = await connect(a, zoom, "removes-the-app")
                sent = await zoom.ctl.deauthorize(zoom.account_id, zoom.oauth_client_id)
                assert sent["user_id"] == connection.zoom_user_id

                await wait_until(lambda: _counter((a, b), "applied") == 1, within=30)
                assert _counter((a, b), "removed") == 1
                assert await _count(a, user_connections) == 0
                assert await _count(a, inbox) == 1

                # the user connects again; the broker redelivers the old message: nothing happens
                await connect(b, zoom, "removes-the-app")
                engine = create_engine(ingest)
                try:
                    async with engine.connect() as conn:
                        (row,) = (await conn.execute(select(outbox))).all()
                finally:
                    await engine.dispose()
                redelivered = envelope_from_row(row)
                assert redelivered.type == "zoom.app.deauthorized"
                assert a.running.bus is not None
                await a.running.bus.publish([redelivered, redelivered])
                await wait_until(lambda: _counter((a, b), "skipped") == 2, within=30)
                assert _counter((a, b), "applied") == 1
                assert await _count(a, user_connections) == 1
    finally:
        await drop_schema(database_url, ingest_schema)
