"""The sync pipeline against the Zoom simulator and a real zoom-gateway (the whole stack run
in-process by devstack): a recorded meeting's files land in storage under the right folder with
the simulator's sha256, once, and ``recording.synced`` is written to the outbox once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.testing import wait_until
from devstack.stack import Stack, StackConfig, running_stack
from recording_sync.adapters.tables import outbox, recording_files, sync_jobs
from recording_sync.bootstrap import Running
from zoomsim import expected_sha256

FILES = [
    {"file_type": "MP4", "size": 300_000},
    {"file_type": "M4A", "size": 40_000},
    {"file_type": "CHAT", "size": 2_000},
]


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    config = StackConfig(data_dir=tmp_path, fixed_ports=False, sim_rate_limits=False)
    async with running_stack(config) as running:
        yield running


def _sync(stack: Stack) -> Running:
    return stack.running["recording-sync"]  # type: ignore[no-any-return]


async def _jobs(service: Running, meeting_id: int) -> list[Any]:
    async with service.sessions() as session:
        return list(
            (
                await session.execute(select(sync_jobs).where(sync_jobs.c.meeting_id == meeting_id))
            ).all()
        )


async def _synced_events(service: Running) -> list[rev.RecordingSynced]:
    async with service.sessions() as session:
        rows = (
            await session.execute(select(outbox.c.body).where(outbox.c.type == "recording.synced"))
        ).all()
    return [rev.RecordingSynced.FromString(row.body) for row in rows]


async def _meeting_with_recording(stack: Stack, files: list[dict[str, Any]]) -> int:
    async with stack.sim_client() as zoom:
        meeting = await zoom.create_meeting(topic="Sync test", user="host@classbridge.test")
        meeting_id = int(meeting["id"])
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording={"files": files, "delay": 0})
    return meeting_id


async def test_a_recorded_meeting_is_stored_once_with_the_right_bytes(stack: Stack) -> None:
    service = _sync(stack)
    meeting_id = await _meeting_with_recording(stack, FILES)

    async def synced() -> bool:
        jobs = await _jobs(service, meeting_id)
        return bool(jobs) and jobs[0].state == "synced"

    await wait_until(synced, within=60)
    await service.pipeline.idle()
    async with service.sessions() as session:
        stored = (
            await session.execute(
                select(recording_files).where(recording_files.c.state == "stored")
            )
        ).all()
    assert len(stored) == len(FILES)
    for row in stored:
        assert row.storage_key.startswith(f"videos/unassigned/{meeting_id}/")
        assert row.sha256 == expected_sha256(row.zoom_file_id, row.size_bytes, row.zoom_file_type)
        head = await service.storage.head(row.storage_key)
        assert head is not None
        assert head.sha256 == row.sha256
        assert row.lesson_title.startswith("Zoom Recording - ")
    events = await _synced_events(service)
    assert len(events) == 1
    assert {f.storage_key for f in events[0].files} == {r.storage_key for r in stored}

    # Running the job again (a redelivery, a sweep) copies nothing and publishes nothing.
    job = (await _jobs(service, meeting_id))[0]
    assert await service.pipeline.run(job.id) is None  # synced jobs are not claimed
    assert len(await _synced_events(service)) == 1
    async with service.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(recording_files))
    assert count == len(FILES)


async def test_a_truncated_download_is_retried_then_stored(stack: Stack) -> None:
    service = _sync(stack)
    async with stack.sim_client() as zoom:
        await zoom.fault("truncate", count=1, after_bytes=1000, path="^/(rec|cdn)/")
    meeting_id = await _meeting_with_recording(stack, [{"file_type": "MP4", "size": 200_000}])

    async def synced() -> bool:
        jobs = await _jobs(service, meeting_id)
        return bool(jobs) and jobs[0].state == "synced"

    await wait_until(synced, within=60)
    await service.pipeline.idle()
    async with service.sessions() as session:
        row = (await session.execute(select(recording_files))).one()
    assert row.sha256 == expected_sha256(row.zoom_file_id, 200_000, "MP4")
    head = await service.storage.head(row.storage_key)
    assert head is not None
    assert (head.size, head.sha256) == (200_000, row.sha256)
    async with stack.sim_client() as zoom:
        # The fault was used up (it fired), and the file was fetched again after it.
        assert await zoom.faults() == []
        downloads = [
            r
            for r in await zoom.requests()
            if r["method"] == "GET" and r["path"].startswith(("/rec/", "/cdn/"))
        ]
    assert len(downloads) >= 2
