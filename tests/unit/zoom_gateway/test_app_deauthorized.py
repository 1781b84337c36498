"""`zoom.app.deauthorized` (a user removed the app at Zoom): the gateway's consumer deletes that
user's connection — tokens gone from the database, cache dropped — once per event, only in the
event's tenant, and never a connection made after the removal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from sqlalchemy import func, select

from classbridge.events.v1 import zoom_events_pb2 as events
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.bus import InProcessBus
from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest.helpers import make_settings as webhook_settings
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    zoom_gateway,
    zoom_simulator,
)
from tests.unit.zoom_gateway.test_user_oauth import connect
from webhook_ingest.bootstrap import MIGRATIONS_DIR as WEBHOOK_MIGRATIONS
from webhook_ingest.bootstrap import Running as WebhookIngest
from webhook_ingest.bootstrap import running as running_webhook_ingest
from zoom_gateway.adapters.orm import inbox, user_connections
from zoom_gateway.entrypoints.consumers import APP_DEAUTHORIZED, Consumer, app_deauthorized
from zoom_gateway.service_layer.deauthorizations import Deauthorizations
from zoomsim import Fidelity

WEBHOOK_SECRET = "app-deauthorized-webhook-secret"


def removal(
    zoom: Zoom,
    connection: pb.Connection,
    *,
    message_id: str | None = None,
    tenant: str = "default",
    account: str | None = None,
    client_id: str | None = None,
    at: datetime | None = None,
) -> Envelope:
    """The event webhook-ingest publishes for Zoom's app_deauthorized of ``connection``."""
    message = events.ZoomAppDeauthorized(
        context=events.ZoomEventContext(
            zoom_event="app_deauthorized",
            account_id=zoom.account_id if account is None else account,
            tenant_id=tenant,
        ),
        zoom_user_id=connection.zoom_user_id,
        client_id=zoom.oauth_client_id if client_id is None else client_id,
    )
    message.deauthorization_time.FromDatetime(at or datetime.now(UTC))
    return Envelope.for_proto(APP_DEAUTHORIZED, message, message_id)


async def rows(gw: Gateway) -> tuple[int, int]:
    """(user_connections, inbox) row counts."""
    engine = create_engine(gw.running.settings)
    try:
        async with engine.connect() as conn:
            connections = (
                await conn.execute(select(func.count()).select_from(user_connections))
            ).scalar()
            applied = (await conn.execute(select(func.count()).select_from(inbox))).scalar()
    finally:
        await engine.dispose()
    return int(connections or 0), int(applied or 0)


def parts(gw: Gateway) -> tuple[Deauthorizations, Consumer]:
    deauthorizations = gw.running.deauthorizations
    assert deauthorizations is not None
    return deauthorizations, Consumer(name="zoom-gateway", deauthorizations=deauthorizations)


async def test_the_event_on_the_bus_deletes_the_users_connection_and_tokens(
    gw: Gateway, zoom: Zoom
) -> None:
    connection = await connect(gw, zoom, "leaver")
    await gw.stub.GetUser(pb.GetUserRequest(account=pb.Account(oauth_user_id="leaver")), timeout=5)
    users = gw.running.users
    assert users is not None
    assert "leaver" in users._cache
    deauthorizations, _ = parts(gw)
    assert gw.running.bus is not None

    await gw.running.bus.publish([removal(zoom, connection)])
    await wait_until(lambda: deauthorizations.applied == 1, within=10)

    assert await rows(gw) == (0, 1)  # the row, its tokens with it, is gone; the event recorded
    assert "leaver" not in users._cache
    status, _ = await rpc_error(
        gw.stub.GetConnection(pb.GetConnectionRequest(user_id="leaver"), timeout=5)
    )
    assert status == grpc.StatusCode.NOT_FOUND
    status, err = await rpc_error(
        gw.stub.GetUser(pb.GetUserRequest(account=pb.Account(oauth_user_id="leaver")), timeout=5)
    )
    assert status == grpc.StatusCode.FAILED_PRECONDITION
    assert "has not connected" in err.message


async def test_a_redelivered_event_does_nothing_twice(gw: Gateway, zoom: Zoom) -> None:
    connection = await connect(gw, zoom, "twice")
    deauthorizations, consumer = parts(gw)
    event = removal(zoom, connection, message_id="m-1")
    await consumer(event)
    assert await rows(gw) == (0, 1)

    # the user connects again; the same message comes back (bus redelivery)
    await connect(gw, zoom, "twice")
    await consumer(event)
    assert await rows(gw) == (1, 1)
    assert deauthorizations.applied == 1
    again = await gw.stub.GetConnection(pb.GetConnectionRequest(user_id="twice"), timeout=5)
    assert again.state == pb.CONNECTION_STATE_CONNECTED


