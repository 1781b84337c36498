"""The scheduler's entities mapped onto its tables: every change to a loaded entity reaches the
database at commit without a ``save()`` - in-place changes of the value objects in its JSON
columns included - in the format rows have always had, inside the unit of work's tenant
(SQLite; PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from classbridge_common.db import create_engine, session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from classbridge_common.errors import Internal
from scheduler.adapters import orm
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.domain.model import (
    ENDED_WITH_MEETING,
    Batch,
    BatchType,
    Course,
    Interval,
    LessonPart,
    LessonSource,
    MeetingChange,
    Participant,
    RecordedLesson,
    RecordingSync,
    Session,
    SessionStatus,
    ZoomMeeting,
)
from scheduler.settings import Settings

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


def uow_of(factory: async_sessionmaker[AsyncSession], tenant: str | None = "default") -> Any:
    return SchedulerUnitOfWork(session_factory=factory, tenant=tenant)


@contextmanager
def updates_of(engine: AsyncEngine) -> Iterator[list[str]]:
    """The UPDATE statements the engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def a_course(id_: str = "c1", tenant: str = "default") -> Course:
    return Course(
        id=id_,
        tenant_id=tenant,
        title="JavaScript",
        instructor_ids=["teacher-1"],
        default_meeting_settings={"waiting_room": True},
        create_time=T0,
        update_time=T0,
    )


def a_session(id_: str = "s1", **values: Any) -> Session:
    return Session(
        id=id_,
        batch_id="b1",
        course_id="c1",
        batch_type=BatchType.GROUP,
        title="Intro",
        scheduled_start=T0,
        scheduled_end=at(60),
        timezone="Asia/Kolkata",
        create_time=T0,
        update_time=T0,
        **values,
    )


def a_lesson() -> RecordedLesson:
    return RecordedLesson(
        id="l1",
        session_id="s1",
        title="Recording",
        source=LessonSource.ZOOM_AUTO_SYNC,
        recording_id="rec-1",
        recording_file_id="f1",
        zoom_info={"recording_file_id": "z1", "file_size_bytes": 10},
        create_time=at(90),
        lesson_kind="shared_screen",
        parts=[LessonPart("f1", 1, 10, 60, at(0), at(30), "rec-1", "z1")],
    )


async def seed(factory: async_sessionmaker[AsyncSession]) -> None:
    """A course, its batch, a session with a meeting and a sync, a participant, a lesson."""
    async with uow_of(factory) as uow:
        await uow.courses.add(a_course())
        await uow.batches.add(
            Batch(
                "b1", "c1", "Morning", BatchType.GROUP, meeting_settings={"mute": True}, **_times()
            )
        )
        await uow.sessions.add(
            a_session(
                meeting=ZoomMeeting(meeting_id=81, topic="Intro", start_time=T0),
                recording_sync=RecordingSync(attempts=1),
                meeting_settings={"host_video": True},
            )
        )
        person = Participant(id="p1", session_id="s1", display_name="Asha")
        person.joined(participant_uuid="u1", at=at(1))
        await uow.participants.add(person, at=at(1))
        await uow.lessons.add(a_lesson())
        await uow.commit()


def _times() -> dict[str, datetime]:
    return {"create_time": T0, "update_time": T0}


# ---- Changes reach the database at commit, in place ones included ----


