"""The class-meeting settings behind registration and breakout rooms: approval and registration
types, pre-assigned breakout rooms (and Zoom silently dropping them), alternative hosts — sent
to Zoom on create and update and read back."""

from __future__ import annotations

import logging

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from tests.unit.zoom_gateway.helpers import Gateway, Zoom, rpc_error, spec
from zoom_gateway.domain.meetings import rooms_kept, rooms_requested

Rooms = common_pb2.MeetingSettings.BreakoutRooms
Room = common_pb2.MeetingSettings.BreakoutRoom
ROOMS = Rooms(
    enable=True,
    rooms=[
        Room(name="Group A", participants=["ada@example.com", "alan@example.com"]),
        Room(name="Group B", participants=["grace@example.com"]),
    ],
)


START = spec().start_time  # one instant: a repeat must send the same body


async def _create(gw: Gateway, request_id: str, **settings: object) -> pb.Meeting:
    return await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id=request_id,
            meeting=spec(
                topic="Lesson", start_time=START, settings=common_pb2.MeetingSettings(**settings)
            ),
        ),
        timeout=10,
    )


async def test_registration_settings_are_sent_and_read_back(gw: Gateway, zoom: Zoom) -> None:
    meeting = await _create(gw, "set-1", approval_type=0, registration_type=1)
    assert meeting.settings.HasField("approval_type")
    assert meeting.settings.approval_type == 0
    assert meeting.settings.registration_type == 1
    stored = zoom.sim.state.meeting(zoom.account_id, meeting.id)
    assert stored is not None
    assert (stored.settings["approval_type"], stored.settings["registration_type"]) == (0, 1)
    updated = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=meeting.id,
            meeting=pb.MeetingSpec(settings=common_pb2.MeetingSettings(approval_type=1)),
            update_mask=FieldMask(paths=["settings.approval_type"]),
        ),
        timeout=10,
    )
    assert updated.settings.approval_type == 1
    got = await gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=meeting.id), timeout=10)
    assert got.settings.approval_type == 1


@pytest.mark.parametrize(
    "settings",
    [
        common_pb2.MeetingSettings(approval_type=3),
        common_pb2.MeetingSettings(registration_type=0),
        common_pb2.MeetingSettings(breakout_rooms=Rooms(enable=True, rooms=[Room(name=" ")])),
    ],
)
async def test_out_of_range_settings_are_invalid_before_zoom(
    gw: Gateway, zoom: Zoom, settings: common_pb2.MeetingSettings
) -> None:
    before = len(zoom.sim.requests)
    code, err = await rpc_error(
        gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(request_id="bad", meeting=spec(topic="x", settings=settings)),
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.violations[0].field.startswith("meeting.settings.")  # type: ignore[attr-defined]
    assert len(zoom.sim.requests) == before
    code, _ = await rpc_error(
        gw.stub.UpdateMeeting(
            pb.UpdateMeetingRequest(
                meeting_id=1,
                meeting=pb.MeetingSpec(settings=settings),
                update_mask=FieldMask(paths=["settings"]),
            ),
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT


async def test_rooms_dropped_by_zoom_are_reported_and_logged_without_names(
    gw: Gateway, zoom: Zoom, caplog: pytest.LogCaptureFixture
) -> None:
    """The account does not let hosts pre-assign rooms (Zoom's default): Zoom keeps the
    meeting, drops the rooms, answers 201. The caller is told so it can warn the teacher."""
    with caplog.at_level(logging.WARNING, logger="zoom_gateway"):
        meeting = await _create(gw, "rooms-1", breakout_rooms=ROOMS)
    # (that the rooms are sent at all: test_rooms_kept_when_the_account_allows_them)
    assert meeting.breakout_rooms_dropped
    assert list(meeting.settings.breakout_rooms.rooms) == []
    warnings = [r for r in caplog.records if "breakout" in r.getMessage()]
    assert len(warnings) == 1
    text = " ".join(str(v) for v in vars(warnings[0]).values())
    assert "ada@example.com" not in text
    assert "Group A" not in text
    assert getattr(warnings[0], "rooms_requested", None) == 2
    again = await _create(gw, "rooms-1", breakout_rooms=ROOMS)  # an idempotent repeat
    assert again.id == meeting.id
    assert again.breakout_rooms_dropped


async def test_rooms_kept_when_the_account_allows_them(gw: Gateway, zoom: Zoom) -> None:
    await zoom.ctl.set_account_settings(zoom.account_id, breakout_room_schedule=True)
    meeting = await _create(gw, "rooms-2", breakout_rooms=ROOMS)
    assert not meeting.breakout_rooms_dropped
    rooms = meeting.settings.breakout_rooms
    assert rooms.enable
    assert [(r.name, list(r.participants)) for r in rooms.rooms] == [
        ("Group A", ["ada@example.com", "alan@example.com"]),
        ("Group B", ["grace@example.com"]),
    ]
    plain = await _create(gw, "rooms-3")  # no rooms asked for: nothing to report
    assert not plain.breakout_rooms_dropped


async def test_an_update_with_rooms_reports_them_dropped(gw: Gateway) -> None:
    meeting = await _create(gw, "rooms-4")
    updated = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=meeting.id,
            meeting=pb.MeetingSpec(settings=common_pb2.MeetingSettings(breakout_rooms=ROOMS)),
            update_mask=FieldMask(paths=["settings.breakout_rooms"]),
        ),
        timeout=10,
    )
    assert updated.breakout_rooms_dropped
    topic_only = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=meeting.id,
            meeting=pb.MeetingSpec(topic="Renamed"),
            update_mask=FieldMask(paths=["topic"]),
        ),
        timeout=10,
    )
    assert not topic_only.breakout_rooms_dropped


async def test_the_other_teachers_become_alternative_hosts(gw: Gateway, zoom: Zoom) -> None:
    teacher, assistant = zoom.users[0]["email"], zoom.users[1]["email"]
    meeting = await _create(gw, "alt-1", alternative_hosts=[assistant, " ", teacher])
    assert list(meeting.settings.alternative_hosts) == [assistant, teacher]
    stored = zoom.sim.state.meeting(zoom.account_id, meeting.id)
    assert stored is not None
    assert stored.settings["alternative_hosts"] == f"{assistant};{teacher}"  # Zoom's wire form
    one = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=meeting.id,
            meeting=pb.MeetingSpec(
                settings=common_pb2.MeetingSettings(alternative_hosts=[assistant])
            ),
            update_mask=FieldMask(paths=["settings.alternative_hosts"]),
        ),
        timeout=10,
    )
    assert list(one.settings.alternative_hosts) == [assistant]
    cleared = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=meeting.id,
            meeting=pb.MeetingSpec(settings=common_pb2.MeetingSettings(alternative_hosts_set=True)),
            update_mask=FieldMask(paths=["settings"]),
        ),
        timeout=10,
    )
    assert list(cleared.settings.alternative_hosts) == []


def test_reading_zoom_answers_for_rooms() -> None:
    asked = {"breakout_room": {"enable": True, "rooms": [{"name": "A", "participants": []}]}}
    assert rooms_requested(asked) == 1
    assert rooms_requested({"breakout_room": {"enable": True}}) == 0
    assert rooms_requested({}) == 0
    assert rooms_kept({"settings": asked}) is True
    assert rooms_kept({"settings": {"breakout_room": {"enable": True}}}) is False
    assert rooms_kept({"settings": {"host_video": True}}) is None  # only a GET can tell
    assert rooms_kept({}) is None
