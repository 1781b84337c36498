"""Scheduling through the real gRPC server: Zoom linking, warnings, cancel, auth, errors."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2, status_pb2
from google.type import date_pb2, timeofday_pb2

from classbridge.events.v1 import session_events_pb2
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg


def local(
    day: int = 15, start: tuple[int, int] = (10, 0), end: tuple[int, int] = (11, 30)
) -> pb.LocalTimeRange:
    return pb.LocalTimeRange(
        date=date_pb2.Date(year=2030, month=1, day=day),
        start_time=timeofday_pb2.TimeOfDay(hours=start[0], minutes=start[1]),
        end_time=timeofday_pb2.TimeOfDay(hours=end[0], minutes=end[1]),
    )


def violations(error: grpc.aio.AioRpcError) -> list[str]:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    return [v.field for v in bad.field_violations]
    return []


async def test_create_session_creates_and_links_the_zoom_meeting(harness) -> None:
    course, batch = await harness.course_and_batch()
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(
            batch_id=batch.id,
            title="Introduction",
            description="Basics",
            local_time=local(),
            timezone="Asia/Kolkata",
        ),
        metadata=harness.as_("teacher"),
    )
    session = answer.session
    assert list(answer.warnings) == []
    assert session.zoom_meeting.meeting_id > 0
    assert session.zoom_meeting.join_url.startswith("https://")
    assert session.status == pb.SESSION_STATUS_SCHEDULED
    sent = harness.gateway.created[session.id]  # request_id = session id
    assert sent.meeting.topic == "JavaScript - Introduction"
    assert sent.meeting.duration_minutes == 90
    assert sent.meeting.agenda == "Basics"
    assert sent.meeting.timezone == "Asia/Kolkata"
    [linked] = await harness.published.wait_count(1)
    assert linked.type == "session.meeting_linked"
    event = linked.parse(session_events_pb2.SessionMeetingLinked)
    assert (event.session_id, event.batch_id, event.course_id) == (session.id, batch.id, course.id)
    assert event.meeting_id == session.zoom_meeting.meeting_id
    assert event.duration_minutes == 90
    assert event.storage_folder_hint == f"videos/{batch.id}"


async def test_short_sessions_book_thirty_minutes_and_say_so(harness) -> None:
    _, batch = await harness.course_and_batch(batch_type=2, student="student-1")
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Quick", local_time=local(end=(10, 15))),
        metadata=harness.as_("teacher"),
    )
    assert harness.gateway.created[answer.session.id].meeting.duration_minutes == 30
    assert [w.code for w in answer.warnings] == [pb.Warning.CODE_DURATION_ADJUSTED]
    [linked] = await harness.published.wait_count(1)
    event = linked.parse(session_events_pb2.SessionMeetingLinked)
    assert event.student_id == "student-1"
    assert event.storage_folder_hint == "videos/student/student-1"


async def test_zoom_not_configured_still_creates_the_session_with_a_warning(harness) -> None:
    harness.gateway.configured = False
    _, batch = await harness.course_and_batch()
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    assert not answer.session.HasField("zoom_meeting")
    assert [w.code for w in answer.warnings] == [pb.Warning.CODE_ZOOM_NOT_CONFIGURED]
    got = await harness.stub.GetSession(
        pb.GetSessionRequest(session_id=answer.session.id), metadata=harness.as_("teacher")
    )
    assert got.id == answer.session.id
    # Later, once Zoom is configured, the meeting can be created for the existing session.
    harness.gateway.configured = True
    later = await harness.stub.CreateZoomMeeting(
        pb.CreateZoomMeetingRequest(session_id=answer.session.id), metadata=harness.as_("teacher")
    )
    assert later.session.zoom_meeting.meeting_id > 0
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await harness.stub.CreateZoomMeeting(
            pb.CreateZoomMeetingRequest(session_id=answer.session.id),
            metadata=harness.as_("teacher"),
        )
    assert again.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_zoom_failure_is_a_warning_not_an_error(harness) -> None:
    harness.gateway.fail_with = grpc.StatusCode.INTERNAL
    _, batch = await harness.course_and_batch()
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    assert [w.code for w in answer.warnings] == [pb.Warning.CODE_ZOOM_MEETING_CREATE_FAILED]


async def test_create_session_is_idempotent_on_request_id(harness) -> None:
    _, batch = await harness.course_and_batch()
    request = pb.CreateSessionRequest(
        request_id="r-1", batch_id=batch.id, title="Intro", local_time=local()
    )
    first = await harness.stub.CreateSession(request, metadata=harness.as_("teacher"))
    second = await harness.stub.CreateSession(request, metadata=harness.as_("teacher"))
    assert first.session.id == second.session.id
    assert len(harness.gateway.created) == 1


async def test_cancel_deletes_the_meeting_and_announces_it(harness) -> None:
    _, batch = await harness.course_and_batch()
    created = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    meeting_id = created.session.zoom_meeting.meeting_id
    answer = await harness.stub.CancelSession(
        pb.CancelSessionRequest(session_id=created.session.id, reason="teacher ill"),
        metadata=harness.as_("teacher"),
    )
    assert answer.session.status == pb.SESSION_STATUS_CANCELLED
    assert answer.session.cancel_reason == "teacher ill"
    assert harness.gateway.deleted == [meeting_id]
    received = await harness.published.wait_count(3)
    types = [e.type for e in received]
    assert types[0] == "session.meeting_linked"
    assert set(types[1:]) == {"session.meeting_unlinked", "session.cancelled"}
    cancelled = next(e for e in received if e.type == "session.cancelled")
    assert cancelled.parse(session_events_pb2.SessionCancelled).meeting_id == meeting_id
    again = await harness.stub.CancelSession(
        pb.CancelSessionRequest(session_id=created.session.id), metadata=harness.as_("teacher")
    )
    assert again.session.status == pb.SESSION_STATUS_CANCELLED
    assert harness.gateway.deleted == [meeting_id]


async def test_update_keeps_zoom_in_step(harness) -> None:
    _, batch = await harness.course_and_batch()
    created = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    answer = await harness.stub.UpdateSession(
        pb.UpdateSessionRequest(
            session=pb.Session(id=created.session.id, title="Introduction to JS"),
            update_mask=field_mask_pb2.FieldMask(paths=["title"]),
        ),
        metadata=harness.as_("teacher"),
    )
    assert answer.session.title == "Introduction to JS"
    assert list(answer.warnings) == []
    [update] = harness.gateway.updated
    assert list(update.update_mask.paths) == ["topic"]
    assert update.meeting.topic == "JavaScript - Introduction to JS"


async def test_start_url_is_fresh_and_only_for_the_teacher(harness) -> None:
    _, batch = await harness.course_and_batch()
    created = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    answer = await harness.stub.GetStartUrl(
        pb.GetStartUrlRequest(session_id=created.session.id), metadata=harness.as_("teacher")
    )
    assert "zak=" in answer.start_url
    assert "zak=" not in str(created.session)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await harness.stub.GetStartUrl(
            pb.GetStartUrlRequest(session_id=created.session.id), metadata=harness.as_("student")
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_calls_without_a_token_are_unauthenticated(harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.GetSession(pb.GetSessionRequest(session_id="x"))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_student_may_not_schedule(harness) -> None:
    _, batch = await harness.course_and_batch()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.CreateSession(
            pb.CreateSessionRequest(batch_id=batch.id, title="Mine", local_time=local()),
            metadata=harness.as_("student"),
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_unknown_session_is_not_found(harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.GetSession(
            pb.GetSessionRequest(session_id="nope"), metadata=harness.as_("teacher")
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_end_before_start_is_invalid_with_a_field_violation(harness) -> None:
    _, batch = await harness.course_and_batch()
    request = pb.CreateSessionRequest(batch_id=batch.id, title="Backwards")
    request.time_range.start_time.FromJsonString("2030-01-15T11:00:00Z")
    request.time_range.end_time.FromJsonString("2030-01-15T10:00:00Z")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.CreateSession(request, metadata=harness.as_("teacher"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(caught.value) == ["time_range.end_time"]


async def test_students_see_only_sessions_of_their_batches(harness) -> None:
    _, batch = await harness.course_and_batch()
    await harness.stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=batch.id, student_id="student-1"),
        metadata=harness.as_("teacher"),
    )
    created = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    mine = await harness.stub.ListSessions(
        pb.ListSessionsRequest(), metadata=harness.as_("student")
    )
    assert [s.id for s in mine.sessions] == [created.session.id]
    theirs = await harness.stub.ListSessions(
        pb.ListSessionsRequest(), metadata=harness.as_("stranger")
    )
    assert list(theirs.sessions) == []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.GetSession(
            pb.GetSessionRequest(session_id=created.session.id), metadata=harness.as_("stranger")
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_course_list_pages_with_opaque_tokens(harness) -> None:
    for n in range(3):
        await harness.stub.CreateCourse(
            pb.CreateCourseRequest(course=pb.Course(title=f"C{n}")), metadata=harness.as_("admin")
        )
    first = await harness.stub.ListCourses(
        pb.ListCoursesRequest(page_size=2), metadata=harness.as_("admin")
    )
    assert len(first.courses) == 2
    assert first.total_size == 3
    assert first.next_page_token
    second = await harness.stub.ListCourses(
        pb.ListCoursesRequest(page_size=2, page_token=first.next_page_token),
        metadata=harness.as_("admin"),
    )
    assert len(second.courses) == 1
    assert not second.next_page_token
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.ListCourses(
            pb.ListCoursesRequest(page_size=2, page_token=first.next_page_token, tenant_id="other"),
            metadata=harness.as_("admin"),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_update_with_a_bad_mask_path_is_invalid(harness) -> None:
    course, _ = await harness.course_and_batch()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await harness.stub.UpdateCourse(
            pb.UpdateCourseRequest(
                course=pb.Course(id=course.id), update_mask=field_mask_pb2.FieldMask(paths=["id"])
            ),
            metadata=harness.as_("teacher"),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def status_details(error: grpc.aio.AioRpcError) -> bytes:
    """The ``google.rpc.Status`` the error carries, as sent (every detail, serialised)."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return bytes(value)
    return b""


