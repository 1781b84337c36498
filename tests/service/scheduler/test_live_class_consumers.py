"""Zoom's live-class events delivered on the bus to a running scheduler: the queue is bound to
their five routing keys, and role changes, sharing and breakout-room stays show in the
participants and the attendance a teacher reads."""

from __future__ import annotations

from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from tests.service.scheduler.test_lifecycle_consumers import (
    deliver,
    ended,
    meeting,
    scheduled,
    stamp,
    started,
)


def asha(**times: float) -> zoom.ZoomParticipant:
    person = zoom.ZoomParticipant(
        participant_uuid="a1", customer_key="student-1", name="Asha", meeting_user_id="100"
    )
    for name, minutes in times.items():
        getattr(person, name).CopyFrom(stamp(minutes))
    return person


async def test_a_class_with_a_co_host_a_presenter_and_a_breakout_room(harness) -> None:
    session = await scheduled(harness)
    where = meeting(session)
    await deliver(harness, started(session, 0), "zoom.meeting.started")

    def context(minutes: float) -> zoom.ZoomEventContext:
        return zoom.ZoomEventContext(event_time=stamp(minutes))

    await deliver(
        harness,
        zoom.ZoomParticipantJoined(
            context=context(0), meeting=where, participant=asha(join_time=0)
        ),
        "zoom.participant.joined",
    )
    role = zoom.ZoomParticipantRoleChanged(
        context=context(5),
        meeting=where,
        participant=asha(),
        old_role="attendee",
        new_role="co-host",
        change_time=stamp(5),
    )
    await deliver(harness, role, "zoom.participant.role_changed")
    sharer = zoom.ZoomParticipant(meeting_user_id="100", name="Asha")
    await deliver(
        harness,
        zoom.ZoomSharingStarted(
            context=context(8),
            meeting=where,
            participant=sharer,
            sharing=zoom.ZoomSharingDetails(content="desktop", time=stamp(8)),
        ),
        "zoom.sharing.started",
    )
    await deliver(
        harness,
        zoom.ZoomSharingEnded(
            context=context(12),
            meeting=where,
            participant=sharer,
            sharing=zoom.ZoomSharingDetails(content="desktop", time=stamp(12)),
        ),
        "zoom.sharing.ended",
    )
    # The move: Zoom says she left the main meeting, and joined the room (in either order).
    await deliver(
        harness,
        zoom.ZoomParticipantJoinedBreakoutRoom(
            context=context(20),
            meeting=where,
            participant=asha(join_time=20),
            breakout_room_uuid="room-1",
            parent_meeting_user_id="100",
        ),
        "zoom.participant.joined_breakout_room",
    )
    await deliver(
        harness,
        zoom.ZoomParticipantLeft(
            context=context(20), meeting=where, participant=asha(leave_time=20)
        ),
        "zoom.participant.left",
    )
    await deliver(
        harness,
        zoom.ZoomParticipantLeftBreakoutRoom(
            context=context(50),
            meeting=where,
            participant=asha(leave_time=50),
            breakout_room_uuid="room-1",
            parent_meeting_user_id="100",
        ),
        "zoom.participant.left_breakout_room",
    )
    await deliver(
        harness,
        zoom.ZoomParticipantJoined(
            context=context(50), meeting=where, participant=asha(join_time=50)
        ),
        "zoom.participant.joined",
    )
    # Back in the room when the meeting ends: that stay ends with it.
    await deliver(
        harness,
        zoom.ZoomParticipantJoinedBreakoutRoom(
            context=context(80),
            meeting=where,
            participant=asha(join_time=80),
            breakout_room_uuid="room-2",
            parent_meeting_user_id="100",
        ),
        "zoom.participant.joined_breakout_room",
    )
    await deliver(harness, ended(session, 90), "zoom.meeting.ended")

    listed = await harness.stub.ListParticipants(
        pb.ListParticipantsRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    [student] = [p for p in listed.participants if p.user_id == "student-1"]
    assert student.role == pb.PARTICIPANT_ROLE_CO_HOST
    assert student.shared_screen
    assert [(i.breakout_room_uuid, i.HasField("leave_time")) for i in student.intervals] == [
        ("", True),
        ("room-1", True),
        ("", True),
        ("room-2", True),
    ]
    assert student.minutes_attended == 90  # the main stay to the end, the rooms inside it
    report = await harness.stub.GetAttendanceReport(
        pb.GetAttendanceReportRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    [row] = [r for r in report.rows if r.user_id == "student-1"]
    assert (row.minutes_attended, row.present, row.join_count) == (90, True, 1)
