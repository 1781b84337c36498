"""Who may call which ZoomGatewayService method, over a real gRPC socket.

The expectations are declared here, method by method, independently of ``access_rules.py``:
a method added to the proto without a row below fails the completeness test, and a rule that
admits more (or less) than declared fails the matrix.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.auth import issue_token
from tests.unit.zoom_gateway.helpers import (
    SERVICE_SECRET,
    USER_SECRET,
    Gateway,
    bearer,
    gateway_settings,
    rpc_error,
    service_token,
    user_token,
    zoom_gateway,
)

SERVICE = pb.DESCRIPTOR.services_by_name["ZoomGatewayService"]
REFUSED = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}

PEOPLE = ("student", "teacher", "admin", "admin_b", "operator")
SERVICES = ("scheduler", "recording-sync", "webhook-ingest", "zoom-gateway")
IDENTITIES = ("anonymous", *PEOPLE, *SERVICES)

# identity -> (subject, roles, tenant) for people; services are their own subject
PERSONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "student": ("student-1", ("student",), "alpha"),
    "teacher": ("teacher-1", ("teacher",), "alpha"),
    "admin": ("admin-1", ("admin",), "alpha"),
    "admin_b": ("admin-2", ("admin",), "beta"),
    "operator": ("operator-1", ("operator",), "default"),
}

EVERYONE = set(PEOPLE)
ADMINS = {"admin", "admin_b", "operator"}
EXPECTED: dict[str, set[str]] = {
    "GetStatus": ADMINS | {"teacher", "scheduler", "recording-sync"},
    "GetAuthorizationUrl": EVERYONE,
    "CompleteAuthorization": EVERYONE,
    "GetConnection": EVERYONE,
    "Disconnect": EVERYONE,
    "CreateMeeting": ADMINS | {"scheduler"},  # a tenant's admins: their own account's
    "GetMeeting": ADMINS | {"scheduler"},  # a tenant's admins: their own account's
    "UpdateMeeting": ADMINS | {"scheduler"},  # a tenant's admins: their own account's
    "DeleteMeeting": ADMINS | {"scheduler"},  # a tenant's admins: their own account's
    "ListMeetings": ADMINS | {"scheduler"},  # a tenant's admins: their own account's
    "GetPastMeeting": {"scheduler"},
    "ListMeetingRecordings": {"recording-sync"},
    "ListUserRecordings": EVERYONE | {"recording-sync"},
    "DeleteMeetingRecordings": {"recording-sync"},
    "DeleteRecordingFile": {"recording-sync"},
    "GetDownloadAccess": {"recording-sync"},
    "ListPastMeetingParticipants": {"scheduler"},
    "GetUser": {"scheduler"},
    # join links identify students: registrants are the scheduler's alone
    "AddMeetingRegistrants": {"scheduler"},
    "RemoveMeetingRegistrants": {"scheduler"},
    "ListMeetingRegistrants": {"scheduler"},
    "CreateTenant": {"operator"},
    "ListTenants": {"operator"},
    "GetTenant": ADMINS,
    "UpdateTenantZoomApps": ADMINS,
    "ListWebhookKeys": {"webhook-ingest"},
}
"""Who gets past the access rules, per method (everyone else: UNAUTHENTICATED or
PERMISSION_DENIED)."""
TENANT_MEETINGS = {"CreateMeeting", "GetMeeting", "UpdateMeeting", "DeleteMeeting", "ListMeetings"}
"""Seed 004's meeting CRUD: people use their tenant's server-to-server app, never a connection."""


def token_of(identity: str) -> str | None:
    if identity == "anonymous":
        return None
    if identity in PERSONS:
        subject, roles, tenant = PERSONS[identity]
        return user_token(subject, *roles, tenant=tenant)
    return service_token(identity)


def subject_of(identity: str) -> str:
    return PERSONS[identity][0] if identity in PERSONS else "someone"


def own_request(method: Any, identity: str) -> Any:
    """A request a caller admitted by the rules may make about themselves: the handler's own
    checks then never refuse it, so a refusal can only come from the rules."""
    request = pb.__dict__[method.input_type.name]()
    me = subject_of(identity)
    if "user_id" in method.input_type.fields_by_name:
        request.user_id = me
    if "account" in method.input_type.fields_by_name and identity in PERSONS:
        if method.name in TENANT_MEETINGS:
            request.account.tenant_id = PERSONS[identity][2]  # their tenant's own Zoom account
        else:
            request.account.oauth_user_id = me
    return request


def caller(channel: grpc.aio.Channel, method: Any) -> Callable[..., Any]:
    output = pb.__dict__.get(method.output_type.name, None)
    if output is None:
        from google.protobuf import empty_pb2

        output = empty_pb2.Empty
    return channel.unary_unary(
        f"/{SERVICE.full_name}/{method.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=output.FromString,
    )


async def status_of(call: Callable[..., Any], request: Any, token: str | None) -> grpc.StatusCode:
    metadata = bearer(token) if token else None
    try:
        await call(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with zoom_gateway(gateway_settings(None, tmp_path), authenticate=True) as gateway:
        yield gateway


def test_every_method_has_a_declared_expectation() -> None:
    assert set(EXPECTED) == {m.name for m in SERVICE.methods}


async def test_matrix_every_method_every_identity(gw: Gateway) -> None:
    wrong = []
    for method in SERVICE.methods:
        call = caller(gw.channel, method)
        for identity in IDENTITIES:
            code = await status_of(call, own_request(method, identity), token_of(identity))
            admitted = code not in REFUSED
            if admitted != (identity in EXPECTED[method.name]):
                wrong.append(f"{method.name} as {identity}: {code.name}")
            if identity == "anonymous":
                assert code == grpc.StatusCode.UNAUTHENTICATED
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("method", "request_message"),
    [
        ("DeleteMeeting", pb.DeleteMeetingRequest(meeting_id=123)),
        ("ListMeetings", pb.ListMeetingsRequest()),
        ("GetMeeting", pb.GetMeetingRequest(meeting_id=123, include_start_url=True)),
        (
            "ListUserRecordings",
            pb.ListUserRecordingsRequest(account=pb.Account(oauth_user_id="teacher-1")),
        ),
        ("ListUserRecordings", pb.ListUserRecordingsRequest()),  # the tenant's S2S app
        ("GetUser", pb.GetUserRequest()),
        ("Disconnect", pb.DisconnectRequest(user_id="teacher-1")),
        ("GetConnection", pb.GetConnectionRequest(user_id="teacher-1")),
        ("GetAuthorizationUrl", pb.GetAuthorizationUrlRequest(user_id="teacher-1")),
        (
            "GetAuthorizationUrl",
            pb.GetAuthorizationUrlRequest(user_id="student-1", tenant_id="beta"),
        ),
    ],
)
async def test_a_student_is_refused(gw: Gateway, method: str, request_message: Any) -> None:
    token = user_token("student-1", "student", tenant="alpha")
    code, _ = await rpc_error(
        getattr(gw.stub, method)(request_message, metadata=bearer(token), timeout=10)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED


async def test_an_account_of_another_tenant_is_refused_to_people_but_not_operators(
    gw: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    request = pb.GetStatusRequest(account=pb.Account(tenant_id="beta"))
    admin = user_token("admin-1", "admin", tenant="alpha")
    code, _ = await rpc_error(gw.stub.GetStatus(request, metadata=bearer(admin), timeout=10))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    mine = await gw.stub.GetStatus(pb.GetStatusRequest(), metadata=bearer(admin), timeout=10)
    assert mine.tenant_id != "default"  # an empty account is the admin's tenant, not default
    operator = user_token("operator-1", "operator")
    with caplog.at_level(logging.INFO, logger="classbridge.audit"):
        await gw.stub.GetStatus(request, metadata=bearer(operator), timeout=10)
    assert any(
        r.name == "classbridge.audit" and getattr(r, "tenant", None) == "beta"
        for r in caplog.records
    )


@pytest.mark.parametrize(
    "token",
    [
        # a person's key cannot mint a service: kind service, the internal audience
        issue_token(subject="scheduler", secret=USER_SECRET, roles=["service"], kind="service"),
        # ... nor the service role in a user token
        issue_token(subject="scheduler", secret=USER_SECRET, roles=["service"]),
        # ... nor kind service with the user audience
        issue_token(
            subject="scheduler",
            secret=USER_SECRET,
            roles=["service"],
            kind="service",
            audience="classbridge",
        ),
        # a service token signed with the user key
        service_token("scheduler", secret=USER_SECRET),
        # a user token signed with the service key
        issue_token(subject="admin-1", secret=SERVICE_SECRET, roles=["admin"]),
    ],
)
async def test_forged_service_identities_are_unauthenticated(gw: Gateway, token: str) -> None:
    code, _ = await rpc_error(
        gw.stub.DeleteMeeting(
            pb.DeleteMeetingRequest(meeting_id=1), metadata=bearer(token), timeout=10
        )
    )
    assert code == grpc.StatusCode.UNAUTHENTICATED


async def test_a_service_passes_to_the_handler(gw: Gateway) -> None:
    code, err = await rpc_error(
        gw.stub.DeleteMeeting(
            pb.DeleteMeetingRequest(meeting_id=1),
            metadata=bearer(service_token("scheduler")),
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION  # Zoom is not configured here
    assert "not configured" in err.message


REGISTRANT_METHODS = ("AddMeetingRegistrants", "RemoveMeetingRegistrants", "ListMeetingRegistrants")


@pytest.mark.parametrize("method", REGISTRANT_METHODS)
@pytest.mark.parametrize("identity", [i for i in IDENTITIES if i not in ("anonymous", "scheduler")])
@pytest.mark.parametrize("tenant", ["alpha", "beta"])
async def test_registrants_are_refused_to_everyone_but_the_scheduler_in_any_tenant(
    gw: Gateway, method: str, identity: str, tenant: str
) -> None:
    """Every person (whatever their role, in their own tenant or naming another) and every
    other service is refused before the handler runs."""
    request = pb.__dict__[SERVICE.methods_by_name[method].input_type.name](
        account=pb.Account(tenant_id=tenant), meeting_id=123
    )
    token = token_of(identity)
    assert token is not None
    metadata = bearer(token, tenant=tenant if identity in SERVICES else None)
    code, _ = await rpc_error(getattr(gw.stub, method)(request, metadata=metadata, timeout=10))
    assert code == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("method", REGISTRANT_METHODS)
async def test_the_scheduler_reaches_the_registrant_handlers(gw: Gateway, method: str) -> None:
    request = pb.__dict__[SERVICE.methods_by_name[method].input_type.name](
        account=pb.Account(tenant_id="beta"), meeting_id=123
    )
    metadata = bearer(service_token("scheduler"), tenant="beta")
    code, _ = await rpc_error(getattr(gw.stub, method)(request, metadata=metadata, timeout=10))
    assert code not in REFUSED  # past the rules: here Zoom is not configured for the tenant
