"""The batch's recording sync status, end to end: what a teacher sees while a sync waits, fails
and finishes.

``GET /api/v1/batches/{batch_id}/zoom-sync-status`` joins the scheduler's view of each session
(its ``recording_sync``, projected from recording-sync's events) with recording-sync's own latest
job of the session (``sync_job``: attempts, last error and its type, next retry, bytes, each
file). A class is scheduled through the edge with a Zoom meeting, the simulator plays the
meeting, and the page must say why a session is not synced yet:

- a meeting that ended without a recording is waiting for one (and will look again);
- a recording whose download keeps failing is pending a retry, its file failed;
- a synced recording has every byte and every file stored.

The stack's recording-sync runs on its default settings (the sweep looks 5 minutes after a
meeting ends), so a waiting session is asked for at once with the batch's manual sync.

Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from devstack.stack import Stack
from tests.e2e.classes import eventually, schedule_class

Row = dict[str, Any]


def _edge(stack: Stack) -> httpx.AsyncClient:
    """The edge as the school's admin (who may schedule and sees every batch's sync)."""
    return httpx.AsyncClient(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.token()}"},
        timeout=30,
    )


async def _row(edge: httpx.AsyncClient, batch_id: str, session_id: str) -> Row:
    """The session's row of the batch's sync status page."""
    answer = await edge.get(f"/api/v1/batches/{batch_id}/zoom-sync-status")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert "sync_jobs_unavailable" not in data  # recording-sync answered
    return next(s for s in data["sessions"] if s["session_id"] == session_id)


async def _wait_for_row(
    edge: httpx.AsyncClient,
    batch_id: str,
    session_id: str,
    ready: Callable[[Row], bool],
    *,
    within: float = 20,
) -> Row:
    """Poll the page until the session's row satisfies ``ready``; the last row on timeout."""
    deadline = time.monotonic() + within
    row = await _row(edge, batch_id, session_id)
    while not ready(row):
        if time.monotonic() > deadline:
            raise AssertionError(f"the session's sync status never got there: {row}")
        await asyncio.sleep(0.1)
        row = await _row(edge, batch_id, session_id)
    return row


def _job(row: Row) -> Row:
    """recording-sync's job of a row ({} while it has none), so waits can read it blindly."""
    return row.get("sync_job") or {}


def _later_than_now(stamp: str | None) -> bool:
    """Whether an RFC 3339 instant of the page lies in the future (a retry still to come)."""
    if not stamp:
        return False
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) > datetime.now(UTC)


async def test_a_meeting_that_ended_without_a_recording_shows_as_waiting(stack: Stack) -> None:
    """Zoom has no recording: the job waits for one with the attempt counted, the reason and
    when it looks again, on recording-sync's job and on the scheduler's session alike."""
    async with _edge(stack) as edge, stack.sim_client() as zoom:
        batch_id, session_id, meeting_id = await schedule_class(edge, "Waiting")
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, no_recording=True)
        # recording-sync has heard the meeting end (its job waits for the sweep's delay) ...
        await _wait_for_row(edge, batch_id, session_id, lambda r: bool(_job(r)))
        # ... and the manual sync asks Zoom now instead.
        queued = await edge.post(f"/api/v1/batches/{batch_id}/sync-zoom-recordings")
        assert queued.status_code == 202, queued.text
        assert len(queued.json()["data"]["jobs"]) == 1

        row = await _wait_for_row(
            edge,
            batch_id,
            session_id,
            lambda r: _job(r).get("state") == "waiting_for_recording",
        )
        job = _job(row)
        assert job["attempts"] == 1
        assert job["max_attempts"] >= 2
        assert job["last_error"]
        assert job["last_error_type"] == "no_recording"
        assert _later_than_now(job["next_retry_at"]), job
        assert job["files"] == []

        row = await _wait_for_row(
            edge,
            batch_id,
            session_id,
            lambda r: (r.get("recording_sync") or {}).get("sync_attempts") == 1,
        )
        projected = row["recording_sync"]
        assert not projected.get("recording_synced")
        assert projected.get("last_sync_error_type") == "no_recording"
        assert projected.get("last_sync_error")
        assert _later_than_now(projected.get("next_retry_time")), projected


