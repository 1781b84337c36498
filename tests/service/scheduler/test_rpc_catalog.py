"""DeleteCourse, UpdateBatch, DeleteBatch and DeleteEnrollment through the real gRPC API: what
they do and return, NOT_FOUND for unknown ids and another school's, who may call them, and the
errors for bad input."""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2
from google.type import date_pb2

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from tests.service.scheduler.rpc_support import UNKNOWN_ID, a_class, code_of, error_of
from tests.service.scheduler.tenancy_scenario import mask

NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
OK = grpc.StatusCode.OK


# ---- DeleteCourse ----


async def test_delete_course_without_batches_removes_it(harness) -> None:
    stub, meta = harness.stub, harness.as_("teacher")
    course = await stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="Empty")), metadata=meta
    )
    answer = await stub.DeleteCourse(pb.DeleteCourseRequest(course_id=course.id), metadata=meta)
    assert answer == empty_pb2.Empty()
    gone = await error_of(stub.GetCourse(pb.GetCourseRequest(course_id=course.id), metadata=meta))
    assert gone.code() is NOT_FOUND
    listed = await stub.ListCourses(pb.ListCoursesRequest(), metadata=harness.as_("admin"))
    assert course.id not in {c.id for c in listed.courses}
    # Deleting it again: it is gone.
    again = await error_of(
        stub.DeleteCourse(pb.DeleteCourseRequest(course_id=course.id), metadata=meta)
    )
    assert again.code() is NOT_FOUND


async def test_delete_course_with_batches_needs_force_then_takes_everything(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")  # teacher-1 teaches the course
    refused = await error_of(
        stub.DeleteCourse(pb.DeleteCourseRequest(course_id=c.course.id), metadata=meta)
    )
    assert refused.code() is PRECONDITION
    assert "1 batch(es)" in (refused.details() or "")
    assert (await stub.GetCourse(pb.GetCourseRequest(course_id=c.course.id), metadata=meta)).id
    assert harness.gateway.deleted == []

    await stub.DeleteCourse(
        pb.DeleteCourseRequest(course_id=c.course.id, force=True), metadata=meta
    )
    admin = harness.as_("admin")
    for call in (
        stub.GetCourse(pb.GetCourseRequest(course_id=c.course.id), metadata=admin),
        stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=admin),
        stub.GetSession(pb.GetSessionRequest(session_id=c.session.id), metadata=admin),
        stub.ListEnrollments(pb.ListEnrollmentsRequest(batch_id=c.batch.id), metadata=admin),
    ):
        assert await code_of(call) is NOT_FOUND
    # The upcoming session was cancelled first, so its Zoom meeting went with it.
    assert harness.gateway.deleted == [c.session.zoom_meeting.meeting_id]
    received = await harness.published.wait_count(3)
    assert "session.cancelled" in {e.type for e in received}
    enrolled = await stub.ListEnrollments(
        pb.ListEnrollmentsRequest(student_id="student-1"), metadata=admin
    )
    assert list(enrolled.enrollments) == []


async def test_delete_course_not_found_for_unknown_and_other_schools_ids(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub
    for who, course_id in (("admin", UNKNOWN_ID), ("acme-admin", c.course.id)):
        code = await code_of(
            stub.DeleteCourse(
                pb.DeleteCourseRequest(course_id=course_id, force=True), metadata=harness.as_(who)
            )
        )
        assert code is NOT_FOUND, who
    # Nothing of the default school went.
    assert (
        await stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=harness.as_("admin"))
    ).id == c.batch.id
    assert harness.gateway.deleted == []


async def test_delete_course_roles_and_bad_input(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub
    request = pb.DeleteCourseRequest(course_id=c.course.id, force=True)
    # students are refused by the interceptor, a teacher of another course by the handler
    student = await error_of(stub.DeleteCourse(request, metadata=harness.as_("student")))
    assert student.code() is DENIED
    assert "may not call DeleteCourse" in (student.details() or "")
    other = await error_of(stub.DeleteCourse(request, metadata=harness.as_("other-teacher")))
    assert other.code() is DENIED
    assert "delete this course" in (other.details() or "")
    empty = await error_of(
        stub.DeleteCourse(pb.DeleteCourseRequest(), metadata=harness.as_("admin"))
    )
    assert empty.code() is INVALID
    # An admin of the school may.
    await stub.DeleteCourse(request, metadata=harness.as_("admin"))
    assert (
        await code_of(
            stub.GetCourse(
                pb.GetCourseRequest(course_id=c.course.id), metadata=harness.as_("admin")
            )
        )
        is NOT_FOUND
    )


async def test_an_operator_deletes_another_schools_course(harness) -> None:
    c = await a_class(harness, admin="acme-admin")
    stub = harness.stub
    await stub.DeleteCourse(
        pb.DeleteCourseRequest(course_id=c.course.id, force=True),
        metadata=harness.as_("operator"),
    )
    mine = harness.as_("acme-admin")
    assert (
        await code_of(stub.GetCourse(pb.GetCourseRequest(course_id=c.course.id), metadata=mine))
        is NOT_FOUND
    )
    assert (
        await code_of(stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=mine))
        is NOT_FOUND
    )
    assert harness.gateway.deleted == [c.session.zoom_meeting.meeting_id]


