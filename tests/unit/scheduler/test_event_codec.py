"""The class's life as course platforms hear of it (adapters/event_codec.py): the started,
ended and attendance-ready facts become their ``classbridge.events.v1`` messages, under the
routing keys outgoing webhooks subscribe to, with every field carried."""

from __future__ import annotations

from datetime import UTC, datetime

from classbridge.events.v1 import session_events_pb2 as pb
from scheduler.adapters import event_codec
from scheduler.domain import events

START = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
END = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
SESSION = {
    "session_id": "s-1",
    "session_title": "Physics 101",
    "batch_id": "b-1",
    "course_id": "c-1",
}


def test_a_started_class_is_announced_with_its_instance() -> None:
    message = event_codec.encode(
        events.SessionStarted(
            occurred_at=START, meeting_id=81, meeting_uuid="u==", started_at=START, **SESSION
        )
    )
    assert isinstance(message, pb.SessionStarted)
    assert event_codec.routing_key(message) == "session.started"
    assert (message.session_id, message.course_id, message.meeting_id, message.meeting_uuid) == (
        "s-1",
        "c-1",
        81,
        "u==",
    )
    assert message.started_at.ToDatetime(tzinfo=UTC) == START


def test_an_ended_class_carries_both_ends_and_may_lack_its_start() -> None:
    message = event_codec.encode(
        events.SessionEnded(
            occurred_at=END,
            meeting_id=81,
            meeting_uuid="u==",
            started_at=None,
            ended_at=END,
            **SESSION,
        )
    )
    assert isinstance(message, pb.SessionEnded)
    assert event_codec.routing_key(message) == "session.ended"
    assert not message.HasField("started_at")
    assert message.ended_at.ToDatetime(tzinfo=UTC) == END


def test_attendance_ready_says_how_many_and_whether_zooms_report_is_in() -> None:
    message = event_codec.encode(
        events.SessionAttendanceReady(
            occurred_at=END, meeting_uuid="u==", participants=23, complete=False, **SESSION
        )
    )
    assert isinstance(message, pb.SessionAttendanceReady)
    assert event_codec.routing_key(message) == "session.attendance_ready"
    assert (message.participants, message.complete, message.session_title) == (
        23,
        False,
        "Physics 101",
    )
