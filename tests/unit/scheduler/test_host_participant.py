"""Seed 001's "adds teacher as host participant": the teacher's host record is made with the
session, and the teacher's later join in Zoom lands on that record (never a second host)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.domain import commands
from scheduler.domain.model import Interval, ParticipantRole, ParticipantStatus
from scheduler.service_layer import lifecycle, sessions
from tests.unit.scheduler.builders import ADMIN_1, acting, at
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom
from tests.unit.scheduler.test_session_handlers import create, new_session


def people(db: FakeDatabase, session_id: str) -> list[Any]:
    return [r.obj for r in db.rows("participants") if r.obj.session_id == session_id]


def joined(meeting_id: int, at_: datetime, **who: Any) -> commands.RecordParticipantJoined:
    values: dict[str, Any] = {
        "participant_uuid": "p-host",
        "zoom_user_id": "",
        "name": "Tara Teacher",
        "email": "",
        "customer_key": "",
    }
    return commands.RecordParticipantJoined(
        meeting_id=meeting_id, event_time=at_, join_time=at_, **(values | who)
    )


async def apply(db: FakeDatabase, cmd: Any, clock: FakeClock) -> bool:
    async with db.uow(tenant="default") as uow:
        changed = await lifecycle.participant_joined(cmd, uow=uow, now=clock)
        await uow.commit()
    return changed


async def test_a_new_session_has_its_teacher_as_host_before_anyone_joins(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    result = await create(db, zoom, clock, new_session(school.b1.id, request_id="r-1"))
    session = result.view.session
    [host] = people(db, session.id)
    assert (host.user_id, host.role, host.intervals, host.zoom_user_id) == (
        "teacher-1",
        ParticipantRole.HOST,
        [],
        "",
    )
    assert host.status is ParticipantStatus.NOT_JOINED
    assert result.view.participant_count == 1
    again = await create(db, zoom, clock, new_session(school.b1.id, request_id="r-1"))
    assert again.view.session.id == session.id
    assert len(people(db, session.id)) == 1  # a replay adds no second host


async def test_the_teacher_starting_the_meeting_lands_on_the_host_record(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    session = (await create(db, zoom, clock, new_session(school.b1.id))).view.session
    assert session.meeting is not None
    meeting = session.meeting.meeting_id
    # the host link carries no customer key: Zoom names its host user
    host_join = joined(meeting, at(0), zoom_user_id=session.meeting.host_zoom_user_id)
    assert await apply(db, host_join, clock)
    student = joined(meeting, at(1), participant_uuid="p-s", name="Asha", customer_key="student-1")
    assert await apply(db, student, clock)
    rejoin = joined(meeting, at(5), participant_uuid="p-host-2", zoom_user_id="zoom-host-1")
    assert await apply(db, rejoin, clock)
    hosts = [p for p in people(db, session.id) if p.role is ParticipantRole.HOST]
    [host] = hosts
    assert (host.user_id, host.display_name, host.zoom_user_id) == (
        "teacher-1",
        "Tara Teacher",
        "zoom-host-1",
    )
    assert host.intervals == [Interval("p-host", at(0)), Interval("p-host-2", at(5))]
    assert len(people(db, session.id)) == 2


async def test_the_teacher_joining_by_customer_key_or_as_flagged_host_lands_on_it_too(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    by_key = (await create(db, zoom, clock, new_session(school.b1.id, title="A"))).view.session
    flagged = (await create(db, zoom, clock, new_session(school.b1.id, title="B"))).view.session
    assert by_key.meeting is not None
    assert flagged.meeting is not None
    assert await apply(
        db, joined(by_key.meeting.meeting_id, at(0), customer_key="teacher-1"), clock
    )
    assert await apply(db, joined(flagged.meeting.meeting_id, at(0), is_host=True), clock)
    for session in (by_key, flagged):
        [host] = people(db, session.id)
        assert (host.role, host.user_id, host.display_name, len(host.intervals)) == (
            ParticipantRole.HOST,
            "teacher-1",
            "Tara Teacher",
            1,
        )


async def test_a_guest_never_lands_on_the_waiting_host_record(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    session = (await create(db, zoom, clock, new_session(school.b1.id))).view.session
    assert session.meeting is not None
    assert await apply(db, joined(session.meeting.meeting_id, at(0), name="Guest"), clock)
    host, guest = people(db, session.id)
    assert (host.role, host.intervals) == (ParticipantRole.HOST, [])
    assert (guest.role, guest.display_name) == (ParticipantRole.PARTICIPANT, "Guest")


async def test_a_new_teacher_takes_over_the_host_record_until_the_old_one_joined(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    session = (await create(db, zoom, clock, new_session(school.b1.id))).view.session
    assert session.meeting is not None

    async def teacher(user_id: str) -> None:
        await sessions.update_session(
            commands.UpdateSession(session_id=session.id, changes={"teacher_id": user_id}),
            zoom=zoom,
            now=clock,
            **acting(db, ADMIN_1),
        )

    await teacher("teacher-2")
    [host] = people(db, session.id)
    assert (host.user_id, host.role) == ("teacher-2", ParticipantRole.HOST)
    assert await apply(
        db, joined(session.meeting.meeting_id, at(0), customer_key="teacher-2"), clock
    )
    await teacher("teacher-3")  # teacher-2 joined: their attendance stays theirs
    by_user = {p.user_id: p for p in people(db, session.id)}
    assert set(by_user) == {"teacher-2", "teacher-3"}
    assert by_user["teacher-3"].role is ParticipantRole.HOST
    assert by_user["teacher-3"].intervals == []
    await teacher("teacher-2")  # back to someone who already has a record: nothing added
    await teacher("")  # no teacher: nothing to hand over
    assert len(people(db, session.id)) == 2
