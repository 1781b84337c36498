"""Session series (service_layer/series.py) against the fake unit of work and Zoom: one
recurring meeting with a session per occurrence, occurrences moved and cancelled alone, Zoom's
events of each instance on its own session, separate meetings where Zoom cannot say the rule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from classbridge_common.auth import STUDENT, TEACHER, Caller
from classbridge_common.errors import InvalidArgument, NotFound, PermissionDenied, Unavailable
from scheduler.domain import commands
from scheduler.domain.jobs import JobKind
from scheduler.domain.model import MeetingChange, SessionStatus
from scheduler.domain.series import SeriesMeetings, SeriesStatus
from scheduler.domain.timing import InstantTiming
from scheduler.service_layer import lifecycle, series, sessions
from tests.unit.scheduler.builders import STUDENT_1, TEACHER_1, TEACHER_2, acting, nothing_stored
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom

# Monday 4 February 2030, 10:00 in Kolkata (04:30 UTC).
FIRST = datetime(2030, 2, 4, 4, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def weekly(
    batch_id: str, rule: str = "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", **values: object
) -> commands.CreateSeries:
    return commands.CreateSeries(
        session=commands.CreateSession(
            batch_id=batch_id,
            title="Physics",
            timing=InstantTiming(start=FIRST, end=FIRST + HOUR),
            timezone="Asia/Kolkata",
        ),
        rule=rule,
        request_id=str(values.get("request_id", "series-1")),
        exceptions=values.get("exceptions", ()),  # type: ignore[arg-type]
    )


async def make(
    db: FakeDatabase, zoom: FakeZoom, clock: FakeClock, cmd: commands.CreateSeries
) -> series.SeriesResult:
    return await series.create_series(
        cmd, **acting(db, TEACHER_1), zoom=zoom, default_timezone="UTC", now=clock
    )


async def test_one_recurring_meeting_and_a_session_per_occurrence(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    cmd = weekly(school.b1.id, exceptions=(datetime(2030, 2, 11, 10, 0),))
    result = await make(db, zoom, clock, cmd)
    made = result.view
    assert made.series.meetings is SeriesMeetings.RECURRING
    starts = [s.scheduled_start for s in made.sessions]
    assert starts == [FIRST + timedelta(days=d) for d in (0, 2, 9, 14, 16)]  # 11 Feb skipped
    [create] = zoom.calls_of("create_meeting")
    spec = create.arguments["spec"]
    assert spec.recurrence is not None
    assert spec.recurrence.end_times == 6
    assert spec.recurrence.weekly_days == (2, 4)
    meeting_id = made.series.meeting_id
    assert {s.meeting.meeting_id for s in made.sessions if s.meeting} == {meeting_id}
    assert [s.meeting.occurrence_id for s in made.sessions if s.meeting] == [
        str(int(t.timestamp() * 1000)) for t in starts
    ]
    # the exception's occurrence is deleted from the recurring meeting, nothing else
    [deleted] = zoom.calls_of("delete_meeting")
    assert deleted.arguments["occurrence_id"] == str(
        int((FIRST + timedelta(days=7)).timestamp() * 1000)
    )
    linked = [e for e in db.events if type(e).__name__ == "SessionMeetingLinked"]
    assert sorted(e.session_id for e in linked) == sorted(s.id for s in made.sessions)
    # the same request again: the same series, no second meeting
    again = await make(db, zoom, clock, cmd)
    assert again.view.series.id == made.series.id
    assert len(zoom.calls_of("create_meeting")) == 1


async def test_moving_and_cancelling_one_occurrence_touch_only_it_at_zoom(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    second, third = made.sessions[1], made.sessions[2]
    assert second.meeting is not None
    assert third.meeting is not None
    moved = second.scheduled_start + HOUR
    await sessions.update_session(
        commands.UpdateSession(
            session_id=second.id,
            changes={"scheduled_start": moved, "scheduled_end": moved + HOUR, "title": "Lab"},
        ),
        **acting(db, TEACHER_1),
        zoom=zoom,
        now=clock,
    )
    [update] = zoom.calls_of("update_meeting")
    assert update.arguments["occurrence_id"] == second.meeting.occurrence_id
    assert set(update.arguments["paths"]) <= {"start_time", "duration_minutes"}
    await sessions.cancel_session(
        commands.CancelSession(session_id=third.id), **acting(db, TEACHER_1), zoom=zoom, now=clock
    )
    delete = zoom.calls_of("delete_meeting")[-1]
    assert delete.arguments["occurrence_id"] == third.meeting.occurrence_id
    after = (await series.get_series(made.series.id, **acting(db, STUDENT_1))).sessions
    assert [s.status for s in after].count(SessionStatus.CANCELLED) == 1
    assert all(s.meeting is not None for s in after if s.id != third.id)


async def test_each_instance_of_the_meeting_lands_on_its_own_occurrence(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    meeting_id = made.series.meeting_id
    for k, session in enumerate(made.sessions[:3]):
        uuid = f"instance-{k}=="
        start = session.scheduled_start + timedelta(minutes=2)
        async with db.uow(tenant="default") as uow:
            await lifecycle.meeting_started(
                commands.RecordMeetingStarted(meeting_id, uuid, start, start), uow=uow, now=clock
            )
            await uow.commit()
        async with db.uow(tenant="default") as uow:
            await lifecycle.participant_joined(
                commands.RecordParticipantJoined(
                    meeting_id=meeting_id,
                    event_time=start,
                    participant_uuid=f"p-{k}",
                    zoom_user_id="",
                    name=f"Guest {k}",
                    email="",
                    customer_key="",
                    join_time=start,
                ),
                uow=uow,
                now=clock,
            )
            await uow.commit()
        end = start + HOUR
        async with db.uow(tenant="default") as uow:
            await lifecycle.meeting_ended(
                commands.RecordMeetingEnded(meeting_id, uuid, end, start, end), uow=uow, now=clock
            )
            await uow.commit()
    after = (await series.get_series(made.series.id, **acting(db, TEACHER_1))).sessions
    assert [s.status for s in after] == [SessionStatus.ENDED] * 3 + [SessionStatus.SCHEDULED] * 3
    assert [s.meeting.meeting_uuid for s in after[:3] if s.meeting] == [
        "instance-0==",
        "instance-1==",
        "instance-2==",
    ]
    for k, session in enumerate(after[:3]):
        names = {
            r.obj.display_name for r in db.rows("participants") if r.obj.session_id == session.id
        }
        assert f"Guest {k}" in names
        assert len({f"Guest {j}" for j in range(3)} & names) == 1


async def test_a_rule_zoom_cannot_say_gets_a_meeting_per_session_within_the_budget(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id, "FREQ=DAILY;COUNT=70"))).view
    assert made.series.meetings is SeriesMeetings.SEPARATE
    assert len(made.sessions) == 70
    assert not zoom.calls_of("create_meeting")
    jobs = [r.obj for r in db.rows("session_jobs") if r.obj.kind is JobKind.CREATE_MEETING]
    assert sorted(j.session_id for j in jobs) == sorted(s.id for s in made.sessions)


async def test_cancelling_the_series_cancels_what_is_to_come_and_its_meeting(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    result = await series.cancel_series(
        commands.CancelSeries(series_id=made.series.id, reason="term cancelled"),
        **acting(db, TEACHER_1),
        zoom=zoom,
        now=clock,
    )
    assert result.view.series.status is SeriesStatus.CANCELLED
    assert {s.status for s in result.view.sessions} == {SessionStatus.CANCELLED}
    whole = zoom.calls_of("delete_meeting")[-1]
    assert whole.arguments["meeting_id"] == made.series.meeting_id
    assert "occurrence_id" not in whole.arguments


async def test_another_teacher_a_student_and_a_bad_rule_store_nothing(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    with nothing_stored(db):
        for caller in (TEACHER_2, STUDENT_1):
            with pytest.raises((PermissionDenied, NotFound)):
                await series.create_series(
                    weekly(school.b1.id), **acting(db, caller), zoom=zoom, default_timezone="UTC"
                )
        with pytest.raises(InvalidArgument, match="must end"):
            await make(db, zoom, clock, weekly(school.b1.id, "FREQ=WEEKLY;BYDAY=MO"))
    assert not zoom.calls_of("create_meeting")


async def test_a_recurring_meeting_zoom_failed_to_make_is_made_by_the_same_request_again(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    zoom.failures["create_meeting"] = Unavailable("Zoom is down")
    first = await make(db, zoom, clock, weekly(school.b1.id))
    assert [w.code for w in first.warnings] == ["ZOOM_MEETING_CREATE_FAILED"]
    assert all(s.meeting is None for s in first.view.sessions)
    del zoom.failures["create_meeting"]
    again = await make(db, zoom, clock, weekly(school.b1.id))
    assert again.view.series.id == first.view.series.id
    assert all(s.meeting is not None for s in again.view.sessions)
    assert len({c.arguments["request_id"] for c in zoom.calls_of("create_meeting")}) == 1


async def test_an_instance_that_starts_before_the_last_is_seen_ended_is_still_its_own(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    meeting_id = made.series.meeting_id
    for k in (0, 1):  # the first instance's end has not arrived when the second starts
        start = made.sessions[k].scheduled_start
        async with db.uow(tenant="default") as uow:
            await lifecycle.meeting_started(
                commands.RecordMeetingStarted(meeting_id, f"i-{k}", start, start),
                uow=uow,
                now=clock,
            )
            await uow.commit()
    after = (await series.get_series(made.series.id, **acting(db, TEACHER_1))).sessions
    assert [s.status for s in after[:3]] == [SessionStatus.IN_PROGRESS] * 2 + [
        SessionStatus.SCHEDULED
    ]
    assert [s.meeting.meeting_uuid for s in after[:2] if s.meeting] == ["i-0", "i-1"]


async def test_changing_the_series_moves_each_class_to_come_alone_at_zoom(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    result = await series.update_series(
        commands.UpdateSeries(
            series_id=made.series.id, title="Optics", start=time(11, 0), end=time(12, 30)
        ),
        **acting(db, TEACHER_1),
        zoom=zoom,
        now=clock,
    )
    after = result.view.sessions
    assert {s.title for s in after} == {"Optics"}
    kolkata = ZoneInfo("Asia/Kolkata")
    local = [
        (s.scheduled_start.astimezone(kolkata), s.scheduled_end.astimezone(kolkata)) for s in after
    ]
    assert {(a.hour, a.minute, b.hour, b.minute) for a, b in local} == {(11, 0, 12, 30)}
    assert [a.date() for a, _ in local] == [
        s.scheduled_start.astimezone(kolkata).date() for s in made.sessions
    ]
    updates = zoom.calls_of("update_meeting")
    per_occurrence = [u for u in updates if u.arguments.get("occurrence_id")]
    assert sorted(u.arguments["occurrence_id"] for u in per_occurrence) == sorted(
        s.meeting.occurrence_id for s in made.sessions if s.meeting
    )
    [topic] = [u for u in updates if not u.arguments.get("occurrence_id")]
    assert topic.arguments["paths"] == ("topic",)
    assert result.view.series.duration_minutes == 90
    with pytest.raises(InvalidArgument, match="together"):
        await series.update_series(
            commands.UpdateSeries(series_id=made.series.id, start=time(9, 0)),
            **acting(db, TEACHER_1),
            zoom=zoom,
            now=clock,
        )


async def test_only_who_manages_the_series_may_cancel_it_even_one_who_may_read_it(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    # a teacher elsewhere who attends this batch as a student: reads the series, manages nothing
    attending = Caller(
        subject=STUDENT_1.subject,
        roles=frozenset({TEACHER, STUDENT}),
        tenant=STUDENT_1.tenant,
    )
    assert (await series.get_series(made.series.id, **acting(db, attending))).sessions
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await series.cancel_series(
            commands.CancelSeries(series_id=made.series.id),
            **acting(db, attending),
            zoom=zoom,
            now=clock,
        )
    assert not zoom.calls_of("delete_meeting")  # Zoom was not asked to delete anything


async def test_every_occurrence_changed_in_zoom_moves_each_class_to_come_on_its_own_day(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    made = (await make(db, zoom, clock, weekly(school.b1.id))).view
    meeting_id = made.series.meeting_id
    held = made.sessions[0]
    start = held.scheduled_start
    async with db.uow(tenant="default") as uow:  # the first class is held first
        await lifecycle.meeting_started(
            commands.RecordMeetingStarted(meeting_id, "inst-0==", start, start), uow=uow, now=clock
        )
        await uow.commit()
    # In Zoom's web portal: every occurrence from 10:00 to 11:30 Kolkata, 90 minutes long.
    new_first = datetime(2030, 2, 4, 11, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    change = commands.RecordMeetingUpdated(
        meeting_id=meeting_id,
        change=MeetingChange(event_time=clock(), start_time=new_first, duration_minutes=90),
    )
    async with db.uow(tenant="default") as uow:
        assert await lifecycle.meeting_updated(change, uow=uow, now=clock)
        await uow.commit()
    after = (await series.get_series(made.series.id, **acting(db, TEACHER_1))).sessions
    kolkata = ZoneInfo("Asia/Kolkata")
    assert after[0].scheduled_start == held.scheduled_start  # in progress: kept
    for before, now in zip(made.sessions[1:], after[1:], strict=True):
        assert now.scheduled_start.astimezone(kolkata).date() == (
            before.scheduled_start.astimezone(kolkata).date()
        )
        assert now.scheduled_start.astimezone(kolkata).time() == time(11, 30)
        assert now.scheduled_end - now.scheduled_start == timedelta(minutes=90)
        assert now.meeting is not None
        assert now.meeting.occurrence_id == str(int(now.scheduled_start.timestamp() * 1000))
    updates = [e for e in db.events if type(e).__name__ == "SessionUpdated"]
    assert sorted(e.session_id for e in updates) == sorted(s.id for s in after[1:])
    # Zoom's echo of the same change, delivered again: nothing moves twice
    async with db.uow(tenant="default") as uow:
        assert not await lifecycle.meeting_updated(change, uow=uow, now=clock)
        await uow.commit()
    # and the instance of a moved occurrence still finds its class
    second = after[1]
    begin = second.scheduled_start
    async with db.uow(tenant="default") as uow:
        await lifecycle.meeting_started(
            commands.RecordMeetingStarted(meeting_id, "inst-1==", begin, begin), uow=uow, now=clock
        )
        await uow.commit()
    again = (await series.get_series(made.series.id, **acting(db, TEACHER_1))).sessions
    assert again[1].status is SessionStatus.IN_PROGRESS
    assert [s.status for s in again[2:]] == [SessionStatus.SCHEDULED] * 4
