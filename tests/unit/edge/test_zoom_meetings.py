"""Seed 004's meeting CRUD (``edge/routes/zoom_meetings.py``) for every kind of caller: admins
2xx, teachers and students 403, anonymous 401, another tenant's admin 404 (the gateway, like
zoom-gateway itself, finds no such meeting on that tenant's account)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge_common.auth import current_caller
from classbridge_common.errors import NotFound
from tests.unit.edge.helpers import Services
from tests.unit.edge.test_seed_routes import CALLERS

MEETING_ID = 85_012_345_678
START = "2030-08-20T10:00:00Z"
START_URL = "https://zoom.example/s/85012345678?zak=secret-host-key"


def meeting() -> zg.Meeting:
    found = zg.Meeting(
        id=MEETING_ID,
        topic="Manual Meeting",
        duration_minutes=60,
        join_url="https://zoom.example/j/85012345678",
        start_url=START_URL,
        password="abc123",
        tenant_id="default",
    )
    found.start_time.FromJsonString(START)
    return found


def script(services: Services) -> None:
    def in_default(answer: Any) -> Any:
        def run(request: Any) -> Any:
            if current_caller().tenant != "default" or request.account.tenant_id != "default":
                raise NotFound(resource_type="meeting", resource_id=str(MEETING_ID))
            return answer

        return run

    services.zoom_gateway.on("CreateMeeting", lambda request: meeting())
    services.zoom_gateway.on("GetMeeting", in_default(meeting()))
    services.zoom_gateway.on("UpdateMeeting", in_default(meeting()))
    services.zoom_gateway.on("DeleteMeeting", in_default(zg.DeleteMeetingResponse()))
    services.zoom_gateway.on(
        "ListMeetings", lambda request: zg.ListMeetingsResponse(meetings=[meeting()])
    )


ONE = f"/api/zoom/meetings/{MEETING_ID}"
BODY = {"topic": "Manual Meeting", "start_time": START, "duration": 60}
ROUTES: list[tuple[str, str, Any, int]] = [
    ("POST", "/api/zoom/meetings", BODY, 201),
    ("GET", ONE, None, 200),
    ("PATCH", ONE, {"topic": "Renamed"}, 200),
    ("DELETE", ONE, None, 200),
    ("GET", "/api/zoom/scheduled-meetings", None, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "success"), ROUTES)
async def test_each_meeting_route_for_each_kind_of_caller(
    client: httpx.AsyncClient, services: Services, method: str, path: str, body: Any, success: int
) -> None:
    script(services)
    expected = {"anonymous": 401, "student": 403, "teacher": 403, "admin": success}
    if method in ("GET", "PATCH", "DELETE") and path == ONE:
        expected["other_admin"] = 404
    for who, status in expected.items():
        answer = await client.request(method, path, json=body, headers=CALLERS[who])
        assert answer.status_code == status, (who, answer.text)


async def test_create_is_idempotent_on_the_callers_key_and_answers_seed_004s_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    headers = CALLERS["admin"] | {"Idempotency-Key": "k-1"}
    answer = await client.post(
        "/api/zoom/meetings",
        json=BODY
        | {"agenda": "Q&A", "timezone": "Asia/Kolkata", "settings": {"waiting_room": True}},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    data = answer.json()["data"]
    assert (data["id"], data["join_url"], data["start_url"]) == (
        str(MEETING_ID),
        "https://zoom.example/j/85012345678",
        START_URL,
    )
    await client.post("/api/zoom/meetings", json=BODY | {"request_id": "k-2"}, headers=headers)
    await client.post("/api/zoom/meetings", json=BODY, headers=CALLERS["admin"])
    first, second, third = services.zoom_gateway.requests("CreateMeeting")
    assert (first.request_id, second.request_id) == ("k-1", "k-2")  # the body's key wins
    assert third.request_id.startswith("edge-")
    assert first.account.tenant_id == "default"
    assert (first.meeting.topic, first.meeting.duration_minutes) == ("Manual Meeting", 60)
    assert (first.meeting.agenda, first.meeting.timezone) == ("Q&A", "Asia/Kolkata")
    assert first.meeting.settings.waiting_room is True


async def test_get_asks_for_a_fresh_start_url_and_update_sends_only_named_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    got = await client.get(ONE, headers=CALLERS["admin"])
    assert got.headers["cache-control"] == "no-store"
    [sent] = services.zoom_gateway.requests("GetMeeting")
    assert (sent.meeting_id, sent.include_start_url) == (MEETING_ID, True)
    await client.patch(ONE, json={"duration": 90, "topic": "Renamed"}, headers=CALLERS["admin"])
    [patch] = services.zoom_gateway.requests("UpdateMeeting")
    assert sorted(patch.update_mask.paths) == ["duration_minutes", "topic"]
    assert patch.meeting.duration_minutes == 90
    empty = await client.patch(ONE, json={}, headers=CALLERS["admin"])
    assert empty.status_code == 400
    bad = await client.get("/api/zoom/meetings/not-a-number", headers=CALLERS["admin"])
    assert bad.status_code == 400


async def test_the_list_is_the_tenant_accounts_meetings(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.get(
        "/api/zoom/scheduled-meetings?type=upcoming&page_size=5", headers=CALLERS["admin"]
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 1
    [sent] = services.zoom_gateway.requests("ListMeetings")
    assert (sent.type, sent.page_size, sent.account.tenant_id) == (
        zg.LIST_MEETINGS_TYPE_UPCOMING,
        5,
        "default",
    )


async def test_a_school_without_zoom_has_no_meetings_to_list(
    client: httpx.AsyncClient, services: Services
) -> None:
    def no_tenant(request: Any) -> Any:
        raise NotFound(resource_type="tenant", resource_id="acme")

    services.zoom_gateway.on("ListMeetings", no_tenant)
    answer = await client.get("/api/zoom/scheduled-meetings", headers=CALLERS["other_admin"])
    assert answer.status_code == 200, answer.text
    assert (answer.json()["data"], answer.json()["count"]) == ([], 0)
    [sent] = services.zoom_gateway.requests("ListMeetings")
    assert sent.account.tenant_id == "acme"  # the caller's own tenant, never another


async def test_creating_in_a_school_without_zoom_says_so(
    client: httpx.AsyncClient, services: Services
) -> None:
    def no_tenant(request: Any) -> Any:
        raise NotFound(resource_type="tenant", resource_id="acme")

    services.zoom_gateway.on("CreateMeeting", no_tenant)
    answer = await client.post("/api/zoom/meetings", json=BODY, headers=CALLERS["other_admin"])
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "FAILED_PRECONDITION"
