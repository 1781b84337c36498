"""Workers that die, stop and race mid-copy, as separate processes on PostgreSQL, RabbitMQ and
moto's S3 server: no lesson is lost, none is doubled, nothing partial is visible, and a job
never waits for an hour-long lease.

Each test schedules a class through the edge (so the scheduler's recorded lessons can be
counted), plays the meeting with the simulator, and holds the big file's download with a
simulator `stall` fault to act at a known point of the copy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.testing import moto_s3_server
from devstack.stack import Stack, free_port
from recording_sync.adapters.storage_s3 import S3Storage
from tests.integration.recording_sync.workers import (
    LEASE_SECONDS,
    Calls,
    Worker,
    owner_pid,
    stack_with_external_sync,
)

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
DOWNLOADS = "^/(rec|cdn)/"
STALL = 12.0


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


@pytest.fixture
async def stack(
    tmp_path: Path, database_url: str, amqp_url: str, s3_url: str
) -> AsyncIterator[Stack]:
    async with stack_with_external_sync(
        tmp_path, database_url=database_url, amqp_url=amqp_url, s3_url=s3_url
    ) as running:
        yield running


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        await worker.stop()


async def _start(workers: list[Worker], stack: Stack, name: str, port: int | None = None) -> Worker:
    worker = Worker(stack, name, grpc_port=port)
    workers.append(worker)
    return await worker.start()


async def _schedule_class(stack: Stack) -> tuple[str, int]:
    """A session with its Zoom meeting, through the edge: (session id, meeting id)."""
    async with httpx.AsyncClient(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.token()}"},
        timeout=30,
    ) as edge:
        course = (await edge.post("/api/v1/courses", json={"title": "Crash course"})).json()
        batch = await edge.post(
            "/api/v1/batches",
            json={"course_id": course["data"]["id"], "name": "Batch 1", "type": "group"},
        )
        assert batch.status_code == 201, batch.text
        scheduled = await edge.post(
            f"/api/v1/batches/{batch.json()['data']['id']}/schedule",
            json={
                "date": "2030-01-15",
                "start_time": "10:00",
                "end_time": "11:00",
                "title": "Recovery",
                "timezone": "UTC",
                "create_zoom_meeting": True,
            },
        )
        assert scheduled.status_code == 201, scheduled.text
        data = scheduled.json()["data"]
    return data["session"]["id"], int(data["zoom_meeting"]["id"])


async def _record(stack: Stack, meeting_id: int, files: list[dict[str, Any]], **extra: Any) -> None:
    async with stack.sim_client() as zoom:
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording={"files": files, "delay": 0, **extra})


async def _stall_downloads(stack: Stack, *, after_bytes: int) -> None:
    """Hold every download that reaches ``after_bytes`` (small files never do) for a while:
    long enough to act on the held copy, short enough that the simulator's response to a
    killed worker ends soon after (it only notices the closed socket when it writes)."""
    async with stack.sim_client() as zoom:
        await zoom.fault("stall", count=-1, after_bytes=after_bytes, seconds=STALL, path=DOWNLOADS)


async def _release_downloads(stack: Stack) -> None:
    async with stack.sim_client() as zoom:
        await zoom.clear_faults()


async def _until(check: Callable[[], Awaitable[Any]], *, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await check()
        except Exception as error:  # a worker restarting: its port answers again soon
            last = error
        else:
            if last:
                return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {within} s: {what} (last: {last!r})")


def _file(job: pb.SyncJob, extension: str) -> pb.RecordingFile:
    return next(f for f in job.files if f.file_extension == extension)


def _bucket(stack: Stack) -> tuple[Any, str]:
    values = stack.settings["recording-sync"]
    client = boto3.client(
        "s3",
        endpoint_url=values["s3_endpoint_url"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, values["s3_bucket"]


def _objects(stack: Stack) -> dict[str, int]:
    client, bucket = _bucket(stack)
    found = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: o["Size"] for o in found}


def _incomplete_uploads(stack: Stack) -> int:
    client, bucket = _bucket(stack)
    return len(client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


async def _janitor(stack: Stack) -> int:
    values = stack.settings["recording-sync"]
    storage = S3Storage(
        bucket=values["s3_bucket"],
        endpoint_url=values["s3_endpoint_url"],
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    async with storage:
        return await storage.remove_abandoned(older_than=timedelta(0))


async def _synced(calls: Calls, session_id: str) -> pb.SyncJob | None:
    jobs = await calls.jobs(session_id)
    return jobs[0] if jobs and jobs[0].state == pb.SYNC_STATE_SYNCED else None


async def _lessons(calls: Calls, session_id: str, count: int) -> list[Any] | None:
    found = await calls.lessons(session_id)
    return found if len(found) >= count else None


async def test_a_worker_killed_mid_copy_is_replaced_and_every_file_becomes_one_lesson(
    stack: Stack, workers: list[Worker]
) -> None:
    first = await _start(workers, stack, "first")
    calls = Calls(stack, first.port)
    session_id, meeting_id = await _schedule_class(stack)
    await _stall_downloads(stack, after_bytes=300 * MIB)
    await _record(
        stack,
        meeting_id,
        [{"file_type": "MP4", "size": 1024 * MIB}, {"file_type": "CHAT", "size": 4096}],
    )

    # Progress moves during the 1 GiB copy, part by part; the chat is stored already.
    seen: list[int] = []

    async def held() -> bool:
        jobs = await calls.jobs(session_id)
        if not jobs or not jobs[0].files:
            return False
        mp4 = _file(jobs[0], "MP4")
        if mp4.bytes_done and (not seen or seen[-1] != mp4.bytes_done):
            seen.append(mp4.bytes_done)
        chat = _file(jobs[0], "TXT")
        return chat.state == pb.FILE_STATE_STORED and mp4.bytes_done >= 256 * MIB

    await _until(held, within=90, what="the MP4 copy reaching the stall")
    assert len(seen) >= 3, seen
    assert seen == sorted(seen)
    job = (await calls.jobs(session_id))[0]
    assert job.bytes_total == 1024 * MIB + 4096
    assert 0 < job.bytes_done < job.bytes_total
    assert owner_pid(job.lease_owner) == first.pid
    chat_key = _file(job, "TXT").storage_key

    await first.kill()
    killed = time.monotonic()
    # Nothing partial is visible: only the chat is an object (the MP4 is an open upload).
    assert set(_objects(stack)) == {chat_key}
    await _release_downloads(stack)
    replacement = await _start(workers, stack, "replacement", port=first.port)

    synced = await _until(
        lambda: _synced(calls, session_id), within=LEASE_SECONDS + 60, what="synced after restart"
    )
    assert time.monotonic() - killed <= LEASE_SECONDS + 60
    assert owner_pid(synced.lease_owner) is None  # released when done
    stored = {f.storage_key: f.size_bytes for f in synced.files}
    assert stored == {chat_key: 4096, _file(synced, "MP4").storage_key: 1024 * MIB}
    # One object per file, nothing else; the replacement resumed the killed worker's upload
    # (asking Zoom for the rest of the file only), so nothing is left for the janitor.
    assert _objects(stack) == stored
    assert _incomplete_uploads(stack) == 0
    async with stack.sim_client() as zoom:
        ranges = [r["range"] for r in await zoom.cdn_requests() if r.get("range")]
    assert ranges, "the replacement continued with a ranged download"
    assert int(ranges[-1].removeprefix("bytes=").rstrip("-")) >= 256 * MIB
    assert await _janitor(stack) == 0
    assert _objects(stack) == stored

    # One lesson per file, the chat (stored by the killed worker) included.
    lessons = await _until(
        lambda: _lessons(calls, session_id, 2), within=30, what="two recorded lessons"
    )
    assert sorted(lesson.recording_file_id for lesson in lessons) == sorted(
        f.id for f in synced.files
    )
    await asyncio.sleep(1)
    assert len(await calls.lessons(session_id)) == 2
    assert replacement.pid != first.pid
    await calls.close()


async def test_a_stopping_worker_hands_its_copy_to_the_other_within_seconds(
    stack: Stack, workers: list[Worker]
) -> None:
    one = await _start(workers, stack, "one")
    two = await _start(workers, stack, "two", port=free_port())
    by_pid = {one.pid: one, two.pid: two}
    session_id, meeting_id = await _schedule_class(stack)
    await _stall_downloads(stack, after_bytes=40 * MIB)
    await _record(stack, meeting_id, [{"file_type": "MP4", "size": 120 * MIB}])

    async def holder() -> Worker | None:
        for worker in (one, two):
            jobs = await Calls(stack, worker.port).jobs(session_id)
            if jobs and jobs[0].files and _file(jobs[0], "MP4").bytes_done >= 32 * MIB:
                return by_pid.get(owner_pid(jobs[0].lease_owner) or 0)
        return None

    stopping = await _until(holder, within=60, what="one worker copying")
    other = two if stopping is one else one
    calls = Calls(stack, other.port)
    await stopping.terminate()
    stopped = time.monotonic()

    async def taken_over() -> bool:
        jobs = await calls.jobs(session_id)
        return bool(jobs) and owner_pid(jobs[0].lease_owner) == other.pid

    await _until(taken_over, within=LEASE_SECONDS, what="the other worker holding the job")
    assert time.monotonic() - stopped < LEASE_SECONDS / 2  # released, not expired
    await _release_downloads(stack)
    synced = await _until(lambda: _synced(calls, session_id), within=60, what="synced")
    assert synced.attempts == 1  # the released attempt does not count
    assert len(_objects(stack)) == 1
    await _until(lambda: _lessons(calls, session_id, 1), within=30, what="the lesson")
    await calls.close()


async def test_two_workers_racing_for_one_job_make_one_copy_and_one_set_of_lessons(
    stack: Stack, workers: list[Worker]
) -> None:
    one = await _start(workers, stack, "one")
    two = await _start(workers, stack, "two", port=free_port())
    session_id, meeting_id = await _schedule_class(stack)
    files = [{"file_type": "MP4", "size": 40 * MIB}, {"file_type": "M4A", "size": 4 * MIB}]
    await _record(stack, meeting_id, files)
    calls = [Calls(stack, one.port), Calls(stack, two.port)]
    request = pb.SyncMeetingRequest(session_id=session_id)
    # Both are asked at once, on top of the webhook one of them consumed.
    await asyncio.gather(
        *(
            c.sync.SyncMeeting(request, metadata=c.metadata, timeout=10)
            for c in calls
            for _ in range(3)
        ),
        return_exceptions=True,
    )
    synced = await _until(lambda: _synced(calls[0], session_id), within=60, what="synced")
    await asyncio.sleep(2)  # any second copy would be under way by now
    assert len(synced.files) == 2
    assert _objects(stack) == {f.storage_key: f.size_bytes for f in synced.files}
    async with stack.sim_client() as zoom:
        downloads = [
            r
            for r in await zoom.requests()
            if r["method"] == "GET" and r["path"].startswith(("/rec/", "/cdn/"))
        ]
    # Each file was fetched once (a redirect to the CDN counts as the same fetch).
    fetched = {
        r["path"].rsplit("/", 1)[-1].split("?")[0]
        for r in downloads
        if r["path"].startswith("/rec/")
    }
    assert len([r for r in downloads if r["path"].startswith("/rec/")]) == len(fetched) == 2
    lessons = await _until(lambda: _lessons(calls[0], session_id, 2), within=30, what="lessons")
    await asyncio.sleep(1)
    assert len(await calls[0].lessons(session_id)) == len(lessons) == 2
    for c in calls:
        await c.close()


async def test_a_transcript_that_arrives_during_the_copy_is_stored_and_a_lesson(
    stack: Stack, workers: list[Worker]
) -> None:
    worker = await _start(workers, stack, "one")
    calls = Calls(stack, worker.port)
    session_id, meeting_id = await _schedule_class(stack)
    await _stall_downloads(stack, after_bytes=100 * MIB)
    files = [
        {"file_type": "MP4", "size": 150 * MIB},
        {"file_type": "M4A", "size": 20 * MIB},
        {"file_type": "CHAT", "size": 4096},
        {"file_type": "TRANSCRIPT", "size": 12 * 1024},
    ]
    await _record(stack, meeting_id, files, transcript_delay=1)

    async def transcript_known_mid_copy() -> bool:
        jobs = await calls.jobs(session_id)
        if not jobs or jobs[0].state != pb.SYNC_STATE_DOWNLOADING:
            return False
        extensions = {f.file_extension for f in jobs[0].files}
        return "VTT" in extensions and _file(jobs[0], "MP4").bytes_done >= 64 * MIB

    await _until(transcript_known_mid_copy, within=60, what="the transcript filed mid-copy")
    arrived = time.monotonic()
    await _release_downloads(stack)
    synced = await _until(lambda: _synced(calls, session_id), within=60, what="synced")
    assert {f.file_extension: f.state for f in synced.files} == {
        "MP4": pb.FILE_STATE_STORED,
        "M4A": pb.FILE_STATE_STORED,
        "TXT": pb.FILE_STATE_STORED,
        "VTT": pb.FILE_STATE_STORED,
    }
    await _until(lambda: _lessons(calls, session_id, 4), within=60, what="four lessons")
    assert time.monotonic() - arrived < 60
    await calls.close()
