"""``/api/v1/admin/webhook-events``: the audit trail of Zoom webhooks and replay
(webhook-ingest's admin API). Admins only — refused here before any call, checked again there."""

from __future__ import annotations

from typing import Annotated, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.webhookingest.v1 import webhook_admin_pb2
from classbridge_common.auth import ADMIN
from edge import deps
from edge.clients import call
from edge.inputs import Choice, Choices, Input, Instant, Integer, Paging, StringList, Text
from edge.render import enum_choices, ok, page, to_dict
from edge.routing import Answer, paged, route

STATES = enum_choices(webhook_admin_pb2.ProcessingState.DESCRIPTOR, "PROCESSING_STATE_")
VIEWS = enum_choices(webhook_admin_pb2.EventView.DESCRIPTOR, "EVENT_VIEW_")


class EventView(Input):
    view: Annotated[int, Choice(choices=VIEWS, description="how much of each event to show")] = 0


class ListEvents(Paging, EventView):
    event_type: Annotated[list[str], StringList(description="repeated or comma-separated")] = []
    meeting_id: Annotated[int, Integer(minimum=0)] = 0
    meeting_uuid: Annotated[str, Text(max_length=128)] = ""
    state: Annotated[list[int], Choices(choices=STATES)] = []
    received_after: Annotated[Any, Instant()] = None
    received_before: Annotated[Any, Instant()] = None


class Replay(Input):
    reason: Annotated[str, Text(max_length=1000)] = ""


async def list_events(request: Request, query: ListEvents) -> JSONResponse:
    """The Zoom webhooks received, newest first."""
    req = webhook_admin_pb2.ListEventsRequest(
        page_size=query.page_size,
        page_token=query.page_token,
        event_types=query.event_type,
        meeting_id=query.meeting_id,
        meeting_uuid=query.meeting_uuid,
        states=query.state,  # type: ignore[arg-type]
        view=query.view,  # type: ignore[arg-type]
    )
    for name in ("received_after", "received_before"):
        stamp = getattr(query, name)
        if stamp is not None:
            getattr(req, name).CopyFrom(stamp)
    answer = await call(deps.clients(request).webhook_admin.ListEvents, req)
    return page([to_dict(e) for e in answer.events], answer)


async def get_event(request: Request, query: EventView) -> JSONResponse:
    """One webhook as received, with how it was processed."""
    answer = await call(
        deps.clients(request).webhook_admin.GetEvent,
        webhook_admin_pb2.GetEventRequest(
            event_id=request.path_params["event_id"],
            view=query.view,  # type: ignore[arg-type]
        ),
    )
    return ok(to_dict(answer))


async def replay_event(request: Request, body: Replay) -> JSONResponse:
    """Process a webhook again (the body is optional)."""
    answer = await call(
        deps.clients(request).webhook_admin.ReplayEvent,
        webhook_admin_pb2.ReplayEventRequest(
            event_id=request.path_params["event_id"], reason=body.reason
        ),
    )
    return ok(to_dict(answer), status=202, message="Event replayed")


_BASE = "/api/v1/admin/webhook-events"
routes = [
    route(
        _BASE,
        list_events,
        methods=["GET"],
        allow=[ADMIN],
        scope="tenant",
        query=ListEvents,
        answers=[paged(webhook_admin_pb2.WebhookEvent, webhook_admin_pb2.ListEventsResponse)],
    ),
    route(
        _BASE + "/{event_id}",
        get_event,
        methods=["GET"],
        allow=[ADMIN],
        scope="tenant",
        query=EventView,
        answers=[Answer(data=webhook_admin_pb2.WebhookEvent)],
    ),
    route(
        _BASE + "/{event_id}/replay",
        replay_event,
        methods=["POST"],
        allow=[ADMIN],
        scope="tenant",
        body=Replay,
        body_optional=True,
        answers=[
            Answer(
                status=202,
                data=webhook_admin_pb2.ReplayEventResponse,
                extra={"message": {"type": "string"}},
            )
        ],
    ),
]
