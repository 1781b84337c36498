"""Fidelity: the events of a meeting's life the simulator used to leave out —
`recording.started|paused|resumed|stopped`, `meeting.summary_completed` with its summary
endpoint, and the waiting-room events — each at its moment, each with a switched-off twin.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from zoomsim import Fidelity, SimConfig
from zoomsim.client import SimClient, SimError

from .conftest import HOOK, SECRET, Receiver
from .fidelity_support import eventually

RECORDING_EVENTS = ("recording.started", "recording.paused", "recording.resumed")


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    """Every switch kind whatever `ZOOMSIM_FIDELITY` says: each test turns on only its own."""
    config.fidelity = Fidelity.kind()
    return config


def names(receiver: Receiver) -> list[str]:
    return [e["event"] for e in receiver.events()]


async def _hooked(ctl: SimClient) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)


async def test_cloud_recording_events_follow_the_recorder(
    ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(recording_control_events=True)
    await _hooked(ctl)
    m = await ctl.create_meeting(settings={"auto_recording": "cloud"})
    await ctl.start(m["id"])
    assert (await ctl.recording_action(m["id"], "pause"))["state"] == "paused"
    with pytest.raises(SimError) as twice:
        await ctl.recording_action(m["id"], "pause")
    assert twice.value.status == 409
    await ctl.recording_action(m["id"], "resume")
    await ctl.end(m["id"], recording={"files": [{"file_type": "MP4", "size": 10}], "delay": 0})
    await ctl.drain()
    seq = [n for n in names(receiver) if n.startswith(("recording.", "meeting."))]
    assert seq[:6] == [
        "meeting.started",
        "recording.started",
        "recording.paused",
        "recording.resumed",
        "recording.stopped",
        "meeting.ended",
    ]
    started, paused, resumed, stopped = (
        receiver.events(n)[0]["payload"]
        for n in ("recording.started", "recording.paused", "recording.resumed", "recording.stopped")
    )
    assert started["object"]["id"] == m["id"]  # a number, as in every recording event
    assert started["object"]["recording_file"]["recording_end"] == ""
    seg = paused["object"]["recording_file"]
    assert seg["recording_start"] == started["object"]["recording_file"]["recording_start"]
    assert seg["recording_end"]
    assert resumed["object"]["recording_file"]["recording_end"] == ""
    assert (
        stopped["object"]["recording_file"]["recording_start"]
        == (resumed["object"]["recording_file"]["recording_start"])
    )
    assert started["operator_id"] == m["host_id"]


async def test_recording_control_events_switched_off_none_are_sent(
    ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(recording_control_events=False)
    await _hooked(ctl)
    m = await ctl.create_meeting(settings={"auto_recording": "cloud"})
    await ctl.start(m["id"])
    await ctl.recording_action(m["id"], "pause")
    await ctl.end(m["id"], no_recording=True)
    await ctl.drain()
    assert not [n for n in names(receiver) if n in (*RECORDING_EVENTS, "recording.stopped")]


async def test_meeting_summary_completed_after_the_end_and_served(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(meeting_summary=True, summary_delay_seconds=0)
    await _hooked(ctl)
    made = await api.post(
        "/v2/users/me/meetings",
        json={"topic": "Fractions", "settings": {"auto_start_meeting_summary": True}},
    )
    m = made.json()
    await ctl.start(m["id"])
    await ctl.join(m["id"], "Ana Lima")
    r = await api.get(f"/v2/meetings/{m['id']}/meeting_summary")
    assert (r.status_code, r.json()["code"]) == (404, 3001)  # not ended yet
    ended = await ctl.end(m["id"], no_recording=True)
    await eventually(lambda: bool(receiver.events("meeting.summary_completed")), ctl)
    assert names(receiver).index("meeting.ended") < names(receiver).index(
        "meeting.summary_completed"
    )
    event = receiver.events("meeting.summary_completed")[0]["payload"]
    obj = event["object"]
    assert obj["meeting_uuid"] == ended["uuid"]
    assert obj["meeting_id"] == m["id"]
    assert obj["summary_title"]
    assert obj["summary_content"]

    by_number = await api.get(f"/v2/meetings/{m['id']}/meeting_summary")
    assert by_number.status_code == 200
    summary = by_number.json()
    assert summary["meeting_uuid"] == ended["uuid"]
    assert summary["summary_overview"] == obj["summary_overview"]
    by_uuid = await api.get(f"/v2/meetings/{quote(ended['uuid'], safe='')}/meeting_summary")
    assert by_uuid.json() == summary

    # a meeting that is not summarised has no summary, and no event
    plain = (await api.post("/v2/users/me/meetings", json={"topic": "Plain"})).json()
    await ctl.start(plain["id"])
    await ctl.end(plain["id"], no_recording=True)
    await ctl.drain()
    assert len(receiver.events("meeting.summary_completed")) == 1
    r = await api.get(f"/v2/meetings/{plain['id']}/meeting_summary")
    assert (r.status_code, r.json()["code"]) == (404, 3001)


async def test_meeting_summary_switched_off_no_event_no_endpoint(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(meeting_summary=False, summary_delay_seconds=0)
    await _hooked(ctl)
    m = await ctl.create_meeting(settings={"auto_start_meeting_summary": True})
    await ctl.start(m["id"])
    await ctl.end(m["id"], no_recording=True, summary=True)
    await ctl.drain()
    assert receiver.events("meeting.summary_completed") == []
    r = await api.get(f"/v2/meetings/{m['id']}/meeting_summary")
    assert r.status_code == 404
    assert r.json() == {"code": 404, "message": "Not Found"}


async def test_waiting_room_events_enter_admit_and_leave(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(waiting_room_events=True)
    await _hooked(ctl)
    m = await ctl.create_meeting(settings={"waiting_room": True, "auto_recording": "none"})
    await ctl.start(m["id"])
    ana = await ctl.join(m["id"], "Ana")  # admitted at once
    ben = await ctl.join(m["id"], "Ben", wait=True)
    assert ben["waiting"] is True
    cy = await ctl.join(m["id"], "Cy", wait=True)
    await ctl.drain()
    assert names(receiver)[1:] == [
        "meeting.participant_joined_waiting_room",
        "meeting.participant_admitted",
        "meeting.participant_left_waiting_room",
        "meeting.participant_joined",
        "meeting.participant_joined_waiting_room",
        "meeting.participant_joined_waiting_room",
    ]
    admitted = await ctl.admit(m["id"], ben["user_id"])
    assert admitted["waiting"] is False
    await ctl.leave(m["id"], cy["user_id"])  # gave up waiting
    await ctl.drain()
    assert names(receiver)[7:] == [
        "meeting.participant_admitted",
        "meeting.participant_left_waiting_room",
        "meeting.participant_joined",
        "meeting.participant_left_waiting_room",
    ]
    waited = receiver.events("meeting.participant_joined_waiting_room")[1]["payload"]["object"]
    assert waited["id"] == str(m["id"])  # a meeting event: the id is a string
    assert waited["participant"]["user_id"] == ben["user_id"]
    assert waited["participant"]["date_time"]
    assert "meeting.participant_left" not in names(receiver)  # Cy never was in the meeting
    await ctl.end(m["id"])
    rows = (await api.get(f"/v2/past_meetings/{m['id']}/participants")).json()["participants"]
    assert sorted(r["name"] for r in rows) == ["Ana", "Ben"]
    assert ana["user_id"] in {r["user_id"] for r in rows}


async def test_waiting_room_events_switched_off_straight_in(
    ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(waiting_room_events=False)
    await _hooked(ctl)
    m = await ctl.create_meeting(settings={"waiting_room": True, "auto_recording": "none"})
    await ctl.start(m["id"])
    p = await ctl.join(m["id"], "Ben", wait=True)
    assert p["waiting"] is False
    await ctl.drain()
    assert names(receiver) == ["meeting.started", "meeting.participant_joined"]
