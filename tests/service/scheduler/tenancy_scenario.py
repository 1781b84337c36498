"""Two schools in one scheduler, used by the SQLite test (test_tenancy.py) and its PostgreSQL
twin (tests/integration/scheduler/test_tenancy_pg.py): ``acme`` and the ``default`` tenant, each
with a course, batch, enrolment, session (with a meeting), participant, interaction, shared
resource and recorded lesson, built by its own admin over gRPC."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import grpc.aio
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.type import date_pb2, timeofday_pb2

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.messages import Envelope
from classbridge_common.testing import wait_until

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
SHARED_REQUEST_ID = "same-key-in-both-schools"


def stamp(minutes: float) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(T0 + timedelta(minutes=minutes))
    return value


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


def local_time() -> pb.LocalTimeRange:
    return pb.LocalTimeRange(
        date=date_pb2.Date(year=2030, month=1, day=15),
        start_time=timeofday_pb2.TimeOfDay(hours=10),
        end_time=timeofday_pb2.TimeOfDay(hours=11),
    )


async def deliver(harness: Any, message: Message, routing_key: str) -> None:
    """Publish one event and wait until the scheduler's consumer has applied it."""
    before = harness.service.consumer.applied
    await harness.bus.publish([Envelope.for_proto(routing_key, message)])
    await wait_until(lambda: harness.service.consumer.applied > before, within=30)


def meeting_event(
    kind: type[Message], meeting_id: int, tenant: str, at: float, **fields: Any
) -> Message:
    return kind(
        context=zoom.ZoomEventContext(event_time=stamp(at), tenant_id=tenant),
        meeting=zoom.ZoomMeetingObject(
            meeting_id=meeting_id, meeting_uuid=f"inst-{meeting_id}", start_time=stamp(at)
        ),
        **fields,
    )


@dataclass
class School:
    tenant: str
    admin: str  # the harness token name of its admin
    course: pb.Course
    batch: pb.Batch
    enrollment: pb.Enrollment
    session: pb.Session
    participant: pb.Participant
    interaction: pb.Interaction
    resource: pb.SharedResource
    lesson: pb.RecordedLesson


async def build_school(harness: Any, *, tenant: str, admin: str) -> School:
    """Everything a school has, created by its admin (the course with the shared request id)."""
    stub, meta = harness.stub, harness.as_(admin)
    course = await stub.CreateCourse(
        pb.CreateCourseRequest(
            request_id=SHARED_REQUEST_ID,
            course=pb.Course(title=f"{tenant} course", instructor_ids=["teacher-1"]),
        ),
        metadata=meta,
    )
    batch = await stub.CreateBatch(
        pb.CreateBatchRequest(
            request_id=SHARED_REQUEST_ID,
            batch=pb.Batch(course_id=course.id, name=f"{tenant} batch", type=1),
        ),
        metadata=meta,
    )
    enrollment = await stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(
            request_id=SHARED_REQUEST_ID, batch_id=batch.id, student_id="student-1"
        ),
        metadata=meta,
    )
    session = (
        await stub.CreateSession(
            pb.CreateSessionRequest(
                request_id=SHARED_REQUEST_ID,
                batch_id=batch.id,
                title=f"{tenant} session",
                timezone="UTC",
                local_time=local_time(),
            ),
            metadata=meta,
        )
    ).session
    assert session.zoom_meeting.meeting_id > 0
    meeting_id = session.zoom_meeting.meeting_id
    await deliver(
        harness,
        meeting_event(zoom.ZoomMeetingStarted, meeting_id, tenant, 0),
        "zoom.meeting.started",
    )
    await deliver(
        harness,
        meeting_event(
            zoom.ZoomParticipantJoined,
            meeting_id,
            tenant,
            1,
            participant=zoom.ZoomParticipant(
                participant_uuid=f"p-{tenant}", name=f"{tenant} guest", join_time=stamp(1)
            ),
        ),
        "zoom.participant.joined",
    )
    [participant] = [
        p
        for p in (
            await stub.ListParticipants(
                pb.ListParticipantsRequest(session_id=session.id), metadata=meta
            )
        ).participants
        if p.display_name == f"{tenant} guest"  # not the teacher's host record (seed 001)
    ]
    interaction = await stub.CreateInteraction(
        pb.CreateInteractionRequest(
            request_id=SHARED_REQUEST_ID,
            session_id=session.id,
            interaction=pb.Interaction(type=pb.INTERACTION_TYPE_CHAT, content=f"hi from {tenant}"),
        ),
        metadata=meta,
    )
    resource = await stub.CreateSharedResource(
        pb.CreateSharedResourceRequest(
            request_id=SHARED_REQUEST_ID,
            session_id=session.id,
            resource=pb.SharedResource(
                type=pb.RESOURCE_TYPE_LINK, title=f"{tenant} slides", url="https://example.org/s"
            ),
        ),
        metadata=meta,
    )
    lesson = await stub.AddRecordedLesson(
        pb.AddRecordedLessonRequest(
            request_id=SHARED_REQUEST_ID,
            session_id=session.id,
            recorded_lesson=pb.RecordedLesson(
                title=f"{tenant} lesson",
                source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
                external_url="https://example.org/video",
            ),
        ),
        metadata=meta,
    )
    session = await stub.GetSession(pb.GetSessionRequest(session_id=session.id), metadata=meta)
    return School(
        tenant=tenant,
        admin=admin,
        course=course,
        batch=batch,
        enrollment=enrollment,
        session=session,
        participant=participant,
        interaction=interaction,
        resource=resource,
        lesson=lesson,
    )


