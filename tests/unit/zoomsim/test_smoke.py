"""The whole life of a class, end to end, in process."""

from __future__ import annotations

import hashlib
import json

import httpx

from zoomsim import Simulator, expected_sha256
from zoomsim.client import SimClient

from .conftest import HOOK, SECRET, Receiver


async def test_class_life_delivers_signed_webhooks_and_downloadable_files(
    sim: Simulator, api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=True)
    r = await api.post(
        "/v2/users/me/meetings",
        json={
            "topic": "Algebra",
            "type": 2,
            "start_time": "2030-01-01T10:00:00Z",
            "duration": 45,
            "settings": {"auto_recording": "cloud"},
        },
    )
    assert r.status_code == 201, r.text
    m = r.json()
    assert len(str(m["id"])) == 11
    assert isinstance(m["id"], int)
    await ctl.start(m["id"])
    p1 = await ctl.join(m["id"], "Ana Lima")
    p2 = await ctl.join(m["id"], "Hana Host", "host@classbridge.test", internal=True)
    await ctl.leave(m["id"], p1["user_id"])
    await ctl.end(
        m["id"],
        recording={
            "files": [
                {"file_type": "MP4", "size": 3_000_000},
                {"file_type": "TRANSCRIPT", "size": 5000},
            ],
            "delay": 0.05,
            "transcript_delay": 0.05,
        },
    )
    r = await api.get(f"/v2/meetings/{m['id']}/recordings")
    assert r.status_code == 404
    assert r.json()["code"] == 3301
    for _ in range(200):
        await ctl.drain()
        if receiver.events("recording.transcript_completed"):
            break
        import asyncio

        await asyncio.sleep(0.02)
    # Zoom delivers at least once and not always in order: the life reads in order once
    # duplicates are dropped and events are put back in the order Zoom stamped them
    seen = receiver.events()
    distinct = {json.dumps(e, sort_keys=True): e for e in seen}.values()
    names = [e["event"] for e in sorted(distinct, key=lambda e: e["event_ts"])]
    assert names[:8] == [
        "meeting.created",
        "meeting.started",
        "recording.started",  # auto_recording: cloud
        "meeting.participant_joined",
        "meeting.participant_joined",
        "meeting.participant_left",
        "recording.stopped",
        "meeting.participant_left",
    ]
    assert "meeting.ended" in names
    assert "recording.completed" in names
    assert all(r["ok"] for r in receiver.received)
    rec = receiver.events("recording.completed")[0]
    assert isinstance(rec["payload"]["object"]["id"], int)
    f = next(x for x in rec["payload"]["object"]["recording_files"] if x["file_type"] == "MP4")
    r = await api.get(
        f["download_url"].replace("http://zoom.test", ""),
        headers={"Authorization": f"Bearer {rec['download_token']}"},
    )
    assert r.status_code == 302
    r2 = await api.get(r.headers["location"])
    assert r2.status_code == 200
    assert hashlib.sha256(r2.content).hexdigest() == expected_sha256(f["id"], 3_000_000)
    assert p2["id"]
