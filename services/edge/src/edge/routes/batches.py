"""``/api/v1/batches`` and their enrollments: CRUD (scheduler)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import (
    CalendarDate,
    Choice,
    Flag,
    Input,
    Number,
    Paging,
    ProtoMessage,
    Rule,
    Text,
    Timezone,
    fail,
)
from edge.render import Schema, enum_choices, ok, page, to_dict
from edge.routing import Answer, paged, route

BATCH_TYPES = enum_choices(common_pb2.BatchType.DESCRIPTOR, "BATCH_TYPE_")
UPDATABLE = (
    "name",
    "instructor_id",
    "timezone",
    "start_date",
    "end_date",
    "meeting_settings",
    "student_id",
    "present_threshold_percentage",
    "breakout_groups",
)
#: Zoom's limits on pre-assigned breakout rooms (the scheduler's ``domain/breakout.py``).
MAX_GROUPS = 50
MAX_GROUP_SIZE = 200
MAX_ASSIGNED = 1000
MAX_GROUP_NAME = 100


def _unicode(value: str) -> str:
    """Text a protobuf string can carry (JSON may hold lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail("must be valid Unicode text")
    return value


@dataclass(frozen=True, kw_only=True, eq=False)
class BreakoutGroups(Rule):
    """A list of ``{"name", "student_ids"}``: breakout rooms with their students. Checked
    here as far as the body alone tells (shape, sizes, a name or a student twice); that each
    student is enrolled in the batch is the scheduler's to say."""

    repeated: ClassVar[bool] = True

    def check(self, value: Any, *, query: bool) -> list[scheduler_pb2.BreakoutGroup]:
        if not isinstance(value, list):
            fail("must be a list of {name, student_ids} objects")
        if len(value) > MAX_GROUPS:
            fail(f"at most {MAX_GROUPS} breakout groups (Zoom's limit), not {len(value)}")
        groups: list[scheduler_pb2.BreakoutGroup] = []
        names: dict[str, int] = {}
        placed: dict[str, int] = {}
        for index, item in enumerate(value):
            where = f"group {index}"
            if not isinstance(item, dict):
                fail(f"{where}: must be an object with name and student_ids")
            unknown = sorted(set(item) - {"name", "student_ids"})
            if unknown:
                fail(f"{where}: unknown field {unknown[0]!r} (name, student_ids)")
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                fail(f"{where}: name is required")
            name = name.strip()
            if len(name) > MAX_GROUP_NAME:
                fail(f"{where}: name must be at most {MAX_GROUP_NAME} characters")
            if name.casefold() in names:
                fail(f"{where}: name {name!r} is also group {names[name.casefold()]}'s")
            names[name.casefold()] = index
            students = item.get("student_ids", [])
            if students is None:
                students = []
            if not isinstance(students, list) or not all(isinstance(s, str) for s in students):
                fail(f"{where} ({name}): student_ids must be a list of strings")
            if len(students) > MAX_GROUP_SIZE:
                fail(
                    f"{where} ({name}): at most {MAX_GROUP_SIZE} students in a breakout group "
                    f"(Zoom's limit), not {len(students)}"
                )
            for student in students:
                student = student.strip()
                if not student or len(student) > 128:
                    fail(f"{where} ({name}): a student id must be 1 to 128 characters")
                if student in placed:
                    other = placed[student]
                    fail(
                        f"{where} ({name}): student {student!r} is named twice"
                        if other == index
                        else f"{where} ({name}): student {student!r} is also in group {other}"
                    )
                placed[student] = index
            groups.append(
                scheduler_pb2.BreakoutGroup(
                    name=_unicode(name), student_ids=[_unicode(s.strip()) for s in students]
                )
            )
        if len(placed) > MAX_ASSIGNED:
            fail(f"at most {MAX_ASSIGNED} students in all breakout groups (Zoom's limit)")
        return groups

    def schema(self) -> Schema:
        return {
            "type": "array",
            "maxItems": MAX_GROUPS,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": MAX_GROUP_NAME},
                    "student_ids": {
                        "type": "array",
                        "maxItems": MAX_GROUP_SIZE,
                        "items": {"type": "string", "minLength": 1, "maxLength": 128},
                    },
                },
                "required": ["name"],
                "additionalProperties": False,
            },
        }


