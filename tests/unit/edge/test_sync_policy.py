"""``/api/v1/courses/{course_id}/recording-policy`` and ``/api/v1/recording-policy`` against
fake scheduler and recording-sync servers: the course is checked at the scheduler first, bodies
in snake_case or camelCase become one update with its mask (null resets), bad input is a 400
naming the field before any service is asked, and answers show every value."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.recordingsync.v1 import recording_sync_pb2 as rs
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import NotFound
from tests.unit.edge.helpers import Services, auth

ADMIN = auth("admin-1", roles=("admin",))
TEACHER = auth("teacher-1", roles=("teacher",))
STUDENT = auth("student-1", roles=("student",))


def _policy(request: Any) -> rs.SyncPolicy:
    return rs.SyncPolicy(
        course_id=request.course_id,
        tenant_id=request.tenant_id or "default",
        copy_recordings=True,
        copy_recordings_source=rs.POLICY_SOURCE_BUILT_IN,
        delete_from_zoom_after_days_source=rs.POLICY_SOURCE_TENANT,
        student_access_end_time_source=rs.POLICY_SOURCE_BUILT_IN,
    )


def _course(request: scheduler_pb2.GetCourseRequest) -> scheduler_pb2.Course:
    if request.course_id != "c-1":
        raise NotFound(resource_type="course", resource_id=request.course_id)
    return scheduler_pb2.Course(id="c-1", tenant_id="school-1", title="Algebra")


@pytest.fixture
def scripted(services: Services) -> Services:
    services.scheduler.on("GetCourse", _course)
    services.recording_sync.on("GetSyncPolicy", _policy)
    services.recording_sync.on("UpdateSyncPolicy", _policy)
    return services


async def test_a_course_policy_is_read_after_the_scheduler_shows_the_course(
    client: httpx.AsyncClient, scripted: Services
) -> None:
    answer = await client.get("/api/v1/courses/c-1/recording-policy", headers=TEACHER)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    # Every value, false/0/null included, and the sources by their short labels.
    assert data["copy_recordings"] is True
    assert data["delete_from_zoom_after_days"] == 0
    assert data["student_access_end_time"] is None
    assert data["delete_from_zoom_after_days_source"] == "tenant"
    assert data["has_own_policy"] is False
    sent = scripted.recording_sync.requests("GetSyncPolicy")[0]
    assert (sent.course_id, sent.tenant_id) == ("c-1", "school-1")  # the course's tenant
    missing = await client.get("/api/v1/courses/c-404/recording-policy", headers=ADMIN)
    assert missing.status_code == 404
    assert len(scripted.recording_sync.requests("GetSyncPolicy")) == 1


async def test_a_put_in_either_spelling_becomes_one_update_with_its_mask(
    client: httpx.AsyncClient, scripted: Services
) -> None:
    answer = await client.put(
        "/api/v1/courses/c-1/recording-policy",
        json={
            "copyRecordings": False,
            "delete_from_zoom_after_days": 30,
            "studentAccessEndTime": "2030-07-01T00:00:00Z",
        },
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    sent = scripted.recording_sync.requests("UpdateSyncPolicy")[0]
    assert sent.course_id == "c-1"
    assert sorted(sent.update_mask.paths) == [
        "copy_recordings",
        "delete_from_zoom_after_days",
        "student_access_end_time",
    ]
    assert sent.HasField("copy_recordings")
    assert sent.copy_recordings is False
    assert sent.delete_from_zoom_after_days == 30
    expected = Timestamp()
    expected.FromJsonString("2030-07-01T00:00:00Z")
    assert sent.student_access_end_time == expected


async def test_null_resets_a_value_and_the_tenant_default_takes_an_operators_tenant(
    client: httpx.AsyncClient, scripted: Services
) -> None:
    answer = await client.put(
        "/api/v1/recording-policy?tenantId=school-2",
        json={"student_access_end_time": None},
        headers=auth("op-1", roles=("operator",)),
    )
    assert answer.status_code == 200, answer.text
    sent = scripted.recording_sync.requests("UpdateSyncPolicy")[0]
    assert (sent.course_id, sent.tenant_id) == ("", "school-2")
    assert list(sent.update_mask.paths) == ["student_access_end_time"]
    assert not sent.HasField("student_access_end_time")
    got = await client.get("/api/v1/recording-policy", headers=ADMIN)
    assert got.status_code == 200
    assert scripted.recording_sync.requests("GetSyncPolicy")[0].course_id == ""
    assert scripted.scheduler.requests("GetCourse") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"copy_recordings": "no"}, "copy_recordings"),
        ({"deleteFromZoomAfterDays": -1}, "deleteFromZoomAfterDays"),
        ({"delete_from_zoom_after_days": 4000}, "delete_from_zoom_after_days"),
        ({"delete_from_zoom_after_days": "7"}, "delete_from_zoom_after_days"),
        ({"student_access_end_time": "next friday"}, "student_access_end_time"),
        ({"copy_recordings": True, "copyRecordings": False}, "copy_recordings"),
        ({"copy_recordings": True, "delete_after": 3}, "delete_after"),
    ],
)
async def test_bad_bodies_are_400s_naming_the_field_before_anyone_is_asked(
    client: httpx.AsyncClient, scripted: Services, body: dict[str, Any], field: str
) -> None:
    answer = await client.put("/api/v1/courses/c-1/recording-policy", json=body, headers=ADMIN)
    assert answer.status_code == 400, answer.text
    fields = [d.get("field") for d in answer.json()["error"]["details"]]
    assert field in fields
    assert scripted.all_calls() == []


async def test_who_may_call_which_route(client: httpx.AsyncClient, scripted: Services) -> None:
    body = {"copy_recordings": True}
    refused = [
        await client.get("/api/v1/courses/c-1/recording-policy", headers=STUDENT),
        await client.put("/api/v1/courses/c-1/recording-policy", json=body, headers=TEACHER),
        await client.get("/api/v1/recording-policy", headers=TEACHER),
        await client.put("/api/v1/recording-policy", json=body, headers=TEACHER),
        await client.get("/api/v1/recording-policy"),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403, 401]
    assert scripted.all_calls() == []
