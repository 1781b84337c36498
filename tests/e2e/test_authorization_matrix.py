"""The edge's authorization matrix, generated from its route table, against the whole system
(on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ).

Every route of the edge declares who may call it (``edge.access.route``). This test builds the
app's route list, and for each route and each kind of caller — anonymous, the enrolled student,
another student, the course's teacher, another teacher, the tenant's admin, another tenant's
admin, a platform operator, and each service identity — derives the expected answer from the
declaration, then sends the request to a running stack (every service real, Zoom simulated):

- refused: 401 for no token or a service token (the edge accepts only people), 403 for a role the
  route does not admit, and 403 or 404 for a resource outside the caller's reach (another tenant's
  ids are 404: their existence is not revealed);
- admitted: anything else (a 400 for a body the route rejects, a 409 for a state it refuses).

A route without a declaration fails at app creation; a route this test has no request for fails
here, so a new route cannot go unchecked.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from classbridge_common.auth import issue_token
from classbridge_common.testing import integration_tier
from devstack.stack import Stack
from devstack.testing import isolated_stack
from edge.access import Access, access_of
from edge.app import create_app
from edge.clients import Clients
from tests.e2e.conftest import INFRASTRUCTURE

REFUSED = {401, 403, 404}
SERVICES = ("scheduler", "zoom-gateway", "recording-sync", "webhook-ingest")


@dataclass(frozen=True)
class Persona:
    name: str
    subject: str = ""
    roles: tuple[str, ...] = ()
    tenant: str = "default"
    service: str = ""


PERSONAS = [
    Persona("anonymous"),
    Persona("student", "student-1", ("student",)),
    Persona("other_student", "student-2", ("student",)),
    Persona("teacher", "teacher-1", ("teacher",)),
    Persona("other_teacher", "teacher-2", ("teacher",)),
    Persona("admin", "admin-1", ("admin",)),
    Persona("other_admin", "admin-9", ("admin",), tenant="acme"),
    Persona("operator", "operator-1", ("operator",)),
    *(Persona(f"service:{s}", s, ("service",), service=s) for s in SERVICES),
]


def headers(stack: Stack, who: Persona) -> dict[str, str]:
    if who.name == "anonymous":
        return {}
    if who.service:
        token = issue_token(  # a genuine service token of this stack: still not for the edge
            subject=who.subject,
            secret=stack.secrets.service_jwt_secret,
            roles=["service"],
            kind="service",
        )
    else:
        token = issue_token(
            subject=who.subject,
            secret=stack.secrets.auth_jwt_secret,
            roles=who.roles,
            tenant=who.tenant,
        )
    return {"Authorization": f"Bearer {token}"}


# Routes whose request names a resource of the seeded tenant in its body rather than its path.
BODY_ADDRESSES = {
    ("POST", "/api/v1/batches"),
    ("POST", "/api/v1/bulk/sessions"),
    ("POST", "/api/live-classes"),
    ("POST", "/api/zoom/sessions/meeting"),
}
# Public routes that authenticate with Zoom's signature instead of a token: refused (401) for
# every caller here, who sends none.
SIGNED_PATHS = ("/api/zoom/webhook", "/api/zoom/deauthorization")
# Routes about a tenant itself: another tenant's admin is refused, an operator admitted.
TENANT_PATHS = ("/api/v1/tenants/{tenant_id}",)
# Routes whose path names an entry of the caller's own tenant, put by the caller (the people
# directory): another tenant's admin reaches only the entry of that name in their own tenant
# (a PUT makes it there; a DELETE finds it or answers 404), never the seed's. The scheduler's
# tests prove the two directories apart.
OWN_TENANT_ENTRIES = ("/api/v1/people/{user_id}",)


MEETING_PATH = "/api/zoom/meetings/"


async def manual_meeting(stack: Stack, edge: httpx.AsyncClient, who: Persona) -> str:
    """A meeting of ``who``'s tenant's account, not a session's (seed 004's meeting CRUD)."""
    made = await edge.post(
        "/api/zoom/meetings",
        json=BODIES[("POST", "/api/zoom/meetings")],
        headers=headers(stack, who),
    )
    assert made.status_code == 201, made.text
    return str(made.json()["data"]["id"])


def expected_refused(access: Access, method: str, path: str, who: Persona) -> bool:
    """What the declaration says this caller gets: refused (True) or admitted."""
    if path in SIGNED_PATHS:
        return True
    if access.scope == "public":
        return False
    if who.name == "anonymous" or who.service:
        return True
    if not access.admits(who.roles):
        return True
    addresses = "{" in path or (method, path) in BODY_ADDRESSES
    if not addresses or who.name in ("admin", "operator"):
        return False
    if access.scope == "own":
        return False
    if who.name == "other_admin":
        return path not in OWN_TENANT_ENTRIES
    if access.scope == "tenant":
        return False
    # resource scope: the course's teacher and the enrolled student reach it, nobody else
    return who.name not in ("teacher", "student")


@dataclass
class Seed:
    """One tenant's world: a course taught by teacher-1, a group batch student-1 attends, a
    class with a Zoom meeting and a synced recording, a shared resource and an access grant."""

    ids: dict[str, str]


async def seed(stack: Stack, edge: httpx.AsyncClient, *, with_recording: bool) -> Seed:
    admin = headers(stack, PERSONAS[5])

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await edge.post(path, json=body, headers=admin)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()["data"]  # type: ignore[no-any-return]

    course = await post("/api/v1/courses", {"title": "Algebra", "instructor_ids": ["teacher-1"]})
    batch = await post(
        "/api/v1/batches",
        {"course_id": course["id"], "name": "A1", "type": "group", "instructor_id": "teacher-1"},
    )
    await post(f"/api/v1/batches/{batch['id']}/enrollments", {"student_id": "student-1"})
    scheduled = await post(
        f"/api/v1/batches/{batch['id']}/schedule",
        {
            "date": "2030-01-15",
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Lesson 1",
            "create_zoom_meeting": with_recording,
        },
    )
    session_id = scheduled["session"]["id"]
    bulk = await edge.post(
        "/api/v1/bulk/sessions",
        json={
            "request_id": f"matrix-seed-{batch['id']}",
            "items": [
                {
                    "batch_id": batch["id"],
                    "date": "2030-01-17",
                    "start_time": "10:00",
                    "end_time": "11:00",
                    "title": "Lesson 2",
                    "create_zoom_meeting": False,
                }
            ],
        },
        headers=admin,
    )
    assert bulk.status_code == 202, bulk.text
    series = await post(
        f"/api/v1/batches/{batch['id']}/series",
        {
            "date": "2030-01-21",
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Weekly",
            "recurrence": "FREQ=WEEKLY;COUNT=2",
            "create_zoom_meeting": False,
        },
    )
    resource = await post(
        f"/api/live-classes/{session_id}/resources",
        {"resourceType": "link", "title": "Notes", "url": "https://example.org/notes"},
    )
    listed_people = await edge.get(f"/api/live-classes/{session_id}/participants", headers=admin)
    # the batch's calendar feed link: its token is the feed path's (public) parameter
    feed_link = await post(f"/api/v1/batches/{batch['id']}/calendar-link", {})
    feed_token = feed_link["path"].removeprefix("/api/v1/calendar/").removesuffix(".ics")
    host_record = listed_people.json()["data"][0]  # the teacher's, made with the session
    ids = {
        "course_id": course["id"],
        "batch_id": batch["id"],
        "session_id": session_id,
        "job_id": bulk.json()["data"]["id"],
        "series_id": series["series"]["id"],
        "class_id": session_id,
        "student_id": "student-1",
        "resource_id": resource["id"],
        "participant_id": host_record["id"],
        "tenant_id": "default",
        "recording_id": "none",
        "grant_id": "none",
        "event_id": "none",
        "meeting_id": "0",
        "token": feed_token,
    }
    # a manual upload the course's teacher started (tus creation; usable by them and admins)
    started = await edge.post(
        "/api/v1/uploads",
        headers={
            **headers(stack, PERSONAS[3]),
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": "session_id " + base64.b64encode(session_id.encode()).decode(),
        },
    )
    assert started.status_code == 201, started.text
    ids["upload_id"] = started.json()["data"]["id"]
    # the course's teacher in the school's people directory (the admins keep it)
    person = await edge.put(
        "/api/v1/people/teacher-1",
        json={"email": "teacher-1@school.test", "role": "teacher", "name": "Tara"},
        headers=admin,
    )
    assert person.status_code == 200, person.text
    ids["user_id"] = "teacher-1"
    # an outgoing webhook endpoint of the tenant's platform, and a delivery to it (a test ping)
    endpoint = await post(
        "/api/v1/webhooks/endpoints",
        {
            "url": f"http://127.0.0.1:9/matrix/{uuid.uuid4().hex}",
            "event_types": ["recording.sync_failed"],
        },
    )
    ids["endpoint_id"] = endpoint["endpoint"]["id"]
    ping = await edge.post(f"/api/v1/webhooks/endpoints/{ids['endpoint_id']}/test", headers=admin)
    assert ping.status_code == 202, ping.text
    ids["delivery_id"] = ping.json()["data"]["id"]
    if with_recording:
        meeting_id = int(scheduled["zoom_meeting"]["id"])
        ids["meeting_id"] = str(meeting_id)
        async with stack.sim_client() as zoom:
            await zoom.start(meeting_id)
            files = [{"file_type": "MP4", "size": 256 * 1024}]
            await zoom.end(meeting_id, recording={"files": files, "delay": 0.1})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = await edge.get(f"/api/live-classes/{session_id}/recordings", headers=admin)
            rows = listed.json().get("data") or []
            if rows:
                ids["recording_id"] = rows[0]["recording_id"]
                break
            await asyncio.sleep(0.2)
        assert ids["recording_id"] != "none", "the recording was not synced"
        grant = await post(
            f"/api/v1/recordings/{ids['recording_id']}/access-grants",
            {"scope": "enrolled_students", "level": "view"},
        )
        ids["grant_id"] = grant["id"]
        events = await edge.get("/api/v1/admin/webhook-events", headers=admin)
        listed_events = events.json().get("data") or []
        if listed_events:
            ids["event_id"] = listed_events[0]["id"]
    return Seed(ids=ids)


BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/courses"): {"title": "Geometry"},
    ("PATCH", "/api/v1/courses/{course_id}"): {"title": "Algebra I"},
    ("POST", "/api/v1/batches"): {"course_id": "{course_id}", "name": "A2", "type": "group"},
    ("PATCH", "/api/v1/batches/{batch_id}"): {"name": "A1 (morning)"},
    ("POST", "/api/v1/batches/{batch_id}/enrollments"): {"student_id": "student-3"},
    ("POST", "/api/v1/batches/{batch_id}/schedule"): {
        "date": "2030-02-01",
        "start_time": "09:00",
        "end_time": "10:00",
        "title": "Extra",
    },
    ("POST", "/api/v1/batches/{batch_id}/schedule/{session_id}/create-zoom-meeting"): {},
    ("POST", "/api/v1/bulk/sessions"): {
        "request_id": "matrix-bulk",
        "items": [
            {
                "batch_id": "{batch_id}",
                "date": "2030-02-03",
                "start_time": "09:00",
                "end_time": "10:00",
                "title": "Bulk",
                "create_zoom_meeting": False,
            }
        ],
    },
    ("POST", "/api/v1/batches/{batch_id}/series"): {
        "date": "2030-02-04",
        "start_time": "09:00",
        "end_time": "10:00",
        "title": "Series",
        "recurrence": "FREQ=DAILY;COUNT=2",
        "create_zoom_meeting": False,
    },
    ("POST", "/api/v1/series/{series_id}/cancel"): {},
    ("PATCH", "/api/v1/series/{series_id}"): {"title": "Weekly (renamed)"},
    ("PUT", "/api/v1/me/notifications"): {"email": False},
    ("PUT", "/api/v1/people/{user_id}"): {"email": "tara@school.test", "role": "teacher"},
    ("POST", "/api/v1/batches/{batch_id}/sync-zoom-recordings"): {},
    ("POST", "/api/v1/batches/{batch_id}/retry-zoom-recordings"): {},
    ("PATCH", "/api/v1/sessions/{session_id}"): {"title": "Lesson one"},
    ("PATCH", "/api/v1/sessions/{session_id}/participants/{participant_id}"): {"raised_hand": True},
    ("POST", "/api/live-classes"): {
        "batchId": "{batch_id}",
        "title": "Live",
        "scheduledStart": "2030-03-01T10:00:00Z",
        "scheduledEnd": "2030-03-01T11:00:00Z",
    },
    ("PUT", "/api/live-classes/{class_id}"): {"title": "Lesson 1"},
    ("POST", "/api/live-classes/{class_id}/interactions"): {
        "interactionType": "question",
        "content": "Why?",
    },
    ("POST", "/api/live-classes/{class_id}/resources"): {
        "resourceType": "link",
        "title": "More",
        "url": "https://example.org/more",
    },
    ("POST", "/api/v1/recordings/{recording_id}/access-grants"): {
        "scope": "enrolled_students",
        "level": "view",
    },
    ("POST", "/api/v1/recordings/{recording_id}/reprocess"): {},
    ("POST", "/api/v1/admin/webhook-events/{event_id}/replay"): {},
    ("POST", "/api/v1/webhooks/endpoints"): {
        "url": "http://127.0.0.1:9/matrix-created",
        "event_types": ["session.scheduled"],
    },
    ("PATCH", "/api/v1/webhooks/endpoints/{endpoint_id}"): {"description": "matrix"},
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret"): {},
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/test"): {},
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/replay-failed"): {
        "since": "2020-01-01T00:00:00Z"
    },
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/replay"): {},
    ("POST", "/api/zoom/auth"): {"code": "nope", "state": "nope"},
    ("POST", "/auth/zoom/token"): {"code": "nope", "state": "nope"},
    ("POST", "/auth/zoom/authorize"): {},
    ("POST", "/api/zoom/download/{meeting_id}"): {},
    ("POST", "/api/zoom/sessions/meeting"): {"session_id": "{session_id}"},
    ("POST", "/api/zoom/meetings"): {
        "topic": "Matrix meeting",
        "start_time": "2030-03-01T10:00:00Z",
        "duration": 30,
    },
    ("PATCH", "/api/zoom/meetings/{meeting_id}"): {"agenda": "matrix"},
    ("POST", "/api/v1/sessions/{session_id}/recorded-lessons"): {
        "title": "Recap",
        "url": "https://videos.example.org/recap",
    },
    ("POST", "/api/zoom/webhook"): {"event": "meeting.started"},
    ("POST", "/api/zoom/deauthorization"): {"event": "app_deauthorized"},
    ("POST", "/api/v1/tenants"): {"id": "matrix-school", "name": "Matrix School"},
    ("PUT", "/api/v1/tenants/{tenant_id}/zoom"): {"validate_only": True},
    ("PUT", "/api/v1/courses/{course_id}/recording-policy"): {"copyRecordings": True},
    ("PUT", "/api/v1/recording-policy"): {"copy_recordings": True},
    ("POST", "/api/v1/batches/{batch_id}/calendar-link"): {},
    ("POST", "/api/v1/me/calendar-link"): {},
    # Uploads read headers and raw bytes, not JSON: admitted callers get 400 or 415 for these.
    ("POST", "/api/v1/uploads"): {},
    ("PATCH", "/api/v1/uploads/{upload_id}"): {},
    ("POST", "/api/v1/upload/recording"): {},
    ("POST", "/upload/recording"): {},
    ("POST", "/api/v1/monitor/start"): {},
    ("POST", "/monitor/start"): {},
    ("POST", "/api/v1/monitor/stop"): {},
    ("POST", "/monitor/stop"): {},
    ("PUT", "/api/v1/monitor/path"): {"path": "Zoom"},
    ("PUT", "/monitor/path"): {"path": "Zoom"},
}


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        for key, value in ids.items():
            template = template.replace("{" + key + "}", value)
        return template
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, ids) for v in template]
    return template


def edge_routes() -> list[tuple[str, str, Access]]:
    """(method, path, declaration) of every edge route, from the app itself."""
    app = create_app(settings=_settings(), clients=Clients.__new__(Clients))
    found: list[tuple[str, str, Access]] = []
    for candidate in app.routes:
        access = access_of(candidate)
        assert access is not None, f"{candidate} declares no access"
        for method in sorted(getattr(candidate, "methods", None) or ()):
            if method != "HEAD":
                found.append((method, candidate.path, access))  # type: ignore[attr-defined]
    return found


def _settings() -> Any:
    from classbridge_common.testing import make_settings
    from edge.settings import Settings

    return make_settings(Settings, service_name="edge", data_dir=Path("var"))


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=INFRASTRUCTURE)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Stack, Seed]]:
    urls: dict[str, str | None] = {}
    if request.param != "embedded":  # the integration tier (its test setup checked the servers)
        tier = integration_tier()
        urls = {"database_url": tier.database_url, "amqp_url": tier.amqp_url}
    # Every destructive call re-seeds a world, each with an outgoing webhook endpoint of its own.
    overrides = {"webhook-ingest": {"outgoing_webhook_max_endpoints": 1000}}
    async with isolated_stack(
        tmp_path_factory.mktemp("matrix"), overrides=overrides, **urls
    ) as stack:
        edge = httpx.AsyncClient(base_url=stack.edge_url, timeout=30)
        try:
            world_seed = await seed(stack, edge, with_recording=True)
        finally:
            await edge.aclose()
        yield stack, world_seed


def test_every_route_has_a_declared_request() -> None:
    """A new route needs a body here (when it takes one) before the matrix can cover it."""
    for method, path, _ in edge_routes():
        if method in ("POST", "PUT", "PATCH"):
            assert (method, path) in BODIES, f"no request body declared for {method} {path}"


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("method", "path", "access"), edge_routes(), ids=lambda v: str(v))
async def test_authorization_matrix(
    world: tuple[Stack, Seed], method: str, path: str, access: Access
) -> None:
    stack, world_seed = world
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as edge:
        destructive = method == "DELETE"
        refused = [p for p in PERSONAS if expected_refused(access, method, path, p)]
        admitted = [p for p in PERSONAS if p not in refused]
        wrong: list[str] = []
        for who in [*refused, *admitted]:  # refusals first: an admitted DELETE changes the world
            ids = world_seed.ids
            if destructive and who in admitted:
                if "recording" in path:
                    continue  # one synced recording per world; recording-sync's tests delete
                ids = (await seed(stack, edge, with_recording=False)).ids
                if path.startswith(MEETING_PATH):  # seed 004: a meeting of the tenant's own
                    ids = ids | {"meeting_id": await manual_meeting(stack, edge, who)}
            url = fill(path, ids)
            body = fill(BODIES.get((method, path)), ids)
            answer = await edge.request(method, url, json=body, headers=headers(stack, who))
            status = answer.status_code
            want_refused = who in refused
            if status >= 500:
                wrong.append(f"{who.name}: {status} {answer.text[:200]}")
            elif want_refused and status not in REFUSED:
                wrong.append(f"{who.name}: expected refusal, got {status} {answer.text[:160]}")
            elif (
                not want_refused
                and status in REFUSED
                and not (
                    access.scope == "own" and status == 404  # e.g. "you never connected Zoom"
                )
                and not (path in OWN_TENANT_ENTRIES and status == 404)  # not in their tenant
            ):
                wrong.append(f"{who.name}: expected admission, got {status} {answer.text[:160]}")
            if who.name == "anonymous" and (access.scope != "public" or path in SIGNED_PATHS):
                assert status == 401, (path, status)
        assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)


def test_matrix_covers_every_persona_kind() -> None:
    names = {p.name for p in PERSONAS}
    assert {"anonymous", "student", "other_student", "teacher", "other_teacher"} <= names
    assert {"admin", "other_admin", "operator"} <= names
    assert {f"service:{s}" for s in SERVICES} <= names
