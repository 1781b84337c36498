"""Sessions rendered from the scheduler, and seed 000's schedule body validated at the edge."""

from __future__ import annotations

import httpx
from google.protobuf import timestamp_pb2

from classbridge.scheduler.v1 import scheduler_pb2
from tests.unit.edge.helpers import EDGE_TIMEOUT, Services, auth

SLACK = 1.0  # gRPC rounds deadlines up a little on the wire


def _ts(text: str) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromJsonString(text)
    return stamp


def a_session(session_id: str = "s-1", *, batch_id: str = "b-1") -> scheduler_pb2.Session:
    return scheduler_pb2.Session(
        id=session_id,
        batch_id=batch_id,
        course_id="c-1",
        title="Introduction to JavaScript",
        scheduled_start=_ts("2024-01-15T04:30:00Z"),
        scheduled_end=_ts("2024-01-15T06:00:00Z"),
        timezone="Asia/Kolkata",
        status=scheduler_pb2.SESSION_STATUS_SCHEDULED,
        zoom_meeting=scheduler_pb2.ZoomMeetingInfo(
            meeting_id=85012345678,
            join_url="https://zoom.us/j/85012345678?pwd=abc",
            password="ABC123",
            topic="Advanced JavaScript - Introduction to JavaScript",
            duration_minutes=90,
        ),
        participant_count=3,
    )


