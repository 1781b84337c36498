"""What Zoom and recording-sync report (service_layer/lifecycle.py), applied the way the consumer
applies it: inside one unit of work of the event's tenant, committed by the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from classbridge.events.v1 import zoom_events_pb2 as zoom_pb
from classbridge_common.messages import Envelope
from scheduler.domain import commands, events
from scheduler.domain.model import (
    ENDED_WITH_MEETING,
    BatchType,
    Interval,
    LessonSource,
    MeetingChange,
    MeetingDeletion,
    ParticipantRole,
    RecordingSync,
    SessionStatus,
)
from scheduler.entrypoints.consumers import Consumer
from scheduler.service_layer import lifecycle
from tests.unit.scheduler.builders import (
    a_meeting,
    at,
    nothing_stored,
    seed_batch,
    seed_enrollment,
    seed_lesson,
    seed_participant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeUnitOfWork

R = TypeVar("R")


def nothing_changed(db: FakeDatabase) -> AbstractContextManager[None]:
    """No row or event changed; the commit itself is expected (the inbox row goes with it)."""
    return nothing_stored(db, commits=False)


MEETING = 81_000_000_001  # school.s1's meeting


async def apply(
    db: FakeDatabase,
    handler: Callable[..., Awaitable[R]],
    cmd: Any,
    clock: FakeClock,
    tenant: str = "default",
) -> R:
    """Like the consumer: one unit of work in the event's tenant, committed after the effect."""
    async with db.uow(tenant=tenant) as uow:
        result = await handler(cmd, uow=uow, now=clock)
        await uow.commit()
    return result


def started(at_: datetime, meeting_id: int = MEETING) -> commands.RecordMeetingStarted:
    return commands.RecordMeetingStarted(
        meeting_id=meeting_id, meeting_uuid="inst-2", event_time=at_, start_time=at_
    )


def ended(at_: datetime, meeting_id: int = MEETING) -> commands.RecordMeetingEnded:
    return commands.RecordMeetingEnded(
        meeting_id=meeting_id, meeting_uuid="inst-2", event_time=at_, start_time=None, end_time=at_
    )


# ---- Meeting lifecycle ----


