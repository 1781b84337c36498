"""Zoom's meeting lifecycle and recording-sync's reports, delivered on the bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.type import date_pb2, timeofday_pb2

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.messages import Envelope
from classbridge_common.testing import wait_until

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


def stamp(minutes: float) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(T0 + timedelta(minutes=minutes))
    return value


async def scheduled(harness) -> pb.Session:
    _, batch = await harness.course_and_batch()
    await harness.stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=batch.id, student_id="student-1"),
        metadata=harness.as_("teacher"),
    )
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(
            batch_id=batch.id,
            title="Intro",
            timezone="UTC",
            local_time=pb.LocalTimeRange(
                date=date_pb2.Date(year=2030, month=1, day=15),
                start_time=timeofday_pb2.TimeOfDay(hours=10),
                end_time=timeofday_pb2.TimeOfDay(hours=11, minutes=30),
            ),
        ),
        metadata=harness.as_("teacher"),
    )
    return answer.session


def meeting(session: pb.Session) -> zoom.ZoomMeetingObject:
    return zoom.ZoomMeetingObject(
        meeting_id=session.zoom_meeting.meeting_id, meeting_uuid="inst-1", start_time=stamp(0)
    )


async def deliver(
    harness, message: Message, routing_key: str, *, message_id: str | None = None
) -> Envelope:
    envelope = Envelope.for_proto(routing_key, message, message_id)
    before = harness.service.consumer.applied
    await harness.bus.publish([envelope])
    await wait_until(lambda: harness.service.consumer.applied > before, within=30)
    return envelope


async def get(harness, session_id: str) -> pb.Session:
    return await harness.stub.GetSession(
        pb.GetSessionRequest(session_id=session_id), metadata=harness.as_("teacher")
    )


def started(session: pb.Session, at: float) -> zoom.ZoomMeetingStarted:
    return zoom.ZoomMeetingStarted(
        context=zoom.ZoomEventContext(event_time=stamp(at)), meeting=meeting(session)
    )


def ended(session: pb.Session, at: float) -> zoom.ZoomMeetingEnded:
    return zoom.ZoomMeetingEnded(
        context=zoom.ZoomEventContext(event_time=stamp(at)),
        meeting=meeting(session),
        end_time=stamp(at),
    )


async def test_started_then_ended_follow_the_meeting(harness) -> None:
    session = await scheduled(harness)
    await deliver(harness, started(session, 1), "zoom.meeting.started")
    assert (await get(harness, session.id)).status == pb.SESSION_STATUS_IN_PROGRESS
    await deliver(harness, ended(session, 80), "zoom.meeting.ended")
    now = await get(harness, session.id)
    assert now.status == pb.SESSION_STATUS_ENDED
    assert now.actual_end.ToDatetime(tzinfo=UTC) == T0 + timedelta(minutes=80)


async def test_a_redelivered_ended_is_applied_once(harness) -> None:
    session = await scheduled(harness)
    await deliver(harness, started(session, 1), "zoom.meeting.started")
    await deliver(harness, ended(session, 80), "zoom.meeting.ended", message_id="m-ended")
    await deliver(harness, started(session, 100), "zoom.meeting.started")  # a restart
    applied = harness.service.consumer.applied
    # The ended message again: the inbox knows it, so the restart is not undone.
    await harness.bus.publish(
        [Envelope.for_proto("zoom.meeting.ended", ended(session, 80), "m-ended")]
    )
    await wait_until(lambda: harness.service.consumer.skipped == 1, within=30)
    assert harness.service.consumer.applied == applied
    assert (await get(harness, session.id)).status == pb.SESSION_STATUS_IN_PROGRESS


async def test_a_late_started_does_not_reopen_an_ended_session(harness) -> None:
    session = await scheduled(harness)
    await deliver(harness, ended(session, 80), "zoom.meeting.ended")
    await deliver(harness, started(session, 1), "zoom.meeting.started")
    now = await get(harness, session.id)
    assert now.status == pb.SESSION_STATUS_ENDED
    assert now.actual_start.ToDatetime(tzinfo=UTC) == T0


async def test_participants_and_attendance_with_rejoins_and_guests(harness) -> None:
    session = await scheduled(harness)
    await deliver(harness, started(session, 0), "zoom.meeting.started")

    def person(
        uuid: str,
        *,
        key: str = "",
        email: str = "",
        name: str = "",
        join: float | None = None,
        leave: float | None = None,
    ) -> zoom.ZoomParticipant:
        p = zoom.ZoomParticipant(participant_uuid=uuid, customer_key=key, email=email, name=name)
        if join is not None:
            p.join_time.CopyFrom(stamp(join))
        if leave is not None:
            p.leave_time.CopyFrom(stamp(leave))
        return p

    async def joined(p: zoom.ZoomParticipant) -> None:
        await deliver(
            harness,
            zoom.ZoomParticipantJoined(
                context=zoom.ZoomEventContext(event_time=p.join_time),
                meeting=meeting(session),
                participant=p,
            ),
            "zoom.participant.joined",
        )

    async def left(p: zoom.ZoomParticipant) -> None:
        await deliver(
            harness,
            zoom.ZoomParticipantLeft(
                context=zoom.ZoomEventContext(event_time=p.leave_time),
                meeting=meeting(session),
                participant=p,
            ),
            "zoom.participant.left",
        )

    # A student who drops after 30 minutes and rejoins (new per-stay uuid) for 45 more.
    await joined(person("a1", key="student-1", email="s1@example.org", name="Asha", join=0))
    await left(person("a1", key="student-1", email="s1@example.org", name="Asha", leave=30))
    await joined(person("a2", key="student-1", email="s1@example.org", name="Asha", join=40))
    await left(person("a2", key="student-1", email="s1@example.org", name="Asha", leave=85))
    # A guest with no email whose leave arrives before the join.
    await left(person("g1", name="Guest", leave=20))
    await joined(person("g1", name="Guest", join=5))
    await deliver(harness, ended(session, 90), "zoom.meeting.ended")

    listed = await harness.stub.ListParticipants(
        pb.ListParticipantsRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    by_name = {p.display_name: p for p in listed.participants}
    # "": the teacher's host record, made with the session (seed 001); the teacher never joined
    assert set(by_name) == {"", "Asha", "Guest"}
    assert by_name[""].role == pb.PARTICIPANT_ROLE_HOST
    assert by_name[""].status == pb.PARTICIPANT_STATUS_NOT_JOINED
    assert len(by_name["Asha"].intervals) == 2
    assert by_name["Asha"].minutes_attended == 75
    assert by_name["Asha"].attendance_percentage == round(75 / 90 * 100, 2)
    assert by_name["Guest"].minutes_attended == 15
    report = await harness.stub.GetAttendanceReport(
        pb.GetAttendanceReportRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    assert not report.final  # Zoom's participants report is still to be read
    assert report.reconciliation.state == pb.RECONCILIATION_STATE_PENDING
    assert report.session_minutes == 90
    assert (report.enrolled_count, report.present_count, report.guest_count) == (1, 1, 1)


async def test_recording_synced_adds_lessons_and_sync_status(harness) -> None:
    session = await scheduled(harness)
    synced = rec.RecordingSynced(
        occurred_at=stamp(120),
        recording_id="rec-1",
        source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
        session_id=session.id,
        batch_id=session.batch_id,
        meeting_id=session.zoom_meeting.meeting_id,
        attempts=1,
        files=[
            rec.SyncedFile(
                file_id="f1",
                zoom_file_id="z1",
                file_type=common_pb2.RECORDING_FILE_TYPE_MP4,
                size_bytes=10,
                lesson_title="Zoom Recording - 2030-01-15 (MP4)",
            ),
            rec.SyncedFile(
                file_id="f2",
                zoom_file_id="z2",
                file_type=common_pb2.RECORDING_FILE_TYPE_CHAT,
                size_bytes=1,
                lesson_title="Zoom Recording - 2030-01-15 (TXT)",
            ),
        ],
    )
    await deliver(harness, synced, "recording.synced")
    lessons = await harness.stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=session.id), metadata=harness.as_("student")
    )
    assert [x.source for x in lessons.recorded_lessons] == [
        common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC
    ] * 2
    status = await harness.stub.GetBatchSyncStatus(
        pb.GetBatchSyncStatusRequest(batch_id=session.batch_id), metadata=harness.as_("teacher")
    )
    assert status.statistics.synced_sessions == 1
    assert status.statistics.sync_percentage == 100.0
    assert status.statistics.total_zoom_recordings == 2
    await deliver(
        harness,
        rec.RecordingRemoved(recording_id="rec-1", session_id=session.id, file_ids=["f2"]),
        "recording.removed",
    )
    lessons = await harness.stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    assert [x.recording_file_id for x in lessons.recorded_lessons] == ["f1"]


async def test_anonymous_questions_hide_the_author_from_other_students(harness) -> None:
    session = await scheduled(harness)
    await harness.stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=session.batch_id, student_id="student-9"),
        metadata=harness.as_("teacher"),
    )
    await harness.stub.CreateInteraction(
        pb.CreateInteractionRequest(
            session_id=session.id,
            interaction=pb.Interaction(
                type=pb.INTERACTION_TYPE_QUESTION, content="Why?", anonymous=True
            ),
        ),
        metadata=harness.as_("student"),
    )
    await harness.stub.CreateInteraction(
        pb.CreateInteractionRequest(
            session_id=session.id,
            interaction=pb.Interaction(type=pb.INTERACTION_TYPE_CHAT, content="hi"),
        ),
        metadata=harness.as_("stranger"),
    )
    seen = await harness.stub.ListInteractions(
        pb.ListInteractionsRequest(session_id=session.id), metadata=harness.as_("stranger")
    )
    question = next(i for i in seen.interactions if i.type == pb.INTERACTION_TYPE_QUESTION)
    assert question.author_id == ""
    assert question.author_display_name == "Anonymous"
    teacher_view = await harness.stub.ListInteractions(
        pb.ListInteractionsRequest(session_id=session.id, types=[pb.INTERACTION_TYPE_QUESTION]),
        metadata=harness.as_("teacher"),
    )
    assert [i.author_id for i in teacher_view.interactions] == ["student-1"]
