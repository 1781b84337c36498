"""Seed 004's meeting CRUD: meetings on the caller's tenant's own Zoom account (its
server-to-server app), not tied to a session.

``POST /api/zoom/meetings``, ``GET/PATCH/DELETE /api/zoom/meetings/{meeting_id}`` as seed 004
names them; its list is ``GET /api/zoom/scheduled-meetings``, because ``GET /api/zoom/meetings``
is seed 002's list of the caller's cloud recordings.

Who: the tenant's admins (operators pass wherever admins do), never teachers or students. Every
meeting Classbridge makes on a tenant's account has the same Zoom host (the account's app
owner), and a token names no Zoom identity, so nothing can tell a teacher's meeting from anyone
else's; teachers reach their classes' meetings through their sessions. zoom-gateway applies the
same rule and keeps the call inside the caller's tenant: another tenant's meeting id is 404.

``start_url`` (the host's link, a bearer credential) is answered only to these callers, who may
start the meeting, with ``Cache-Control: no-store``; it is never logged.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge_common.auth import ADMIN
from classbridge_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
)
from edge import deps
from edge.clients import call
from edge.inputs import Choice, Flag, Input, Instant, Integer, ProtoMessage, Text, Timezone
from edge.render import no_store, ok, to_dict
from edge.routing import Answer, route

ADMINS = (ADMIN,)
LIST_TYPES = {
    "scheduled": zg.LIST_MEETINGS_TYPE_SCHEDULED,
    "live": zg.LIST_MEETINGS_TYPE_LIVE,
    "upcoming": zg.LIST_MEETINGS_TYPE_UPCOMING,
    "previous": zg.LIST_MEETINGS_TYPE_PREVIOUS,
}
FIELDS = ("topic", "start_time", "duration", "timezone", "agenda", "settings")
MASK = {"duration": "duration_minutes"}


class NewMeeting(Input):
    """Seed 004's body: ``topic``, ``start_time``, ``duration`` (minutes), ``timezone``,
    ``agenda``, ``settings``; ``request_id`` (or ``Idempotency-Key``) makes a retry safe."""

    topic: Annotated[str, Text(max_length=200, required=True)]
    start_time: Annotated[Any, Instant(required=True)]
    duration: Annotated[int, Integer(minimum=1, maximum=1440, description="minutes")] = 60
    timezone: Annotated[str, Timezone()] = ""
    agenda: Annotated[str, Text(max_length=1800)] = ""
    settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""


class MeetingPatch(Input):
    """The fields of :class:`NewMeeting` to change; the others are left as Zoom has them."""

    topic: Annotated[str, Text(max_length=200)] = ""
    start_time: Annotated[Any, Instant()] = None
    duration: Annotated[int | None, Integer(minimum=1, maximum=1440, description="minutes")] = None
    timezone: Annotated[str, Timezone()] = ""
    agenda: Annotated[str, Text(max_length=1800)] = ""
    settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None


class MeetingList(Input):
    type: Annotated[int, Choice(choices=LIST_TYPES, description="default: scheduled")] = (
        zg.LIST_MEETINGS_TYPE_SCHEDULED
    )
    page_size: Annotated[int, Integer(minimum=1, maximum=300)] = 30
    page_token: Annotated[str, Text(max_length=2048)] = ""


class DeleteQuery(Input):
    notify_hosts: Annotated[bool, Flag(description="email the host about the cancellation")] = False


def _account(request: Request) -> zg.Account:
    """Always the caller's own tenant's server-to-server app."""
    return zg.Account(tenant_id=deps.caller(request).tenant or "")


def _meeting_id(request: Request) -> int:
    raw = request.path_params["meeting_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidArgument(
            "the meeting id is Zoom's meeting number",
            violations=[FieldViolation("meeting_id", "must be a meeting number")],
        )
    return int(raw)


def _spec(body: NewMeeting | MeetingPatch) -> zg.MeetingSpec:
    spec = zg.MeetingSpec(
        topic=body.topic,
        type=common_pb2.ZOOM_MEETING_TYPE_SCHEDULED,
        duration_minutes=body.duration or 0,
        timezone=body.timezone,
        agenda=body.agenda,
    )
    if body.start_time is not None:
        spec.start_time.CopyFrom(body.start_time)
    if body.settings is not None:
        spec.settings.CopyFrom(body.settings)
    return spec


async def create_meeting(request: Request, body: NewMeeting) -> JSONResponse:
    """Create a meeting on the tenant's Zoom account (seed 004). Idempotent on ``request_id``
    / ``Idempotency-Key``; without one, every call makes a new meeting."""
    key = deps.idempotency_key(request, body.request_id) or f"edge-{uuid.uuid4().hex}"
    try:
        answer = await call(
            deps.clients(request).zoom_gateway.CreateMeeting,
            zg.CreateMeetingRequest(request_id=key, account=_account(request), meeting=_spec(body)),
        )
    except NotFound as exc:
        if exc.resource_type != "tenant":
            raise
        # the caller's own school, which has no Zoom account yet: a 409 saying so, as for a
        # school whose Zoom app is not configured (not a 404 about a tenant they belong to)
        raise FailedPrecondition(
            "Zoom is not set up for this school",
            violations=[
                PreconditionViolation(
                    "ZOOM_NOT_CONFIGURED", exc.resource_id, "an admin sets the Zoom app first"
                )
            ],
        ) from None
    return ok(to_dict(answer), status=201, headers=no_store())


async def get_meeting(request: Request) -> JSONResponse:
    """One meeting of the tenant's Zoom account, with a fresh ``start_url``."""
    answer = await call(
        deps.clients(request).zoom_gateway.GetMeeting,
        zg.GetMeetingRequest(
            account=_account(request), meeting_id=_meeting_id(request), include_start_url=True
        ),
    )
    return ok(to_dict(answer), headers=no_store())


