"""GetCalendarFeed: who reads which feed, what each event says (join link, SEQUENCE, status)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import NotFound, PermissionDenied
from scheduler.domain import commands
from scheduler.domain.model import SessionStatus
from scheduler.service_layer import calendar_feed, sessions
from scheduler.service_layer.calendar_feed import CalendarFeed, sequence_of
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    STRANGER,
    STUDENT_1,
    TEACHER_1,
    TEACHER_2,
    a_meeting,
    acting,
    at,
    seed_registrant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom


async def feed(
    db: FakeDatabase, clock: FakeClock, caller: Caller, batch_id: str = "", **values: bool
) -> CalendarFeed:
    return await calendar_feed.get_calendar_feed(
        batch_id=batch_id, now=clock, **values, **acting(db, caller)
    )


def by_id(found: CalendarFeed) -> dict[str, calendar_feed.CalendarEvent]:
    return {e.session.id: e for e in found.events}


@pytest.mark.parametrize("caller", [TEACHER_1, ADMIN_1])
async def test_a_batch_feed_holds_its_sessions_with_the_meeting_link(
    db: FakeDatabase, school: School, clock: FakeClock, caller: Caller
) -> None:
    later = await seed_session(
        db, school.b1, start=at(7 * 24 * 60), meeting=a_meeting(81_000_000_009)
    )
    found = await feed(db, clock, caller, school.b1.id)
    assert found.name == f"{school.c1.title} - {school.b1.name}"
    assert [e.session.id for e in found.events] == [school.s1.id, later.id]
    first = found.events[0]
    assert (first.join_url, first.registered) == (school.s1.meeting.join_url, False)
    assert first.course_title == school.c1.title
    assert first.sequence == 0  # never changed since it was created


async def test_sessions_older_than_the_window_are_left_out_and_cancelled_ones_kept(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    old = await seed_session(db, school.b1, start=clock() - timedelta(days=31))
    recent = await seed_session(db, school.b1, start=clock() - timedelta(days=29))
    gone = await seed_session(
        db,
        school.b1,
        start=at(60),
        status=SessionStatus.CANCELLED,
        meeting=a_meeting(81_000_000_008),
    )
    found = by_id(await feed(db, clock, TEACHER_1, school.b1.id))
    assert old.id not in found
    assert recent.id in found
    assert found[gone.id].session.status is SessionStatus.CANCELLED
    assert found[gone.id].join_url == ""  # nothing to join any more


async def test_moving_a_session_raises_its_sequence(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    before = by_id(await feed(db, clock, TEACHER_1, school.b1.id))[school.s1.id].sequence
    for hours in (1, 2):
        clock.advance(seconds=0.2)  # changes a fraction of a second apart still count
        await sessions.update_session(
            commands.UpdateSession(
                session_id=school.s1.id,
                changes={"scheduled_start": at(60 * hours), "scheduled_end": at(60 * hours + 90)},
            ),
            zoom=zoom,
            now=clock,
            **acting(db, TEACHER_1),
        )
        moved = by_id(await feed(db, clock, TEACHER_1, school.b1.id))[school.s1.id]
        assert moved.session.scheduled_start == at(60 * hours)
        assert moved.sequence > before
        before = moved.sequence


def test_the_sequence_is_the_tenths_of_a_second_from_creation_to_the_last_change(
    school: School,
) -> None:
    session = school.s1
    created = session.create_time
    assert created is not None
    session.update_time = created + timedelta(hours=1, seconds=5, milliseconds=250)
    assert sequence_of(session) == 36052
    session.update_time = created + timedelta(days=7 * 366)  # past what 32 bits hold: held
    assert sequence_of(session) == 2**31 - 1
    session.update_time = None
    assert sequence_of(session) == 0


async def test_a_students_own_feed_has_their_registrant_link(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    mine = await seed_registrant(
        db, school.s1, "student-1", meeting_id=school.s1.meeting.meeting_id
    )
    found = await feed(db, clock, STUDENT_1)
    assert found.name == ""
    # b1 only: the acme batch student-1 also attends is another tenant's; b2 is not theirs
    assert [e.session.id for e in found.events] == [school.s1.id]
    assert (found.events[0].join_url, found.events[0].registered) == (mine.join_url, True)


async def test_a_registration_for_an_earlier_meeting_is_not_the_link(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_registrant(db, school.s1, "student-1", meeting_id=1)
    [event] = (await feed(db, clock, STUDENT_1)).events
    assert (event.join_url, event.registered) == (school.s1.meeting.join_url, False)


async def test_a_teachers_own_feed_has_what_they_teach(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    elsewhere = await seed_session(db, school.b2, teacher_id="teacher-1", start=at(30))
    found = await feed(db, clock, TEACHER_1)
    assert [e.session.id for e in found.events] == [school.s1.id, elsewhere.id]
    assert all(not e.registered for e in found.events)
    # teacher-2 teaches b2's course: its sessions, whoever teaches each
    taught = [e.session.id for e in (await feed(db, clock, TEACHER_2)).events]
    assert taught == [school.s2.id, elsewhere.id]


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STUDENT_1, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
)
async def test_who_may_not_read_a_batch_feed(
    db: FakeDatabase,
    school: School,
    clock: FakeClock,
    caller: Caller,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await feed(db, clock, caller, school.b1.id)
    with pytest.raises(error):
        await feed(db, clock, caller, school.b1.id, validate_only=True)


async def test_validate_only_checks_and_returns_no_events(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    found = await feed(db, clock, TEACHER_1, school.b1.id, validate_only=True)
    assert found.events == ()
    assert (await feed(db, clock, STRANGER, validate_only=True)).events == ()


async def test_an_unknown_batch_is_not_found(db: FakeDatabase, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        await feed(db, clock, ADMIN_1, "batch-404")
