"""Calendar feeds through the edge: who gets a link, what the feed answers, and that a link
which is forged, altered, revoked or of another tenant reveals nothing (404)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import Caller, current_caller
from classbridge_common.errors import NotFound, PermissionDenied
from classbridge_common.logging import RedactingFilter, redact_text
from classbridge_common.telemetry import _scrub_request_span
from edge.app import create_app
from edge.calendar_links import CalendarLinks
from edge.clients import open_clients
from tests.unit.edge.helpers import SECRET, Services, auth, edge_settings, token

ADMIN = auth("admin-1", roles=("admin",))
TEACHER = auth("teacher-1", roles=("teacher",))
STUDENT = auth("student-1", roles=("student",))
ACME_ADMIN = {"Authorization": f"Bearer {token('admin-9', roles=('admin',), tenant='acme')}"}


def _stamp(text: str) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromisoformat(text).astimezone(UTC))
    return stamp


def _events() -> list[scheduler_pb2.CalendarEvent]:
    return [
        scheduler_pb2.CalendarEvent(
            session_id="session-1",
            batch_id="batch-1",
            course_title="JavaScript",
            title="Intro",
            start_time=_stamp("2030-01-15T10:00:00+05:30"),
            end_time=_stamp("2030-01-15T11:30:00+05:30"),
            timezone="Asia/Kolkata",
            status=scheduler_pb2.SESSION_STATUS_SCHEDULED,
            join_url="https://zoom.example/w/1?tk=secret-student-1",
            registered=True,
            sequence=3605,
            create_time=_stamp("2030-01-01T00:00:00+00:00"),
            update_time=_stamp("2030-01-01T01:00:05+00:00"),
        ),
        scheduler_pb2.CalendarEvent(
            session_id="session-2",
            batch_id="batch-1",
            course_title="JavaScript",
            title="Loops",
            start_time=_stamp("2030-01-16T10:00:00+05:30"),
            end_time=_stamp("2030-01-16T11:30:00+05:30"),
            timezone="Asia/Kolkata",
            status=scheduler_pb2.SESSION_STATUS_CANCELLED,
            sequence=7,
        ),
    ]


def _default_tenant_only(request: scheduler_pb2.GetCalendarFeedRequest) -> Any:
    """batch-1 is the default tenant's; who teaches it or admins it reads its feed."""
    caller = current_caller()
    if caller.tenant != "default":
        raise NotFound(resource_type="batch", resource_id=request.batch_id)
    if request.batch_id and not caller.has_role("admin", "teacher"):
        raise PermissionDenied("the caller may not read this batch's calendar")
    if request.validate_only:
        return scheduler_pb2.CalendarFeed(name="JavaScript - Morning")
    return scheduler_pb2.CalendarFeed(name="JavaScript - Morning", events=_events())


@pytest.fixture(autouse=True)
def scripted(services: Services) -> None:
    services.scheduler.on("GetCalendarFeed", _default_tenant_only)


def _links(versions: str | None = None) -> CalendarLinks:
    return CalendarLinks(SECRET, versions=versions)


async def _link(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> httpx.Response:
    return await client.post(path, headers=headers)


def _token_of(answer: httpx.Response) -> str:
    path: str = answer.json()["data"]["path"]
    return path.removeprefix("/api/v1/calendar/").removesuffix(".ics")


@pytest.mark.parametrize("headers", [ADMIN, TEACHER])
async def test_the_batchs_teachers_and_admins_get_its_feed_link(
    client: httpx.AsyncClient, services: Services, headers: dict[str, str]
) -> None:
    answer = await _link(client, "/api/v1/batches/batch-1/calendar-link", headers)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    data = answer.json()["data"]
    assert (data["kind"], data["subject_id"]) == ("batch", "batch-1")
    assert data["url"] == "http://edge.test" + data["path"]
    assert data["path"].startswith("/api/v1/calendar/")
    assert data["path"].endswith(".ics")
    [asked] = services.scheduler.requests("GetCalendarFeed")
    assert (asked.batch_id, asked.validate_only) == ("batch-1", True)


async def test_a_student_gets_no_batch_link(client: httpx.AsyncClient, services: Services) -> None:
    answer = await _link(client, "/api/v1/batches/batch-1/calendar-link", STUDENT)
    assert answer.status_code == 403
    assert services.scheduler.calls == []  # refused at the edge


async def test_another_tenants_admin_gets_no_link_for_this_tenants_batch(
    client: httpx.AsyncClient,
) -> None:
    answer = await _link(client, "/api/v1/batches/batch-1/calendar-link", ACME_ADMIN)
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("headers", "subject"),
    [(STUDENT, "student-1"), (TEACHER, "teacher-1"), (ADMIN, "admin-1")],
)
async def test_everyone_gets_a_link_to_their_own_feed(
    client: httpx.AsyncClient, headers: dict[str, str], subject: str
) -> None:
    answer = await _link(client, "/api/v1/me/calendar-link", headers)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert (data["kind"], data["subject_id"]) == ("user", subject)


