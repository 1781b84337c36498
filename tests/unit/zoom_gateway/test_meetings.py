"""Meetings through the gateway: seed defaults, idempotent create, get, masked update, delete,
list, recurring meetings and alternative hosts."""

from __future__ import annotations

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from tests.unit.zoom_gateway.helpers import Gateway, Zoom, rpc_error, spec
from zoom_gateway.domain.passwords import is_valid_password


async def test_create_applies_the_class_defaults(gw: Gateway, zoom: Zoom) -> None:
    meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id="session-1",
            meeting=spec(course_title="Algebra", session_title="Lesson 1", duration_minutes=20),
        ),
        timeout=10,
    )
    assert meeting.id > 0
    assert meeting.topic == "Algebra - Lesson 1"
    assert meeting.duration_minutes == 30  # max(30, minutes)
    assert is_valid_password(meeting.password)
    s = meeting.settings
    assert s.auto_recording == common_pb2.AUTO_RECORDING_CLOUD
    assert s.join_before_host
    assert s.mute_upon_entry
    assert s.host_video
    assert not s.waiting_room
    assert not s.meeting_authentication
    assert not s.participant_video
    assert meeting.agenda == ""  # our idempotency marker is not shown to callers
    stored = zoom.sim.state.meeting(zoom.account_id, meeting.id)
    assert stored is not None
    assert "[classbridge-ref:" in stored.agenda


async def test_defaults_can_be_overridden_per_call(gw: Gateway) -> None:
    settings = common_pb2.MeetingSettings(
        waiting_room=True, auto_recording=common_pb2.AUTO_RECORDING_NONE
    )
    meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id="session-2",
            meeting=spec(
                topic="Office hours", duration_minutes=90, password="abc123", settings=settings
            ),
        ),
        timeout=10,
    )
    assert meeting.topic == "Office hours"
    assert meeting.duration_minutes == 90
    assert meeting.password == "abc123"
    assert meeting.settings.waiting_room
    assert meeting.settings.auto_recording == common_pb2.AUTO_RECORDING_NONE


async def test_a_retried_create_returns_the_same_meeting(gw: Gateway, zoom: Zoom) -> None:
    request = pb.CreateMeetingRequest(request_id="session-3", meeting=spec(topic="Physics"))
    first = await gw.stub.CreateMeeting(request, timeout=10)
    second = await gw.stub.CreateMeeting(request, timeout=10)
    assert first.id == second.id
    assert first.password == second.password
    assert len(zoom.requests("POST", "/meetings")) == 1


async def test_a_request_id_reused_for_another_meeting_is_refused(gw: Gateway) -> None:
    await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="session-4", meeting=spec(topic="A")), timeout=10
    )
    code, _ = await rpc_error(
        gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(request_id="session-4", meeting=spec(topic="B")), timeout=10
        )
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS


async def test_create_needs_a_request_id(gw: Gateway) -> None:
    code, err = await rpc_error(
        gw.stub.CreateMeeting(pb.CreateMeetingRequest(meeting=spec(topic="A")), timeout=10)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.violations[0].field == "request_id"  # type: ignore[attr-defined]


async def test_update_patches_only_the_masked_fields(gw: Gateway, zoom: Zoom) -> None:
    created = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="s5", meeting=spec(topic="Before", duration_minutes=45)),
        timeout=10,
    )
    updated = await gw.stub.UpdateMeeting(
        pb.UpdateMeetingRequest(
            meeting_id=created.id,
            meeting=pb.MeetingSpec(
                topic="After",
                duration_minutes=60,
                settings=common_pb2.MeetingSettings(waiting_room=True, mute_upon_entry=False),
            ),
            update_mask=FieldMask(paths=["topic", "settings.waiting_room"]),
        ),
        timeout=10,
    )
    assert updated.topic == "After"
    assert updated.duration_minutes == 45  # not in the mask
    assert updated.settings.waiting_room
    assert updated.settings.mute_upon_entry  # not in the mask
    assert len(zoom.requests("PATCH", f"/meetings/{created.id}")) == 1


