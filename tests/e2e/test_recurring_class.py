"""A recurring class end to end: one Zoom recurring meeting, a session per occurrence.

A course platform schedules a term of a group batch as a series (``FREQ=WEEKLY;BYDAY=MO,WE``,
six classes, one skipped for a holiday): Classbridge stores five sessions and makes one
recurring meeting in the simulator (the holiday's occurrence deleted from it). One class is
moved and one cancelled through the session routes: at Zoom only those occurrences change, and
the batch's calendar feed (parsed back with ``icalendar``) shows the move and the cancellation.
The simulator then plays the first three occurrences, each a new instance of the same meeting
(its own UUID), with different students present each time and a cloud recording each: every
session ends with its own attendance and its own recorded lesson.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar

from devstack.stack import Stack
from tests.e2e.classes import eventually

KOLKATA = ZoneInfo("Asia/Kolkata")
TEACHER = "teacher-1"
STUDENTS = ("student-ana", "student-ben")


async def _data(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.request.url, answer.status_code, answer.text)
    return answer.json()["data"]


def _bearer(stack: Stack, subject: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(subject, (role,))}"}


async def _batch(edge: httpx.AsyncClient) -> str:
    course = await _data(
        await edge.post("/api/v1/courses", json={"title": "Physics", "instructor_ids": [TEACHER]}),
        201,
    )
    batch = await _data(
        await edge.post(
            "/api/v1/batches",
            json={
                "course_id": course["id"],
                "name": "Term 1",
                "type": "group",
                "instructor_id": TEACHER,
                "timezone": "Asia/Kolkata",
            },
        ),
        201,
    )
    for student in STUDENTS:
        name = student.removeprefix("student-").title()
        await _data(
            await edge.post(
                f"/api/v1/batches/{batch['id']}/enrollments",
                json={
                    "student_id": student,
                    "email": f"{student}@school.test",
                    "first_name": name,
                    "last_name": "Lee",
                },
            ),
            201,
        )
    return str(batch["id"])


def _local(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(KOLKATA)


def _occurrences(meeting: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["occurrence_id"]: o for o in meeting.get("occurrences", [])}


async def test_a_recurring_class_is_a_session_per_occurrence_moved_cancelled_and_held_alone(
    stack: Stack,
) -> None:
    teacher = _bearer(stack, TEACHER, "teacher")
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, headers=teacher, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        batch_id = await _batch(edge)
        made = await _data(
            await edge.post(
                f"/api/v1/batches/{batch_id}/series",
                json={
                    "date": "2030-01-07",  # a Monday
                    "start_time": "10:00",
                    "end_time": "11:00",
                    "title": "Mechanics",
                    "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
                    "exceptions": ["2030-01-09"],
                    "request_id": "physics-term-1",
                },
            ),
            201,
        )
        series = made["series"]
        assert made.get("warnings", []) == []
        assert series["meetings"] == "recurring"
        sessions = series["sessions"]
        days = [_local(s["scheduled_start"]).date().isoformat() for s in sessions]
        assert days == ["2030-01-07", "2030-01-14", "2030-01-16", "2030-01-21", "2030-01-23"]
        meeting_id = int(series["meeting_id"])
        assert {int(s["zoom_meeting"]["meeting_id"]) for s in sessions} == {meeting_id}
        ids = [s["id"] for s in sessions]
        occurrence = {s["id"]: s["zoom_meeting"]["occurrence_id"] for s in sessions}

        # The same request again: the same series, still one meeting at Zoom.
        again = await _data(
            await edge.post(
                f"/api/v1/batches/{batch_id}/series",
                json={
                    "date": "2030-01-07",
                    "start_time": "10:00",
                    "end_time": "11:00",
                    "title": "Mechanics",
                    "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
                    "exceptions": ["2030-01-09"],
                    "request_id": "physics-term-1",
                },
            ),
            201,
        )
        assert again["series"]["id"] == series["id"]
        at_zoom = await zoom.meeting(meeting_id)
        assert at_zoom["type"] == 8
        live = {k: o for k, o in _occurrences(at_zoom).items() if o["status"] != "deleted"}
        assert sorted(live) == sorted(occurrence.values())  # the holiday's occurrence is gone

        # Move the fourth class by an hour and cancel the fifth: only those occurrences change.
        moved, cancelled = ids[3], ids[4]
        new_start = datetime(2030, 1, 21, 11, 0, tzinfo=KOLKATA)
        await _data(
            await edge.patch(
                f"/api/v1/sessions/{moved}",
                json={
                    "scheduled_start": new_start.isoformat(),
                    "scheduled_end": (new_start + timedelta(hours=1)).isoformat(),
                },
            )
        )
        await _data(await edge.request("DELETE", f"/api/v1/sessions/{cancelled}"))
        at_zoom = _occurrences(await zoom.meeting(meeting_id))
        assert _local(at_zoom[occurrence[moved]]["start_time"]) == new_start
        assert at_zoom[occurrence[cancelled]]["status"] == "deleted"
        assert all(at_zoom[occurrence[i]]["status"] != "deleted" for i in ids[:4])
        assert _local(at_zoom[occurrence[ids[2]]]["start_time"]).hour == 10

        # The batch's feed, as a calendar app reads it.
        link = await _data(await edge.post(f"/api/v1/batches/{batch_id}/calendar-link"))
        async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as calendar_app:
            feed = await calendar_app.get(link["path"])
        assert feed.status_code == 200
        events = {
            str(e["UID"]): e for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
        }
        assert events[f"{moved}@classbridge"].decoded("DTSTART") == new_start
        assert int(events[f"{moved}@classbridge"]["SEQUENCE"]) > 0
        assert str(events[f"{cancelled}@classbridge"]["STATUS"]) == "CANCELLED"
        assert str(events[f"{ids[0]}@classbridge"]["STATUS"]) == "CONFIRMED"

        # Each student's own link (registered once for every occurrence).
        links: dict[str, str] = {}

        async def registered() -> bool:
            for student in STUDENTS:
                answer = await edge.get(
                    f"/api/v1/sessions/{ids[0]}/join", headers=_bearer(stack, student, "student")
                )
                if answer.status_code != 200 or not answer.json()["data"]["registered"]:
                    return False
                links[student] = answer.json()["data"]["join_url"]
            return True

        await eventually(registered, "the students' registrations", 60)

        # Play the first three occurrences: Ana comes to the first and third, Ben to the second.
        present = {ids[0]: "student-ana", ids[1]: "student-ben", ids[2]: "student-ana"}
        uuids = []
        for session_id, student in present.items():
            start = next(
                datetime.fromisoformat(s["scheduled_start"].replace("Z", "+00:00"))
                for s in sessions
                if s["id"] == session_id
            )
            began = await zoom.start(meeting_id, at=start.timestamp())
            uuids.append(began["uuid"])
            person = await zoom.join(
                meeting_id, join_url=links[student], at=(start + timedelta(minutes=1)).timestamp()
            )
            await zoom.leave(
                meeting_id, person["user_id"], at=(start + timedelta(minutes=59)).timestamp()
            )
            await zoom.end(
                meeting_id,
                at=(start + timedelta(minutes=60)).timestamp(),
                recording={"files": [{"file_type": "MP4", "size": 256 * 1024}], "delay": 0.2},
            )
        assert len(set(uuids)) == 3  # each occurrence held is an instance of its own

        seen_now: dict[str, tuple[str, int]] = {}

        async def all_held() -> bool:
            for session_id in present:
                got = await _data(await edge.get(f"/api/v1/sessions/{session_id}"))
                seen_now[session_id] = (got["status"], int(got.get("recorded_lesson_count", 0)))
            return all(v == ("ended", 1) for v in seen_now.values())

        try:
            await eventually(all_held, "three occurrences ended with a recording each", 90)
        except AssertionError as error:
            raise AssertionError(f"{error}: {seen_now}") from None
        for session_id, student in present.items():
            report = await _data(await edge.get(f"/api/v1/sessions/{session_id}/attendance/export"))
            came = {r["user_id"] for r in report["rows"] if r["enrolled"] and r["present"]}
            assert came == {student}, (session_id, report["rows"])
        still = [await _data(await edge.get(f"/api/v1/sessions/{i}")) for i in ids[3:]]
        assert [s["status"] for s in still] == ["scheduled", "cancelled"]
        lessons = [
            await _data(await edge.get(f"/api/v1/sessions/{i}/recorded-lessons")) for i in present
        ]
        recording_ids = {lesson["recording_id"] for found in lessons for lesson in found}
        assert len(recording_ids) == 3  # three recordings, one on each session

        # Renaming and re-timing the series changes only the class still to come.
        changed = await _data(
            await edge.patch(
                f"/api/v1/series/{series['id']}",
                json={"title": "Optics", "start_time": "09:00", "end_time": "10:30"},
            )
        )
        titles = {s["id"]: s["title"] for s in changed["series"]["sessions"]}
        assert [titles[i] for i in ids] == ["Mechanics"] * 3 + ["Optics", "Mechanics"]
        to_come = _occurrences(await zoom.meeting(meeting_id))[occurrence[moved]]
        assert _local(to_come["start_time"]) == datetime(2030, 1, 21, 9, 0, tzinfo=KOLKATA)
        assert to_come["duration"] == 90

        # A student of the batch reads the series; another school's admin does not find it.
        seen = await _data(
            await edge.get(
                f"/api/v1/series/{series['id']}", headers=_bearer(stack, "student-ana", "student")
            )
        )
        assert len(seen["sessions"]) == 5
        other = await edge.get(
            f"/api/v1/series/{series['id']}",
            headers={
                "Authorization": f"Bearer {stack.token('admin-x', ('admin',), tenant='acme')}"
            },
        )
        assert other.status_code == 404, other.text
