"""``/api/v1/webhooks``: a tenant's outgoing webhooks to its course platform (webhook-ingest's
`OutgoingWebhooksService`) — endpoints, their signing secrets, deliveries, replays and a test
ping. Tenant admins only: refused here before any call, checked again there. (Zoom's incoming
webhooks have their own admin routes in ``webhook_admin.py``.)

The signing secret appears in two answers only — creating an endpoint and rotating its secret —
and those are sent ``Cache-Control: no-store``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as pb
from classbridge_common.auth import ADMIN
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.clients import call
from edge.inputs import Choices, Flag, Input, Instant, Integer, Paging, StringList, Text
from edge.render import enum_choices, no_store, ok, page, to_dict
from edge.routing import Answer, paged, route

STATUSES = enum_choices(pb.DeliveryStatus.DESCRIPTOR, "DELIVERY_STATUS_")
UPDATABLE = ("url", "event_types", "description", "enabled")
_EVENT_TYPES = (
    "session.scheduled, session.updated, session.cancelled, session.started, session.ended, "
    "attendance.ready, recording.ready, recording.deleted, recording.sync_failed"
)


class EndpointFields(Input):
    url: Annotated[
        str, Text(max_length=2048, description="https (http only for localhost and dev hosts)")
    ] = ""
    event_types: Annotated[list[str], StringList(description=f"any of: {_EVENT_TYPES}")] = []
    description: Annotated[str, Text(max_length=500)] = ""


class CreateEndpoint(EndpointFields):
    url: Annotated[
        str,
        Text(
            max_length=2048,
            required=True,
            description="https (http only for localhost and dev hosts)",
        ),
    ]
    event_types: Annotated[list[str], StringList(description=f"any of: {_EVENT_TYPES}")]


class UpdateEndpoint(EndpointFields):
    """Only the fields named change."""

    enabled: Annotated[bool, Flag(description="false stops deliveries; true resumes them")] = True

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if not self.present(*UPDATABLE):
            yield FieldViolation(
                "body", f"names none of the updatable fields: {', '.join(UPDATABLE)}"
            )


class Rotate(Input):
    grace_seconds: Annotated[
        int,
        Integer(
            minimum=0,
            maximum=604_800,
            description="how long the old secret keeps signing (0: 24 hours)",
        ),
    ] = 0


class ReplayFailed(Input):
    since: Annotated[Any, Instant(required=True, description="failed deliveries created since")]


class ListDeliveries(Paging):
    endpoint_id: Annotated[str, Text(max_length=64)] = ""
    status: Annotated[list[int], Choices(choices=STATUSES)] = []


def _id(request: Request, name: str) -> str:
    return str(request.path_params[name])


async def list_endpoints(request: Request, query: Paging) -> JSONResponse:
    """The tenant's webhook endpoints, oldest first."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.ListEndpoints,
        pb.ListEndpointsRequest(page_size=query.page_size, page_token=query.page_token),
    )
    return page([to_dict(e) for e in answer.endpoints], answer)


async def create_endpoint(request: Request, body: CreateEndpoint) -> JSONResponse:
    """Register an endpoint; the answer carries its signing secret, shown this once."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.CreateEndpoint,
        pb.CreateEndpointRequest(
            url=body.url, event_types=body.event_types, description=body.description
        ),
    )
    return ok(to_dict(answer), status=201, headers=no_store())


async def get_endpoint(request: Request) -> JSONResponse:
    """One endpoint (never its secret)."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.GetEndpoint,
        pb.GetEndpointRequest(endpoint_id=_id(request, "endpoint_id")),
    )
    return ok(to_dict(answer))


