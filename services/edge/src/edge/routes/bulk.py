"""Bulk scheduling: a term's timetable in one request (``/api/v1/bulk``).

``POST /api/v1/bulk/sessions`` takes up to 5,000 sessions, each as a batch's schedule body plus
its ``batch_id``; the scheduler checks every one before storing any (one bad item: 400 naming
it, ``items[3].title``, and nothing stored), stores them all with their Zoom meetings pending,
and answers 202 with the bulk job. Meetings are made in the background within each host's
daily Zoom budget; ``GET /api/v1/bulk/jobs/{job_id}`` shows the progress and when each
session's meeting is expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation, InvalidArgument
from edge import deps
from edge.access import STAFF
from edge.clients import call
from edge.inputs import Input, Paging, Rule, Text, fail, read
from edge.render import Schema, ok, to_dict
from edge.routes.schedule import ScheduleBody
from edge.routing import Answer, route

#: The most sessions one request may carry (the scheduler's limit too).
MAX_ITEMS = 5000
_MESSAGE = {"message": {"type": "string"}}


class BulkItem(ScheduleBody):
    """One session of a bulk request: a batch's schedule body, naming its batch (its own
    ``request_id`` is ignored: the request's counts)."""

    batch_id: Annotated[str, Text(max_length=128, required=True)]


@dataclass(frozen=True, kw_only=True, eq=False)
class Items(Rule):
    """A list of 1 to ``MAX_ITEMS`` objects; each is read as a :class:`BulkItem` by the body."""

    repeated: ClassVar[bool] = True

    def check(self, value: Any, *, query: bool) -> list[Mapping[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            fail("must be a list of session objects")
        if not value:
            fail("must hold at least one session")
        if len(value) > MAX_ITEMS:
            fail(f"at most {MAX_ITEMS} sessions in one request, not {len(value)}")
        return value

    def schema(self) -> Schema:
        properties: dict[str, Schema] = {}
        for name, rule in BulkItem.rules().items():
            value = rule.schema()
            if rule.description:
                value["description"] = rule.description
            properties[name] = {"anyOf": [value, {"type": "null"}]} if rule.nullable else value
        required = [
            info.alias or name for name, info in BulkItem.model_fields.items() if info.is_required()
        ]
        item: Schema = {"type": "object", "properties": properties, "required": required}
        return {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": item}


class BulkBody(Input):
    """The sessions, and the request's idempotency key (or the ``Idempotency-Key`` header)."""

    items: Annotated[
        list[Mapping[str, Any]],
        Items(required=True, description="the sessions: each a schedule body with its batch_id"),
    ]
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        found: list[FieldViolation] = []
        for index, raw in enumerate(self.items):
            try:
                read(BulkItem, raw, request)
            except InvalidArgument as error:
                found += [
                    FieldViolation(f"items[{index}].{v.field}", v.description)
                    for v in error.violations
                ]
        return found[:100]

    def request(self, request: Request, request_id: str) -> scheduler_pb2.BulkCreateSessionsRequest:
        req = scheduler_pb2.BulkCreateSessionsRequest(request_id=request_id)
        for raw in self.items:
            item = read(BulkItem, raw, request)
            req.items.append(item.request(item.batch_id, ""))
        return req


async def bulk_schedule(request: Request, body: BulkBody) -> JSONResponse:
    """Schedule many sessions at once; their meetings follow as the hosts' Zoom budget allows."""
    request_id = deps.idempotency_key(request, body.request_id)
    if not request_id:
        raise InvalidArgument(
            "a bulk request needs an idempotency key: request_id or the Idempotency-Key header",
            violations=[FieldViolation("request_id", "is required")],
        )
    answer = await call(
        deps.clients(request).scheduler.BulkCreateSessions, body.request(request, request_id)
    )
    return ok(
        to_dict(answer),
        status=202,
        headers={"Location": f"/api/v1/bulk/jobs/{answer.id}"},
        message=f"{answer.total_count} session(s) scheduled; "
        f"{answer.waiting_count} Zoom meeting(s) queued",
    )


async def get_bulk_job(request: Request, query: Paging) -> JSONResponse:
    """A bulk job's progress: counts of the whole job, and a page of its sessions, each with
    its meeting's host and expected time (``next_page_token`` leads to the next page)."""
    answer = await call(
        deps.clients(request).scheduler.GetBulkJob,
        scheduler_pb2.GetBulkJobRequest(
            bulk_job_id=request.path_params["job_id"],
            page_size=query.page_size,
            page_token=query.page_token,
        ),
    )
    return ok(to_dict(answer))


routes = [
    route(
        "/api/v1/bulk/sessions",
        bulk_schedule,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=BulkBody,
        answers=[
            Answer(
                status=202,
                data=scheduler_pb2.BulkJob,
                extra=_MESSAGE,
                headers={"Location": {"schema": {"type": "string"}}},
            )
        ],
    ),
    route(
        "/api/v1/bulk/jobs/{job_id}",
        get_bulk_job,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=Paging,
        answers=[Answer(data=scheduler_pb2.BulkJob)],
    ),
]
