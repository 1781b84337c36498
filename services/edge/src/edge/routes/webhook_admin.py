"""``/api/v1/admin/webhook-events``: the audit trail of Zoom webhooks and replay
(webhook-ingest's admin API). Admins only — refused here before any call, checked again there."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.webhookingest.v1 import webhook_admin_pb2
from classbridge_common.auth import ADMIN
from edge import deps
from edge.access import route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import enum_choices, ok, page, page_args, to_dict

STATES = enum_choices(webhook_admin_pb2.ProcessingState.DESCRIPTOR, "PROCESSING_STATE_")
VIEWS = enum_choices(webhook_admin_pb2.EventView.DESCRIPTOR, "EVENT_VIEW_")


async def list_events(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    req = webhook_admin_pb2.ListEventsRequest(
        page_size=size,
        page_token=token,
        event_types=query.string_list("event_type"),
        meeting_id=query.integer("meeting_id", minimum=0),
        meeting_uuid=query.string("meeting_uuid", max_length=128),
        states=query.choices("state", STATES),  # type: ignore[arg-type]
        view=query.choice("view", VIEWS),  # type: ignore[arg-type]
    )
    for name in ("received_after", "received_before"):
        stamp = query.timestamp(name)
        if stamp is not None:
            getattr(req, name).CopyFrom(stamp)
    query.check()
    answer = await call(deps.clients(request).webhook_admin.ListEvents, req)
    return page([to_dict(e) for e in answer.events], answer)


async def get_event(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    view = query.choice("view", VIEWS)
    query.check()
    answer = await call(
        deps.clients(request).webhook_admin.GetEvent,
        webhook_admin_pb2.GetEventRequest(event_id=request.path_params["event_id"], view=view),  # type: ignore[arg-type]
    )
    return ok(to_dict(answer))


async def replay_event(request: Request) -> JSONResponse:
    body = Fields(await read_json(request, optional=True))
    reason = body.string("reason", max_length=1000)
    body.check()
    answer = await call(
        deps.clients(request).webhook_admin.ReplayEvent,
        webhook_admin_pb2.ReplayEventRequest(
            event_id=request.path_params["event_id"], reason=reason
        ),
    )
    return ok(to_dict(answer), status=202, message="Event replayed")


_BASE = "/api/v1/admin/webhook-events"
routes = [
    route(_BASE, list_events, methods=["GET"], allow=[ADMIN], scope="tenant"),
    route(_BASE + "/{event_id}", get_event, methods=["GET"], allow=[ADMIN], scope="tenant"),
    route(
        _BASE + "/{event_id}/replay", replay_event, methods=["POST"], allow=[ADMIN], scope="tenant"
    ),
]
