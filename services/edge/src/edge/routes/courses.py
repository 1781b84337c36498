"""``/api/v1/courses``: course CRUD (scheduler)."""

from __future__ import annotations

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from edge import deps
from edge.access import EVERYONE, STAFF, route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import ok, page, page_args, to_dict

UPDATABLE = (
    "title",
    "description",
    "instructor_ids",
    "default_timezone",
    "default_meeting_settings",
)


def course_fields(
    body: Fields, course: scheduler_pb2.Course, names: list[str], *, create: bool
) -> None:
    """Copy the named body fields onto ``course``, recording violations."""
    for name in names:
        if name == "title":
            course.title = body.string(name, required=True, max_length=300)
        elif name == "description":
            course.description = body.string(name, max_length=10_000)
        elif name == "instructor_ids":
            course.instructor_ids[:] = body.string_list(name)
        elif name == "default_timezone":
            course.default_timezone = body.timezone(name)
        elif name == "default_meeting_settings":
            settings = body.message(name, common_pb2.MeetingSettings)
            if settings is not None:
                course.default_meeting_settings.CopyFrom(settings)
        elif name == "tenant_id" and create:
            course.tenant_id = body.string(name, max_length=128)


async def create_course(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    course = scheduler_pb2.Course()
    course_fields(body, course, ["title", *body.present(*UPDATABLE[1:], "tenant_id")], create=True)
    request_id = deps.idempotency_key(request, body.string("request_id", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).scheduler.CreateCourse,
        scheduler_pb2.CreateCourseRequest(request_id=request_id, course=course),
    )
    return ok(to_dict(answer), status=201)


async def list_courses(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    req = scheduler_pb2.ListCoursesRequest(
        page_size=size,
        page_token=token,
        tenant_id=query.string("tenant_id", max_length=128),
        instructor_id=query.string("instructor_id", max_length=128),
    )
    query.check()
    answer = await call(deps.clients(request).scheduler.ListCourses, req)
    return page([to_dict(c) for c in answer.courses], answer)


async def get_course(request: Request) -> JSONResponse:
    answer = await call(
        deps.clients(request).scheduler.GetCourse,
        scheduler_pb2.GetCourseRequest(course_id=request.path_params["course_id"]),
    )
    return ok(to_dict(answer))


async def update_course(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    course = scheduler_pb2.Course(id=request.path_params["course_id"])
    paths = body.present(*UPDATABLE)
    if not paths:
        body.fail("body", f"names none of the updatable fields: {', '.join(UPDATABLE)}")
    course_fields(body, course, paths, create=False)
    body.check()
    answer = await call(
        deps.clients(request).scheduler.UpdateCourse,
        scheduler_pb2.UpdateCourseRequest(
            course=course, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(to_dict(answer))


async def delete_course(request: Request) -> Response:
    query = Fields(request.query_params, query=True)
    force = bool(query.boolean("force", default=False))
    query.check()
    await call(
        deps.clients(request).scheduler.DeleteCourse,
        scheduler_pb2.DeleteCourseRequest(course_id=request.path_params["course_id"], force=force),
    )
    return ok(None)


routes = [
    route("/api/v1/courses", list_courses, methods=["GET"], allow=EVERYONE, scope="resource"),
    route("/api/v1/courses", create_course, methods=["POST"], allow=STAFF, scope="resource"),
    route(
        "/api/v1/courses/{course_id}", get_course, methods=["GET"], allow=EVERYONE, scope="resource"
    ),
    route(
        "/api/v1/courses/{course_id}",
        update_course,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/courses/{course_id}",
        delete_course,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