async def two_schools(harness: Any) -> tuple[School, School]:
    acme = await build_school(harness, tenant="acme", admin="acme-admin")
    default = await build_school(harness, tenant="default", admin="admin")
    return acme, default


def calls_on(theirs: School, mine: School) -> dict[str, Callable[[Any, Any], Awaitable[Any]]]:
    """Every by-id call on ``theirs``' rows (mixed with ``mine`` where a call names two)."""
    s = theirs.session.id
    return {
        "GetCourse": lambda stub, m: stub.GetCourse(
            pb.GetCourseRequest(course_id=theirs.course.id), metadata=m
        ),
        "UpdateCourse": lambda stub, m: stub.UpdateCourse(
            pb.UpdateCourseRequest(
                course=pb.Course(id=theirs.course.id, title="taken over"), update_mask=mask("title")
            ),
            metadata=m,
        ),
        "DeleteCourse": lambda stub, m: stub.DeleteCourse(
            pb.DeleteCourseRequest(course_id=theirs.course.id, force=True), metadata=m
        ),
        "CreateBatch": lambda stub, m: stub.CreateBatch(
            pb.CreateBatchRequest(batch=pb.Batch(course_id=theirs.course.id, name="x", type=1)),
            metadata=m,
        ),
        "GetBatch": lambda stub, m: stub.GetBatch(
            pb.GetBatchRequest(batch_id=theirs.batch.id), metadata=m
        ),
        "UpdateBatch": lambda stub, m: stub.UpdateBatch(
            pb.UpdateBatchRequest(
                batch=pb.Batch(id=theirs.batch.id, name="taken over"), update_mask=mask("name")
            ),
            metadata=m,
        ),
        "DeleteBatch": lambda stub, m: stub.DeleteBatch(
            pb.DeleteBatchRequest(batch_id=theirs.batch.id, force=True), metadata=m
        ),
        "CreateEnrollment": lambda stub, m: stub.CreateEnrollment(
            pb.CreateEnrollmentRequest(batch_id=theirs.batch.id, student_id="student-7"),
            metadata=m,
        ),
        "DeleteEnrollment(id)": lambda stub, m: stub.DeleteEnrollment(
            pb.DeleteEnrollmentRequest(enrollment_id=theirs.enrollment.id), metadata=m
        ),
        "DeleteEnrollment(batch, student)": lambda stub, m: stub.DeleteEnrollment(
            pb.DeleteEnrollmentRequest(batch_id=theirs.batch.id, student_id="student-1"),
            metadata=m,
        ),
        "CreateSession": lambda stub, m: stub.CreateSession(
            pb.CreateSessionRequest(
                batch_id=theirs.batch.id, title="x", timezone="UTC", local_time=local_time()
            ),
            metadata=m,
        ),
        "GetSession": lambda stub, m: stub.GetSession(
            pb.GetSessionRequest(session_id=s), metadata=m
        ),
        "UpdateSession": lambda stub, m: stub.UpdateSession(
            pb.UpdateSessionRequest(
                session=pb.Session(id=s, title="taken over"), update_mask=mask("title")
            ),
            metadata=m,
        ),
        "CancelSession": lambda stub, m: stub.CancelSession(
            pb.CancelSessionRequest(session_id=s, reason="x"), metadata=m
        ),
        "CreateZoomMeeting": lambda stub, m: stub.CreateZoomMeeting(
            pb.CreateZoomMeetingRequest(session_id=s), metadata=m
        ),
        "GetStartUrl": lambda stub, m: stub.GetStartUrl(
            pb.GetStartUrlRequest(session_id=s), metadata=m
        ),
        "ListParticipants": lambda stub, m: stub.ListParticipants(
            pb.ListParticipantsRequest(session_id=s), metadata=m
        ),
        "UpdateParticipant": lambda stub, m: stub.UpdateParticipant(
            pb.UpdateParticipantRequest(
                participant=pb.Participant(
                    id=theirs.participant.id, session_id=s, user_id="student-7"
                ),
                update_mask=mask("user_id"),
            ),
            metadata=m,
        ),
        "UpdateParticipant(my session)": lambda stub, m: stub.UpdateParticipant(
            pb.UpdateParticipantRequest(
                participant=pb.Participant(
                    id=theirs.participant.id, session_id=mine.session.id, user_id="student-7"
                ),
                update_mask=mask("user_id"),
            ),
            metadata=m,
        ),
        "GetAttendanceReport": lambda stub, m: stub.GetAttendanceReport(
            pb.GetAttendanceReportRequest(session_id=s), metadata=m
        ),
        "CreateInteraction": lambda stub, m: stub.CreateInteraction(
            pb.CreateInteractionRequest(
                session_id=s, interaction=pb.Interaction(type=pb.INTERACTION_TYPE_CHAT, content="x")
            ),
            metadata=m,
        ),
        "CreateInteraction(reply)": lambda stub, m: stub.CreateInteraction(
            pb.CreateInteractionRequest(
                session_id=mine.session.id,
                interaction=pb.Interaction(
                    type=pb.INTERACTION_TYPE_CHAT, content="x", reply_to_id=theirs.interaction.id
                ),
            ),
            metadata=m,
        ),
        "ListInteractions": lambda stub, m: stub.ListInteractions(
            pb.ListInteractionsRequest(session_id=s), metadata=m
        ),
        "CreateSharedResource": lambda stub, m: stub.CreateSharedResource(
            pb.CreateSharedResourceRequest(
                session_id=s,
                resource=pb.SharedResource(
                    type=pb.RESOURCE_TYPE_LINK, title="x", url="https://example.org/x"
                ),
            ),
            metadata=m,
        ),
        "ListSharedResources": lambda stub, m: stub.ListSharedResources(
            pb.ListSharedResourcesRequest(session_id=s), metadata=m
        ),
        "DeleteSharedResource": lambda stub, m: stub.DeleteSharedResource(
            pb.DeleteSharedResourceRequest(resource_id=theirs.resource.id), metadata=m
        ),
        "ListRecordedLessons": lambda stub, m: stub.ListRecordedLessons(
            pb.ListRecordedLessonsRequest(session_id=s), metadata=m
        ),
        "AddRecordedLesson": lambda stub, m: stub.AddRecordedLesson(
            pb.AddRecordedLessonRequest(
                session_id=s,
                recorded_lesson=pb.RecordedLesson(
                    title="x",
                    source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
                    external_url="https://example.org/x",
                ),
            ),
            metadata=m,
        ),
        "DeleteRecordedLesson": lambda stub, m: stub.DeleteRecordedLesson(
            pb.DeleteRecordedLessonRequest(recorded_lesson_id=theirs.lesson.id), metadata=m
        ),
        "GetBatchSyncStatus": lambda stub, m: stub.GetBatchSyncStatus(
            pb.GetBatchSyncStatusRequest(batch_id=theirs.batch.id), metadata=m
        ),
    }