async def test_a_link_without_a_token_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/me/calendar-link")).status_code == 401


async def test_the_feed_is_icalendar_read_as_the_links_holder(
    client: httpx.AsyncClient, services: Services
) -> None:
    link = _token_of(await _link(client, "/api/v1/me/calendar-link", STUDENT))
    answer = await client.get(f"/api/v1/calendar/{link}.ics")  # no bearer token
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert answer.headers["cache-control"] == "private, max-age=300"
    [asked] = services.scheduler.requests("GetCalendarFeed")
    assert asked.batch_id == ""
    assert services.scheduler.calls[-1].subject == "student-1"
    calendar = icalendar.Calendar.from_ical(answer.content)
    first, cancelled = calendar.walk("VEVENT")
    assert str(first["UID"]) == "session-1@classbridge"
    start = first.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (10, 0, "Asia/Kolkata")
    assert first["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert str(first["SUMMARY"]) == "JavaScript - Intro"
    assert str(first["LOCATION"]) == "https://zoom.example/w/1?tk=secret-student-1"
    assert "https://zoom.example/w/1?tk=secret-student-1" in str(first["DESCRIPTION"])
    assert (int(first["SEQUENCE"]), str(first["STATUS"])) == (3605, "CONFIRMED")
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 7)
    assert "LOCATION" not in cancelled
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Kolkata"]


async def test_a_batch_feed_asks_for_the_batch(
    client: httpx.AsyncClient, services: Services
) -> None:
    link = _token_of(await _link(client, "/api/v1/batches/batch-1/calendar-link", TEACHER))
    answer = await client.get(f"/api/v1/calendar/{link}.ics")
    assert answer.status_code == 200
    assert services.scheduler.requests("GetCalendarFeed")[-1].batch_id == "batch-1"
    assert services.scheduler.calls[-1].subject == "teacher-1"
    calendar = icalendar.Calendar.from_ical(answer.content)
    assert str(calendar["X-WR-CALNAME"]) == "JavaScript - Morning"


def _altered(link: str, **changes: Any) -> str:
    payload, _, mac = link.partition(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes)
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + "." + mac


def _teacher() -> Caller:
    return Caller(subject="teacher-1", roles=frozenset({"teacher"}), tenant="default")


@pytest.mark.parametrize(
    "bad",
    [
        "nonsense",
        "a.b",
        _altered(_links().issue(_teacher(), kind="batch", subject="batch-1"), s="batch-2"),
        _altered(_links().issue(_teacher(), kind="batch", subject="batch-1"), r=["admin"]),
        _altered(_links().issue(_teacher(), kind="batch", subject="batch-1"), t="acme"),
        _links().issue(_teacher(), kind="batch", subject="batch-1")[:-2] + "AA",
        CalendarLinks("another-secret-long-enough-for-hs256-signing").issue(
            _teacher(), kind="batch", subject="batch-1"
        ),
    ],
)
async def test_a_forged_or_altered_link_is_not_found(
    client: httpx.AsyncClient, services: Services, bad: str
) -> None:
    answer = await client.get(f"/api/v1/calendar/{bad}.ics")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "no such calendar"
    assert services.scheduler.calls == []  # nothing asked for a link this edge did not sign


