"""Per-user scopes (classic and granular) checked before Zoom is called, capabilities reported,
and the per-host daily ledger keyed by Zoom user id whatever spelling names the host."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.errors import PermissionDenied, ResourceExhausted
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    spec,
    zoom_gateway,
    zoom_simulator,
)
from tests.unit.zoom_gateway.test_user_oauth import connect
from zoom_gateway.domain import scopes


def grant(zoom: Zoom, scope: str) -> None:
    """What the user-managed app's users grant from now on."""
    zoom.sim.state.apps[zoom.oauth_client_id].scopes = scope


def test_scope_checks_accept_both_styles_with_or_without_admin() -> None:
    classic = ["meeting:write", "recording:read:admin"]
    granular = ["meeting:write:meeting", "cloud_recording:read:list_recording_files:admin"]
    for held in (classic, granular):
        assert scopes.allows(held, "create_meeting")
        assert scopes.allows(held, "read_recordings")
        assert not scopes.allows(held, "list_participants")
    scopes.require(classic, "create_meeting")
    scopes.require([], "list_participants")  # unknown grant: Zoom decides
    with pytest.raises(PermissionDenied) as refused:
        scopes.require(granular, "list_participants")
    assert "meeting:read:list_past_participants" in refused.value.message
    assert refused.value.details["missing_scope"] == "meeting:read"


async def test_granular_grant_reports_capabilities_and_refuses_early(
    gw: Gateway, zoom: Zoom
) -> None:
    grant(zoom, "meeting:write:meeting meeting:read:meeting user:read:user")
    connection = await connect(gw, zoom, "t-granular")
    caps = connection.capabilities
    assert caps.scopes_known
    assert caps.can_create_meetings
    assert caps.can_read_meetings
    assert caps.can_read_users
    assert not caps.can_read_recordings
    assert not caps.can_read_participants
    assert not caps.can_list_meetings
    again = await gw.stub.GetConnection(pb.GetConnectionRequest(user_id="t-granular"), timeout=5)
    assert again.capabilities == caps
    status = await gw.stub.GetStatus(
        pb.GetStatusRequest(account=pb.Account(oauth_user_id="t-granular")), timeout=5
    )
    assert status.capabilities == caps

    user = pb.Account(oauth_user_id="t-granular")
    made = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(account=user, request_id="g1", meeting=spec(topic="G")), timeout=10
    )
    assert made.id
    before = len(zoom.sim.requests)
    code, err = await rpc_error(
        gw.stub.ListPastMeetingParticipants(
            pb.ListPastMeetingParticipantsRequest(account=user, meeting_uuid="abc=="), timeout=5
        )
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "meeting:read:list_past_participants" in err.message
    assert "'meeting:read'" in err.message
    code, err = await rpc_error(
        gw.stub.ListMeetings(pb.ListMeetingsRequest(account=user), timeout=5)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "meeting:read:list_meetings" in err.message
    assert len(zoom.sim.requests) == before  # refused without asking Zoom


async def test_classic_grant_reports_capabilities_and_refuses_early(
    gw: Gateway, zoom: Zoom
) -> None:
    grant(zoom, "meeting:read meeting:write user:read")
    connection = await connect(gw, zoom, "t-classic")
    caps = connection.capabilities
    assert caps.can_create_meetings
    assert caps.can_list_meetings
    assert caps.can_read_participants
    assert not caps.can_read_recordings
    assert not caps.can_list_recordings
    user = pb.Account(oauth_user_id="t-classic")
    listed = await gw.stub.ListMeetings(pb.ListMeetingsRequest(account=user), timeout=5)
    assert listed is not None
    before = len(zoom.sim.requests)
    code, err = await rpc_error(
        gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(account=user), timeout=5)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "'recording:read'" in err.message
    assert "cloud_recording:read:list_user_recordings" in err.message
    assert len(zoom.sim.requests) == before


async def test_a_host_named_by_email_and_by_id_shares_one_daily_counter(tmp_path: Path) -> None:
    async with (
        zoom_simulator(rate_limits=False) as zoom,
        zoom_gateway(gateway_settings(zoom, tmp_path, zoom_host_daily_limit=4)) as gw,
    ):
        teacher = zoom.users[0]
        names = [
            pb.UserRef(email=teacher["email"]),
            pb.UserRef(user_id=teacher["id"]),
            pb.UserRef(email=teacher["email"].upper()),
            pb.UserRef(),  # "me": the S2S app's owner, the same person here
        ]
        for i, host in enumerate(names):
            await gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(request_id=f"s{i}", host=host, meeting=spec(topic="S")),
                timeout=10,
            )
        sent = len(zoom.requests("POST", "/meetings"))
        code, err = await rpc_error(
            gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(
                    request_id="s-over",
                    host=pb.UserRef(user_id=teacher["id"]),
                    meeting=spec(topic="S"),
                ),
                timeout=10,
            )
        )
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert isinstance(err, ResourceExhausted)
        assert len(zoom.requests("POST", "/meetings")) == sent  # Zoom was not asked
        assert gw.running.gateway.meetings.hosts.lookups == 2  # the email and "me", once each
