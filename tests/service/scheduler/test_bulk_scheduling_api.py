"""Bulk scheduling through the real gRPC server: bad items named by index with nothing stored,
a replay returning the same job, and the queue making every meeting once in the background."""

from __future__ import annotations

import asyncio
import time

import grpc
import grpc.aio
import pytest

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from tests.service.scheduler.test_sessions_api import local, violations


def _items(batch_id: str, count: int) -> list[pb.CreateSessionRequest]:
    return [
        pb.CreateSessionRequest(batch_id=batch_id, title=f"Class {k}", local_time=local(1 + k))
        for k in range(count)
    ]


async def test_bad_items_are_named_and_nothing_is_stored(harness) -> None:
    _, batch = await harness.course_and_batch()
    items = _items(batch.id, 3)
    items[1].title = ""
    items[2].local_time.date.month = 13
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await harness.stub.BulkCreateSessions(
            pb.BulkCreateSessionsRequest(request_id="term", items=items),
            metadata=harness.as_("teacher"),
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.split(".")[0] for v in violations(raised.value)] == ["items[2]"]
    items[2].local_time.date.month = 1
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await harness.stub.BulkCreateSessions(
            pb.BulkCreateSessionsRequest(request_id="term", items=items),
            metadata=harness.as_("teacher"),
        )
    assert violations(raised.value) == ["items[1].title"]
    listed = await harness.stub.ListSessions(
        pb.ListSessionsRequest(batch_id=batch.id), metadata=harness.as_("teacher")
    )
    assert list(listed.sessions) == []


async def test_a_bulk_job_makes_each_meeting_once_and_replays_by_request_id(harness) -> None:
    _, batch = await harness.course_and_batch()
    request = pb.BulkCreateSessionsRequest(request_id="term", items=_items(batch.id, 6))
    job = await harness.stub.BulkCreateSessions(request, metadata=harness.as_("teacher"))
    assert (job.total_count, job.waiting_count) == (6, 6)
    again = await harness.stub.BulkCreateSessions(request, metadata=harness.as_("teacher"))
    assert again.id == job.id
    other = pb.BulkCreateSessionsRequest(request_id="term", items=_items(batch.id, 5))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await harness.stub.BulkCreateSessions(other, metadata=harness.as_("teacher"))
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    deadline = time.monotonic() + 30
    while True:
        progress = await harness.stub.GetBulkJob(
            pb.GetBulkJobRequest(bulk_job_id=job.id), metadata=harness.as_("teacher")
        )
        if progress.done or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert progress.meeting_created_count == 6, progress
    sessions = [item.session_id for item in progress.items]
    assert sorted(harness.gateway.created) == sorted(sessions)  # one create per session
    assert all(
        item.meeting_state == pb.BulkJobItem.MEETING_STATE_CREATED for item in progress.items
    )


async def test_a_bulk_jobs_items_are_read_page_by_page_with_counts_of_the_whole_job(
    harness,
) -> None:
    _, batch = await harness.course_and_batch()
    job = await harness.stub.BulkCreateSessions(
        pb.BulkCreateSessionsRequest(request_id="paged", items=_items(batch.id, 7)),
        metadata=harness.as_("teacher"),
    )
    assert len(job.items) == 7  # the answer to the request names every session it stored
    seen: list[int] = []
    token = ""
    while True:
        page = await harness.stub.GetBulkJob(
            pb.GetBulkJobRequest(bulk_job_id=job.id, page_size=3, page_token=token),
            metadata=harness.as_("teacher"),
        )
        assert page.total_count == 7
        assert len(page.items) <= 3
        seen += [item.index for item in page.items]
        token = page.next_page_token
        if not token:
            break
    assert seen == list(range(7))
    other = await harness.stub.BulkCreateSessions(
        pb.BulkCreateSessionsRequest(request_id="other", items=_items(batch.id, 4)),
        metadata=harness.as_("teacher"),
    )
    first = await harness.stub.GetBulkJob(
        pb.GetBulkJobRequest(bulk_job_id=job.id, page_size=3), metadata=harness.as_("teacher")
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:  # a token of another job's pages
        await harness.stub.GetBulkJob(
            pb.GetBulkJobRequest(bulk_job_id=other.id, page_token=first.next_page_token),
            metadata=harness.as_("teacher"),
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