# ---- UpdateBatch ----


async def test_update_batch_changes_only_the_masked_fields(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")
    changed = pb.Batch(
        id=c.batch.id,
        name="Evening",
        timezone="Europe/Berlin",
        start_date=date_pb2.Date(year=2030, month=1, day=1),
        end_date=date_pb2.Date(year=2030, month=6, day=30),
        meeting_settings=common_pb2.MeetingSettings(waiting_room=True),
        instructor_id="teacher-9",  # not in the mask: stays
    )
    updated = await stub.UpdateBatch(
        pb.UpdateBatchRequest(
            batch=changed,
            update_mask=mask("name", "timezone", "start_date", "end_date", "meeting_settings"),
        ),
        metadata=meta,
    )
    assert updated.id == c.batch.id
    assert updated.name == "Evening"
    assert updated.timezone == "Europe/Berlin"
    assert (updated.start_date.year, updated.start_date.month, updated.start_date.day) == (
        2030,
        1,
        1,
    )
    assert (updated.end_date.month, updated.end_date.day) == (6, 30)
    assert updated.meeting_settings.waiting_room is True
    assert updated.instructor_id == c.batch.instructor_id == "teacher-1"
    assert updated.course_id == c.course.id
    assert updated.course_title == c.course.title
    assert updated.type == common_pb2.BATCH_TYPE_GROUP
    assert updated.enrollment_count == 1
    assert updated.create_time == c.batch.create_time
    assert updated.update_time.ToDatetime() >= c.batch.update_time.ToDatetime()
    seen = await stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=meta)
    assert (seen.name, seen.timezone, seen.instructor_id) == (
        "Evening",
        "Europe/Berlin",
        "teacher-1",
    )
    # Clearing a date through the mask clears it.
    cleared = await stub.UpdateBatch(
        pb.UpdateBatchRequest(batch=pb.Batch(id=c.batch.id), update_mask=mask("end_date")),
        metadata=meta,
    )
    assert not cleared.HasField("end_date")
    assert cleared.start_date.year == 2030


async def test_update_batch_of_an_individual_batch_changes_its_student(harness) -> None:
    _, batch = await harness.course_and_batch(
        batch_type=common_pb2.BATCH_TYPE_INDIVIDUAL, student="s-1"
    )
    stub, meta = harness.stub, harness.as_("teacher")
    updated = await stub.UpdateBatch(
        pb.UpdateBatchRequest(
            batch=pb.Batch(id=batch.id, student_id="s-2"), update_mask=mask("student_id")
        ),
        metadata=meta,
    )
    assert (updated.student_id, updated.enrollment_count) == ("s-2", 1)
    emptied = await error_of(
        stub.UpdateBatch(
            pb.UpdateBatchRequest(batch=pb.Batch(id=batch.id), update_mask=mask("student_id")),
            metadata=meta,
        )
    )
    assert emptied.code() is INVALID


