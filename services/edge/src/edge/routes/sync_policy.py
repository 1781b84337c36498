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

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import ADMIN
from edge import deps
from edge.access import STAFF, route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import ok, to_dict

MAX_DAYS = 3650
# The policy's fields, each with the two spellings a body may use.
SPELLINGS = {
    "copy_recordings": ("copy_recordings", "copyRecordings"),
    "delete_from_zoom_after_days": ("delete_from_zoom_after_days", "deleteFromZoomAfterDays"),
    "student_access_end_time": ("student_access_end_time", "studentAccessEndTime"),
}
KNOWN_KEYS = {key for pair in SPELLINGS.values() for key in pair}


def _render(policy: recording_sync_pb2.SyncPolicy) -> dict[str, Any]:
    """Every field, unset instants as null, so an answer always says what is in force."""
    return to_dict(policy)


def _tenant_query(request: Request) -> str:
    """``?tenant_id=`` (or ``tenantId``): the tenant an operator means; others are in their own."""
    query = Fields(request.query_params, query=True)
    tenant_id = query.string("tenant_id", max_length=64) or query.string("tenantId", max_length=64)
    query.check()
    return tenant_id


async def _course_tenant(request: Request) -> tuple[str, str]:
    """The path's course and its tenant, after the scheduler showed the caller may see it."""
    course_id: str = request.path_params["course_id"]
    course = await call(
        deps.clients(request).scheduler.GetCourse,
        scheduler_pb2.GetCourseRequest(course_id=course_id),
    )
    return course_id, course.tenant_id


def update_request(body: dict[str, Any]) -> recording_sync_pb2.UpdateSyncPolicyRequest:
    """A ``PUT`` body as the update: each named field in the mask, its value unless null."""
    fields = Fields(body)
    req = recording_sync_pb2.UpdateSyncPolicyRequest()
    for key in sorted(set(body) - KNOWN_KEYS):
        fields.fail(key, f"is not a recording-policy field ({', '.join(SPELLINGS)})")
    for name, spellings in SPELLINGS.items():
        sent = [key for key in spellings if key in body]
        if not sent:
            continue
        if len(sent) > 1:
            fields.fail(name, f"is given twice, as {' and '.join(sent)}")
            continue
        key = sent[0]
        req.update_mask.paths.append(name)
        if body[key] is None:
            continue  # null: inherited again
        if name == "copy_recordings":
            value = fields.boolean(key)
            if value is not None:
                req.copy_recordings = value
        elif name == "delete_from_zoom_after_days":
            req.delete_from_zoom_after_days = fields.integer(key, minimum=0, maximum=MAX_DAYS)
        else:
            stamp = fields.timestamp(key)
            if stamp is not None:
                req.student_access_end_time.CopyFrom(stamp)
    if not req.update_mask.paths and not fields.violations:
        fields.fail("body", f"names none of the policy fields: {', '.join(SPELLINGS)}")
    fields.check("the recording policy has invalid fields")
    return req


async def _get(request: Request, course_id: str, tenant_id: str) -> JSONResponse:
    answer = await call(
        deps.clients(request).recording_sync.GetSyncPolicy,
        recording_sync_pb2.GetSyncPolicyRequest(course_id=course_id, tenant_id=tenant_id),
    )
    return ok(_render(answer))


async def _update(
    request: Request,
    req: recording_sync_pb2.UpdateSyncPolicyRequest,
    course_id: str,
    tenant_id: str,
) -> JSONResponse:
    req.course_id, req.tenant_id = course_id, tenant_id
    answer = await call(deps.clients(request).recording_sync.UpdateSyncPolicy, req)
    return ok(_render(answer), message="recording policy updated")


async def get_course_policy(request: Request) -> JSONResponse:
    course_id, tenant_id = await _course_tenant(request)
    return await _get(request, course_id, tenant_id)


async def put_course_policy(request: Request) -> JSONResponse:
    req = update_request(await read_json(request))  # a bad body is a 400 before anyone is asked
    course_id, tenant_id = await _course_tenant(request)
    return await _update(request, req, course_id, tenant_id)


async def get_tenant_policy(request: Request) -> JSONResponse:
    return await _get(request, "", _tenant_query(request))


async def put_tenant_policy(request: Request) -> JSONResponse:
    tenant_id = _tenant_query(request)
    return await _update(request, update_request(await read_json(request)), "", tenant_id)


_COURSE = "/api/v1/courses/{course_id}/recording-policy"
_TENANT = "/api/v1/recording-policy"
routes = [
    route(_COURSE, get_course_policy, methods=["GET"], allow=STAFF, scope="resource"),
    route(_COURSE, put_course_policy, methods=["PUT"], allow=[ADMIN], scope="tenant"),
    route(_TENANT, get_tenant_policy, methods=["GET"], allow=[ADMIN], scope="tenant"),
    route(_TENANT, put_tenant_policy, methods=["PUT"], allow=[ADMIN], scope="tenant"),
]

__all__ = ["routes", "update_request"]
