"""The routes the seeds name that the edge did not serve: seed 002's recordings list and
download, seed 003's ``/auth/zoom/*``, ``/recordings`` and ``/health``, seed 004's session
meeting, seed 000's recorded lessons, seed 001's ``courseId``-only class, ``teacher_name`` and
webhook URL, and the browser's OAuth callback — each for every kind of caller."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from classbridge_common.auth import current_caller, issue_token
from classbridge_common.errors import InvalidArgument, NotFound, PermissionDenied
from classbridge_common.testing import TEST_TOKEN_TTL
from edge.oauth_flow import Tickets
from tests.unit.edge.helpers import SECRET, Services
from tests.unit.edge.test_sessions_and_schedule import a_session


def bearer(subject: str, role: str, tenant: str = "default") -> dict[str, str]:
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject=subject, secret=SECRET, roles=[role], tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


CALLERS: dict[str, dict[str, str]] = {
    "anonymous": {},
    "student": bearer("student-1", "student"),
    "teacher": bearer("teacher-1", "teacher"),
    "admin": bearer("admin-1", "admin"),
    "other_admin": bearer("admin-9", "admin", "acme"),
}


def in_tenant(answer: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A behaviour that, like the services, hides the default tenant's things from others."""

    def run(request: Any) -> Any:
        if current_caller().tenant != "default":
            raise NotFound(resource_type="thing", resource_id="x")
        return answer(request)

    return run


def script(services: Services) -> None:
    lesson = scheduler_pb2.RecordedLesson(
        id="l-1",
        session_id="s-1",
        title="Recap",
        source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
        external_url="https://videos.example.org/recap",
    )
    services.recording_sync.on(
        "ListRecordings", lambda r: recording_sync_pb2.ListRecordingsResponse()
    )
    services.recording_sync.on(
        "GetRecording", in_tenant(lambda r: recording_sync_pb2.Recording(id=r.recording_id))
    )
    services.recording_sync.on(
        "SyncMeeting", in_tenant(lambda r: recording_sync_pb2.SyncJob(id="job-1"))
    )
    services.zoom_gateway.on(
        "GetAuthorizationUrl",
        lambda r: zoom_gateway_pb2.GetAuthorizationUrlResponse(
            authorization_url="https://zoom.us/oauth/authorize?client_id=c&state=st.sig",
            state="st.sig",
        ),
    )
    services.zoom_gateway.on(
        "CompleteAuthorization", lambda r: zoom_gateway_pb2.Connection(user_id=r.user_id)
    )
    services.zoom_gateway.on(
        "GetConnection",
        lambda r: zoom_gateway_pb2.Connection(
            user_id=r.user_id, state=zoom_gateway_pb2.CONNECTION_STATE_CONNECTED
        ),
    )
    services.zoom_gateway.on(
        "ListUserRecordings", lambda r: zoom_gateway_pb2.ListUserRecordingsResponse()
    )
    services.scheduler.on(
        "CreateZoomMeeting",
        in_tenant(lambda r: scheduler_pb2.CreateZoomMeetingResponse(session=a_session())),
    )
    services.scheduler.on("AddRecordedLesson", in_tenant(lambda r: lesson))
    services.scheduler.on(
        "ListRecordedLessons",
        in_tenant(lambda r: scheduler_pb2.ListRecordedLessonsResponse(recorded_lessons=[lesson])),
    )
    services.scheduler.on(
        "ListBatches",
        in_tenant(
            lambda r: scheduler_pb2.ListBatchesResponse(
                batches=[scheduler_pb2.Batch(id="b-live", name="Live classes")]
            )
        ),
    )
    services.scheduler.on(
        "CreateSession",
        lambda r: scheduler_pb2.CreateSessionResponse(session=a_session(batch_id=r.batch_id)),
    )


