"""The request models' rules at the edges of what clients can send: every one is a 400 naming
the field, never a 500 — instants out of protobuf's range once in UTC, text a protobuf string
cannot carry — and nested messages take the enum labels answers show."""

from __future__ import annotations

import httpx
import pytest

from classbridge.scheduler.v1 import scheduler_pb2
from tests.unit.edge.helpers import Services, auth
from tests.unit.edge.test_sessions_and_schedule import a_session

JSON = {"content-type": "application/json"}


def _violations(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 400, answer.text
    return {d["field"]: d["description"] for d in answer.json()["error"]["details"]}


@pytest.mark.parametrize(
    "instant", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-01-01T23:59:60Z"]
)
async def test_an_instant_past_the_range_in_utc_is_a_400(
    client: httpx.AsyncClient, services: Services, instant: str
) -> None:
    body = {"batchId": "b-1", "title": "T", "scheduledStart": instant, "scheduledEnd": instant}
    answer = await client.post("/api/live-classes", json=body, headers=auth())
    assert set(_violations(answer)) == {"scheduledStart", "scheduledEnd"}
    answer = await client.get(f"/api/v1/sessions?start_after={instant}", headers=auth())
    assert set(_violations(answer)) == {"start_after"}
    assert services.all_calls() == []


async def test_lower_case_t_and_z_are_rfc_3339_too(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "ListSessions", lambda r: scheduler_pb2.ListSessionsResponse(sessions=[a_session()])
    )
    answer = await client.get("/api/v1/sessions?start_after=2024-01-01t10:00:00z", headers=auth())
    assert answer.status_code == 200, answer.text
    assert services.scheduler.requests("ListSessions")[0].start_after.seconds == 1704103200


async def test_text_a_protobuf_string_cannot_carry_is_a_400(
    client: httpx.AsyncClient, services: Services
) -> None:
    raw = b'{"title": "\\ud800", "instructor_ids": ["\\udfff"]}'
    answer = await client.post("/api/v1/courses", content=raw, headers={**auth(), **JSON})
    assert _violations(answer) == {
        "title": "must be valid Unicode text",
        "instructor_ids": "must be valid Unicode text",
    }
    assert services.all_calls() == []


async def test_nested_settings_take_the_labels_answers_show(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateSession", lambda r: scheduler_pb2.CreateSessionResponse(session=a_session())
    )
    body = {
        "date": "2030-01-15",
        "start_time": "10:00",
        "end_time": "11:00",
        "title": "T",
        "meeting_settings": {
            "auto_recording": "cloud",
            "audio": "MEETING_AUDIO_BOTH",
            "watermark": True,
        },
    }
    answer = await client.post("/api/v1/batches/b-1/schedule", json=body, headers=auth())
    assert answer.status_code == 201, answer.text
    sent = services.scheduler.requests("CreateSession")[0].meeting_settings
    assert sent.auto_recording == 3  # AUTO_RECORDING_CLOUD
    assert sent.watermark is True
    bad = {**body, "meeting_settings": {"auto_recording": "sometimes"}}
    answer = await client.post("/api/v1/batches/b-1/schedule", json=bad, headers=auth())
    assert set(_violations(answer)) == {"meeting_settings"}


async def test_a_null_counts_as_absent_and_a_required_null_is_named(
    client: httpx.AsyncClient, services: Services
) -> None:
    answer = await client.post(
        "/api/v1/batches",
        json={"course_id": None, "name": "A", "type": "group", "timezone": None},
        headers=auth(),
    )
    assert _violations(answer) == {"course_id": "is required"}
    answer = await client.patch("/api/v1/courses/c-1", json={"title": None}, headers=auth())
    assert _violations(answer) == {"title": "is required"}
    assert services.all_calls() == []