async def test_a_late_event_spares_a_connection_made_after_the_removal(
    gw: Gateway, zoom: Zoom
) -> None:
    connection = await connect(gw, zoom, "back-again")
    _, consumer = parts(gw)
    long_ago = datetime.now(UTC) - timedelta(hours=1)  # Zoom retried it for an hour
    await consumer(removal(zoom, connection, at=long_ago))
    assert await rows(gw) == (1, 1)
    await consumer(removal(zoom, connection))  # a removal after the connection was made
    assert await rows(gw) == (0, 2)


async def test_only_the_events_tenant_account_and_app_are_touched(gw: Gateway, zoom: Zoom) -> None:
    connection = await connect(gw, zoom, "stays")
    deauthorizations, consumer = parts(gw)
    await consumer(removal(zoom, connection, tenant="another-school"))
    await consumer(removal(zoom, connection, account="another-account"))
    await consumer(removal(zoom, connection, client_id="another-app"))
    await consumer(removal(zoom, connection, tenant="default", account="", client_id=""))
    assert deauthorizations.applied == 4
    assert deauthorizations.removed == 1  # the last: nothing it names contradicts the row
    assert await rows(gw) == (0, 4)


async def test_an_event_without_a_tenant_finds_it_from_the_account(gw: Gateway, zoom: Zoom) -> None:
    connection = await connect(gw, zoom, "old-event")
    deauthorizations, consumer = parts(gw)
    event = removal(zoom, connection, tenant="")
    decoded = app_deauthorized(event.parse(events.ZoomAppDeauthorized), event)
    assert decoded.tenant_id == ""
    assert deauthorizations.tenant_of(decoded) == "default"  # the tenant of zoom.account_id
    await consumer(event)
    assert await rows(gw) == (0, 1)


async def test_other_events_are_acknowledged_and_ignored(gw: Gateway, zoom: Zoom) -> None:
    await connect(gw, zoom, "unrelated")
    deauthorizations, consumer = parts(gw)
    await consumer(Envelope.for_proto("zoom.meeting.started", events.ZoomMeetingStarted()))
    assert deauthorizations.applied == 0
    assert await rows(gw) == (1, 0)


async def test_zooms_webhook_reaches_the_gateway_through_webhook_ingest(tmp_path: Path) -> None:
    """The simulator sends app_deauthorized to webhook-ingest's deauthorization endpoint;
    the event it publishes on the shared bus makes the gateway forget the user."""
    async with (
        zoom_simulator(fidelity=Fidelity(app_deauthorized_event=True)) as zoom,
        InProcessBus() as bus,
        zoom_gateway(gateway_settings(zoom, tmp_path), bus=bus) as gw,
        webhook_ingest(tmp_path, bus) as ingest,
    ):
        await zoom.ctl.set_webhooks(
            [{"url": f"{ingest.http_url}/zoom/deauthorization", "secret": WEBHOOK_SECRET}],
            validate=True,
        )
        connection = await connect(gw, zoom, "removes-the-app")
        deauthorizations, _ = parts(gw)
        sent = await zoom.ctl.deauthorize(zoom.account_id, zoom.oauth_client_id)
        assert sent["user_id"] == connection.zoom_user_id
        await wait_until(lambda: deauthorizations.applied == 1, within=20)
        assert await rows(gw) == (0, 1)
        (delivery,) = await zoom.ctl.deliveries(event="app_deauthorized")
        assert delivery["state"] == "delivered"


@asynccontextmanager
async def webhook_ingest(data_dir: Path, bus: InProcessBus) -> AsyncIterator[WebhookIngest]:
    """webhook-ingest on SQLite, publishing on ``bus``, verifying with :data:`WEBHOOK_SECRET`."""
    settings = webhook_settings(
        f"sqlite+aiosqlite:///{data_dir / 'wi.db'}",
        data_dir=data_dir,
        zoom_webhook_secret_tokens=WEBHOOK_SECRET,
    )
    await upgrade_to_head(settings, WEBHOOK_MIGRATIONS)
    async with running_webhook_ingest(settings, bus=bus) as started:
        yield started