class BatchFields(Input):
    """A batch's fields as a body names them."""

    name: Annotated[str, Text(max_length=300, required=True)] = ""
    instructor_id: Annotated[str, Text(max_length=128)] = ""
    timezone: Annotated[str, Timezone()] = ""
    start_date: Annotated[Any, CalendarDate()] = None
    end_date: Annotated[Any, CalendarDate()] = None
    meeting_settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None
    student_id: Annotated[
        str, Text(max_length=128, description="the one student of a one-to-one batch")
    ] = ""
    present_threshold_percentage: Annotated[
        float,
        Number(
            minimum=0.0,
            maximum=100.0,
            description="percent of a class a student attends to count present; 0: the default",
        ),
    ] = 0.0
    breakout_groups: Annotated[
        list[scheduler_pb2.BreakoutGroup],
        BreakoutGroups(
            description="group batches: breakout rooms with the students pre-assigned to each "
            "(enrolled students, each in one room; at most 50 rooms, 200 students in a room "
            "and 1000 in all); a PATCH replaces the list, [] clears it"
        ),
    ] = []

    def apply(self, batch: scheduler_pb2.Batch, names: Iterable[str]) -> None:
        """Copy the named fields onto ``batch`` (a ``null`` date or setting clears it)."""
        names = list(names)
        self.copy_onto(batch, [n for n in names if n != "breakout_groups"])
        if "breakout_groups" in names:
            batch.breakout_groups.extend(self.breakout_groups)


class CreateBatch(BatchFields):
    course_id: Annotated[str, Text(max_length=128, required=True)]
    name: Annotated[str, Text(max_length=300, required=True)]
    type: Annotated[int, Choice(choices=BATCH_TYPES, required=True)]
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""


class UpdateBatch(BatchFields):
    """Only the fields named change."""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if not self.present(*UPDATABLE):
            names = ", ".join(UPDATABLE)
            yield FieldViolation("body", f"names none of the updatable fields: {names}")


class ListBatches(Paging):
    course_id: Annotated[str, Text(max_length=128)] = ""
    instructor_id: Annotated[str, Text(max_length=128)] = ""
    student_id: Annotated[str, Text(max_length=128)] = ""
    type: Annotated[int, Choice(choices=BATCH_TYPES)] = 0


class Force(Input):
    force: Annotated[bool, Flag(description="also delete what depends on it")] = False


class NewEnrollment(Input):
    """With ``email`` (and the name) the student is registered for the batch's upcoming
    meetings and joins with their own link, by which Zoom names them for attendance."""

    student_id: Annotated[str, Text(max_length=128, required=True)]
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""
    email: Annotated[
        str, Text(max_length=320, description="what the student is registered with")
    ] = ""
    first_name: Annotated[str, Text(max_length=200)] = ""
    last_name: Annotated[str, Text(max_length=200)] = ""


async def create_batch(request: Request, body: CreateBatch) -> JSONResponse:
    """Create a batch of a course."""
    batch = scheduler_pb2.Batch(course_id=body.course_id, type=body.type)  # type: ignore[arg-type]
    body.apply(batch, ["name", *body.present(*UPDATABLE[1:])])
    request_id = deps.idempotency_key(request, body.request_id)
    answer = await call(
        deps.clients(request).scheduler.CreateBatch,
        scheduler_pb2.CreateBatchRequest(request_id=request_id, batch=batch),
    )
    return ok(to_dict(answer), status=201)


async def list_batches(request: Request, query: ListBatches) -> JSONResponse:
    """The batches the caller may see."""
    req = scheduler_pb2.ListBatchesRequest(
        page_size=query.page_size,
        page_token=query.page_token,
        course_id=query.course_id,
        instructor_id=query.instructor_id,
        student_id=query.student_id,
        type=query.type,  # type: ignore[arg-type]
    )
    answer = await call(deps.clients(request).scheduler.ListBatches, req)
    return page([to_dict(b) for b in answer.batches], answer)