LIVE_CLASS = {
    "courseId": "c-1",
    "title": "Python Basics",
    "scheduledStart": "2030-11-10T10:00:00Z",
    "scheduledEnd": "2030-11-10T11:00:00Z",
}
# (method, path, body, {caller: status}); callers not named get the "*" status.
ROUTES: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/health", None, {"*": 200, "anonymous": 200}),
    ("GET", "/recordings", None, {"*": 200}),
    ("GET", "/recordings/r-1", None, {"*": 200, "other_admin": 404}),
    ("POST", "/auth/zoom/authorize", None, {"*": 200}),
    ("POST", "/auth/zoom/token", {"code": "c", "state": "st.sig"}, {"*": 200}),
    ("GET", "/auth/zoom/status", None, {"*": 200}),
    ("GET", "/api/zoom/meetings?from=2024-01-01&to=2024-03-31", None, {"*": 200}),
    (
        "POST",
        "/api/zoom/download/85012345678",
        None,
        {"*": 202, "student": 403, "other_admin": 404},
    ),
    (
        "POST",
        "/api/zoom/sessions/meeting",
        {"session_id": "s-1"},
        {"*": 200, "student": 403, "other_admin": 404},
    ),
    (
        "POST",
        "/api/v1/sessions/s-1/recorded-lessons",
        {"title": "Recap", "source": "external_link", "url": "https://videos.example.org/recap"},
        {"*": 201, "student": 403, "other_admin": 404},
    ),
    ("GET", "/api/v1/sessions/s-1/recorded-lessons", None, {"*": 200, "other_admin": 404}),
    ("POST", "/api/live-classes", LIVE_CLASS, {"*": 201, "student": 403, "other_admin": 404}),
    ("GET", "/api/zoom/auth?code=c&state=nope", None, {"*": 303, "anonymous": 303}),
    ("POST", "/api/zoom/webhook", {"event": "meeting.started"}, {"*": 401, "anonymous": 401}),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), ROUTES, ids=lambda v: str(v))
async def test_each_new_route_for_each_kind_of_caller(
    client: httpx.AsyncClient,
    services: Services,
    method: str,
    path: str,
    body: Any,
    expected: dict[str, int],
) -> None:
    script(services)
    wrong = []
    for who, headers in CALLERS.items():
        want = expected.get(who, expected["*"] if who != "anonymous" else 401)
        answer = await client.request(method, path, json=body, headers=headers)
        if answer.status_code != want:
            wrong.append(f"{who}: {answer.status_code} (wanted {want}) {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)


# --- the OAuth state ticket and the browser callback ------------------------------------------


async def test_the_authorization_url_carries_a_ticket_and_post_strips_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    issued = await client.get("/api/zoom/auth-url", headers=CALLERS["teacher"])
    assert issued.status_code == 200
    data = issued.json()["data"]
    assert data["state"].startswith("st.sig~")
    assert parse_qs(urlsplit(data["authorization_url"]).query)["state"] == [data["state"]]
    done = await client.post(
        "/auth/zoom/token", json={"code": "c", "state": data["state"]}, headers=CALLERS["teacher"]
    )
    assert done.status_code == 200
    [sent] = services.zoom_gateway.requests("CompleteAuthorization")
    assert sent.state == "st.sig"
    assert sent.user_id == "teacher-1"


def _ticket_state(subject: str = "teacher-1", *, expires: int | None = None) -> str:
    from classbridge_common.auth import Caller

    who = Caller(subject=subject, roles=frozenset({"teacher"}), tenant="default")
    return "st.sig~" + Tickets(SECRET).issue(who, expires or int(time.time()) + 300)


def _outcome(answer: httpx.Response) -> dict[str, list[str]]:
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("http://127.0.0.1:3000/")
    return parse_qs(urlsplit(location).query)


async def test_the_callback_connects_as_the_user_of_the_state(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.get(
        "/api/zoom/auth", params={"code": "zoom-code", "state": _ticket_state()}
    )
    assert _outcome(answer) == {"zoom": ["connected"]}
    [received] = [c for c in services.zoom_gateway.calls if c.method == "CompleteAuthorization"]
    assert received.subject == "teacher-1"  # the gateway saw that user, with a token
    assert received.request.user_id == "teacher-1"
    assert received.request.state == "st.sig"
    assert received.request.code == "zoom-code"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (InvalidArgument("OAuth state rejected: already used"), "invalid_state"),
        (PermissionDenied("started by another user"), "state_mismatch"),
    ],
)
async def test_a_refused_state_redirects_with_the_reason(
    client: httpx.AsyncClient, services: Services, error: Exception, reason: str
) -> None:
    def refuse(request: Any) -> Any:
        raise error

    services.zoom_gateway.on("CompleteAuthorization", refuse)
    answer = await client.get("/api/zoom/auth", params={"code": "c", "state": _ticket_state()})
    assert _outcome(answer) == {"zoom": ["error"], "reason": [reason]}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"code": "c", "state": "st.sig"}, "invalid_state"),  # no ticket
        ({"code": "c", "state": "st.sig~forged.AAAA"}, "invalid_state"),
        ({"code": "c", "state": _ticket_state(expires=1_000)}, "invalid_state"),
        ({"state": "st.sig"}, "missing_code"),
        ({"error": "access_denied", "state": "st.sig"}, "access_denied"),
        ({"error": "<script>", "state": "st.sig"}, "access_denied"),
    ],
)
async def test_a_bad_callback_redirects_with_an_error_and_calls_nobody(
    client: httpx.AsyncClient, services: Services, params: dict[str, str], reason: str
) -> None:
    answer = await client.get("/api/zoom/auth", params=params)
    assert _outcome(answer) == {"zoom": ["error"], "reason": [reason]}
    assert services.all_calls() == []


