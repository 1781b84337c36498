"""Calendar feeds through the whole stack: a batch of three classes in Asia/Kolkata (seed 000's
zone), one moved and one cancelled, as a calendar app reads the feed (no bearer token), parsed
back with ``icalendar``; and a student's own feed carrying their own registration link.

Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar

from devstack.stack import Stack
from tests.e2e.classes import eventually

KOLKATA = ZoneInfo("Asia/Kolkata")
STUDENT = "student-cal"
DAYS = ("2030-01-15", "2030-01-16", "2030-01-17")


async def _data(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.request.url, answer.status_code, answer.text)
    return answer.json()["data"]


async def _feed(stack: Stack, path: str) -> dict[str, icalendar.Event]:
    """The feed at ``path`` as a calendar app fetches it (no token); its events by UID."""
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as calendar_app:
        answer = await calendar_app.get(path)
    assert answer.status_code == 200, answer.status_code
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


async def _batch(edge: httpx.AsyncClient) -> tuple[str, list[str]]:
    course = await _data(await edge.post("/api/v1/courses", json={"title": "Chemistry"}), 201)
    batch = await _data(
        await edge.post(
            "/api/v1/batches",
            json={
                "course_id": course["id"],
                "name": "Evening",
                "type": "group",
                "timezone": "Asia/Kolkata",
            },
        ),
        201,
    )
    await _data(
        await edge.post(
            f"/api/v1/batches/{batch['id']}/enrollments",
            json={
                "student_id": STUDENT,
                "email": "cal.student@school.test",
                "first_name": "Cal",
                "last_name": "Student",
            },
        ),
        201,
    )
    ids = []
    for number, day in enumerate(DAYS, 1):
        scheduled = await _data(
            await edge.post(
                f"/api/v1/batches/{batch['id']}/schedule",
                json={
                    "date": day,
                    "start_time": "10:00",
                    "end_time": "11:00",
                    "title": f"Lesson {number}",
                    "create_zoom_meeting": True,
                },
            ),
            201,
        )
        assert scheduled["zoom_meeting"], scheduled["warnings"]
        ids.append(scheduled["session"]["id"])
    return batch["id"], ids


async def test_a_moved_and_a_cancelled_class_reach_the_feed(stack: Stack) -> None:
    admin = {"Authorization": f"Bearer {stack.token()}"}
    student = {"Authorization": f"Bearer {stack.token(STUDENT, ('student',))}"}
    async with httpx.AsyncClient(base_url=stack.edge_url, headers=admin, timeout=30) as edge:
        batch_id, (kept, moved, cancelled) = await _batch(edge)
        link = await _data(await edge.post(f"/api/v1/batches/{batch_id}/calendar-link"))
        before = await _feed(stack, link["path"])
        first = before[f"{kept}@classbridge"]
        start = first.decoded("DTSTART")
        assert (start.date().isoformat(), start.hour, start.minute) == (DAYS[0], 10, 0)
        assert str(start.tzinfo) == "Asia/Kolkata"
        assert str(first["SUMMARY"]) == "Chemistry - Lesson 1"
        assert str(first["STATUS"]) == "CONFIRMED"
        sequence_before = int(before[f"{moved}@classbridge"]["SEQUENCE"])

        # SEQUENCE counts tenths of a second since the class was made (scheduler
        # calendar_feed): a person's move never follows the scheduling this closely, a test's
        # could.
        await asyncio.sleep(0.2)
        new_start = datetime(2030, 1, 16, 15, 30, tzinfo=KOLKATA)
        patched = await edge.patch(
            f"/api/v1/sessions/{moved}",
            json={
                "scheduled_start": new_start.isoformat(),
                "scheduled_end": new_start.replace(hour=16).isoformat(),
            },
        )
        assert patched.status_code == 200, patched.text
        gone = await edge.request(
            "DELETE", f"/api/v1/sessions/{cancelled}", json={"reason": "holiday"}
        )
        assert gone.status_code == 200, gone.text

        after = await _feed(stack, link["path"])
        now_moved = after[f"{moved}@classbridge"]
        start = now_moved.decoded("DTSTART")
        assert start == new_start
        assert (start.hour, start.minute, str(start.tzinfo)) == (15, 30, "Asia/Kolkata")
        assert now_moved.decoded("DTEND") == new_start.replace(hour=16)
        assert int(now_moved["SEQUENCE"]) > sequence_before
        assert str(after[f"{cancelled}@classbridge"]["STATUS"]) == "CANCELLED"
        assert str(after[f"{kept}@classbridge"]["STATUS"]) == "CONFIRMED"

        # The student's own feed: their own registration link, as /join gives it.
        async def registered() -> bool:
            answer = await edge.get(f"/api/v1/sessions/{kept}/join", headers=student)
            return answer.status_code == 200 and bool(answer.json()["data"]["registered"])

        await eventually(registered, "the student's registration for the first class", 60)
        own = await _data(await edge.get(f"/api/v1/sessions/{kept}/join", headers=student))
        mine = await _data(await edge.post("/api/v1/me/calendar-link", headers=student))
        assert mine["kind"] == "user"
        events = await _feed(stack, mine["path"])
        assert set(events) == {f"{s}@classbridge" for s in (kept, moved, cancelled)}
        event = events[f"{kept}@classbridge"]
        assert str(event["URL"]) == own["join_url"]
        assert own["join_url"] in str(event["DESCRIPTION"])
        meeting = await _data(await edge.get(f"/api/v1/sessions/{kept}"))
        assert meeting["zoom_meeting"]["join_url"] != own["join_url"]  # their own, not the room's

        # A forged link says nothing.
        assert (await edge.get("/api/v1/calendar/forged.ics")).status_code == 404
