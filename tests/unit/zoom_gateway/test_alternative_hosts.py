"""Alternative hosts named by Classbridge user id: resolved through the users' per-user Zoom
connections, best effort. Whom the gateway cannot resolve (no connection, another Zoom account)
or Zoom refuses (400/1114: not a licensed user of the host's account) is left out and named in
the answer; the meeting is made or changed without them. Hosts named by email keep Zoom's
refusal as the caller's error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.errors import InvalidArgument
from tests.unit.zoom_gateway.helpers import Gateway, Zoom, rpc_error, spec
from zoom_gateway.domain.alternative_hosts import AlternativeHosts, named, says_refused

START = spec().start_time


async def _connect(
    gw: Gateway, user_id: str, email: str, *, account_id: str, tenant: str = DEFAULT_TENANT
) -> None:
    """A per-user connection as CompleteAuthorization stores it (Zoom's email and account)."""
    assert gw.running.uow is not None
    now = datetime.now(UTC)
    async with gw.running.uow() as uow:
        await uow.connections.save(
            user_id=user_id,
            tenant=tenant,
            access_token="at-" + user_id,
            refresh_token="rt-" + user_id,
            access_expires_at=now + timedelta(hours=1),
            scopes=["meeting:read"],
            zoom_user_id="zu-" + user_id,
            zoom_email=email,
            zoom_account_id=account_id,
            now=now,
        )
        await uow.commit()


async def _people(gw: Gateway, zoom: Zoom) -> None:
    await _connect(gw, "t-ada", zoom.users[1]["email"], account_id=zoom.account_id)
    await _connect(gw, "t-bob", zoom.users[2]["email"], account_id=zoom.account_id)
    await _connect(gw, "t-far", "far@other.test", account_id="another-account")
    # connected, in the account by id, but not a user Zoom takes (e.g. unlicensed since)
    await _connect(gw, "t-out", "outsider@classbridge.test", account_id=zoom.account_id)
    await _connect(gw, "t-else", zoom.users[1]["email"], account_id="", tenant="other-school")


def _asked(*user_ids: str) -> common_pb2.MeetingSettings:
    return common_pb2.MeetingSettings(
        alternative_host_user_ids=list(user_ids), alternative_hosts_set=True
    )


def _skips(meeting: pb.Meeting) -> dict[str, tuple[int, str]]:
    return {s.user_id: (s.reason, s.email) for s in meeting.skipped_alternative_hosts}


async def test_other_teachers_resolved_and_the_rest_named(gw: Gateway, zoom: Zoom) -> None:
    await _people(gw, zoom)
    ada, bob = zoom.users[1]["email"], zoom.users[2]["email"]
    request = pb.CreateMeetingRequest(
        request_id="alt-ids-1",
        meeting=spec(
            topic="Class",
            start_time=START,
            settings=_asked("t-ada", "t-none", "t-far", "t-out", "t-bob", "t-else", "t-ada"),
        ),
    )
    meeting = await gw.stub.CreateMeeting(request, timeout=10)
    assert list(meeting.settings.alternative_hosts) == [ada, bob]
    assert _skips(meeting) == {
        "t-none": (pb.ALTERNATIVE_HOST_SKIP_NOT_CONNECTED, ""),
        "t-else": (pb.ALTERNATIVE_HOST_SKIP_NOT_CONNECTED, ""),  # another tenant's connection
        "t-far": (pb.ALTERNATIVE_HOST_SKIP_OTHER_ACCOUNT, "far@other.test"),
        "t-out": (pb.ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM, "outsider@classbridge.test"),
    }
    refused = next(s for s in meeting.skipped_alternative_hosts if s.user_id == "t-out")
    assert "alternative host" in refused.detail
    posts = zoom.requests("POST", "/meetings")
    assert len(posts) == 2  # refused once with the outsider, then made without them
    stored = zoom.sim.state.meeting(zoom.account_id, meeting.id)
    assert stored is not None
    assert stored.settings["alternative_hosts"] == f"{ada};{bob}"

    again = await gw.stub.CreateMeeting(request, timeout=10)  # an idempotent repeat
    assert again.id == meeting.id
    assert len(zoom.requests("POST", "/meetings")) == 2
    assert _skips(again)["t-out"] == (
        pb.ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM,
        "outsider@classbridge.test",
    )


async def test_an_update_resolves_them_and_leaves_out_the_refused(gw: Gateway, zoom: Zoom) -> None:
    await _people(gw, zoom)
    made = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id="alt-ids-2", meeting=spec(topic="Class", start_time=START)
        ),
        timeout=10,
    )
    updated = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=made.id,
            meeting=pb.MeetingSpec(settings=_asked("t-out", "t-bob")),
            update_mask=FieldMask(paths=["settings.alternative_hosts"]),
        ),
        timeout=10,
    )
    assert list(updated.settings.alternative_hosts) == [zoom.users[2]["email"]]
    assert _skips(updated) == {
        "t-out": (pb.ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM, "outsider@classbridge.test")
    }
    only_refused = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=made.id,
            meeting=pb.MeetingSpec(settings=_asked("t-out")),
            update_mask=FieldMask(paths=["settings"]),
        ),
        timeout=10,
    )
    assert list(only_refused.settings.alternative_hosts) == []  # the list is replaced
    topic = await gw.stub.UpdateMeeting(  # the mask does not name them: nothing resolved
        pb.UpdateMeetingRequest(
            meeting_id=made.id,
            meeting=pb.MeetingSpec(topic="Renamed", settings=_asked("t-none")),
            update_mask=FieldMask(paths=["topic"]),
        ),
        timeout=10,
    )
    assert list(topic.skipped_alternative_hosts) == []


