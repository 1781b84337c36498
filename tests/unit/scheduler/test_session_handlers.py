"""Sessions and their Zoom meetings (service_layer/sessions.py) against the fake unit of work
and the fake Zoom: what is stored, what Zoom is asked, which events leave, which warnings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from scheduler.domain import commands, events
from scheduler.domain.model import (
    AutoRecording,
    BatchType,
    MeetingDeletion,
    SessionStatus,
    ZoomMeeting,
)
from scheduler.domain.timing import InstantTiming, LocalTiming
from scheduler.service_layer import lifecycle, sessions
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    CO_TEACHER,
    OPERATOR_1,
    STRANGER,
    STUDENT_1,
    T0,
    TEACHER_1,
    TEACHER_2,
    a_meeting,
    acting,
    at,
    nothing_stored,
    page,
    seed_batch,
    seed_course,
    seed_lesson,
    seed_participant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom

KOLKATA = ZoneInfo("Asia/Kolkata")


def local(start: time = time(10), end: time = time(11, 30)) -> LocalTiming:
    """A class on 2030-01-15 in the session's timezone, as course platforms send it."""
    return LocalTiming(day=date(2030, 1, 15), start=start, end=end)


def new_session(batch_id: str, **values: Any) -> commands.CreateSession:
    return commands.CreateSession(
        batch_id=batch_id,
        title=values.pop("title", "Introduction"),
        timing=values.pop("timing", local()),
        **values,
    )


def codes(result: sessions.SessionResult) -> list[str]:
    """The warning codes: what a caller is told when Zoom did not do its part."""
    return [w.code for w in result.warnings]


async def create(
    db: FakeDatabase,
    zoom: FakeZoom,
    clock: FakeClock,
    cmd: commands.CreateSession,
    caller: Caller = TEACHER_1,
    default_timezone: str = "UTC",
) -> sessions.SessionResult:
    """CreateSession as the entry point calls it, for ``caller``."""
    return await sessions.create_session(
        cmd, zoom=zoom, now=clock, default_timezone=default_timezone, **acting(db, caller)
    )


# ---- CreateSession ----


async def test_create_session_stores_it_and_links_a_zoom_meeting(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    result = await create(
        db,
        zoom,
        clock,
        new_session(
            school.b1.id, description="Basics", timezone="Asia/Kolkata", max_participants=30
        ),
    )
    session = result.view.session
    assert result.warnings == ()
    assert session.scheduled_start == T0.replace(hour=10).replace(tzinfo=KOLKATA)
    assert session.scheduled_minutes == 90
    assert (session.teacher_id, session.timezone, session.max_participants) == (
        "teacher-1",
        "Asia/Kolkata",
        30,
    )
    info = zoom.meetings[session.id]  # the session id is the idempotency key
    assert session.meeting is not None
    assert (session.meeting.meeting_id, session.meeting.join_url) == (
        info.meeting_id,
        info.join_url,
    )
    assert session.meeting.create_time == clock()
    assert db.get("sessions", session.id) == session
    spec = zoom.specs[session.id]
    assert (spec.topic, spec.duration_minutes, spec.agenda, spec.timezone, spec.tenant_id) == (
        "JavaScript - Introduction",
        90,
        "Basics",
        "Asia/Kolkata",
        "default",
    )
    assert spec.settings["auto_recording"] == "AUTO_RECORDING_CLOUD"
    [linked] = db.events
    assert isinstance(linked, events.SessionMeetingLinked)
    assert (linked.session_id, linked.batch_id, linked.course_id, linked.meeting_id) == (
        session.id,
        school.b1.id,
        school.c1.id,
        info.meeting_id,
    )
    assert (linked.duration_minutes, linked.student_id, linked.tenant_id) == (90, "", "default")
    assert linked.storage_folder_hint == f"videos/{school.b1.id}"
    assert db.published[0].tenant_id == "default"


async def test_meeting_settings_merge_course_batch_and_session(
    db: FakeDatabase, zoom: FakeZoom, clock: FakeClock
) -> None:
    course = await seed_course(
        db, default_meeting_settings={"waiting_room": True, "host_video": False}
    )
    batch = await seed_batch(db, course, meeting_settings={"waiting_room": False, "x": 1})
    await create(
        db,
        zoom,
        clock,
        new_session(
            batch.id, meeting_settings={"x": 2}, auto_recording=AutoRecording.NONE, request_id="k"
        ),
    )
    [spec] = zoom.specs.values()
    assert spec.settings["waiting_room"] is False  # the batch over the course
    assert spec.settings["host_video"] is False  # the course over the defaults
    assert spec.settings["join_before_host"] is True  # the defaults
    assert spec.settings["x"] == 2  # the session over the batch
    assert spec.settings["auto_recording"] == "AUTO_RECORDING_NONE"


async def test_a_short_individual_session_books_thirty_minutes_and_says_so(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-1")
    result = await create(db, zoom, clock, new_session(solo.id, timing=local(end=time(10, 15))))
    assert codes(result) == ["DURATION_ADJUSTED"]
    assert zoom.specs[result.view.session.id].duration_minutes == 30
    [linked] = db.events
    assert (linked.student_id, linked.batch_type) == ("student-1", BatchType.INDIVIDUAL)
    assert linked.storage_folder_hint == "videos/student/student-1"


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (None, "ZOOM_NOT_CONFIGURED"),
        (ResourceExhausted("quota", retry_after=timedelta(seconds=30)), "ZOOM_RATE_LIMITED"),
        (Unavailable("Zoom answered 503"), "ZOOM_MEETING_CREATE_FAILED"),
    ],
)
async def test_a_zoom_failure_leaves_the_session_without_a_meeting_and_a_warning(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    failure: Exception | None,
    code: str,
) -> None:
    if failure is None:
        zoom.configured = False
    else:
        zoom.failures["create_meeting"] = failure
    result = await create(db, zoom, clock, new_session(school.b1.id))
    assert codes(result) == [code]
    stored = db.get("sessions", result.view.session.id)
    assert stored is not None
    assert stored.meeting is None
    assert db.events == []
    if code == "ZOOM_RATE_LIMITED":
        assert result.warnings[0].retry_after == timedelta(seconds=30)
    if code == "ZOOM_MEETING_CREATE_FAILED":
        assert "Zoom answered 503" in result.warnings[0].message