async def test_a_session_is_fetched_and_rendered(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    answer = await client.get("/api/v1/sessions/s-1", headers=auth())
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is True
    session = body["data"]
    assert session["id"] == "s-1"
    assert session["status"] == "scheduled"
    assert session["scheduled_start"] == "2024-01-15T04:30:00Z"
    # int64 meeting numbers travel as strings so JavaScript does not round them.
    assert session["zoom_meeting"]["meeting_id"] == "85012345678"
    assert services.scheduler.requests("GetSession") == [
        scheduler_pb2.GetSessionRequest(session_id="s-1")
    ]


async def test_every_call_carries_the_edge_deadline(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    services.scheduler.on(
        "ListSessions", lambda r: scheduler_pb2.ListSessionsResponse(sessions=[a_session()])
    )
    await client.get("/api/v1/sessions/s-1", headers=auth())
    await client.get("/api/v1/sessions?batch_id=b-1&status=scheduled,ended", headers=auth())
    assert len(services.scheduler.calls) == 2
    for received in services.scheduler.calls:
        # The servers' own budget is 300 s: anything this small is the edge's deadline.
        assert received.time_remaining is not None
        assert 0 < received.time_remaining <= EDGE_TIMEOUT + SLACK


async def test_list_filters_become_the_request(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "ListSessions",
        lambda r: scheduler_pb2.ListSessionsResponse(
            sessions=[a_session()], next_page_token="t2", total_size=7
        ),
    )
    answer = await client.get(
        "/api/v1/sessions?batch_id=b-1&status=scheduled&status=in_progress"
        "&start_after=2024-01-01T00:00:00Z&page_size=10",
        headers=auth(),
    )
    assert answer.status_code == 200
    assert answer.json()["next_page_token"] == "t2"
    assert answer.json()["total_size"] == 7
    [sent] = services.scheduler.requests("ListSessions")
    assert sent.batch_id == "b-1"
    assert list(sent.statuses) == [
        scheduler_pb2.SESSION_STATUS_SCHEDULED,
        scheduler_pb2.SESSION_STATUS_IN_PROGRESS,
    ]
    assert sent.start_after.ToJsonString() == "2024-01-01T00:00:00Z"
    assert sent.page_size == 10


async def test_a_bad_list_filter_is_400_without_a_call(
    client: httpx.AsyncClient, services: Services
) -> None:
    answer = await client.get("/api/v1/sessions?status=sleeping&page_size=0", headers=auth())
    assert answer.status_code == 400
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"status", "page_size"}
    assert services.all_calls() == []


async def test_patch_sends_only_the_named_fields_in_the_mask(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "UpdateSession",
        lambda r: scheduler_pb2.UpdateSessionResponse(session=a_session(r.session.id)),
    )
    answer = await client.patch(
        "/api/v1/sessions/s-1",
        json={"title": "Renamed", "scheduled_end": "2024-01-15T06:30:00Z"},
        headers=auth(),
    )
    assert answer.status_code == 200
    [sent] = services.scheduler.requests("UpdateSession")
    assert sorted(sent.update_mask.paths) == ["scheduled_end", "title"]
    assert sent.session.id == "s-1"
    assert sent.session.title == "Renamed"


async def test_schedule_turns_the_seed_body_into_create_session(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateSession",
        lambda r: scheduler_pb2.CreateSessionResponse(session=a_session(batch_id=r.batch_id)),
    )
    answer = await client.post(
        "/api/v1/batches/b-1/schedule",
        json={
            "date": "2024-01-15",
            "start_time": "10:00",
            "end_time": "11:30",
            "title": "Introduction to JavaScript",
            "description": "Learn the basics of JavaScript programming",
            "create_zoom_meeting": False,
            "timezone": "Asia/Kolkata",
        },
        headers={**auth(), "Idempotency-Key": "req-42"},
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["message"] == "Session scheduled successfully"
    assert body["data"]["zoom_meeting"]["id"] == "85012345678"
    assert body["data"]["zoom_meeting"]["duration"] == 90
    assert "start_url" not in body["data"]["zoom_meeting"]
    [sent] = services.scheduler.requests("CreateSession")
    assert sent.batch_id == "b-1"
    assert sent.request_id == "req-42"
    assert (sent.local_time.date.year, sent.local_time.date.month, sent.local_time.date.day) == (
        2024,
        1,
        15,
    )
    assert (sent.local_time.start_time.hours, sent.local_time.start_time.minutes) == (10, 0)
    assert (sent.local_time.end_time.hours, sent.local_time.end_time.minutes) == (11, 30)
    assert sent.HasField("create_zoom_meeting")
    assert sent.create_zoom_meeting is False
    assert sent.timezone == "Asia/Kolkata"


async def test_schedule_leaves_create_zoom_meeting_unset_when_not_given(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateSession", lambda r: scheduler_pb2.CreateSessionResponse(session=a_session())
    )
    body = {"date": "2024-01-15", "start_time": "10:00", "end_time": "11:30", "title": "T"}
    answer = await client.post("/api/v1/batches/b-1/schedule", json=body, headers=auth())
    assert answer.status_code == 201
    [sent] = services.scheduler.requests("CreateSession")
    assert not sent.HasField("create_zoom_meeting")  # the scheduler's default (true) applies


async def test_a_bad_schedule_body_is_400_without_calling_the_scheduler(
    client: httpx.AsyncClient, services: Services
) -> None:
    answer = await client.post(
        "/api/v1/batches/b-1/schedule",
        json={
            "date": "2024-02-30",
            "start_time": "25:00",
            "title": "",
            "create_zoom_meeting": "yes",
            "timezone": "Mars/Olympus",
        },
        headers=auth(),
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    fields = {d["field"]: d["description"] for d in error["details"]}
    assert set(fields) == {
        "date",
        "start_time",
        "end_time",
        "title",
        "create_zoom_meeting",
        "timezone",
    }
    assert fields["date"] == "is not a real calendar date"
    assert fields["end_time"] == "is required"
    assert services.all_calls() == []


async def test_a_date_in_the_wrong_format_is_400(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = {"date": "15/01/2024", "start_time": "10:00", "end_time": "11:30", "title": "T"}
    answer = await client.post("/api/v1/batches/b-1/schedule", json=body, headers=auth())
    assert answer.status_code == 400
    [detail] = answer.json()["error"]["details"]
    assert detail["field"] == "date"
    assert services.scheduler.calls == []


async def test_create_zoom_meeting_checks_the_session_belongs_to_the_batch(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id, batch_id="b-other"))
    answer = await client.post(
        "/api/v1/batches/b-1/schedule/s-1/create-zoom-meeting", headers=auth()
    )
    assert answer.status_code == 404
    assert services.scheduler.requests("CreateZoomMeeting") == []


async def test_create_zoom_meeting_for_a_session_of_the_batch(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    services.scheduler.on(
        "CreateZoomMeeting",
        lambda r: scheduler_pb2.CreateZoomMeetingResponse(session=a_session(r.session_id)),
    )
    answer = await client.post(
        "/api/v1/batches/b-1/schedule/s-1/create-zoom-meeting", headers=auth()
    )
    assert answer.status_code == 200
    assert answer.json()["data"]["zoom_meeting"]["join_url"].startswith("https://zoom.us/j/")


async def test_sync_status_has_the_seed_shape(
    client: httpx.AsyncClient, services: Services
) -> None:
    from classbridge.common.v1 import common_pb2

    services.scheduler.on(
        "GetBatchSyncStatus",
        lambda r: scheduler_pb2.BatchSyncStatus(
            batch_id=r.batch_id,
            batch_name="Advanced JavaScript - Batch 1",
            course_title="Advanced JavaScript",
            batch_type=common_pb2.BATCH_TYPE_GROUP,
            statistics=scheduler_pb2.BatchSyncStatistics(
                total_sessions=10,
                sessions_with_zoom_meetings=8,
                synced_sessions=6,
                total_zoom_recordings=12,
                sync_percentage=75.0,
            ),
            sessions=[scheduler_pb2.SessionSyncRow(session_id="s-1", meeting_id=85012345678)],
        ),
    )
    answer = await client.get("/api/v1/batches/b-1/zoom-sync-status", headers=auth())
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["batch"] == {
        "id": "b-1",
        "name": "Advanced JavaScript - Batch 1",
        "course_title": "Advanced JavaScript",
        "batch_type": "group",
    }
    assert data["sync_statistics"]["sync_percentage"] == 75.0
    assert data["sessions"][0]["session_id"] == "s-1"


async def test_retry_with_a_session_id_retries_that_session(
    client: httpx.AsyncClient, services: Services
) -> None:
    from classbridge.recordingsync.v1 import recording_sync_pb2

    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    services.recording_sync.on("RetrySync", lambda r: recording_sync_pb2.RetrySyncResponse())
    answer = await client.post(
        "/api/v1/batches/b-1/retry-zoom-recordings", json={"sessionId": "s-1"}, headers=auth()
    )
    assert answer.status_code == 202
    [sent] = services.recording_sync.requests("RetrySync")
    assert sent.WhichOneof("target") == "session_id"
    assert sent.session_id == "s-1"


async def test_retry_without_a_body_retries_the_batch(
    client: httpx.AsyncClient, services: Services
) -> None:
    from classbridge.recordingsync.v1 import recording_sync_pb2

    services.scheduler.on("GetBatch", lambda r: scheduler_pb2.Batch(id=r.batch_id))

    services.recording_sync.on("RetrySync", lambda r: recording_sync_pb2.RetrySyncResponse())
    answer = await client.post("/api/v1/batches/b-1/retry-zoom-recordings", headers=auth())
    assert answer.status_code == 202
    [sent] = services.recording_sync.requests("RetrySync")
    assert sent.WhichOneof("target") == "batch_id"
    assert sent.batch_id == "b-1"
