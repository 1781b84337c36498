"""The in-class events: role changes, screen sharing, breakout rooms.

Zoom's payloads for these differ from `meeting.participant_joined` (a share names no
participant_uuid or email; a role change has a `date_time`, not a join time; a breakout-room move
names the parent meeting and the room), so each is typed from realistic bodies, with missing or
mistyped fields, its dedup key checked, and the signed webhook followed to the bus.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from classbridge.events.v1 import zoom_events_pb2 as pb
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.helpers import signed_headers
from webhook_ingest.adapters.event_codec import encode
from webhook_ingest.bootstrap import Running
from webhook_ingest.domain import events as ev
from webhook_ingest.domain.dedup import dedup_key
from webhook_ingest.domain.fields import epoch_ms
from webhook_ingest.domain.normalise import normalise

NEW_EVENTS = {
    "meeting.participant_role_changed": (z.role_changed, "zoom.participant.role_changed"),
    "meeting.sharing_started": (
        lambda: z.sharing("meeting.sharing_started"),
        "zoom.sharing.started",
    ),
    "meeting.sharing_ended": (lambda: z.sharing("meeting.sharing_ended"), "zoom.sharing.ended"),
    "meeting.participant_joined_breakout_room": (
        lambda: z.breakout("meeting.participant_joined_breakout_room"),
        "zoom.participant.joined_breakout_room",
    ),
    "meeting.participant_left_breakout_room": (
        lambda: z.breakout("meeting.participant_left_breakout_room"),
        "zoom.participant.left_breakout_room",
    ),
}


def _key(body: dict[str, Any], tenant_id: str = "default") -> str:
    return dedup_key(body, z.encode(body), tenant_id=tenant_id)


# ---- normalise ----------------------------------------------------------------------------


def test_role_change_carries_both_roles_the_time_and_the_registrant() -> None:
    result = normalise(z.role_changed())
    assert result.routing_key == "zoom.participant.role_changed"
    event = result.event
    assert isinstance(event, ev.ParticipantRoleChanged)
    assert (event.old_role, event.new_role) == ("attendee", "co-host")
    assert event.changed_at_ms == epoch_ms("2025-03-10T15:05:00Z")
    assert event.participant.registrant_id == "9tboDiHUQAeOnbmudzWa5g"
    assert event.participant.email == "jill@example.com"
    assert event.participant.user_id == "16778240"
    assert event.meeting.meeting_uuid == z.MEETING_UUID


def test_sharing_started_reads_the_details_inside_the_participant() -> None:
    result = normalise(z.sharing())
    assert result.routing_key == "zoom.sharing.started"
    event = result.event
    assert isinstance(event, ev.SharingStarted)
    assert event.sharing == ev.Sharing(
        content="application",
        at_ms=epoch_ms("2025-03-10T15:10:11Z"),
        source="dropbox",
        link_source="in_meeting",
    )
    assert event.participant.name == "Arya Arya"
    assert event.participant.zoom_user_id == "s0AAAASoSE1V8KIFOCYw"
    assert event.participant.participant_uuid == ""  # Zoom does not send it here
    assert "private-lesson-notes" not in repr(event)  # file_link is not carried


def test_sharing_ended_and_details_beside_the_participant() -> None:
    body = z.sharing("meeting.sharing_ended", content="desktop")
    obj = body["payload"]["object"]
    obj["sharing_details"] = obj["participant"].pop("sharing_details")  # as some senders put it
    result = normalise(body)
    assert result.routing_key == "zoom.sharing.ended"
    assert isinstance(result.event, ev.SharingEnded)
    assert result.event.sharing.content == "desktop"
    assert result.event.sharing.at_ms == epoch_ms("2025-03-10T15:10:11Z")


def test_joining_a_breakout_room_names_the_room_the_parent_meeting_and_the_student() -> None:
    result = normalise(z.breakout())
    assert result.routing_key == "zoom.participant.joined_breakout_room"
    event = result.event
    assert isinstance(event, ev.ParticipantJoinedBreakoutRoom)
    assert event.breakout_room_uuid == z.BREAKOUT_ROOM_UUID
    assert event.meeting.meeting_uuid == z.MEETING_UUID  # the parent instance
    assert event.meeting.meeting_id == "85746065432"
    assert event.parent_user_id == "16778240"
    assert event.join_time_ms == epoch_ms("2025-03-10T15:20:00Z")
    p = event.participant
    assert (p.registrant_id, p.customer_key, p.email) == (
        "9tboDiHUQAeOnbmudzWa5g",
        "stu1",
        "jill@example.com",
    )
    assert p.user_id == "31228928"  # the room's own per-meeting id


def test_leaving_a_breakout_room_has_the_leave_time_and_reason() -> None:
    result = normalise(z.breakout("meeting.participant_left_breakout_room"))
    assert result.routing_key == "zoom.participant.left_breakout_room"
    event = result.event
    assert isinstance(event, ev.ParticipantLeftBreakoutRoom)
    assert event.leave_time_ms == epoch_ms("2025-03-10T15:35:00Z")
    assert "breakout room" in event.leave_reason
    assert event.breakout_room_uuid == z.BREAKOUT_ROOM_UUID


@pytest.mark.parametrize("zoom_event", sorted(NEW_EVENTS))
def test_missing_fields_become_empty_never_raw(zoom_event: str) -> None:
    body = {"event": zoom_event, "event_ts": 1741620000000, "payload": {"object": {}}}
    result = normalise(body, tenant_id="acme")
    assert result.routing_key == NEW_EVENTS[zoom_event][1]
    assert not result.is_raw
    assert result.event.delivery.tenant_id == "acme"
    message = encode(result)  # and the codec copes with every field empty
    assert message.context.zoom_event == zoom_event  # type: ignore[attr-defined]


@pytest.mark.parametrize("zoom_event", sorted(NEW_EVENTS))
@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        {"object": None},
        {"object": {"participant": "x", "breakout_room_uuid": ["r"]}},
        {"object": {"participant": {"sharing_details": "x", "date_time": {}, "new_role": 3}}},
    ],
)
def test_broken_shapes_never_raise(zoom_event: str, payload: Any) -> None:
    result = normalise({"event": zoom_event, "event_ts": "garbage", "payload": payload})
    assert result.event.delivery.zoom_event == zoom_event
    encode(result)


def test_every_new_event_is_stamped_with_its_tenant() -> None:
    for make, _ in NEW_EVENTS.values():
        result = normalise(make(), tenant_id="acme")
        assert result.event.delivery.tenant_id == "acme"
        assert encode(result).context.tenant_id == "acme"  # type: ignore[attr-defined]


# ---- the published messages -----------------------------------------------------------------


def test_encoded_role_change() -> None:
    message = encode(normalise(z.role_changed(), tenant_id="acme"))
    assert isinstance(message, pb.ZoomParticipantRoleChanged)
    assert (message.old_role, message.new_role) == ("attendee", "co-host")
    assert message.change_time.ToJsonString() == "2025-03-10T15:05:00Z"
    assert message.participant.registrant_id == "9tboDiHUQAeOnbmudzWa5g"
    assert message.meeting.meeting_id == 85746065432


def test_encoded_sharing() -> None:
    started = encode(normalise(z.sharing()))
    assert isinstance(started, pb.ZoomSharingStarted)
    assert started.sharing.content == "application"
    assert started.sharing.time.ToJsonString() == "2025-03-10T15:10:11Z"
    assert (started.sharing.source, started.sharing.link_source) == ("dropbox", "in_meeting")
    assert started.participant.meeting_user_id == "16778000"
    ended = encode(normalise(z.sharing("meeting.sharing_ended")))
    assert isinstance(ended, pb.ZoomSharingEnded)


def test_encoded_breakout_room_moves() -> None:
    joined = encode(normalise(z.breakout()))
    assert isinstance(joined, pb.ZoomParticipantJoinedBreakoutRoom)
    assert joined.breakout_room_uuid == z.BREAKOUT_ROOM_UUID
    assert joined.meeting.meeting_uuid == z.MEETING_UUID
    assert joined.parent_meeting_user_id == "16778240"
    assert joined.participant.join_time.ToJsonString() == "2025-03-10T15:20:00Z"
    assert joined.participant.customer_key == "stu1"
    assert not joined.participant.HasField("leave_time")
    left = encode(normalise(z.breakout("meeting.participant_left_breakout_room")))
    assert isinstance(left, pb.ZoomParticipantLeftBreakoutRoom)
    assert left.participant.leave_time.ToJsonString() == "2025-03-10T15:35:00Z"
    assert left.participant.leave_reason.startswith("left the meeting")


# ---- dedup keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("zoom_event", sorted(NEW_EVENTS))
def test_a_retry_has_the_same_key_and_another_tenant_another(zoom_event: str) -> None:
    make = NEW_EVENTS[zoom_event][0]
    assert _key(make()) == _key(make())
    assert _key(make()) != _key(make(), tenant_id="acme")


def test_two_role_changes_of_one_person_are_two_facts() -> None:
    promoted = z.role_changed()
    demoted = z.role_changed(old_role="co-host", new_role="attendee")
    assert _key(promoted) != _key(demoted)
    later = z.role_changed(date_time="2025-03-10T15:06:00Z")
    assert _key(promoted) != _key(later)


def test_two_shares_of_one_person_differ_by_time_and_content() -> None:
    first = z.sharing()
    assert _key(first) != _key(z.sharing(date_time="2025-03-10T15:12:00Z"))
    assert _key(first) != _key(z.sharing(content="whiteboard"))


def test_the_same_move_into_two_rooms_is_two_facts() -> None:
    first = z.breakout()
    other_room = copy.deepcopy(first)
    other_room["payload"]["object"]["breakout_room_uuid"] = "OtherRoomUuid000000000=="
    assert _key(first) != _key(other_room)


def test_existing_events_keep_their_keys() -> None:
    """The new parts are added for the new events only: a participant_joined carrying a stray
    `date_time` or `breakout_room_uuid` keys as it always did."""
    plain = z.participant_joined()
    noisy = copy.deepcopy(plain)
    noisy["payload"]["object"]["breakout_room_uuid"] = "x"
    noisy["payload"]["object"]["participant"]["date_time"] = "2025-03-10T15:05:00Z"
    assert dedup_key(plain, b"", tenant_id="default") == dedup_key(noisy, b"", tenant_id="default")


# ---- through the service --------------------------------------------------------------------


async def test_each_signed_webhook_is_published_typed_in_its_tenant(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    messages: dict[str, type[Any]] = {
        "zoom.participant.role_changed": pb.ZoomParticipantRoleChanged,
        "zoom.sharing.started": pb.ZoomSharingStarted,
        "zoom.sharing.ended": pb.ZoomSharingEnded,
        "zoom.participant.joined_breakout_room": pb.ZoomParticipantJoinedBreakoutRoom,
        "zoom.participant.left_breakout_room": pb.ZoomParticipantLeftBreakoutRoom,
    }
    for make, _ in NEW_EVENTS.values():
        body = z.encode(make())
        response = await client.post("/zoom/webhook", content=body, headers=signed_headers(body))
        assert response.status_code == 200
        assert response.json() == {"status": "stored"}
        again = await client.post("/zoom/webhook", content=body, headers=signed_headers(body))
        assert again.json() == {"status": "duplicate"}
    await wait_until(lambda: len(recorder.envelopes) >= len(NEW_EVENTS), within=10)
    assert sorted(e.type for e in recorder.envelopes) == sorted(messages)
    for envelope in recorder.envelopes:
        message = envelope.parse(messages[envelope.type])
        assert message.context.tenant_id == "default"
        assert message.context.webhook_event_id
        assert message.context.dedup_key
        assert message.meeting.meeting_uuid == z.MEETING_UUID
    joined = next(e for e in recorder.envelopes if e.type.endswith("joined_breakout_room"))
    room = joined.parse(pb.ZoomParticipantJoinedBreakoutRoom)
    assert room.participant.registrant_id == "9tboDiHUQAeOnbmudzWa5g"
    assert room.breakout_room_uuid == z.BREAKOUT_ROOM_UUID


async def test_a_raised_hand_has_no_typed_event_and_is_kept_raw(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    """Zoom's Meetings webhook catalogue has no raised-hand event (raised hands are seen only in
    the client and the Meeting and Apps SDKs); should one arrive under any name it is stored
    and published raw, never dropped."""
    body = json.dumps(
        {
            "event": "meeting.participant_raised_hand",
            "event_ts": 1741620000000,
            "payload": {"account_id": "AAAA", "object": {"uuid": z.MEETING_UUID}},
        }
    ).encode()
    response = await client.post("/zoom/webhook", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    await wait_until(lambda: len(recorder.envelopes) == 1, within=10)
    assert recorder.envelopes[0].type == "zoom.raw.meeting.participant_raised_hand"
