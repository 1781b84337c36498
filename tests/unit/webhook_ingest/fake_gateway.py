"""A stand-in zoom-gateway serving only `ListWebhookKeys`, over real gRPC with real tokens.

It runs behind the same `GrpcServer` (authentication on, service tokens verified with the
development service key) and remembers who called, so tests can check that webhook-ingest asks
with its own service token. `down = True` makes it answer UNAVAILABLE (a gateway outage).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import grpc.aio

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common.auth import DEV_SECRET, DEV_SERVICE_SECRET, TokenVerifier, current_caller
from classbridge_common.grpc import GrpcServer

# Tenants of the tests: (tenant, Zoom account, secret tokens).
A_SECRET = "tenant-a-webhook-secret"
B_SECRET = "tenant-b-webhook-secret"
C_SECRET = "tenant-c-webhook-secret"
A_ACCOUNT = "acct-a"
B_ACCOUNT = "acct-b"
C_ACCOUNT = "acct-c"


class FakeGateway(zg_grpc.ZoomGatewayServiceServicer):
    """Answers `ListWebhookKeys` from `keys`; every other method stays UNIMPLEMENTED."""

    def __init__(self) -> None:
        self.keys: list[zg.WebhookKey] = [
            zg.WebhookKey(tenant_id="a", account_id=A_ACCOUNT, secret_tokens=[A_SECRET]),
            zg.WebhookKey(tenant_id="b", account_id=B_ACCOUNT, secret_tokens=[B_SECRET]),
        ]
        self.down = False
        self.calls = 0
        self.callers: list[tuple[str, str]] = []  # (kind, subject)

    def add(self, tenant_id: str, account_id: str, *secrets: str) -> None:
        self.keys.append(
            zg.WebhookKey(tenant_id=tenant_id, account_id=account_id, secret_tokens=secrets)
        )

    async def ListWebhookKeys(
        self, request: zg.ListWebhookKeysRequest, context: grpc.aio.ServicerContext
    ) -> zg.ListWebhookKeysResponse:
        self.calls += 1
        caller = current_caller()
        self.callers.append((caller.kind, caller.subject))
        if self.down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "gateway down (simulated)")
        return zg.ListWebhookKeysResponse(keys=list(self.keys))


@asynccontextmanager
async def serving_gateway(fake: FakeGateway) -> AsyncIterator[str]:
    """Serve `fake` on a free loopback port; yields its address."""
    server = GrpcServer(
        servicers=[(zg_grpc.add_ZoomGatewayServiceServicer_to_server, fake)],
        verifier=TokenVerifier(DEV_SECRET, service_secret=DEV_SERVICE_SECRET),
        host="127.0.0.1",
        port=0,
        grace=0.1,
    )
    async with server:
        yield server.address
