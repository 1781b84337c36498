"""``/api/v1/courses/{course_id}/recording-policy`` and ``/api/v1/recording-policy``: what
recording-sync does with a course's Zoom recordings (copy them at all, delete them at Zoom N
days after a verified copy, end students' access at an instant), per course and as the
tenant's default.

A course's policy is read by the tenant's admins and the course's teachers and set by its admins;
the tenant default is its admins' alone. The course is first looked up at the scheduler with the
caller's own token, so an unknown course, or another tenant's, is 404 and a course a teacher does
not teach is 403 before recording-sync is asked (which checks again). Operators name the tenant of
the default with ``?tenant_id=``; a course names its own.

``PUT`` bodies name only what changes, in snake_case or camelCase: ``copy_recordings`` (true or
false), ``delete_from_zoom_after_days`` (0 = never, up to 3650), ``student_access_end_time`` (an
RFC 3339 instant); ``null`` resets a value, so the course inherits the tenant default again (the
tenant default, the built-in one). Anything else in the body is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import ADMIN
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import STAFF
from edge.clients import call
from edge.inputs import Flag, Input, Instant, Integer, Text
from edge.render import ok, to_dict
from edge.routing import Answer, route

MAX_DAYS = 3650
# The policy's fields, each with the two spellings a body may use.
SPELLINGS = {
    "copy_recordings": ("copy_recordings", "copyRecordings"),
    "delete_from_zoom_after_days": ("delete_from_zoom_after_days", "deleteFromZoomAfterDays"),
    "student_access_end_time": ("student_access_end_time", "studentAccessEndTime"),
}
KNOWN_KEYS = {key for pair in SPELLINGS.values() for key in pair}

_COPY = Flag(nullable=True, description="null: inherit again")
_DAYS = Integer(minimum=0, maximum=MAX_DAYS, nullable=True, description="0: never; null: inherit")
_END = Instant(nullable=True, description="null: inherit again")


class PolicyUpdate(Input):
    """Only what changes, each field in snake_case or camelCase; ``null`` resets a value."""

    model_config = ConfigDict(extra="forbid")
    invalid_message: ClassVar[str] = "the recording policy has invalid fields"

    copy_recordings: Annotated[bool | None, _COPY] = None
    copyRecordings: Annotated[bool | None, _COPY] = None
    delete_from_zoom_after_days: Annotated[int | None, _DAYS] = None
    deleteFromZoomAfterDays: Annotated[int | None, _DAYS] = None
    student_access_end_time: Annotated[Any, _END] = None
    studentAccessEndTime: Annotated[Any, _END] = None

    @classmethod
    def raw_problems(cls, raw: Mapping[str, Any]) -> Iterable[FieldViolation]:
        for key in sorted(set(raw) - KNOWN_KEYS):
            yield FieldViolation(key, f"is not a recording-policy field ({', '.join(SPELLINGS)})")
        for name, spellings in SPELLINGS.items():
            sent = [key for key in spellings if key in raw]
            if len(sent) > 1:
                yield FieldViolation(name, f"is given twice, as {' and '.join(sent)}")
        if not raw:
            yield FieldViolation("body", f"names none of the policy fields: {', '.join(SPELLINGS)}")

    def update(self) -> recording_sync_pb2.UpdateSyncPolicyRequest:
        """The update: each named field in the mask, its value unless null."""
        req = recording_sync_pb2.UpdateSyncPolicyRequest()
        for name, spellings in SPELLINGS.items():
            sent = self.present(*spellings)
            if not sent:
                continue
            req.update_mask.paths.append(name)
            value = getattr(self, sent[0])
            if value is None:
                continue  # null: inherited again
            if name == "student_access_end_time":
                req.student_access_end_time.CopyFrom(value)
            else:
                setattr(req, name, value)
        return req


class TenantQuery(Input):
    """The tenant an operator means; others are in their own."""

    tenant_id: Annotated[str, Text(max_length=64)] = ""
    tenantId: Annotated[str, Text(max_length=64)] = ""

    def tenant(self) -> str:
        return self.tenant_id or self.tenantId


def _render(policy: recording_sync_pb2.SyncPolicy) -> dict[str, Any]:
    """Every field, unset instants as null, so an answer always says what is in force."""
    return to_dict(policy)


async def _course_tenant(request: Request) -> tuple[str, str]:
    """The path's course and its tenant, after the scheduler showed the caller may see it."""
    course_id: str = request.path_params["course_id"]
    course = await call(
        deps.clients(request).scheduler.GetCourse,
        scheduler_pb2.GetCourseRequest(course_id=course_id),
    )
    return course_id, course.tenant_id


async def _get(request: Request, course_id: str, tenant_id: str) -> JSONResponse:
    answer = await call(
        deps.clients(request).recording_sync.GetSyncPolicy,
        recording_sync_pb2.GetSyncPolicyRequest(course_id=course_id, tenant_id=tenant_id),
    )
    return ok(_render(answer))


async def _update(
    request: Request, body: PolicyUpdate, course_id: str, tenant_id: str
) -> JSONResponse:
    req = body.update()
    req.course_id, req.tenant_id = course_id, tenant_id
    answer = await call(deps.clients(request).recording_sync.UpdateSyncPolicy, req)
    return ok(_render(answer), message="recording policy updated")


async def get_course_policy(request: Request) -> JSONResponse:
    """The recording policy in force for a course, and where each value comes from."""
    course_id, tenant_id = await _course_tenant(request)
    return await _get(request, course_id, tenant_id)


async def put_course_policy(request: Request, body: PolicyUpdate) -> JSONResponse:
    """Change a course's own recording policy."""
    course_id, tenant_id = await _course_tenant(request)  # after the body: a 400 asks no one
    return await _update(request, body, course_id, tenant_id)


async def get_tenant_policy(request: Request, query: TenantQuery) -> JSONResponse:
    """The tenant's default recording policy."""
    return await _get(request, "", query.tenant())


async def put_tenant_policy(
    request: Request, query: TenantQuery, body: PolicyUpdate
) -> JSONResponse:
    """Change the tenant's default recording policy."""
    return await _update(request, body, "", query.tenant())


_COURSE = "/api/v1/courses/{course_id}/recording-policy"
_TENANT = "/api/v1/recording-policy"
POLICY = Answer(data=recording_sync_pb2.SyncPolicy)
UPDATED = Answer(data=recording_sync_pb2.SyncPolicy, extra={"message": {"type": "string"}})
routes = [
    route(
        _COURSE,
        get_course_policy,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        answers=[POLICY],
    ),
    route(
        _COURSE,
        put_course_policy,
        methods=["PUT"],
        allow=[ADMIN],
        scope="tenant",
        body=PolicyUpdate,
        answers=[UPDATED],
    ),
    route(
        _TENANT,
        get_tenant_policy,
        methods=["GET"],
        allow=[ADMIN],
        scope="tenant",
        query=TenantQuery,
        answers=[POLICY],
    ),
    route(
        _TENANT,
        put_tenant_policy,
        methods=["PUT"],
        allow=[ADMIN],
        scope="tenant",
        query=TenantQuery,
        body=PolicyUpdate,
        answers=[UPDATED],
    ),
]

__all__ = ["PolicyUpdate", "routes"]