async def test_a_refused_email_given_by_the_caller_is_the_caller_s_error(
    gw: Gateway, zoom: Zoom
) -> None:
    await _people(gw, zoom)
    settings = _asked("t-bob")
    settings.alternative_hosts.append("outsider@classbridge.test")
    code, err = await rpc_error(
        gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(
                request_id="alt-ids-3", meeting=spec(topic="Class", settings=settings)
            ),
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert isinstance(err, InvalidArgument)
    assert err.violations[0].field == "meeting.settings.alternative_hosts"
    assert len(zoom.requests("POST", "/meetings")) == 1  # t-bob was not blamed for it


def test_reading_zoom_s_refusals() -> None:
    message = "Unable to assign 'b@x.test' as an alternative host because …"
    assert says_refused(400, 1114, "")
    assert says_refused(400, 300, "Invalid alternative host: b@x.test")
    assert not says_refused(400, 300, "Validation Failed.")
    assert named(message, ["a@x.test", "B@x.test"]) == ["B@x.test"]
    assert named("b@x.test cannot be an alternative host", ["b@x.test", "c@x.test"]) == ["b@x.test"]
    hosts = AlternativeHosts(given=[], resolved={"a@x.test": "u-a", "b@x.test": "u-b"}, skipped=[])
    assert hosts.drop_refused("Unable to assign an alternative host")  # names nobody: all go
    assert hosts.wire == ""
    assert not hosts.drop_refused("Unable to assign an alternative host")  # nothing left
    assert [s.user_id for s in hosts.skipped] == ["u-a", "u-b"]


async def test_a_connected_teacher_hosts_the_meeting_on_their_own_budget(
    gw: Gateway, zoom: Zoom
) -> None:
    await _people(gw, zoom)
    ada, bob = zoom.users[1]["email"], zoom.users[2]["email"]
    meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id="host-ada-1",
            host_user_id="t-ada",
            meeting=spec(topic="Class", start_time=START, settings=_asked("t-ada", "t-bob")),
        ),
        timeout=10,
    )
    assert meeting.host_email == ada
    assert list(meeting.settings.alternative_hosts) == [bob]  # never their own alternative
    [post] = zoom.requests("POST", "/meetings")
    assert post["path"] in (
        f"/v2/users/{ada}/meetings",
        f"/v2/users/{zoom.users[1]['id']}/meetings",
    )


async def test_a_teacher_who_cannot_host_is_refused_before_zoom_is_asked(
    gw: Gateway, zoom: Zoom
) -> None:
    await _people(gw, zoom)
    for user_id, why in (("t-none", "not_connected"), ("t-far", "other_account")):
        code, error = await rpc_error(
            gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(
                    request_id=f"host-{user_id}",
                    host_user_id=user_id,
                    meeting=spec(topic="Class", start_time=START),
                ),
                timeout=10,
            )
        )
        assert code is grpc.StatusCode.FAILED_PRECONDITION
        assert error.details == {"host_user_id": user_id, "why": why}
    assert zoom.requests("POST", "/meetings") == []
