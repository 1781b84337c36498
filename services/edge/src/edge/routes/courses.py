"""``/api/v1/courses``: course CRUD (scheduler)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import Flag, Input, Paging, ProtoMessage, StringList, Text, Timezone
from edge.render import ok, page, to_dict
from edge.routing import Answer, paged, route

UPDATABLE = (
    "title",
    "description",
    "instructor_ids",
    "default_timezone",
    "default_meeting_settings",
)


class CourseFields(Input):
    """A course's fields as a body names them."""

    title: Annotated[str, Text(max_length=300, required=True)] = ""
    description: Annotated[str, Text(max_length=10_000)] = ""
    instructor_ids: Annotated[list[str], StringList()] = []
    default_timezone: Annotated[str, Timezone()] = ""
    default_meeting_settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None

    def apply(self, course: scheduler_pb2.Course, names: Iterable[str]) -> None:
        """Copy the named fields onto ``course``."""
        self.copy_onto(course, names)


class CreateCourse(CourseFields):
    title: Annotated[str, Text(max_length=300, required=True)]
    tenant_id: Annotated[str, Text(max_length=128, description="operators only")] = ""
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""


class UpdateCourse(CourseFields):
    """Only the fields named change."""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if not self.present(*UPDATABLE):
            names = ", ".join(UPDATABLE)
            yield FieldViolation("body", f"names none of the updatable fields: {names}")


class ListCourses(Paging):
    tenant_id: Annotated[str, Text(max_length=128)] = ""
    instructor_id: Annotated[str, Text(max_length=128)] = ""


class Force(Input):
    force: Annotated[bool, Flag(description="also delete what depends on it")] = False


async def create_course(request: Request, body: CreateCourse) -> JSONResponse:
    """Create a course."""
    course = scheduler_pb2.Course()
    body.apply(course, ["title", *body.present(*UPDATABLE[1:], "tenant_id")])
    answer = await call(
        deps.clients(request).scheduler.CreateCourse,
        scheduler_pb2.CreateCourseRequest(
            request_id=deps.idempotency_key(request, body.request_id), course=course
        ),
    )
    return ok(to_dict(answer), status=201)


async def list_courses(request: Request, query: ListCourses) -> JSONResponse:
    """The courses the caller may see."""
    req = scheduler_pb2.ListCoursesRequest(
        page_size=query.page_size,
        page_token=query.page_token,
        tenant_id=query.tenant_id,
        instructor_id=query.instructor_id,
    )
    answer = await call(deps.clients(request).scheduler.ListCourses, req)
    return page([to_dict(c) for c in answer.courses], answer)


async def get_course(request: Request) -> JSONResponse:
    """One course."""
    answer = await call(
        deps.clients(request).scheduler.GetCourse,
        scheduler_pb2.GetCourseRequest(course_id=request.path_params["course_id"]),
    )
    return ok(to_dict(answer))


async def update_course(request: Request, body: UpdateCourse) -> JSONResponse:
    """Change the fields the body names."""
    course = scheduler_pb2.Course(id=request.path_params["course_id"])
    paths = body.present(*UPDATABLE)
    body.apply(course, paths)
    answer = await call(
        deps.clients(request).scheduler.UpdateCourse,
        scheduler_pb2.UpdateCourseRequest(
            course=course, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(to_dict(answer))


async def delete_course(request: Request, query: Force) -> Response:
    """Delete a course (``force``: with its batches)."""
    await call(
        deps.clients(request).scheduler.DeleteCourse,
        scheduler_pb2.DeleteCourseRequest(
            course_id=request.path_params["course_id"], force=query.force
        ),
    )
    return ok(None)


_ONE = "/api/v1/courses/{course_id}"
COURSE = Answer(data=scheduler_pb2.Course)
routes = [
    route(
        "/api/v1/courses",
        list_courses,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListCourses,
        answers=[paged(scheduler_pb2.Course, scheduler_pb2.ListCoursesResponse)],
    ),
    route(
        "/api/v1/courses",
        create_course,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=CreateCourse,
        answers=[Answer(status=201, data=scheduler_pb2.Course)],
    ),
    route(_ONE, get_course, methods=["GET"], allow=EVERYONE, scope="resource", answers=[COURSE]),
    route(
        _ONE,
        update_course,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
        body=UpdateCourse,
        answers=[COURSE],
    ),
    route(_ONE, delete_course, methods=["DELETE"], allow=STAFF, scope="resource", query=Force),
]
