"""``/api/v1/batches`` and their enrollments: CRUD (scheduler)."""

from __future__ import annotations

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from edge import deps
from edge.access import EVERYONE, STAFF, route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import enum_choices, ok, page, page_args, to_dict

BATCH_TYPES = enum_choices(common_pb2.BatchType.DESCRIPTOR, "BATCH_TYPE_")
UPDATABLE = (
    "name",
    "instructor_id",
    "timezone",
    "start_date",
    "end_date",
    "meeting_settings",
    "student_id",
)


def batch_fields(body: Fields, batch: scheduler_pb2.Batch, names: list[str]) -> None:
    for name in names:
        if name in ("name",):
            batch.name = body.string(name, required=True, max_length=300)
        elif name in ("course_id", "instructor_id", "student_id"):
            setattr(batch, name, body.string(name, required=name == "course_id", max_length=128))
        elif name == "type":
            batch.type = body.choice(name, BATCH_TYPES, required=True)  # type: ignore[assignment]
        elif name == "timezone":
            batch.timezone = body.timezone(name)
        elif name in ("start_date", "end_date"):
            day = body.date(name)
            if day is not None:
                getattr(batch, name).CopyFrom(day)
        elif name == "meeting_settings":
            settings = body.message(name, common_pb2.MeetingSettings)
            if settings is not None:
                batch.meeting_settings.CopyFrom(settings)


async def create_batch(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    batch = scheduler_pb2.Batch()
    batch_fields(body, batch, ["course_id", "name", "type", *body.present(*UPDATABLE[1:])])
    request_id = deps.idempotency_key(request, body.string("request_id", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).scheduler.CreateBatch,
        scheduler_pb2.CreateBatchRequest(request_id=request_id, batch=batch),
    )
    return ok(to_dict(answer), status=201)


async def list_batches(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    req = scheduler_pb2.ListBatchesRequest(
        page_size=size,
        page_token=token,
        course_id=query.string("course_id", max_length=128),
        instructor_id=query.string("instructor_id", max_length=128),
        student_id=query.string("student_id", max_length=128),
        type=query.choice("type", BATCH_TYPES),  # type: ignore[arg-type]
    )
    query.check()
    answer = await call(deps.clients(request).scheduler.ListBatches, req)
    return page([to_dict(b) for b in answer.batches], answer)


async def get_batch(request: Request) -> JSONResponse:
    answer = await call(
        deps.clients(request).scheduler.GetBatch,
        scheduler_pb2.GetBatchRequest(batch_id=request.path_params["batch_id"]),
    )
    return ok(to_dict(answer))


async def update_batch(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    batch = scheduler_pb2.Batch(id=request.path_params["batch_id"])
    paths = body.present(*UPDATABLE)
    if not paths:
        body.fail("body", f"names none of the updatable fields: {', '.join(UPDATABLE)}")
    batch_fields(body, batch, paths)
    body.check()
    answer = await call(
        deps.clients(request).scheduler.UpdateBatch,
        scheduler_pb2.UpdateBatchRequest(
            batch=batch, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(to_dict(answer))


async def delete_batch(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    force = bool(query.boolean("force", default=False))
    query.check()
    await call(
        deps.clients(request).scheduler.DeleteBatch,
        scheduler_pb2.DeleteBatchRequest(batch_id=request.path_params["batch_id"], force=force),
    )
    return ok(None)


async def list_enrollments(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    query.check()
    answer = await call(
        deps.clients(request).scheduler.ListEnrollments,
        scheduler_pb2.ListEnrollmentsRequest(
            batch_id=request.path_params["batch_id"], page_size=size, page_token=token
        ),
    )
    return page([to_dict(e) for e in answer.enrollments], answer)


async def create_enrollment(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    student_id = body.string("student_id", required=True, max_length=128)
    request_id = deps.idempotency_key(request, body.string("request_id", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).scheduler.CreateEnrollment,
        scheduler_pb2.CreateEnrollmentRequest(
            request_id=request_id, batch_id=request.path_params["batch_id"], student_id=student_id
        ),
    )
    return ok(to_dict(answer), status=201)


async def delete_enrollment(request: Request) -> JSONResponse:
    await call(
        deps.clients(request).scheduler.DeleteEnrollment,
        scheduler_pb2.DeleteEnrollmentRequest(
            batch_id=request.path_params["batch_id"], student_id=request.path_params["student_id"]
        ),
    )
    return ok(None)


routes = [
    route("/api/v1/batches", list_batches, methods=["GET"], allow=EVERYONE, scope="resource"),
    route("/api/v1/batches", create_batch, methods=["POST"], allow=STAFF, scope="resource"),
    route(
        "/api/v1/batches/{batch_id}", get_batch, methods=["GET"], allow=EVERYONE, scope="resource"
    ),
    route(
        "/api/v1/batches/{batch_id}", update_batch, methods=["PATCH"], allow=STAFF, scope="resource"
    ),
    route(
        "/api/v1/batches/{batch_id}",
        delete_batch,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/enrollments",
        list_enrollments,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/enrollments",
        create_enrollment,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/enrollments/{student_id}",
        delete_enrollment,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
