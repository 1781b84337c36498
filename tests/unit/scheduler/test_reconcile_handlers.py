"""Reconciling attendance with Zoom's participants report after the meeting
(service_layer/reconcile.py): the job the meeting's end arms, what the report adds (joins whose
webhook was lost, phones, a second device, the true leave of a stay closed at the end), and
how Zoom being down, slow to publish or rate limiting is retried, then given up."""

from __future__ import annotations

from datetime import datetime, timedelta

from classbridge_common.errors import ResourceExhausted, Unavailable
from scheduler.domain import commands, events
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.jobs import JobKind, JobState, RetryPolicy, SessionJob
from scheduler.domain.model import Interval, Participant, ParticipantRole
from scheduler.service_layer import attendance, lifecycle, reconcile
from scheduler.service_layer.ports import ReportedJoin
from tests.unit.scheduler.builders import (
    ADMIN_1,
    acting,
    at,
    seed_enrollment,
    seed_job,
    seed_participant,
    seed_registrant,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom

MEETING = 81_000_000_001  # school.s1's meeting
POLICY = RetryPolicy(
    first_delay=timedelta(minutes=2),
    initial_backoff=timedelta(minutes=1),
    max_backoff=timedelta(minutes=8),
    window=timedelta(hours=1),
    lease=timedelta(minutes=1),
)


async def end_meeting(
    db: FakeDatabase, clock: FakeClock, *, uuid: str = "inst-1", when: datetime | None = None
) -> None:
    """meeting.ended, applied as the consumer applies it, at ``when`` (default: minute 90)."""
    clock.now = when or at(90)
    async with db.uow(tenant="default") as uow:
        await lifecycle.meeting_ended(
            commands.RecordMeetingEnded(
                meeting_id=MEETING,
                meeting_uuid=uuid,
                event_time=clock.now,
                start_time=at(0),
                end_time=clock.now,
            ),
            uow=uow,
            now=clock,
            policy=POLICY,
        )
        await uow.commit()


def jobs(db: FakeDatabase) -> list[SessionJob]:
    return [r.obj for r in db.rows("session_jobs")]


def row(joined: float, left: float, *, status_in_meeting: bool = True, **who: str) -> ReportedJoin:
    return ReportedJoin(
        who=ZoomIdentity(**who),
        join_time=at(joined),
        leave_time=at(left),
        in_meeting=status_in_meeting,
    )


async def run(db: FakeDatabase, zoom: FakeZoom, clock: FakeClock) -> int:
    return await reconcile.run_due(db.uow, zoom, policy=POLICY, now=clock)


async def figures(db: FakeDatabase, school: School) -> dict[str, tuple[int, int, bool]]:
    """(minutes, joins, reconciled) per user (guests by name)."""
    report = await attendance.attendance_report(school.s1.id, threshold=0, **acting(db, ADMIN_1))
    return {
        r.user_id or r.display_name: (r.minutes_attended, r.join_count, r.reconciled)
        for r in report.rows
    }


async def test_the_end_of_the_meeting_arms_one_read_of_its_report(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await end_meeting(db, clock)
    [job] = jobs(db)
    assert (job.session_id, job.kind, job.state, job.meeting_uuid) == (
        school.s1.id,
        JobKind.RECONCILE_ATTENDANCE,
        JobState.PENDING,
        "inst-1",
    )
    assert (job.next_attempt_time, job.give_up_time) == (at(92), at(150))
    assert db.tenant_of("session_jobs", job.id) == "default"
    await end_meeting(db, clock, when=at(91))  # a later meeting.ended of the same instance
    assert jobs(db) == [job]


async def test_nothing_is_read_before_it_is_due(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await end_meeting(db, clock)
    clock.now = at(91)
    assert await run(db, zoom, clock) == 0
    assert zoom.calls_of("past_participants") == []


async def test_the_report_adds_what_the_webhooks_missed(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_enrollment(db, school.b1, "student-2")
    await seed_enrollment(db, school.b1, "student-3")
    await seed_registrant(db, school.s1, "student-1")
    await seed_registrant(db, school.s1, "student-2")
    # student-1: their join webhook was lost (only the leave arrived); then a second device.
    await seed_participant(
        db,
        school.s1,
        user_id="student-1",
        enrolled=True,
        intervals=[Interval("laptop", None, at(40), "left")],
    )
    # student-3: joined, but the leave webhook was lost: closed at the end of the meeting.
    await seed_participant(
        db,
        school.s1,
        user_id="student-3",
        enrolled=True,
        intervals=[Interval("tablet", at(0), None)],
    )
    await end_meeting(db, clock)
    zoom.reports["inst-1"] = [
        row(0, 40, registrant_id="reg-student-1", name="Asha"),
        row(30, 70, registrant_id="reg-student-1", name="Asha (phone)"),  # overlaps: once
        # student-2 dialled in by phone and entered their participant id: never a webhook.
        row(10, 80, registrant_id="reg-student-2", name="+91 98•••"),
        row(0, 1, registrant_id="reg-student-2", status_in_meeting=False),  # the waiting room
        row(0, 30, customer_key="student-3", name="Ravi"),
        row(5, 60, name="Visitor"),  # a guest Zoom ties to nobody: the webhooks' record stands
    ]
    clock.now = at(92)
    assert await run(db, zoom, clock) == 1
    [call] = zoom.calls_of("past_participants")
    assert call.arguments == {"meeting_uuid": "inst-1", "tenant_id": "default"}
    found = await figures(db, school)
    assert found["student-1"] == (70, 1, True)
    assert found["student-2"] == (70, 1, True)
    assert found["student-3"] == (30, 1, True)  # the report's leave, not the meeting's end
    assert "Visitor" not in found
    [job] = jobs(db)
    assert (job.state, job.result_count, job.attempts, job.finish_time) == (
        JobState.DONE,
        4,  # the waiting room and the unknown guest are not merged
        1,
        at(92),
    )


async def test_reading_the_report_again_changes_nothing(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    zoom.reports["inst-1"] = [row(0, 45, registrant_id="reg-student-1")]
    await end_meeting(db, clock)
    clock.now = at(92)
    await run(db, zoom, clock)
    first = await figures(db, school)
    await end_meeting(db, clock, uuid="inst-1", when=at(93))  # same instance: not armed again
    assert await run(db, zoom, clock.__class__(at(200))) == 0
    async with db.uow(tenant="default") as uow:  # armed by hand, read a second time
        [job] = [
            j for j in [await uow.jobs.of_session(school.s1.id, JobKind.RECONCILE_ATTENDANCE)] if j
        ]
        job.arm(at=at(100), policy=POLICY)
        await uow.commit()
    clock.now = at(103)
    assert await run(db, zoom, clock) == 1
    assert await figures(db, school) == first == {"student-1": (45, 1, True)}
    [person] = [r.obj for r in db.rows("participants")]
    assert len(person.intervals) == 1


async def test_a_restarted_meeting_reads_the_report_of_each_instance(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    zoom.reports["inst-1"] = [row(0, 20, registrant_id="reg-student-1")]
    zoom.reports["inst-2"] = [row(40, 60, registrant_id="reg-student-1")]
    await end_meeting(db, clock, uuid="inst-1", when=at(30))
    clock.now = at(33)
    await run(db, zoom, clock)
    await end_meeting(db, clock, uuid="inst-2", when=at(90))
    [job] = jobs(db)
    assert (job.state, job.meeting_uuid, job.attempts) == (JobState.PENDING, "inst-2", 0)
    clock.now = at(93)
    await run(db, zoom, clock)
    assert (await figures(db, school))["student-1"] == (40, 2, True)


async def test_zoom_unavailable_is_retried_with_backoff_then_given_up(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_participant(
        db, school.s1, user_id="student-1", intervals=[Interval("u", at(0), at(60))]
    )
    await end_meeting(db, clock)
    zoom.failures["past_participants"] = Unavailable("Zoom answered 503")
    clock.now = at(92)
    delays = []
    while jobs(db)[0].state is JobState.PENDING:
        assert await run(db, zoom, clock) == 0
        job = jobs(db)[0]
        if job.next_attempt_time is not None:
            delays.append(job.next_attempt_time - clock.now)
            clock.now = job.next_attempt_time
    assert delays[:5] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 8)]
    job = jobs(db)[0]
    assert (job.state, job.last_error, job.next_attempt_time) == (
        JobState.GAVE_UP,
        "Zoom answered 503",
        None,
    )
    assert job.finish_time is not None
    assert job.finish_time <= job.give_up_time
    report = await attendance.attendance_report(school.s1.id, threshold=0, **acting(db, ADMIN_1))
    assert report.final  # nothing more will come: the webhooks' figures stand
    assert [(r.minutes_attended, r.reconciled) for r in report.rows] == [(60, False)]


async def test_attendance_is_announced_ready_once_the_report_is_merged(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await end_meeting(db, clock)
    zoom.reports["inst-1"] = [
        row(0, 60, customer_key="student-1"),
        row(5, 50, customer_key="student-2"),
    ]
    clock.now = at(92)
    assert await run(db, zoom, clock) == 1
    ready = [e for e in db.events if isinstance(e, events.SessionAttendanceReady)]
    assert ready == [
        events.SessionAttendanceReady(
            occurred_at=at(92),
            session_id=school.s1.id,
            session_title=school.s1.title,
            batch_id=school.s1.batch_id,
            course_id=school.s1.course_id,
            meeting_uuid="inst-1",
            participants=2,
            complete=True,
        )
    ]
    await run(db, zoom, clock)  # nothing is due any more: announced once
    assert len([e for e in db.events if isinstance(e, events.SessionAttendanceReady)]) == 1


async def test_attendance_given_up_on_is_announced_as_incomplete(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_participant(
        db, school.s1, user_id="student-1", intervals=[Interval("u", at(0), at(60))]
    )
    await end_meeting(db, clock)
    zoom.failures["past_participants"] = Unavailable("Zoom answered 503")
    clock.now = at(92)
    while jobs(db)[0].state is JobState.PENDING:
        await run(db, zoom, clock)
        ready = [e for e in db.events if isinstance(e, events.SessionAttendanceReady)]
        assert ready == [] or jobs(db)[0].state is JobState.GAVE_UP  # not before giving up
        clock.now = jobs(db)[0].next_attempt_time or clock.now
    [announced] = [e for e in db.events if isinstance(e, events.SessionAttendanceReady)]
    assert (announced.session_id, announced.participants, announced.complete) == (
        school.s1.id,
        1,
        False,
    )


async def test_zooms_own_retry_delay_is_honoured(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await end_meeting(db, clock)
    zoom.failures["past_participants"] = ResourceExhausted(
        "rate limited", retry_after=timedelta(minutes=20)
    )
    clock.now = at(92)
    await run(db, zoom, clock)
    [job] = jobs(db)
    assert (job.state, job.attempts, job.next_attempt_time) == (JobState.PENDING, 1, at(112))


async def test_an_empty_report_while_people_came_is_not_published_yet(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_participant(
        db, school.s1, user_id="student-1", intervals=[Interval("u", at(0), at(60))]
    )
    await end_meeting(db, clock)
    clock.now = at(92)
    assert await run(db, zoom, clock) == 0
    [job] = jobs(db)
    assert (job.state, job.next_attempt_time) == (JobState.PENDING, at(93))
    assert "empty" in job.last_error
    zoom.reports["inst-1"] = [row(0, 60, customer_key="student-1")]
    clock.now = at(93)
    assert await run(db, zoom, clock) == 1


async def test_an_empty_report_of_an_empty_class_is_the_answer(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await end_meeting(db, clock)
    clock.now = at(92)
    assert await run(db, zoom, clock) == 1
    assert jobs(db)[0].state is JobState.DONE
    assert await figures(db, school) == {"student-1": (0, 0, True)}  # confirmed absent


async def test_the_host_in_the_report_is_the_teachers_record(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_participant(db, school.s1, user_id="teacher-1", role=ParticipantRole.HOST)
    zoom.reports["inst-1"] = [row(0, 90, zoom_user_id="zoom-host-1", name="Teacher")]
    await end_meeting(db, clock)
    clock.now = at(92)
    await run(db, zoom, clock)
    people = [r.obj for r in db.rows("participants")]
    assert [(p.user_id, p.zoom_user_id) for p in people] == [("teacher-1", "zoom-host-1")]


async def test_a_job_claimed_by_another_worker_is_left_to_it(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await end_meeting(db, clock)
    clock.now = at(92)
    [job] = jobs(db)
    async with db.uow(tenant="default") as mine, db.uow(tenant="default") as theirs:
        a = await mine.jobs.get(job.id)
        b = await theirs.jobs.get(job.id)
        assert a is not None
        assert b is not None
        assert await theirs.jobs.claim(b, b.claim(now=clock(), policy=POLICY, lease_id="theirs"))
        await theirs.commit()
        assert not await mine.jobs.claim(a, a.claim(now=clock(), policy=POLICY, lease_id="mine"))
    assert await run(db, zoom, clock) == 0  # claimed: not due until its lease runs out
    assert zoom.calls_of("past_participants") == []


async def test_an_outcome_after_the_job_was_armed_again_is_discarded(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await seed_registrant(db, school.s1, "student-1")
    zoom.reports["inst-1"] = [row(0, 45, registrant_id="reg-student-1")]
    await end_meeting(db, clock)
    clock.now = at(92)

    async def restarted(operation: str) -> None:  # while Zoom is asked: a new instance ended
        zoom.during_call = None
        await end_meeting(db, clock, uuid="inst-2", when=at(92))

    zoom.during_call = restarted
    assert await run(db, zoom, clock) == 0
    [job] = jobs(db)
    assert (job.state, job.meeting_uuid) == (JobState.PENDING, "inst-2")
    assert all(not i.reported_by for r in db.rows("participants") for i in r.obj.intervals)
    zoom.failures["past_participants"] = Unavailable("down")

    async def rearm_during_failure(operation: str) -> None:
        zoom.during_call = None
        await end_meeting(db, clock, uuid="inst-3", when=at(95))

    clock.now = at(94)
    zoom.during_call = rearm_during_failure
    await run(db, zoom, clock)
    [job] = jobs(db)
    assert (job.meeting_uuid, job.attempts, job.last_error) == ("inst-3", 0, "")


async def test_each_tenants_jobs_run_in_that_tenant(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    clock.now = at(90)
    async with db.uow(tenant="acme") as uow:
        await lifecycle.meeting_ended(
            commands.RecordMeetingEnded(
                meeting_id=81_000_000_003,
                meeting_uuid="acme-1",
                event_time=at(90),
                start_time=at(0),
                end_time=at(90),
            ),
            uow=uow,
            now=clock,
            policy=POLICY,
        )
        await uow.commit()
    await end_meeting(db, clock)
    zoom.reports["acme-1"] = [row(0, 90, customer_key="student-1")]
    clock.now = at(92)
    assert await run(db, zoom, clock) == 2
    asked = sorted((c.arguments["meeting_uuid"], c.arguments["tenant_id"]) for c in zoom.calls)
    assert asked == [("acme-1", "acme"), ("inst-1", "default")]
    [acme_person] = [r for r in db.rows("participants") if r.tenant_id == "acme"]
    assert (acme_person.obj.session_id, acme_person.obj.enrolled) == (school.s3.id, True)


def test_a_meetings_report_is_of_its_last_instance_when_zoom_named_none() -> None:
    from tests.unit.scheduler.builders import a_meeting

    session = type("S", (), {"meeting": a_meeting(5, meeting_uuid="")})()
    assert reconcile.meeting_ref(session, "") == "5"  # type: ignore[arg-type]
    assert reconcile.meeting_ref(session, "given") == "given"  # type: ignore[arg-type]
    assert reconcile.meeting_ref(type("S", (), {"meeting": None})(), "") == ""  # type: ignore[arg-type]


def test_a_participant_takes_the_reports_stays_for_one_instance() -> None:
    person = Participant(id="p", session_id="s")
    person.joined(participant_uuid="u", at=at(0))
    person.close_open(at=at(90))  # the leave webhook was lost
    assert person.take_report("i-1", [(at(0), at(30))])
    assert not person.take_report("i-1", [(at(0), at(30))])
    assert person.time_attended(until=at(90)) == timedelta(minutes=30)
    assert person.take_report("i-2", [(at(50), at(60))])
    assert person.time_attended(until=at(90)) == timedelta(minutes=40)
    assert person.take_report("i-1", [])  # the webhook stay no report covers counts again
    assert person.time_attended(until=at(90)) == timedelta(minutes=90)


async def test_a_job_that_is_not_due_or_not_there_is_not_run(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    done = await seed_job(db, school.s1, state=JobState.DONE, meeting_uuid="inst-1")
    for job_id in (done.id, "no-such-job"):
        assert not await reconcile.run_job(
            job_id, uow=db.uow(tenant="default"), zoom=zoom, policy=POLICY, now=clock
        )
    assert zoom.calls == []
    async with db.uow(tenant="default") as uow:
        alone = await uow.sessions.get(school.s2.id)
        assert alone is not None
        assert alone.meeting is None
        assert (
            await reconcile.schedule(uow, alone, meeting_uuid="", at=at(90), policy=POLICY) is None
        )


async def test_a_job_whose_session_went_is_given_up(
    db: FakeDatabase, school: School, clock: FakeClock, zoom: FakeZoom
) -> None:
    await end_meeting(db, clock)
    clock.now = at(92)

    async def deleted(operation: str) -> None:
        async with db.uow(tenant="default") as uow:
            await uow.sessions.delete(school.s1.id)
            await uow.commit()

    zoom.during_call = deleted
    assert await run(db, zoom, clock) == 0
    [job] = jobs(db)
    assert (job.state, job.last_error) == (JobState.GAVE_UP, "the session no longer exists")
