"""Lessons made of parts, and what a session's recording sync shows, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from classbridge.common.v1 import common_pb2
from scheduler.domain.model import (
    LessonPart,
    LessonSource,
    PartsRemoved,
    RecordedLesson,
    RecordingSync,
    lesson_of_kind,
)
from scheduler.entrypoints.grpc_api import lesson_out, parts_json, sync_out

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def part(file_id: str, number: int, *, start: float, end: float, size: int) -> LessonPart:
    return LessonPart(
        file_id=file_id,
        part=number,
        size_bytes=size,
        duration_seconds=int((end - start) * 60),
        recording_start=at(start),
        recording_end=at(end),
        recording_id="rec-1",
        zoom_file_id=f"z-{file_id}",
    )


def video_lesson(*parts: LessonPart) -> RecordedLesson:
    first = parts[0]
    lesson = RecordedLesson(
        id="l1",
        session_id="s1",
        title="Zoom Recording - 2030-01-15 (MP4)",
        source=LessonSource.ZOOM_AUTO_SYNC,
        recording_id="rec-1",
        recording_file_id=first.file_id,
        file_size_bytes=first.size_bytes,
        duration_seconds=first.duration_seconds,
        zoom_info={"meeting_id": 851, "recording_file_id": first.zoom_file_id},
        lesson_kind="shared_screen_with_speaker_view",
        parts=[first],
    )
    for more in parts[1:]:
        lesson.add_part(more)
    return lesson


def test_parts_are_ordered_and_the_lesson_sums_them_up() -> None:
    lesson = video_lesson(
        part("f2", 2, start=40, end=90, size=500), part("f1", 1, start=0, end=30, size=300)
    )
    assert [p.part for p in lesson.parts] == [1, 2]
    assert lesson.recording_file_id == "f1"  # the first part names the lesson
    assert lesson.file_size_bytes == 800
    assert lesson.duration_seconds == 80 * 60
    assert lesson.zoom_info["recording_file_id"] == "z-f1"
    assert lesson.zoom_info["file_size_bytes"] == 800
    assert lesson.zoom_info["recording_start"] == at(0).isoformat()
    assert lesson.zoom_info["recording_end"] == at(90).isoformat()


def test_a_file_already_a_part_is_not_added_again() -> None:
    lesson = video_lesson(part("f1", 1, start=0, end=30, size=300))
    assert not lesson.add_part(part("f1", 1, start=0, end=30, size=300))
    assert lesson.file_size_bytes == 300


def test_removing_a_part_leaves_the_rest_and_the_last_one_takes_the_lesson() -> None:
    lesson = video_lesson(
        part("f1", 1, start=0, end=30, size=300), part("f2", 2, start=40, end=90, size=500)
    )
    assert lesson.remove_parts(recording_id="rec-1", file_ids=("f1",)) == PartsRemoved(("f1",))
    assert (lesson.recording_file_id, lesson.file_size_bytes) == ("f2", 500)
    assert not lesson.remove_parts(recording_id="rec-1", file_ids=("f9",))
    assert lesson.remove_parts(recording_id="rec-1", file_ids=()) == PartsRemoved(  # all of it
        ("f2",), lesson_gone=True
    )


def test_a_removal_of_another_recording_leaves_the_lesson_alone() -> None:
    lesson = video_lesson(part("f1", 1, start=0, end=30, size=300))
    assert not lesson.remove_parts(recording_id="rec-other", file_ids=())


def test_a_lesson_named_by_its_recording_alone_goes_with_the_whole_recording() -> None:
    upload = RecordedLesson(
        id="l4",
        session_id="s1",
        title="Whiteboard",
        source=LessonSource.MANUAL_UPLOAD,
        recording_id="rec-m",
    )
    assert upload.parts == []
    assert not upload.remove_parts(recording_id="rec-m", file_ids=("f1",))
    assert not upload.remove_parts(recording_id="rec-other", file_ids=())
    assert upload.remove_parts(recording_id="rec-m", file_ids=()) == PartsRemoved(lesson_gone=True)


def test_an_external_link_is_never_removed_by_a_recording_removal() -> None:
    link = RecordedLesson(
        id="l2",
        session_id="s1",
        title="Slides",
        source=LessonSource.EXTERNAL_LINK,
        recording_id="rec-1",
        external_url="https://example.org/x",
    )
    assert link.parts == []
    assert not link.remove_parts(recording_id="rec-1", file_ids=())


def test_a_lesson_from_before_parts_is_its_own_single_part() -> None:
    legacy = RecordedLesson(
        id="l3",
        session_id="s1",
        title="Zoom Recording",
        source=LessonSource.ZOOM_AUTO_SYNC,
        recording_id="rec-1",
        recording_file_id="f1",
        file_size_bytes=300,
        duration_seconds=1800,
        zoom_info={"recording_file_id": "z1", "recording_start": at(0).isoformat()},
    )
    assert legacy.parts == [
        LessonPart(
            file_id="f1",
            part=1,
            size_bytes=300,
            duration_seconds=1800,
            recording_start=at(0),
            recording_id="rec-1",
            zoom_file_id="z1",
        )
    ]


def test_the_lesson_of_a_kind_is_found_by_kind_and_source_and_never_for_an_empty_kind() -> None:
    lesson = video_lesson(part("f1", 1, start=0, end=30, size=300))
    kind = "shared_screen_with_speaker_view"
    assert lesson_of_kind([lesson], lesson_kind=kind, source=LessonSource.ZOOM_AUTO_SYNC) is lesson
    assert lesson_of_kind([lesson], lesson_kind=kind, source=LessonSource.LOCAL_FOLDER) is None
    assert lesson_of_kind([lesson], lesson_kind="", source=LessonSource.ZOOM_AUTO_SYNC) is None


def test_a_waiting_session_shows_attempts_error_type_and_next_retry() -> None:
    sync = RecordingSync()
    sync.apply_failed(
        at=at(95),
        attempts=1,
        error="Zoom has no recording for the meeting yet",
        error_type=common_pb2.SYNC_ERROR_TYPE_NO_RECORDING,
        next_retry_time=at(125),
    )
    assert (sync.synced, sync.attempts, sync.last_error_type, sync.next_retry_time) == (
        False,
        1,
        common_pb2.SYNC_ERROR_TYPE_NO_RECORDING,
        at(125),
    )
    assert sync.last_error == "Zoom has no recording for the meeting yet"
    sync.apply_failed(at=at(90), attempts=0, error="older", error_type=2, next_retry_time=None)
    assert (sync.last_error_type, sync.next_retry_time) == (1, at(125))  # older report ignored
    out = sync_out(sync)
    assert out is not None
    assert (out.recording_synced, out.sync_attempts, out.last_sync_error_type) == (False, 1, 1)
    assert out.next_retry_time.ToDatetime(tzinfo=UTC) == at(125)


def test_removing_the_last_synced_lesson_unsyncs_the_session_until_a_newer_sync() -> None:
    sync = RecordingSync()
    sync.apply_synced(at=at(120), attempts=1)
    sync.apply_removed(at=at(200), file_ids=["f1"], last_gone=False)
    assert (sync.synced, sync.deleted, sync.removed_file_ids) == (True, False, ["f1"])
    sync.apply_removed(at=at(210), file_ids=["f2", "f1"], last_gone=True)
    assert (sync.synced, sync.deleted, sync.delete_time) == (False, True, at(210))
    assert sync.removed_file_ids == ["f1", "f2"]
    sync.apply_synced(at=at(120), attempts=1)  # the old sync again: still deleted
    assert (sync.synced, sync.deleted) == (False, True)
    sync.apply_synced(at=at(300), attempts=2)  # synced anew after the deletion
    assert (sync.synced, sync.deleted, sync.delete_time) == (True, False, None)


def test_parts_go_out_in_the_json_form_of_the_proposed_fields() -> None:
    lesson = video_lesson(
        part("f1", 1, start=0, end=30, size=300), part("f2", 2, start=40, end=90, size=500)
    )
    assert parts_json(lesson) == {
        "lesson_kind": "shared_screen_with_speaker_view",
        "parts": [
            {
                "recording_file_id": "f1",
                "part": 1,
                "file_size_bytes": "300",
                "duration": "1800s",
                "recording_start": "2030-01-15T10:00:00Z",
                "recording_end": "2030-01-15T10:30:00Z",
                "recording_id": "rec-1",
                "zoom_file_id": "z-f1",
            },
            {
                "recording_file_id": "f2",
                "part": 2,
                "file_size_bytes": "500",
                "duration": "3000s",
                "recording_start": "2030-01-15T10:40:00Z",
                "recording_end": "2030-01-15T11:30:00Z",
                "recording_id": "rec-1",
                "zoom_file_id": "z-f2",
            },
        ],
    }
    message = lesson_out(lesson)  # whatever the proto has room for, the rest as before
    assert (message.recording_file_id, message.file_size_bytes) == ("f1", 800)
    assert message.duration.seconds == 80 * 60
