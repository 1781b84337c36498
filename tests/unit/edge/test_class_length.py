"""Implausible classes are refused at the edge with a 400 naming the end field: an end before
the start (which the scheduler would read as "the next day") and a class longer than
``MAX_CLASS_MINUTES``, in the seed's date-and-times body, in live-class instants and in the
changes that move both ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from classbridge.scheduler.v1 import scheduler_pb2
from edge.app import create_app
from edge.class_length import describe
from edge.clients import open_clients
from tests.unit.edge.helpers import Services, auth, edge_settings
from tests.unit.edge.test_sessions_and_schedule import a_session


def seed_body(start: str, end: str) -> dict[str, Any]:
    return {"date": "2024-01-15", "start_time": start, "end_time": end, "title": "Algebra"}


def _violations(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    return {d["field"]: d["description"] for d in error["details"]}


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("12:00", "11:30", "must be after start_time"),
        ("10:00", "10:00", "must be after start_time"),
        ("06:00", "19:00", "makes a class of 13 hours; a class lasts at most 12 hours"),
        ("00:00", "23:59", "makes a class of 23 h 59 min; a class lasts at most 12 hours"),
    ],
)
async def test_the_seed_schedule_refuses_implausible_times(
    client: httpx.AsyncClient, services: Services, start: str, end: str, says: str
) -> None:
    answer = await client.post(
        "/api/v1/batches/b-1/schedule", json=seed_body(start, end), headers=auth()
    )
    assert _violations(answer) == {"end_time": says}
    assert "end_time" in answer.json()["error"]["message"]
    assert services.all_calls() == []


async def test_a_class_of_exactly_the_limit_is_scheduled(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateSession", lambda r: scheduler_pb2.CreateSessionResponse(session=a_session())
    )
    answer = await client.post(
        "/api/v1/batches/b-1/schedule", json=seed_body("08:00", "20:00"), headers=auth()
    )
    assert answer.status_code == 201, answer.text


async def test_the_limit_is_a_setting(tmp_path: Path, services: Services) -> None:
    settings = edge_settings(tmp_path, services.addresses, max_class_minutes=90)
    async with open_clients(settings) as clients:
        transport = httpx.ASGITransport(app=create_app(settings=settings, clients=clients))
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
            answer = await http.post(
                "/api/v1/batches/b-1/schedule", json=seed_body("10:00", "12:00"), headers=auth()
            )
    assert _violations(answer) == {
        "end_time": "makes a class of 2 hours; a class lasts at most 1 h 30 min"
    }


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("2024-11-10T11:00:00Z", "2024-11-10T10:00:00Z", "must be after scheduledStart"),
        (
            "2024-11-10T10:00:00+05:30",
            "2024-11-11T10:00:00+05:30",
            "makes a class of 24 hours; a class lasts at most 12 hours",
        ),
    ],
)
async def test_a_live_class_refuses_implausible_instants(
    client: httpx.AsyncClient, services: Services, start: str, end: str, says: str
) -> None:
    body = {"batchId": "b-1", "title": "T", "scheduledStart": start, "scheduledEnd": end}
    answer = await client.post("/api/live-classes", json=body, headers=auth())
    assert _violations(answer) == {"scheduledEnd": says}
    assert services.all_calls() == []


async def test_moving_both_ends_is_checked_and_one_end_is_left_to_the_scheduler(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "UpdateSession",
        lambda r: scheduler_pb2.UpdateSessionResponse(session=a_session(r.session.id)),
    )
    backwards = {
        "scheduled_start": "2024-01-15T10:00:00Z",
        "scheduled_end": "2024-01-15T09:00:00Z",
    }
    answer = await client.patch("/api/v1/sessions/s-1", json=backwards, headers=auth())
    assert _violations(answer) == {"scheduled_end": "must be after scheduled_start"}
    answer = await client.put(
        "/api/live-classes/s-1",
        json={"scheduledStart": "2024-01-15T10:00:00Z", "scheduledEnd": "2024-01-16T10:00:00Z"},
        headers=auth(),
    )
    assert _violations(answer) == {
        "scheduledEnd": "makes a class of 24 hours; a class lasts at most 12 hours"
    }
    assert services.all_calls() == []
    only_end = {"scheduled_end": "2024-01-15T09:00:00Z"}
    answer = await client.patch("/api/v1/sessions/s-1", json=only_end, headers=auth())
    assert answer.status_code == 200, answer.text  # the scheduler knows the start, and checks


def test_lengths_read_as_people_say_them() -> None:
    from datetime import timedelta

    assert describe(timedelta(hours=1)) == "1 hour"
    assert describe(timedelta(minutes=45)) == "45 minutes"
    assert describe(timedelta(hours=23, minutes=30)) == "23 h 30 min"
