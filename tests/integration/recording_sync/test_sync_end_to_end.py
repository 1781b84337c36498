"""A meeting's recording synced end to end on PostgreSQL and RabbitMQ: the simulator ends a
recorded meeting and sends Zoom's signed webhook; webhook-ingest publishes it on RabbitMQ;
recording-sync (its own PostgreSQL schema) streams every file through the real zoom-gateway into
storage with the simulator's sha256, and ``recording.synced`` leaves through the outbox once.
Each run uses schemas and an exchange of its own, dropped afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.testing import wait_until
from devstack.stack import Stack
from devstack.testing import isolated_stack
from recording_sync.adapters.tables import outbox, recording_files, sync_jobs
from recording_sync.bootstrap import Running
from zoomsim import expected_sha256

pytestmark = pytest.mark.integration

FILES = [{"file_type": "MP4", "size": 250_000}, {"file_type": "CHAT", "size": 1_500}]


@pytest.fixture
async def stack(tmp_path: Path, database_url: str, amqp_url: str) -> AsyncIterator[Stack]:
    async with isolated_stack(tmp_path, database_url=database_url, amqp_url=amqp_url) as running:
        yield running


async def _rows(service: Running, table: Any, *where: Any) -> list[Any]:
    async with service.sessions() as session:
        return list((await session.execute(select(table).where(*where))).all())


async def test_a_recorded_meeting_is_synced_through_postgres_and_rabbitmq(stack: Stack) -> None:
    service: Running = stack.running["recording-sync"]
    assert service.settings.database_url
    assert service.settings.amqp_url
    async with stack.sim_client() as zoom:
        meeting = await zoom.create_meeting(topic="Integration", user="host@classbridge.test")
        meeting_id = int(meeting["id"])
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording={"files": FILES, "delay": 0})

    async def synced() -> bool:
        jobs = await _rows(service, sync_jobs, sync_jobs.c.meeting_id == meeting_id)
        return bool(jobs) and jobs[0].state == "synced"

    await wait_until(synced, within=90)
    await service.pipeline.idle()
    (job,) = await _rows(service, sync_jobs, sync_jobs.c.meeting_id == meeting_id)
    assert job.trigger == "webhook"
    stored = await _rows(service, recording_files, recording_files.c.job_id == job.id)
    assert sorted(f.zoom_file_type for f in stored) == ["CHAT", "MP4"]
    for row in stored:
        assert row.state == "stored"
        assert row.sha256 == expected_sha256(row.zoom_file_id, row.size_bytes, row.zoom_file_type)
        head = await service.storage.head(row.storage_key)
        assert head is not None
        assert head.sha256 == row.sha256

    async def published() -> bool:
        rows = await _rows(service, outbox, outbox.c.type == "recording.synced")
        return len(rows) == 1 and rows[0].published_at is not None

    await wait_until(published, within=30)
    (row,) = await _rows(service, outbox, outbox.c.type == "recording.synced")
    event = rev.RecordingSynced.FromString(row.body)
    assert event.meeting_id == meeting_id
    assert {f.storage_key for f in event.files} == {f.storage_key for f in stored}
