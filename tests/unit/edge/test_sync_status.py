"""The batch's zoom-sync-status: the scheduler's view, and recording-sync's latest job for each
session (waiting and failed syncs with attempts, errors, retries and bytes, per file); without
recording-sync the page still answers and says the jobs are missing."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import httpx
from google.protobuf import timestamp_pb2

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2 as rs
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import NotFound, PermissionDenied, Unavailable
from edge.app import create_app
from edge.clients import open_clients
from tests.unit.edge.helpers import Services, auth, edge_settings, token

URL = "/api/v1/batches/b-1/zoom-sync-status"


def _ts(text: str) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromJsonString(text)
    return stamp


def raising(error: Exception):  # type: ignore[no-untyped-def]
    def behaviour(request: object) -> object:
        raise error

    return behaviour


def batch_status(request: scheduler_pb2.GetBatchSyncStatusRequest) -> scheduler_pb2.BatchSyncStatus:
    return scheduler_pb2.BatchSyncStatus(
        batch_id=request.batch_id,
        batch_name="Advanced JavaScript - Batch 1",
        batch_type=common_pb2.BATCH_TYPE_GROUP,
        statistics=scheduler_pb2.BatchSyncStatistics(
            total_sessions=3, sessions_with_zoom_meetings=3, synced_sessions=0
        ),
        sessions=[
            scheduler_pb2.SessionSyncRow(
                session_id="s-waiting",
                meeting_id=85012345678,
                recording_sync=scheduler_pb2.SessionRecordingSync(
                    sync_attempts=1,
                    last_sync_error="Zoom has no recording yet",
                    last_sync_error_type=common_pb2.SYNC_ERROR_TYPE_NO_RECORDING,
                    next_retry_time=_ts("2030-01-15T12:00:00Z"),
                ),
            ),
            scheduler_pb2.SessionSyncRow(session_id="s-failing", meeting_id=85012345679),
            scheduler_pb2.SessionSyncRow(session_id="s-untouched", meeting_id=85012345680),
        ],
    )


def waiting_job(**overrides: object) -> rs.SyncJob:
    job = rs.SyncJob(
        id="job-w",
        session_id="s-waiting",
        batch_id="b-1",
        state=rs.SYNC_STATE_WAITING_FOR_RECORDING,
        attempts=1,
        max_attempts=3,
        next_attempt_time=_ts("2030-01-15T12:00:00Z"),
        last_error="Zoom has no recording yet",
        last_error_type=common_pb2.SYNC_ERROR_TYPE_NO_RECORDING,
        create_time=_ts("2030-01-15T11:00:00Z"),
        update_time=_ts("2030-01-15T11:30:00Z"),
    )
    for name, value in overrides.items():
        setattr(job, name, value)
    return job


def failing_job() -> rs.SyncJob:
    return rs.SyncJob(
        id="job-f2",
        session_id="s-failing",
        batch_id="b-1",
        state=rs.SYNC_STATE_DOWNLOADING,
        attempts=2,
        max_attempts=3,
        next_attempt_time=_ts("2030-01-15T13:00:00Z"),
        last_error="the transfer broke off at 40%",
        last_error_type=common_pb2.SYNC_ERROR_TYPE_DOWNLOAD,
        file_count=2,
        files_done=1,
        bytes_total=1500,
        bytes_done=900,
        create_time=_ts("2030-01-15T11:00:00Z"),
        update_time=_ts("2030-01-15T12:10:00Z"),
        files=[
            rs.RecordingFile(
                file_type=common_pb2.RECORDING_FILE_TYPE_MP4,
                state=rs.FILE_STATE_STORED,
                attempts=1,
                zoom_size_bytes=500,
                bytes_done=500,
                lesson_kind="shared_screen_with_speaker_view",
                part=1,
            ),
            rs.RecordingFile(
                file_type=common_pb2.RECORDING_FILE_TYPE_MP4,
                state=rs.FILE_STATE_FAILED,
                attempts=2,
                last_error="the transfer broke off at 40%",
                last_error_type=common_pb2.SYNC_ERROR_TYPE_DOWNLOAD,
                next_attempt_time=_ts("2030-01-15T13:00:00Z"),
                zoom_size_bytes=1000,
                bytes_done=400,
                lesson_kind="shared_screen_with_speaker_view",
                part=2,
            ),
        ],
    )


def older_failed_job() -> rs.SyncJob:
    """An earlier job of the failing session, listed after the newer one."""
    return rs.SyncJob(
        id="job-f1",
        session_id="s-failing",
        state=rs.SYNC_STATE_FAILED,
        attempts=3,
        update_time=_ts("2030-01-15T11:05:00Z"),
    )


def unlinked_job() -> rs.SyncJob:
    return rs.SyncJob(id="job-x", session_id="", state=rs.SYNC_STATE_FAILED)


async def test_each_session_shows_its_latest_job_with_files_and_zero_values(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetBatchSyncStatus", batch_status)
    services.recording_sync.on(
        "GetSyncStatus",
        lambda r: rs.GetSyncStatusResponse(
            jobs=[failing_job(), waiting_job(), older_failed_job(), unlinked_job()]
        ),
    )
    answer = await client.get(URL, headers=auth())
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert "sync_jobs_unavailable" not in data
    waiting, failing, untouched = data["sessions"]
    assert waiting["sync_job"] == {
        "state": "waiting_for_recording",
        "attempts": 1,
        "max_attempts": 3,
        "last_error": "Zoom has no recording yet",
        "last_error_type": "no_recording",
        "next_retry_at": "2030-01-15T12:00:00Z",
        "bytes_total": 0,
        "bytes_done": 0,
        "file_count": 0,
        "files_done": 0,
        "files": [],
    }
    job = failing["sync_job"]
    assert (job["state"], job["attempts"], job["last_error_type"]) == ("downloading", 2, "download")
    assert (job["bytes_total"], job["bytes_done"], job["file_count"], job["files_done"]) == (
        1500,
        900,
        2,
        1,
    )
    assert job["files"] == [
        {
            "file_type": "mp4",
            "state": "stored",
            "attempts": 1,
            "last_error": "",
            "last_error_type": None,
            "next_retry_at": None,
            "zoom_size_bytes": 500,
            "bytes_done": 500,
            "lesson_kind": "shared_screen_with_speaker_view",
            "part": 1,
        },
        {
            "file_type": "mp4",
            "state": "failed",
            "attempts": 2,
            "last_error": "the transfer broke off at 40%",
            "last_error_type": "download",
            "next_retry_at": "2030-01-15T13:00:00Z",
            "zoom_size_bytes": 1000,
            "bytes_done": 400,
            "lesson_kind": "shared_screen_with_speaker_view",
            "part": 2,
        },
    ]
    assert untouched["sync_job"] is None
    # The scheduler's own projection is kept as it was.
    assert waiting["recording_sync"]["sync_attempts"] == 1
    assert waiting["recording_sync"]["last_sync_error_type"] == "no_recording"


async def test_recording_sync_is_asked_for_the_batch_with_the_callers_credentials(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetBatchSyncStatus", batch_status)
    services.recording_sync.on("GetSyncStatus", lambda r: rs.GetSyncStatusResponse())
    caller = token("teacher-1")
    answer = await client.get(URL, headers={"Authorization": f"Bearer {caller}"})
    assert answer.status_code == 200
    assert [s["sync_job"] for s in answer.json()["data"]["sessions"]] == [None, None, None]
    [sent] = [c for c in services.recording_sync.calls if c.method == "GetSyncStatus"]
    assert sent.request == rs.GetSyncStatusRequest(batch_id="b-1")
    assert (sent.subject, sent.authorization) == ("teacher-1", f"Bearer {caller}")


async def test_without_recording_sync_the_page_answers_with_the_schedulers_data(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetBatchSyncStatus", batch_status)
    services.recording_sync.on(
        "GetSyncStatus", raising(Unavailable("draining", retry_after=timedelta(seconds=1)))
    )
    answer = await client.get(URL, headers=auth())
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["sync_jobs_unavailable"] is True
    assert all("sync_job" not in row for row in data["sessions"])
    assert data["sessions"][0]["recording_sync"]["next_retry_time"] == "2030-01-15T12:00:00Z"
    assert data["sync_statistics"]["total_sessions"] == 3


async def test_a_recording_sync_nobody_answers_on_does_not_break_the_page(
    tmp_path: Path, services: Services
) -> None:
    services.scheduler.on("GetBatchSyncStatus", batch_status)
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    settings = edge_settings(tmp_path, {**services.addresses, "recording_sync": closed})
    async with open_clients(settings) as clients:
        transport = httpx.ASGITransport(app=create_app(settings=settings, clients=clients))
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
            answer = await http.get(URL, headers=auth())
    assert answer.status_code == 200
    assert answer.json()["data"]["sync_jobs_unavailable"] is True


async def test_a_refusal_from_recording_sync_is_passed_on(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetBatchSyncStatus", batch_status)
    services.recording_sync.on("GetSyncStatus", raising(PermissionDenied("not your batch")))
    answer = await client.get(URL, headers=auth())
    assert answer.status_code == 403


async def test_an_unknown_batch_is_404_before_recording_sync_is_asked(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "GetBatchSyncStatus", raising(NotFound(resource_type="batch", resource_id="b-1"))
    )
    answer = await client.get(URL, headers=auth())
    assert answer.status_code == 404
    assert services.recording_sync.calls == []