async def test_each_json_value_changed_in_place_is_written_at_commit(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    await seed(factory)
    with updates_of(engine) as updates:
        async with uow_of(factory) as uow:
            course = await uow.courses.get("c1")
            course.instructor_ids.append("teacher-2")
            course.default_meeting_settings["waiting_room"] = False
            batch = await uow.batches.get("b1")
            batch.meeting_settings["mute"] = False
            session = await uow.sessions.get("s1")
            session.meeting.topic = "Renamed in Zoom"  # the value object itself, in place
            session.recording_sync.apply_removed(at=at(200), file_ids=["f9"], last_gone=True)
            session.meeting_settings["host_video"] = False
            [person] = await uow.participants.of_session("s1")
            person.left(participant_uuid="u1", at=at(20))  # closes the stay inside the list
            person.joined(participant_uuid="u2", at=at(30))  # and appends one
            [lesson] = await uow.lessons.of_session("s1")
            lesson.add_part(LessonPart("f2", 2, 20, 60, at(40), at(70), "rec-1", "z2"))
            lesson.zoom_info["sync_time"] = at(100).isoformat()
            await uow.commit()
    assert len(updates) == 5  # course, batch, session, participant, lesson: one UPDATE each

    async with uow_of(factory) as uow:
        course = await uow.courses.get("c1")
        assert course.instructor_ids == ["teacher-1", "teacher-2"]
        assert course.default_meeting_settings == {"waiting_room": False}
        assert (await uow.batches.get("b1")).meeting_settings == {"mute": False}
        session = await uow.sessions.get("s1")
        assert session.meeting == ZoomMeeting(meeting_id=81, topic="Renamed in Zoom", start_time=T0)
        assert session.recording_sync == RecordingSync(
            attempts=1,
            last_event_time=at(200),
            deleted=True,
            delete_time=at(200),
            removed_file_ids=["f9"],
        )
        assert session.meeting_settings == {"host_video": False}
        [person] = await uow.participants.of_session("s1")
        assert person.intervals == [Interval("u1", at(1), at(20)), Interval("u2", at(30))]
        [lesson] = await uow.lessons.of_session("s1")
        assert [p.file_id for p in lesson.parts] == ["f1", "f2"]
        assert (lesson.file_size_bytes, lesson.zoom_info["file_size_bytes"]) == (30, 30)
        assert lesson.zoom_info["sync_time"] == at(100).isoformat()


async def test_domain_methods_that_replace_values_are_written_too(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        session = await uow.sessions.get("s1")
        change = MeetingChange(event_time=at(-60), start_time=at(30), duration_minutes=60)
        assert session.apply_meeting_change(change).moved == ("scheduled_start", "scheduled_end")
        await uow.commit()
    async with uow_of(factory) as uow:
        session = await uow.sessions.get("s1")
        assert (session.scheduled_start, session.meeting.start_time) == (at(30), at(30))
        assert session.meeting.zoom_change_time == at(-60)
        session.apply_meeting_deleted(event_time=at(-30))  # previous_meeting, meeting = None
        await uow.commit()
    async with uow_of(factory) as uow:
        session = await uow.sessions.get("s1")
        assert session.meeting is None
        assert session.previous_meeting.meeting_id == 81
        assert session.previous_meeting.delete_time == at(-30)
        assert session.meeting_generation == 1
        assert await uow.sessions.by_meeting_id(81) is None  # the searched column followed


async def test_an_entity_changed_in_place_is_written_after_its_last_reference_went(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        for person in await uow.participants.of_session("s1"):
            person.close_open(at=at(50))
        del person  # nothing but the unit of work refers to it any more
        await uow.commit()
    async with uow_of(factory) as uow:
        [person] = await uow.participants.of_session("s1")
        assert person.intervals == [Interval("u1", at(1), at(50), ENDED_WITH_MEETING)]


async def test_the_meeting_id_column_follows_the_meeting_changed_in_place(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        (await uow.sessions.get("s1")).meeting.meeting_id = 82
        await uow.commit()
    async with uow_of(factory) as uow:
        assert await uow.sessions.by_meeting_id(81) is None
        assert (await uow.sessions.by_meeting_id(82)).id == "s1"


async def test_an_in_place_change_is_flushed_before_statements_that_read_it(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        course = await uow.courses.get("c1")
        course.instructor_ids.append("teacher-2")
        assert await uow.courses.ids_taught_by("teacher-2") == {"c1"}  # a Core statement
        session = await uow.sessions.get("s1")
        session.meeting.topic = "Renamed"
        locked = await uow.sessions.get("s1", for_update=True)  # refreshes from the row
        assert locked is session
        assert locked.meeting.topic == "Renamed"
        await uow.commit()
    async with uow_of(factory) as uow:
        assert (await uow.sessions.get("s1")).meeting.topic == "Renamed"


async def test_nothing_is_written_for_entities_only_read(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        await uow.courses.get("c1")
        await uow.sessions.get("s1", for_update=True)
        await uow.participants.of_session("s1")
        await uow.lessons.of_session("s1")
        with updates_of(engine) as updates:
            await uow.sessions.counters(["s1"])
            await uow.commit()
    assert updates == []


async def test_changes_left_uncommitted_are_discarded(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        session = await uow.sessions.get("s1")
        session.title = "Never committed"
        session.recording_sync.apply_synced(at=at(120), attempts=2)
        assert await uow.sessions.counters(["s1"]) == {"s1": (1, 1)}  # flushes them
    async with uow_of(factory) as uow:
        session = await uow.sessions.get("s1")
        assert session.title == "Intro"
        assert session.recording_sync == RecordingSync(attempts=1)


# ---- Entities outlive their block ----


async def test_entities_stay_readable_after_their_block_ends(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    uow = uow_of(factory)
    async with uow:
        read_only = await uow.sessions.get("s1")  # the block ends without commit (rollback)
    async with uow:
        committed = await uow.courses.get("c1")
        committed.title = "Renamed"
        await uow.commit()
    assert read_only.meeting.meeting_id == 81
    assert committed.title == "Renamed"
    async with uow:  # the same unit of work, a new block: the row is loaded again
        again = await uow.sessions.get("s1")
        assert again is not read_only
        assert again == read_only
        read_only.title = "Changed on a detached copy"  # not this block's: never written
        await uow.commit()
    async with uow:
        assert (await uow.sessions.get("s1")).title == "Intro"


async def test_a_deleted_entity_leaves_the_unit_of_work(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory) as uow:
        [lesson] = await uow.lessons.of_session("s1")
        lesson.remove_parts(recording_id="rec-1", file_ids=("f1",))  # changed, then deleted
        await uow.lessons.delete(lesson.id)
        await uow.commit()
    async with uow_of(factory) as uow:
        assert await uow.lessons.of_session("s1") == []


# ---- The stored format ----


async def test_values_are_stored_as_they_always_were(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    await seed(factory)
    async with engine.connect() as c:
        row = (
            await c.execute(
                sa.text(
                    "SELECT status, batch_type, auto_recording, meeting_id, meeting,"
                    " recording_sync FROM sessions WHERE id = 's1'"
                ).columns(meeting=sa.JSON(), recording_sync=sa.JSON())
            )
        ).one()
        [intervals] = (
            await c.execute(
                sa.text("SELECT intervals FROM participants").columns(intervals=sa.JSON())
            )
        ).one()
        [parts] = (
            await c.execute(sa.text("SELECT parts FROM recorded_lessons").columns(parts=sa.JSON()))
        ).one()
    assert (row.status, row.batch_type, row.auto_recording, row.meeting_id) == (
        "scheduled",
        "group",
        "cloud",
        81,
    )
    assert row.meeting["start_time"] == "2030-01-15T10:00:00+00:00"
    assert row.meeting["create_time"] is None
    assert row.recording_sync == {
        "synced": False,
        "last_sync_time": None,
        "attempts": 1,
        "next_retry_time": None,
        "last_error": "",
        "last_error_type": 0,
        "last_event_time": None,
        "deleted": False,
        "delete_time": None,
        "removed_file_ids": [],
    }
    assert intervals == [
        {
            "participant_uuid": "u1",
            "join_time": "2030-01-15T10:01:00+00:00",
            "leave_time": None,
            "leave_reason": "",
            "reported_by": "",  # a stay from webhooks (rows without the key read as that)
            "breakout_room_uuid": "",  # in the main meeting (likewise)
            "meeting_user_id": "",
        }
    ]
    assert parts[0]["recording_start"] == "2030-01-15T10:00:00+00:00"


async def test_rows_written_before_the_mapping_read_back(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    meeting = {
        "meeting_id": 90,
        "join_url": "https://zoom.example/j/90",
        "create_time": "2030-01-15T04:30:00+00:00",
        "retired_field": "from an older version",
    }
    async with engine.begin() as c:
        await c.execute(
            sa.text(
                "INSERT INTO sessions (id, tenant_id, batch_id, course_id, batch_type, title,"
                " scheduled_start, scheduled_end, timezone, status, auto_recording,"
                " meeting_settings, meeting_id, meeting, create_time, update_time)"
                " VALUES ('s-old', 'default', 'b1', 'c1', 'individual', 'Old', :start, :end,"
                " 'UTC', 'ended', 'local', :settings, 90, :meeting, :start, :start)"
            ).bindparams(
                sa.bindparam("settings", type_=sa.JSON()),
                sa.bindparam("meeting", type_=sa.JSON()),
                sa.bindparam("start", type_=UTCDateTime()),
                sa.bindparam("end", type_=UTCDateTime()),
            ),
            {"settings": {}, "meeting": meeting, "start": T0, "end": at(60)},
        )
    async with uow_of(factory) as uow:
        old = await uow.sessions.by_meeting_id(90)
        assert (old.batch_type, old.status) == (BatchType.INDIVIDUAL, SessionStatus.ENDED)
        assert old.meeting == ZoomMeeting(
            meeting_id=90, join_url="https://zoom.example/j/90", create_time=at(-330)
        )
        assert (old.recording_sync, old.previous_meeting) == (None, None)


# ---- Tenants and mapping ----


async def test_a_flush_never_writes_a_row_of_another_tenant(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await seed(factory)
    async with uow_of(factory, "acme") as uow:
        await uow.courses.add(a_course("c-acme", "acme"))
        await uow.commit()
    async with uow_of(factory, None) as uow:  # an operator: spans tenants until it enters one
        courses, _ = await uow.courses.list(tenant_id="", instructor_id="", offset=0, limit=10)
        theirs = next(c for c in courses if c.tenant_id == "default")
        assert (await uow.courses.get("c-acme")) is not None  # enters acme
        theirs.instructor_ids.append("intruder")
        with pytest.raises(Internal):
            await uow.commit()
    async with uow_of(factory) as uow:
        assert (await uow.courses.get("c1")).instructor_ids == ["teacher-1"]


def test_starting_the_mappers_again_changes_nothing() -> None:
    mapper = sa.inspect(Course)
    orm.start_mappers()
    assert sa.inspect(Course) is mapper
    assert set(orm.ENTITIES) == {m.class_ for m in orm.mapper_registry.mappers}
