"""The walking skeleton, end to end: every service started for real, Zoom played by the simulator.

A class is scheduled through the edge (scheduler → zoom-gateway → simulator creates the meeting);
the simulator plays the meeting's life and sends Zoom's signed webhooks to webhook-ingest, which
stores and publishes them; the scheduler consumes them; the edge shows the session ended. A
webhook with a bad signature is refused and leaves no trace anywhere.

The same test runs on the embedded default (SQLite files, in-process bus) and, in the
integration tier, on PostgreSQL (a schema per service) and RabbitMQ (an exchange of its own).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

import httpx

from classbridge_common.crypto import hmac_sha256_hex
from devstack.stack import Stack


async def _edge(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.token()}"},
        timeout=30,
    )


async def _schedule_class(edge: httpx.AsyncClient) -> dict[str, Any]:
    course = (await edge.post("/api/v1/courses", json={"title": "Advanced JavaScript"})).json()
    assert course["success"], course
    course_id = course["data"]["id"]
    batch = await edge.post(
        "/api/v1/batches",
        json={"course_id": course_id, "name": "Batch 1", "type": "group"},
    )
    assert batch.status_code == 201, batch.text
    batch_id = batch.json()["data"]["id"]
    scheduled = await edge.post(
        f"/api/v1/batches/{batch_id}/schedule",
        json={
            "date": "2030-01-15",
            "start_time": "10:00",
            "end_time": "11:30",
            "title": "Introduction to ES6",
            "description": "Arrow functions, modules and classes",
            "timezone": "Asia/Kolkata",
            "create_zoom_meeting": True,
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    return scheduled.json()["data"]


async def _session_status(edge: httpx.AsyncClient, session_id: str) -> str:
    answer = await edge.get(f"/api/v1/sessions/{session_id}")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["status"])


async def test_a_zoom_meeting_ended_webhook_ends_the_scheduled_session(stack: Stack):
    async with await _edge(stack) as edge, stack.sim_client() as zoom:
        data = await _schedule_class(edge)
        assert data["warnings"] == [], data["warnings"]
        session_id = data["session"]["id"]
        meeting_id = data["zoom_meeting"]["id"]
        assert meeting_id, data
        meeting = await zoom.meeting(int(meeting_id))
        assert meeting["topic"] == "Advanced JavaScript - Introduction to ES6"
        assert meeting["settings"]["auto_recording"] == "cloud"

        await zoom.start(int(meeting_id))
        await _wait_for_status(edge, session_id, "in_progress")
        await zoom.end(int(meeting_id), no_recording=True)
        await _wait_for_status(edge, session_id, "ended")


async def _wait_for_status(edge: httpx.AsyncClient, session_id: str, wanted: str) -> None:
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = await _session_status(edge, session_id)
        if status == wanted:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"session stayed {status!r}, expected {wanted!r}")


async def test_a_webhook_with_a_bad_signature_is_refused_and_leaves_no_trace(stack: Stack):
    async with await _edge(stack) as edge:
        data = await _schedule_class(edge)
        session_id = data["session"]["id"]
        meeting_id = data["zoom_meeting"]["id"]
        body = json.dumps(
            {
                "event": "meeting.ended",
                "event_ts": int(time.time() * 1000),
                "payload": {
                    "account_id": "acc",
                    "object": {
                        "id": str(meeting_id),
                        "uuid": "bad-signature-uuid==",
                        "start_time": "2030-01-15T04:30:00Z",
                        "end_time": "2030-01-15T06:00:00Z",
                    },
                },
            },
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        forged = "v0=" + hmac_sha256_hex(b"not-the-secret", f"v0:{timestamp}:".encode() + body)
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.post(
                stack.webhook_url,
                content=body,
                headers={
                    "content-type": "application/json",
                    "x-zm-request-timestamp": timestamp,
                    "x-zm-signature": forged,
                },
            )
        assert answer.status_code == 401

        events = await edge.get("/api/v1/admin/webhook-events")
        assert events.status_code == 200, events.text
        stored = [e["event_type"] for e in events.json()["data"]]
        assert "meeting.ended" not in stored  # only the simulator's genuine meeting.created
        await asyncio.sleep(0.5)  # had anything been published, the scheduler would have seen it
        assert await _session_status(edge, session_id) == "scheduled"


async def test_a_cloud_recording_arrives_in_storage_as_recorded_lessons(stack: Stack):
    from zoomsim import expected_sha256

    async with await _edge(stack) as edge, stack.sim_client() as zoom:
        data = await _schedule_class(edge)
        session_id = data["session"]["id"]
        batch_id = data["session"]["batch_id"]
        meeting_id = int(data["zoom_meeting"]["id"])
        await zoom.start(meeting_id)
        files = [{"file_type": "MP4", "size": 3 * 1024 * 1024}, {"file_type": "CHAT", "size": 4096}]
        await zoom.end(meeting_id, recording={"files": files, "delay": 0.2})

        deadline = time.monotonic() + 90
        lessons = 0
        while time.monotonic() < deadline and lessons < 2:
            answer = await edge.get(f"/api/v1/sessions/{session_id}")
            lessons = int(answer.json()["data"].get("recorded_lesson_count", 0))
            await asyncio.sleep(0.2)
        assert lessons == 2

        status = (await edge.get(f"/api/v1/batches/{batch_id}/zoom-sync-status")).json()["data"]
        assert status["sync_statistics"]["synced_sessions"] == 1

    # The bytes in storage are Zoom's, under the group batch's folder.
    recording = (await zoom_recording(stack, meeting_id))["files"]
    stored = sorted((stack.config.data_dir / "storage" / "videos" / batch_id).glob("[!.]*"))
    assert len(stored) == 2
    wanted = {expected_sha256(f["id"], f["file_size"], f["file_type"]) for f in recording}
    assert {hashlib.sha256(path.read_bytes()).hexdigest() for path in stored} == wanted


async def zoom_recording(stack: Stack, meeting_id: int) -> dict[str, Any]:
    """The meeting's recording as Zoom lists it (through the simulator's control API)."""
    async with stack.sim_client() as zoom:
        meeting = await zoom.meeting(meeting_id)
    return meeting["instances"][-1]["recording"]  # type: ignore[no-any-return]