async def refused_everything(harness: Any, *, caller: School, theirs: School) -> dict[str, str]:
    """Each by-id call of ``caller``'s admin on ``theirs``' rows that did NOT answer NOT_FOUND
    (an invalid-argument for a reply to an interaction of another school counts as refused)."""
    wrong: dict[str, str] = {}
    meta = harness.as_(caller.admin)
    for name, call in calls_on(theirs, caller).items():
        try:
            await call(harness.stub, meta)
        except grpc.aio.AioRpcError as error:
            expected = (
                grpc.StatusCode.INVALID_ARGUMENT
                if name == "CreateInteraction(reply)"
                else grpc.StatusCode.NOT_FOUND
            )
            if error.code() is not expected:
                wrong[name] = f"{error.code().name}: {error.details()}"
        else:
            wrong[name] = "OK"
    return wrong


async def lists_of(harness: Any, who: str) -> dict[str, set[str]]:
    """The ids ``who`` sees in every list (empty filters where allowed)."""
    stub, meta = harness.stub, harness.as_(who)
    courses = await stub.ListCourses(pb.ListCoursesRequest(page_size=100), metadata=meta)
    batches = await stub.ListBatches(pb.ListBatchesRequest(page_size=100), metadata=meta)
    sessions = await stub.ListSessions(pb.ListSessionsRequest(page_size=100), metadata=meta)
    enrolled = await stub.ListEnrollments(
        pb.ListEnrollmentsRequest(page_size=100, student_id="student-1"), metadata=meta
    )
    return {
        "courses": {c.id for c in courses.courses},
        "batches": {b.id for b in batches.batches},
        "sessions": {s.id for s in sessions.sessions},
        "enrollments": {e.id for e in enrolled.enrollments},
    }