async def test_a_recording_whose_download_keeps_failing_shows_its_failed_file(
    stack: Stack,
) -> None:
    """Zoom's download servers answer 503 every time: the attempt fails after its in-attempt
    tries, the job is due again later, and the page names the failing file and why."""
    async with _edge(stack) as edge, stack.sim_client() as zoom:
        batch_id, session_id, meeting_id = await schedule_class(edge, "Failing")
        await zoom.fault("error", status=503, count=-1, path="^/(rec|cdn)/")
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording={"files": [{"file_type": "MP4", "size": 80_000}]})

        row = await _wait_for_row(
            edge, batch_id, session_id, lambda r: _job(r).get("attempts", 0) >= 1
        )
        job = _job(row)
        # A 503 is worth retrying and one attempt of several is spent: pending, due later.
        assert job["state"] == "pending", job
        assert job["last_error"]
        assert "?" not in job["last_error"]  # no query string (credentials) on the page
        assert job["last_error_type"] in ("zoom_unavailable", "download"), job
        assert _later_than_now(job["next_retry_at"]), job
        assert job["bytes_done"] == 0
        assert job["files_done"] == 0
        [video] = job["files"]
        assert video["file_type"] == "mp4"
        assert video["state"] == "failed"
        assert video["attempts"] >= 1
        assert video["last_error"]
        assert video["last_error_type"] in ("zoom_unavailable", "download"), video
        assert video["next_retry_at"] == job["next_retry_at"]
        assert video["zoom_size_bytes"] == 80_000

        row = await _wait_for_row(
            edge,
            batch_id,
            session_id,
            lambda r: (r.get("recording_sync") or {}).get("sync_attempts", 0) >= 1,
        )
        projected = row["recording_sync"]
        assert not projected.get("recording_synced")
        assert projected.get("last_sync_error_type") == job["last_error_type"]
        assert _later_than_now(projected.get("next_retry_time")), projected

        async def refused() -> bool:  # the failure was Zoom's answer, not a test mistake
            requests = await zoom.requests()
            return any(r["path"].startswith("/rec/") and r["status"] == 503 for r in requests)

        await eventually(refused, "the simulator never refused a download")


async def test_a_synced_recording_shows_every_byte_and_file_stored(stack: Stack) -> None:
    """The recording arrives by webhook and is copied: the job's bytes are all done and each
    file is stored, and the scheduler counts the session as synced."""
    async with _edge(stack) as edge, stack.sim_client() as zoom:
        batch_id, session_id, meeting_id = await schedule_class(edge, "Synced")
        await zoom.start(meeting_id)
        files = [{"file_type": "MP4", "size": 250_000}, {"file_type": "CHAT", "size": 4_096}]
        await zoom.end(meeting_id, recording={"files": files, "delay": 0})

        row = await _wait_for_row(
            edge,
            batch_id,
            session_id,
            lambda r: (
                _job(r).get("state") == "synced"
                and bool((r.get("recording_sync") or {}).get("recording_synced"))
            ),
        )
        job = _job(row)
        assert job["bytes_total"] == 250_000 + 4_096
        assert job["bytes_done"] == job["bytes_total"]
        assert (job["file_count"], job["files_done"]) == (2, 2)
        assert job["last_error"] == ""
        assert job["last_error_type"] is None
        assert job["next_retry_at"] is None
        assert sorted(f["file_type"] for f in job["files"]) == ["chat", "mp4"]
        for f in job["files"]:
            assert f["state"] == "stored", f
            assert f["bytes_done"] == f["zoom_size_bytes"] > 0
            assert f["last_error"] == ""

        answer = await edge.get(f"/api/v1/batches/{batch_id}/zoom-sync-status")
        assert answer.json()["data"]["sync_statistics"]["synced_sessions"] == 1