async def test_update_with_an_unknown_mask_path_is_invalid(gw: Gateway) -> None:
    code, _ = await rpc_error(
        gw.stub.UpdateMeeting(
            pb.UpdateMeetingRequest(meeting_id=1, update_mask=FieldMask(paths=["nonsense"])),
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT


async def test_get_and_delete_and_delete_again(gw: Gateway) -> None:
    created = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="s6", meeting=spec(topic="Gone soon")), timeout=10
    )
    got = await gw.stub.GetMeeting(
        pb.GetMeetingRequest(meeting_id=created.id, include_start_url=True), timeout=10
    )
    assert got.id == created.id
    assert got.start_url
    plain = await gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=created.id), timeout=10)
    assert plain.start_url == ""
    first = await gw.stub.DeleteMeeting(
        pb.DeleteMeetingRequest(meeting_id=created.id, notify_hosts=True), timeout=10
    )
    again = await gw.stub.DeleteMeeting(pb.DeleteMeetingRequest(meeting_id=created.id), timeout=10)
    assert not first.already_deleted
    assert again.already_deleted
    code, err = await rpc_error(
        gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=created.id), timeout=10)
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert err.details.get("upstream_code") == "3001"
    assert err.details.get("upstream_tracking_id")


async def test_list_follows_every_page(gw: Gateway) -> None:
    for i in range(5):
        await gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(request_id=f"list-{i}", meeting=spec(topic=f"M{i}")), timeout=10
        )
    one_page = await gw.stub.ListMeetings(pb.ListMeetingsRequest(page_size=2), timeout=10)
    assert len(one_page.meetings) == 2
    assert one_page.next_page_token
    everything = await gw.stub.ListMeetings(
        pb.ListMeetingsRequest(page_size=2, all_pages=True), timeout=10
    )
    assert len(everything.meetings) == 5
    assert not everything.next_page_token


async def test_list_pages_behind_our_tokens_bound_to_the_filters(gw: Gateway) -> None:
    for i in range(5):
        await gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(request_id=f"page-{i}", meeting=spec(topic=f"P{i}")), timeout=10
        )
    seen: list[int] = []
    token = ""
    totals = set()
    for _ in range(10):
        page = await gw.stub.ListMeetings(
            pb.ListMeetingsRequest(page_size=2, page_token=token), timeout=10
        )
        assert len(page.meetings) <= 2
        seen += [m.id for m in page.meetings]
        totals.add(page.total_size)
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5
    assert totals == {5}

    first = await gw.stub.ListMeetings(pb.ListMeetingsRequest(page_size=2), timeout=10)
    assert first.next_page_token
    for request in (
        pb.ListMeetingsRequest(
            page_size=2, page_token=first.next_page_token, type=pb.LIST_MEETINGS_TYPE_LIVE
        ),
        pb.ListMeetingsRequest(page_token="not-a-token"),
        pb.ListMeetingsRequest(page_token=first.next_page_token[:-1]),
    ):
        code, err = await rpc_error(gw.stub.ListMeetings(request, timeout=10))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert "page_token" in err.message


async def test_recurring_meeting_with_alternative_hosts(gw: Gateway, zoom: Zoom) -> None:
    alt = zoom.users[1]["email"]
    meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id="rec-1",
            meeting=spec(
                topic="Weekly",
                type=common_pb2.ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME,
                duration_minutes=60,
                recurrence=pb.Recurrence(
                    type=pb.Recurrence.TYPE_WEEKLY,
                    repeat_interval=1,
                    weekly_days=[2, 4],
                    end_times=4,
                ),
                settings=common_pb2.MeetingSettings(alternative_hosts=[alt]),
            ),
        ),
        timeout=10,
    )
    assert meeting.type == common_pb2.ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME
    assert len(meeting.occurrences) == 4
    assert list(meeting.recurrence.weekly_days) == [2, 4]
    assert list(meeting.settings.alternative_hosts) == [alt]
    occurrence = meeting.occurrences[1].occurrence_id
    await gw.stub.DeleteMeeting(
        pb.DeleteMeetingRequest(meeting_id=meeting.id, occurrence_id=occurrence), timeout=10
    )
    after = await gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=meeting.id), timeout=10)
    assert after.id == meeting.id  # the series survives an occurrence delete
