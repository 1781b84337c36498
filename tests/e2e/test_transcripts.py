"""A class's text, end to end (issue 14): the simulator plays a class with Zoom's TRANSCRIPT
(several hundred cues with speakers) and CHAT files; within seconds of the sync the edge
serves its segments, a summary, action items and searchable text; search finds only what each
caller may open (an enrolled student once the recording is shared with the batch, never a
student of another batch or another tenant's admin); caption tracks come signed beside
playback; Zoom's own meeting summary, when the meeting has one, becomes the summary.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from devstack.stack import Stack
from tests.e2e.classes import eventually

CUES = 450
TRANSCRIPT_BYTES = 8 + 160 * CUES  # the simulator's VTT: a header, then 160-byte cues
CHAT_BYTES = 128 * 40


def _client(stack: Stack, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=stack.edge_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


async def _class(edge: httpx.AsyncClient, title: str) -> tuple[str, str, int]:
    """A course taught by teacher-1, a group batch student-1 attends, one class with a Zoom
    meeting: (batch id, session id, meeting id)."""
    course = await edge.post(
        "/api/v1/courses", json={"title": title, "instructor_ids": ["teacher-1"]}
    )
    assert course.status_code == 201, course.text
    batch = await edge.post(
        "/api/v1/batches",
        json={
            "course_id": course.json()["data"]["id"],
            "name": "T1",
            "type": "group",
            "instructor_id": "teacher-1",
        },
    )
    assert batch.status_code == 201, batch.text
    batch_id = batch.json()["data"]["id"]
    enrolled = await edge.post(
        f"/api/v1/batches/{batch_id}/enrollments", json={"student_id": "student-1"}
    )
    assert enrolled.status_code in (200, 201), enrolled.text
    scheduled = await edge.post(
        f"/api/v1/batches/{batch_id}/schedule",
        json={
            "date": "2030-01-15",
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Fractions",
            "create_zoom_meeting": True,
        },
    )
    assert scheduled.status_code == 201, scheduled.status_code
    data = scheduled.json()["data"]
    return batch_id, data["session"]["id"], int(data["zoom_meeting"]["id"])


async def _processed(edge: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    """The session's recording once its text is processed (with a transcript)."""
    found: dict[str, Any] = {}

    async def done() -> bool:
        listed = await edge.get("/api/v1/recordings", params={"session_id": session_id})
        assert listed.status_code == 200, listed.text
        rows = listed.json()["data"]
        if not rows:
            return False
        processing = rows[0]["processing"] or {}
        if rows[0]["processing_status"] == "completed" and processing["transcript_source"]:
            found.update(rows[0])
            return True
        return False

    await eventually(done, "the recording's text was not processed", within=60)
    return found


