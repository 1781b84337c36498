"""Changes and deletions made in Zoom directly, applied to a session without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.domain.model import (
    BatchType,
    MeetingChange,
    MeetingDeletion,
    Session,
    SessionStatus,
    ZoomMeeting,
)

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def linked(minutes: int = 90, **overrides: object) -> Session:
    values: dict[str, object] = {
        "id": "s1",
        "batch_id": "b1",
        "course_id": "c1",
        "batch_type": BatchType.GROUP,
        "title": "Intro",
        "scheduled_start": T0,
        "scheduled_end": at(minutes),
        "timezone": "UTC",
        "meeting": ZoomMeeting(
            meeting_id=851,
            meeting_uuid="u1",
            join_url="https://zoom.example/j/851",
            password="Abc123",
            topic="JS - Intro",
            duration_minutes=max(30, minutes),
            start_time=T0,
            timezone="UTC",
        ),
    }
    values.update(overrides)
    return Session(**values)  # type: ignore[arg-type]


def test_a_zoom_side_reschedule_moves_the_window() -> None:
    session = linked()
    result = session.apply_meeting_change(
        MeetingChange(event_time=at(-60), start_time=at(120), duration_minutes=60)
    )
    assert result.moved == ("scheduled_start", "scheduled_end")
    assert (result.previous_start, result.previous_end) == (T0, at(90))
    assert (session.scheduled_start, session.scheduled_end) == (at(120), at(180))
    assert session.meeting is not None
    assert (session.meeting.start_time, session.meeting.duration_minutes) == (at(120), 60)
    assert session.meeting.zoom_change_time == at(-60)


def test_our_own_update_echoed_back_changes_nothing() -> None:
    session = linked()
    result = session.apply_meeting_change(
        MeetingChange(event_time=at(-60), start_time=T0, duration_minutes=90, topic="JS - Intro")
    )
    assert not result.changed
    assert not result.moved
    assert result.advanced  # only the ordering watermark moves
    assert (session.scheduled_start, session.scheduled_end) == (T0, at(90))


def test_zoom_minimum_duration_does_not_stretch_a_short_session() -> None:
    session = linked(minutes=20)
    result = session.apply_meeting_change(
        MeetingChange(event_time=at(-60), start_time=at(60), duration_minutes=30)
    )
    assert result.moved == ("scheduled_start", "scheduled_end")
    assert session.scheduled_end - session.scheduled_start == timedelta(minutes=20)


def test_an_older_change_never_overwrites_a_newer_one() -> None:
    session = linked()
    session.apply_meeting_change(MeetingChange(event_time=at(-30), start_time=at(180)))
    late = session.apply_meeting_change(MeetingChange(event_time=at(-60), start_time=at(120)))
    assert not late.advanced
    assert not late.moved
    assert session.scheduled_start == at(180)


def test_a_topic_change_updates_the_meeting_only() -> None:
    session = linked()
    result = session.apply_meeting_change(MeetingChange(event_time=at(-60), topic="Renamed"))
    assert result.changed
    assert not result.moved
    assert session.meeting is not None
    assert session.meeting.topic == "Renamed"
    assert session.title == "Intro"


def test_another_occurrence_is_noted_not_followed() -> None:
    session = linked()
    change = MeetingChange(event_time=at(-60), start_time=at(120), occurrence_id="1")
    result = session.apply_meeting_change(change)
    assert result.changed
    assert not result.moved
    assert session.scheduled_start == T0
    assert [code for code, _ in session.notices()] == ["ZOOM_CHANGE_NOT_APPLIED"]
    assert not session.apply_meeting_change(change).advanced  # noted once


def test_the_sessions_own_occurrence_is_followed() -> None:
    session = linked()
    own = str(int(T0.timestamp() * 1000))
    result = session.apply_meeting_change(
        MeetingChange(event_time=at(-60), start_time=at(30), occurrence_id=own)
    )
    assert result.moved
    assert session.scheduled_start == at(30)


def test_an_ended_session_records_the_change_without_moving() -> None:
    session = linked(status=SessionStatus.ENDED)
    result = session.apply_meeting_change(MeetingChange(event_time=at(200), start_time=at(300)))
    assert result.changed
    assert not result.moved
    assert session.scheduled_start == T0


def test_deleted_while_scheduled_unlinks_and_keeps_history() -> None:
    session = linked()
    assert session.meeting_request_id() == "s1"
    assert session.apply_meeting_deleted(event_time=at(-10)) is MeetingDeletion.UNLINKED
    assert session.meeting is None
    gone = session.previous_meeting
    assert gone is not None
    assert gone.meeting_id == 851
    assert gone.delete_time == at(-10)
    assert gone.join_url == ""
    assert gone.password == ""
    assert session.meeting_request_id() == "s1~1"
    assert [code for code, _ in session.notices()] == ["ZOOM_MEETING_DELETED"]
    assert session.apply_meeting_deleted(event_time=at(-10)) is MeetingDeletion.IGNORED


def test_deleted_after_the_end_is_recorded_only() -> None:
    session = linked(status=SessionStatus.ENDED)
    assert session.apply_meeting_deleted(event_time=at(200)) is MeetingDeletion.RECORDED
    assert session.meeting is not None
    assert session.meeting.delete_time == at(200)
    assert session.meeting_generation == 0
    assert session.apply_meeting_deleted(event_time=at(200)) is MeetingDeletion.IGNORED


def test_deleted_occurrences_are_noted_only() -> None:
    session = linked()
    outcome = session.apply_meeting_deleted(event_time=at(-10), occurrence_ids=("1",))
    assert outcome is MeetingDeletion.RECORDED
    assert session.meeting is not None
    assert session.meeting.delete_time is None


def test_a_cancelled_session_shows_no_deletion_warning() -> None:
    session = linked()
    session.apply_meeting_deleted(event_time=at(-10))
    session.cancel(reason="", by="t1", at=at(-5))
    session.forget_own_deletion(851)
    assert session.notices() == []
    assert session.previous_meeting is None