async def test_started_then_ended_follow_the_meeting(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    clock.now = at(2)
    assert await apply(db, lifecycle.meeting_started, started(at(1)), clock)
    stored = db.get("sessions", school.s1.id)
    assert (stored.status, stored.actual_start, stored.update_time) == (
        SessionStatus.IN_PROGRESS,
        at(1),
        at(2),
    )
    assert stored.meeting.meeting_uuid == "inst-2"
    with nothing_changed(db):  # a repeat changes nothing
        assert not await apply(db, lifecycle.meeting_started, started(at(1)), clock)
    assert db.get("sessions", school.s1.id) == stored
    clock.now = at(91)
    assert await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    stored = db.get("sessions", school.s1.id)
    assert (stored.status, stored.actual_end, stored.update_time) == (
        SessionStatus.ENDED,
        at(90),
        at(91),
    )


async def test_the_class_going_live_and_ending_is_announced_once_each(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    clock.now = at(2)
    await apply(db, lifecycle.meeting_started, started(at(1)), clock)
    await apply(db, lifecycle.meeting_started, started(at(1)), clock)  # redelivered
    clock.now = at(91)
    await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)  # redelivered
    assert [e for e in db.events if not isinstance(e, events.SessionUpdated)] == [
        events.SessionStarted(
            occurred_at=at(2),
            session_id=school.s1.id,
            session_title=school.s1.title,
            batch_id=school.s1.batch_id,
            course_id=school.s1.course_id,
            meeting_id=MEETING,
            meeting_uuid="inst-2",
            started_at=at(1),
        ),
        events.SessionEnded(
            occurred_at=at(91),
            session_id=school.s1.id,
            session_title=school.s1.title,
            batch_id=school.s1.batch_id,
            course_id=school.s1.course_id,
            meeting_id=MEETING,
            meeting_uuid="inst-2",
            started_at=at(1),
            ended_at=at(90),
        ),
    ]


async def test_a_late_started_announces_no_class_going_live(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.meeting_ended, ended(at(80)), clock)
    await apply(db, lifecycle.meeting_started, started(at(1)), clock)  # only fills the start
    assert [type(e) for e in db.events] == [events.SessionEnded]


async def test_a_late_started_does_not_reopen_an_ended_session(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    assert await apply(db, lifecycle.meeting_ended, ended(at(80)), clock)
    assert await apply(db, lifecycle.meeting_started, started(at(1)), clock)  # fills the start
    stored = db.get("sessions", school.s1.id)
    assert (stored.status, stored.actual_start) == (SessionStatus.ENDED, at(1))
    assert not await apply(db, lifecycle.meeting_ended, ended(at(70)), clock)


async def test_ending_closes_the_stays_still_open(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    inside = await seed_participant(db, school.s1, intervals=[Interval("a", at(0))])
    gone = await seed_participant(db, school.s1, intervals=[Interval("b", at(0), at(10))])
    assert await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    assert db.get("participants", inside.id).intervals == [
        Interval("a", at(0), at(90), ENDED_WITH_MEETING)
    ]
    assert db.get("participants", gone.id) == gone


async def test_events_about_unknown_or_foreign_meetings_change_nothing(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    foreign = school.s3.meeting.meeting_id  # acme's meeting, named in an event of the default
    with nothing_changed(db):
        for meeting_id in (1, foreign):
            assert not await apply(db, lifecycle.meeting_started, started(at(1), meeting_id), clock)
            assert not await apply(db, lifecycle.meeting_ended, ended(at(2), meeting_id), clock)
            change = commands.RecordMeetingUpdated(
                meeting_id=meeting_id, change=MeetingChange(event_time=at(0), topic="x")
            )
            assert not await apply(db, lifecycle.meeting_updated, change, clock)
            deleted = commands.RecordMeetingDeleted(meeting_id=meeting_id, event_time=at(0))
            assert await apply(db, lifecycle.meeting_deleted, deleted, clock) is (
                MeetingDeletion.IGNORED
            )
    # Its own tenant's event applies.
    assert await apply(db, lifecycle.meeting_started, started(at(1), foreign), clock, "acme")


# ---- Changes and deletions made in Zoom ----


def updated(at_: datetime, **change: Any) -> commands.RecordMeetingUpdated:
    return commands.RecordMeetingUpdated(
        meeting_id=MEETING, change=MeetingChange(event_time=at_, **change)
    )


async def test_a_meeting_moved_in_zoom_moves_the_session(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    assert await apply(db, lifecycle.meeting_updated, updated(at(-60), start_time=at(30)), clock)
    stored = db.get("sessions", school.s1.id)
    assert (stored.scheduled_start, stored.scheduled_end) == (at(30), at(120))
    assert (stored.meeting.start_time, stored.meeting.zoom_change_time) == (at(30), at(-60))
    assert stored.update_time == clock()
    [moved] = db.events
    assert isinstance(moved, events.SessionUpdated)
    assert moved.changed_fields == ("scheduled_start", "scheduled_end")
    assert (moved.previous_scheduled_start, moved.previous_scheduled_end) == (at(0), at(90))
    assert db.published[0].tenant_id == "default"


async def test_our_own_change_echoed_back_moves_only_the_watermark(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    echo = updated(at(-30), start_time=at(0), topic=school.s1.meeting.topic)
    assert not await apply(db, lifecycle.meeting_updated, echo, clock)
    stored = db.get("sessions", school.s1.id)
    assert stored.meeting.zoom_change_time == at(-30)
    assert stored.update_time == school.s1.update_time  # nothing a reader sees changed
    assert db.events == []
    with nothing_changed(db):  # an older change than the last applied is ignored
        assert not await apply(db, lifecycle.meeting_updated, updated(at(-40), topic="Old"), clock)


async def test_a_topic_change_is_kept_without_moving_the_session(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    assert not await apply(db, lifecycle.meeting_updated, updated(at(-10), topic="Renamed"), clock)
    stored = db.get("sessions", school.s1.id)
    assert (stored.meeting.topic, stored.scheduled_start, stored.update_time) == (
        "Renamed",
        at(0),
        clock(),
    )
    assert db.events == []


async def test_a_meeting_deleted_in_zoom_lets_a_scheduled_session_go(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    deleted = commands.RecordMeetingDeleted(meeting_id=MEETING, event_time=at(-5))
    assert await apply(db, lifecycle.meeting_deleted, deleted, clock) is MeetingDeletion.UNLINKED
    stored = db.get("sessions", school.s1.id)
    assert (stored.meeting, stored.meeting_generation) == (None, 1)
    assert stored.previous_meeting.meeting_id == MEETING
    assert stored.previous_meeting.delete_time == at(-5)
    assert stored.meeting_request_id() == f"{school.s1.id}~1"
    [unlinked] = db.events
    assert (unlinked.meeting_id, unlinked.reason) == (MEETING, "meeting_deleted")
    with nothing_changed(db):
        assert await apply(db, lifecycle.meeting_deleted, deleted, clock) is MeetingDeletion.IGNORED


async def test_a_meeting_deleted_after_the_class_is_only_recorded(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.meeting_started, started(at(0)), clock)
    deleted = commands.RecordMeetingDeleted(meeting_id=MEETING, event_time=at(5))
    assert await apply(db, lifecycle.meeting_deleted, deleted, clock) is MeetingDeletion.RECORDED
    stored = db.get("sessions", school.s1.id)
    assert (stored.meeting.meeting_id, stored.meeting.delete_time) == (MEETING, at(5))
    assert [type(e) for e in db.events] == [events.SessionStarted]  # the class, not the deletion
    with nothing_changed(db):  # told again: already known
        assert await apply(db, lifecycle.meeting_deleted, deleted, clock) is MeetingDeletion.IGNORED


async def test_a_deleted_occurrence_is_noted_once_and_never_followed(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    one = commands.RecordMeetingDeleted(
        meeting_id=MEETING, event_time=at(-5), occurrence_ids=("9",)
    )
    assert await apply(db, lifecycle.meeting_deleted, one, clock) is MeetingDeletion.RECORDED
    stored = db.get("sessions", school.s1.id)
    assert stored.meeting.meeting_id == MEETING
    assert "occurrence(s) 9" in stored.meeting.unapplied_change
    assert [code for code, _ in stored.notices()] == ["ZOOM_CHANGE_NOT_APPLIED"]
    with nothing_changed(db):
        assert await apply(db, lifecycle.meeting_deleted, one, clock) is MeetingDeletion.IGNORED


# ---- Participants ----


def joined(at_: datetime, **who: Any) -> commands.RecordParticipantJoined:
    values: dict[str, Any] = {
        "participant_uuid": "p-1",
        "zoom_user_id": "",
        "name": "Asha",
        "email": "",
        "customer_key": "",
    }
    return commands.RecordParticipantJoined(
        meeting_id=who.pop("meeting_id", MEETING), event_time=at_, join_time=at_, **(values | who)
    )


def left(at_: datetime, **who: Any) -> commands.RecordParticipantLeft:
    values: dict[str, Any] = {
        "participant_uuid": "p-1",
        "zoom_user_id": "",
        "name": "Asha",
        "email": "",
        "customer_key": "",
    }
    return commands.RecordParticipantLeft(
        meeting_id=MEETING, event_time=at_, leave_time=at_, leave_reason="left", **(values | who)
    )


def people(db: FakeDatabase) -> list[Any]:
    return [r.obj for r in db.rows("participants")]


async def test_a_student_joins_leaves_and_rejoins(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    email = "asha@example.org"
    assert await apply(
        db,
        lifecycle.participant_joined,
        joined(at(0), customer_key="student-1", email=email),
        clock,
    )
    [asha] = people(db)
    assert (asha.user_id, asha.enrolled, asha.role, asha.email) == (
        "student-1",
        True,
        ParticipantRole.PARTICIPANT,
        email,
    )
    assert db.tables["participants"][asha.id].extra["create_time"] == clock()
    assert not await apply(db, lifecycle.participant_joined, joined(at(0), email=email), clock)
    assert await apply(db, lifecycle.participant_left, left(at(30), email=email), clock)
    rejoin = joined(at(40), participant_uuid="p-2", customer_key="student-1", zoom_user_id="z-1")
    assert await apply(db, lifecycle.participant_joined, rejoin, clock)
    [asha] = people(db)
    assert asha.intervals == [
        Interval("p-1", at(0), at(30), "left"),
        Interval("p-2", at(40)),
    ]
    assert asha.zoom_user_id == "z-1"
    # The same email on another device, without anything Zoom ties to Asha: someone else.
    other = joined(at(45), participant_uuid="p-3", email=email.upper())
    assert await apply(db, lifecycle.participant_joined, other, clock)
    assert sorted(p.user_id for p in people(db)) == ["", "student-1"]


async def test_a_leave_before_its_join_is_kept_and_filled_in(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    assert await apply(db, lifecycle.participant_left, left(at(20), name="Guest"), clock)
    [guest] = people(db)
    assert guest.intervals == [Interval("p-1", None, at(20), "left")]
    assert not guest.enrolled
    assert await apply(db, lifecycle.participant_joined, joined(at(5), name="Guest"), clock)
    [guest] = people(db)
    assert guest.intervals == [Interval("p-1", at(5), at(20), "left")]


async def test_the_host_and_the_student_of_an_individual_batch_are_recognised(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-7")
    await seed_enrollment(db, school.b1, "student-7")  # enrolled elsewhere: not what counts
    private = await seed_session(db, solo, meeting=a_meeting(81_000_000_030))
    host = joined(at(0), meeting_id=81_000_000_030, zoom_user_id="zoom-host-1", name="T")
    assert await apply(db, lifecycle.participant_joined, host, clock)
    student = joined(
        at(1), meeting_id=81_000_000_030, customer_key="student-7", participant_uuid="s", name="S7"
    )
    assert await apply(db, lifecycle.participant_joined, student, clock)
    stranger = joined(
        at(2), meeting_id=81_000_000_030, customer_key="student-1", participant_uuid="x", name="S1"
    )
    assert await apply(db, lifecycle.participant_joined, stranger, clock)
    found = {p.user_id or p.display_name: p for p in people(db) if p.session_id == private.id}
    assert found["T"].role is ParticipantRole.HOST
    assert (found["student-7"].enrolled, found["student-1"].enrolled) == (True, False)


async def test_a_join_reported_after_the_end_is_closed_at_the_end(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    assert await apply(db, lifecycle.participant_joined, joined(at(60)), clock)
    [late] = people(db)
    assert late.intervals == [Interval("p-1", at(60), at(90), ENDED_WITH_MEETING)]


async def test_a_leave_delivered_after_the_end_ends_its_stay_there(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """Zoom's `participant_left` may come after `meeting.ended`, which closed the stay at the
    end: the leave is that stay's true end, not a stay of its own (a guest, counted on
    webhooks alone, would otherwise be counted to the end of the class)."""
    assert await apply(db, lifecycle.participant_joined, joined(at(5)), clock)
    await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    assert await apply(db, lifecycle.participant_left, left(at(13)), clock)
    [guest] = people(db)
    assert guest.intervals == [Interval("p-1", at(5), at(13), "left")]
    # delivered again, or a leave of another device: nothing else moves
    assert not await apply(db, lifecycle.participant_left, left(at(13)), clock)
    assert await apply(db, lifecycle.participant_left, left(at(20), participant_uuid="p-2"), clock)
    assert [i for i in people(db)[0].intervals if i.participant_uuid == "p-1"] == [
        Interval("p-1", at(5), at(13), "left")
    ]


async def test_participant_events_of_unknown_meetings_are_ignored(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    with nothing_changed(db):
        assert not await apply(db, lifecycle.participant_joined, joined(at(0), meeting_id=5), clock)
        stray = commands.RecordParticipantLeft(
            meeting_id=5,
            event_time=at(1),
            participant_uuid="p",
            zoom_user_id="",
            name="",
            email="",
            customer_key="",
            leave_time=None,
        )
        assert not await apply(db, lifecycle.participant_left, stray, clock)


async def test_a_redelivered_event_is_applied_once(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """The consumer's inbox, on the fake's ``first_delivery``: the same message id twice."""

    def uow(*, tenant: str) -> FakeUnitOfWork:
        return db.uow(tenant=tenant)

    consumer = Consumer(name="scheduler", uow=uow)
    message = zoom_pb.ZoomParticipantJoined(
        context=zoom_pb.ZoomEventContext(tenant_id="default"),
        meeting=zoom_pb.ZoomMeetingObject(meeting_id=MEETING),
        participant=zoom_pb.ZoomParticipant(participant_uuid="p-1", name="Asha"),
    )
    message.participant.join_time.FromDatetime(at(0))
    envelope = Envelope.for_proto("zoom.participant.joined", message, "m-1")
    await consumer(envelope)
    await consumer(envelope)
    assert (consumer.applied, consumer.skipped) == (1, 1)
    assert [len(p.intervals) for p in people(db)] == [1]
    assert ("scheduler", "m-1") in db.inbox


# ---- Recordings ----


def file(file_id: str, **values: Any) -> commands.SyncedLessonFile:
    """A stored file as recording-sync reports it (30 minutes, 100 bytes unless told)."""
    return commands.SyncedLessonFile(
        file_id=file_id,
        zoom_file_id=f"z-{file_id}",
        file_type=1,
        recording_type="shared_screen_with_speaker_view",
        size_bytes=values.pop("size_bytes", 100),
        recording_start=values.pop("recording_start", at(0)),
        recording_end=values.pop("recording_end", at(30)),
        title=values.pop("title", ""),
        **values,
    )


def synced(*files: commands.SyncedLessonFile, **values: Any) -> commands.RecordRecordingSynced:
    """recording.synced of ``files`` for school.s1 (by id and by meeting) unless told."""
    return commands.RecordRecordingSynced(
        recording_id=values.pop("recording_id", "rec-1"),
        session_id=values.pop("session_id", "session-1"),
        meeting_id=values.pop("meeting_id", MEETING),
        meeting_uuid="inst-1",
        source=values.pop("source", LessonSource.ZOOM_AUTO_SYNC),
        occurred_at=values.pop("occurred_at", at(120)),
        attempts=values.pop("attempts", 1),
        files=files,
    )


def lessons(db: FakeDatabase) -> list[Any]:
    return sorted((r.obj for r in db.rows("recorded_lessons")), key=lambda x: x.recording_file_id)


async def test_synced_files_become_lessons_and_the_session_synced(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    cmd = synced(file("f1", title="Part one"), file("f2"))
    assert await apply(db, lifecycle.recording_synced, cmd, clock) == 2
    first, second = lessons(db)
    assert (first.title, second.title) == ("Part one", "Recording - Intro")
    assert (first.duration_seconds, first.file_size_bytes, first.recording_id) == (
        1800,
        100,
        "rec-1",
    )
    assert first.zoom_info["meeting_id"] == MEETING
    assert first.zoom_info["recording_file_id"] == "z-f1"
    sync = db.get("sessions", school.s1.id).recording_sync
    assert (sync.synced, sync.attempts, sync.last_sync_time) == (True, 1, at(120))
    with nothing_changed(db):
        assert await apply(db, lifecycle.recording_synced, cmd, clock) == 0  # a redelivery
    assert len(lessons(db)) == 2


async def test_segments_of_one_kind_are_parts_of_one_lesson(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    kind = "shared_screen"
    first = synced(
        file("f2", lesson_kind=kind, part=2, recording_start=at(40), recording_end=at(60)),
        file("f1", lesson_kind=kind, part=1),
    )
    assert await apply(db, lifecycle.recording_synced, first, clock) == 2
    later = synced(
        file("f3", lesson_kind=kind, part=3, recording_start=at(70), recording_end=at(80)),
        occurred_at=at(130),
    )
    assert await apply(db, lifecycle.recording_synced, later, clock) == 1
    [lesson] = lessons(db)
    assert [p.file_id for p in lesson.parts] == ["f1", "f2", "f3"]
    assert (lesson.recording_file_id, lesson.file_size_bytes) == ("f1", 300)
    assert lesson.duration_seconds == 1800 + 1200 + 600
    assert lesson.zoom_info["sync_time"] == at(130).isoformat()


async def test_a_report_naming_only_the_meeting_finds_the_session(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    cmd = synced(file("f1"), session_id="", source=LessonSource.LOCAL_FOLDER, meeting_id=MEETING)
    assert await apply(db, lifecycle.recording_synced, cmd, clock) == 1
    [lesson] = lessons(db)
    assert (lesson.session_id, lesson.source) == (school.s1.id, LessonSource.LOCAL_FOLDER)
    with nothing_changed(db):
        orphan = synced(file("f9"), session_id="", meeting_id=0)
        assert await apply(db, lifecycle.recording_synced, orphan, clock) == 0


async def test_without_a_meeting_a_lesson_keeps_no_zoom_details(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    cmd = synced(file("f1"), session_id=school.s2.id, meeting_id=0)
    assert await apply(db, lifecycle.recording_synced, cmd, clock) == 1
    assert lessons(db)[0].zoom_info == {}


async def test_a_sync_failure_is_shown_until_a_newer_report(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    def failed(occurred: datetime, error: str, attempts: int) -> commands.RecordRecordingSyncFailed:
        return commands.RecordRecordingSyncFailed(
            session_id=school.s1.id,
            meeting_id=0,
            occurred_at=occurred,
            attempts=attempts,
            error_message=error,
            error_type=2,
            next_attempt_time=occurred + (at(10) - at(0)),
        )

    assert await apply(
        db, lifecycle.recording_sync_failed, failed(at(100), "no recording", 2), clock
    )
    sync = db.get("sessions", school.s1.id).recording_sync
    assert (sync.synced, sync.attempts, sync.last_error, sync.last_error_type) == (
        False,
        2,
        "no recording",
        2,
    )
    assert sync.next_retry_time == at(110)
    assert await apply(db, lifecycle.recording_sync_failed, failed(at(90), "older", 1), clock)
    sync = db.get("sessions", school.s1.id).recording_sync
    assert (sync.attempts, sync.last_error) == (2, "no recording")
    unknown = commands.RecordRecordingSyncFailed(
        session_id="",
        meeting_id=1,
        occurred_at=at(0),
        attempts=1,
        error_message="",
        error_type=0,
        next_attempt_time=None,
    )
    with nothing_changed(db):
        assert not await apply(db, lifecycle.recording_sync_failed, unknown, clock)


def removed(*file_ids: str, **values: Any) -> commands.RecordRecordingRemoved:
    """recording.removed of ``file_ids`` (none: the whole recording) of school.s1."""
    return commands.RecordRecordingRemoved(
        recording_id=values.pop("recording_id", "rec-1"),
        session_id=values.pop("session_id", "session-1"),
        file_ids=file_ids,
        occurred_at=values.pop("occurred_at", at(300)),
    )


async def test_removed_files_leave_their_lessons_and_never_come_back(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    kind = "speaker"
    await apply(
        db,
        lifecycle.recording_synced,
        synced(
            file("f1", lesson_kind=kind, part=1), file("f2", lesson_kind=kind, part=2), file("f3")
        ),
        clock,
    )
    assert await apply(db, lifecycle.recording_removed, removed("f2"), clock) == 1
    parts = {x.recording_file_id: [p.file_id for p in x.parts] for x in lessons(db)}
    assert parts == {"f1": ["f1"], "f3": ["f3"]}
    assert db.get("sessions", school.s1.id).recording_sync.synced  # lessons remain
    # The whole recording goes: every lesson with it, and the session is no longer synced.
    assert await apply(db, lifecycle.recording_removed, removed(session_id=""), clock) == 2
    assert lessons(db) == []
    sync = db.get("sessions", school.s1.id).recording_sync
    assert (sync.synced, sync.deleted, sync.delete_time) == (False, True, at(300))
    assert set(sync.removed_file_ids) == {"f1", "f2", "f3"}
    # A late redelivery of the sync brings nothing back.
    again = synced(file("f2", lesson_kind=kind, part=2), occurred_at=at(120))
    assert await apply(db, lifecycle.recording_synced, again, clock) == 0
    assert lessons(db) == []
    assert not db.get("sessions", school.s1.id).recording_sync.synced


async def test_removing_files_nobody_has_still_remembers_them(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    link = await seed_lesson(db, school.s1, source=LessonSource.EXTERNAL_LINK, recording_id="rec-1")
    assert await apply(db, lifecycle.recording_removed, removed("f7"), clock) == 0
    assert db.get("recorded_lessons", link.id) == link  # an external link has no file to lose
    sync = db.get("sessions", school.s1.id).recording_sync
    assert (sync.removed_file_ids, sync.deleted) == (["f7"], False)
    with nothing_changed(db):
        assert (
            await apply(db, lifecycle.recording_removed, removed(recording_id="none"), clock) == 0
        )


async def test_lessons_of_a_session_that_is_gone_are_still_removed(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.recording_synced, synced(file("f1")), clock)
    async with db.uow(tenant="default") as uow:
        await uow.sessions.delete(school.s1.id)  # the session alone, its lesson left behind
        await uow.commit()
    assert await apply(db, lifecycle.recording_removed, removed("f1"), clock) == 1
    assert lessons(db) == []


async def test_a_sync_keeps_an_earlier_failures_attempts(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    async with db.uow(tenant="default") as uow:
        session = await uow.sessions.get(school.s1.id)
        session.recording_sync = RecordingSync(
            attempts=3, last_error="boom", last_event_time=at(100)
        )
        await uow.commit()
    await apply(db, lifecycle.recording_synced, synced(file("f1"), attempts=2), clock)
    sync = db.get("sessions", school.s1.id).recording_sync
    assert (sync.synced, sync.attempts, sync.last_error) == (True, 3, "")