async def test_a_class_with_transcript_and_chat_is_summarised_and_searchable(stack: Stack):
    admin = _client(stack, stack.token())
    student = _client(stack, stack.token("student-1", ("student",)))
    stranger = _client(stack, stack.token("student-2", ("student",)))
    elsewhere = _client(stack, stack.token("admin-9", ("admin",), tenant="acme"))
    async with admin, student, stranger, elsewhere, stack.sim_client() as zoom:
        _batch_id, session_id, meeting_id = await _class(admin, "Numbers")
        await zoom.start(meeting_id)
        files = [
            {"file_type": "MP4", "size": 256 * 1024},
            {"file_type": "TRANSCRIPT", "size": TRANSCRIPT_BYTES},
            {"file_type": "CHAT", "size": CHAT_BYTES},
        ]
        await zoom.end(
            meeting_id, recording={"files": files, "delay": 0.2, "transcript_delay": 0.2}
        )

        async def synced() -> bool:
            listed = await admin.get("/api/v1/recordings", params={"session_id": session_id})
            return bool(listed.json()["data"])

        await eventually(synced, "the recording was not synced", within=60)
        began = time.monotonic()
        recording = await _processed(admin, session_id)
        assert time.monotonic() - began < 15, "processing took more than seconds"
        recording_id = recording["id"]
        assert recording["summary"]
        assert any("homework" in item["text"].lower() for item in recording["action_items"])
        assert recording["transcription_text"] == ""  # lists leave the whole text out

        # GET /recordings/{id}: seed 003's fields, the whole text included.
        one = (await admin.get(f"/api/v1/recordings/{recording_id}")).json()["data"]
        assert one["processing_status"] == "completed"
        assert one["transcription_text"].count("\n") == CUES - 1
        assert one["processing"]["transcript_source"] == "zoom_transcript"
        assert one["processing"]["summary_source"] == "offline"

        transcript = await admin.get(
            f"/api/v1/recordings/{recording_id}/transcript", params={"page_size": 5000}
        )
        assert transcript.status_code == 200, transcript.text
        body = transcript.json()["data"]
        kinds = [s["kind"] for s in body["segments"]]
        assert kinds.count("transcript") == CUES
        assert kinds.count("chat") == 40
        spoken = [s for s in body["segments"] if s["kind"] == "transcript"]
        assert all(s["speaker"] and s["text"] for s in spoken)
        assert spoken[1]["start_seconds"] == 4.0
        assert spoken[1]["end_seconds"] == 7.0
        assert body["total_size"] == CUES + 40
        assert body["summary"] == recording["summary"]

        # Search: the admin finds it, with where to seek and a snippet.
        found = await admin.get("/api/v1/recordings/search", params={"q": "denominator"})
        assert found.status_code == 200, found.text
        hits = found.json()["data"]
        assert hits
        assert all(h["recording_id"] == recording_id for h in hits)
        assert "<mark>" in hits[0]["snippet"]
        assert hits[0]["start_seconds"] >= 0
        assert hits[0]["session_id"] == session_id
        chat_hits = await admin.get(
            "/api/v1/recordings/search", params={"q": "worksheet", "kinds": "chat"}
        )
        assert chat_hits.json()["data"]
        assert {h["kind"] for h in chat_hits.json()["data"]} == {"chat"}
        phrase = await admin.get("/api/v1/recordings/search", params={"q": '"number line" -zzzz'})
        assert phrase.json()["total_size"] > 0

        # Nobody finds what they may not open: the student before the recording is shared
        # with the batch, a student of no batch of it, another tenant's admin.
        for outsider in (student, stranger, elsewhere):
            nothing = await outsider.get("/api/v1/recordings/search", params={"q": "denominator"})
            assert nothing.status_code == 200, nothing.text
            assert nothing.json()["data"] == []
            assert nothing.json()["total_size"] == 0
        assert (
            await student.get(f"/api/v1/recordings/{recording_id}/transcript")
        ).status_code == 404
        shared = await admin.post(
            f"/api/v1/recordings/{recording_id}/access-grants",
            json={"scope": "enrolled_students", "level": "view"},
        )
        assert shared.status_code == 201, shared.text
        mine = await student.get("/api/v1/recordings/search", params={"q": "denominator"})
        assert mine.json()["total_size"] == found.json()["total_size"]
        for outsider in (stranger, elsewhere):
            nothing = await outsider.get("/api/v1/recordings/search", params={"q": "denominator"})
            assert nothing.json()["total_size"] == 0
        # Teachers: the batch's teacher finds it, another teacher does not.
        for subject, expected in (("teacher-1", found.json()["total_size"]), ("teacher-2", 0)):
            async with _client(stack, stack.token(subject, ("teacher",))) as teaching:
                got = await teaching.get("/api/v1/recordings/search", params={"q": "denominator"})
                assert got.json()["total_size"] == expected, subject
        assert (
            await stranger.get(f"/api/v1/recordings/{recording_id}/transcript")
        ).status_code == 404

        # Captions beside playback, signed; the student may fetch them.
        tracks = await student.get(f"/api/v1/recordings/{recording_id}/captions")
        assert tracks.status_code == 200, tracks.text
        assert tracks.headers["cache-control"] == "no-store"
        (track,) = tracks.json()["data"]
        assert track["kind"] == "subtitles"
        assert track["content_type"].startswith("text/vtt")
        async with httpx.AsyncClient(timeout=10) as plain:
            vtt = await plain.get(track["url"])
        assert vtt.status_code == 200
        assert vtt.text.startswith("WEBVTT")
        playback = await student.get(f"/api/v1/recordings/{recording_id}/playback")
        assert playback.status_code == 200, playback.text
        assert len(playback.json()["data"]["captions"]) == 1

        # Seed 002's download-and-process answers with the deliverable once processed.
        again = await admin.post(f"/api/zoom/download/{meeting_id}", json={})
        assert again.status_code == 202, again.text
        deliverable = again.json()["data"]["deliverable"]
        assert deliverable["processing_status"] == "completed"
        assert deliverable["summary"] == recording["summary"]
        assert deliverable["transcription_text"].startswith(spoken[0]["speaker"])

        # Replayable: a teacher of the batch asks again; it runs and completes again.
        teacher = _client(stack, stack.token("teacher-1", ("teacher",)))
        async with teacher:
            queued = await teacher.post(f"/api/v1/recordings/{recording_id}/reprocess")
            assert queued.status_code == 202, queued.text
            assert queued.json()["data"]["status"] in ("pending", "processing", "completed")
        assert (
            await student.post(f"/api/v1/recordings/{recording_id}/reprocess")
        ).status_code == 403

        async def again_done() -> bool:
            row = (await admin.get(f"/api/v1/recordings/{recording_id}")).json()["data"]
            return row["processing_status"] == "completed"

        await eventually(again_done, "the replay did not complete", within=30)


async def test_zooms_own_meeting_summary_becomes_the_summary(stack: Stack):
    admin = _client(stack, stack.token())
    async with admin, stack.sim_client() as zoom:
        await zoom.set_fidelity(meeting_summary=True, summary_delay_seconds=0.5)
        _, session_id, meeting_id = await _class(admin, "Summaries")
        await zoom.start(meeting_id)
        files = [
            {"file_type": "MP4", "size": 128 * 1024},
            {"file_type": "TRANSCRIPT", "size": 8 + 160 * 50},
        ]
        await zoom.end(
            meeting_id,
            recording={"files": files, "delay": 0.2, "transcript_delay": 0.1},
            summary=True,
        )

        async def from_zoom() -> bool:
            listed = await admin.get("/api/v1/recordings", params={"session_id": session_id})
            rows = listed.json()["data"]
            return (
                bool(rows)
                and (rows[0]["processing"] or {}).get("summary_source") == "zoom"
                and (rows[0]["processing_status"] == "completed")
            )

        await eventually(from_zoom, "Zoom's summary did not become the summary", within=60)
        row = (await admin.get("/api/v1/recordings", params={"session_id": session_id})).json()[
            "data"
        ][0]
        assert "participants met for" in row["summary"]
        assert [i["text"] for i in row["action_items"]] == [
            "Finish the exercises before the next class."
        ]
