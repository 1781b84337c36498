"""Bulk scheduling at the edge: every item read as a schedule body before the scheduler is
asked, bad items named by their index, the job answered 202 and its progress rendered."""

from __future__ import annotations

from typing import Any

import httpx

from classbridge.scheduler.v1 import scheduler_pb2
from tests.unit.edge.helpers import Services, auth


def _item(**values: Any) -> dict[str, Any]:
    return {
        "batch_id": "b-1",
        "date": "2030-01-15",
        "start_time": "10:00",
        "end_time": "11:00",
        "title": "Class",
        **values,
    }


def _job(request: scheduler_pb2.BulkCreateSessionsRequest) -> scheduler_pb2.BulkJob:
    job = scheduler_pb2.BulkJob(
        id="bulk-1",
        request_id=request.request_id,
        total_count=len(request.items),
        waiting_count=len(request.items),
    )
    for index in range(len(request.items)):
        item = job.items.add(
            index=index,
            session_id=f"s-{index}",
            meeting_state=scheduler_pb2.BulkJobItem.MEETING_STATE_PENDING,
        )
        item.meeting_expected_time.FromJsonString("2030-01-01T00:00:00Z")
    return job


async def test_a_bulk_request_becomes_one_call_and_answers_202_with_the_job(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("BulkCreateSessions", _job)
    body = {"items": [_item(), _item(batch_id="b-2", timezone="Asia/Kolkata", title="Two")]}
    answer = await client.post(
        "/api/v1/bulk/sessions", json=body, headers=auth() | {"Idempotency-Key": "term-1"}
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == "/api/v1/bulk/jobs/bulk-1"
    data = answer.json()["data"]
    assert (data["total_count"], data["waiting_count"]) == (2, 2)
    assert data["items"][1]["meeting_state"] == "pending"
    assert data["items"][1]["meeting_expected_time"] == "2030-01-01T00:00:00Z"
    (sent,) = services.scheduler.requests("BulkCreateSessions")
    assert sent.request_id == "term-1"
    assert [i.batch_id for i in sent.items] == ["b-1", "b-2"]
    assert sent.items[1].timezone == "Asia/Kolkata"
    assert sent.items[1].local_time.start_time.hours == 10
    assert not sent.items[0].request_id


async def test_bad_items_are_named_by_index_and_the_scheduler_is_not_asked(
    client: httpx.AsyncClient, services: Services
) -> None:
    items = [_item(), _item(date="2030-13-01"), _item(), _item(title="")]
    answer = await client.post(
        "/api/v1/bulk/sessions", json={"request_id": "r", "items": items}, headers=auth()
    )
    assert answer.status_code == 400, answer.text
    fields = [d["field"] for d in answer.json()["error"]["details"] if "field" in d]
    assert fields == ["items[1].date", "items[3].title"]
    assert services.scheduler.calls == []


async def test_a_bulk_request_needs_a_key_and_at_least_one_item(
    client: httpx.AsyncClient, services: Services
) -> None:
    no_key = await client.post("/api/v1/bulk/sessions", json={"items": [_item()]}, headers=auth())
    assert no_key.status_code == 400, no_key.text
    empty = await client.post(
        "/api/v1/bulk/sessions", json={"request_id": "r", "items": []}, headers=auth()
    )
    assert empty.status_code == 400, empty.text
    assert services.scheduler.calls == []


async def test_a_bulk_job_is_read_by_its_id(client: httpx.AsyncClient, services: Services) -> None:
    services.scheduler.on(
        "GetBulkJob",
        lambda r: scheduler_pb2.BulkJob(id=r.bulk_job_id, total_count=3, meeting_created_count=3),
    )
    answer = await client.get("/api/v1/bulk/jobs/bulk-7", headers=auth())
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["meeting_created_count"] == 3
    assert services.scheduler.requests("GetBulkJob") == [
        scheduler_pb2.GetBulkJobRequest(bulk_job_id="bulk-7", page_size=50)
    ]