async def update_meeting(request: Request, body: MeetingPatch) -> JSONResponse:
    """Change the fields the body names; answers the meeting as Zoom now has it."""
    paths = [MASK.get(name, name) for name in body.present(*FIELDS)]
    if not paths:
        raise InvalidArgument(
            "name at least one field to change",
            violations=[FieldViolation("body", f"give one of {', '.join(FIELDS)}")],
        )
    answer = await call(
        deps.clients(request).zoom_gateway.UpdateMeeting,
        zg.UpdateMeetingRequest(
            account=_account(request),
            meeting_id=_meeting_id(request),
            meeting=_spec(body),
            update_mask=field_mask_pb2.FieldMask(paths=paths),
        ),
    )
    return ok(to_dict(answer))


async def delete_meeting(request: Request, query: DeleteQuery) -> JSONResponse:
    """Delete a meeting of the tenant's Zoom account (404 when the account has no such one)."""
    answer = await call(
        deps.clients(request).zoom_gateway.DeleteMeeting,
        zg.DeleteMeetingRequest(
            account=_account(request),
            meeting_id=_meeting_id(request),
            notify_hosts=query.notify_hosts,
        ),
    )
    return ok(to_dict(answer), message="meeting deleted")


async def list_meetings(request: Request, query: MeetingList) -> JSONResponse:
    """Seed 004's list of meetings: the tenant account's meetings (Zoom's ``type`` filter).

    A school zoom-gateway has no tenant for (Zoom never set up) has no meetings: an empty
    list, as ``/api/zoom/status`` answers ``configured: false`` for it."""
    try:
        answer = await call(
            deps.clients(request).zoom_gateway.ListMeetings,
            zg.ListMeetingsRequest(
                account=_account(request),
                type=query.type,  # type: ignore[arg-type]
                page_size=query.page_size,
                page_token=query.page_token,
            ),
        )
    except NotFound as exc:
        if exc.resource_type != "tenant":
            raise
        answer = zg.ListMeetingsResponse()
    return ok(
        [to_dict(m) for m in answer.meetings],
        count=len(answer.meetings),
        next_page_token=answer.next_page_token,
    )


_ONE = "/api/zoom/meetings/{meeting_id}"
_MEETING = Answer(data=zg.Meeting, no_store=True)
routes = [
    route(
        "/api/zoom/meetings",
        create_meeting,
        methods=["POST"],
        allow=ADMINS,
        scope="tenant",
        body=NewMeeting,
        answers=[Answer(status=201, data=zg.Meeting, no_store=True)],
    ),
    route(_ONE, get_meeting, methods=["GET"], allow=ADMINS, scope="tenant", answers=[_MEETING]),
    route(
        _ONE,
        update_meeting,
        methods=["PATCH"],
        allow=ADMINS,
        scope="tenant",
        body=MeetingPatch,
        answers=[Answer(data=zg.Meeting)],
    ),
    route(
        _ONE,
        delete_meeting,
        methods=["DELETE"],
        allow=ADMINS,
        scope="tenant",
        query=DeleteQuery,
        answers=[Answer(data=zg.DeleteMeetingResponse, extra={"message": {"type": "string"}})],
    ),
    route(
        "/api/zoom/scheduled-meetings",
        list_meetings,
        methods=["GET"],
        allow=ADMINS,
        scope="tenant",
        query=MeetingList,
        answers=[
            Answer(
                data=[zg.Meeting],
                extra={"count": {"type": "integer"}, "next_page_token": {"type": "string"}},
            )
        ],
    ),
]
