"""Who a join counts for (service_layer/people.py through the participant handlers): a student
only by identity - the registrant Zoom names, the customer key, a verified email registered for
them - and never by display name; anyone else is a guest, tied to an earlier record only by
Zoom's user id or the participant uuid of a stay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.domain import commands
from scheduler.domain.identity import ZoomIdentity, user_of
from scheduler.domain.model import Interval, Participant, SessionStatus
from scheduler.domain.registration import Registrant, student_of_email
from scheduler.service_layer import attendance, lifecycle
from tests.unit.scheduler.builders import (
    ADMIN_1,
    acting,
    at,
    seed_enrollment,
    seed_registrant,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase

MEETING = 81_000_000_001  # school.s1's meeting


def joined(at_: datetime, uuid: str, name: str, **who: Any) -> commands.RecordParticipantJoined:
    values = {"zoom_user_id": "", "email": "", "customer_key": "", "registrant_id": ""} | who
    return commands.RecordParticipantJoined(
        meeting_id=MEETING,
        event_time=at_,
        participant_uuid=uuid,
        name=name,
        join_time=at_,
        **values,
    )


def left(at_: datetime, uuid: str, name: str, **who: Any) -> commands.RecordParticipantLeft:
    values = {"zoom_user_id": "", "email": "", "customer_key": "", "registrant_id": ""} | who
    return commands.RecordParticipantLeft(
        meeting_id=MEETING,
        event_time=at_,
        participant_uuid=uuid,
        name=name,
        leave_time=at_,
        **values,
    )


async def play(db: FakeDatabase, clock: FakeClock, *events: Any) -> None:
    """Apply each event as the consumer does (one unit of work each, in its tenant)."""
    for event in events:
        handler = (
            lifecycle.participant_joined
            if isinstance(event, commands.RecordParticipantJoined)
            else lifecycle.participant_left
        )
        async with db.uow(tenant="default") as uow:
            await handler(event, uow=uow, now=clock)
            await uow.commit()


def people(db: FakeDatabase) -> list[Participant]:
    return [r.obj for r in db.rows("participants") if r.obj.user_id != "teacher-1"]


async def test_a_registrant_is_the_student_whatever_name_they_type(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    await play(
        db,
        clock,
        joined(at(0), "u-1", "iPhone (2)", registrant_id="reg-student-1"),
        left(at(30), "u-1", "iPhone (2)", registrant_id="reg-student-1"),
        # Back from another device, under another name: Zoom still names the registrant.
        joined(at(35), "u-2", "Asha K", registrant_id="reg-student-1"),
    )
    [asha] = people(db)
    assert (asha.user_id, asha.enrolled, asha.display_name) == ("student-1", True, "Asha K")
    assert [i.participant_uuid for i in asha.intervals] == ["u-1", "u-2"]


async def test_the_registrant_wins_over_the_customer_key(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    await play(
        db, clock, joined(at(0), "u-1", "A", registrant_id="reg-student-1", customer_key="x")
    )
    assert [p.user_id for p in people(db)] == ["student-1"]


async def test_a_verified_email_registered_for_a_student_is_that_student(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1", email="Asha@School.example")
    signed_in = joined(at(0), "u-1", "A", zoom_user_id="z-asha", email="asha@school.example")
    await play(db, clock, signed_in)
    assert [(p.user_id, p.enrolled) for p in people(db)] == [("student-1", True)]


async def test_a_typed_email_ties_nobody(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1", email="asha@school.example")
    # No Zoom user id: the email was typed by whoever joined, not verified by Zoom.
    await play(db, clock, joined(at(0), "u-1", "Asha", email="asha@school.example"))
    [guest] = people(db)
    assert (guest.user_id, guest.enrolled) == ("", False)


def test_an_email_registered_for_two_students_ties_neither() -> None:
    twice = [
        Registrant(id="1", session_id="s", student_id="a", registrant_id="r1", email="x@y.z"),
        Registrant(id="2", session_id="s", student_id="b", registrant_id="r2", email="X@y.z"),
    ]
    assert student_of_email(twice, "x@y.z") == ""
    assert user_of(ZoomIdentity(zoom_user_id="z", email="x@y.z"), twice) == ""
    assert user_of(ZoomIdentity(registrant_id="r2", email="x@y.z"), twice) == "b"


async def test_two_guests_with_the_same_name_are_two_people(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await play(
        db,
        clock,
        joined(at(0), "u-1", "iPad"),
        joined(at(10), "u-2", "iPad"),
        left(at(20), "u-1", "iPad"),
    )
    first, second = people(db)
    assert (first.user_id, second.user_id) == ("", "")
    assert [i.participant_uuid for i in first.intervals] == ["u-1"]
    assert [i.participant_uuid for i in second.intervals] == ["u-2"]
    assert first.intervals[0].leave_time == at(20)
    assert second.intervals[0].leave_time is None


async def test_a_guest_who_rejoins_under_the_same_name_is_a_new_guest_unless_zoom_ties_them(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await play(
        db,
        clock,
        joined(at(0), "u-1", "Visitor"),
        left(at(10), "u-1", "Visitor"),
        joined(at(20), "u-9", "Visitor"),  # a new device id: nothing says it is the same person
        joined(at(30), "u-1", "Visitor (2)"),  # the first device again: the same guest
        joined(at(40), "u-5", "Staff", zoom_user_id="z-7"),
        joined(at(50), "u-6", "Staff again", zoom_user_id="z-7"),  # a signed-in user: same
    )
    by_device = {frozenset(i.participant_uuid for i in p.intervals): p for p in people(db)}
    assert set(by_device) == {frozenset({"u-1"}), frozenset({"u-9"}), frozenset({"u-5", "u-6"})}
    assert len(by_device[frozenset({"u-1"})].intervals) == 2


async def test_a_guest_named_like_a_student_is_not_that_student(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    await play(
        db,
        clock,
        joined(at(0), "u-1", "Asha", registrant_id="reg-student-1"),
        left(at(10), "u-1", "Asha", registrant_id="reg-student-1"),
        joined(at(0), "u-2", "Asha"),  # an impostor, or a namesake: a guest either way
    )
    student, guest = people(db)
    assert (student.user_id, guest.user_id, guest.enrolled) == ("student-1", "", False)
    assert [i.participant_uuid for i in student.intervals] == ["u-1"]


async def test_a_guest_record_becomes_the_students_when_zoom_later_names_them(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    await play(
        db,
        clock,
        joined(at(0), "u-1", "Asha"),  # the join webhook without the registrant
        left(at(40), "u-1", "Asha", registrant_id="reg-student-1"),  # the leave names them
    )
    [asha] = people(db)
    assert (asha.user_id, asha.enrolled) == ("student-1", True)
    assert asha.intervals == [Interval("u-1", at(0), at(40))]


async def test_no_attendance_figure_comes_from_a_display_name(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """The report's figures for a student are their own stays only: namesakes, guests and
    people typing the student's name add nothing, and two same-named guests are two rows."""
    await seed_enrollment(db, school.b1, "student-2")
    await seed_registrant(db, school.s1, "student-1")
    await play(
        db,
        clock,
        joined(at(0), "u-1", "Asha", registrant_id="reg-student-1"),
        left(at(30), "u-1", "Asha", registrant_id="reg-student-1"),
        joined(at(0), "u-2", "Asha"),  # named like student-1
        left(at(90), "u-2", "Asha"),
        joined(at(0), "u-3", "student-2"),  # named like student-2's id
        left(at(90), "u-3", "student-2"),
        joined(at(5), "u-4", "Guest"),
        left(at(50), "u-4", "Guest"),
        joined(at(10), "u-5", "Guest"),
        left(at(20), "u-5", "Guest"),
    )
    async with db.uow(tenant="default") as uow:
        session = await uow.sessions.get(school.s1.id)
        assert session is not None
        session.status, session.actual_start, session.actual_end = (
            SessionStatus.ENDED,
            at(0),
            at(90),
        )
        await uow.commit()
    report = await attendance.attendance_report(
        school.s1.id, threshold=0, now=clock, **acting(db, ADMIN_1)
    )
    students = {r.user_id: r for r in report.rows if r.enrolled}
    assert (students["student-1"].minutes_attended, students["student-1"].present) == (30, False)
    assert (students["student-2"].minutes_attended, students["student-2"].present) == (0, False)
    guests = sorted((r.display_name, r.minutes_attended) for r in report.rows if not r.user_id)
    assert guests == [("Asha", 90), ("Guest", 10), ("Guest", 45), ("student-2", 90)]
    assert (report.present_count, report.absent_count, report.guest_count) == (0, 2, 4)
