"""What end-to-end tests do through the edge again and again: schedule a class with its Zoom
meeting, and wait for the stack to get somewhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx


async def schedule_class(
    edge: httpx.AsyncClient, title: str, *, date: str = "2030-01-15"
) -> tuple[str, str, int]:
    """A course, a group batch and one class of it, 10:00 to 11:00, with a Zoom meeting:
    (batch id, session id, meeting id)."""
    course = await edge.post("/api/v1/courses", json={"title": title})
    assert course.status_code == 201, course.status_code
    batch = await edge.post(
        "/api/v1/batches",
        json={"course_id": course.json()["data"]["id"], "name": "Batch 1", "type": "group"},
    )
    assert batch.status_code == 201, batch.status_code
    batch_id = batch.json()["data"]["id"]
    scheduled = await edge.post(
        f"/api/v1/batches/{batch_id}/schedule",
        json={
            "date": date,
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Lesson 1",
            "create_zoom_meeting": True,
        },
    )
    assert scheduled.status_code == 201, scheduled.status_code  # the body holds the passcode
    data = scheduled.json()["data"]
    assert data["zoom_meeting"], data["warnings"]
    return batch_id, data["session"]["id"], int(data["zoom_meeting"]["id"])


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 20) -> None:
    """Poll ``check`` until true; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        await asyncio.sleep(0.1)
