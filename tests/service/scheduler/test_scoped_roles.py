"""Teachers manage and read only what they teach (co-teachers included); students read what
they attend; recording-sync asks who teaches and attends what, one tenant at a time."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import pytest

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.auth import DEV_SECRET, issue_token
from tests.service.scheduler.tenancy_scenario import local_time, mask


@dataclass
class Classes:
    c1: pb.Course  # taught by teacher-1 and teacher-3 (co-teacher)
    b1: pb.Batch  # student-1 enrolled
    s1: pb.Session
    c2: pb.Course  # taught by teacher-2
    b2: pb.Batch  # student-9 enrolled
    s2: pb.Session


async def course_with_class(
    harness, admin: str, instructors: list[str], student: str
) -> tuple[pb.Course, pb.Batch, pb.Session]:
    stub, meta = harness.stub, harness.as_(admin)
    course = await stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="C", instructor_ids=instructors)),
        metadata=meta,
    )
    batch = await stub.CreateBatch(
        pb.CreateBatchRequest(
            batch=pb.Batch(course_id=course.id, name="B", type=1, instructor_id=instructors[0])
        ),
        metadata=meta,
    )
    await stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=batch.id, student_id=student), metadata=meta
    )
    session = (
        await stub.CreateSession(
            pb.CreateSessionRequest(
                batch_id=batch.id, title="S", timezone="UTC", local_time=local_time()
            ),
            metadata=meta,
        )
    ).session
    return course, batch, session


@pytest.fixture
async def classes(harness) -> Classes:
    c1, b1, s1 = await course_with_class(harness, "admin", ["teacher-1", "teacher-3"], "student-1")
    c2, b2, s2 = await course_with_class(harness, "admin", ["teacher-2"], "student-9")
    return Classes(c1=c1, b1=b1, s1=s1, c2=c2, b2=b2, s2=s2)


async def code_of(call: Awaitable[Any]) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def seen_by(harness, who: str, **filters: str) -> dict[str, set[str]]:
    stub, meta = harness.stub, harness.as_(who)
    courses = await stub.ListCourses(pb.ListCoursesRequest(), metadata=meta)
    batches = await stub.ListBatches(pb.ListBatchesRequest(), metadata=meta)
    sessions = await stub.ListSessions(pb.ListSessionsRequest(**filters), metadata=meta)
    return {
        "courses": {c.id for c in courses.courses},
        "batches": {b.id for b in batches.batches},
        "sessions": {s.id for s in sessions.sessions},
    }


async def test_a_teacher_lists_only_what_they_teach(harness, classes: Classes) -> None:
    c = classes
    mine = {"courses": {c.c1.id}, "batches": {c.b1.id}, "sessions": {c.s1.id}}
    assert await seen_by(harness, "teacher") == mine
    assert await seen_by(harness, "co-teacher") == mine
    theirs = {"courses": {c.c2.id}, "batches": {c.b2.id}, "sessions": {c.s2.id}}
    assert await seen_by(harness, "other-teacher") == theirs
    # Filters never widen: another teacher's batch or student shows nothing.
    assert (await seen_by(harness, "teacher", batch_id=c.b2.id))["sessions"] == set()
    assert (await seen_by(harness, "teacher", student_id="student-9"))["sessions"] == set()
    assert (await seen_by(harness, "teacher", student_id="enrolled-nowhere"))["sessions"] == set()
    assert (await seen_by(harness, "teacher", course_id=c.c2.id))["sessions"] == set()
    # A teacher who teaches nothing sees nothing.
    harness.tokens["new-teacher"] = issue_token(
        subject="teacher-new", roles=["teacher"], secret=DEV_SECRET
    )
    assert await seen_by(harness, "new-teacher") == {
        "courses": set(),
        "batches": set(),
        "sessions": set(),
    }


async def test_a_teacher_is_refused_what_another_teaches(harness, classes: Classes) -> None:
    stub, meta, c = harness.stub, harness.as_("teacher"), classes
    denied = grpc.StatusCode.PERMISSION_DENIED
    calls = {
        "GetCourse": stub.GetCourse(pb.GetCourseRequest(course_id=c.c2.id), metadata=meta),
        "UpdateCourse": stub.UpdateCourse(
            pb.UpdateCourseRequest(
                course=pb.Course(id=c.c2.id, title="x"), update_mask=mask("title")
            ),
            metadata=meta,
        ),
        "GetBatch": stub.GetBatch(pb.GetBatchRequest(batch_id=c.b2.id), metadata=meta),
        "UpdateBatch": stub.UpdateBatch(
            pb.UpdateBatchRequest(batch=pb.Batch(id=c.b2.id, name="x"), update_mask=mask("name")),
            metadata=meta,
        ),
        "ListEnrollments": stub.ListEnrollments(
            pb.ListEnrollmentsRequest(batch_id=c.b2.id), metadata=meta
        ),
        "CreateBatch": stub.CreateBatch(
            pb.CreateBatchRequest(batch=pb.Batch(course_id=c.c2.id, name="Mine now", type=1)),
            metadata=meta,
        ),
        "CreateSession": stub.CreateSession(
            pb.CreateSessionRequest(
                batch_id=c.b2.id, title="x", timezone="UTC", local_time=local_time()
            ),
            metadata=meta,
        ),
        "GetSession": stub.GetSession(pb.GetSessionRequest(session_id=c.s2.id), metadata=meta),
        "UpdateSession": stub.UpdateSession(
            pb.UpdateSessionRequest(
                session=pb.Session(id=c.s2.id, title="x"), update_mask=mask("title")
            ),
            metadata=meta,
        ),
        "CancelSession": stub.CancelSession(
            pb.CancelSessionRequest(session_id=c.s2.id), metadata=meta
        ),
        "ListParticipants": stub.ListParticipants(
            pb.ListParticipantsRequest(session_id=c.s2.id), metadata=meta
        ),
        "ListInteractions": stub.ListInteractions(
            pb.ListInteractionsRequest(session_id=c.s2.id), metadata=meta
        ),
        "GetBatchSyncStatus": stub.GetBatchSyncStatus(
            pb.GetBatchSyncStatusRequest(batch_id=c.b2.id), metadata=meta
        ),
    }
    got = {name: await code_of(call) for name, call in calls.items()}
    assert got == dict.fromkeys(calls, denied)
    after = await stub.GetSession(
        pb.GetSessionRequest(session_id=c.s2.id), metadata=harness.as_("other-teacher")
    )
    assert (after.title, after.status) == ("S", pb.SESSION_STATUS_SCHEDULED)


async def test_a_co_teacher_manages_the_courses_batches(harness, classes: Classes) -> None:
    stub, meta, c = harness.stub, harness.as_("co-teacher"), classes
    renamed = await stub.UpdateBatch(
        pb.UpdateBatchRequest(batch=pb.Batch(id=c.b1.id, name="Evening"), update_mask=mask("name")),
        metadata=meta,
    )
    assert renamed.name == "Evening"
    enrolled = await stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=c.b1.id, student_id="student-5"), metadata=meta
    )
    assert enrolled.batch_id == c.b1.id
    created = await stub.CreateSession(
        pb.CreateSessionRequest(
            batch_id=c.b1.id, title="Extra", timezone="UTC", local_time=local_time()
        ),
        metadata=meta,
    )
    assert created.session.batch_id == c.b1.id
    got = await stub.GetSession(pb.GetSessionRequest(session_id=c.s1.id), metadata=meta)
    assert got.id == c.s1.id
    batch = await stub.CreateBatch(
        pb.CreateBatchRequest(batch=pb.Batch(course_id=c.c1.id, name="Second", type=1)),
        metadata=meta,
    )
    assert batch.course_id == c.c1.id


async def test_a_teachers_new_course_is_their_own(harness) -> None:
    created = await harness.stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="Mine", instructor_ids=["teacher-2"])),
        metadata=harness.as_("teacher"),
    )
    assert list(created.instructor_ids) == ["teacher-1", "teacher-2"]


async def test_a_student_reads_only_what_they_attend(harness, classes: Classes) -> None:
    stub, c = harness.stub, classes
    me = harness.as_("student")
    got = await stub.GetSession(pb.GetSessionRequest(session_id=c.s1.id), metadata=me)
    assert got.id == c.s1.id
    assert await seen_by(harness, "student") == {
        "courses": {c.c1.id},
        "batches": {c.b1.id},
        "sessions": {c.s1.id},
    }
    denied = grpc.StatusCode.PERMISSION_DENIED
    assert (
        await code_of(stub.GetSession(pb.GetSessionRequest(session_id=c.s2.id), metadata=me))
        == denied
    )
    assert await code_of(stub.GetBatch(pb.GetBatchRequest(batch_id=c.b2.id), metadata=me)) == denied
    assert (
        await code_of(stub.GetCourse(pb.GetCourseRequest(course_id=c.c2.id), metadata=me)) == denied
    )
    other = harness.as_("stranger")  # student-9, of the other batch
    assert (
        await code_of(stub.GetSession(pb.GetSessionRequest(session_id=c.s1.id), metadata=other))
        == denied
    )
    assert (
        await code_of(
            stub.ListParticipants(pb.ListParticipantsRequest(session_id=c.s1.id), metadata=me)
        )
        == denied
    )
    assert (
        await code_of(
            stub.ListSessions(pb.ListSessionsRequest(student_id="student-9"), metadata=me)
        )
        == denied
    )


async def test_list_memberships_answers_recording_sync_per_tenant(
    harness, classes: Classes
) -> None:
    c = classes
    _, acme_batch, _ = await course_with_class(harness, "acme-admin", ["teacher-1"], "student-1")
    stub, meta = harness.stub, harness.as_("service:recording-sync")

    async def ask(user: str, tenant: str) -> tuple[set[str], set[str]]:
        found = await stub.ListMemberships(
            pb.ListMembershipsRequest(user_id=user, tenant_id=tenant), metadata=meta
        )
        return set(found.teaches_batch_ids), set(found.attends_batch_ids)

    assert await ask("teacher-1", "default") == ({c.b1.id}, set())
    assert await ask("teacher-3", "default") == ({c.b1.id}, set())
    assert await ask("teacher-1", "acme") == ({acme_batch.id}, set())
    assert await ask("student-1", "default") == (set(), {c.b1.id})
    assert await ask("student-1", "acme") == (set(), {acme_batch.id})
    assert await ask("student-9", "acme") == (set(), set())
    assert await ask("teacher-2", "nowhere") == (set(), set())
    request = pb.ListMembershipsRequest(user_id="student-1", tenant_id="default")
    for who in ("admin", "acme-admin", "operator", "teacher", "student", "service:scheduler"):
        code = await code_of(stub.ListMemberships(request, metadata=harness.as_(who)))
        assert code == grpc.StatusCode.PERMISSION_DENIED, who
    assert await code_of(stub.ListMemberships(pb.ListMembershipsRequest(), metadata=meta)) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


async def test_a_service_naming_a_tenant_reads_only_that_tenant(harness, classes: Classes) -> None:
    stub, c = harness.stub, classes
    request = pb.GetSessionRequest(session_id=c.s1.id)  # a session of the default tenant
    service = harness.as_("service:recording-sync")
    assert (await stub.GetSession(request, metadata=service)).id == c.s1.id  # spans tenants
    in_default = [*service, ("x-classbridge-tenant", "default")]
    assert (await stub.GetSession(request, metadata=in_default)).id == c.s1.id
    in_acme = [*service, ("x-classbridge-tenant", "acme")]
    assert await code_of(stub.GetSession(request, metadata=in_acme)) == grpc.StatusCode.NOT_FOUND
    listed = stub.ListEnrollments(pb.ListEnrollmentsRequest(batch_id=c.b1.id), metadata=in_acme)
    assert await code_of(listed) == grpc.StatusCode.NOT_FOUND  # another tenant's batch