async def test_another_teachers_request_id_is_already_exists_and_reveals_nothing(
    harness,
) -> None:
    admin = harness.as_("admin")
    course = await harness.stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="Python", instructor_ids=["teacher-2"])),
        metadata=admin,
    )
    their_batch = await harness.stub.CreateBatch(
        pb.CreateBatchRequest(
            batch=pb.Batch(course_id=course.id, name="Evening", type=1, instructor_id="teacher-2")
        ),
        metadata=admin,
    )
    theirs = await harness.stub.CreateSession(
        pb.CreateSessionRequest(
            request_id="shared", batch_id=their_batch.id, title="Secret plan", local_time=local()
        ),
        metadata=harness.as_("other-teacher"),
    )
    _, my_batch = await harness.course_and_batch()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await harness.stub.CreateSession(
            pb.CreateSessionRequest(
                request_id="shared", batch_id=my_batch.id, title="Mine", local_time=local()
            ),
            metadata=harness.as_("teacher"),
        )
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "request_id 'shared' is already in use" in (refused.value.details() or "")
    told = f"{refused.value.details()}".encode() + status_details(refused.value)
    for hidden in (theirs.session.id, their_batch.id, course.id, "Secret plan", "teacher-2"):
        assert hidden.encode() not in told, hidden
    again = await harness.stub.CreateSession(
        pb.CreateSessionRequest(
            request_id="shared", batch_id=their_batch.id, title="Other", local_time=local()
        ),
        metadata=harness.as_("other-teacher"),
    )
    assert (again.session.id, again.session.title) == (theirs.session.id, "Secret plan")
    assert list(harness.gateway.created) == [theirs.session.id]


