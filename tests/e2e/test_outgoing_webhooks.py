"""Outgoing webhooks end to end: a course platform registers an endpoint through the edge, a
class is scheduled, played (with a cloud recording) and another one cancelled, and the
platform's receiver — a real HTTP server in this test — gets session.scheduled,
recording.ready, session.cancelled (and the other events that arrive: started, ended,
attendance) signed the Standard Webhooks way, verified with the official `standardwebhooks`
library. Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from devstack.stack import Stack
from tests.unit.webhook_ingest.outgoing_receiver import Receiver, receiving

ALL_TYPES = [
    "session.scheduled",
    "session.updated",
    "session.cancelled",
    "session.started",
    "session.ended",
    "attendance.ready",
    "recording.ready",
    "recording.deleted",
    "recording.sync_failed",
]


async def _data(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()["data"]


async def _schedule(edge: httpx.AsyncClient, batch_id: str, date: str, title: str) -> Any:
    return await _data(
        await edge.post(
            f"/api/v1/batches/{batch_id}/schedule",
            json={
                "date": date,
                "start_time": "10:00",
                "end_time": "11:00",
                "title": title,
                "timezone": "UTC",
                "create_zoom_meeting": True,
            },
        ),
        201,
    )


def _payloads(receiver: Receiver, secret: str) -> list[dict[str, Any]]:
    hook = Webhook(secret)
    return [hook.verify(r.body, r.headers) for r in receiver.accepted]


async def _wait_for(receiver: Receiver, secret: str, wanted: set[tuple[str, str]]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        seen = {(p["type"], str(p["data"].get("session_id"))) for p in _payloads(receiver, secret)}
        if wanted <= seen:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never received {wanted - seen}; got {sorted(seen)}")


async def test_a_platform_receives_its_classes_events_signed(stack: Stack) -> None:
    headers = {"Authorization": f"Bearer {stack.token()}"}
    async with (
        receiving() as receiver,
        httpx.AsyncClient(base_url=stack.edge_url, headers=headers, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        created = await _data(
            await edge.post(
                "/api/v1/webhooks/endpoints",
                json={"url": receiver.url, "event_types": ALL_TYPES, "description": "LMS"},
            ),
            201,
        )
        secret = created["secret"]
        endpoint_id = created["endpoint"]["id"]
        assert secret.startswith("whsec_")
        again = await edge.post(
            "/api/v1/webhooks/endpoints", json={"url": receiver.url, "event_types": ALL_TYPES}
        )
        assert again.status_code == 409, again.text
        bad = await edge.post(
            "/api/v1/webhooks/endpoints",
            json={"url": "https://169.254.169.254/", "event_types": ["session.scheduled"]},
        )
        assert bad.status_code == 400, bad.text
        for wrong in (
            {"event_types": ["session.scheduled"]},  # no url
            {"url": receiver.url, "event_types": "session.scheduled"},  # not a list
            {"url": receiver.url + "&x=1", "event_types": ["session.exploded"]},
        ):
            refused = await edge.post("/api/v1/webhooks/endpoints", json=wrong)
            assert refused.status_code == 400, refused.text
        no_since = await edge.post(
            f"/api/v1/webhooks/endpoints/{endpoint_id}/replay-failed", json={}
        )
        assert no_since.status_code == 400, no_since.text
        bad_status = await edge.get("/api/v1/webhooks/deliveries", params={"status": "lost"})
        assert bad_status.status_code == 400, bad_status.text
        unknown = await edge.get("/api/v1/webhooks/endpoints/ep_nope")
        assert unknown.status_code == 404, unknown.text
        elsewhere = await edge.get(
            f"/api/v1/webhooks/endpoints/{endpoint_id}",
            headers={
                "Authorization": f"Bearer {stack.token('admin-9', ('admin',), tenant='acme')}"
            },
        )
        assert elsewhere.status_code == 404, elsewhere.text

        course = await _data(await edge.post("/api/v1/courses", json={"title": "Physics"}), 201)
        batch = await _data(
            await edge.post(
                "/api/v1/batches",
                json={"course_id": course["id"], "name": "P1", "type": "group"},
            ),
            201,
        )
        played = await _schedule(edge, batch["id"], "2030-02-01", "Motion")
        cancelled = await _schedule(edge, batch["id"], "2030-02-08", "Energy")
        played_id, cancelled_id = played["session"]["id"], cancelled["session"]["id"]
        meeting_id = int(played["zoom_meeting"]["id"])

        await zoom.start(meeting_id)
        files = [{"file_type": "MP4", "size": 64 * 1024}]
        await zoom.end(meeting_id, recording={"files": files, "delay": 0.1})
        await _data(
            await edge.request(
                "DELETE", f"/api/v1/sessions/{cancelled_id}", json={"reason": "holiday"}
            )
        )
        await _wait_for(
            receiver,
            secret,
            {
                ("session.scheduled", played_id),
                ("session.scheduled", cancelled_id),
                ("recording.ready", played_id),
                ("session.cancelled", cancelled_id),
            },
        )
        payloads = _payloads(receiver, secret)  # every one verified with the library
        assert all(p["type"] in ALL_TYPES for p in payloads)
        assert all(p["timestamp"].endswith("Z") for p in payloads)
        ready = next(p for p in payloads if p["type"] == "recording.ready")
        assert ready["data"]["meeting_id"] == str(meeting_id)
        assert ready["data"]["files"], ready
        ids = [r.headers["webhook-id"] for r in receiver.accepted]
        assert len(ids) == len(set(ids))  # each event once

        listed = await _data(
            await edge.get("/api/v1/webhooks/deliveries", params={"endpoint_id": endpoint_id})
        )
        assert {d["status"] for d in listed} <= {"succeeded", "pending"}
        one = await _data(await edge.get(f"/api/v1/webhooks/deliveries/{ids[0]}"))
        assert one["attempts"][0]["status_code"] == 200
        replayed = await edge.post(f"/api/v1/webhooks/deliveries/{ids[0]}/replay")
        assert replayed.status_code == 202, replayed.text
        deadline = time.monotonic() + 30
        while sum(r.headers["webhook-id"] == ids[0] for r in receiver.accepted) < 2:
            assert time.monotonic() < deadline, "the replay never arrived"
            await asyncio.sleep(0.1)