async def test_create_session_without_a_meeting_asks_zoom_nothing(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    result = await create(db, zoom, clock, new_session(school.b1.id, create_zoom_meeting=False))
    assert zoom.calls == []
    assert result.view.session.meeting is None
    assert db.get("sessions", result.view.session.id) is not None


async def test_create_session_is_idempotent_on_request_id(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    cmd = new_session(school.b1.id, request_id="r-1")
    first = await create(db, zoom, clock, cmd)
    with nothing_stored(db):
        again = await create(db, zoom, clock, cmd)
    assert again.view.session.id == first.view.session.id
    assert again.view.session.meeting == first.view.session.meeting
    assert len(zoom.calls_of("create_meeting")) == 1


async def test_the_timezone_comes_from_the_request_the_batch_the_course_or_the_default(
    db: FakeDatabase, zoom: FakeZoom, clock: FakeClock
) -> None:
    course = await seed_course(db, default_timezone="Europe/Paris")
    zoned = await seed_batch(db, course, timezone="Asia/Kolkata")
    plain = await seed_batch(db, course)
    bare = await seed_batch(db, await seed_course(db))

    async def zone_of(batch_id: str, **values: Any) -> str:
        cmd = new_session(batch_id, create_zoom_meeting=False, **values)
        result = await create(db, zoom, clock, cmd, default_timezone="America/New_York")
        return result.view.session.timezone

    assert await zone_of(zoned.id, timezone="Asia/Tokyo") == "Asia/Tokyo"
    assert await zone_of(zoned.id) == "Asia/Kolkata"
    assert await zone_of(plain.id) == "Europe/Paris"
    assert await zone_of(bare.id) == "America/New_York"


async def test_the_teacher_comes_from_the_request_the_batch_or_the_caller(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    unassigned = await seed_batch(db, school.c1, instructor_id="")

    async def teacher_of(batch_id: str, caller: Caller, **values: Any) -> str:
        cmd = new_session(batch_id, create_zoom_meeting=False, **values)
        return (await create(db, zoom, clock, cmd, caller)).view.session.teacher_id

    assert await teacher_of(school.b1.id, ADMIN_1, teacher_id="teacher-7") == "teacher-7"
    assert await teacher_of(school.b1.id, ADMIN_1) == "teacher-1"
    assert await teacher_of(unassigned.id, CO_TEACHER) == "teacher-3"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"batch_id": ""}, "batch_id"),
        ({"title": "  "}, "title"),
        ({"timing": None}, "timing"),
        ({"max_participants": -1}, "max_participants"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"timing": InstantTiming(start=T0, end=T0)}, "time_range.end_time"),
        ({"timing": InstantTiming(start=T0, end=T0 + timedelta(hours=25))}, "time_range.end_time"),
    ],
)
async def test_create_session_refuses_bad_input(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    values: dict[str, Any],
    field: str,
) -> None:
    batch_id = values.pop("batch_id", school.b1.id)
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await create(db, zoom, clock, new_session(batch_id, **values))
    assert error.value.violations[0].field == field
    assert zoom.calls == []


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STUDENT_1, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
)
async def test_create_session_refusals(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    caller: Caller,
    error: type[Exception],
) -> None:
    with nothing_stored(db), pytest.raises(error):
        await create(db, zoom, clock, new_session(school.b1.id), caller)
    assert zoom.calls == []