async def test_a_session_cancelled_while_zoom_creates_its_meeting_keeps_none(harness) -> None:
    async def cancelled_meanwhile(request: zg.CreateMeetingRequest) -> None:
        harness.gateway.while_creating = None
        await harness.stub.CancelSession(
            pb.CancelSessionRequest(session_id=request.request_id, reason="no room"),
            metadata=harness.as_("admin"),
        )

    _, batch = await harness.course_and_batch()
    harness.gateway.while_creating = cancelled_meanwhile
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    assert answer.session.status == pb.SESSION_STATUS_CANCELLED
    assert not answer.session.HasField("zoom_meeting")
    assert list(answer.warnings) == []
    assert harness.gateway.deleted == [harness.gateway.meetings[answer.session.id].id]
    later = await harness.stub.CreateSession(  # its meeting_linked follows whatever came before
        pb.CreateSessionRequest(batch_id=batch.id, title="Next", local_time=local(day=16)),
        metadata=harness.as_("teacher"),
    )
    received = await harness.published.wait_count(2)
    assert [e.type for e in received] == ["session.cancelled", "session.meeting_linked"]
    linked = received[1].parse(session_events_pb2.SessionMeetingLinked)
    assert linked.session_id == later.session.id


async def test_a_meeting_zoom_would_not_delete_is_deleted_by_cancelling_again(harness) -> None:
    async def cancelled_then_zoom_fails(request: zg.CreateMeetingRequest) -> None:
        harness.gateway.while_creating = None
        await harness.stub.CancelSession(
            pb.CancelSessionRequest(session_id=request.request_id), metadata=harness.as_("admin")
        )
        harness.gateway.fail_with = grpc.StatusCode.INTERNAL  # the delete that follows fails

    _, batch = await harness.course_and_batch()
    harness.gateway.while_creating = cancelled_then_zoom_fails
    answer = await harness.stub.CreateSession(
        pb.CreateSessionRequest(batch_id=batch.id, title="Intro", local_time=local()),
        metadata=harness.as_("teacher"),
    )
    made = harness.gateway.meetings[answer.session.id].id
    assert answer.session.status == pb.SESSION_STATUS_CANCELLED
    assert answer.session.zoom_meeting.meeting_id == made  # kept, so it is not lost
    assert [w.code for w in answer.warnings] == [pb.Warning.CODE_ZOOM_MEETING_DELETE_FAILED]
    harness.gateway.fail_with = None
    again = await harness.stub.CancelSession(
        pb.CancelSessionRequest(session_id=answer.session.id), metadata=harness.as_("teacher")
    )
    assert not again.session.HasField("zoom_meeting")
    assert list(again.warnings) == []
    assert harness.gateway.deleted == [made]
    received = await harness.published.wait_count(2)
    assert [e.type for e in received] == ["session.cancelled", "session.meeting_unlinked"]
    unlinked = received[1].parse(session_events_pb2.SessionMeetingUnlinked)
    assert (unlinked.meeting_id, unlinked.reason) == (
        made,
        session_events_pb2.UNLINK_REASON_SESSION_CANCELLED,
    )
