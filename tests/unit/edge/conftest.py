"""The edge app against four real gRPC test servers, and tokens to call it with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge.scheduler.v1 import scheduler_pb2_grpc
from classbridge.webhookingest.v1 import webhook_admin_pb2_grpc
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc
from classbridge_common.auth import TokenVerifier
from classbridge_common.grpc import GrpcServer
from edge.app import create_app
from edge.clients import open_clients
from edge.settings import Settings
from tests.unit.edge.conformance import Conformance
from tests.unit.edge.fakes import (
    FakeRecordingSync,
    FakeScheduler,
    FakeState,
    FakeWebhookAdmin,
    FakeZoomGateway,
)
from tests.unit.edge.helpers import SECRET, Services, edge_settings


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    states = {
        name: FakeState()
        for name in ("scheduler", "zoom_gateway", "recording_sync", "webhook_admin")
    }
    specs = {
        "scheduler": (scheduler_pb2_grpc.add_SchedulerServiceServicer_to_server, FakeScheduler),
        "zoom_gateway": (
            zoom_gateway_pb2_grpc.add_ZoomGatewayServiceServicer_to_server,
            FakeZoomGateway,
        ),
        "recording_sync": (
            recording_sync_pb2_grpc.add_RecordingSyncServiceServicer_to_server,
            FakeRecordingSync,
        ),
        "webhook_admin": (
            webhook_admin_pb2_grpc.add_WebhookAdminServiceServicer_to_server,
            FakeWebhookAdmin,
        ),
    }
    servers: list[GrpcServer] = []
    addresses: dict[str, str] = {}
    try:
        for name, (add, fake) in specs.items():
            server = GrpcServer(
                servicers=[(add, fake(states[name]))],
                verifier=TokenVerifier(SECRET),
                host="127.0.0.1",
                port=0,
                default_timeout=300.0,  # far above the edge's, so a short deadline is the edge's
            )
            await server.start()
            servers.append(server)
            addresses[name] = server.address
        yield Services(addresses=addresses, **states)
    finally:
        for server in servers:
            await server.stop(0)


@pytest.fixture
def settings(tmp_path: Path, services: Services) -> Settings:
    return edge_settings(tmp_path, services.addresses, max_body_bytes=4096)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with open_clients(settings) as clients:
        app = create_app(settings=settings, clients=clients)
        transport = httpx.ASGITransport(app=app)
        # Every answer any test reads is checked against the OpenAPI document as well.
        hooks = {"response": [Conformance(app).on_response]}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://edge.test", event_hooks=hooks
        ) as http:
            yield http
