"""Every curl example and endpoint of the five seed documents, replayed against a running stack
(every service real, Zoom simulated) with the token of the role the seed means.

The seeds are kept here as data (:data:`CASES`): the seed, method, path, body, who calls, the
status expected and the seed's response fields to find in the answer (dotted paths; a number
indexes a list; ``field=value`` also checks the value). ``{name}`` in a path or body is an id of
the seeded world, or one a previous case captured. Zoom's webhooks are sent to the edge's own
``/api/zoom/webhook`` (seed 001's URL) and must reach webhook-ingest; the OAuth flow runs in a
"browser" through the simulator's authorize page and lands on the edge's ``GET /api/zoom/auth``.

Seed 004's meeting CRUD is replayed by a tenant admin on the tenant's own Zoom account
(``POST /api/zoom/meetings``, ``GET/PATCH/DELETE /api/zoom/meetings/{id}``, its list at
``GET /api/zoom/scheduled-meetings`` because ``GET /api/zoom/meetings`` is seed 002's); teachers
and students are refused and another tenant's admin finds nothing (see docs/http-api.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from classbridge_common.auth import issue_token
from devstack.stack import Stack, free_port
from devstack.testing import isolated_stack

FRONT = "http://127.0.0.1:3000/settings/integrations"


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """The e2e stack, with webhook-ingest on a port chosen here so that the edge can be told
    where to forward Zoom's webhooks (the stack's own default is 8081, like ``make run``)."""
    port = free_port()
    overrides = {
        "webhook-ingest": {"http_port": port},
        "edge": {"webhook_ingest_url": f"http://127.0.0.1:{port}", "frontend_url": FRONT},
    }
    async with isolated_stack(tmp_path, overrides=overrides) as running:
        yield running


@dataclass(frozen=True)
class Case:
    seed: str
    method: str
    path: str
    body: Any = None
    who: str = "teacher"
    status: int = 200
    fields: tuple[str, ...] = ()
    capture: dict[str, str] = field(default_factory=dict)
    media: str = "application/json"


SCHEDULE = {
    "date": "2030-01-15",
    "start_time": "10:00",
    "end_time": "11:30",
    "title": "Introduction to JavaScript",
    "description": "Learn the basics of JavaScript programming",
    "create_zoom_meeting": True,
}
SESSION_FIELDS = (
    "success=True",
    "message",
    "data.session.id",
    "data.session.title=Introduction to JavaScript",
    "data.session.zoom_meeting.meeting_id",
    "data.session.zoom_meeting.join_url",
    "data.session.zoom_meeting.password",
    "data.session.zoom_meeting.topic",
    "data.zoom_meeting.id",
    "data.zoom_meeting.join_url",
    # Not "start_url": the host link is a bearer credential; GET .../start-url fetches it fresh.
    "data.zoom_meeting.password",
    "data.zoom_meeting.topic",
    "data.zoom_meeting.start_time",
    "data.zoom_meeting.duration",
)
LIVE_CLASS = {  # seed 001's own body: a course, no batch
    "courseId": "{course_id}",
    "title": "Python Basics",
    "description": "Introduction to Python programming",
    "scheduledStart": "2030-11-10T10:00:00Z",
    "scheduledEnd": "2030-11-10T11:00:00Z",
    "maxParticipants": 100,
    "autoRecording": True,
    "zoomCredentialId": 1,
}
CLASS_FIELDS = (
    "class_id",
    "course_id",
    "teacher_id",
    "teacher_name",
    "title",
    "scheduled_start",
    "scheduled_end",
    "status",
    "zoom_join_url",
    "participant_count",
    "is_recorded",
)
MANUAL_MEETING = {  # seed 004's createMeeting example
    "topic": "Manual Meeting",
    "start_time": "2030-08-20T10:00:00Z",
    "duration": 60,
}
MEETING_FIELDS = (
    "data.id",
    "data.join_url",
    "data.password",
    "data.topic=Manual Meeting",
    "data.start_time",
    "data.duration_minutes=60",
)
B = "/api/v1/batches/{batch_id}"
CASES: list[Case] = [
    # --- seed 000: scheduling with Zoom, sync, recorded lessons ---------------------------
    Case("000", "POST", B + "/schedule", SCHEDULE, status=201, fields=SESSION_FIELDS),
    Case(
        "000",
        "POST",
        B + "/schedule",
        {k: v for k, v in SCHEDULE.items() if k != "description"} | {"create_zoom_meeting": False},
        status=201,
        fields=("success=True", "data.session.id", "data.zoom_meeting=None"),
        capture={"plain_session_id": "data.session.id"},
    ),
    Case(
        "000",
        "POST",
        B + "/schedule/{plain_session_id}/create-zoom-meeting",
        fields=("success=True", "message", "data.zoom_meeting.id", "data.zoom_meeting.join_url"),
    ),
    Case("000", "POST", B + "/sync-zoom-recordings", status=202, fields=("success=True", "data")),
    Case(
        "000",
        "GET",
        B + "/zoom-sync-status",
        fields=(
            "success=True",
            "data.batch.id",
            "data.batch.name",
            "data.batch.course_title",
            "data.batch.batch_type",
            "data.sync_statistics.total_sessions",
            "data.sync_statistics.sessions_with_zoom_meetings",
            "data.sync_statistics.synced_sessions",
            "data.sync_statistics.total_zoom_recordings",
            "data.sync_statistics.sync_percentage",
            "data.sessions.0.session_id",
            # the seed's zoom_meeting {meeting_id, ...} flattened (recording_sync once synced)
            "data.sessions.0.meeting_id",
            "data.sessions.0.recorded_lessons.total",
            "data.sessions.0.recorded_lessons.zoom_auto_sync",
            "data.sessions.0.recorded_lessons.manual_upload",
            "data.sessions.0.recorded_lessons.external_link",
        ),
    ),
    Case(
        "000",
        "POST",
        B + "/retry-zoom-recordings",
        {"sessionId": "{session_id}"},
        status=202,
        fields=("success=True", "data"),
    ),
    Case(
        "000",
        "POST",
        "/api/v1/sessions/{session_id}/recorded-lessons",
        {"title": "Recap", "source": "external_link", "url": "https://videos.example.org/recap"},
        status=201,
        fields=("data.source=external_link", "data.title=Recap", "data.external_url"),
    ),
    Case(
        "000",
        "GET",
        "/api/v1/sessions/{session_id}/recorded-lessons",
        who="student",
        fields=("data.0.source",),
    ),
    # --- seed 001: live classes, recordings, interactions, the webhook URL ------------------
    Case(
        "001",
        "GET",
        "/api/live-classes?courseId={course_id}&status=scheduled",
        fields=("success=True", "count", *(f"data.0.{f}" for f in CLASS_FIELDS)),
    ),
    Case(
        "001",
        "POST",
        "/api/live-classes",
        LIVE_CLASS,
        status=201,
        fields=("success=True", "data.class.class_id", "data.class.zoom_join_url"),
        capture={"live_class_id": "data.class.class_id"},
    ),
    Case("001", "POST", "/api/live-classes", LIVE_CLASS, who="student", status=403),
    Case(
        "001",
        "POST",
        "/api/live-classes",
        {k: v for k, v in LIVE_CLASS.items() if k != "courseId"},
        status=400,
    ),
    Case("001", "GET", "/api/live-classes/{live_class_id}", fields=("data.class_id",)),
    Case("001", "GET", "/api/live-classes/no-such-class", status=404),
    Case(
        "001",
        "PUT",
        "/api/live-classes/{live_class_id}",
        {"title": "Python Basics (updated)", "maxParticipants": 50},
        fields=("data.class.title=Python Basics (updated)",),
    ),
    Case(
        "001",
        "GET",
        "/api/live-classes/{session_id}/recordings",
        who="student",
        fields=(
            "success=True",
            *(
                f"data.0.{f}"
                for f in (
                    "recording_id",
                    "file_name",
                    "file_size_mb",
                    "file_url",
                    "file_type",
                    "recording_type",
                    "recording_start",
                    "recording_end",
                    "can_access",
                    "can_download",
                    "created_at",
                )
            ),
        ),
    ),
    Case(
        "001",
        "POST",
        "/api/live-classes/{session_id}/interactions",
        {
            "interactionType": "question",
            "content": "How do I install Python?",
            "isAnonymous": False,
        },
        who="student",
        status=201,
    ),
    Case(
        "001",
        "GET",
        "/api/live-classes/{session_id}/interactions?type=question",
        who="student",
        fields=("success=True", "data.0.content=How do I install Python?"),
    ),
    Case(
        "001",
        "DELETE",
        "/api/live-classes/{live_class_id}",
        fields=("data.class.status=cancelled",),
    ),
    Case("001", "POST", "/api/zoom/webhook", {"event": "meeting.started"}, who="zoom", status=401),
    # the signed URL-validation challenge: answered by webhook-ingest, through the edge
    Case(
        "001",
        "POST",
        "/api/zoom/webhook",
        "signed",
        who="zoom",
        fields=("plainToken=edge-check", "encryptedToken"),
    ),
    # --- seed 002: the user's own Zoom: OAuth, recordings, download, status ------------------
    Case(
        "002",
        "GET",
        "/api/zoom/auth-url",
        fields=("success=True", "data.authorization_url", "data.state"),
    ),
    Case("002", "GET", "oauth-browser-flow", status=303),  # see _browser_flow
    Case("002", "POST", "/api/zoom/auth", {"code": "bad", "state": "bad.state"}, status=400),
    Case(
        "002", "GET", "/api/zoom/meetings?from=2030-01-01&to=2030-02-28", fields=("data", "count")
    ),
    Case(
        "002", "POST", "/api/zoom/download/{meeting_id}", status=202, fields=("data.id", "message")
    ),
    Case("002", "GET", "/api/zoom/status", fields=("data.configured", "data.status")),
    # --- seed 003: /auth/zoom/*, /recordings, /health and the API reference ------------------
    Case("003", "POST", "/auth/zoom/authorize", fields=("data.authorization_url",)),
    Case("003", "POST", "/auth/zoom/token", {"code": "bad", "state": "bad.state"}, status=400),
    Case(
        "003",
        "GET",
        "/auth/zoom/status",
        fields=("data.authenticated=True", "data.connection.zoom_email"),
    ),
    Case("003", "GET", "/recordings", who="student", fields=("data.0.id", "next_page_token")),
    Case("003", "GET", "/recordings/{recording_id}", who="student", fields=("data.id",)),
    Case("003", "GET", "/recordings/{recording_id}", who="other_admin", status=404),
    Case("003", "GET", "/health", who="anonymous", fields=("status=ok",)),
    Case("003", "GET", "/docs", who="anonymous", media="text/html"),
    Case("003", "GET", "/redoc", who="anonymous", media="text/html"),
    # --- seed 004: status, the session meeting, the tenant's meeting CRUD (admins) -----------
    Case(
        "004",
        "GET",
        "/api/zoom/status",
        who="admin",
        fields=("data.configured=True", "data.status.configured=True"),
    ),
    Case(
        "004",
        "POST",
        "/api/zoom/sessions/meeting",
        {"session_id": "{other_plain_session_id}"},
        fields=("data.zoom_meeting.id", "data.zoom_meeting.join_url"),
    ),
    Case(
        "004",
        "POST",
        "/api/zoom/sessions/meeting",
        {"session_id": "{session_id}"},
        who="student",
        status=403,
    ),
    Case("004", "POST", "/api/zoom/meetings", MANUAL_MEETING, status=403),  # a teacher
    Case("004", "POST", "/api/zoom/meetings", MANUAL_MEETING, who="student", status=403),
    Case(
        "004",
        "POST",
        "/api/zoom/meetings",
        MANUAL_MEETING | {"request_id": "manual-1"},
        who="admin",
        status=201,
        fields=(*MEETING_FIELDS, "data.start_url"),
        capture={"manual_meeting_id": "data.id"},
    ),
    Case(
        "004",
        "POST",
        "/api/zoom/meetings",
        MANUAL_MEETING | {"request_id": "manual-1"},
        who="admin",
        status=201,
        fields=("data.id={manual_meeting_id}",),  # the same key: the same meeting
    ),
    Case(
        "004",
        "GET",
        "/api/zoom/meetings/{manual_meeting_id}",
        who="admin",
        fields=(*MEETING_FIELDS, "data.start_url"),
    ),
    Case("004", "GET", "/api/zoom/meetings/{manual_meeting_id}", status=403),
    Case("004", "GET", "/api/zoom/meetings/{manual_meeting_id}", who="other_admin", status=404),
    Case(
        "004",
        "GET",
        "/api/zoom/scheduled-meetings",
        who="admin",
        fields=("data.0.id", "data.0.join_url", "count"),
    ),
    Case("004", "GET", "/api/zoom/scheduled-meetings", who="student", status=403),
    Case(
        "004",
        "PATCH",
        "/api/zoom/meetings/{manual_meeting_id}",
        {"topic": "Manual Meeting (moved)", "duration": 90},
        who="admin",
        fields=("data.topic=Manual Meeting (moved)", "data.duration_minutes=90"),
    ),
    Case(
        "004",
        "DELETE",
        "/api/zoom/meetings/{manual_meeting_id}",
        who="other_admin",
        status=404,
    ),
    Case("004", "DELETE", "/api/zoom/meetings/{manual_meeting_id}", who="admin"),
    Case("004", "GET", "/api/zoom/meetings/{manual_meeting_id}", who="admin", status=404),
    # last: the connection made by the browser flow goes away
    Case("002", "DELETE", "/api/zoom/disconnect", fields=("data.disconnected=True",)),
]


def _token(stack: Stack, who: str) -> dict[str, str]:
    subjects = {
        "teacher": ("teacher-1", ["teacher"], "default"),
        "student": ("student-1", ["student"], "default"),
        "admin": ("admin-1", ["admin"], "default"),
        "other_admin": ("admin-9", ["admin"], "acme"),
    }
    if who not in subjects:
        return {}
    subject, roles, tenant = subjects[who]
    token = issue_token(
        subject=subject, secret=stack.secrets.auth_jwt_secret, roles=roles, tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        for key, value in ids.items():
            template = template.replace("{" + key + "}", value)
        return template
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    return template


def dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, list):
            data = data[int(part)]
        else:
            assert isinstance(data, dict), f"{part!r}: not an object: {str(data)[:300]}"
            assert part in data, f"no {part!r} in {str(data)[:300]}"
            data = data[part]
    return data


def check_fields(body: Any, fields: tuple[str, ...]) -> list[str]:
    wrong = []
    for spec in fields:
        path, _, wanted = spec.partition("=")
        try:
            value = dig(body, path)
        except (AssertionError, IndexError, KeyError) as exc:
            wrong.append(f"{path}: {exc}")
            continue
        if wanted and str(value) != wanted:
            wrong.append(f"{path} is {value!r}, not {wanted}")
    return wrong


async def _world(stack: Stack, edge: httpx.AsyncClient) -> dict[str, str]:
    """A course taught by teacher-1, a batch student-1 attends, a class whose Zoom meeting ran
    and recorded, and two classes without a meeting."""
    admin = _token(stack, "admin")

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await edge.post(path, json=body, headers=admin)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()["data"]  # type: ignore[no-any-return]

    course = await post(
        "/api/v1/courses", {"title": "Advanced JavaScript", "instructor_ids": ["teacher-1"]}
    )
    batch = await post(
        "/api/v1/batches",
        {
            "course_id": course["id"],
            "name": "Batch 1",
            "type": "group",
            "instructor_id": "teacher-1",
        },
    )
    await post(f"/api/v1/batches/{batch['id']}/enrollments", {"student_id": "student-1"})
    scheduled = await post(f"/api/v1/batches/{batch['id']}/schedule", SCHEDULE)
    plain = await post(
        f"/api/v1/batches/{batch['id']}/schedule", SCHEDULE | {"create_zoom_meeting": False}
    )
    meeting_id = int(scheduled["zoom_meeting"]["id"])
    async with stack.sim_client() as zoom:
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording={"files": [{"file_type": "MP4", "size": 65536}]})
    ids = {
        "course_id": course["id"],
        "batch_id": batch["id"],
        "session_id": scheduled["session"]["id"],
        "meeting_id": str(meeting_id),
        "other_plain_session_id": plain["session"]["id"],
    }
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = await edge.get(f"/api/live-classes/{ids['session_id']}/recordings", headers=admin)
        rows = listed.json().get("data") or []
        if rows:
            ids["recording_id"] = rows[0]["recording_id"]
            break
        await asyncio.sleep(0.2)
    assert "recording_id" in ids, "the recording was not synced"
    grant = {"scope": "enrolled_students", "level": "view"}
    await post(f"/api/v1/recordings/{ids['recording_id']}/access-grants", grant)
    return ids


def _signed_challenge(stack: Stack) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "event": "endpoint.url_validation",
            "event_ts": int(time.time() * 1000),
            "payload": {"plainToken": "edge-check"},
        },
        separators=(",", ":"),
    ).encode()
    stamp = str(int(time.time()))
    secret = stack.secrets.webhook_secret_token.encode()
    mac = hmac.new(secret, f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "x-zm-signature": f"v0={mac}",
        "x-zm-request-timestamp": stamp,
        "content-type": "application/json",
    }
    return body, headers


async def _browser_flow(stack: Stack, edge: httpx.AsyncClient) -> httpx.Response:
    """Seed 002's user flow in a browser: the URL, Zoom's authorize page, back to the edge."""
    issued = await edge.get("/api/zoom/auth-url", headers=_token(stack, "teacher"))
    assert issued.status_code == 200, issued.text
    async with httpx.AsyncClient(timeout=30) as browser:
        approved = await browser.get(issued.json()["data"]["authorization_url"])
        assert approved.status_code == 302, approved.text
        back = urlsplit(approved.headers["location"])
        assert back.path == "/api/zoom/auth"
        # Zoom's redirect names the configured edge address; this stack's edge has its own port.
        return await browser.get(f"{stack.edge_url}{back.path}?{back.query}")


@pytest.mark.timeout(240)
async def test_every_seed_endpoint_answers_as_its_seed_says(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as edge:
        ids = await _world(stack, edge)
        wrong: list[str] = []
        for case in CASES:
            label = f"seed {case.seed}: {case.method} {case.path} as {case.who}"
            if case.path == "oauth-browser-flow":
                answer = await _browser_flow(stack, edge)
                location = answer.headers.get("location", "")
                outcome = parse_qs(urlsplit(location).query)
                if answer.status_code != 303 or outcome.get("zoom") != ["connected"]:
                    wrong.append(f"{label}: {answer.status_code} {location}")
                elif not location.startswith(FRONT):
                    wrong.append(f"{label}: redirected to {location}")
                continue
            headers = _token(stack, case.who)
            url = fill(case.path, ids)
            if case.body == "signed":
                content, signed = _signed_challenge(stack)
                answer = await edge.request(case.method, url, content=content, headers=signed)
            else:
                body = fill(case.body, ids)
                answer = await edge.request(case.method, url, json=body, headers=headers)
            if answer.status_code != case.status:
                wrong.append(
                    f"{label}: {answer.status_code}, not {case.status}: {answer.text[:300]}"
                )
                continue
            media = answer.headers.get("content-type", "").split(";")[0]
            if media != case.media:
                wrong.append(f"{label}: {media}, not {case.media}")
                continue
            if case.media != "application/json":
                continue
            data = answer.json()
            wanted = tuple(fill(spec, ids) for spec in case.fields)
            wrong.extend(f"{label}: {problem}" for problem in check_fields(data, wanted))
            for name, path in case.capture.items():
                ids[name] = str(dig(data, path))
        assert not wrong, "\n".join(wrong)


def test_every_seed_is_replayed() -> None:
    assert {case.seed for case in CASES} == {"000", "001", "002", "003", "004"}
