"""Changes and deletions made in Zoom directly, delivered on the in-process bus (SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf import field_mask_pb2

from classbridge.events.v1 import session_events_pb2 as se
from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.messages import Envelope
from classbridge_common.testing import wait_until

from .test_lifecycle_consumers import T0, deliver, ended, get, scheduled, stamp, started


def when(value: object) -> datetime:
    return value.ToDatetime(tzinfo=UTC)  # type: ignore[attr-defined]


def updated(
    session: pb.Session,
    at: float,
    *,
    start: float | None = None,
    duration: int | None = None,
    topic: str | None = None,
    occurrence: str = "",
) -> zoom.ZoomMeetingUpdated:
    """Zoom's meeting.updated as webhook-ingest publishes it: only changed fields named."""
    message = zoom.ZoomMeetingUpdated(
        context=zoom.ZoomEventContext(event_time=stamp(at)),
        meeting_id=session.zoom_meeting.meeting_id,
        scope=zoom.MEETING_CHANGE_SCOPE_SINGLE if occurrence else zoom.MEETING_CHANGE_SCOPE_ALL,
        occurrence_id=occurrence,
        update_time=stamp(at),
    )
    if start is not None:
        message.changed_fields.append("start_time")
        message.new_values.start_time.CopyFrom(stamp(start))
        message.old_values.start_time.CopyFrom(session.scheduled_start)
    if duration is not None:
        message.changed_fields.append("duration")
        message.new_values.duration_minutes = duration
    if topic is not None:
        message.changed_fields.append("topic")
        message.new_values.topic = topic
    return message


def deleted(session: pb.Session, at: float) -> zoom.ZoomMeetingDeleted:
    return zoom.ZoomMeetingDeleted(
        context=zoom.ZoomEventContext(event_time=stamp(at)),
        meeting=zoom.ZoomMeetingObject(meeting_id=session.zoom_meeting.meeting_id),
        scope=zoom.MEETING_CHANGE_SCOPE_ALL,
    )


async def published_types(harness, count: int) -> list[str]:
    return [e.type for e in await harness.published.wait_count(count)]


async def test_a_zoom_side_reschedule_moves_the_session(harness) -> None:
    session = await scheduled(harness)  # 10:00-11:30 UTC
    await deliver(harness, updated(session, -600, start=120, duration=60), "zoom.meeting.updated")
    now = await get(harness, session.id)
    assert when(now.scheduled_start) == T0 + timedelta(minutes=120)
    assert when(now.scheduled_end) == T0 + timedelta(minutes=180)
    assert when(now.zoom_meeting.start_time) == T0 + timedelta(minutes=120)
    assert now.zoom_meeting.duration_minutes == 60
    assert when(now.zoom_meeting.zoom_change_time) == T0 - timedelta(minutes=600)
    received = await harness.published.wait_count(2)
    assert [e.type for e in received] == ["session.meeting_linked", "session.updated"]
    event = received[1].parse(se.SessionUpdated)
    assert list(event.changed_fields) == ["scheduled_start", "scheduled_end"]
    assert event.previous_scheduled_start == session.scheduled_start
    assert event.meeting_id == session.zoom_meeting.meeting_id


async def test_our_own_update_coming_back_changes_nothing(harness) -> None:
    session = await scheduled(harness)
    moved = await harness.stub.UpdateSession(
        pb.UpdateSessionRequest(
            session=pb.Session(id=session.id, scheduled_start=stamp(60), scheduled_end=stamp(150)),
            update_mask=field_mask_pb2.FieldMask(paths=["scheduled_start", "scheduled_end"]),
        ),
        metadata=harness.as_("teacher"),
    )
    assert len(harness.gateway.updated) == 1
    await harness.published.wait_count(2)  # linked, updated (ours)
    before = await get(harness, session.id)
    # Zoom reports our change back: start moved, the duration is the same 90 minutes.
    await deliver(harness, updated(moved.session, -500, start=60), "zoom.meeting.updated")
    after = await get(harness, session.id)
    assert after.update_time == before.update_time
    assert after.scheduled_start == before.scheduled_start
    assert after.scheduled_end == before.scheduled_end
    # A later, real event marks the end of the stream: nothing was published in between.
    await deliver(harness, deleted(session, -400), "zoom.meeting.deleted")
    assert await published_types(harness, 3) == [
        "session.meeting_linked",
        "session.updated",
        "session.meeting_unlinked",
    ]


async def test_an_older_update_arriving_late_is_ignored(harness) -> None:
    session = await scheduled(harness)
    await deliver(harness, updated(session, -300, start=180), "zoom.meeting.updated")
    await deliver(harness, updated(session, -600, start=120), "zoom.meeting.updated")
    now = await get(harness, session.id)
    assert when(now.scheduled_start) == T0 + timedelta(minutes=180)
    assert when(now.zoom_meeting.start_time) == T0 + timedelta(minutes=180)
    await deliver(harness, deleted(session, -100), "zoom.meeting.deleted")
    assert await published_types(harness, 3) == [
        "session.meeting_linked",
        "session.updated",
        "session.meeting_unlinked",
    ]


