"""Session series: the classes of one recurrence rule in one request (``/api/v1/.../series``).

``POST /api/v1/batches/{batch_id}/series`` takes the first class as the schedule body does
(its date and times are the first occurrence; title, teacher and settings every class's) plus
an RFC 5545 ``recurrence`` rule (``FREQ=WEEKLY;BYDAY=MO,WE;COUNT=24``) and ``exceptions``
(local dates or date-times the rule skips). Each occurrence becomes a session; where Zoom's
recurrence can say the rule they share one Zoom recurring meeting, each session its own
occurrence (moved or cancelled alone through the session routes), else each gets a meeting of
its own, queued within the host's daily Zoom budget. ``GET /api/v1/series/{series_id}`` shows
the series and its sessions; ``PATCH`` there changes the title, description or times of every
class still to come; ``POST /api/v1/series/{series_id}/cancel`` cancels what is to come.
"""

from __future__ import annotations

from typing import Annotated, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation, InvalidArgument
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import Input, StringList, Text, WallTime
from edge.render import ok, to_dict
from edge.routes.schedule import ScheduleBody
from edge.routes.sessions import CancelBody, CancelQuery
from edge.routing import Answer, route

_MESSAGE = {"message": {"type": "string"}}


class SeriesBody(ScheduleBody):
    """The first class, the rule, and the days it skips."""

    recurrence: Annotated[
        str,
        Text(
            max_length=500,
            required=True,
            description="RFC 5545 RRULE: FREQ DAILY, WEEKLY or MONTHLY; COUNT or UNTIL; "
            "INTERVAL, BYDAY, BYMONTHDAY",
        ),
    ]
    exceptions: Annotated[
        list[str],
        StringList(description="local dates (2027-02-15) or date-times (2027-02-15T10:00)"),
    ] = []  # pydantic copies defaults


class SeriesChange(Input):
    """What changes for every class still to come; absent fields stay."""

    title: Annotated[str | None, Text(max_length=300)] = None
    description: Annotated[str | None, Text(max_length=10_000)] = None
    start_time: Annotated[Any, WallTime(description="with end_time: each class's new start")] = None
    end_time: Annotated[Any, WallTime(description="with start_time: each class's new end")] = None


async def create_series(request: Request, body: SeriesBody) -> JSONResponse:
    """Schedule the classes of a recurrence rule (and their Zoom meeting or meetings)."""
    request_id = deps.idempotency_key(request, body.request_id)
    first = body.request(request.path_params["batch_id"], "")
    answer = await call(
        deps.clients(request).scheduler.CreateSeries,
        scheduler_pb2.CreateSeriesRequest(
            request_id=request_id,
            session=first,
            recurrence=body.recurrence,
            exceptions=body.exceptions,
        ),
    )
    count = len(answer.series.sessions)
    return ok(
        to_dict(answer),
        status=201,
        headers={"Location": f"/api/v1/series/{answer.series.id}"},
        message=f"{count} session(s) scheduled",
    )


async def get_series(request: Request) -> JSONResponse:
    """A series and its sessions, in start order."""
    answer = await call(
        deps.clients(request).scheduler.GetSeries,
        scheduler_pb2.GetSeriesRequest(series_id=request.path_params["series_id"]),
    )
    return ok(to_dict(answer))


async def update_series(request: Request, body: SeriesChange) -> JSONResponse:
    """Change every class of the series still to come (each at Zoom alone)."""
    if (body.start_time is None) != (body.end_time is None):
        raise InvalidArgument(
            "give start_time and end_time together",
            violations=[FieldViolation("end_time", "is required with start_time")],
        )
    req = scheduler_pb2.UpdateSeriesRequest(series_id=request.path_params["series_id"])
    if body.title is not None:
        req.title = body.title
    if body.description is not None:
        req.description = body.description
    if body.start_time is not None:
        req.start_time.CopyFrom(body.start_time)
        req.end_time.CopyFrom(body.end_time)
    answer = await call(deps.clients(request).scheduler.UpdateSeries, req)
    return ok(to_dict(answer))


async def cancel_series(request: Request, query: CancelQuery, body: CancelBody) -> JSONResponse:
    """Cancel every class of the series still to come; those held stay."""
    notify = body.notify_participants
    answer = await call(
        deps.clients(request).scheduler.CancelSeries,
        scheduler_pb2.CancelSeriesRequest(
            series_id=request.path_params["series_id"],
            reason=body.reason or query.reason,
            notify_participants=query.notify_participants if notify is None else notify,
        ),
    )
    return ok(to_dict(answer))


routes = [
    route(
        "/api/v1/batches/{batch_id}/series",
        create_series,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=SeriesBody,
        answers=[
            Answer(
                status=201,
                data=scheduler_pb2.CreateSeriesResponse,
                extra=_MESSAGE,
                headers={"Location": {"schema": {"type": "string"}}},
            )
        ],
    ),
    route(
        "/api/v1/series/{series_id}",
        get_series,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[Answer(data=scheduler_pb2.Series)],
    ),
    route(
        "/api/v1/series/{series_id}",
        update_series,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
        body=SeriesChange,
        answers=[Answer(data=scheduler_pb2.CreateSeriesResponse)],
    ),
    route(
        "/api/v1/series/{series_id}/cancel",
        cancel_series,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        query=CancelQuery,
        body=CancelBody,
        body_optional=True,
        answers=[Answer(data=scheduler_pb2.CreateSeriesResponse)],
    ),
]
