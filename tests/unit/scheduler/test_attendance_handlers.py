"""Attendance reports (service_layer/attendance.py): per session and per batch over a range of
days, who may read which rows, the present threshold (request, batch, default), absentees,
and how far Zoom's report has been merged (reconciled, final)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from classbridge_common.auth import STUDENT, Caller
from classbridge_common.errors import InvalidArgument, NotFound, PermissionDenied
from scheduler.domain.jobs import JobState
from scheduler.domain.model import (
    Batch,
    BatchType,
    Enrollment,
    Interval,
    ParticipantRole,
    SessionStatus,
)
from scheduler.service_layer import attendance
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    CO_TEACHER,
    STRANGER,
    STUDENT_1,
    T0,
    TEACHER_1,
    TEACHER_2,
    acting,
    at,
    seed_batch,
    seed_enrollment,
    seed_job,
    seed_participant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase


async def ended_class(db: FakeDatabase, school: School, **values: object) -> object:
    """An ended 90-minute class of b1 (student-1 and student-2 enrolled): student-1 stayed 75
    minutes, a guest 15, the teacher all of it."""
    await seed_enrollment(db, school.b1, "student-2")
    ended = await seed_session(
        db,
        school.b1,
        status=SessionStatus.ENDED,
        actual_start=at(0),
        actual_end=at(90),
        **values,
    )
    for name, user, stay in (
        ("Asha", "student-1", (0, 75)),
        ("Guest", "", (5, 20)),
        ("Teacher", "teacher-1", (0, 90)),
    ):
        await seed_participant(
            db,
            ended,
            display_name=name,
            user_id=user,
            enrolled=user == "student-1",
            intervals=[Interval(name, at(stay[0]), at(stay[1]))],
        )
    return ended


async def test_the_attendance_report_of_an_ended_session(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    ended = await ended_class(db, school)
    report = await attendance.attendance_report(
        ended.id, threshold=0, now=clock, **acting(db, TEACHER_1)
    )
    assert report.final  # no meeting, so no report to wait for
    assert (report.session_minutes, report.present_threshold_percentage) == (90, 75.0)
    assert (report.enrolled_count, report.present_count, report.absent_count) == (2, 1, 1)
    assert report.guest_count == 1  # the teacher is not a guest
    rows = {r.user_id or r.display_name: r for r in report.rows}
    assert (rows["student-1"].present, rows["student-1"].attendance_percentage) == (True, 83.33)
    assert (rows["student-1"].join_count, rows["student-1"].rejoin_count) == (1, 0)
    assert (rows["student-1"].first_join_time, rows["student-1"].last_leave_time) == (
        at(0),
        at(75),
    )
    absent = rows["student-2"]
    assert (absent.present, absent.minutes_attended, absent.join_count) == (False, 0, 0)
    assert absent.enrolled
    assert not absent.reconciled
    assert not rows["Guest"].enrolled
    assert report.average_attendance_percentage == round((83.33 + 0.0) / 2, 2)
    assert report.generate_time == clock()
    strict = await attendance.attendance_report(ended.id, threshold=90, **acting(db, ADMIN_1))
    assert strict.present_count == 0


async def test_the_threshold_is_the_requests_else_the_batchs_else_the_default(
    db: FakeDatabase, school: School
) -> None:
    strict_batch = await seed_batch(db, school.c1, present_threshold_percentage=90.0)
    session = await seed_session(db, strict_batch)
    found = await attendance.attendance_report(session.id, threshold=0, **acting(db, ADMIN_1))
    assert found.present_threshold_percentage == 90.0
    found = await attendance.attendance_report(session.id, threshold=40, **acting(db, ADMIN_1))
    assert found.present_threshold_percentage == 40.0
    found = await attendance.attendance_report(
        school.s1.id, threshold=0, default_threshold=60.0, **acting(db, ADMIN_1)
    )
    assert found.present_threshold_percentage == 60.0


@pytest.mark.parametrize("threshold", [-1, 100.5, float("nan")])
async def test_the_threshold_is_a_percentage(
    db: FakeDatabase, school: School, threshold: float
) -> None:
    with pytest.raises(InvalidArgument):
        await attendance.attendance_report(school.s1.id, threshold=threshold, **acting(db, ADMIN_1))


async def test_the_attendance_report_of_an_individual_batch_expects_its_student(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-7")
    await seed_enrollment(db, solo, "student-8")  # an enrolment an individual batch ignores
    session = await seed_session(db, solo)
    await seed_participant(
        db, session, user_id="student-8", intervals=[Interval("x", at(0), at(90))]
    )
    clock.now = at(120)
    report = await attendance.attendance_report(
        session.id, threshold=50, now=clock, **acting(db, TEACHER_1)
    )
    assert not report.final
    assert (report.enrolled_count, report.present_count, report.guest_count) == (1, 0, 1)
    assert [r.user_id for r in report.rows if r.enrolled] == ["student-7"]
    assert report.average_attendance_percentage == 0.0


async def test_nobody_came(db: FakeDatabase, school: School) -> None:
    report = await attendance.attendance_report(school.s2.id, threshold=0, **acting(db, ADMIN_1))
    assert [(r.user_id, r.enrolled, r.present) for r in report.rows] == [("student-9", True, False)]
    assert (report.enrolled_count, report.present_count, report.absent_count) == (1, 0, 1)
    assert report.average_attendance_percentage == 0.0
    empty = await seed_session(db, await seed_batch(db, school.c2))
    nothing = await attendance.attendance_report(empty.id, threshold=0, **acting(db, ADMIN_1))
    assert (nothing.rows, nothing.average_attendance_percentage) == ([], 0.0)


async def test_a_student_enrolled_after_the_class_was_not_expected_at_it(
    db: FakeDatabase, school: School
) -> None:
    early = await seed_session(db, school.b1, start=T0 - timedelta(days=30))
    report = await attendance.attendance_report(early.id, threshold=0, **acting(db, ADMIN_1))
    assert report.rows == []
    assert report.enrolled_count == 0


async def test_one_students_records_and_devices_are_measured_together(
    db: FakeDatabase, school: School
) -> None:
    ended = await seed_session(
        db, school.b1, status=SessionStatus.ENDED, actual_start=at(0), actual_end=at(90)
    )
    # A laptop with a drop and a rejoin, and a phone overlapping the laptop: three stays, two
    # stretches of presence (the phone bridged nothing), 70 minutes once counted.
    await seed_participant(
        db,
        ended,
        user_id="student-1",
        intervals=[Interval("laptop", at(0), at(30)), Interval("laptop-2", at(50), at(90))],
    )
    await seed_participant(
        db, ended, user_id="student-1", intervals=[Interval("phone", at(60), at(80))]
    )
    report = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    [row] = report.rows
    assert (row.minutes_attended, row.join_count, row.rejoin_count) == (70, 2, 1)
    assert (row.first_join_time, row.last_leave_time, row.present) == (at(0), at(90), True)


async def test_someone_still_in_the_meeting_has_no_last_leave(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_participant(
        db, school.s1, user_id="student-1", intervals=[Interval("u", at(0), None)]
    )
    clock.now = at(45)
    report = await attendance.attendance_report(
        school.s1.id, threshold=0, now=clock, **acting(db, ADMIN_1)
    )
    [row] = report.rows
    assert (row.minutes_attended, row.last_leave_time, report.final) == (45, None, False)


async def test_final_and_reconciled_follow_the_read_of_zooms_report(
    db: FakeDatabase, school: School
) -> None:
    ended = await ended_class(db, school)
    job = await seed_job(db, ended, meeting_uuid="inst-1", next_attempt_time=at(92))
    waiting = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    assert not waiting.final
    assert waiting.reconciliation is not None
    assert not any(r.reconciled for r in waiting.rows)
    async with db.uow(tenant="default") as uow:
        stored = await uow.jobs.get(job.id)
        assert stored is not None
        stored.succeeded(now=at(95), count=3)
        await uow.commit()
    done = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    assert done.final
    assert all(r.reconciled for r in done.rows)
    assert done.reconciliation is not None
    assert done.reconciliation.state is JobState.DONE
    async with db.uow(tenant="default") as uow:
        stored = await uow.jobs.get(job.id)
        assert stored is not None
        stored.state = JobState.GAVE_UP
        await uow.commit()
    gave_up = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    assert gave_up.final
    assert not any(r.reconciled for r in gave_up.rows)


async def test_a_student_reads_only_their_own_row(db: FakeDatabase, school: School) -> None:
    ended = await ended_class(db, school)
    mine = await attendance.attendance_report(ended.id, threshold=0, **acting(db, STUDENT_1))
    assert [(r.user_id, r.present) for r in mine.rows] == [("student-1", True)]
    assert (mine.enrolled_count, mine.present_count, mine.guest_count) == (1, 1, 0)
    async with db.uow(tenant="default") as uow:  # student-1 leaves the batch
        enrollment = await uow.enrollments.find(school.b1.id, "student-1")
        assert enrollment is not None
        await uow.enrollments.delete(enrollment.id)
        await uow.commit()
    with pytest.raises(PermissionDenied):
        await attendance.attendance_report(ended.id, threshold=0, **acting(db, STUDENT_1))


async def test_an_absent_student_reads_their_absence(db: FakeDatabase, school: School) -> None:
    await seed_enrollment(db, school.b2, "student-1")
    mine = await attendance.attendance_report(school.s2.id, threshold=0, **acting(db, STUDENT_1))
    assert [(r.user_id, r.minutes_attended, r.present) for r in mine.rows] == [
        ("student-1", 0, False)
    ]
    assert (mine.enrolled_count, mine.absent_count) == (1, 1)


@pytest.mark.parametrize(
    ("caller", "error"),
    [
        (STRANGER, PermissionDenied),  # a student of another batch
        (TEACHER_2, PermissionDenied),  # teaches another course
        (ACME_ADMIN, NotFound),  # another tenant: the session does not exist there
    ],
    ids=["other-student", "other-teacher", "other-tenant"],
)
async def test_who_may_not_read_a_sessions_attendance(
    db: FakeDatabase, school: School, caller: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await attendance.attendance_report(school.s1.id, threshold=0, **acting(db, caller))


async def test_the_co_teacher_reads_every_row(db: FakeDatabase, school: School) -> None:
    ended = await ended_class(db, school)
    report = await attendance.attendance_report(ended.id, threshold=0, **acting(db, CO_TEACHER))
    assert len(report.rows) == 4


# ---- A batch over a range of days ----


async def a_term(db: FakeDatabase, school: School) -> dict[str, object]:
    """Three classes of b1 (Asia/Kolkata) on 14, 15 and 16 January local time, the middle one
    cancelled; the first starts at 23:00 UTC on the 13th, already the 14th in Kolkata."""
    await seed_enrollment(db, school.b1, "student-2")
    async with db.uow(tenant="default") as uow:
        batch = await uow.batches.get(school.b1.id)
        assert batch is not None
        batch.timezone = "Asia/Kolkata"
        await uow.commit()
    first = await seed_session(db, school.b1, start=T0.replace(day=13, hour=23))
    cancelled = await seed_session(db, school.b1, start=T0, status=SessionStatus.CANCELLED)
    last = await seed_session(db, school.b1, start=T0 + timedelta(days=1))
    await seed_participant(
        db, first, user_id="student-1", intervals=[Interval("u", T0.replace(day=13, hour=23), None)]
    )
    return {"first": first, "cancelled": cancelled, "last": last}


async def test_a_batchs_attendance_over_days_of_its_timezone(
    db: FakeDatabase, school: School
) -> None:
    term = await a_term(db, school)
    found = await attendance.batch_attendance(
        school.b1.id,
        from_day=date(2030, 1, 14),
        to_day=date(2030, 1, 16),
        threshold=0,
        **acting(db, TEACHER_1),
    )
    assert found.timezone == "Asia/Kolkata"
    assert [r.session.id for r in found.sessions] == [
        term["first"].id,
        school.s1.id,  # 15 January, 10:00 UTC
        term["last"].id,
    ]
    assert {r.user_id for r in found.sessions[2].rows} == {"student-1", "student-2"}
    only_first = await attendance.batch_attendance(
        school.b1.id,
        from_day=None,
        to_day=date(2030, 1, 14),
        threshold=0,
        **acting(db, ADMIN_1),
    )
    assert [r.session.id for r in only_first.sessions] == [term["first"].id]
    everything = await attendance.batch_attendance(
        school.b1.id, from_day=None, to_day=None, threshold=0, **acting(db, ADMIN_1)
    )
    assert len(everything.sessions) == 3  # the cancelled one never


async def test_a_student_reads_their_own_rows_of_the_batch(
    db: FakeDatabase, school: School
) -> None:
    await a_term(db, school)
    found = await attendance.batch_attendance(
        school.b1.id, from_day=None, to_day=None, threshold=0, **acting(db, STUDENT_1)
    )
    assert {r.user_id for report in found.sessions for r in report.rows} == {"student-1"}


async def test_a_days_range_ends_after_it_starts(db: FakeDatabase, school: School) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await attendance.batch_attendance(
            school.b1.id,
            from_day=date(2030, 1, 16),
            to_day=date(2030, 1, 14),
            threshold=0,
            **acting(db, ADMIN_1),
        )
    assert "to_date" in str(refused.value.violations)


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STRANGER, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
    ids=["other-student", "other-teacher", "other-tenant"],
)
async def test_who_may_not_read_a_batchs_attendance(
    db: FakeDatabase, school: School, caller: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await attendance.batch_attendance(
            school.b1.id, from_day=None, to_day=None, threshold=0, **acting(db, caller)
        )


def _student(subject: str) -> Caller:
    return Caller(subject=subject, roles=frozenset({STUDENT}), tenant="default")


async def enrolled_as(
    db: FakeDatabase, batch: Batch, student_id: str, *, since: datetime, **person: str
) -> None:
    """An enrolment made at ``since``, with the name and email the platform gave (if any)."""
    async with db.uow(tenant=db.tenant_of("batches", batch.id)) as uow:
        await uow.enrollments.add(
            Enrollment(
                id=f"enrollment-{student_id}",
                batch_id=batch.id,
                student_id=student_id,
                create_time=since,
                **person,
            ),
            request_id=None,
        )
        await uow.commit()


async def test_a_student_enrolled_after_the_class_was_over_was_not_expected_at_it(
    db: FakeDatabase, school: School
) -> None:
    """Held (and ended) before its planned time: who enrolled after its real end was not
    expected at it, even though the planned end is still to come; who enrolled while it ran
    was."""
    early = await seed_session(
        db, school.b1, status=SessionStatus.ENDED, actual_start=at(-180), actual_end=at(-120)
    )
    await enrolled_as(db, school.b1, "student-late", since=at(-60))
    await enrolled_as(db, school.b1, "student-during", since=at(-150))
    report = await attendance.attendance_report(early.id, threshold=0, **acting(db, ADMIN_1))
    expected = {r.user_id for r in report.rows if r.enrolled}
    assert expected == {"student-1", "student-during"}
    assert report.enrolled_count == 2
    batch = await attendance.batch_attendance(
        school.b1.id, from_day=None, to_day=None, threshold=0, **acting(db, ADMIN_1)
    )
    held = next(s for s in batch.sessions if s.session.id == early.id)
    assert {r.user_id for r in held.rows if r.enrolled} == expected


async def test_an_enrolment_in_the_second_zoom_ends_the_class_in_counts_as_before_the_end(
    db: FakeDatabase, school: School
) -> None:
    """Zoom gives the end to the second: a student enrolled 400 ms into that second may have
    been enrolled first, so is expected; one enrolled the next second was not."""
    ended = await seed_session(
        db, school.b1, status=SessionStatus.ENDED, actual_start=at(-180), actual_end=at(-120)
    )
    await enrolled_as(db, school.b1, "student-same", since=at(-120) + timedelta(milliseconds=400))
    await enrolled_as(db, school.b1, "student-next", since=at(-120) + timedelta(seconds=1))
    report = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    assert {r.user_id for r in report.rows if r.enrolled} == {"student-1", "student-same"}


async def test_a_students_row_is_named_as_they_were_enrolled(
    db: FakeDatabase, school: School
) -> None:
    """Zoom shows a dial-in under its number, a second device under whatever was typed: the
    student's row shows the name and email the course platform enrolled them with, present or
    absent; a student enrolled without them keeps Zoom's, and a guest is named as Zoom named
    them."""
    person = {"first_name": "Dee", "last_name": "Park", "email": "dee@school.test"}
    await enrolled_as(db, school.b1, "student-dee", since=at(-600), **person)
    absent = {"first_name": "Eli", "last_name": "Moss", "email": "eli@school.test"}
    await enrolled_as(db, school.b1, "student-eli", since=at(-600), **absent)
    ended = await seed_session(
        db, school.b1, status=SessionStatus.ENDED, actual_start=at(0), actual_end=at(60)
    )
    for name, user in (("+1 415 555 0100", "student-dee"), ("Ash (phone)", "student-1")):
        await seed_participant(
            db, ended, display_name=name, user_id=user, enrolled=True, intervals=[]
        )
    await seed_participant(db, ended, display_name="Dee Park", email="dee@home.test")  # a guest
    report = await attendance.attendance_report(ended.id, threshold=0, **acting(db, TEACHER_1))
    rows = {r.user_id: r for r in report.rows if r.user_id}
    assert (rows["student-dee"].display_name, rows["student-dee"].email) == (
        "Dee Park",
        "dee@school.test",
    )
    assert (rows["student-eli"].display_name, rows["student-eli"].email) == (
        "Eli Moss",
        "eli@school.test",
    )
    assert not rows["student-eli"].present
    assert rows["student-1"].display_name == "Ash (phone)"  # enrolled without a name
    guest = next(r for r in report.rows if not r.user_id)
    assert (guest.display_name, guest.email, guest.enrolled) == ("Dee Park", "dee@home.test", False)
    own = await attendance.attendance_report(
        ended.id, threshold=0, **acting(db, _student("student-eli"))
    )
    assert [(r.user_id, r.display_name) for r in own.rows] == [("student-eli", "Eli Moss")]


async def test_the_host_is_no_guest_when_the_session_names_no_teacher(
    db: FakeDatabase, school: School
) -> None:
    ended = await seed_session(
        db,
        school.b1,
        status=SessionStatus.ENDED,
        actual_start=at(0),
        actual_end=at(60),
        teacher_id="",
    )
    await seed_participant(
        db,
        ended,
        display_name="Front Desk",
        role=ParticipantRole.HOST,
        intervals=[Interval("h", at(0), at(60))],
    )
    await seed_participant(
        db, ended, display_name="Visitor", intervals=[Interval("v", at(5), at(20))]
    )
    report = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    assert report.guest_count == 1
    assert {r.display_name for r in report.rows if not r.enrolled} == {"Front Desk", "Visitor"}


async def test_first_join_and_last_leave_are_of_the_stays_that_count(
    db: FakeDatabase, school: School
) -> None:
    """Zoom delivered the leave after the meeting's end: the webhooks closed the stay at the
    end, and the leave came on its own. Zoom's report gives the true stay; the row's last leave
    is the report's, as its minutes are, not the end the webhooks guessed."""
    ended = await seed_session(
        db, school.b1, status=SessionStatus.ENDED, actual_start=at(0), actual_end=at(90)
    )
    await seed_participant(
        db,
        ended,
        user_id="student-1",
        enrolled=True,
        intervals=[
            Interval("laptop", at(2), at(90)),  # closed by the meeting's end
            Interval("laptop", None, at(80)),  # the leave, delivered after the end
            Interval("", at(2), at(80), reported_by="instance-1"),
        ],
    )
    report = await attendance.attendance_report(ended.id, threshold=0, **acting(db, ADMIN_1))
    row = next(r for r in report.rows if r.user_id == "student-1")
    assert (row.minutes_attended, row.join_count) == (78, 1)
    assert (row.first_join_time, row.last_leave_time) == (at(2), at(80))
