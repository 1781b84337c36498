"""Seed 001's live classes (offset paging over page tokens, recordings with access) and the
playback, Zoom and webhook-admin routes."""

from __future__ import annotations

from pathlib import Path

import httpx

from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge.webhookingest.v1 import webhook_admin_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from classbridge_common.errors import PermissionDenied
from edge.bootstrap import running
from tests.unit.edge.helpers import Services, auth, edge_settings
from tests.unit.edge.test_sessions_and_schedule import a_session

CLASSES = [a_session(f"s-{i}") for i in range(5)]


def paged_sessions(
    request: scheduler_pb2.ListSessionsRequest,
) -> scheduler_pb2.ListSessionsResponse:
    """A scheduler whose page tokens are offsets (opaque to the edge)."""
    start = int(request.page_token or 0)
    end = start + request.page_size
    return scheduler_pb2.ListSessionsResponse(
        sessions=CLASSES[start:end],
        next_page_token=str(end) if end < len(CLASSES) else "",
        total_size=len(CLASSES),
    )


async def test_live_classes_offset_walks_the_page_tokens(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("ListSessions", paged_sessions)
    answer = await client.get(
        "/api/live-classes?courseId=c-1&status=scheduled&limit=2&offset=3", headers=auth()
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [c["class_id"] for c in body["data"]] == ["s-3", "s-4"]
    assert body["count"] == 5
    assert body["next_page_token"] == ""
    first = body["data"][0]
    assert first["status"] == "scheduled"
    assert first["zoom_meeting_id"] == "85012345678"
    assert first["zoom_join_url"].startswith("https://zoom.us/j/")
    sent = services.scheduler.requests("ListSessions")
    assert all(r.course_id == "c-1" for r in sent)
    assert list(sent[0].statuses) == [scheduler_pb2.SESSION_STATUS_SCHEDULED]


async def test_live_classes_offset_past_the_end_is_an_empty_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("ListSessions", paged_sessions)
    answer = await client.get("/api/live-classes?limit=2&offset=5", headers=auth())
    assert answer.status_code == 200
    assert answer.json()["data"] == []


async def test_live_classes_limit_over_100_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/live-classes?limit=500", headers=auth())
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == "limit"


async def test_create_live_class_maps_the_seed_body(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateSession", lambda r: scheduler_pb2.CreateSessionResponse(session=a_session())
    )
    answer = await client.post(
        "/api/live-classes",
        json={
            "batchId": "b-1",
            "title": "Python Basics",
            "scheduledStart": "2024-11-10T10:00:00Z",
            "scheduledEnd": "2024-11-10T11:00:00Z",
            "maxParticipants": 100,
            "autoRecording": True,
        },
        headers=auth(),
    )
    assert answer.status_code == 201
    [sent] = services.scheduler.requests("CreateSession")
    assert sent.time_range.start_time.ToJsonString() == "2024-11-10T10:00:00Z"
    assert sent.max_participants == 100
    assert sent.auto_recording == 3  # AUTO_RECORDING_CLOUD


async def test_class_recordings_carry_access_and_urls_only_where_allowed(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    stored = recording_sync_pb2.FILE_STATE_STORED
    recording = recording_sync_pb2.Recording(
        id="r-1",
        session_id="s-1",
        files=[
            recording_sync_pb2.RecordingFile(
                id="f-video",
                file_type=1,
                state=stored,
                size_bytes=450 * 1024 * 1024,
                file_name="lecture.mp4",
                recording_type="shared_screen_with_speaker_view",
            ),
            recording_sync_pb2.RecordingFile(id="f-chat", file_type=3, state=stored),
            recording_sync_pb2.RecordingFile(
                id="f-pending", file_type=4, state=recording_sync_pb2.FILE_STATE_PENDING
            ),
        ],
        caller_access=recording_sync_pb2.CallerAccess(can_view=True, can_download=False),
    )
    services.recording_sync.on(
        "ListRecordings",
        lambda r: recording_sync_pb2.ListRecordingsResponse(recordings=[recording]),
    )

    def playback(
        request: recording_sync_pb2.GetPlaybackUrlRequest,
    ) -> recording_sync_pb2.PlaybackUrl:
        if request.file_id == "f-chat":
            raise PermissionDenied("no grant for this file")
        return recording_sync_pb2.PlaybackUrl(
            url="https://storage.test/signed?sig=abc", file_id=request.file_id
        )

    services.recording_sync.on("GetPlaybackUrl", playback)
    answer = await client.get("/api/live-classes/s-1/recordings", headers=auth())
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    rows = {row["file_id"]: row for row in answer.json()["data"]}
    assert set(rows) == {"f-video", "f-chat"}  # the pending file is not offered
    assert rows["f-video"]["file_url"] == "https://storage.test/signed?sig=abc"
    assert rows["f-video"]["file_type"] == "video"
    assert rows["f-video"]["file_size_mb"] == 450.0
    assert rows["f-video"]["can_access"] is True
    assert rows["f-video"]["can_download"] is False
    assert rows["f-chat"]["file_url"] is None
    [listed] = services.recording_sync.requests("ListRecordings")
    assert listed.session_id == "s-1"


async def test_class_recordings_without_view_access_ask_for_no_url(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    recording = recording_sync_pb2.Recording(
        id="r-1",
        files=[
            recording_sync_pb2.RecordingFile(id="f", state=recording_sync_pb2.FILE_STATE_STORED)
        ],
        caller_access=recording_sync_pb2.CallerAccess(can_view=False),
    )
    services.recording_sync.on(
        "ListRecordings",
        lambda r: recording_sync_pb2.ListRecordingsResponse(recordings=[recording]),
    )
    answer = await client.get("/api/live-classes/s-1/recordings", headers=auth())
    assert answer.json()["data"][0]["file_url"] is None
    assert services.recording_sync.requests("GetPlaybackUrl") == []


async def test_post_interaction_maps_the_seed_body(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateInteraction", lambda r: scheduler_pb2.Interaction(id="i-1", type=r.interaction.type)
    )
    answer = await client.post(
        "/api/live-classes/s-1/interactions",
        json={
            "interactionType": "question",
            "content": "How do I install Python?",
            "isAnonymous": True,
        },
        headers=auth(),
    )
    assert answer.status_code == 201
    assert answer.json()["data"]["type"] == "question"
    [sent] = services.scheduler.requests("CreateInteraction")
    assert sent.session_id == "s-1"
    assert sent.interaction.type == scheduler_pb2.INTERACTION_TYPE_QUESTION
    assert sent.interaction.anonymous is True


async def test_playback_download_asks_for_an_attachment(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.recording_sync.on(
        "GetPlaybackUrl",
        lambda r: recording_sync_pb2.PlaybackUrl(url="https://storage.test/x?sig=1", file_id="f"),
    )
    answer = await client.get(
        "/api/v1/recordings/r-1/playback?disposition=download", headers=auth()
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json()["data"]["url"] == "https://storage.test/x?sig=1"
    [sent] = services.recording_sync.requests("GetPlaybackUrl")
    assert sent.recording_id == "r-1"
    assert sent.disposition == recording_sync_pb2.DISPOSITION_ATTACHMENT


async def test_playback_with_an_unknown_disposition_is_400(
    client: httpx.AsyncClient, services: Services
) -> None:
    answer = await client.get("/api/v1/recordings/r-1/playback?disposition=print", headers=auth())
    assert answer.status_code == 400
    assert services.recording_sync.calls == []


async def test_zoom_auth_completes_for_the_caller_only(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.zoom_gateway.on(
        "CompleteAuthorization",
        lambda r: zoom_gateway_pb2.Connection(user_id=r.user_id, zoom_email="t@example.com"),
    )
    answer = await client.post(
        "/api/zoom/auth",
        json={"code": "abc", "state": "st-1", "user_id": "someone-else"},
        headers=auth("teacher-9"),
    )
    assert answer.status_code == 200
    [sent] = services.zoom_gateway.requests("CompleteAuthorization")
    assert sent.user_id == "teacher-9"


async def test_zoom_status_has_the_seed_shape(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.zoom_gateway.on(
        "GetStatus",
        lambda r: zoom_gateway_pb2.GetStatusResponse(
            configured=False, message="Zoom credentials not configured"
        ),
    )
    answer = await client.get("/api/zoom/status", headers=auth())
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["configured"] is False
    assert data["status"]["message"] == "Zoom credentials not configured"


async def test_admins_list_webhook_events(client: httpx.AsyncClient, services: Services) -> None:
    services.webhook_admin.on(
        "ListEvents",
        lambda r: webhook_admin_pb2.ListEventsResponse(
            events=[webhook_admin_pb2.WebhookEvent(id="e-1", event_type="meeting.ended")]
        ),
    )
    answer = await client.get(
        "/api/v1/admin/webhook-events?event_type=meeting.ended&state=published",
        headers=auth("root", roles=("admin",)),
    )
    assert answer.status_code == 200
    assert answer.json()["data"][0]["id"] == "e-1"
    [sent] = services.webhook_admin.requests("ListEvents")
    assert list(sent.event_types) == ["meeting.ended"]
    assert list(sent.states) == [webhook_admin_pb2.PROCESSING_STATE_PUBLISHED]


async def test_running_serves_on_a_real_port(tmp_path: Path, services: Services) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    settings = edge_settings(tmp_path, services.addresses)
    async with running(settings) as edge:
        assert edge.http_port > 0
        async with httpx.AsyncClient(base_url=edge.http_url, timeout=10) as http:
            health = await http.get("/healthz")
            session = await http.get("/api/v1/sessions/s-1", headers=auth())
    assert health.status_code == 200
    assert session.status_code == 200
    assert session.json()["data"]["id"] == "s-1"


async def test_class_recordings_of_an_unknown_class_are_404_and_of_a_class_not_attended_403(
    client: httpx.AsyncClient, services: Services
) -> None:
    from classbridge_common.errors import NotFound

    def unknown(r: scheduler_pb2.GetSessionRequest) -> scheduler_pb2.Session:
        raise NotFound(resource_type="session", resource_id=r.session_id)

    services.scheduler.on("GetSession", unknown)
    answer = await client.get("/api/live-classes/nope/recordings", headers=auth())
    assert answer.status_code == 404

    def refused(r: scheduler_pb2.GetSessionRequest) -> scheduler_pb2.Session:
        raise PermissionDenied("the caller may not see this session")

    services.scheduler.on("GetSession", refused)
    answer = await client.get("/api/live-classes/s-1/recordings", headers=auth())
    assert answer.status_code == 403
    assert not any(c.method == "ListRecordings" for c in services.recording_sync.calls)


async def test_a_student_opens_their_class_without_the_participant_list(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: a_session(r.session_id))
    services.scheduler.on(
        "ListSharedResources", lambda r: scheduler_pb2.ListSharedResourcesResponse()
    )
    answer = await client.get(
        "/api/live-classes/s-1", headers=auth("student-1", roles=("student",))
    )
    assert answer.status_code == 200, answer.text
    assert "participants" not in answer.json()["data"]
    assert not any(c.method == "ListParticipants" for c in services.scheduler.calls)
