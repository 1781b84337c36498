"""Events and tenants: an event is applied only inside the tenant it names, and every event the
scheduler publishes carries the tenant of the session it is about."""

from __future__ import annotations

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.events.v1 import session_events_pb2 as ev
from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.messages import Envelope
from tests.service.scheduler.tenancy_scenario import deliver, local_time, mask, meeting_event, stamp


async def school_session(harness, admin: str) -> pb.Session:
    stub, meta = harness.stub, harness.as_(admin)
    course = await stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="JS", instructor_ids=["teacher-1"])),
        metadata=meta,
    )
    batch = await stub.CreateBatch(
        pb.CreateBatchRequest(batch=pb.Batch(course_id=course.id, name="B", type=1)),
        metadata=meta,
    )
    answer = await stub.CreateSession(
        pb.CreateSessionRequest(
            batch_id=batch.id, title="Intro", timezone="UTC", local_time=local_time()
        ),
        metadata=meta,
    )
    assert answer.session.zoom_meeting.meeting_id > 0
    return answer.session


async def status_of(harness, admin: str, session_id: str) -> pb.Session:
    return await harness.stub.GetSession(
        pb.GetSessionRequest(session_id=session_id), metadata=harness.as_(admin)
    )


async def test_a_zoom_event_of_another_tenant_does_not_touch_the_session(harness) -> None:
    session = await school_session(harness, "admin")  # the default tenant
    meeting_id = session.zoom_meeting.meeting_id
    for kind, key, extra in [
        (zoom.ZoomMeetingStarted, "zoom.meeting.started", {}),
        (
            zoom.ZoomParticipantJoined,
            "zoom.participant.joined",
            {"participant": zoom.ZoomParticipant(participant_uuid="p1", name="Eve")},
        ),
        (zoom.ZoomMeetingEnded, "zoom.meeting.ended", {"end_time": stamp(30)}),
    ]:
        await deliver(harness, meeting_event(kind, meeting_id, "acme", 1, **extra), key)
    await deliver(
        harness,
        rec.RecordingSynced(
            tenant_id="acme",
            occurred_at=stamp(60),
            recording_id="rec-1",
            source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
            session_id=session.id,
            batch_id=session.batch_id,
            meeting_id=meeting_id,
            files=[rec.SyncedFile(file_id="f1", zoom_file_id="z1", lesson_title="x")],
        ),
        "recording.synced",
    )
    after = await status_of(harness, "admin", session.id)
    assert after.status == pb.SESSION_STATUS_SCHEDULED
    # 1: the teacher's host record, made with the session (seed 001)
    assert (after.participant_count, after.recorded_lesson_count) == (1, 0)
    assert not after.HasField("actual_start")

    await deliver(
        harness,
        meeting_event(zoom.ZoomMeetingStarted, meeting_id, "default", 1),
        "zoom.meeting.started",
    )
    assert (await status_of(harness, "admin", session.id)).status == pb.SESSION_STATUS_IN_PROGRESS


async def test_an_event_without_a_tenant_belongs_to_the_default_tenant(harness) -> None:
    acme = await school_session(harness, "acme-admin")
    default = await school_session(harness, "admin")
    for session in (acme, default):
        await deliver(
            harness,
            meeting_event(zoom.ZoomMeetingStarted, session.zoom_meeting.meeting_id, "", 1),
            "zoom.meeting.started",
        )
    assert (await status_of(harness, "acme-admin", acme.id)).status == pb.SESSION_STATUS_SCHEDULED
    assert (await status_of(harness, "admin", default.id)).status == pb.SESSION_STATUS_IN_PROGRESS


def published(harness, kind: str) -> list[Envelope]:
    return [e for e in harness.published.received if e.type == kind]


async def test_published_events_carry_the_sessions_tenant(harness) -> None:
    acme = await school_session(harness, "acme-admin")
    default = await school_session(harness, "admin")
    # The meetings were asked for in each school's own Zoom account.
    assert harness.gateway.created[acme.id].account.tenant_id == "acme"
    assert harness.gateway.created[default.id].account.tenant_id == "default"
    await harness.published.wait_for(lambda: len(published(harness, "session.meeting_linked")) == 2)
    linked = {
        m.session_id: m.tenant_id
        for m in (
            e.parse(ev.SessionMeetingLinked) for e in published(harness, "session.meeting_linked")
        )
    }
    assert linked == {acme.id: "acme", default.id: "default"}

    await harness.stub.UpdateSession(
        pb.UpdateSessionRequest(
            session=pb.Session(id=acme.id, title="Renamed"), update_mask=mask("title")
        ),
        metadata=harness.as_("acme-admin"),
    )
    # An operator (no tenant of their own) cancels acme's session: the event is acme's.
    await harness.stub.CancelSession(
        pb.CancelSessionRequest(session_id=acme.id, reason="snow day"),
        metadata=harness.as_("operator"),
    )
    await harness.stub.CancelSession(
        pb.CancelSessionRequest(session_id=default.id, reason="holiday"),
        metadata=harness.as_("admin"),
    )
    await harness.published.wait_for(lambda: len(published(harness, "session.cancelled")) == 2)
    cancelled = {
        m.session_id: m.tenant_id
        for m in (e.parse(ev.SessionCancelled) for e in published(harness, "session.cancelled"))
    }
    assert cancelled == {acme.id: "acme", default.id: "default"}
    updated = [e.parse(ev.SessionUpdated) for e in published(harness, "session.updated")]
    assert updated
    assert {(m.session_id, m.tenant_id) for m in updated} == {(acme.id, "acme")}
    unlinked = [
        e.parse(ev.SessionMeetingUnlinked) for e in published(harness, "session.meeting_unlinked")
    ]
    assert {m.tenant_id for m in unlinked} <= {"acme", "default"}
    assert {(m.session_id, m.tenant_id) for m in unlinked} <= {
        (acme.id, "acme"),
        (default.id, "default"),
    }