async def test_another_tenants_link_cannot_read_this_tenants_batch(
    client: httpx.AsyncClient, services: Services
) -> None:
    acme = Caller(subject="admin-9", roles=frozenset({"admin"}), tenant="acme")
    link = _links().issue(acme, kind="batch", subject="batch-1")  # a genuine acme link
    answer = await client.get(f"/api/v1/calendar/{link}.ics")
    assert answer.status_code == 404
    assert "batch-1" not in answer.text  # the scheduler's NOT_FOUND names it; the edge does not
    assert services.scheduler.calls[-1].subject == "admin-9"


async def test_a_holder_who_may_no_longer_read_the_batch_gets_not_found(
    client: httpx.AsyncClient,
) -> None:
    student = Caller(subject="student-1", roles=frozenset({"student"}), tenant="default")
    link = _links().issue(student, kind="batch", subject="batch-1")
    assert (await client.get(f"/api/v1/calendar/{link}.ics")).status_code == 404


@pytest.fixture
async def rotated(tmp_path: Path, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    settings = edge_settings(tmp_path, services.addresses, calendar_feed_key_versions="default=2")
    async with open_clients(settings) as clients:
        app = create_app(settings=settings, clients=clients)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://edge.test"
        ) as http:
            yield http


async def test_raising_the_tenants_key_version_revokes_its_links(
    rotated: httpx.AsyncClient,
) -> None:
    old = _links().issue(_teacher(), kind="batch", subject="batch-1")
    assert (await rotated.get(f"/api/v1/calendar/{old}.ics")).status_code == 404
    new = _token_of(await rotated.post("/api/v1/batches/batch-1/calendar-link", headers=TEACHER))
    assert (await rotated.get(f"/api/v1/calendar/{new}.ics")).status_code == 200
    acme = Caller(subject="admin-9", roles=frozenset({"admin"}), tenant="acme")
    other = _links("default=2").issue(acme, kind="user", subject="admin-9")
    assert _links().check(other).version == 1  # another tenant's links are untouched


async def test_the_token_is_never_logged(
    client: httpx.AsyncClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    link = _token_of(await _link(client, "/api/v1/me/calendar-link", STUDENT))
    services.scheduler.on("GetCalendarFeed", lambda request: 1 / 0)  # a failure is logged
    assert (await client.get(f"/api/v1/calendar/{link}.ics")).status_code >= 500
    await client.get(f"/api/v1/calendar/{link[:-3]}xyz.ics")
    # The edge's own lines (the test client's httpx lines are this test's, not the edge's)
    edge_lines = [r for r in caplog.records if r.name != "httpx"]
    assert edge_lines  # the failure was logged...
    for record in edge_lines:
        assert link[:20] not in record.getMessage()  # ...and not the token
        assert link[:20] not in (record.exc_text or "")
    # and a line that carries the URL (the test client's own, here; already scrubbed when an
    # earlier test installed the services' logging) leaves a service's log scrubbed
    [client_line] = [r for r in caplog.records if r.name == "httpx" and "500" in r.getMessage()]
    RedactingFilter().filter(client_line)
    assert "/api/v1/calendar/\u2026" in client_line.getMessage()
    assert link[:20] not in client_line.getMessage()


def test_log_lines_and_traces_scrub_a_feed_path() -> None:
    link = _links().issue(_teacher(), kind="user", subject="teacher-1")
    line = redact_text(f"GET https://edge.test/api/v1/calendar/{link}.ics failed")
    assert line == "GET https://edge.test/api/v1/calendar/\u2026 failed"


class _Span:
    def __init__(self) -> None:
        self.attributes: dict[str, str] = {}

    def is_recording(self) -> bool:
        return True

    def set_attribute(self, key: str, value: str) -> None:
        self.attributes[key] = value


def test_a_request_span_of_a_feed_keeps_no_token() -> None:
    link = _links().issue(_teacher(), kind="user", subject="teacher-1")
    span = _Span()
    _scrub_request_span(span, {"path": f"/api/v1/calendar/{link}.ics"})
    assert set(span.attributes.values()) == {"/api/v1/calendar/\u2026"}
    assert {"http.target", "url.path", "http.url", "url.full"} <= span.attributes.keys()
    other = _Span()
    _scrub_request_span(other, {"path": "/api/v1/sessions"})
    assert other.attributes == {}  # nothing to scrub: the instrumentation's own values stay