async def get_batch(request: Request) -> JSONResponse:
    """One batch."""
    answer = await call(
        deps.clients(request).scheduler.GetBatch,
        scheduler_pb2.GetBatchRequest(batch_id=request.path_params["batch_id"]),
    )
    return ok(to_dict(answer))


async def update_batch(request: Request, body: UpdateBatch) -> JSONResponse:
    """Change the fields the body names."""
    batch = scheduler_pb2.Batch(id=request.path_params["batch_id"])
    paths = body.present(*UPDATABLE)
    body.apply(batch, paths)
    answer = await call(
        deps.clients(request).scheduler.UpdateBatch,
        scheduler_pb2.UpdateBatchRequest(
            batch=batch, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(to_dict(answer))


async def delete_batch(request: Request, query: Force) -> JSONResponse:
    """Delete a batch (``force``: with its sessions)."""
    await call(
        deps.clients(request).scheduler.DeleteBatch,
        scheduler_pb2.DeleteBatchRequest(
            batch_id=request.path_params["batch_id"], force=query.force
        ),
    )
    return ok(None)


async def list_enrollments(request: Request, query: Paging) -> JSONResponse:
    """The batch's students."""
    answer = await call(
        deps.clients(request).scheduler.ListEnrollments,
        scheduler_pb2.ListEnrollmentsRequest(
            batch_id=request.path_params["batch_id"],
            page_size=query.page_size,
            page_token=query.page_token,
        ),
    )
    return page([to_dict(e) for e in answer.enrollments], answer)


async def create_enrollment(request: Request, body: NewEnrollment) -> JSONResponse:
    """Enroll a student in the batch."""
    answer = await call(
        deps.clients(request).scheduler.CreateEnrollment,
        scheduler_pb2.CreateEnrollmentRequest(
            request_id=deps.idempotency_key(request, body.request_id),
            batch_id=request.path_params["batch_id"],
            student_id=body.student_id,
            email=body.email,
            first_name=body.first_name,
            last_name=body.last_name,
        ),
    )
    return ok(to_dict(answer), status=201)


async def delete_enrollment(request: Request) -> JSONResponse:
    """Take a student out of the batch."""
    await call(
        deps.clients(request).scheduler.DeleteEnrollment,
        scheduler_pb2.DeleteEnrollmentRequest(
            batch_id=request.path_params["batch_id"], student_id=request.path_params["student_id"]
        ),
    )
    return ok(None)


_ALL = "/api/v1/batches"
_ONE = "/api/v1/batches/{batch_id}"
_ENROLLMENTS = "/api/v1/batches/{batch_id}/enrollments"
BATCH = Answer(data=scheduler_pb2.Batch)
routes = [
    route(
        _ALL,
        list_batches,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListBatches,
        answers=[paged(scheduler_pb2.Batch, scheduler_pb2.ListBatchesResponse)],
    ),
    route(
        _ALL,
        create_batch,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=CreateBatch,
        answers=[Answer(status=201, data=scheduler_pb2.Batch)],
    ),
    route(_ONE, get_batch, methods=["GET"], allow=EVERYONE, scope="resource", answers=[BATCH]),
    route(
        _ONE,
        update_batch,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
        body=UpdateBatch,
        answers=[BATCH],
    ),
    route(_ONE, delete_batch, methods=["DELETE"], allow=STAFF, scope="resource", query=Force),
    route(
        _ENROLLMENTS,
        list_enrollments,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=Paging,
        answers=[paged(scheduler_pb2.Enrollment, scheduler_pb2.ListEnrollmentsResponse)],
    ),
    route(
        _ENROLLMENTS,
        create_enrollment,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=NewEnrollment,
        answers=[Answer(status=201, data=scheduler_pb2.Enrollment)],
    ),
    route(
        _ENROLLMENTS + "/{student_id}",
        delete_enrollment,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