async def update_endpoint(request: Request, body: UpdateEndpoint) -> JSONResponse:
    """Change the fields the body names (``enabled: true`` also clears a disabled state)."""
    endpoint = pb.WebhookEndpoint(id=_id(request, "endpoint_id"))
    paths = body.present(*UPDATABLE)
    body.copy_onto(endpoint, paths)
    answer = await call(
        deps.clients(request).outgoing_webhooks.UpdateEndpoint,
        pb.UpdateEndpointRequest(
            endpoint=endpoint, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(to_dict(answer))


async def delete_endpoint(request: Request) -> Response:
    """Delete an endpoint with its deliveries and their log."""
    await call(
        deps.clients(request).outgoing_webhooks.DeleteEndpoint,
        pb.DeleteEndpointRequest(endpoint_id=_id(request, "endpoint_id")),
    )
    return ok(None)


async def rotate_secret(request: Request, body: Rotate) -> JSONResponse:
    """A new signing secret (shown this once); the old one signs alongside it for a while."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.RotateEndpointSecret,
        pb.RotateEndpointSecretRequest(
            endpoint_id=_id(request, "endpoint_id"), grace_seconds=body.grace_seconds
        ),
    )
    return ok(to_dict(answer), headers=no_store())


async def send_test_event(request: Request) -> JSONResponse:
    """Queue a ``webhook.test`` ping to the endpoint."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.SendTestEvent,
        pb.SendTestEventRequest(endpoint_id=_id(request, "endpoint_id")),
    )
    return ok(to_dict(answer), status=202)


async def replay_failed(request: Request, body: ReplayFailed) -> JSONResponse:
    """Send again every failed delivery of the endpoint created since a time."""
    req = pb.ReplayFailedDeliveriesRequest(endpoint_id=_id(request, "endpoint_id"))
    req.since.CopyFrom(body.since)
    answer = await call(deps.clients(request).outgoing_webhooks.ReplayFailedDeliveries, req)
    return ok(to_dict(answer), status=202)


async def list_deliveries(request: Request, query: ListDeliveries) -> JSONResponse:
    """Deliveries, newest first (optionally one endpoint's, in some states)."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.ListDeliveries,
        pb.ListDeliveriesRequest(
            page_size=query.page_size,
            page_token=query.page_token,
            endpoint_id=query.endpoint_id,
            statuses=query.status,  # type: ignore[arg-type]
        ),
    )
    return page([to_dict(d) for d in answer.deliveries], answer)


async def get_delivery(request: Request) -> JSONResponse:
    """One delivery with its payload and every attempt."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.GetDelivery,
        pb.GetDeliveryRequest(delivery_id=_id(request, "delivery_id")),
    )
    return ok(to_dict(answer))


async def replay_delivery(request: Request) -> JSONResponse:
    """Send one delivery again now (same ``webhook-id``)."""
    answer = await call(
        deps.clients(request).outgoing_webhooks.ReplayDelivery,
        pb.ReplayDeliveryRequest(delivery_id=_id(request, "delivery_id")),
    )
    return ok(to_dict(answer), status=202)


_ENDPOINTS = "/api/v1/webhooks/endpoints"
_ENDPOINT = _ENDPOINTS + "/{endpoint_id}"
_DELIVERIES = "/api/v1/webhooks/deliveries"
_DELIVERY = _DELIVERIES + "/{delivery_id}"
ENDPOINT = Answer(data=pb.WebhookEndpoint)
DELIVERY = Answer(data=pb.WebhookDelivery)
_ADMIN: dict[str, Any] = {"allow": [ADMIN], "scope": "tenant"}
routes = [
    route(
        _ENDPOINTS,
        list_endpoints,
        methods=["GET"],
        query=Paging,
        answers=[paged(pb.WebhookEndpoint, pb.ListEndpointsResponse)],
        **_ADMIN,
    ),
    route(
        _ENDPOINTS,
        create_endpoint,
        methods=["POST"],
        body=CreateEndpoint,
        answers=[Answer(status=201, data=pb.CreateEndpointResponse)],
        errors=[409],
        **_ADMIN,
    ),
    route(_ENDPOINT, get_endpoint, methods=["GET"], answers=[ENDPOINT], **_ADMIN),
    route(
        _ENDPOINT,
        update_endpoint,
        methods=["PATCH"],
        body=UpdateEndpoint,
        answers=[ENDPOINT],
        errors=[409],
        **_ADMIN,
    ),
    route(_ENDPOINT, delete_endpoint, methods=["DELETE"], **_ADMIN),
    route(
        _ENDPOINT + "/rotate-secret",
        rotate_secret,
        methods=["POST"],
        body=Rotate,
        body_optional=True,
        answers=[Answer(data=pb.RotateEndpointSecretResponse)],
        **_ADMIN,
    ),
    route(
        _ENDPOINT + "/test",
        send_test_event,
        methods=["POST"],
        answers=[Answer(status=202, data=pb.WebhookDelivery)],
        **_ADMIN,
    ),
    route(
        _ENDPOINT + "/replay-failed",
        replay_failed,
        methods=["POST"],
        body=ReplayFailed,
        answers=[Answer(status=202, data=pb.ReplayFailedDeliveriesResponse)],
        **_ADMIN,
    ),
    route(
        _DELIVERIES,
        list_deliveries,
        methods=["GET"],
        query=ListDeliveries,
        answers=[paged(pb.WebhookDelivery, pb.ListDeliveriesResponse)],
        **_ADMIN,
    ),
    route(_DELIVERY, get_delivery, methods=["GET"], answers=[DELIVERY], **_ADMIN),
    route(
        _DELIVERY + "/replay",
        replay_delivery,
        methods=["POST"],
        answers=[Answer(status=202, data=pb.WebhookDelivery)],
        **_ADMIN,
    ),
]
