"""`classbridge.webhookingest.v1.OutgoingWebhooksService`: protobuf in, handler call, protobuf out.

The access rules (`access_rules.OUTGOING_POLICY`) are enforced by the interceptor before a
handler runs; each handler passes the caller's `TenantScope` down, and the repository applies it
to every statement. Secrets appear in exactly two answers (create, rotate) and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Row

from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as pb
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2_grpc as pb_grpc
from classbridge_common.auth import current_caller
from classbridge_common.errors import FailedPrecondition, invalid_field
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters import outgoing_repository as repo
from webhook_ingest.service_layer.outgoing_endpoints import (
    DeliveryDetail,
    EndpointChanges,
    OutgoingWebhooks,
)

_STATES = {
    repo.ENABLED: pb.ENDPOINT_STATE_ENABLED,
    repo.DISABLED_BY_USER: pb.ENDPOINT_STATE_DISABLED_BY_USER,
    repo.DISABLED_FAILING: pb.ENDPOINT_STATE_DISABLED_FAILING,
}
_STATUSES = {
    repo.PENDING: pb.DELIVERY_STATUS_PENDING,
    repo.SUCCEEDED: pb.DELIVERY_STATUS_SUCCEEDED,
    repo.FAILED: pb.DELIVERY_STATUS_FAILED,
}
_STATUS_NAMES = {number: name for name, number in _STATUSES.items()}


def _scope() -> TenantScope:
    return TenantScope.of_caller(current_caller())


def _stamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _set_times(message: Any, **times: datetime | None) -> None:
    for name, value in times.items():
        stamp = _stamp(value)
        if stamp is not None:
            getattr(message, name).CopyFrom(stamp)


def endpoint_to_proto(row: Row[Any]) -> pb.WebhookEndpoint:
    endpoint = pb.WebhookEndpoint(
        id=row.id,
        url=row.url,
        description=row.description,
        event_types=list(row.event_types or []),
        enabled=row.state == repo.ENABLED,
        state=_STATES.get(row.state, pb.ENDPOINT_STATE_UNSPECIFIED),
        disabled_reason=row.disabled_reason,
    )
    previous = row.previous_secret_expires_at
    _set_times(
        endpoint,
        disabled_time=row.disabled_at,
        failing_since=row.failing_since,
        create_time=row.created_at,
        update_time=row.updated_at,
        previous_secret_expire_time=previous
        if row.previous_secret_enc and previous is not None and previous > datetime.now(UTC)
        else None,
    )
    return endpoint


def delivery_to_proto(row: Row[Any], attempts: list[Row[Any]] | None = None) -> pb.WebhookDelivery:
    delivery = pb.WebhookDelivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_type=row.event_type,
        status=_STATUSES.get(row.status, pb.DELIVERY_STATUS_UNSPECIFIED),
        attempt_count=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        replay_count=row.replay_count,
    )
    _set_times(
        delivery,
        create_time=row.created_at,
        next_attempt_time=row.next_attempt_at if row.status == repo.PENDING else None,
        last_attempt_time=row.last_attempt_at,
        delivered_time=row.delivered_at,
    )
    if attempts is not None:
        delivery.payload = row.payload
        for attempt in attempts:
            item = delivery.attempts.add(
                status_code=attempt.status_code,
                duration_ms=attempt.duration_ms,
                response_snippet=attempt.response_snippet,
                error=attempt.error,
                success=attempt.success,
            )
            _set_times(item, attempt_time=attempt.attempted_at)
    return delivery


def _detail(detail: DeliveryDetail) -> pb.WebhookDelivery:
    return delivery_to_proto(detail.delivery, detail.attempts)


class OutgoingWebhooksServicer(pb_grpc.OutgoingWebhooksServiceServicer):
    def __init__(self, *, webhooks: OutgoingWebhooks) -> None:
        self._webhooks = webhooks

    async def CreateEndpoint(
        self,
        request: pb.CreateEndpointRequest,
        context: grpc.aio.ServicerContext[pb.CreateEndpointRequest, pb.CreateEndpointResponse],
    ) -> pb.CreateEndpointResponse:
        scope = _scope()
        if scope.spans:
            raise FailedPrecondition("an endpoint belongs to a tenant: call as that tenant's admin")
        row, secret = await self._webhooks.create(
            scope=scope,
            url=request.url,
            event_types=list(request.event_types),
            description=request.description,
        )
        return pb.CreateEndpointResponse(endpoint=endpoint_to_proto(row), secret=secret)

    async def ListEndpoints(
        self,
        request: pb.ListEndpointsRequest,
        context: grpc.aio.ServicerContext[pb.ListEndpointsRequest, pb.ListEndpointsResponse],
    ) -> pb.ListEndpointsResponse:
        page = await self._webhooks.list(
            scope=_scope(), page_size=request.page_size, page_token=request.page_token
        )
        return pb.ListEndpointsResponse(
            endpoints=[endpoint_to_proto(r) for r in page.rows],
            next_page_token=page.next_page_token,
        )

    async def GetEndpoint(
        self,
        request: pb.GetEndpointRequest,
        context: grpc.aio.ServicerContext[pb.GetEndpointRequest, pb.WebhookEndpoint],
    ) -> pb.WebhookEndpoint:
        return endpoint_to_proto(await self._webhooks.get(request.endpoint_id, scope=_scope()))

    async def UpdateEndpoint(
        self,
        request: pb.UpdateEndpointRequest,
        context: grpc.aio.ServicerContext[pb.UpdateEndpointRequest, pb.WebhookEndpoint],
    ) -> pb.WebhookEndpoint:
        given = request.endpoint
        changes = EndpointChanges(
            fields=frozenset(request.update_mask.paths),
            url=given.url,
            event_types=tuple(given.event_types),
            description=given.description,
            enabled=given.enabled,
        )
        row = await self._webhooks.update(given.id, changes, scope=_scope())
        return endpoint_to_proto(row)

    async def DeleteEndpoint(
        self,
        request: pb.DeleteEndpointRequest,
        context: grpc.aio.ServicerContext[pb.DeleteEndpointRequest, pb.DeleteEndpointResponse],
    ) -> pb.DeleteEndpointResponse:
        await self._webhooks.delete(request.endpoint_id, scope=_scope())
        return pb.DeleteEndpointResponse()

    async def RotateEndpointSecret(
        self,
        request: pb.RotateEndpointSecretRequest,
        context: grpc.aio.ServicerContext[
            pb.RotateEndpointSecretRequest, pb.RotateEndpointSecretResponse
        ],
    ) -> pb.RotateEndpointSecretResponse:
        row, secret = await self._webhooks.rotate(
            request.endpoint_id, scope=_scope(), grace_seconds=request.grace_seconds
        )
        return pb.RotateEndpointSecretResponse(endpoint=endpoint_to_proto(row), secret=secret)

    async def ListDeliveries(
        self,
        request: pb.ListDeliveriesRequest,
        context: grpc.aio.ServicerContext[pb.ListDeliveriesRequest, pb.ListDeliveriesResponse],
    ) -> pb.ListDeliveriesResponse:
        statuses = []
        for number in request.statuses:
            if number not in _STATUS_NAMES:
                raise invalid_field("statuses", "unknown delivery status")
            statuses.append(_STATUS_NAMES[number])
        page = await self._webhooks.deliveries(
            scope=_scope(),
            endpoint_id=request.endpoint_id,
            statuses=statuses,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListDeliveriesResponse(
            deliveries=[delivery_to_proto(r) for r in page.rows],
            next_page_token=page.next_page_token,
        )

    async def GetDelivery(
        self,
        request: pb.GetDeliveryRequest,
        context: grpc.aio.ServicerContext[pb.GetDeliveryRequest, pb.WebhookDelivery],
    ) -> pb.WebhookDelivery:
        return _detail(await self._webhooks.delivery(request.delivery_id, scope=_scope()))

    async def ReplayDelivery(
        self,
        request: pb.ReplayDeliveryRequest,
        context: grpc.aio.ServicerContext[pb.ReplayDeliveryRequest, pb.WebhookDelivery],
    ) -> pb.WebhookDelivery:
        return _detail(await self._webhooks.replay(request.delivery_id, scope=_scope()))

    async def ReplayFailedDeliveries(
        self,
        request: pb.ReplayFailedDeliveriesRequest,
        context: grpc.aio.ServicerContext[
            pb.ReplayFailedDeliveriesRequest, pb.ReplayFailedDeliveriesResponse
        ],
    ) -> pb.ReplayFailedDeliveriesResponse:
        since = request.since.ToDatetime(tzinfo=UTC) if request.HasField("since") else None
        count = await self._webhooks.replay_failed(request.endpoint_id, scope=_scope(), since=since)
        return pb.ReplayFailedDeliveriesResponse(replayed_count=count)

    async def SendTestEvent(
        self,
        request: pb.SendTestEventRequest,
        context: grpc.aio.ServicerContext[pb.SendTestEventRequest, pb.WebhookDelivery],
    ) -> pb.WebhookDelivery:
        return _detail(await self._webhooks.send_test(request.endpoint_id, scope=_scope()))


AddServicer = Callable[[pb_grpc.OutgoingWebhooksServiceServicer, grpc.aio.Server], None]


def servicers(
    webhooks: OutgoingWebhooks,
) -> list[tuple[AddServicer, OutgoingWebhooksServicer]]:
    """The (add_to_server, servicer) pair for `GrpcServer`."""
    return [
        (
            pb_grpc.add_OutgoingWebhooksServiceServicer_to_server,
            OutgoingWebhooksServicer(webhooks=webhooks),
        )
    ]
