"""recording-sync's reports on the bus: segments become parts of one lesson, removals take
parts away, a deleted recording unsyncs its session, a waiting session shows its retries.

Parts are read back through a unit of work (the same SQLite file): the gRPC RecordedLesson has
no field for them until scheduler.proto gains one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db import create_engine, session_factory
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.model import RecordedLesson, RecordingSync
from tests.service.scheduler.test_lifecycle_consumers import T0, deliver, get, scheduled, stamp

VIDEO = "shared_screen_with_speaker_view"
MP4 = common_pb2.RECORDING_FILE_TYPE_MP4


@asynccontextmanager
async def reading(harness) -> AsyncIterator[SchedulerUnitOfWork]:
    engine = create_engine(harness.service.settings)
    try:
        async with SchedulerUnitOfWork(
            session_factory=session_factory(engine), tenant=DEFAULT_TENANT
        ) as uow:
            yield uow
    finally:
        await engine.dispose()


async def lessons_of(harness, session_id: str) -> list[RecordedLesson]:
    async with reading(harness) as uow:
        return await uow.lessons.of_session(session_id)


async def sync_of(harness, session_id: str) -> RecordingSync | None:
    async with reading(harness) as uow:
        session = await uow.sessions.get(session_id)
        assert session is not None
        return session.recording_sync


def segment(
    file_id: str, part: int, *, start: float, end: float, size: int, kind: str = VIDEO
) -> rec.SyncedFile:
    return rec.SyncedFile(
        file_id=file_id,
        zoom_file_id=f"z-{file_id}",
        file_type=MP4,
        recording_type=VIDEO,
        size_bytes=size,
        recording_start=stamp(start),
        recording_end=stamp(end),
        lesson_title="Zoom Recording - 2030-01-15 (MP4)",
        lesson_kind=kind,
        part=part,
    )


def chat(file_id: str = "f-chat") -> rec.SyncedFile:
    return rec.SyncedFile(
        file_id=file_id,
        zoom_file_id=f"z-{file_id}",
        file_type=common_pb2.RECORDING_FILE_TYPE_CHAT,
        size_bytes=7,
        lesson_title="Zoom Recording - 2030-01-15 (TXT)",
    )


def synced(
    session: pb.Session, *files: rec.SyncedFile, minutes: float = 120
) -> rec.RecordingSynced:
    return rec.RecordingSynced(
        occurred_at=stamp(minutes),
        recording_id="rec-1",
        source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
        session_id=session.id,
        batch_id=session.batch_id,
        meeting_id=session.zoom_meeting.meeting_id,
        meeting_uuid="inst-1",
        attempts=1,
        files=list(files),
    )


def removed(session: pb.Session, *file_ids: str, minutes: float = 300) -> rec.RecordingRemoved:
    return rec.RecordingRemoved(
        occurred_at=stamp(minutes),
        recording_id="rec-1",
        session_id=session.id,
        batch_id=session.batch_id,
        file_ids=list(file_ids),
        reason=rec.REMOVAL_REASON_ZOOM_DELETED,
    )


async def listed(harness, session: pb.Session) -> list[pb.RecordedLesson]:
    answer = await harness.stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    return list(answer.recorded_lessons)


async def batch_status(harness, session: pb.Session) -> pb.BatchSyncStatus:
    return await harness.stub.GetBatchSyncStatus(
        pb.GetBatchSyncStatusRequest(batch_id=session.batch_id), metadata=harness.as_("teacher")
    )


async def test_segments_of_one_kind_become_one_lesson_with_its_parts_in_order(harness) -> None:
    session = await scheduled(harness)
    await deliver(
        harness,
        synced(
            session,
            segment("f2", 2, start=40, end=90, size=500),
            segment("f1", 1, start=0, end=30, size=300),
            chat(),
        ),
        "recording.synced",
    )
    lessons = await listed(harness, session)
    assert len(lessons) == 2  # the video (two segments) and the chat
    video = next(x for x in lessons if x.file_type == MP4)
    assert video.recording_file_id == "f1"  # the first part's file, as before parts
    assert video.file_size_bytes == 800
    assert video.duration.seconds == 80 * 60
    assert video.zoom_recording_info.recording_start.ToDatetime(tzinfo=UTC) == T0
    [stored] = [x for x in await lessons_of(harness, session.id) if x.lesson_kind == VIDEO]
    assert [(p.file_id, p.part, p.size_bytes) for p in stored.parts] == [
        ("f1", 1, 300),
        ("f2", 2, 500),
    ]
    assert [p.duration_seconds for p in stored.parts] == [1800, 3000]
    [own] = [x for x in await lessons_of(harness, session.id) if not x.lesson_kind]
    assert [p.file_id for p in own.parts] == ["f-chat"]  # a file of its own: one part
    status = await batch_status(harness, session)
    assert status.statistics.total_zoom_recordings == 2
    assert status.sessions[0].recorded_lessons.zoom_auto_sync == 2


async def test_a_later_part_joins_the_lesson_and_a_repeat_adds_nothing(harness) -> None:
    session = await scheduled(harness)
    await deliver(
        harness, synced(session, segment("f1", 1, start=0, end=30, size=300)), "recording.synced"
    )
    # A later attempt stored part 2 and names part 1 again.
    later = synced(
        session,
        segment("f1", 1, start=0, end=30, size=300),
        segment("f2", 2, start=40, end=90, size=500),
        minutes=150,
    )
    await deliver(harness, later, "recording.synced")
    await deliver(harness, later, "recording.synced")  # published again (new message id)
    [lesson] = await listed(harness, session)
    assert (lesson.recording_file_id, lesson.file_size_bytes) == ("f1", 800)
    [stored] = await lessons_of(harness, session.id)
    assert [p.file_id for p in stored.parts] == ["f1", "f2"]
    assert (await get(harness, session.id)).recorded_lesson_count == 1


async def test_part_two_first_then_part_one_names_the_lesson_by_part_one(harness) -> None:
    session = await scheduled(harness)
    await deliver(
        harness, synced(session, segment("f2", 2, start=40, end=90, size=500)), "recording.synced"
    )
    await deliver(
        harness,
        synced(session, segment("f1", 1, start=0, end=30, size=300), minutes=150),
        "recording.synced",
    )
    [lesson] = await listed(harness, session)
    assert lesson.recording_file_id == "f1"
    assert lesson.zoom_recording_info.recording_file_id == "z-f1"


async def test_removing_parts_keeps_the_lesson_until_its_last_part_goes(harness) -> None:
    session = await scheduled(harness)
    await deliver(
        harness,
        synced(
            session,
            segment("f1", 1, start=0, end=30, size=300),
            segment("f2", 2, start=40, end=90, size=500),
            chat(),
        ),
        "recording.synced",
    )
    await deliver(harness, removed(session, "f1"), "recording.removed")
    video = next(x for x in await listed(harness, session) if x.file_type == MP4)
    assert (video.recording_file_id, video.file_size_bytes) == ("f2", 500)
    assert video.duration.seconds == 50 * 60
    assert (await get(harness, session.id)).recording_sync.recording_synced

    await deliver(harness, removed(session, "f2", minutes=310), "recording.removed")
    assert [x.recording_file_id for x in await listed(harness, session)] == ["f-chat"]
    assert (await get(harness, session.id)).recording_sync.recording_synced  # the chat is left
    # A late announcement of a removed file does not bring its lesson back.
    await deliver(
        harness,
        synced(session, segment("f2", 2, start=40, end=90, size=500), minutes=320),
        "recording.synced",
    )
    assert [x.recording_file_id for x in await listed(harness, session)] == ["f-chat"]


async def test_a_deleted_recording_unsyncs_the_session_and_leaves_the_statistics(harness) -> None:
    session = await scheduled(harness)
    await deliver(
        harness,
        synced(
            session,
            segment("f1", 1, start=0, end=30, size=300),
            segment("f2", 2, start=40, end=90, size=500),
            chat(),
        ),
        "recording.synced",
    )
    assert (await batch_status(harness, session)).statistics.synced_sessions == 1
    await deliver(harness, removed(session), "recording.removed")  # the whole recording
    assert await listed(harness, session) == []
    after = await get(harness, session.id)
    assert not after.recording_sync.recording_synced
    assert after.recorded_lesson_count == 0
    status = await batch_status(harness, session)
    assert (status.statistics.synced_sessions, status.statistics.sync_percentage) == (0, 0.0)
    assert status.statistics.total_zoom_recordings == 0
    assert not status.sessions[0].recording_sync.recording_synced
    sync = await sync_of(harness, session.id)
    assert sync is not None
    assert (sync.deleted, sync.delete_time) == (True, T0.replace(hour=15))  # 300 minutes on
    # The same removal again changes nothing.
    await deliver(harness, removed(session), "recording.removed")
    assert (await sync_of(harness, session.id)) == sync
    # Nor does a later announcement of a removed file: no lesson, still not synced.
    await deliver(harness, synced(session, chat(), minutes=400), "recording.synced")
    assert await listed(harness, session) == []
    assert not (await get(harness, session.id)).recording_sync.recording_synced


async def test_a_removed_manual_upload_goes_and_a_link_stays(harness) -> None:
    session = await scheduled(harness)
    for lesson in (
        pb.RecordedLesson(
            title="Whiteboard",
            source=common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD,
            recording_id="rec-m",
        ),
        pb.RecordedLesson(
            title="Slides",
            source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
            recording_id="rec-m",
            external_url="https://example.org/slides",
        ),
    ):
        await harness.stub.AddRecordedLesson(
            pb.AddRecordedLessonRequest(session_id=session.id, recorded_lesson=lesson),
            metadata=harness.as_("teacher"),
        )
    gone = rec.RecordingRemoved(
        recording_id="rec-m", session_id=session.id, reason=rec.REMOVAL_REASON_DELETED_BY_USER
    )
    await deliver(harness, gone, "recording.removed")
    assert [x.title for x in await listed(harness, session)] == ["Slides"]


async def test_a_waiting_session_shows_attempts_error_type_and_next_retry(harness) -> None:
    session = await scheduled(harness)
    waiting = rec.RecordingSyncFailed(
        occurred_at=stamp(95),
        sync_job_id="job-1",
        session_id=session.id,
        batch_id=session.batch_id,
        meeting_id=session.zoom_meeting.meeting_id,
        attempts=1,
        max_attempts=3,
        error_type=common_pb2.SYNC_ERROR_TYPE_NO_RECORDING,
        error_message="Zoom has no recording for this meeting yet",
        will_retry=True,
        next_attempt_time=stamp(125),
    )
    await deliver(harness, waiting, "recording.sync_failed")
    sync = (await get(harness, session.id)).recording_sync
    assert not sync.recording_synced
    assert sync.sync_attempts == 1
    assert sync.last_sync_error == "Zoom has no recording for this meeting yet"
    assert sync.last_sync_error_type == common_pb2.SYNC_ERROR_TYPE_NO_RECORDING
    assert sync.next_retry_time == stamp(125)
    [row] = (await batch_status(harness, session)).sessions
    assert row.recording_sync == sync
    # The last attempt gives up: no retry is planned, whatever time the event carries.
    final = rec.RecordingSyncFailed()
    final.CopyFrom(waiting)
    final.occurred_at.CopyFrom(stamp(185))
    final.attempts = 3
    final.will_retry = False
    await deliver(harness, final, "recording.sync_failed")
    sync = (await get(harness, session.id)).recording_sync
    assert (sync.sync_attempts, sync.HasField("next_retry_time")) == (3, False)
