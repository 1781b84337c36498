"""Courses, batches and enrollments (service_layer/catalog.py) against the fake unit of work."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from scheduler.domain import commands
from scheduler.domain.model import BatchType, SessionStatus
from scheduler.service_layer import catalog
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    CO_TEACHER,
    OPERATOR_1,
    STRANGER,
    STUDENT_1,
    TEACHER_1,
    TEACHER_2,
    acting,
    ids,
    nothing_stored,
    page,
    seed_batch,
    seed_course,
    seed_enrollment,
    seed_lesson,
    seed_participant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase


def field_of(error: InvalidArgument) -> str:
    return error.violations[0].field


# ---- Courses ----


async def test_a_teacher_creates_a_course_they_teach(db: FakeDatabase, clock: FakeClock) -> None:
    course = await catalog.create_course(
        commands.CreateCourse(
            title="  Rust  ",
            instructor_ids=("teacher-2", "teacher-2"),
            default_timezone="Asia/Kolkata",
            default_meeting_settings={"waiting_room": True},
        ),
        now=clock,
        **acting(db, TEACHER_1),
    )
    assert course.title == "Rust"
    assert course.instructor_ids == ["teacher-1", "teacher-2"]
    assert (course.tenant_id, course.create_time, course.update_time) == (
        "default",
        clock(),
        clock(),
    )
    assert db.get("courses", course.id) == course
    assert db.tenant_of("courses", course.id) == "default"


async def test_an_admin_creates_a_course_without_teaching_it(db: FakeDatabase) -> None:
    course = await catalog.create_course(
        commands.CreateCourse(title="Maths", instructor_ids=("teacher-2",)), **acting(db, ADMIN_1)
    )
    assert course.instructor_ids == ["teacher-2"]


async def test_a_course_lands_in_the_callers_tenant_or_the_named_one_for_operators(
    db: FakeDatabase,
) -> None:
    acme = await catalog.create_course(commands.CreateCourse(title="A"), **acting(db, ACME_ADMIN))
    assert db.tenant_of("courses", acme.id) == "acme"
    named = await catalog.create_course(
        commands.CreateCourse(title="B", tenant_id="acme"), **acting(db, OPERATOR_1)
    )
    assert (named.tenant_id, db.tenant_of("courses", named.id)) == ("acme", "acme")
    unnamed = await catalog.create_course(
        commands.CreateCourse(title="C"), **acting(db, OPERATOR_1)
    )
    assert db.tenant_of("courses", unnamed.id) == "default"
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await catalog.create_course(
            commands.CreateCourse(title="D", tenant_id="acme"), **acting(db, ADMIN_1)
        )


@pytest.mark.parametrize(
    ("cmd", "field"),
    [
        (commands.CreateCourse(title="  "), "course.title"),
        (commands.CreateCourse(title="X", default_timezone="Mars/Base"), "course.default_timezone"),
    ],
)
async def test_create_course_refuses_bad_input(
    db: FakeDatabase, cmd: commands.CreateCourse, field: str
) -> None:
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await catalog.create_course(cmd, **acting(db, TEACHER_1))
    assert field_of(error.value) == field


async def test_students_create_no_course(db: FakeDatabase) -> None:
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await catalog.create_course(commands.CreateCourse(title="Mine"), **acting(db, STUDENT_1))


async def test_create_course_is_idempotent_per_tenant(db: FakeDatabase) -> None:
    cmd = commands.CreateCourse(title="Rust", request_id="r-1")
    first = await catalog.create_course(cmd, **acting(db, TEACHER_1))
    commits = db.commits
    again = await catalog.create_course(cmd, **acting(db, TEACHER_1))
    assert again.id == first.id
    assert db.commits == commits
    elsewhere = await catalog.create_course(cmd, **acting(db, ACME_ADMIN))
    assert elsewhere.id != first.id
    assert db.count("courses") == 2


async def test_get_course_by_who_teaches_or_attends(db: FakeDatabase, school: School) -> None:
    c1 = school.c1.id
    for reader in (ADMIN_1, TEACHER_1, CO_TEACHER, STUDENT_1, OPERATOR_1):
        assert (await catalog.get_course(c1, **acting(db, reader))).id == c1
    for outsider in (TEACHER_2, STRANGER):
        with pytest.raises(PermissionDenied):
            await catalog.get_course(c1, **acting(db, outsider))


async def test_another_tenants_course_is_not_found(db: FakeDatabase, school: School) -> None:
    with pytest.raises(NotFound):
        await catalog.get_course(school.c3.id, **acting(db, ADMIN_1))
    with pytest.raises(NotFound):
        await catalog.get_course("no-such-course", **acting(db, ADMIN_1))
    with pytest.raises(InvalidArgument):
        await catalog.get_course("", **acting(db, ADMIN_1))


async def test_list_courses_is_narrowed_to_what_the_caller_sees(
    db: FakeDatabase, school: School
) -> None:
    async def listed(caller: Caller, **filters: Any) -> tuple[list[str], int]:
        args = {"tenant_id": "", "instructor_id": "", "page": page()} | filters
        items, total = await catalog.list_courses(**args, **acting(db, caller))
        return ids(items), total

    c1, c2, c3 = school.c1.id, school.c2.id, school.c3.id
    assert await listed(ADMIN_1) == ([c2, c1], 2)  # newest first (same time: by id, desc)
    assert await listed(ADMIN_1, page=page(offset=1, limit=1)) == ([c1], 2)
    assert await listed(ADMIN_1, instructor_id="teacher-2") == ([c2], 1)
    assert await listed(TEACHER_1) == ([c1], 1)
    assert await listed(CO_TEACHER) == ([c1], 1)
    assert await listed(TEACHER_2) == ([c2], 1)
    assert await listed(STUDENT_1) == ([c1], 1)  # not acme's c3, where a student-1 attends too
    assert await listed(STRANGER) == ([c2], 1)
    assert await listed(OPERATOR_1) == ([c3, c2, c1], 3)
    assert await listed(OPERATOR_1, tenant_id="acme") == ([c3], 1)
    assert await listed(ACME_ADMIN) == ([c3], 1)


async def test_update_course_changes_the_named_fields(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    clock.advance(hours=1)
    course = await catalog.update_course(
        commands.UpdateCourse(
            course_id=school.c1.id,
            changes={
                "title": "JavaScript II",
                "instructor_ids": ("teacher-1",),
                "default_timezone": "Europe/Paris",
            },
        ),
        now=clock,
        **acting(db, CO_TEACHER),
    )
    stored = db.get("courses", school.c1.id)
    assert stored == course
    assert (stored.title, stored.instructor_ids, stored.default_timezone) == (
        "JavaScript II",
        ["teacher-1"],
        "Europe/Paris",
    )
    assert stored.update_time == clock()
    assert stored.description == school.c1.description


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({}, InvalidArgument, "update_mask"),
        ({"id": "other"}, InvalidArgument, "update_mask"),
        ({"description": "fine", "title": " "}, InvalidArgument, "course.title"),
        ({"default_timezone": "Nowhere/City"}, InvalidArgument, "course.default_timezone"),
    ],
)
async def test_update_course_refuses_bad_changes_and_stores_nothing(
    db: FakeDatabase, school: School, changes: dict, error: type[Exception], field: str
) -> None:
    with nothing_stored(db), pytest.raises(error) as raised:
        await catalog.update_course(
            commands.UpdateCourse(course_id=school.c1.id, changes=changes), **acting(db, TEACHER_1)
        )
    assert field_of(raised.value) == field


async def test_only_who_manages_a_course_updates_it(db: FakeDatabase, school: School) -> None:
    for refused in (TEACHER_2, STUDENT_1):
        with nothing_stored(db), pytest.raises(PermissionDenied):
            await catalog.update_course(
                commands.UpdateCourse(course_id=school.c1.id, changes={"title": "Mine"}),
                **acting(db, refused),
            )
    with pytest.raises(NotFound):
        await catalog.update_course(
            commands.UpdateCourse(course_id=school.c3.id, changes={"title": "x"}),
            **acting(db, ADMIN_1),
        )


async def test_delete_course_needs_force_while_it_has_batches(
    db: FakeDatabase, school: School
) -> None:
    with nothing_stored(db), pytest.raises(FailedPrecondition, match="1 batch"):
        await catalog.delete_course(
            commands.DeleteCourse(course_id=school.c1.id), **acting(db, TEACHER_1)
        )
    await seed_session(db, school.b1, status=SessionStatus.ENDED)
    await seed_session(db, school.b1, status=SessionStatus.CANCELLED)
    upcoming = await catalog.delete_course(
        commands.DeleteCourse(course_id=school.c1.id, force=True), **acting(db, TEACHER_1)
    )
    assert upcoming == [school.s1.id]  # only what is still scheduled gets cancelled first
    assert db.get("courses", school.c1.id) is not None  # nothing deleted yet


async def test_delete_course_is_refused_to_who_does_not_manage_it(
    db: FakeDatabase, school: School
) -> None:
    with pytest.raises(PermissionDenied):
        await catalog.delete_course(
            commands.DeleteCourse(course_id=school.c1.id, force=True), **acting(db, TEACHER_2)
        )
    with pytest.raises(NotFound):
        await catalog.delete_course(
            commands.DeleteCourse(course_id=school.c3.id, force=True), **acting(db, ADMIN_1)
        )


async def test_finish_delete_course_removes_it_and_everything_below(
    db: FakeDatabase, school: School
) -> None:
    await seed_participant(db, school.s1, display_name="Asha")
    await seed_lesson(db, school.s1)
    empty = await seed_course(db, title="Nothing yet")
    assert (
        await catalog.delete_course(
            commands.DeleteCourse(course_id=empty.id), **acting(db, ADMIN_1)
        )
        == []
    )
    await catalog.finish_delete_course(school.c1.id, uow=db.uow(caller=ADMIN_1))
    assert db.get("courses", school.c1.id) is None
    assert db.get("batches", school.b1.id) is None
    assert db.get("sessions", school.s1.id) is None
    assert db.count("participants") == db.count("recorded_lessons") == 0
    assert [e.batch_id for e in (r.obj for r in db.rows("enrollments"))] == [
        school.b2.id,
        school.b3.id,
    ]
    assert db.get("courses", school.c2.id) is not None
    assert db.get("courses", empty.id) is not None  # delete_course alone deletes nothing


# ---- Batches ----


def new_batch(course_id: str, **values: Any) -> commands.CreateBatch:
    return commands.CreateBatch(
        course_id=course_id,
        name=values.pop("name", "Evening"),
        type=values.pop("type", BatchType.GROUP),
        **values,
    )


async def test_create_batch_picks_its_teacher(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    by_teacher = await catalog.create_batch(
        new_batch(school.c1.id), now=clock, **acting(db, CO_TEACHER)
    )
    assert by_teacher.batch.instructor_id == "teacher-3"
    assert (by_teacher.course_title, by_teacher.enrollment_count) == ("JavaScript", 0)
    assert db.get("batches", by_teacher.batch.id) == by_teacher.batch
    assert by_teacher.batch.create_time == clock()
    by_admin = await catalog.create_batch(new_batch(school.c1.id), **acting(db, ADMIN_1))
    assert by_admin.batch.instructor_id == "teacher-1"  # the course's first instructor
    named = await catalog.create_batch(
        new_batch(school.c1.id, instructor_id="teacher-9"), **acting(db, ADMIN_1)
    )
    assert named.batch.instructor_id == "teacher-9"
    nobody = await seed_course(db, instructors=())
    unstaffed = await catalog.create_batch(new_batch(nobody.id), **acting(db, ADMIN_1))
    assert unstaffed.batch.instructor_id == ""


async def test_an_individual_batch_counts_its_one_student(db: FakeDatabase, school: School) -> None:
    view = await catalog.create_batch(
        new_batch(
            school.c1.id,
            type=BatchType.INDIVIDUAL,
            student_id="student-5",
            timezone="Asia/Kolkata",
            start_date=date(2030, 1, 1),
            end_date=date(2030, 6, 1),
            meeting_settings={"waiting_room": True},
        ),
        **acting(db, TEACHER_1),
    )
    assert view.enrollment_count == 1
    stored = db.get("batches", view.batch.id)
    assert (stored.student_id, stored.timezone, stored.end_date) == (
        "student-5",
        "Asia/Kolkata",
        date(2030, 6, 1),
    )
    assert stored.storage_folder() == "videos/student/student-5"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"course_id": ""}, "batch.course_id"),
        ({"name": " "}, "batch.name"),
        ({"type": None}, "batch.type"),
        ({"type": BatchType.INDIVIDUAL}, "batch.student_id"),
        ({"student_id": "student-1"}, "batch.student_id"),
        ({"timezone": "Atlantis/Capital"}, "batch.timezone"),
        ({"start_date": date(2030, 2, 1), "end_date": date(2030, 1, 1)}, "batch.end_date"),
        ({"present_threshold_percentage": 100.5}, "batch.present_threshold_percentage"),
        ({"present_threshold_percentage": -1.0}, "batch.present_threshold_percentage"),
    ],
)
async def test_create_batch_refuses_bad_input(
    db: FakeDatabase, school: School, values: dict, field: str
) -> None:
    course_id = values.pop("course_id", school.c1.id)
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await catalog.create_batch(new_batch(course_id, **values), **acting(db, TEACHER_1))
    assert field_of(error.value) == field


async def test_a_batch_sets_its_own_present_threshold(db: FakeDatabase, school: School) -> None:
    made = await catalog.create_batch(
        new_batch(school.c1.id, present_threshold_percentage=80.0), **acting(db, TEACHER_1)
    )
    assert db.get("batches", made.batch.id).present_threshold_percentage == 80.0
    changed = await catalog.update_batch(
        commands.UpdateBatch(batch_id=made.batch.id, changes={"present_threshold_percentage": 0}),
        **acting(db, CO_TEACHER),
    )
    assert changed.batch.present_threshold_percentage == 0  # back to the default
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await catalog.update_batch(
            commands.UpdateBatch(
                batch_id=made.batch.id, changes={"present_threshold_percentage": 101}
            ),
            **acting(db, ADMIN_1),
        )
    assert field_of(error.value) == "batch.present_threshold_percentage"
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await catalog.update_batch(
            commands.UpdateBatch(
                batch_id=made.batch.id, changes={"present_threshold_percentage": 50}
            ),
            **acting(db, TEACHER_2),
        )


async def test_create_batch_refusals(db: FakeDatabase, school: School) -> None:
    with nothing_stored(db):
        with pytest.raises(PermissionDenied):
            await catalog.create_batch(new_batch(school.c1.id), **acting(db, STUDENT_1))
        with pytest.raises(PermissionDenied):
            await catalog.create_batch(new_batch(school.c1.id), **acting(db, TEACHER_2))
        with pytest.raises(NotFound):
            await catalog.create_batch(new_batch(school.c3.id), **acting(db, ADMIN_1))


async def test_create_batch_is_idempotent_on_request_id(db: FakeDatabase, school: School) -> None:
    first = await catalog.create_batch(
        new_batch(school.c1.id, request_id="b-1"), **acting(db, TEACHER_1)
    )
    await seed_enrollment(db, first.batch, "student-2")
    with nothing_stored(db):
        again = await catalog.create_batch(
            new_batch(school.c1.id, request_id="b-1", name="Other"), **acting(db, TEACHER_1)
        )
    assert again.batch.id == first.batch.id
    assert (again.batch.name, again.enrollment_count) == ("Evening", 1)


async def test_get_batch_for_its_teachers_and_students(db: FakeDatabase, school: School) -> None:
    for reader in (TEACHER_1, CO_TEACHER, STUDENT_1, ADMIN_1):
        view = await catalog.get_batch(school.b1.id, **acting(db, reader))
        assert (view.batch.id, view.enrollment_count, view.course_title) == (
            school.b1.id,
            1,
            "JavaScript",
        )
    for outsider in (TEACHER_2, STRANGER):
        with pytest.raises(PermissionDenied):
            await catalog.get_batch(school.b1.id, **acting(db, outsider))
    with pytest.raises(NotFound):
        await catalog.get_batch(school.b3.id, **acting(db, ADMIN_1))
    with pytest.raises(InvalidArgument):
        await catalog.get_batch("", **acting(db, ADMIN_1))


async def test_list_batches_is_narrowed_to_what_the_caller_sees(
    db: FakeDatabase, school: School
) -> None:
    solo = await seed_batch(
        db, school.c2, type=BatchType.INDIVIDUAL, student_id="student-1", instructor_id="teacher-2"
    )

    async def listed(caller: Caller, **filters: Any) -> tuple[list[str], int]:
        args = {"course_id": "", "instructor_id": "", "student_id": "", "type": None}
        items, total = await catalog.list_batches(
            **(args | filters), page=filters.pop("page", page()), **acting(db, caller)
        )
        return ids(v.batch for v in items), total

    b1, b2 = school.b1.id, school.b2.id
    assert await listed(ADMIN_1) == ([solo.id, b2, b1], 3)
    assert await listed(ADMIN_1, type=BatchType.GROUP) == ([b2, b1], 2)
    assert await listed(ADMIN_1, course_id=school.c2.id) == ([solo.id, b2], 2)
    assert await listed(ADMIN_1, student_id="student-9") == ([b2], 1)
    assert await listed(TEACHER_1) == ([b1], 1)
    assert await listed(TEACHER_2) == ([solo.id, b2], 2)
    assert await listed(TEACHER_2, instructor_id="teacher-1") == ([], 0)
    assert await listed(STUDENT_1) == ([solo.id, b1], 2)
    assert await listed(STRANGER) == ([b2], 1)
    with pytest.raises(PermissionDenied):
        await listed(STUDENT_1, student_id="student-9")


async def test_update_batch_changes_the_named_fields(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    clock.advance(minutes=5)
    view = await catalog.update_batch(
        commands.UpdateBatch(
            batch_id=school.b1.id,
            changes={"name": "Late", "timezone": "Europe/Paris", "end_date": date(2030, 3, 1)},
        ),
        now=clock,
        **acting(db, TEACHER_1),
    )
    stored = db.get("batches", school.b1.id)
    assert stored == view.batch
    assert (stored.name, stored.timezone, stored.end_date, stored.update_time) == (
        "Late",
        "Europe/Paris",
        date(2030, 3, 1),
        clock(),
    )
    assert view.enrollment_count == 1


async def test_an_individual_batch_may_change_its_student(db: FakeDatabase, school: School) -> None:
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-1")
    view = await catalog.update_batch(
        commands.UpdateBatch(batch_id=solo.id, changes={"student_id": "student-2"}),
        **acting(db, ADMIN_1),
    )
    assert db.get("batches", solo.id).student_id == "student-2" == view.batch.student_id
    with nothing_stored(db), pytest.raises(InvalidArgument):
        await catalog.update_batch(
            commands.UpdateBatch(batch_id=solo.id, changes={"student_id": ""}),
            **acting(db, ADMIN_1),
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "update_mask"),
        ({"type": BatchType.INDIVIDUAL}, "update_mask"),
        ({"name": ""}, "batch.name"),
        ({"timezone": "Moon/Dark_Side"}, "batch.timezone"),
        ({"student_id": "student-1"}, "batch.student_id"),
        ({"start_date": date(2030, 5, 1), "end_date": date(2030, 4, 1)}, "batch.end_date"),
    ],
)
async def test_update_batch_refuses_bad_changes_and_stores_nothing(
    db: FakeDatabase, school: School, changes: dict, field: str
) -> None:
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await catalog.update_batch(
            commands.UpdateBatch(batch_id=school.b1.id, changes=changes), **acting(db, TEACHER_1)
        )
    assert field_of(error.value) == field


async def test_update_batch_refusals(db: FakeDatabase, school: School) -> None:
    cmd = commands.UpdateBatch(batch_id=school.b1.id, changes={"name": "Mine"})
    for refused in (TEACHER_2, STUDENT_1):
        with nothing_stored(db), pytest.raises(PermissionDenied):
            await catalog.update_batch(cmd, **acting(db, refused))
    with pytest.raises(NotFound):
        await catalog.update_batch(cmd, **acting(db, ACME_ADMIN))
    with pytest.raises(InvalidArgument) as error:
        await catalog.update_batch(
            commands.UpdateBatch(batch_id="", changes={"name": "x"}), **acting(db, ADMIN_1)
        )
    assert field_of(error.value) == "batch.id"


async def test_delete_batch_needs_force_while_sessions_are_upcoming(
    db: FakeDatabase, school: School
) -> None:
    with nothing_stored(db), pytest.raises(FailedPrecondition, match="1 upcoming"):
        await catalog.delete_batch(
            commands.DeleteBatch(batch_id=school.b1.id), **acting(db, TEACHER_1)
        )
    assert await catalog.delete_batch(
        commands.DeleteBatch(batch_id=school.b1.id, force=True), **acting(db, TEACHER_1)
    ) == [school.s1.id]
    with pytest.raises(PermissionDenied):
        await catalog.delete_batch(
            commands.DeleteBatch(batch_id=school.b1.id, force=True), **acting(db, TEACHER_2)
        )
    quiet = await seed_batch(db, school.c1)
    await seed_session(db, quiet, status=SessionStatus.ENDED)
    assert (
        await catalog.delete_batch(commands.DeleteBatch(batch_id=quiet.id), **acting(db, ADMIN_1))
        == []
    )


async def test_finish_delete_batch_removes_its_sessions_and_enrollments(
    db: FakeDatabase, school: School
) -> None:
    await seed_participant(db, school.s1)
    await seed_participant(db, school.s2)
    await catalog.finish_delete_batch(school.b1.id, uow=db.uow(caller=TEACHER_1))
    assert db.get("batches", school.b1.id) is None
    assert db.get("sessions", school.s1.id) is None
    assert [r.obj.session_id for r in db.rows("participants")] == [school.s2.id]
    assert school.b1.id not in {r.obj.batch_id for r in db.rows("enrollments")}
    assert db.get("batches", school.b2.id) is not None


# ---- Enrollments ----


async def test_a_teacher_enrolls_a_student(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    enrollment = await catalog.create_enrollment(
        commands.CreateEnrollment(batch_id=school.b1.id, student_id="student-2", request_id="e-1"),
        now=clock,
        **acting(db, CO_TEACHER),
    )
    assert db.get("enrollments", enrollment.id) == enrollment
    assert (enrollment.batch_id, enrollment.create_time) == (school.b1.id, clock())
    assert db.tables["enrollments"][enrollment.id].extra["request_id"] == "e-1"
    with nothing_stored(db):
        again = await catalog.create_enrollment(
            commands.CreateEnrollment(
                batch_id=school.b1.id, student_id="student-2", request_id="e-1"
            ),
            **acting(db, CO_TEACHER),
        )
    assert again == enrollment


async def test_create_enrollment_refusals(db: FakeDatabase, school: School) -> None:
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-1")
    cases = [
        (
            commands.CreateEnrollment(batch_id=school.b1.id, student_id=""),
            TEACHER_1,
            InvalidArgument,
        ),
        (commands.CreateEnrollment(batch_id="", student_id="s"), TEACHER_1, InvalidArgument),
        (
            commands.CreateEnrollment(batch_id=school.b1.id, student_id="s"),
            TEACHER_2,
            PermissionDenied,
        ),
        (
            commands.CreateEnrollment(batch_id=school.b1.id, student_id="s"),
            STUDENT_1,
            PermissionDenied,
        ),
        (commands.CreateEnrollment(batch_id=school.b3.id, student_id="s"), ADMIN_1, NotFound),
        (commands.CreateEnrollment(batch_id=solo.id, student_id="s"), ADMIN_1, FailedPrecondition),
        (
            commands.CreateEnrollment(batch_id=school.b1.id, student_id="student-1"),
            ADMIN_1,
            AlreadyExists,
        ),
    ]
    for cmd, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await catalog.create_enrollment(cmd, **acting(db, caller))


async def test_delete_enrollment_by_id_or_by_batch_and_student(
    db: FakeDatabase, school: School
) -> None:
    second = await seed_enrollment(db, school.b1, "student-2")
    first_id = next(r.id for r in db.rows("enrollments") if r.obj.student_id == "student-1")
    await catalog.delete_enrollment(
        commands.DeleteEnrollment(enrollment_id=first_id), **acting(db, TEACHER_1)
    )
    assert db.get("enrollments", first_id) is None
    await catalog.delete_enrollment(
        commands.DeleteEnrollment(batch_id=school.b1.id, student_id="student-2"),
        **acting(db, ADMIN_1),
    )
    assert db.get("enrollments", second.id) is None


async def test_delete_enrollment_refusals(db: FakeDatabase, school: School) -> None:
    acme_enrollment = next(r.id for r in db.rows("enrollments") if r.obj.batch_id == school.b3.id)
    cases = [
        (commands.DeleteEnrollment(), ADMIN_1, InvalidArgument),
        (commands.DeleteEnrollment(batch_id=school.b1.id), ADMIN_1, InvalidArgument),
        (commands.DeleteEnrollment(enrollment_id="nope"), ADMIN_1, NotFound),
        (commands.DeleteEnrollment(enrollment_id=acme_enrollment), ADMIN_1, NotFound),
        (
            commands.DeleteEnrollment(batch_id=school.b1.id, student_id="student-1"),
            TEACHER_2,
            PermissionDenied,
        ),
        (
            commands.DeleteEnrollment(batch_id=school.b1.id, student_id="student-1"),
            STUDENT_1,
            PermissionDenied,
        ),
    ]
    for cmd, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await catalog.delete_enrollment(cmd, **acting(db, caller))


async def test_list_enrollments_of_a_batch_or_a_student(db: FakeDatabase, school: School) -> None:
    await seed_enrollment(db, school.b1, "student-2")

    async def listed(caller: Caller, batch_id: str = "", student_id: str = "") -> list[str]:
        items, total = await catalog.list_enrollments(
            batch_id=batch_id, student_id=student_id, page=page(), **acting(db, caller)
        )
        assert total == len(items)
        return [e.student_id for e in items]

    assert await listed(TEACHER_1, batch_id=school.b1.id) == ["student-1", "student-2"]
    assert await listed(ADMIN_1, student_id="student-1") == ["student-1"]  # not acme's
    assert await listed(STUDENT_1, batch_id=school.b1.id) == ["student-1"]  # only their own
    assert await listed(STUDENT_1, student_id="student-1") == ["student-1"]
    assert await listed(STRANGER, batch_id=school.b1.id) == []
    assert await listed(TEACHER_1, student_id="teacher-1") == []


async def test_list_enrollments_refusals(db: FakeDatabase, school: School) -> None:
    cases = [
        ({}, ADMIN_1, InvalidArgument),
        ({"student_id": "student-9"}, STUDENT_1, PermissionDenied),
        ({"batch_id": school.b1.id}, TEACHER_2, PermissionDenied),
        ({"student_id": "student-1"}, TEACHER_1, PermissionDenied),
        ({"batch_id": school.b3.id}, ADMIN_1, NotFound),
    ]
    for filters, caller, error in cases:
        args = {"batch_id": "", "student_id": ""} | filters
        with pytest.raises(error):
            await catalog.list_enrollments(**args, page=page(), **acting(db, caller))
