"""Who may do what (service_layer/access.py), role by role, and what a person teaches and
attends (service_layer/membership.py), one tenant at a time."""

from __future__ import annotations

import pytest

from classbridge_common.auth import STUDENT, TEACHER, Caller
from classbridge_common.errors import InvalidArgument, PermissionDenied
from scheduler.domain.model import BatchType
from scheduler.service_layer import access, membership
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    CO_TEACHER,
    OPERATOR_1,
    RECORDING_SYNC,
    STRANGER,
    STUDENT_1,
    TEACHER_1,
    TEACHER_2,
    seed_batch,
    seed_course,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeDatabase

TEACHING_STUDENT = Caller(
    subject="teacher-1", roles=frozenset({TEACHER, STUDENT}), tenant="default"
)
LISTED_STUDENT = Caller(subject="teacher-3", roles=frozenset({STUDENT}), tenant="default")


@pytest.mark.parametrize(
    ("caller", "staff", "teacher", "student"),
    [
        (ADMIN_1, True, False, False),
        (OPERATOR_1, True, False, False),
        (RECORDING_SYNC, True, False, False),
        (TEACHER_1, False, True, False),
        (TEACHING_STUDENT, False, True, False),
        (STUDENT_1, False, False, True),
    ],
)
def test_roles(caller: Caller, staff: bool, teacher: bool, student: bool) -> None:
    assert (access.is_staff(caller), access.is_teacher(caller), access.is_student(caller)) == (
        staff,
        teacher,
        student,
    )
    if staff or teacher:
        access.require_manager_role(caller)
    else:
        with pytest.raises(PermissionDenied, match="teachers and admins"):
            access.require_manager_role(caller)


def test_require_names_what_was_refused() -> None:
    access.require(True, "do it")
    with pytest.raises(PermissionDenied, match="the caller may not delete this course"):
        access.require(False, "delete this course")


async def test_who_manages_courses_batches_and_sessions(school: School) -> None:
    c1, b1, s1 = school.c1, school.b1, school.s1

    def manages(caller: Caller) -> tuple[bool, bool, bool]:
        return (
            access.can_manage_course(caller, c1),
            access.can_manage_batch(caller, b1, c1),
            access.can_manage_session(caller, s1, b1, c1),
        )

    assert manages(ADMIN_1) == (True, True, True)
    assert manages(TEACHER_1) == (True, True, True)
    assert manages(CO_TEACHER) == (True, True, True)  # a co-teacher of the course
    assert manages(TEACHER_2) == (False, False, False)
    assert manages(STUDENT_1) == (False, False, False)
    # A student listed as an instructor is still no manager.
    assert not access.can_manage_course(LISTED_STUDENT, c1)
    assert not access.can_manage_session(LISTED_STUDENT, s1, b1, c1)


async def test_the_batch_teacher_and_the_session_teacher_manage_without_the_course(
    db: FakeDatabase, school: School
) -> None:
    batch = await seed_batch(db, school.c2, instructor_id="teacher-1")
    assert access.can_manage_batch(TEACHER_1, batch, school.c2)
    assert access.can_manage_batch(TEACHER_1, batch, None)
    assert not access.can_manage_course(TEACHER_1, school.c2)
    s2 = school.s2
    assert access.can_manage_session(TEACHER_2, s2, None, None)  # its own teacher
    assert not access.can_manage_session(TEACHER_1, s2, None, None)
    assert access.can_manage_session(TEACHER_1, s2, batch, None)  # the batch's teacher
    assert access.can_manage_session(CO_TEACHER, s2, None, school.c1)  # the course's
    assert not access.teaches_course(TEACHER_1, None)


async def test_who_reads_a_batch(db: FakeDatabase, school: School) -> None:
    solo = await seed_batch(db, school.c2, type=BatchType.INDIVIDUAL, student_id="student-9")
    assert access.can_read_batch(STUDENT_1, school.b1, ["student-1"])
    assert not access.can_read_batch(STUDENT_1, school.b1, ["student-2"])
    assert access.can_read_batch(STRANGER, solo, [])
    assert not access.can_read_batch(STUDENT_1, solo, [])
    assert access.can_read_batch(TEACHER_1, school.b1, [], school.c1)
    assert not access.can_read_batch(TEACHER_2, school.b1, [], school.c1)
    assert access.can_read_batch(ACME_ADMIN, school.b1, [])  # tenants are kept apart elsewhere


# ---- ListMemberships ----


async def memberships(db: FakeDatabase, user: str, tenant: str = "default") -> tuple[set, set, set]:
    found = await membership.list_memberships(
        user, tenant_id=tenant, uow=db.uow(caller=RECORDING_SYNC)
    )
    return set(found.teaches_courses), set(found.teaches_batches), set(found.attends_batches)


async def test_memberships_of_teachers_and_students(db: FakeDatabase, school: School) -> None:
    c1, c2, b1, b2 = school.c1.id, school.c2.id, school.b1.id, school.b2.id
    assert await memberships(db, "teacher-1") == ({c1}, {b1}, set())
    assert await memberships(db, "teacher-3") == ({c1}, {b1}, set())  # co-teacher: c1's batches
    assert await memberships(db, "teacher-2") == ({c2}, {b2}, set())
    assert await memberships(db, "student-1") == (set(), set(), {b1})
    assert await memberships(db, "nobody") == (set(), set(), set())


async def test_memberships_are_one_tenants(db: FakeDatabase, school: School) -> None:
    assert await memberships(db, "student-1", "acme") == (set(), set(), {school.b3.id})
    assert await memberships(db, "teacher-1", "acme") == ({school.c3.id}, {school.b3.id}, set())
    assert await memberships(db, "teacher-1", "elsewhere") == (set(), set(), set())


async def test_teaching_a_batch_counts_its_course_and_the_student_of_one_attends_it(
    db: FakeDatabase, school: School
) -> None:
    other = await seed_course(db, instructors=("teacher-2",))
    taught = await seed_batch(db, other, instructor_id="teacher-5")
    solo = await seed_batch(
        db, other, type=BatchType.INDIVIDUAL, student_id="student-5", instructor_id="teacher-2"
    )
    assert await memberships(db, "teacher-5") == ({other.id}, {taught.id}, set())
    assert await memberships(db, "student-5") == (set(), set(), {solo.id})


@pytest.mark.parametrize(("user", "tenant"), [("", "default"), ("teacher-1", "")])
async def test_list_memberships_needs_a_user_and_a_tenant(
    db: FakeDatabase, user: str, tenant: str
) -> None:
    with pytest.raises(InvalidArgument):
        await membership.list_memberships(user, tenant_id=tenant, uow=db.uow(caller=RECORDING_SYNC))