async def _enrollments_seen(stub: Any, batch_id: str, meta: Any) -> int:
    try:
        answer = await stub.ListEnrollments(
            pb.ListEnrollmentsRequest(batch_id=batch_id), metadata=meta
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return 0
    return len(answer.enrollments)


async def lists_by_id_of(harness: Any, who: str, theirs: School) -> dict[str, int]:
    """How many of ``theirs``' rows ``who`` finds through lists filtered by their ids."""
    stub, meta = harness.stub, harness.as_(who)
    return {
        "ListBatches(course)": len(
            (
                await stub.ListBatches(
                    pb.ListBatchesRequest(course_id=theirs.course.id), metadata=meta
                )
            ).batches
        ),
        "ListSessions(batch)": len(
            (
                await stub.ListSessions(
                    pb.ListSessionsRequest(batch_id=theirs.batch.id), metadata=meta
                )
            ).sessions
        ),
        "ListSessions(course)": len(
            (
                await stub.ListSessions(
                    pb.ListSessionsRequest(course_id=theirs.course.id), metadata=meta
                )
            ).sessions
        ),
        # another tenant's batch is NOT_FOUND (counted as nothing seen), never its enrolments
        "ListEnrollments(batch)": await _enrollments_seen(stub, theirs.batch.id, meta),
        "ListCourses(tenant)": len(
            (
                await stub.ListCourses(
                    pb.ListCoursesRequest(tenant_id=theirs.tenant), metadata=meta
                )
            ).courses
        ),
    }


async def snapshot(harness: Any, school: School) -> dict[str, Any]:
    """What ``school``'s admin sees of its own rows (to compare before and after)."""
    stub, meta = harness.stub, harness.as_(school.admin)
    course = await stub.GetCourse(pb.GetCourseRequest(course_id=school.course.id), metadata=meta)
    batch = await stub.GetBatch(pb.GetBatchRequest(batch_id=school.batch.id), metadata=meta)
    session = await stub.GetSession(
        pb.GetSessionRequest(session_id=school.session.id), metadata=meta
    )
    s = school.session.id
    people = await stub.ListParticipants(pb.ListParticipantsRequest(session_id=s), metadata=meta)
    chat = await stub.ListInteractions(pb.ListInteractionsRequest(session_id=s), metadata=meta)
    shared = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=s), metadata=meta
    )
    lessons = await stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=s), metadata=meta
    )
    enrolled = await stub.ListEnrollments(
        pb.ListEnrollmentsRequest(batch_id=school.batch.id), metadata=meta
    )
    return {
        "course": (course.title, course.tenant_id, list(course.instructor_ids)),
        "batch": (batch.name, batch.enrollment_count),
        "session": (
            session.title,
            session.status,
            session.zoom_meeting.meeting_id,
            session.participant_count,
            session.recorded_lesson_count,
        ),
        "participants": [(p.id, p.user_id) for p in people.participants],
        "interactions": [i.id for i in chat.interactions],
        "resources": [r.id for r in shared.resources],
        "lessons": [x.id for x in lessons.recorded_lessons],
        "enrollments": [e.id for e in enrolled.enrollments],
    }


