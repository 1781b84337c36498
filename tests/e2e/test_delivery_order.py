"""A whole class ends in the same state whether Zoom's webhooks arrive in order or not.

Zoom delivers webhooks at least once and not always in order (the simulator does too, by
default: seeded duplicates and bounded reordering). Two classes are played the same way through
the whole stack, one with every event sent once and in order, the other with many sent twice and
many held back behind later ones; what the edge then shows of each (the session's status, its
participants, attendance, recorded lessons, the stored webhook events) must be the same.

Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from devstack.stack import Stack
from tests.e2e.classes import eventually, schedule_class
from zoomsim.client import SimClient

FILES = [{"file_type": "MP4", "size": 512 * 1024}, {"file_type": "CHAT", "size": 2048}]
IN_ORDER = {"webhook_at_least_once": False}
SHUFFLED = {
    "webhook_at_least_once": True,
    "webhook_duplicate_rate": 0.5,  # every other event sent twice
    "webhook_reorder_rate": 0.5,  # every other event overtaken by up to 3 later ones
    "webhook_reorder_window": 3,
    "webhook_reorder_max_delay": 0.5,
    "webhook_seed": 11,
}


async def test_a_class_ends_the_same_with_duplicated_and_reordered_webhooks(
    stack: Stack,
) -> None:
    headers = {"Authorization": f"Bearer {stack.token()}"}
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, headers=headers, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        await zoom.set_fidelity(**IN_ORDER)
        in_order = await _play_class(edge, zoom, "2030-01-15")
        await zoom.set_fidelity(**SHUFFLED)
        shuffled = await _play_class(edge, zoom, "2030-01-16")
        sent = await zoom.deliveries()
    # the second class really was delivered out of order and with duplicates
    assert any(d.get("duplicate_of") for d in sent), "no duplicate was sent"
    assert any(d.get("reordered") for d in sent), "nothing was reordered"
    assert shuffled == in_order


async def _play_class(edge: httpx.AsyncClient, zoom: SimClient, day: str) -> dict[str, Any]:
    """Schedule a class, play its meeting (a teacher, a student who rejoins, a guest), let its
    recording sync, and return what the edge shows of it without ids and clock times."""
    _, session_id, meeting_id = await schedule_class(edge, f"Physics {day}", date=day)
    await zoom.start(meeting_id)
    teacher = await zoom.join(meeting_id, "Tomas Teacher", "teacher@classbridge.test")
    # the course platform's link names the student (Zoom's customer_key): her rejoin, from
    # another device, is the same person; a typed name or email would not be
    ana = {"customer_key": "student-ana"}
    student = await zoom.join(meeting_id, "Ana Lima", "ana@school.test", **ana)
    guest = await zoom.join(meeting_id, "Bo Guest")
    await zoom.leave(meeting_id, student["user_id"])
    student = await zoom.join(meeting_id, "Ana Lima", "ana@school.test", **ana)
    await zoom.leave(meeting_id, guest["user_id"])
    await zoom.leave(meeting_id, student["user_id"])
    await zoom.leave(meeting_id, teacher["user_id"])
    await zoom.end(meeting_id, recording={"files": FILES, "delay": 0.2})
    await zoom.drain()
    await eventually(lambda: _settled(edge, session_id), f"class {session_id} settled", 90)
    return await _snapshot(edge, session_id, meeting_id)


async def _settled(edge: httpx.AsyncClient, session_id: str) -> bool:
    """Ended, both recorded lessons in, and everyone who came shown as gone again."""
    session = (await edge.get(f"/api/v1/sessions/{session_id}")).json()["data"]
    if session["status"] != "ended" or session.get("recorded_lesson_count", 0) < len(FILES):
        return False
    people = await edge.get(f"/api/live-classes/{session_id}/participants")
    statuses = [p["status"] for p in people.json()["data"]]
    return statuses.count("left") == 3 and "joined" not in statuses


async def _snapshot(edge: httpx.AsyncClient, session_id: str, meeting_id: int) -> dict[str, Any]:
    session = (await edge.get(f"/api/v1/sessions/{session_id}")).json()["data"]
    people = (await edge.get(f"/api/live-classes/{session_id}/participants")).json()["data"]
    lessons = await edge.get(f"/api/v1/sessions/{session_id}/recorded-lessons")
    events = (await edge.get("/api/v1/admin/webhook-events", params={"limit": 200})).json()
    return {
        "status": session["status"],
        "recorded_lessons": session["recorded_lesson_count"],
        "participants": sorted(
            (p["display_name"], p["email"], p["role"], p["status"], len(p["intervals"]))
            for p in people
        ),
        "lesson_files": sorted(
            (lesson["lesson_kind"], lesson["file_size_bytes"], len(lesson["parts"]))
            for lesson in lessons.json()["data"]
        ),
        "events": Counter(
            e["event_type"] for e in events["data"] if str(meeting_id) in str(e.get("meeting_id"))
        ),
    }