async def test_post_on_the_callback_path_still_needs_a_token(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/zoom/auth", json={"code": "c", "state": "s"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    bad = await client.post(
        "/api/zoom/auth",
        json={"code": "c", "state": "s"},
        headers={"Authorization": "Bearer not-a-jwt"},
    )
    assert bad.status_code == 401


# --- seed 002 / 003 / 004 -----------------------------------------------------------------------


async def test_user_recordings_use_the_callers_own_connection(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.get(
        "/api/zoom/meetings?from=2024-01-01&to=2024-03-31&page_size=10", headers=CALLERS["student"]
    )
    assert answer.status_code == 200
    assert answer.json()["data"] == []
    [sent] = services.zoom_gateway.requests("ListUserRecordings")
    assert sent.account.oauth_user_id == "student-1"
    assert (getattr(sent, "from").year, sent.to.month) == (2024, 3)
    assert sent.page_size == 10


async def test_download_syncs_by_number_or_uuid(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    for path in ("/api/zoom/download/85012345678", "/api/zoom/download/aBc4DeF9Q1qk2w=="):
        answer = await client.post(path, headers=CALLERS["teacher"])
        assert answer.status_code == 202, answer.text
        assert answer.json()["data"]["id"] == "job-1"
    by_number, by_uuid = services.recording_sync.requests("SyncMeeting")
    assert by_number.meeting_id == 85012345678
    assert by_uuid.meeting_uuid == "aBc4DeF9Q1qk2w=="


async def test_auth_status_is_false_for_someone_never_connected(
    client: httpx.AsyncClient, services: Services
) -> None:
    def never(request: Any) -> Any:
        raise NotFound(resource_type="connection", resource_id=request.user_id)

    services.zoom_gateway.on("GetConnection", never)
    answer = await client.get("/auth/zoom/status", headers=CALLERS["teacher"])
    assert answer.status_code == 200
    assert answer.json()["data"] == {"authenticated": False, "connection": None}


async def test_session_meeting_is_the_create_zoom_meeting_of_the_session(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.post(
        "/api/zoom/sessions/meeting", json={"session_id": "s-1"}, headers=CALLERS["teacher"]
    )
    assert answer.status_code == 200
    assert answer.json()["data"]["zoom_meeting"]["id"] == "85012345678"
    [sent] = services.scheduler.requests("CreateZoomMeeting")
    assert sent.session_id == "s-1"
    missing = await client.post("/api/zoom/sessions/meeting", json={}, headers=CALLERS["teacher"])
    assert missing.status_code == 400


# --- seed 000: recorded lessons -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Recap", "url": "http://videos.example.org/recap"}, "url"),
        ({"title": "Recap"}, "url"),
        ({"title": "Recap", "source": "manual_upload"}, "recording_id"),
        ({"title": "Recap", "source": "zoom_auto_sync", "url": "https://x.org"}, "source"),
    ],
)
async def test_a_lesson_needs_what_its_source_needs(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    answer = await client.post(
        "/api/v1/sessions/s-1/recorded-lessons", json=body, headers=CALLERS["teacher"]
    )
    assert answer.status_code == 400
    assert field in {d.get("field") for d in answer.json()["error"]["details"]}


async def test_an_external_link_lesson_is_added(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.post(
        "/api/v1/sessions/s-1/recorded-lessons",
        json={"title": "Recap", "url": "https://videos.example.org/recap"},
        headers=CALLERS["teacher"],
    )
    assert answer.status_code == 201
    assert answer.json()["data"]["source"] == "external_link"
    [sent] = services.scheduler.requests("AddRecordedLesson")
    assert sent.session_id == "s-1"
    assert sent.recorded_lesson.external_url == "https://videos.example.org/recap"
    assert sent.recorded_lesson.source == common_pb2.RECORDING_SOURCE_EXTERNAL_LINK


# --- seed 001: courseId only, teacher_name ------------------------------------------------------


async def test_a_course_only_class_goes_to_the_default_batch_made_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    batches: list[scheduler_pb2.Batch] = []
    services.scheduler.on(
        "ListBatches", lambda r: scheduler_pb2.ListBatchesResponse(batches=batches)
    )

    def create(request: scheduler_pb2.CreateBatchRequest) -> scheduler_pb2.Batch:
        made = scheduler_pb2.Batch(id="b-new", **{"name": request.batch.name})
        batches.append(made)
        return made

    services.scheduler.on("CreateBatch", create)
    for _ in range(2):
        answer = await client.post("/api/live-classes", json=LIVE_CLASS, headers=CALLERS["teacher"])
        assert answer.status_code == 201, answer.text
        assert answer.json()["data"]["class"]["batch_id"] == "b-new"
    [made] = services.scheduler.requests("CreateBatch")
    assert made.batch.course_id == "c-1"
    assert made.batch.name == "Live classes"
    assert made.batch.type == common_pb2.BATCH_TYPE_GROUP
    assert made.batch.instructor_id == "teacher-1"
    assert made.request_id == "live-classes-default-batch:c-1"
    assert [r.batch_id for r in services.scheduler.requests("CreateSession")] == ["b-new"] * 2


async def test_a_class_without_batch_or_course_is_400(client: httpx.AsyncClient) -> None:
    body = {k: v for k, v in LIVE_CLASS.items() if k != "courseId"}
    answer = await client.post("/api/live-classes", json=body, headers=CALLERS["teacher"])
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == "batchId"


async def test_teacher_name_is_the_hosts_zoom_name_for_staff(
    client: httpx.AsyncClient, services: Services
) -> None:
    ended = a_session("s-ended")
    ended.status = scheduler_pb2.SESSION_STATUS_ENDED
    services.scheduler.on(
        "ListSessions",
        lambda r: scheduler_pb2.ListSessionsResponse(
            sessions=[a_session("s-planned"), ended], total_size=2
        ),
    )
    services.scheduler.on(
        "ListParticipants",
        lambda r: scheduler_pb2.ListParticipantsResponse(
            participants=[
                scheduler_pb2.Participant(
                    display_name="John Doe", role=scheduler_pb2.PARTICIPANT_ROLE_HOST
                )
            ]
        ),
    )
    answer = await client.get("/api/live-classes", headers=CALLERS["teacher"])
    assert [c["teacher_name"] for c in answer.json()["data"]] == [None, "John Doe"]
    assert [r.session_id for r in services.scheduler.requests("ListParticipants")] == ["s-ended"]
    student = await client.get("/api/live-classes", headers=CALLERS["student"])
    assert [c["teacher_name"] for c in student.json()["data"]] == [None, None]
    assert len(services.scheduler.requests("ListParticipants")) == 1


# --- seed 001: the webhook URL, forwarded -------------------------------------------------------


def _signed(body: bytes, *, secret: bytes = b"whsec", age: int = 0) -> dict[str, str]:
    stamp = str(int(time.time()) - age)
    mac = hmac.new(secret, f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "x-zm-signature": f"v0={mac}",
        "x-zm-request-timestamp": stamp,
        "content-type": "application/json",
        "authorization": "zoom-verification-token",
    }


async def test_a_zoom_webhook_is_forwarded_unchanged(client: httpx.AsyncClient) -> None:
    seen: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "stored"})

    app = client._transport.app  # type: ignore[attr-defined]
    app.state.webhook_transport = httpx.MockTransport(upstream)
    body = json.dumps({"event": "meeting.started", "payload": {"object": {"id": 1}}}).encode()
    headers = _signed(body)
    answer = await client.post("/api/zoom/webhook", content=body, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"status": "stored"}
    [forwarded] = seen
    assert str(forwarded.url) == "http://127.0.0.1:8081/api/zoom/webhook"
    assert forwarded.content == body
    for name in ("x-zm-signature", "x-zm-request-timestamp", "authorization", "content-type"):
        assert forwarded.headers[name] == headers[name]
    stale = await client.post("/api/zoom/webhook", content=body, headers=_signed(body, age=3600))
    assert stale.status_code == 401
    assert len(seen) == 1

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_signature", "message": "no"})

    app.state.webhook_transport = httpx.MockTransport(refuse)
    refused = await client.post("/api/zoom/webhook", content=body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_signature"

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    app.state.webhook_transport = httpx.MockTransport(down)
    unreachable = await client.post("/api/zoom/webhook", content=body, headers=headers)
    assert unreachable.status_code == 503