async def check_isolation(harness: Any) -> None:
    """The whole scenario: two schools, each admin refused everything of the other."""
    acme, default = await two_schools(harness)
    assert acme.course.tenant_id == "acme"
    assert default.course.tenant_id == "default"
    # The same request id in both schools made two of everything.
    assert acme.course.id != default.course.id
    assert acme.batch.id != default.batch.id
    assert acme.enrollment.id != default.enrollment.id
    assert acme.session.id != default.session.id
    assert acme.interaction.id != default.interaction.id
    assert acme.resource.id != default.resource.id
    assert acme.lesson.id != default.lesson.id
    # And within one school it is still idempotent.
    again = await harness.stub.CreateCourse(
        pb.CreateCourseRequest(request_id=SHARED_REQUEST_ID, course=pb.Course(title="again")),
        metadata=harness.as_("acme-admin"),
    )
    assert again.id == acme.course.id

    before = {s.tenant: await snapshot(harness, s) for s in (acme, default)}
    assert before["acme"]["participants"]
    assert before["default"]["participants"]
    for caller, theirs in ((acme, default), (default, acme)):
        assert await refused_everything(harness, caller=caller, theirs=theirs) == {}, caller.tenant
        seen = await lists_of(harness, caller.admin)
        assert seen == {
            "courses": {caller.course.id},
            "batches": {caller.batch.id},
            "sessions": {caller.session.id},
            "enrollments": {caller.enrollment.id},
        }, caller.tenant
        assert set((await lists_by_id_of(harness, caller.admin, theirs)).values()) == {0}
    after = {s.tenant: await snapshot(harness, s) for s in (acme, default)}
    assert after == before


async def check_operator(harness: Any) -> None:
    """An operator sees both schools and manages acme's course, which stays acme's."""
    acme, default = await two_schools(harness)
    stub, meta = harness.stub, harness.as_("operator")
    listed = await stub.ListCourses(pb.ListCoursesRequest(page_size=100), metadata=meta)
    assert {c.id: c.tenant_id for c in listed.courses} == {
        acme.course.id: "acme",
        default.course.id: "default",
    }
    updated = await stub.UpdateCourse(
        pb.UpdateCourseRequest(
            course=pb.Course(id=acme.course.id, title="Fixed by support"), update_mask=mask("title")
        ),
        metadata=meta,
    )
    assert (updated.title, updated.tenant_id) == ("Fixed by support", "acme")
    seen = await stub.GetCourse(
        pb.GetCourseRequest(course_id=acme.course.id), metadata=harness.as_("acme-admin")
    )
    assert (seen.title, seen.tenant_id) == ("Fixed by support", "acme")
    untouched = await stub.GetCourse(
        pb.GetCourseRequest(course_id=default.course.id), metadata=harness.as_("admin")
    )
    assert untouched.title == "default course"
    # An operator's new rows in acme land in acme, even with request ids only the default
    # school has used so far (idempotency keys are per tenant, for operators too).
    key = "used-by-default-only"
    theirs = await stub.CreateBatch(
        pb.CreateBatchRequest(
            request_id=key, batch=pb.Batch(course_id=default.course.id, name="D2", type=1)
        ),
        metadata=harness.as_("admin"),
    )
    batch = await stub.CreateBatch(
        pb.CreateBatchRequest(
            request_id=key,
            batch=pb.Batch(course_id=acme.course.id, name="Support batch", type=1),
        ),
        metadata=meta,
    )
    assert batch.id != theirs.id
    assert (batch.course_id, batch.name) == (acme.course.id, "Support batch")
    mine = await stub.ListBatches(pb.ListBatchesRequest(), metadata=harness.as_("acme-admin"))
    assert {b.id for b in mine.batches} == {acme.batch.id, batch.id}
    for create in (
        stub.CreateEnrollment(
            pb.CreateEnrollmentRequest(request_id=key, batch_id=default.batch.id, student_id="s2"),
            metadata=harness.as_("admin"),
        ),
        stub.CreateEnrollment(
            pb.CreateEnrollmentRequest(request_id=key, batch_id=acme.batch.id, student_id="s2"),
            metadata=meta,
        ),
    ):
        await create
    acme_enrolled = await stub.ListEnrollments(
        pb.ListEnrollmentsRequest(batch_id=acme.batch.id), metadata=harness.as_("acme-admin")
    )
    assert sorted(e.student_id for e in acme_enrolled.enrollments) == ["s2", "student-1"]
    lesson = pb.RecordedLesson(
        title="Support upload",
        source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
        external_url="https://example.org/support",
    )
    await stub.AddRecordedLesson(
        pb.AddRecordedLessonRequest(
            request_id=key, session_id=default.session.id, recorded_lesson=lesson
        ),
        metadata=harness.as_("admin"),
    )
    added = await stub.AddRecordedLesson(
        pb.AddRecordedLessonRequest(
            request_id=key, session_id=acme.session.id, recorded_lesson=lesson
        ),
        metadata=meta,
    )
    assert added.session_id == acme.session.id
