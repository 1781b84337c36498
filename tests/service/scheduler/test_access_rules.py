"""Who the interceptor lets into each SchedulerService method, from a table declared here.

Every method of the service must have a row: a method added to the .proto without one fails
below. "Admitted" means the call reached the handler (any status but UNAUTHENTICATED or the
interceptor's PERMISSION_DENIED, e.g. INVALID_ARGUMENT for an empty request).
"""

from __future__ import annotations

import grpc
import grpc.aio
import pytest

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.auth import DEV_SECRET, issue_token
from classbridge_common.authz import SERVICES

SERVICE = pb.DESCRIPTOR.services_by_name["SchedulerService"]
METHODS = [m.name for m in SERVICE.methods]

ANONYMOUS = "anonymous"
USERS = ["student", "teacher", "admin", "acme-admin", "operator"]
SERVICE_IDENTITIES = [f"service:{name}" for name in sorted(SERVICES)]
IDENTITIES = [ANONYMOUS, *USERS, *SERVICE_IDENTITIES]
assert {"scheduler", "zoom-gateway", "recording-sync", "webhook-ingest"} <= set(SERVICES)

STAFF = frozenset({"teacher", "admin", "acme-admin", "operator"})
EVERYONE = STAFF | {"student"}
RECORDING_SYNC = frozenset({"service:recording-sync"})
ADMINS = frozenset({"admin", "acme-admin", "operator"})

ADMITTED: dict[str, frozenset[str]] = {
    "CreateCourse": STAFF,
    "GetCourse": EVERYONE,
    "ListCourses": EVERYONE,
    "UpdateCourse": STAFF,
    "DeleteCourse": STAFF,
    "CreateBatch": STAFF,
    "GetBatch": EVERYONE,
    "ListBatches": EVERYONE,
    "UpdateBatch": STAFF,
    "DeleteBatch": STAFF,
    "CreateEnrollment": STAFF,
    "DeleteEnrollment": STAFF,
    "ListEnrollments": EVERYONE | RECORDING_SYNC,
    "CreateSession": STAFF,
    "GetSession": EVERYONE | RECORDING_SYNC,
    "ListSessions": EVERYONE,
    "UpdateSession": STAFF,
    "CancelSession": STAFF,
    "CreateZoomMeeting": STAFF,
    "GetStartUrl": STAFF,
    "GetJoinUrl": EVERYONE,
    "BulkCreateSessions": STAFF,
    "GetBulkJob": STAFF,
    "CreateSeries": STAFF,
    "GetSeries": EVERYONE,
    "UpdateSeries": STAFF,
    "GetNoticePreference": EVERYONE,
    "SetNoticePreference": EVERYONE,
    "PutPerson": ADMINS,
    "ListPeople": ADMINS,
    "DeletePerson": ADMINS,
    "CancelSeries": STAFF,
    "GetCalendarFeed": EVERYONE,
    "ListParticipants": STAFF,
    "UpdateParticipant": STAFF,
    "GetAttendanceReport": EVERYONE,
    "GetBatchAttendance": EVERYONE,
    "CreateInteraction": EVERYONE,
    "ListInteractions": EVERYONE,
    "CreateSharedResource": STAFF,
    "ListSharedResources": EVERYONE,
    "DeleteSharedResource": STAFF,
    "ListRecordedLessons": EVERYONE,
    "AddRecordedLesson": STAFF,
    "DeleteRecordedLesson": STAFF,
    "GetBatchSyncStatus": STAFF,
    "ListMemberships": RECORDING_SYNC,
}


def test_every_method_has_a_declared_row_and_no_row_is_stale() -> None:
    assert sorted(set(METHODS) - set(ADMITTED)) == [], "methods without a declared rule"
    assert sorted(set(ADMITTED) - set(METHODS)) == [], "declared methods the service lacks"
    assert all(not (m.client_streaming or m.server_streaming) for m in SERVICE.methods)


def metadata(harness, who: str) -> list[tuple[str, str]]:
    return [] if who == ANONYMOUS else harness.as_(who)


async def call(harness, method: str, meta: list[tuple[str, str]]) -> tuple[grpc.StatusCode, str]:
    """Call ``method`` with an empty request; its status code and details."""
    request_type = getattr(pb, SERVICE.methods_by_name[method].input_type.name)
    try:
        await getattr(harness.stub, method)(request_type(), metadata=meta, timeout=20)
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


def refused_by_interceptor(method: str, code: grpc.StatusCode, details: str) -> bool:
    return code is grpc.StatusCode.PERMISSION_DENIED and f"may not call {method}" in details


@pytest.mark.parametrize("who", IDENTITIES)
async def test_the_interceptor_admits_exactly_the_declared_callers(harness, who: str) -> None:
    wrong: list[str] = []
    for method in METHODS:
        code, details = await call(harness, method, metadata(harness, who))
        if who == ANONYMOUS:
            if code is not grpc.StatusCode.UNAUTHENTICATED:
                wrong.append(f"{method}: {code.name} (expected UNAUTHENTICATED)")
        elif who in ADMITTED[method]:
            if code is grpc.StatusCode.UNAUTHENTICATED or refused_by_interceptor(
                method, code, details
            ):
                wrong.append(f"{method}: {code.name} {details!r} (expected admitted)")
            elif code is grpc.StatusCode.INTERNAL:
                wrong.append(f"{method}: INTERNAL {details!r} on an empty request")
        elif not refused_by_interceptor(method, code, details):
            wrong.append(f"{method}: {code.name} {details!r} (expected PERMISSION_DENIED)")
    assert wrong == []


@pytest.mark.parametrize(
    "token",
    [
        # A user token (user key, user audience) that claims to be a service.
        issue_token(
            subject="recording-sync",
            roles=["service"],
            kind="service",
            audience="classbridge",
            secret=DEV_SECRET,
        ),
        # A user token with the service role.
        issue_token(subject="recording-sync", roles=["service"], secret=DEV_SECRET),
        # A service token (service audience) signed with the user key.
        issue_token(subject="recording-sync", roles=["service"], kind="service", secret=DEV_SECRET),
        "not-a-jwt",
    ],
    ids=["user-key-kind-service", "user-key-role-service", "service-token-user-key", "garbage"],
)
async def test_no_user_key_token_passes_as_a_service(harness, token: str) -> None:
    meta = [("authorization", f"Bearer {token}")]
    for method in ("ListMemberships", "GetSession", "ListEnrollments", "ListCourses"):
        code, _ = await call(harness, method, meta)
        assert code is grpc.StatusCode.UNAUTHENTICATED, method


async def test_a_person_cannot_pick_a_tenant_with_the_service_header(harness) -> None:
    course = await harness.stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="Default only")),
        metadata=harness.as_("admin"),
    )
    meta = [*harness.as_("acme-admin"), ("x-classbridge-tenant", "default")]
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await harness.stub.GetCourse(pb.GetCourseRequest(course_id=course.id), metadata=meta)
    assert denied.value.code() is grpc.StatusCode.NOT_FOUND
