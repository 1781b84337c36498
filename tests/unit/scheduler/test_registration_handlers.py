"""Registering a batch's students for its meetings (service_layer/registration.py): the sync
job a linked meeting or an enrolment change arms, the registrations it makes and removes at Zoom
and stores, following students who join, leave or move batch, the student's own join link
(GetJoinUrl), and a registered student's join counting for them."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from classbridge_common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from scheduler.domain import commands
from scheduler.domain.jobs import JobKind, JobState, RetryPolicy, SessionJob
from scheduler.domain.model import BatchType, SessionStatus
from scheduler.domain.registration import Registrant
from scheduler.domain.timing import LocalTiming
from scheduler.service_layer import catalog, lifecycle, registration, sessions
from scheduler.service_layer.ports import RegistrantSpec
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    STRANGER,
    STUDENT_1,
    TEACHER_1,
    a_meeting,
    acting,
    at,
    seed_batch,
    seed_registrant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom

POLICY = RetryPolicy(
    first_delay=timedelta(0),
    initial_backoff=timedelta(minutes=1),
    max_backoff=timedelta(minutes=4),
    window=timedelta(minutes=30),
    lease=timedelta(minutes=1),
)


def sync_jobs(db: FakeDatabase) -> list[SessionJob]:
    return [r.obj for r in db.rows("session_jobs") if r.obj.kind is JobKind.SYNC_REGISTRANTS]


def registrants(db: FakeDatabase, session_id: str) -> dict[str, Registrant]:
    rows = [r.obj for r in db.rows("session_registrants") if r.obj.session_id == session_id]
    return {r.student_id: r for r in rows}


async def enroll(db: FakeDatabase, clock: FakeClock, batch_id: str, student: str, **who: str):
    return await catalog.create_enrollment(
        commands.CreateEnrollment(batch_id=batch_id, student_id=student, **who),
        now=clock,
        **acting(db, TEACHER_1),
    )


async def unenroll(db: FakeDatabase, batch_id: str, student: str) -> None:
    await catalog.delete_enrollment(
        commands.DeleteEnrollment(batch_id=batch_id, student_id=student), **acting(db, TEACHER_1)
    )


async def run(db: FakeDatabase, zoom: FakeZoom, clock: FakeClock) -> int:
    return await registration.run_due(db.uow, zoom, policy=POLICY, now=clock)


async def test_a_linked_meeting_of_a_group_batch_registers_its_students(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await enroll(db, clock, school.b1.id, "student-2", email="Ravi@School.example", first_name="R")
    sync_jobs_before = len(sync_jobs(db))
    result = await sessions.create_session(
        commands.CreateSession(
            batch_id=school.b1.id,
            title="Loops",
            timing=LocalTiming(day=date(2030, 1, 20), start=time(10), end=time(11)),
        ),
        zoom=zoom,
        now=clock,
        default_timezone="UTC",
        **acting(db, TEACHER_1),
    )
    session = result.view.session
    assert zoom.specs[session.id].settings["approval_type"] == 0  # Zoom takes registrations
    assert len(sync_jobs(db)) == sync_jobs_before + 1
    assert await run(db, zoom, clock) >= 1
    [call] = [
        c
        for c in zoom.calls_of("add_registrants")
        if c.arguments["meeting_id"] == session.meeting.meeting_id
    ]
    assert call.arguments["people"] == [RegistrantSpec("Ravi@School.example", "R", "")]
    mine = registrants(db, session.id)["student-2"]
    assert mine.registrant_id.startswith("zr-")
    assert mine.join_url.startswith("https://zoom.example/w/")
    assert "student-1" not in registrants(db, session.id)  # enrolled without an email


async def test_enrolling_leaving_and_moving_batch_keep_registrations_in_step(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    evening = await seed_batch(db, school.c1, name="Evening")
    other = await seed_session(db, evening, meeting=a_meeting(81_000_000_040))
    await enroll(db, clock, school.b1.id, "student-2", email="ravi@school.example")
    [job] = sync_jobs(db)
    assert (job.session_id, job.state) == (school.s1.id, JobState.PENDING)
    await run(db, zoom, clock)
    ravi = registrants(db, school.s1.id)["student-2"]
    # Moved to the evening batch: removed from the morning's meeting, registered for the other.
    await unenroll(db, school.b1.id, "student-2")
    await enroll(db, clock, evening.id, "student-2", email="ravi@school.example")
    await run(db, zoom, clock)
    assert registrants(db, school.s1.id) == {}
    [removed] = zoom.calls_of("remove_registrants")
    assert removed.arguments["registrant_ids"] == [ravi.registrant_id]
    assert list(registrants(db, other.id)) == ["student-2"]
    assert all(j.state is JobState.DONE for j in sync_jobs(db))


async def test_a_student_without_an_email_arms_nothing(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await enroll(db, clock, school.b1.id, "student-2")
    await unenroll(db, school.b1.id, "student-2")
    assert sync_jobs(db) == []


@pytest.mark.parametrize("email", ["no-at-sign", "a@b@c", "two words@x.example", "@x.example"])
async def test_an_enrolment_email_must_be_an_address(
    db: FakeDatabase, school: School, clock: FakeClock, email: str
) -> None:
    with pytest.raises(InvalidArgument):
        await enroll(db, clock, school.b1.id, "student-2", email=email)


async def test_a_meeting_zoom_replaced_is_registered_for_afresh(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_registrant(db, school.s1, "student-2", meeting_id=80_000_000_000)  # the old one
    await enroll(db, clock, school.b1.id, "student-2", email="ravi@school.example")
    await run(db, zoom, clock)
    found = registrants(db, school.s1.id)["student-2"]
    assert found.meeting_id == school.s1.meeting.meeting_id
    assert zoom.calls_of("remove_registrants") == []  # the old meeting's went with it


async def test_a_changed_email_is_registered_again(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    meeting = school.s1.meeting.meeting_id
    await seed_registrant(
        db, school.s1, "student-2", email="old@school.example", meeting_id=meeting
    )
    await enroll(db, clock, school.b1.id, "student-2", email="new@school.example")
    await run(db, zoom, clock)
    assert registrants(db, school.s1.id)["student-2"].email == "new@school.example"
    [removed] = zoom.calls_of("remove_registrants")
    assert removed.arguments["registrant_ids"] == ["reg-student-2"]


async def test_zoom_down_is_retried_and_no_registration_is_given_up(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await enroll(db, clock, school.b1.id, "student-2", email="ravi@school.example")
    zoom.failures["add_registrants"] = Unavailable("Zoom answered 503")
    assert await run(db, zoom, clock) == 0
    [job] = sync_jobs(db)
    assert (job.state, job.attempts, job.last_error) == (JobState.PENDING, 1, "Zoom answered 503")
    assert job.next_attempt_time == clock() + timedelta(minutes=1)
    clock.advance(minutes=1)
    zoom.failures["add_registrants"] = FailedPrecondition("the meeting takes no registrations")
    assert await run(db, zoom, clock) == 0
    [job] = sync_jobs(db)
    assert (job.state, job.last_error) == (JobState.GAVE_UP, "the meeting takes no registrations")
    del zoom.failures["add_registrants"]
    await enroll(db, clock, school.b1.id, "student-3", email="mei@school.example")  # armed again
    assert await run(db, zoom, clock) == 1
    assert set(registrants(db, school.s1.id)) == {"student-2", "student-3"}


async def test_sessions_that_need_no_registrations(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-7")
    private = await seed_session(db, solo, meeting=a_meeting(81_000_000_050))
    over = await seed_session(db, school.b1, meeting=a_meeting(81_000_000_051))
    async with db.uow(tenant="default") as uow:
        for session in (private, school.s2):  # one-to-one, and no meeting
            found = await uow.sessions.get(session.id)
            assert await registration.arm(uow, found, at=clock(), policy=POLICY) is None
        job = await registration.arm(uow, await uow.sessions.get(over.id), at=clock())
        assert job is not None
        ended = await uow.sessions.get(over.id)
        ended.status = SessionStatus.ENDED
        await uow.commit()
    assert await run(db, zoom, clock) == 1  # nothing to do: done
    assert sync_jobs(db)[0].state is JobState.DONE
    assert zoom.calls == []


async def test_an_outcome_after_the_job_was_armed_again_is_discarded(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await enroll(db, clock, school.b1.id, "student-2", email="ravi@school.example")

    async def enrolled_meanwhile(operation: str) -> None:
        zoom.during_call = None
        await enroll(db, clock, school.b1.id, "student-3", email="mei@school.example")

    zoom.during_call = enrolled_meanwhile
    assert await run(db, zoom, clock) == 0  # stale: the next attempt plans afresh
    assert registrants(db, school.s1.id) == {}
    assert await run(db, zoom, clock) == 1
    assert set(registrants(db, school.s1.id)) == {"student-2", "student-3"}
    assert len(zoom.registrants) == 2  # Zoom registered Ravi once, though asked twice


async def test_a_failure_after_the_job_was_armed_again_is_discarded(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await enroll(db, clock, school.b1.id, "student-2", email="ravi@school.example")
    zoom.failures["add_registrants"] = Unavailable("down")

    async def enrolled_meanwhile(operation: str) -> None:
        zoom.during_call = None
        await enroll(db, clock, school.b1.id, "student-3", email="mei@school.example")

    zoom.during_call = enrolled_meanwhile
    assert await run(db, zoom, clock) == 0
    [job] = sync_jobs(db)
    assert (job.state, job.attempts, job.last_error) == (JobState.PENDING, 0, "")
    assert not await registration.run_job(
        "no-such-job", uow=db.uow(tenant="default"), zoom=zoom, policy=POLICY, now=clock
    )


async def test_a_registered_students_join_counts_for_them(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await enroll(db, clock, school.b1.id, "student-2", email="ravi@school.example")
    await run(db, zoom, clock)
    ravi = registrants(db, school.s1.id)["student-2"]
    async with db.uow(tenant="default") as uow:
        await lifecycle.participant_joined(
            commands.RecordParticipantJoined(
                meeting_id=school.s1.meeting.meeting_id,
                event_time=at(1),
                participant_uuid="u-1",
                zoom_user_id="",
                name="iPhone",
                email="",
                customer_key="",
                join_time=at(1),
                registrant_id=ravi.registrant_id,
            ),
            uow=uow,
            now=clock,
        )
        await uow.commit()
    [person] = [r.obj for r in db.rows("participants")]
    assert (person.user_id, person.enrolled) == ("student-2", True)


# ---- A student's own join link ----


async def test_a_registered_student_gets_their_own_link(db: FakeDatabase, school: School) -> None:
    meeting = school.s1.meeting.meeting_id
    await seed_registrant(db, school.s1, "student-1", meeting_id=meeting)
    url, registered = await sessions.get_join_url(school.s1.id, **acting(db, STUDENT_1))
    assert (url, registered) == ("https://zoom.example/w/1?tk=secret-student-1", True)
    teacher = await sessions.get_join_url(school.s1.id, **acting(db, TEACHER_1))
    assert teacher == (school.s1.meeting.join_url, False)


async def test_a_student_not_registered_gets_the_meetings_link(
    db: FakeDatabase, school: School
) -> None:
    await seed_registrant(db, school.s1, "student-1", meeting_id=80_000_000_000)  # replaced
    found = await sessions.get_join_url(school.s1.id, **acting(db, STUDENT_1))
    assert found == (school.s1.meeting.join_url, False)


async def test_who_may_not_have_a_join_link(db: FakeDatabase, school: School) -> None:
    with pytest.raises(PermissionDenied):
        await sessions.get_join_url(school.s1.id, **acting(db, STRANGER))
    with pytest.raises(NotFound):
        await sessions.get_join_url(school.s1.id, **acting(db, ACME_ADMIN))
    with pytest.raises(FailedPrecondition):
        await sessions.get_join_url(school.s2.id, **acting(db, ADMIN_1))  # no meeting
    ended = await seed_session(
        db, school.b1, meeting=a_meeting(81_000_000_060), status=SessionStatus.ENDED
    )
    with pytest.raises(FailedPrecondition):
        await sessions.get_join_url(ended.id, **acting(db, STUDENT_1))
