"""Paths of the sync pipeline through the whole stack (devstack: Zoom simulator, webhook-ingest,
the real zoom-gateway): a deletion at Zoom removes the stored lesson, a transcript finished later
is added to the recording, and a redelivered ``zoom.recording.completed`` changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.events.v1 import zoom_events_pb2 as ze
from classbridge_common.messages import Envelope
from classbridge_common.testing import wait_until
from devstack.stack import Stack, StackConfig, running_stack
from recording_sync.adapters.tables import outbox, recording_files, recordings, sync_jobs
from recording_sync.bootstrap import Running


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    config = StackConfig(data_dir=tmp_path, fixed_ports=False, sim_rate_limits=False)
    async with running_stack(config) as running:
        yield running


def _sync(stack: Stack) -> Running:
    return stack.running["recording-sync"]  # type: ignore[no-any-return]


async def _job(service: Running, meeting_id: int) -> Any:
    async with service.sessions() as session:
        return (
            await session.execute(select(sync_jobs).where(sync_jobs.c.meeting_id == meeting_id))
        ).first()


async def _files(service: Running, meeting_id: int) -> list[Any]:
    job = await _job(service, meeting_id)
    if job is None:
        return []
    async with service.sessions() as session:
        return list(
            (
                await session.execute(
                    select(recording_files).where(recording_files.c.job_id == job.id)
                )
            ).all()
        )


async def _outbox(service: Running, type_: str) -> list[bytes]:
    async with service.sessions() as session:
        rows = (await session.execute(select(outbox.c.body).where(outbox.c.type == type_))).all()
    return [row.body for row in rows]


async def _recorded(stack: Stack, recording: dict[str, Any]) -> int:
    async with stack.sim_client() as zoom:
        meeting = await zoom.create_meeting(topic="Paths", user="host@classbridge.test")
        meeting_id = int(meeting["id"])
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording=recording)
    return meeting_id


async def _synced(service: Running, meeting_id: int, stored: int) -> None:
    async def done() -> bool:
        job = await _job(service, meeting_id)
        files = await _files(service, meeting_id)
        return (
            job is not None
            and job.state == "synced"
            and len([f for f in files if f.state == "stored"]) == stored
        )

    await wait_until(done, within=60)
    await service.pipeline.idle()


async def test_a_recording_deleted_at_zoom_is_removed_from_storage(stack: Stack) -> None:
    service = _sync(stack)
    files = [{"file_type": "MP4", "size": 50_000}, {"file_type": "M4A", "size": 8_000}]
    meeting_id = await _recorded(stack, {"files": files, "delay": 0})
    await _synced(service, meeting_id, stored=2)
    keys = [f.storage_key for f in await _files(service, meeting_id)]
    recording_id = (await _job(service, meeting_id)).recording_id

    async with stack.sim_client() as zoom:
        await zoom.delete_recording(meeting_id)

    async def removed() -> bool:
        return len(await _outbox(service, "recording.removed")) == 1

    await wait_until(removed, within=60)
    await service.pipeline.idle()  # objects go once the rows' change has committed
    for key in keys:
        assert await service.storage.head(key) is None
    # The rows stay as tombstones without objects: a re-sent event never copies them again.
    assert {(f.state, f.storage_key) for f in await _files(service, meeting_id)} == {
        ("deleted", "")
    }
    async with service.sessions() as session:
        left = await session.scalar(
            select(func.count()).select_from(recordings).where(recordings.c.id == recording_id)
        )
    assert left == 0
    event = rev.RecordingRemoved.FromString((await _outbox(service, "recording.removed"))[0])
    assert event.recording_id == recording_id
    assert event.reason == rev.REMOVAL_REASON_ZOOM_DELETED
    assert (await _job(service, meeting_id)).state == "cancelled"


async def test_a_transcript_finished_later_is_added_to_the_recording(stack: Stack) -> None:
    service = _sync(stack)
    files = [{"file_type": "MP4", "size": 40_000}, {"file_type": "TRANSCRIPT", "size": 3_000}]
    # The transcript stays "processing" (an hour away) until the test says it is ready.
    meeting_id = await _recorded(stack, {"files": files, "delay": 0, "transcript_delay": 3600})
    await _synced(service, meeting_id, stored=1)
    states = {f.zoom_file_type: f.state for f in await _files(service, meeting_id)}
    assert states.get("MP4") == "stored"
    assert states.get("TRANSCRIPT", "skipped") == "skipped"

    async with stack.sim_client() as zoom:
        await zoom.recording_ready(meeting_id, transcript=True)
    await _synced(service, meeting_id, stored=2)
    stored = {f.zoom_file_type: f for f in await _files(service, meeting_id)}
    assert stored["TRANSCRIPT"].state == "stored"
    assert stored["TRANSCRIPT"].storage_key.endswith(".vtt")
    events = [rev.RecordingSynced.FromString(b) for b in await _outbox(service, "recording.synced")]
    # One event per newly stored set of files: the video first, the transcript after.
    assert [sorted(f.zoom_file_type for f in e.files) for e in events] == [["MP4"], ["TRANSCRIPT"]]
    assert len({e.recording_id for e in events}) == 1


async def test_a_redelivered_recording_completed_adds_nothing(stack: Stack) -> None:
    service = _sync(stack)
    meeting_id = await _recorded(
        stack, {"files": [{"file_type": "MP4", "size": 30_000}], "delay": 0}
    )
    await _synced(service, meeting_id, stored=1)
    job = await _job(service, meeting_id)
    stored = await _files(service, meeting_id)
    obj = ze.ZoomRecordingObject(
        meeting_id=meeting_id,
        meeting_uuid=job.meeting_uuid,
        topic="Paths",
        recording_files=[
            ze.ZoomRecordingFile(
                id=f.zoom_file_id,
                meeting_uuid=f.meeting_uuid,
                zoom_file_type=f.zoom_file_type,
                file_extension=f.file_extension,
                file_size_bytes=f.zoom_size,
                download_url=f.download_url,
                recording_type=f.recording_type,
                status="completed",
            )
            for f in stored
        ],
    )
    event = ze.ZoomRecordingCompleted(recording=obj)
    same = Envelope.for_proto("zoom.recording.completed", event, "redelivered-1")
    # Once as a new message (Zoom resent it), twice as the same message (the bus redelivered).
    await service.bus.publish([same])
    await service.bus.publish(
        [Envelope.for_proto("zoom.recording.completed", event, same.message_id)]
    )
    await service.bus.publish([Envelope.for_proto("zoom.recording.completed", event)])
    await service.pipeline.idle()

    assert len(await _outbox(service, "recording.synced")) == 1
    after = await _files(service, meeting_id)
    assert [(f.id, f.sha256, f.state) for f in after] == [(f.id, f.sha256, f.state) for f in stored]
    async with service.sessions() as session:
        jobs = await session.scalar(
            select(func.count()).select_from(sync_jobs).where(sync_jobs.c.meeting_id == meeting_id)
        )
    assert jobs == 1
    assert (await _job(service, meeting_id)).state == "synced"