# ---- CreateZoomMeeting ----


async def test_create_zoom_meeting_links_one_later(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    result = await sessions.create_zoom_meeting(
        commands.CreateZoomMeeting(
            session_id=school.s2.id, meeting_settings={"waiting_room": True}
        ),
        zoom=zoom,
        now=clock,
        **acting(db, TEACHER_2),
    )
    meeting = db.get("sessions", school.s2.id).meeting
    assert meeting is not None
    assert meeting.meeting_id == zoom.meetings[school.s2.id].meeting_id
    assert result.view.session.meeting == meeting
    assert zoom.specs[school.s2.id].settings["waiting_room"] is True
    assert [type(e) for e in db.events] == [events.SessionMeetingLinked]


async def test_create_zoom_meeting_refusals(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    cancelled = await seed_session(db, school.b1, status=SessionStatus.CANCELLED)
    cases = [
        (school.s1.id, TEACHER_1, AlreadyExists),
        (cancelled.id, TEACHER_1, FailedPrecondition),
        (school.s2.id, TEACHER_1, PermissionDenied),
        (school.s2.id, STUDENT_1, PermissionDenied),
        (school.s3.id, ADMIN_1, NotFound),
        ("", ADMIN_1, InvalidArgument),
    ]
    for session_id, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await sessions.create_zoom_meeting(
                commands.CreateZoomMeeting(session_id=session_id),
                zoom=zoom,
                now=clock,
                **acting(db, caller),
            )
    assert zoom.calls == []


async def test_create_zoom_meeting_raises_what_zoom_raised(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    zoom.failures["create_meeting"] = Unavailable("Zoom is down")
    with nothing_stored(db), pytest.raises(Unavailable):
        await sessions.create_zoom_meeting(
            commands.CreateZoomMeeting(session_id=school.s2.id),
            zoom=zoom,
            now=clock,
            **acting(db, ADMIN_1),
        )


async def test_a_meeting_linked_meanwhile_is_kept(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    async def linked_by_someone_else(operation: str) -> None:
        async with db.uow(tenant="default") as other:
            session = await other.sessions.get(school.s2.id)
            session.link(ZoomMeeting(meeting_id=99))
            await other.commit()

    zoom.during_call = linked_by_someone_else
    result = await sessions.create_zoom_meeting(
        commands.CreateZoomMeeting(session_id=school.s2.id),
        zoom=zoom,
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert result.view.session.meeting == ZoomMeeting(meeting_id=99)
    assert db.get("sessions", school.s2.id).meeting == ZoomMeeting(meeting_id=99)
    assert db.events == []


def once_at(
    operation: str, action: Callable[[], Awaitable[None]]
) -> Callable[[str], Awaitable[None]]:
    """A ``during_call`` hook doing ``action`` the first time Zoom is asked ``operation``."""
    done = False

    async def hook(called: str) -> None:
        nonlocal done
        if called == operation and not done:
            done = True
            await action()

    return hook


def closing(
    db: FakeDatabase, clock: FakeClock, session_id: str, status: SessionStatus
) -> Callable[[], Awaitable[None]]:
    """Another unit of work cancelling (or ending) the session, as a concurrent call would."""

    async def close() -> None:
        async with db.uow(tenant="default") as other:
            session = await other.sessions.get(session_id)
            if status is SessionStatus.CANCELLED:
                session.cancel(reason="term over", by="admin-1", at=clock())
            else:
                session.close_manually(at=clock())
            await other.commit()

    return close


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.ENDED])
async def test_a_session_closed_while_its_meeting_is_created_gets_no_meeting(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock, status: SessionStatus
) -> None:
    zoom.during_call = once_at("create_meeting", closing(db, clock, school.s2.id, status))
    result = await sessions.create_zoom_meeting(
        commands.CreateZoomMeeting(session_id=school.s2.id),
        zoom=zoom,
        now=clock,
        **acting(db, ADMIN_1),
    )
    made = zoom.meetings[school.s2.id].meeting_id
    [deleted] = zoom.calls_of("delete_meeting")
    assert deleted.arguments == {"meeting_id": made, "tenant_id": "default", "notify_hosts": False}
    stored = db.get("sessions", school.s2.id)
    assert (stored.status, stored.meeting) == (status, None)
    assert result.view.session == stored
    assert result.warnings == ()
    assert db.events == []  # no session.meeting_linked


async def test_a_session_cancelled_while_it_is_scheduled_keeps_no_meeting(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    async def cancelled_by_the_admin() -> None:
        session_id = zoom.calls_of("create_meeting")[0].arguments["request_id"]
        await cancel(db, zoom, clock, session_id, ADMIN_1, reason="no room")

    zoom.during_call = once_at("create_meeting", cancelled_by_the_admin)
    result = await create(
        db, zoom, clock, new_session(school.b1.id, timing=local(end=time(10, 15)))
    )
    session = result.view.session
    assert (session.status, session.meeting) == (SessionStatus.CANCELLED, None)
    assert result.warnings == ()  # not even DURATION_ADJUSTED: no meeting was booked
    made = zoom.meetings[session.id].meeting_id
    assert [c.arguments["meeting_id"] for c in zoom.calls_of("delete_meeting")] == [made]
    [cancelled] = db.events
    assert isinstance(cancelled, events.SessionCancelled)
    assert (cancelled.session_id, cancelled.meeting_id) == (session.id, 0)


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (SessionStatus.CANCELLED, "cancelling the session again deletes it"),
        (SessionStatus.ENDED, "delete it in Zoom"),
    ],
)
async def test_a_meeting_zoom_would_not_delete_is_kept_on_the_session_unannounced(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    status: SessionStatus,
    advice: str,
) -> None:
    zoom.during_call = once_at("create_meeting", closing(db, clock, school.s2.id, status))
    zoom.failures["delete_meeting"] = FailedPrecondition("the meeting is in progress")
    result = await sessions.create_zoom_meeting(
        commands.CreateZoomMeeting(session_id=school.s2.id),
        zoom=zoom,
        now=clock,
        **acting(db, ADMIN_1),
    )
    made = zoom.meetings[school.s2.id]
    stored = db.get("sessions", school.s2.id)
    assert stored.status is status
    assert (stored.meeting.meeting_id, stored.meeting.join_url) == (made.meeting_id, made.join_url)
    assert result.view.session == stored
    assert codes(result) == ["ZOOM_MEETING_DELETE_FAILED"]
    assert (
        f"was {status.value} while its Zoom meeting was being created" in result.warnings[0].message
    )
    assert advice in result.warnings[0].message
    assert db.events == []
    if status is SessionStatus.CANCELLED:  # and cancelling it again does delete it
        zoom.failures.clear()
        again = await cancel(db, zoom, clock, school.s2.id, ADMIN_1)
        assert again.warnings == ()
        assert db.get("sessions", school.s2.id).meeting is None
        assert [c.arguments["meeting_id"] for c in zoom.calls_of("delete_meeting")] == [
            made.meeting_id,
            made.meeting_id,
        ]
        [unlinked] = db.events
        assert (unlinked.meeting_id, unlinked.reason) == (made.meeting_id, "session_cancelled")


# ---- Reading ----


async def test_get_session_for_who_teaches_or_attends(db: FakeDatabase, school: School) -> None:
    await seed_participant(db, school.s1)
    await seed_participant(db, school.s1)
    await seed_lesson(db, school.s1)
    for reader in (ADMIN_1, OPERATOR_1, TEACHER_1, CO_TEACHER, STUDENT_1):
        view = await sessions.get_session(school.s1.id, **acting(db, reader))
        assert (view.session.id, view.participant_count, view.recorded_lesson_count) == (
            school.s1.id,
            2,
            1,
        )
    for outsider in (TEACHER_2, STRANGER):
        with pytest.raises(PermissionDenied):
            await sessions.get_session(school.s1.id, **acting(db, outsider))
    with pytest.raises(NotFound):
        await sessions.get_session(school.s3.id, **acting(db, ADMIN_1))
    with pytest.raises(InvalidArgument):
        await sessions.get_session("", **acting(db, ADMIN_1))


async def test_the_student_of_an_individual_batch_reads_its_sessions(
    db: FakeDatabase, school: School
) -> None:
    solo = await seed_batch(db, school.c2, type=BatchType.INDIVIDUAL, student_id="student-1")
    session = await seed_session(db, solo)
    assert (
        await sessions.get_session(session.id, **acting(db, STUDENT_1))
    ).session.id == session.id
    with pytest.raises(PermissionDenied):
        await sessions.get_session(session.id, **acting(db, STRANGER))


async def test_list_sessions_is_narrowed_to_what_the_caller_sees(
    db: FakeDatabase, school: School
) -> None:
    later = await seed_session(db, school.b1, start=at(24 * 60), status=SessionStatus.ENDED)
    await seed_participant(db, later)

    async def listed(caller: Caller, **filters: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {
            "course_id": "",
            "batch_id": "",
            "teacher_id": "",
            "student_id": "",
            "statuses": (),
            "start_after": None,
            "start_before": None,
            "descending": False,
            "page": page(),
        }
        items, total = await sessions.list_sessions(**(args | filters), **acting(db, caller))
        if items and items[-1].session.id == later.id:
            assert items[-1].participant_count == 1
        return [v.session.id for v in items], total

    s1, s2 = school.s1.id, school.s2.id
    assert await listed(ADMIN_1) == ([s1, s2, later.id], 3)
    assert await listed(ADMIN_1, descending=True, page=page(limit=1)) == ([later.id], 3)
    assert await listed(ADMIN_1, statuses=(SessionStatus.ENDED,)) == ([later.id], 1)
    assert await listed(ADMIN_1, start_after=at(1)) == ([later.id], 1)
    assert await listed(ADMIN_1, start_before=at(1)) == ([s1, s2], 2)
    assert await listed(ADMIN_1, course_id=school.c2.id) == ([s2], 1)
    assert await listed(ADMIN_1, teacher_id="teacher-2") == ([s2], 1)
    assert await listed(ADMIN_1, student_id="student-9") == ([s2], 1)
    assert await listed(ADMIN_1, batch_id=school.b1.id, student_id="student-9") == ([], 0)
    assert await listed(TEACHER_1) == ([s1, later.id], 2)
    assert await listed(TEACHER_1, batch_id=school.b2.id) == ([], 0)
    assert await listed(TEACHER_1, student_id="student-9") == ([], 0)
    assert await listed(TEACHER_2) == ([s2], 1)
    assert await listed(STUDENT_1) == ([s1, later.id], 2)
    assert await listed(STRANGER) == ([s2], 1)
    assert await listed(OPERATOR_1) == ([s1, s2, school.s3.id, later.id], 4)
    with pytest.raises(PermissionDenied):
        await listed(STUDENT_1, student_id="student-9")


# ---- UpdateSession ----


async def update(
    db: FakeDatabase,
    zoom: FakeZoom,
    clock: FakeClock,
    session_id: str,
    changes: dict[str, Any],
    caller: Caller = TEACHER_1,
    **values: Any,
) -> sessions.SessionResult:
    """UpdateSession with ``changes`` as the update mask names them."""
    return await sessions.update_session(
        commands.UpdateSession(session_id=session_id, changes=changes, **values),
        zoom=zoom,
        now=clock,
        **acting(db, caller),
    )


async def test_moving_a_session_updates_zoom_and_announces_it(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    clock.advance(minutes=1)
    result = await update(
        db,
        zoom,
        clock,
        school.s1.id,
        {"title": "Moved", "scheduled_start": at(60), "scheduled_end": at(180)},
    )
    assert result.warnings == ()
    stored = db.get("sessions", school.s1.id)
    assert (stored.title, stored.scheduled_start, stored.scheduled_end) == (
        "Moved",
        at(60),
        at(180),
    )
    assert stored.update_time == clock()
    [(meeting_id, spec, paths)] = zoom.updated
    assert meeting_id == school.s1.meeting.meeting_id
    assert paths == ("topic", "start_time", "duration_minutes")
    assert (spec.topic, spec.start_time, spec.duration_minutes) == (
        "JavaScript - Moved",
        at(60),
        120,
    )
    assert (stored.meeting.topic, stored.meeting.duration_minutes) == ("JavaScript - Moved", 120)
    assert (stored.meeting.start_time, stored.meeting.last_zoom_sync_time) == (at(60), clock())
    assert result.view.session == stored
    [updated] = db.events
    assert isinstance(updated, events.SessionUpdated)
    assert updated.changed_fields == ("scheduled_end", "scheduled_start", "title")
    assert (updated.previous_scheduled_start, updated.previous_scheduled_end) == (at(0), at(90))
    assert (updated.meeting_id, updated.duration_minutes) == (meeting_id, 120)


@pytest.mark.parametrize(
    ("changes", "paths"),
    [
        ({"description": "New agenda"}, ("agenda",)),
        ({"timezone": "Asia/Kolkata"}, ("timezone",)),
        ({"meeting_settings": {"waiting_room": True}}, ("settings",)),
        ({"auto_recording": AutoRecording.LOCAL}, ("settings",)),
        ({"scheduled_end": at(120)}, ("duration_minutes",)),
        ({"max_participants": 10}, ()),
        # a new teacher: the old one becomes an alternative host, the new one is none
        ({"teacher_id": "teacher-3"}, ("settings.alternative_hosts",)),
    ],
)
async def test_zoom_is_asked_to_change_only_what_changed(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    changes: dict[str, Any],
    paths: tuple[str, ...],
) -> None:
    await update(db, zoom, clock, school.s1.id, changes)
    assert [p for _, _, p in zoom.updated] == ([paths] if paths else [])
    stored = db.get("sessions", school.s1.id)
    for path, value in changes.items():
        assert getattr(stored, path) == value
    if "timezone" in changes:
        assert stored.meeting.timezone == "Asia/Kolkata"
    [event] = db.events
    assert event.changed_fields == tuple(changes)


async def test_an_update_that_changes_nothing_announces_nothing(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    result = await update(db, zoom, clock, school.s1.id, {"title": school.s1.title})
    assert (zoom.calls, db.events, result.warnings) == ([], [], ())
    assert db.get("sessions", school.s1.id).update_time == clock()


async def test_skip_zoom_sync_changes_only_the_session(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    await update(db, zoom, clock, school.s1.id, {"title": "Quiet"}, skip_zoom_sync=True)
    assert zoom.calls == []
    stored = db.get("sessions", school.s1.id)
    assert (stored.title, stored.meeting.topic) == ("Quiet", school.s1.meeting.topic)
    assert len(db.events) == 1


async def test_a_zoom_failure_on_update_is_a_warning(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    zoom.failures["update_meeting"] = Unavailable("Zoom answered 503")
    result = await update(db, zoom, clock, school.s1.id, {"title": "Changed"})
    assert codes(result) == ["ZOOM_MEETING_UPDATE_FAILED"]
    stored = db.get("sessions", school.s1.id)
    assert (stored.title, stored.meeting.topic) == ("Changed", school.s1.meeting.topic)
    assert len(db.events) == 1


async def test_a_meeting_replaced_meanwhile_is_not_overwritten(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    async def replaced(operation: str) -> None:
        async with db.uow(tenant="default") as other:
            session = await other.sessions.get(school.s1.id)
            session.meeting = ZoomMeeting(meeting_id=77, topic="Replacement")
            await other.commit()

    zoom.during_call = replaced
    result = await update(db, zoom, clock, school.s1.id, {"title": "Changed"})
    assert result.view.session.meeting == ZoomMeeting(meeting_id=77, topic="Replacement")
    assert db.get("sessions", school.s1.id).meeting == ZoomMeeting(
        meeting_id=77, topic="Replacement"
    )


async def test_ending_a_session_by_hand(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    running = await seed_session(db, school.b1, status=SessionStatus.IN_PROGRESS)
    await update(db, zoom, clock, running.id, {"status": SessionStatus.ENDED})
    stored = db.get("sessions", running.id)
    assert (stored.status, stored.actual_end) == (SessionStatus.ENDED, clock())
    assert zoom.calls == []
    assert db.events == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "update_mask"),
        ({"batch_id": "b9"}, "update_mask"),
        ({"status": SessionStatus.CANCELLED}, "session.status"),
        ({"title": ""}, "session.title"),
        ({"timezone": "Sun/Surface"}, "session.timezone"),
        ({"max_participants": -5}, "session.max_participants"),
        ({"scheduled_start": None}, "session.scheduled_start"),
        ({"scheduled_end": at(-10)}, "session.scheduled_end"),
        ({"title": "ok", "scheduled_end": at(25 * 60)}, "session.scheduled_end"),
    ],
)
async def test_update_session_refuses_bad_changes_and_stores_nothing(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    changes: dict[str, Any],
    field: str,
) -> None:
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await update(db, zoom, clock, school.s1.id, changes)
    assert error.value.violations[0].field == field
    assert zoom.calls == []


async def test_update_session_refusals(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    cancelled = await seed_session(db, school.b1, status=SessionStatus.CANCELLED)
    ended = await seed_session(db, school.b1, status=SessionStatus.ENDED)
    cases = [
        (school.s1.id, {"title": "x"}, TEACHER_2, PermissionDenied),
        (school.s1.id, {"title": "x"}, STUDENT_1, PermissionDenied),
        (school.s3.id, {"title": "x"}, ADMIN_1, NotFound),
        (cancelled.id, {"title": "x"}, TEACHER_1, FailedPrecondition),
        (ended.id, {"title": "x"}, TEACHER_1, FailedPrecondition),
        (cancelled.id, {"status": SessionStatus.ENDED}, TEACHER_1, FailedPrecondition),
    ]
    for session_id, changes, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await update(db, zoom, clock, session_id, changes, caller)
    assert zoom.calls == []


# ---- CancelSession ----


async def cancel(
    db: FakeDatabase,
    zoom: FakeZoom,
    clock: FakeClock,
    session_id: str,
    caller: Caller = TEACHER_1,
    **values: Any,
) -> sessions.SessionResult:
    """CancelSession for ``caller``."""
    return await sessions.cancel_session(
        commands.CancelSession(session_id=session_id, **values),
        zoom=zoom,
        now=clock,
        **acting(db, caller),
    )


async def test_cancel_deletes_the_meeting_and_announces_both(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    meeting_id = school.s1.meeting.meeting_id
    result = await cancel(
        db, zoom, clock, school.s1.id, CO_TEACHER, reason="teacher ill", notify_participants=True
    )
    assert result.warnings == ()
    [call] = zoom.calls_of("delete_meeting")
    assert call.arguments == {
        "meeting_id": meeting_id,
        "tenant_id": "default",
        "notify_hosts": True,
    }
    stored = db.get("sessions", school.s1.id)
    assert (stored.status, stored.cancel_reason, stored.cancelled_by, stored.cancel_time) == (
        SessionStatus.CANCELLED,
        "teacher ill",
        "teacher-3",
        clock(),
    )
    assert stored.meeting is None
    assert result.view.session == stored
    unlinked, cancelled = db.events
    assert isinstance(unlinked, events.SessionMeetingUnlinked)
    assert (unlinked.meeting_id, unlinked.reason) == (meeting_id, "session_cancelled")
    assert isinstance(cancelled, events.SessionCancelled)
    assert (cancelled.meeting_id, cancelled.reason, cancelled.notify_participants) == (
        meeting_id,
        "teacher ill",
        True,
    )
    assert cancelled.cancelled_by == "teacher-3"


async def test_cancelling_a_session_without_a_meeting_asks_zoom_nothing(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    await cancel(db, zoom, clock, school.s2.id, TEACHER_2)
    assert zoom.calls == []
    [cancelled] = db.events
    assert (cancelled.meeting_id, cancelled.session_id) == (0, school.s2.id)


async def test_cancelling_twice_changes_nothing(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    await cancel(db, zoom, clock, school.s1.id)
    calls = len(zoom.calls)
    with nothing_stored(db):
        result = await cancel(db, zoom, clock, school.s1.id)
    assert result.view.session.status is SessionStatus.CANCELLED
    assert len(zoom.calls) == calls


async def test_a_meeting_zoom_says_is_running_is_not_cancelled(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    zoom.failures["delete_meeting"] = FailedPrecondition("the meeting is in progress")
    with nothing_stored(db), pytest.raises(FailedPrecondition, match="in progress"):
        await cancel(db, zoom, clock, school.s1.id)


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (None, "ZOOM_NOT_CONFIGURED"),
        (Unavailable("Zoom answered 503"), "ZOOM_MEETING_DELETE_FAILED"),
    ],
)
async def test_cancel_survives_a_zoom_failure_with_a_warning(
    db: FakeDatabase,
    school: School,
    zoom: FakeZoom,
    clock: FakeClock,
    failure: Exception | None,
    code: str,
) -> None:
    if failure is None:
        zoom.configured = False
    else:
        zoom.failures["delete_meeting"] = failure
    result = await cancel(db, zoom, clock, school.s1.id)
    assert codes(result) == [code]
    stored = db.get("sessions", school.s1.id)
    assert stored.status is SessionStatus.CANCELLED
    assert stored.meeting == school.s1.meeting  # not deleted at Zoom: still linked
    [cancelled] = db.events
    assert isinstance(cancelled, events.SessionCancelled)
    assert cancelled.meeting_id == school.s1.meeting.meeting_id


async def test_a_session_cancelled_meanwhile_is_not_cancelled_again(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    async def cancelled_by_someone_else(operation: str) -> None:
        async with db.uow(tenant="default") as other:
            session = await other.sessions.get(school.s1.id)
            session.cancel(reason="other", by="admin-1", at=clock())
            await other.commit()

    zoom.during_call = cancelled_by_someone_else
    result = await cancel(db, zoom, clock, school.s1.id, reason="mine")
    assert result.view.session.cancel_reason == "other"
    assert db.get("sessions", school.s1.id).cancelled_by == "admin-1"
    assert db.events == []


async def test_zooms_echo_of_our_own_deletion_leaves_no_history(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    meeting_id = school.s1.meeting.meeting_id

    async def echo(operation: str) -> None:  # meeting.deleted arrives before the cancel commits
        async with db.uow(tenant="default") as consumer:
            outcome = await lifecycle.meeting_deleted(
                commands.RecordMeetingDeleted(meeting_id=meeting_id, event_time=clock()),
                uow=consumer,
                now=clock,
            )
            assert outcome is MeetingDeletion.UNLINKED
            await consumer.commit()

    zoom.during_call = echo
    result = await cancel(db, zoom, clock, school.s1.id)
    stored = db.get("sessions", school.s1.id)
    assert stored.status is SessionStatus.CANCELLED
    assert (stored.meeting, stored.previous_meeting) == (None, None)
    assert stored.notices() == []
    assert result.view.session == stored
    assert [type(e) for e in db.events] == [events.SessionMeetingUnlinked, events.SessionCancelled]
    assert db.events[0].reason == "meeting_deleted"
    assert db.events[1].meeting_id == 0


async def test_cancelling_again_deletes_the_meeting_a_failed_delete_left(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    meeting_id = school.s1.meeting.meeting_id
    zoom.failures["delete_meeting"] = Unavailable("Zoom answered 503")
    await cancel(db, zoom, clock, school.s1.id, reason="teacher ill")
    assert db.get("sessions", school.s1.id).meeting_left_at_zoom
    zoom.failures.clear()
    clock.advance(minutes=5)
    announced = len(db.events)
    result = await cancel(db, zoom, clock, school.s1.id, reason="again", notify_participants=True)
    assert result.warnings == ()
    stored = db.get("sessions", school.s1.id)
    assert (stored.status, stored.meeting, stored.cancel_reason) == (
        SessionStatus.CANCELLED,
        None,
        "teacher ill",  # cancelled once: the repeat only retried the delete
    )
    assert stored.update_time == clock()
    assert result.view.session == stored
    retried = zoom.calls_of("delete_meeting")[-1]
    assert retried.arguments == {
        "meeting_id": meeting_id,
        "tenant_id": "default",
        "notify_hosts": True,
    }
    [unlinked] = db.events[announced:]
    assert isinstance(unlinked, events.SessionMeetingUnlinked)
    assert (unlinked.meeting_id, unlinked.reason) == (meeting_id, "session_cancelled")
    calls = len(zoom.calls)
    with nothing_stored(db):  # nothing is left to retry
        await cancel(db, zoom, clock, school.s1.id)
    assert len(zoom.calls) == calls


@pytest.mark.parametrize(
    "failure", [Unavailable("Zoom answered 503"), FailedPrecondition("the meeting is in progress")]
)
async def test_a_repeated_cancel_zoom_refuses_again_is_a_warning(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock, failure: Exception
) -> None:
    left = await seed_session(
        db, school.b1, status=SessionStatus.CANCELLED, meeting=a_meeting(81_000_000_020)
    )
    zoom.failures["delete_meeting"] = failure
    with nothing_stored(db):
        result = await cancel(db, zoom, clock, left.id)
    assert codes(result) == ["ZOOM_MEETING_DELETE_FAILED"]
    assert result.view.session.meeting == left.meeting


async def test_a_repeat_leaves_a_meeting_zoom_deleted_alone(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    gone = await seed_session(
        db,
        school.b1,
        status=SessionStatus.CANCELLED,
        meeting=a_meeting(81_000_000_021, delete_time=at(-60)),
    )
    with nothing_stored(db):
        await cancel(db, zoom, clock, gone.id)
    assert zoom.calls == []


async def test_cancel_refusals(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    running = await seed_session(db, school.b1, status=SessionStatus.IN_PROGRESS)
    cases = [
        (running.id, TEACHER_1, FailedPrecondition),
        (school.s1.id, TEACHER_2, PermissionDenied),
        (school.s1.id, STUDENT_1, PermissionDenied),
        (school.s3.id, ADMIN_1, NotFound),
    ]
    for session_id, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await cancel(db, zoom, clock, session_id, caller)
    assert zoom.calls == []


# ---- Start URL ----


async def test_the_teacher_gets_a_fresh_start_url(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    url, expires = await sessions.get_start_url(
        school.s1.id, zoom=zoom, now=clock, **acting(db, TEACHER_1)
    )
    assert url == f"https://zoom.example/s/{school.s1.meeting.meeting_id}?zak=secret"
    assert expires == clock() + timedelta(hours=2)
    [call] = zoom.calls
    assert call.arguments == {"meeting_id": school.s1.meeting.meeting_id, "tenant_id": "default"}
    admin_url, _ = await sessions.get_start_url(
        school.s1.id, zoom=zoom, now=clock, **acting(db, ADMIN_1)
    )
    assert admin_url == url


async def test_start_url_refusals(
    db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock
) -> None:
    cancelled = await seed_session(
        db, school.b1, status=SessionStatus.CANCELLED, meeting=a_meeting(81_000_000_010)
    )
    ended = await seed_session(
        db, school.b1, status=SessionStatus.ENDED, meeting=a_meeting(81_000_000_011)
    )
    no_meeting = await seed_session(db, school.b1)
    cases = [
        (school.s1.id, STUDENT_1, PermissionDenied),
        (school.s1.id, TEACHER_2, PermissionDenied),
        (school.s3.id, ADMIN_1, NotFound),
        (no_meeting.id, TEACHER_1, FailedPrecondition),
        (cancelled.id, TEACHER_1, FailedPrecondition),
        (ended.id, TEACHER_1, FailedPrecondition),
    ]
    for session_id, caller, error in cases:
        with pytest.raises(error):
            await sessions.get_start_url(session_id, zoom=zoom, now=clock, **acting(db, caller))
    assert zoom.calls == []
