"""The gRPC channels and stubs the edge calls, opened and closed together.

Every channel comes from the shared factory, so each call carries a deadline
(``GRPC_TIMEOUT_SECONDS`` unless a route passes its own), the caller's own token in the
``authorization`` metadata (the edge has no identity of its own: services authorise the person
behind the request), the request id and trace context, and is retried on UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc.aio

from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge.scheduler.v1 import scheduler_pb2_grpc
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2_grpc, webhook_admin_pb2_grpc
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc
from classbridge_common.grpc.client import call as _call
from classbridge_common.grpc.client import create_channel
from edge.settings import Settings


@dataclass(frozen=True)
class Clients:
    """One stub per service. Tests build it from channels to their own servers."""

    scheduler: scheduler_pb2_grpc.SchedulerServiceStub
    zoom_gateway: zoom_gateway_pb2_grpc.ZoomGatewayServiceStub
    recording_sync: recording_sync_pb2_grpc.RecordingSyncServiceStub
    webhook_admin: webhook_admin_pb2_grpc.WebhookAdminServiceStub
    # webhook-ingest's other service, on the same channel: outgoing webhooks to platforms.
    outgoing_webhooks: outgoing_webhooks_pb2_grpc.OutgoingWebhooksServiceStub

    @classmethod
    def from_channels(
        cls,
        *,
        scheduler: grpc.aio.Channel,
        zoom_gateway: grpc.aio.Channel,
        recording_sync: grpc.aio.Channel,
        webhook_admin: grpc.aio.Channel,
    ) -> Clients:
        return cls(
            scheduler=scheduler_pb2_grpc.SchedulerServiceStub(scheduler),
            zoom_gateway=zoom_gateway_pb2_grpc.ZoomGatewayServiceStub(zoom_gateway),
            recording_sync=recording_sync_pb2_grpc.RecordingSyncServiceStub(recording_sync),
            webhook_admin=webhook_admin_pb2_grpc.WebhookAdminServiceStub(webhook_admin),
            outgoing_webhooks=outgoing_webhooks_pb2_grpc.OutgoingWebhooksServiceStub(webhook_admin),
        )


def _channel(settings: Settings, target: str) -> grpc.aio.Channel:
    # forward_caller and no service tokens: a call made outside an authenticated request goes
    # out without credentials and is refused, instead of running with a borrowed identity.
    return create_channel(
        target,
        default_timeout=settings.grpc_timeout_seconds,
        forward_caller=True,
        service_tokens=None,
        max_attempts=settings.grpc_max_attempts,
    )


@asynccontextmanager
async def open_clients(settings: Settings) -> AsyncIterator[Clients]:
    """Channels to the four services for the life of the block (connections are lazy)."""
    async with AsyncExitStack() as stack:
        channels = {
            name: await stack.enter_async_context(_channel(settings, target))
            for name, target in (
                ("scheduler", settings.scheduler_addr),
                ("zoom_gateway", settings.zoom_gateway_addr),
                ("recording_sync", settings.recording_sync_addr),
                ("webhook_admin", settings.webhook_ingest_addr),
            )
        }
        yield Clients.from_channels(**channels)


async def call(method: Callable[..., Any], request: Any, *, timeout: float | None = None) -> Any:  # noqa: ASYNC109 - the gRPC deadline
    """One unary call; a failed status raises the ``ClassbridgeError`` the service raised."""
    return await _call(method, request, timeout=timeout)