async def test_update_batch_refuses_bad_input(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")

    def update(batch: pb.Batch, *paths: str) -> pb.UpdateBatchRequest:
        return pb.UpdateBatchRequest(batch=batch, update_mask=mask(*paths))

    b = c.batch.id
    bad = {
        "no id": update(pb.Batch(name="x"), "name"),
        "empty mask": update(pb.Batch(id=b, name="x")),
        "type": update(pb.Batch(id=b, type=common_pb2.BATCH_TYPE_INDIVIDUAL), "type"),
        "course_id": update(pb.Batch(id=b, course_id="other"), "course_id"),
        "unknown path": update(pb.Batch(id=b), "nonsense"),
        "blank name": update(pb.Batch(id=b, name="  "), "name"),
        "bad timezone": update(pb.Batch(id=b, timezone="Mars/Olympus"), "timezone"),
        "bad date": update(
            pb.Batch(id=b, start_date=date_pb2.Date(year=2030, month=2, day=30)), "start_date"
        ),
        "end before start": update(
            pb.Batch(
                id=b,
                start_date=date_pb2.Date(year=2030, month=3, day=1),
                end_date=date_pb2.Date(year=2030, month=2, day=1),
            ),
            "start_date",
            "end_date",
        ),
        "student of a group batch": update(pb.Batch(id=b, student_id="s-1"), "student_id"),
    }
    codes = {name: await code_of(stub.UpdateBatch(r, metadata=meta)) for name, r in bad.items()}
    assert codes == dict.fromkeys(bad, INVALID)
    # end before an already stored start date
    await stub.UpdateBatch(
        update(pb.Batch(id=b, start_date=date_pb2.Date(year=2030, month=3, day=1)), "start_date"),
        metadata=meta,
    )
    late = await code_of(
        stub.UpdateBatch(
            update(pb.Batch(id=b, end_date=date_pb2.Date(year=2030, month=2, day=1)), "end_date"),
            metadata=meta,
        )
    )
    assert late is INVALID
    # Nothing of the refused changes was kept.
    seen = await stub.GetBatch(pb.GetBatchRequest(batch_id=b), metadata=meta)
    assert (seen.name, seen.type, seen.course_id, seen.student_id, seen.timezone) == (
        c.batch.name,
        common_pb2.BATCH_TYPE_GROUP,
        c.course.id,
        "",
        c.batch.timezone,
    )
    assert not seen.HasField("end_date")


async def test_update_batch_not_found_and_roles(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub

    def rename(batch_id: str) -> pb.UpdateBatchRequest:
        return pb.UpdateBatchRequest(
            batch=pb.Batch(id=batch_id, name="taken over"), update_mask=mask("name")
        )

    codes = {
        "unknown": await code_of(
            stub.UpdateBatch(rename(UNKNOWN_ID), metadata=harness.as_("admin"))
        ),
        "other school": await code_of(
            stub.UpdateBatch(rename(c.batch.id), metadata=harness.as_("acme-admin"))
        ),
        "student": await code_of(
            stub.UpdateBatch(rename(c.batch.id), metadata=harness.as_("student"))
        ),
        "other teacher": await code_of(
            stub.UpdateBatch(rename(c.batch.id), metadata=harness.as_("other-teacher"))
        ),
        "operator": await code_of(
            stub.UpdateBatch(rename(c.batch.id), metadata=harness.as_("operator"))
        ),
    }
    assert codes == {
        "unknown": NOT_FOUND,
        "other school": NOT_FOUND,
        "student": DENIED,
        "other teacher": DENIED,
        "operator": OK,
    }


# ---- DeleteBatch ----


async def test_delete_batch_without_upcoming_sessions(harness) -> None:
    course, batch = await harness.course_and_batch()
    stub, meta = harness.stub, harness.as_("teacher")
    await stub.DeleteBatch(pb.DeleteBatchRequest(batch_id=batch.id), metadata=meta)
    assert await code_of(stub.GetBatch(pb.GetBatchRequest(batch_id=batch.id), metadata=meta)) is (
        NOT_FOUND
    )
    left = await stub.ListBatches(pb.ListBatchesRequest(course_id=course.id), metadata=meta)
    assert list(left.batches) == []
    # The course stays, and may now go without force.
    await stub.DeleteCourse(pb.DeleteCourseRequest(course_id=course.id), metadata=meta)


async def test_delete_batch_with_an_upcoming_session_needs_force(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")
    refused = await error_of(
        stub.DeleteBatch(pb.DeleteBatchRequest(batch_id=c.batch.id), metadata=meta)
    )
    assert refused.code() is PRECONDITION
    assert "1 upcoming session(s)" in (refused.details() or "")
    assert (await stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=meta)).id
    assert harness.gateway.deleted == []

    await stub.DeleteBatch(pb.DeleteBatchRequest(batch_id=c.batch.id, force=True), metadata=meta)
    admin = harness.as_("admin")
    assert await code_of(
        stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=admin)
    ) is (NOT_FOUND)
    assert (
        await code_of(
            stub.GetSession(pb.GetSessionRequest(session_id=c.session.id), metadata=admin)
        )
        is NOT_FOUND
    )
    assert harness.gateway.deleted == [c.session.zoom_meeting.meeting_id]
    enrolled = await stub.ListEnrollments(
        pb.ListEnrollmentsRequest(student_id="student-1"), metadata=admin
    )
    assert list(enrolled.enrollments) == []
    # The course stays.
    assert (await stub.GetCourse(pb.GetCourseRequest(course_id=c.course.id), metadata=admin)).id


async def test_delete_batch_whose_sessions_are_cancelled_needs_no_force(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")
    await stub.CancelSession(pb.CancelSessionRequest(session_id=c.session.id), metadata=meta)
    await stub.DeleteBatch(pb.DeleteBatchRequest(batch_id=c.batch.id), metadata=meta)
    assert await code_of(stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=meta)) is (
        NOT_FOUND
    )


async def test_delete_batch_not_found_roles_and_bad_input(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub
    request = pb.DeleteBatchRequest(batch_id=c.batch.id, force=True)
    codes = {
        "unknown": await code_of(
            stub.DeleteBatch(
                pb.DeleteBatchRequest(batch_id=UNKNOWN_ID), metadata=harness.as_("admin")
            )
        ),
        "other school": await code_of(
            stub.DeleteBatch(request, metadata=harness.as_("acme-admin"))
        ),
        "student": await code_of(stub.DeleteBatch(request, metadata=harness.as_("student"))),
        "other teacher": await code_of(
            stub.DeleteBatch(request, metadata=harness.as_("other-teacher"))
        ),
        "no id": await code_of(
            stub.DeleteBatch(pb.DeleteBatchRequest(force=True), metadata=harness.as_("admin"))
        ),
    }
    assert codes == {
        "unknown": NOT_FOUND,
        "other school": NOT_FOUND,
        "student": DENIED,
        "other teacher": DENIED,
        "no id": INVALID,
    }
    assert harness.gateway.deleted == []
    # An admin of the school may.
    await stub.DeleteBatch(request, metadata=harness.as_("admin"))


# ---- DeleteEnrollment ----


async def test_delete_enrollment_by_id_and_by_batch_and_student(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")
    second = await stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=c.batch.id, student_id="student-9"), metadata=meta
    )
    [first] = [
        e
        for e in (
            await stub.ListEnrollments(
                pb.ListEnrollmentsRequest(batch_id=c.batch.id), metadata=meta
            )
        ).enrollments
        if e.student_id == "student-1"
    ]
    await stub.DeleteEnrollment(pb.DeleteEnrollmentRequest(enrollment_id=first.id), metadata=meta)
    await stub.DeleteEnrollment(
        pb.DeleteEnrollmentRequest(batch_id=c.batch.id, student_id=second.student_id),
        metadata=meta,
    )
    left = await stub.ListEnrollments(pb.ListEnrollmentsRequest(batch_id=c.batch.id), metadata=meta)
    assert list(left.enrollments) == []
    assert (
        await stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=meta)
    ).enrollment_count == 0
    # The student lost what enrolment gave them.
    lost = await code_of(
        stub.GetBatch(pb.GetBatchRequest(batch_id=c.batch.id), metadata=harness.as_("student"))
    )
    assert lost is DENIED
    again = await code_of(
        stub.DeleteEnrollment(pb.DeleteEnrollmentRequest(enrollment_id=first.id), metadata=meta)
    )
    assert again is NOT_FOUND


