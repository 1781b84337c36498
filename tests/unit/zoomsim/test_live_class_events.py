"""What happens inside a live class, as signed webhooks with Zoom's payloads: role changes
(`meeting.participant_role_changed`), sharing (`meeting.sharing_started/_ended` and the
breakout-room forms), breakout rooms (`meeting.participant_joined/left_breakout_room`, with the
main meeting's left/joined around them, or not with `breakout_room_main_events` off), and the
report rows a breakout room gives (`bo_mtg_id`), a room-only stay included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zoomsim import Fidelity, SimConfig
from zoomsim.client import SimClient, SimError

from .conftest import HOOK, SECRET, Receiver

T0 = 1_900_000_000


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    config.fidelity = Fidelity.zoom(webhook_at_least_once=False)
    return config


async def _live(ctl: SimClient) -> dict[str, Any]:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = await ctl.create_meeting(topic="Live", settings={"approval_type": 0})
    await ctl.start(m["id"], at=T0)
    return m


def _events(receiver: Receiver, prefix: str = "meeting.") -> list[tuple[str, dict[str, Any]]]:
    skip = ("meeting.started", "meeting.registration_created")
    return [
        (e["event"], e["payload"]["object"])
        for e in receiver.events()
        if e["event"].startswith(prefix) and e["event"] not in skip
    ]


async def test_role_changes_hand_the_host_over(ctl: SimClient, receiver: Receiver) -> None:
    m = await _live(ctl)
    host = await ctl.join(m["id"], host=True, at=T0)
    r = await ctl.add_registrant(m["id"], "asha@school.test", "Asha", "Rao")
    asha = await ctl.join(m["id"], join_url=r["join_url"], at=T0 + 5)
    made = await ctl.change_role(m["id"], asha["user_id"], "co-host", at=T0 + 60)
    assert made["role"] == "co-host"
    await ctl.change_role(m["id"], asha["user_id"], "co-host", at=T0 + 61)  # no change: silent
    await ctl.change_role(m["id"], asha["user_id"], "host", at=T0 + 120)
    with pytest.raises(SimError) as bad:
        await ctl.change_role(m["id"], asha["user_id"], "owner")
    assert bad.value.status == 400
    await ctl.drain()
    changes = [o["participant"] for n, o in _events(receiver) if n.endswith("role_changed")]
    assert [(c["user_id"], c["old_role"], c["new_role"]) for c in changes] == [
        (asha["user_id"], "attendee", "co-host"),
        (host["user_id"], "host", "attendee"),  # the host hands over: the old host first
        (asha["user_id"], "co-host", "host"),
    ]
    first = changes[0]
    assert set(first) == {
        "user_id",
        "user_name",
        "email",
        "registrant_id",
        "participant_user_id",
        "participant_uuid",
        "date_time",
        "old_role",
        "new_role",
    }
    assert (first["registrant_id"], first["date_time"]) == (
        r["registrant_id"],
        "2030-03-17T17:47:40Z",
    )


async def test_sharing_events_and_a_share_ending_with_its_sharer(
    ctl: SimClient, receiver: Receiver
) -> None:
    m = await _live(ctl)
    a = await ctl.join(m["id"], "Ana", at=T0)
    b = await ctl.join(m["id"], "Bo", at=T0)
    await ctl.start_sharing(m["id"], a["user_id"], "application", at=T0 + 10, source="dropbox")
    await ctl.start_sharing(m["id"], b["user_id"], at=T0 + 20)  # takes over from Ana
    await ctl.end_sharing(m["id"], b["user_id"], at=T0 + 30)
    with pytest.raises(SimError) as not_sharing:
        await ctl.end_sharing(m["id"], b["user_id"])
    assert not_sharing.value.status == 409
    await ctl.start_sharing(m["id"], a["user_id"], "whiteboard", at=T0 + 40)
    await ctl.leave(m["id"], a["user_id"], at=T0 + 50)  # the share ends with her
    await ctl.drain()
    seq = [(n, o["participant"]) for n, o in _events(receiver) if "sharing" in n or "left" in n]
    assert [(n, p["user_id"], p.get("sharing_details", {}).get("content")) for n, p in seq] == [
        ("meeting.sharing_started", a["user_id"], "application"),
        ("meeting.sharing_ended", a["user_id"], "application"),
        ("meeting.sharing_started", b["user_id"], "desktop"),
        ("meeting.sharing_ended", b["user_id"], "desktop"),
        ("meeting.sharing_started", a["user_id"], "whiteboard"),
        ("meeting.sharing_ended", a["user_id"], "whiteboard"),
        ("meeting.participant_left", a["user_id"], None),
    ]
    started = seq[0][1]
    assert set(started) == {"user_id", "user_name", "id", "sharing_details"}
    assert started["sharing_details"] == {
        "content": "application",
        "link_source": "",
        "file_link": "",
        "date_time": "2030-03-17T17:46:50Z",
        "source": "dropbox",
    }
    assert seq[1][1]["sharing_details"]["date_time"] == "2030-03-17T17:47:00Z"  # when it ended


async def test_breakout_rooms_in_webhooks_and_reports(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    m = await _live(ctl)
    r = await ctl.add_registrant(m["id"], "asha@school.test", "Asha", "Rao")
    asha = await ctl.join(m["id"], join_url=r["join_url"], customer_key="stu1", at=T0)
    room = await ctl.join_breakout_room(m["id"], asha["user_id"], "Room 1", at=T0 + 600)
    assert room["user_id"] != asha["user_id"]
    assert (room["breakout_room"], room["parent_user_id"]) == ("Room 1", asha["user_id"])
    assert room["participant_uuid"] == asha["participant_uuid"]  # the same device
    await ctl.start_sharing(m["id"], room["user_id"], at=T0 + 700)
    back = await ctl.leave_breakout_room(m["id"], room["user_id"], at=T0 + 1200)
    assert back["breakout_room_uuid"] == ""
    # a pre-assigned student: straight into a room, never in the main meeting for long
    only = await ctl.join(m["id"], "Ola", at=T0 + 60, breakout_room="Room 2")
    assert only["breakout_room"] == "Room 2"
    await ctl.end(m["id"], at=T0 + 1800, no_recording=True)
    await ctl.drain()
    seq = [
        (n, o.get("breakout_room_uuid", ""), o["participant"])
        for n, o in _events(receiver)
        if "participant" in n and o["participant"]["user_name"] == "Asha Rao"
    ]
    assert [(n, p["user_id"]) for n, _room, p in seq] == [
        ("meeting.participant_joined", asha["user_id"]),
        ("meeting.participant_left", asha["user_id"]),  # out of the main meeting [seen]
        ("meeting.participant_joined_breakout_room", room["user_id"]),
        ("meeting.participant_left_breakout_room", room["user_id"]),
        ("meeting.participant_joined", back["user_id"]),  # back: a new user_id
        ("meeting.participant_left", back["user_id"]),
    ]
    _n, room_uuid, into = seq[2]
    assert room_uuid == room["breakout_room_uuid"]
    assert (into["parent_user_id"], into["registrant_id"], into["customer_key"]) == (
        asha["user_id"],
        r["registrant_id"],
        "stu1",
    )
    assert into["join_time"] == "2030-03-17T17:56:40Z"
    assert seq[3][2]["leave_reason"]  # and the room's share ended as she left it
    shares = [n for n, _o in _events(receiver) if "sharing" in n]
    assert shares == [
        "meeting.breakout_room_sharing_started",
        "meeting.breakout_room_sharing_ended",
    ]
    closed = [
        o["participant"]
        for n, o in _events(receiver)
        if n == "meeting.participant_left_breakout_room" and o["participant"]["user_name"] == "Ola"
    ]
    assert closed[0]["leave_reason"] == "host ended the meeting"

    report = (
        await api.get(
            f"/v2/report/meetings/{m['id']}/participants",
            params={"include_fields": "registrant_id"},
        )
    ).json()["participants"]
    mine = [row for row in report if row["registrant_id"] == r["registrant_id"]]
    assert [(row["duration"], row.get("bo_mtg_id")) for row in mine] == [
        (600, None),
        (600, room["breakout_room_uuid"]),
        (600, None),
    ]
    ola = [row for row in report if row["name"] == "Ola"]
    assert [row["duration"] for row in ola] == [0, 1740]  # visible: the room row
    assert ola[1]["bo_mtg_id"] == only["breakout_room_uuid"]


async def test_breakout_room_main_events_switched_off(ctl: SimClient, receiver: Receiver) -> None:
    await ctl.set_fidelity(breakout_room_main_events=False)
    m = await _live(ctl)
    p = await ctl.join(m["id"], "Ana", at=T0)
    room = await ctl.join_breakout_room(m["id"], p["user_id"], "Room 1", at=T0 + 60)
    other = await ctl.join_breakout_room(m["id"], room["user_id"], "Room 2", at=T0 + 120)
    back = await ctl.leave_breakout_room(m["id"], other["user_id"], at=T0 + 180)
    assert back["user_id"] == p["user_id"]  # the main stay goes on under its first id
    again = await ctl.join_breakout_room(m["id"], back["user_id"], "Room 1", at=T0 + 240)
    rows = await ctl.close_breakout_rooms(m["id"], at=T0 + 300)
    assert [x["user_id"] for x in rows] == [p["user_id"]]
    await ctl.leave(m["id"], p["user_id"], at=T0 + 360)
    await ctl.drain()
    assert [(n, o["participant"]["user_id"]) for n, o in _events(receiver)] == [
        ("meeting.participant_joined", p["user_id"]),
        ("meeting.participant_joined_breakout_room", room["user_id"]),
        ("meeting.participant_left_breakout_room", room["user_id"]),
        ("meeting.participant_joined_breakout_room", other["user_id"]),
        ("meeting.participant_left_breakout_room", other["user_id"]),
        ("meeting.participant_joined_breakout_room", again["user_id"]),
        ("meeting.participant_left_breakout_room", again["user_id"]),
        ("meeting.participant_left", p["user_id"]),
    ]
    # leaving the class from a room ends the main stay the webhooks know, too
    q = await ctl.join(m["id"], "Bo", at=T0 + 400, breakout_room="Room 3")
    await ctl.leave(m["id"], q["user_id"], at=T0 + 500)
    await ctl.drain()
    tail = [(n, o["participant"]["user_id"]) for n, o in _events(receiver)][-3:]
    assert tail == [
        ("meeting.participant_joined_breakout_room", q["user_id"]),
        ("meeting.participant_left_breakout_room", q["user_id"]),
        ("meeting.participant_left", q["parent_user_id"]),
    ]
