"""Seed 004's meeting CRUD for a tenant's admins, on the simulator's per-account meetings: an
admin reaches the meetings of their own tenant's Zoom account only; another tenant's meeting id
is NOT_FOUND for reading, changing and deleting, and the meeting survives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import field_mask_pb2

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    bearer,
    gateway_settings,
    rpc_error,
    service_token,
    spec,
    user_token,
    zoom_gateway,
    zoom_simulator,
)
from tests.unit.zoom_gateway.test_tenants import create, s2s_of, second_account, set_s2s
from zoomsim.config import default_accounts

OPERATOR = bearer(user_token("operator-1", "operator"))
ADMIN = bearer(user_token("admin-1", "admin", tenant="default"))
ADMIN_B = bearer(user_token("admin-b", "admin", tenant="beta"))
TEACHER_B = bearer(user_token("teacher-b", "teacher", tenant="beta"))
SCHEDULER = bearer(service_token("scheduler"))


@pytest.fixture
async def zoom() -> AsyncIterator[Zoom]:
    async with zoom_simulator(accounts=[*default_accounts(), second_account()]) as running:
        yield running


@pytest.fixture
async def gw(zoom: Zoom, tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = gateway_settings(zoom, tmp_path, zoom_tenant_cache_seconds=0)
    async with zoom_gateway(settings, authenticate=True) as gateway:
        await create(gateway, "beta")
        await set_s2s(gateway, "beta", s2s_of(zoom, 1), who=OPERATOR)
        yield gateway


START = spec().start_time  # one instant: a repeat must send the same body


def new(request_id: str, topic: str = "Office hours") -> pb.CreateMeetingRequest:
    return pb.CreateMeetingRequest(
        request_id=request_id, meeting=spec(topic=topic, duration_minutes=45, start_time=START)
    )


async def test_an_admin_manages_their_own_account_and_never_another_tenants(
    gw: Gateway, zoom: Zoom
) -> None:
    beta_account = s2s_of(zoom, 1)[0]
    made = await gw.stub.CreateMeeting(new("k-1"), metadata=ADMIN_B, timeout=15)
    assert made.tenant_id == "beta"
    assert made.start_url  # the creator may start it
    assert zoom.sim.state.meeting(beta_account, made.id) is not None
    again = await gw.stub.CreateMeeting(new("k-1"), metadata=ADMIN_B, timeout=15)
    assert again.id == made.id  # idempotent on the admin's key

    read = await gw.stub.GetMeeting(
        pb.GetMeetingRequest(meeting_id=made.id, include_start_url=True),
        metadata=ADMIN_B,
        timeout=10,
    )
    assert (read.topic, read.start_url != "") == ("Office hours", True)
    listed = await gw.stub.ListMeetings(pb.ListMeetingsRequest(), metadata=ADMIN_B, timeout=10)
    assert made.id in {m.id for m in listed.meetings}
    mine = await gw.stub.ListMeetings(pb.ListMeetingsRequest(), metadata=ADMIN, timeout=10)
    assert made.id not in {m.id for m in mine.meetings}

    # the default tenant's admin, with their own account, names beta's meeting id
    patch = pb.UpdateMeetingRequest(
        meeting_id=made.id,
        meeting=pb.MeetingSpec(topic="taken over"),
        update_mask=field_mask_pb2.FieldMask(paths=["topic"]),
    )
    for call in (
        gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=made.id), metadata=ADMIN, timeout=10),
        gw.stub.UpdateMeeting(patch, metadata=ADMIN, timeout=10),
        gw.stub.DeleteMeeting(
            pb.DeleteMeetingRequest(meeting_id=made.id), metadata=ADMIN, timeout=10
        ),
    ):
        code, _ = await rpc_error(call)
        assert code == grpc.StatusCode.NOT_FOUND
    kept = zoom.sim.state.meeting(beta_account, made.id)
    assert kept is not None
    read = await gw.stub.GetMeeting(
        pb.GetMeetingRequest(meeting_id=made.id), metadata=ADMIN_B, timeout=10
    )
    assert read.topic == "Office hours"

    changed = await gw.stub.UpdateMeeting(patch, metadata=ADMIN_B, timeout=10)
    assert (changed.topic, changed.start_url) == ("taken over", "")
    gone = await gw.stub.DeleteMeeting(
        pb.DeleteMeetingRequest(meeting_id=made.id), metadata=ADMIN_B, timeout=10
    )
    assert not gone.already_deleted
    code, _ = await rpc_error(
        gw.stub.DeleteMeeting(
            pb.DeleteMeetingRequest(meeting_id=made.id), metadata=ADMIN_B, timeout=10
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND  # to a person, a deleted meeting is not found


@pytest.mark.parametrize(
    "account",
    [pb.Account(tenant_id="default"), pb.Account(oauth_user_id="admin-b")],
    ids=["another-tenant", "own-connection"],
)
async def test_an_admin_uses_only_their_tenants_app(gw: Gateway, account: pb.Account) -> None:
    request = new("k-2")
    request.account.CopyFrom(account)
    code, _ = await rpc_error(gw.stub.CreateMeeting(request, metadata=ADMIN_B, timeout=10))
    assert code == grpc.StatusCode.PERMISSION_DENIED


async def test_teachers_are_refused(gw: Gateway) -> None:
    code, _ = await rpc_error(
        gw.stub.ListMeetings(pb.ListMeetingsRequest(), metadata=TEACHER_B, timeout=10)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED


async def test_an_admins_key_never_replays_the_schedulers(gw: Gateway) -> None:
    """The scheduler keys a session's meeting by the session id; an admin sending that id as
    their own key gets a meeting of their own, never the session's (nor its start link)."""
    session_meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id="session-1",
            account=pb.Account(tenant_id="beta"),
            meeting=spec(topic="Office hours", duration_minutes=45, start_time=START),
        ),
        metadata=SCHEDULER,
        timeout=15,
    )
    own = await gw.stub.CreateMeeting(new("session-1"), metadata=ADMIN_B, timeout=15)
    assert own.id != session_meeting.id
    other_admin = bearer(user_token("admin-c", "admin", tenant="beta"))
    theirs = await gw.stub.CreateMeeting(new("session-1"), metadata=other_admin, timeout=15)
    assert theirs.id not in (own.id, session_meeting.id)