async def test_delete_enrollment_not_found_roles_and_bad_input(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub
    [enrollment] = (
        await stub.ListEnrollments(
            pb.ListEnrollmentsRequest(batch_id=c.batch.id), metadata=harness.as_("admin")
        )
    ).enrollments
    by_id = pb.DeleteEnrollmentRequest(enrollment_id=enrollment.id)
    by_pair = pb.DeleteEnrollmentRequest(batch_id=c.batch.id, student_id="student-1")
    codes = {
        "unknown id": await code_of(
            stub.DeleteEnrollment(
                pb.DeleteEnrollmentRequest(enrollment_id=UNKNOWN_ID), metadata=harness.as_("admin")
            )
        ),
        "not enrolled": await code_of(
            stub.DeleteEnrollment(
                pb.DeleteEnrollmentRequest(batch_id=c.batch.id, student_id="student-7"),
                metadata=harness.as_("admin"),
            )
        ),
        "other school (id)": await code_of(
            stub.DeleteEnrollment(by_id, metadata=harness.as_("acme-admin"))
        ),
        "other school (pair)": await code_of(
            stub.DeleteEnrollment(by_pair, metadata=harness.as_("acme-admin"))
        ),
        "student": await code_of(stub.DeleteEnrollment(by_id, metadata=harness.as_("student"))),
        "other teacher": await code_of(
            stub.DeleteEnrollment(by_id, metadata=harness.as_("other-teacher"))
        ),
        "nothing named": await code_of(
            stub.DeleteEnrollment(pb.DeleteEnrollmentRequest(), metadata=harness.as_("admin"))
        ),
        "batch without student": await code_of(
            stub.DeleteEnrollment(
                pb.DeleteEnrollmentRequest(batch_id=c.batch.id), metadata=harness.as_("admin")
            )
        ),
    }
    assert codes == {
        "unknown id": NOT_FOUND,
        "not enrolled": NOT_FOUND,
        "other school (id)": NOT_FOUND,
        "other school (pair)": NOT_FOUND,
        "student": DENIED,
        "other teacher": DENIED,
        "nothing named": INVALID,
        "batch without student": INVALID,
    }
    still = await stub.ListEnrollments(
        pb.ListEnrollmentsRequest(batch_id=c.batch.id), metadata=harness.as_("admin")
    )
    assert [e.id for e in still.enrollments] == [enrollment.id]