async def test_an_update_of_another_occurrence_is_recorded_not_followed(harness) -> None:
    session = await scheduled(harness)
    await deliver(
        harness, updated(session, -600, start=120, occurrence="1"), "zoom.meeting.updated"
    )
    now = await get(harness, session.id)
    assert now.scheduled_start == session.scheduled_start
    assert [w.code for w in now.warnings] == [pb.Warning.CODE_ZOOM_CHANGE_NOT_APPLIED]


async def test_a_redelivered_update_is_applied_once(harness) -> None:
    session = await scheduled(harness)
    message = updated(session, -600, start=120)
    await deliver(harness, message, "zoom.meeting.updated", message_id="m-upd")
    await harness.bus.publish([Envelope.for_proto("zoom.meeting.updated", message, "m-upd")])
    await wait_until(lambda: harness.service.consumer.skipped == 1, within=30)
    await deliver(harness, deleted(session, -100), "zoom.meeting.deleted")
    assert await published_types(harness, 3) == [
        "session.meeting_linked",
        "session.updated",
        "session.meeting_unlinked",
    ]


async def test_deleted_in_zoom_unlinks_and_a_new_meeting_can_be_made(harness) -> None:
    session = await scheduled(harness)
    old_id = session.zoom_meeting.meeting_id
    await deliver(harness, deleted(session, -60), "zoom.meeting.deleted")

    now = await get(harness, session.id)
    assert not now.HasField("zoom_meeting")
    assert now.previous_zoom_meeting.meeting_id == old_id
    assert when(now.previous_zoom_meeting.delete_time) == T0 - timedelta(minutes=60)
    assert now.previous_zoom_meeting.join_url == ""
    assert [w.code for w in now.warnings] == [pb.Warning.CODE_ZOOM_MEETING_DELETED]
    listed = await harness.stub.ListSessions(
        pb.ListSessionsRequest(batch_id=session.batch_id), metadata=harness.as_("teacher")
    )
    assert [w.code for w in listed.sessions[0].warnings] == [pb.Warning.CODE_ZOOM_MEETING_DELETED]
    received = await harness.published.wait_count(2)
    unlinked = received[1].parse(se.SessionMeetingUnlinked)
    assert (unlinked.meeting_id, unlinked.reason) == (old_id, se.UNLINK_REASON_MEETING_DELETED)

    again = await harness.stub.CreateZoomMeeting(
        pb.CreateZoomMeetingRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    assert again.session.zoom_meeting.meeting_id not in (0, old_id)
    assert list(harness.gateway.created) == [session.id, f"{session.id}~1"]
    assert list(again.session.warnings) == []
    assert again.session.previous_zoom_meeting.meeting_id == old_id
    assert (await published_types(harness, 3))[2] == "session.meeting_linked"


async def test_deleted_after_cancel_is_harmless(harness) -> None:
    session = await scheduled(harness)
    await harness.stub.CancelSession(
        pb.CancelSessionRequest(session_id=session.id), metadata=harness.as_("teacher")
    )
    await deliver(harness, deleted(session, -60), "zoom.meeting.deleted")
    now = await get(harness, session.id)
    assert now.status == pb.SESSION_STATUS_CANCELLED
    assert not now.HasField("previous_zoom_meeting")
    assert list(now.warnings) == []
    await scheduled(harness)  # a marker: its meeting_linked follows with nothing in between
    assert await published_types(harness, 4) == [
        "session.meeting_linked",
        "session.meeting_unlinked",
        "session.cancelled",
        "session.meeting_linked",
    ]


async def test_deleted_after_the_class_ended_is_recorded_only(harness) -> None:
    session = await scheduled(harness)
    await deliver(harness, started(session, 0), "zoom.meeting.started")
    await deliver(harness, ended(session, 90), "zoom.meeting.ended")
    await deliver(harness, deleted(session, 200), "zoom.meeting.deleted")
    now = await get(harness, session.id)
    assert now.status == pb.SESSION_STATUS_ENDED
    assert now.zoom_meeting.meeting_id == session.zoom_meeting.meeting_id
    assert when(now.zoom_meeting.delete_time) == T0 + timedelta(minutes=200)
    assert [w.code for w in now.warnings] == [pb.Warning.CODE_ZOOM_MEETING_DELETED]
    await scheduled(harness)
    assert await published_types(harness, 4) == [  # the class's life, but no unlinking
        "session.meeting_linked",
        "session.started",
        "session.ended",
        "session.meeting_linked",
    ]
