"""What the service layer relies on from a scheduler unit of work, as scenarios that run on any
backend: the fake (tests/unit/scheduler/test_fake_uow.py) and the real ``SchedulerUnitOfWork``
on SQLite (tests/service/scheduler/test_fake_uow_contract.py). Passing on both is what lets the
handler tests trust the fake.

Scenarios open one unit of work at a time: SQLite has one writer, so two open at once would wait
on each other. Changes to loaded objects are never saved explicitly (repositories have no
``save()``): the commit writes them, and leaving without one discards them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from classbridge_common.errors import Internal
from scheduler.domain import events
from scheduler.domain.bulk import BulkJob
from scheduler.domain.jobs import JobKind, JobState, RetryPolicy, SessionJob
from scheduler.domain.model import (
    Batch,
    BatchType,
    Course,
    Enrollment,
    Interaction,
    InteractionType,
    Interval,
    LessonPart,
    LessonSource,
    Participant,
    ParticipantRole,
    RecordedLesson,
    RecordingSync,
    ResourceType,
    Session,
    SessionStatus,
    SharedResource,
    ZoomMeeting,
)
from scheduler.domain.registration import Registrant
from tests.unit.scheduler.fakes import FakeDatabase, FakeUnitOfWork

T0 = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")


class Backend(Protocol):
    """A scheduler database the scenarios run against."""

    def uow(self, tenant: str | None = None) -> Any:
        """A unit of work in ``tenant`` (None: spanning tenants until a row is loaded)."""
        ...

    async def published(self) -> list[tuple[str, str]]:
        """(routing key, tenant) of each committed event, in order."""
        ...


class FakeBackend:
    """The scenarios' view of a fresh :class:`FakeDatabase`."""

    def __init__(self) -> None:
        self.db = FakeDatabase()

    def uow(self, tenant: str | None = None) -> FakeUnitOfWork:
        return self.db.uow(tenant=tenant)

    async def published(self) -> list[tuple[str, str]]:
        return [(p.routing_key, p.tenant_id) for p in self.db.published]


Scenario = Callable[[Backend], Awaitable[None]]
SCENARIOS: list[Scenario] = []


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS.append(fn)
    return fn


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def course(id_: str, tenant: str = "default", **values: Any) -> Course:
    when = values.pop("create_time", T0)
    return Course(
        id=id_,
        tenant_id=tenant,
        title=values.pop("title", f"Course {id_}"),
        instructor_ids=values.pop("instructor_ids", ["teacher-1"]),
        create_time=when,
        update_time=when,
        **values,
    )


def batch(id_: str, course_id: str, **values: Any) -> Batch:
    when = values.pop("create_time", T0)
    return Batch(
        id=id_,
        course_id=course_id,
        name=values.pop("name", f"Batch {id_}"),
        type=values.pop("type", BatchType.GROUP),
        create_time=when,
        update_time=when,
        **values,
    )


def session(id_: str, batch_id: str, **values: Any) -> Session:
    start = values.pop("scheduled_start", T0)
    return Session(
        id=id_,
        batch_id=batch_id,
        course_id=values.pop("course_id", "c1"),
        batch_type=BatchType.GROUP,
        title=values.pop("title", f"Session {id_}"),
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=90),
        timezone="UTC",
        create_time=values.pop("create_time", T0),
        update_time=T0,
        **values,
    )


def enrollment(id_: str, batch_id: str, student: str, at: datetime = T0) -> Enrollment:
    return Enrollment(id=id_, batch_id=batch_id, student_id=student, create_time=at)


async def _raises_integrity(action: Callable[[], Awaitable[None]], uow: Any) -> None:
    """The constraint fails at the insert (Core) or at the flush of commit (ORM): either way."""

    async def both() -> None:
        await action()
        await uow.commit()

    with pytest.raises(IntegrityError):
        await both()


# ---- Transactions ----


@scenario
async def committed_rows_come_back_as_copies_in_utc(backend: Backend) -> None:
    start = datetime(2030, 1, 15, 15, 30, tzinfo=KOLKATA)
    added = course("c1", create_time=start, default_meeting_settings={"waiting_room": True})
    async with backend.uow("default") as uow:
        await uow.courses.add(added)
        await uow.commit()
    async with backend.uow("default") as uow:
        loaded = await uow.courses.get("c1")
    assert loaded is not None
    assert loaded is not added
    assert loaded == added
    assert loaded.create_time.utcoffset() == timedelta(0)
    assert loaded.create_time == start
    assert loaded.default_meeting_settings == {"waiting_room": True}


@scenario
async def leaving_without_commit_discards_the_changes(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.courses.add(course("c1"))
    async with backend.uow("default") as uow:
        assert await uow.courses.get("c1") is None
        await uow.courses.add(course("c1", title="Kept"))
        await uow.commit()
    async with backend.uow("default") as uow:
        loaded = await uow.courses.get("c1")
        loaded.title = "Changed, never committed"
    async with backend.uow("default") as uow:
        assert (await uow.courses.get("c1")).title == "Kept"


@scenario
async def changes_to_loaded_objects_persist_at_commit(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.courses.add(course("c1"))
        await uow.batches.add(batch("b1", "c1"))
        await uow.sessions.add(session("s1", "b1"))
        await uow.commit()
    async with backend.uow("default") as uow:
        loaded = await uow.sessions.get("s1")
        loaded.title = "Renamed"
        loaded.status = SessionStatus.CANCELLED
        loaded.meeting = ZoomMeeting(meeting_id=5, start_time=minutes(0))
        a_batch = await uow.batches.get("b1")
        a_batch.name = "Evening"
        await uow.commit()
    async with backend.uow("default") as uow:
        again = await uow.sessions.get("s1")
        assert (again.title, again.status) == ("Renamed", SessionStatus.CANCELLED)
        assert again.meeting == ZoomMeeting(meeting_id=5, start_time=minutes(0))
        assert (await uow.sessions.by_meeting_id(5)).id == "s1"
        assert (await uow.batches.get("b1")).name == "Evening"


@scenario
async def an_object_from_an_earlier_block_is_not_written_by_a_later_one(
    backend: Backend,
) -> None:
    uow = backend.uow("default")
    async with uow:
        added = course("c1")
        await uow.courses.add(added)
        added.title = "Changed before the commit"
        await uow.commit()
        loaded = await uow.courses.get("c1")
    loaded.title = "Changed between blocks"  # the handlers pass objects on like this
    async with uow:  # the same unit of work, a new block: it loads what it changes
        await uow.commit()
    async with backend.uow("default") as other:
        assert (await other.courses.get("c1")).title == "Changed before the commit"


@scenario
async def rollback_discards_and_the_unit_stays_open(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.courses.add(course("c1"))
        await uow.rollback()
        assert await uow.courses.get("c1") is None
        await uow.courses.add(course("c2"))
        await uow.commit()
        await uow.courses.add(course("c3"))
        assert {c.id for c in (await _all_courses(uow))} == {"c2", "c3"}  # reads its own writes
    async with backend.uow("default") as uow:
        assert {c.id for c in (await _all_courses(uow))} == {"c2"}


async def _all_courses(uow: Any) -> list[Course]:
    items, _ = await uow.courses.list(tenant_id="", instructor_id="", offset=0, limit=100)
    return list(items)


@scenario
async def nested_values_round_trip(backend: Backend) -> None:
    meeting = ZoomMeeting(
        meeting_id=81_000_000_001,
        meeting_uuid="u==",
        join_url="https://zoom.example/j/1",
        create_time=datetime(2030, 1, 1, 9, 0, tzinfo=KOLKATA),
        start_time=T0,
        timezone="UTC",
    )
    sync = RecordingSync(synced=True, last_sync_time=minutes(120), removed_file_ids=["f0"])
    person = Participant(
        id="p1",
        session_id="s1",
        display_name="Asha",
        role=ParticipantRole.CO_HOST,
        intervals=[Interval("a1", minutes(0), minutes(30), "left"), Interval("a2", minutes(40))],
    )
    lesson = RecordedLesson(
        id="l1",
        session_id="s1",
        title="Recording",
        source=LessonSource.ZOOM_AUTO_SYNC,
        create_time=minutes(200),
        lesson_kind="shared_screen",
        parts=[
            LessonPart("f1", 1, 10, 60, minutes(0), minutes(1), "rec-1", "z1"),
            LessonPart("f2", 2, 20, 60, minutes(2), minutes(3), "rec-1", "z2"),
        ],
    )
    a_session = session(
        "s1",
        "b1",
        meeting=meeting,
        recording_sync=sync,
        previous_meeting=ZoomMeeting(meeting_id=7, delete_time=minutes(-60)),
        meeting_settings={"mute_upon_entry": False},
    )
    async with backend.uow("default") as uow:
        await uow.sessions.add(a_session)
        await uow.participants.add(person, at=minutes(0))
        await uow.lessons.add(lesson)
        await uow.commit()
    async with backend.uow("default") as uow:
        assert await uow.sessions.get("s1") == a_session
        assert await uow.participants.of_session("s1") == [person]
        assert await uow.lessons.of_session("s1") == [lesson]
        assert (await uow.sessions.get("s1")).meeting.create_time.utcoffset() == timedelta(0)


# ---- Tenants ----


async def _two_schools(backend: Backend) -> None:
    for tenant, prefix in (("default", "d"), ("acme", "a")):
        async with backend.uow(tenant) as uow:
            await uow.courses.add(course(f"{prefix}c", tenant))
            await uow.batches.add(batch(f"{prefix}b", f"{prefix}c", instructor_id="teacher-1"))
            await uow.enrollments.add(
                enrollment(f"{prefix}e", f"{prefix}b", "student-1"), request_id="r"
            )
            await uow.sessions.add(session(f"{prefix}s", f"{prefix}b", request_id="r"))
            await uow.commit()


@scenario
async def another_tenants_rows_are_invisible(backend: Backend) -> None:
    await _two_schools(backend)
    async with backend.uow("acme") as uow:
        assert await uow.courses.get("dc") is None
        assert await uow.batches.get("db") is None
        assert await uow.sessions.get("ds") is None
        assert await uow.enrollments.find("db", "student-1") is None
        assert await uow.enrollments.student_ids("db") == []
        assert await uow.courses.ids_taught_by("teacher-1") == {"ac"}
        assert await uow.batches.ids_of_student("student-1") == ["ab"]
        assert [c.id for c in await _all_courses(uow)] == ["ac"]
        assert (await uow.sessions.by_request_id("r")).id == "as"
        assert (await uow.enrollments.by_request_id("r")).id == "ae"
        assert await uow.sessions.counters(["ds", "as"]) == {"ds": (0, 0), "as": (0, 0)}
        await uow.courses.delete("dc")  # narrowed: deletes nothing of the other school
        await uow.batches.delete("db")
        await uow.sessions.delete_of_batch("db")
        await uow.commit()
    async with backend.uow("default") as uow:
        assert (await uow.courses.get("dc")).id == "dc"
        assert (await uow.batches.get("db")).id == "db"
        assert await uow.enrollments.student_ids("db") == ["student-1"]
        assert (await uow.sessions.get("ds")).id == "ds"


@scenario
async def a_spanning_unit_enters_the_tenant_of_the_first_row_loaded(backend: Backend) -> None:
    await _two_schools(backend)
    async with backend.uow(None) as uow:
        assert uow.scope.tenant is None
        assert {c.id for c in await _all_courses(uow)} == {"dc", "ac"}  # lists do not enter
        assert uow.scope.tenant is None
        assert await uow.enrollments.find("db", "student-1") is not None  # nor does find
        assert uow.scope.tenant is None
        assert (await uow.sessions.get("as")).id == "as"
        assert uow.scope.tenant == "acme"
        assert await uow.courses.get("dc") is None
        assert [c.id for c in await _all_courses(uow)] == ["ac"]
    async with backend.uow(None) as uow:  # a new block, a new scope
        assert (await uow.sessions.by_request_id("r")) is not None
        assert uow.scope.tenant in ("default", "acme")


@scenario
async def writes_land_in_the_tenant_and_need_one(backend: Backend) -> None:
    async with backend.uow(None) as uow:
        with pytest.raises(Internal):
            await uow.batches.add(batch("b1", "c1"))
    async with backend.uow(None) as uow:
        await uow.courses.add(course("c1", "acme"))  # a course names its tenant
        assert uow.scope.tenant == "acme"
        await uow.batches.add(batch("b1", "c1"))
        await uow.commit()
    async with backend.uow("acme") as uow:
        assert (await uow.batches.get("b1")).course_id == "c1"
        assert (await uow.courses.get("c1")).tenant_id == "acme"
    async with backend.uow("default") as uow:
        assert await uow.batches.get("b1") is None


@scenario
async def request_ids_are_unique_per_tenant(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.courses.add(course("c1", request_id="k"))
        await uow.commit()
    async with backend.uow("acme") as uow:
        assert await uow.courses.by_request_id("k") is None
        await uow.courses.add(course("c2", "acme", request_id="k"))
        await uow.commit()
        assert (await uow.courses.by_request_id("k")).id == "c2"
    async with backend.uow("default") as uow:
        assert (await uow.courses.by_request_id("k")).id == "c1"
        await _raises_integrity(lambda: uow.courses.add(course("c3", request_id="k")), uow)
    async with backend.uow("default") as uow:
        await uow.enrollments.add(enrollment("e1", "b1", "s-1"), request_id=None)
        await uow.commit()
    async with backend.uow("default") as uow:
        await _raises_integrity(
            lambda: uow.enrollments.add(enrollment("e2", "b1", "s-1"), request_id=None), uow
        )
    async with backend.uow("default") as uow:
        assert [c.id for c in await _all_courses(uow)] == ["c1"]
        assert await uow.enrollments.student_ids("b1") == ["s-1"]


# ---- Queries ----


@scenario
async def courses_list_in_order_with_filters_and_pages(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.courses.add(course("c1", create_time=minutes(1), instructor_ids=["t1"]))
        await uow.courses.add(course("c2", create_time=minutes(3), instructor_ids=["t1", "t2"]))
        await uow.courses.add(course("c3", create_time=minutes(2), instructor_ids=["t2"]))
        await uow.courses.add(course("c0", create_time=minutes(3)))
        await uow.commit()
    async with backend.uow("default") as uow:

        async def listed(**filters: Any) -> tuple[list[str], int]:
            args: dict[str, Any] = {"tenant_id": "", "instructor_id": "", "offset": 0, "limit": 10}
            items, total = await uow.courses.list(**(args | filters))
            return [c.id for c in items], total

        assert await listed() == (["c2", "c0", "c3", "c1"], 4)
        assert await listed(offset=1, limit=2) == (["c0", "c3"], 4)
        assert await listed(instructor_id="t2") == (["c2", "c3"], 2)
        assert await listed(instructor_id="t1", offset=1) == (["c1"], 2)
        assert await listed(ids={"c1", "c3", "zz"}) == (["c3", "c1"], 2)
        assert await listed(ids=set()) == ([], 0)
        assert await listed(tenant_id="acme") == ([], 0)
        assert await uow.courses.ids_taught_by("t1") == {"c1", "c2"}


@scenario
async def batch_queries(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.batches.add(batch("b1", "c1", instructor_id="t1", create_time=minutes(1)))
        await uow.batches.add(batch("b2", "c2", instructor_id="t2", create_time=minutes(2)))
        await uow.batches.add(
            batch(
                "b3",
                "c2",
                type=BatchType.INDIVIDUAL,
                student_id="s-9",
                create_time=minutes(3),
                start_date=date(2030, 1, 1),
            )
        )
        await uow.enrollments.add(enrollment("e1", "b1", "s-1"), request_id=None)
        await uow.enrollments.add(enrollment("e2", "b2", "s-1"), request_id=None)
        await uow.enrollments.add(enrollment("e3", "b2", "s-2"), request_id=None)
        await uow.commit()
    async with backend.uow("default") as uow:

        async def listed(**filters: Any) -> tuple[list[str], int]:
            args: dict[str, Any] = {
                "course_id": "",
                "instructor_id": "",
                "student_id": "",
                "type": None,
                "offset": 0,
                "limit": 10,
            }
            items, total = await uow.batches.list(**(args | filters))
            return [b.id for b in items], total

        assert await listed() == (["b3", "b2", "b1"], 3)
        assert await listed(limit=1, offset=2) == (["b1"], 3)
        assert await listed(course_id="c2") == (["b3", "b2"], 2)
        assert await listed(instructor_id="t1") == (["b1"], 1)
        assert await listed(type=BatchType.INDIVIDUAL) == (["b3"], 1)
        assert await listed(student_id="s-1") == (["b2", "b1"], 2)
        assert await listed(student_id="s-9") == (["b3"], 1)
        assert await listed(ids=["b1", "b3"]) == (["b3", "b1"], 2)
        assert await listed(ids=[]) == ([], 0)
        assert sorted(await uow.batches.ids_of_course("c2")) == ["b2", "b3"]
        assert sorted(await uow.batches.ids_taught_by("t1", ["c2"])) == ["b1", "b2", "b3"]
        assert await uow.batches.ids_taught_by("t2", []) == ["b2"]
        assert await uow.batches.course_ids(["b1", "b3", "zz"]) == {"c1", "c2"}
        assert sorted(await uow.batches.ids_of_student("s-1")) == ["b1", "b2"]
        assert await uow.batches.ids_of_student("s-9") == ["b3"]
        assert await uow.batches.enrollment_counts(["b1", "b2", "b3"]) == {"b1": 1, "b2": 2}
        assert await uow.batches.enrollment_counts([]) == {}
        assert (await uow.batches.get("b3")).start_date == date(2030, 1, 1)


@scenario
async def enrollment_queries(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.enrollments.add(enrollment("e2", "b1", "s-2", minutes(2)), request_id="k2")
        await uow.enrollments.add(enrollment("e1", "b1", "s-1", minutes(1)), request_id=None)
        await uow.enrollments.add(enrollment("e3", "b2", "s-1", minutes(1)), request_id=None)
        await uow.commit()
    async with backend.uow("default") as uow:

        async def listed(**filters: Any) -> tuple[list[str], int]:
            args: dict[str, Any] = {"batch_id": "", "student_id": "", "offset": 0, "limit": 10}
            items, total = await uow.enrollments.list(**(args | filters))
            return [e.id for e in items], total

        assert await listed(batch_id="b1") == (["e1", "e2"], 2)
        assert await listed(student_id="s-1") == (["e1", "e3"], 2)
        assert await listed(batch_id="b1", student_id="s-1") == (["e1"], 1)
        assert await listed(batch_id="b1", offset=1) == (["e2"], 2)
        assert (await uow.enrollments.find("b1", "s-2")).id == "e2"
        assert await uow.enrollments.find("b2", "s-2") is None
        assert sorted(await uow.enrollments.student_ids("b1")) == ["s-1", "s-2"]
        assert await uow.enrollments.by_request_id("k2") == enrollment(
            "e2", "b1", "s-2", minutes(2)
        )
        await uow.enrollments.delete("e2")
        assert await uow.enrollments.get("e2") is None
        await uow.commit()
    async with backend.uow("default") as uow:
        assert await listed(batch_id="b1") == (["e1"], 1)


@scenario
async def session_queries(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.sessions.add(session("s2", "b1", scheduled_start=minutes(60), teacher_id="t1"))
        await uow.sessions.add(session("s1", "b1", scheduled_start=minutes(0), teacher_id="t2"))
        await uow.sessions.add(
            session(
                "s3", "b2", course_id="c2", scheduled_start=minutes(60), status=SessionStatus.ENDED
            )
        )
        old = ZoomMeeting(meeting_id=42)
        await uow.sessions.add(session("s4", "b2", meeting=old, create_time=minutes(-10)))
        await uow.sessions.add(session("s5", "b2", meeting=old, create_time=minutes(-5)))
        await uow.participants.add(Participant(id="p1", session_id="s1"), at=minutes(0))
        await uow.participants.add(Participant(id="p2", session_id="s1"), at=minutes(1))
        await uow.lessons.add(
            RecordedLesson("l1", "s2", "L", LessonSource.EXTERNAL_LINK, create_time=minutes(0))
        )
        await uow.commit()
    async with backend.uow("default") as uow:

        async def listed(**filters: Any) -> tuple[list[str], int]:
            args: dict[str, Any] = {
                "course_id": "",
                "batch_ids": None,
                "teacher_id": "",
                "statuses": (),
                "start_after": None,
                "start_before": None,
                "descending": False,
                "offset": 0,
                "limit": 10,
            }
            items, total = await uow.sessions.list(**(args | filters))
            return [s.id for s in items], total

        assert await listed() == (["s1", "s4", "s5", "s2", "s3"], 5)
        assert await listed(descending=True, limit=2) == (["s3", "s2"], 5)
        assert await listed(batch_ids=["b1"]) == (["s1", "s2"], 2)
        assert await listed(batch_ids=[]) == ([], 0)
        assert await listed(course_id="c2") == (["s3"], 1)
        assert await listed(teacher_id="t1") == (["s2"], 1)
        assert await listed(statuses=(SessionStatus.ENDED,)) == (["s3"], 1)
        assert await listed(start_after=minutes(60)) == (["s2", "s3"], 2)
        assert await listed(start_before=minutes(60)) == (["s1", "s4", "s5"], 3)
        assert [s.id for s in await uow.sessions.of_batch("b1")] == ["s1", "s2"]
        assert (await uow.sessions.by_meeting_id(42)).id == "s5"  # the newest
        assert await uow.sessions.by_meeting_id(43) is None
        assert await uow.sessions.counters(["s1", "s2", "s9"]) == {
            "s1": (2, 0),
            "s2": (0, 1),
            "s9": (0, 0),
        }
        assert await uow.sessions.counters([]) == {}


@scenario
async def classroom_queries(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.participants.add(Participant(id="p2", session_id="s1"), at=minutes(1))
        await uow.participants.add(Participant(id="p1", session_id="s1"), at=minutes(2))
        await uow.participants.add(Participant(id="p3", session_id="s2"), at=minutes(0))
        for i, kind in enumerate(
            [InteractionType.CHAT, InteractionType.QUESTION, InteractionType.CHAT]
        ):
            await uow.interactions.add(
                Interaction(
                    id=f"i{i}",
                    session_id="s1",
                    type=kind,
                    author_id="a",
                    content="hi",
                    create_time=minutes(i),
                    request_id=f"k{i}",
                )
            )
        for i, (kind, by) in enumerate(
            [(ResourceType.LINK, "t1"), (ResourceType.SLIDES, "t1"), (ResourceType.LINK, "s-1")]
        ):
            await uow.resources.add(
                SharedResource(
                    f"r{i}", "s1", kind, "R", by, url="https://x.example", shared_at=minutes(-i)
                )
            )
        for i, (sid, source, rec) in enumerate(
            [
                ("s1", LessonSource.ZOOM_AUTO_SYNC, "rec-1"),
                ("s1", LessonSource.MANUAL_UPLOAD, "rec-2"),
                ("s2", LessonSource.ZOOM_AUTO_SYNC, "rec-1"),
                ("s1", LessonSource.ZOOM_AUTO_SYNC, "rec-3"),
            ]
        ):
            await uow.lessons.add(
                RecordedLesson(f"l{i}", sid, "L", source, recording_id=rec, create_time=minutes(i))
            )
        await uow.commit()
    async with backend.uow("default") as uow:
        assert [p.id for p in await uow.participants.of_session("s1")] == ["p2", "p1"]
        page = await uow.interactions.list(
            session_id="s1", types=(), since=None, offset=0, limit=10
        )
        assert ([i.id for i in page[0]], page[1]) == (["i0", "i1", "i2"], 3)
        page = await uow.interactions.list(
            session_id="s1", types=(InteractionType.CHAT,), since=minutes(0), offset=0, limit=10
        )
        assert ([i.id for i in page[0]], page[1]) == (["i2"], 1)
        assert (await uow.interactions.by_request_id("k1")).id == "i1"
        page = await uow.resources.list(session_id="s1", type=None, shared_by="", offset=1, limit=1)
        assert ([r.id for r in page[0]], page[1]) == (["r1"], 3)
        page = await uow.resources.list(
            session_id="s1", type=ResourceType.LINK, shared_by="t1", offset=0, limit=10
        )
        assert [r.id for r in page[0]] == ["r0"]
        page = await uow.lessons.list(
            session_id="s1", source=LessonSource.ZOOM_AUTO_SYNC, offset=0, limit=10
        )
        assert ([x.id for x in page[0]], page[1]) == (["l0", "l3"], 2)
        assert await uow.lessons.session_ids_of_recording("rec-1") == ["s1", "s2"]
        assert await uow.lessons.counts_by_source(["s1", "s2", "s9"]) == {
            "s1": {LessonSource.ZOOM_AUTO_SYNC: 2, LessonSource.MANUAL_UPLOAD: 1},
            "s2": {LessonSource.ZOOM_AUTO_SYNC: 1},
        }
        assert await uow.lessons.counts_by_source([]) == {}
        person = (await uow.participants.of_session("s2"))[0]
        person.raised_hand = True
        lesson = await uow.lessons.get("l1")
        lesson.title = "Renamed"
        await uow.resources.delete("r0")
        await uow.lessons.delete("l0")
        await uow.commit()
    async with backend.uow("default") as uow:
        assert (await uow.participants.of_session("s2"))[0].raised_hand
        assert (await uow.lessons.get("l1")).title == "Renamed"
        assert await uow.resources.get("r0") is None
        assert await uow.lessons.session_ids_of_recording("rec-1") == ["s2"]


@scenario
async def deleting_a_batch_takes_what_hangs_off_it(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        for b in ("b1", "b2"):
            await uow.batches.add(batch(b, "c1"))
            await uow.enrollments.add(enrollment(f"e-{b}", b, "s-1"), request_id=None)
            await uow.sessions.add(session(f"s-{b}", b))
            await uow.participants.add(Participant(id=f"p-{b}", session_id=f"s-{b}"), at=T0)
            await uow.interactions.add(
                Interaction(f"i-{b}", f"s-{b}", InteractionType.CHAT, "a", "x", create_time=T0)
            )
            await uow.resources.add(
                SharedResource(f"r-{b}", f"s-{b}", ResourceType.LINK, "R", "t", shared_at=T0)
            )
            await uow.lessons.add(
                RecordedLesson(f"l-{b}", f"s-{b}", "L", LessonSource.EXTERNAL_LINK, create_time=T0)
            )
            await uow.registrants.add(
                Registrant(f"g-{b}", f"s-{b}", "s-1", "zr", create_time=T0, update_time=T0)
            )
            await uow.jobs.add(
                SessionJob(
                    f"j-{b}",
                    f"s-{b}",
                    JobKind.RECONCILE_ATTENDANCE,
                    create_time=T0,
                    update_time=T0,
                )
            )
        await uow.commit()
    async with backend.uow("default") as uow:
        await uow.sessions.delete_of_batch("b1")
        await uow.batches.delete("b1")
        assert await uow.sessions.of_batch("b1") == []  # its own deletes, before commit
        await uow.commit()
    async with backend.uow("default") as uow:
        assert await uow.batches.get("b1") is None
        assert await uow.enrollments.get("e-b1") is None
        assert await uow.sessions.get("s-b1") is None
        assert await uow.participants.of_session("s-b1") == []
        assert await uow.interactions.get("i-b1") is None
        assert await uow.resources.get("r-b1") is None
        assert await uow.lessons.get("l-b1") is None
        assert await uow.registrants.of_session("s-b1") == []
        assert await uow.jobs.get("j-b1") is None
        # The other batch keeps everything.
        assert (await uow.batches.get("b2")) is not None
        assert (await uow.enrollments.get("e-b2")) is not None
        assert [p.id for p in await uow.participants.of_session("s-b2")] == ["p-b2"]
        assert (await uow.interactions.get("i-b2")) is not None
        assert (await uow.resources.get("r-b2")) is not None
        assert (await uow.lessons.get("l-b2")) is not None
        assert [r.id for r in await uow.registrants.of_session("s-b2")] == ["g-b2"]
        assert (await uow.jobs.get("j-b2")) is not None


@scenario
async def registrants_and_jobs_of_a_session(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        for i, student in enumerate(["stu-2", "stu-1"]):
            await uow.registrants.add(
                Registrant(
                    id=f"reg-row-{i}",
                    session_id="s1",
                    student_id=student,
                    registrant_id=f"zr-{student}",
                    email=f"{student}@x.example",
                    join_url=f"https://zoom.example/w/1?tk={student}",
                    meeting_id=81,
                    create_time=minutes(i),
                    update_time=minutes(i),
                )
            )
        await uow.jobs.add(
            SessionJob(
                id="job-1",
                session_id="s1",
                kind=JobKind.RECONCILE_ATTENDANCE,
                meeting_uuid="inst==",
                next_attempt_time=minutes(5),
                give_up_time=minutes(60),
                create_time=T0,
                update_time=T0,
            )
        )
        await uow.commit()
    async with backend.uow("default") as uow:
        registrants = await uow.registrants.of_session("s1")
        assert [r.student_id for r in registrants] == ["stu-2", "stu-1"]
        assert "tk=" not in repr(registrants[0])  # a join link never reaches a log line
        found = await uow.registrants.of_student("s1", "stu-1")
        assert (found.registrant_id, found.join_url) == (
            "zr-stu-1",
            "https://zoom.example/w/1?tk=stu-1",
        )
        assert await uow.registrants.of_student("s1", "stu-9") is None
        await _raises_integrity(
            lambda: uow.registrants.add(
                Registrant("dup", "s1", "stu-1", "zr-x", create_time=T0, update_time=T0)
            ),
            uow,
        )
    async with backend.uow("acme") as uow:
        assert await uow.registrants.of_session("s1") == []
        assert await uow.jobs.of_session("s1", JobKind.RECONCILE_ATTENDANCE) is None
    async with backend.uow() as uow:  # the worker's view spans tenants
        assert await uow.jobs.due(minutes(4), JobKind.RECONCILE_ATTENDANCE, limit=10) == []
        assert await uow.jobs.due(minutes(5), JobKind.RECONCILE_ATTENDANCE, limit=10) == [
            ("job-1", "default")
        ]
        assert await uow.jobs.due(minutes(5), JobKind.SYNC_REGISTRANTS, limit=10) == []
    policy = RetryPolicy(lease=timedelta(minutes=1))
    async with backend.uow("default") as uow:
        job = await uow.jobs.get("job-1", for_update=True)
        assert job.kind is JobKind.RECONCILE_ATTENDANCE
        assert job.state is JobState.PENDING
        stale = replace(job)  # the job as another worker read it, before this claim
        assert await uow.jobs.claim(job, job.claim(now=minutes(6), policy=policy, lease_id="L1"))
        assert (job.attempts, job.lease_id, job.next_attempt_time) == (1, "L1", minutes(7))
        changes = stale.claim(now=minutes(6), policy=policy, lease_id="L2")
        assert not await uow.jobs.claim(stale, changes)  # the other worker's claim loses
        await uow.commit()
    async with backend.uow("default") as uow:
        job = await uow.jobs.get("job-1")
        assert (job.attempts, job.lease_id) == (1, "L1")
        assert job.holds("L1")
        assert not job.holds("L2")
        job.succeeded(now=minutes(8), count=3)
        await uow.commit()
    async with backend.uow("default") as uow:
        jobs = await uow.jobs.of_sessions(["s1", "s9"], JobKind.RECONCILE_ATTENDANCE)
        assert list(jobs) == ["s1"]
        assert (jobs["s1"].state, jobs["s1"].result_count, jobs["s1"].finish_time) == (
            JobState.DONE,
            3,
            minutes(8),
        )
        assert await uow.jobs.of_sessions([], JobKind.RECONCILE_ATTENDANCE) == {}
        assert await uow.jobs.due(minutes(100), JobKind.RECONCILE_ATTENDANCE, limit=10) == []


@scenario
async def bulk_jobs_and_the_meeting_queue(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        await uow.courses.add(course("c1"))
        await uow.batches.add(batch("b1", "c1"))
        for i in range(3):
            await uow.sessions.add(session(f"s{i}", "b1"))
        for i, due in enumerate([minutes(10), minutes(5), minutes(5)]):
            await uow.jobs.add(
                SessionJob(
                    id=f"q{i}",
                    session_id=f"s{i}",
                    kind=JobKind.CREATE_MEETING,
                    next_attempt_time=due,
                    host_user_id="teacher-2" if i == 2 else "",
                    create_time=T0 + timedelta(microseconds=i),
                    update_time=T0,
                )
            )
        await uow.bulk.add(
            BulkJob(
                id="bulk-1",
                request_id="term-1",
                fingerprint="f" * 64,
                created_by="teacher-1",
                session_ids=["s2", "s0", "s1"],
                create_time=T0,
            )
        )
        await uow.commit()
    async with backend.uow("default") as uow:
        found = await uow.bulk.by_request_id("term-1")
        assert (found.id, found.session_ids, found.create_time) == (
            "bulk-1",
            ["s2", "s0", "s1"],
            T0,
        )
        assert sorted(await uow.sessions.of_ids(["s1", "s2", "nope"])) == ["s1", "s2"]
        assert [j.id for j in await uow.jobs.pending(JobKind.CREATE_MEETING)] == ["q1", "q2", "q0"]
        assert await uow.jobs.pending_per_host(JobKind.CREATE_MEETING) == {"": 2, "teacher-2": 1}
        assert await uow.jobs.pending_per_host(JobKind.SYNC_REGISTRANTS) == {}
        assert (await uow.jobs.get("q2")).host_user_id == "teacher-2"
        job = await uow.jobs.get("q1")
        job.succeeded(now=minutes(6), count=1)
        await uow.commit()
    async with backend.uow("default") as uow:
        assert await uow.jobs.pending_per_host(JobKind.CREATE_MEETING) == {"": 1, "teacher-2": 1}
        await _raises_integrity(
            lambda: uow.bulk.add(
                BulkJob(id="bulk-2", request_id="term-1", fingerprint="g", create_time=T0)
            ),
            uow,
        )
    async with backend.uow("acme") as uow:
        assert await uow.bulk.by_request_id("term-1") is None
        assert await uow.sessions.of_ids(["s1"]) == {}
        assert await uow.jobs.pending_per_host(JobKind.CREATE_MEETING) == {}


# ---- Inbox and events ----


@scenario
async def the_inbox_applies_a_message_once(backend: Backend) -> None:
    async with backend.uow("default") as uow:
        assert await uow.first_delivery("scheduler", "m1")
        assert not await uow.first_delivery("scheduler", "m1")
        assert await uow.first_delivery("other-consumer", "m1")
        assert await uow.first_delivery("scheduler", "m2")
        await uow.commit()
    async with backend.uow("default") as uow:
        assert not await uow.first_delivery("scheduler", "m1")
        assert await uow.first_delivery("scheduler", "m3")  # not committed: forgotten
    async with backend.uow("default") as uow:
        assert await uow.first_delivery("scheduler", "m3")


def cancelled_event(session_id: str) -> events.SessionCancelled:
    return events.SessionCancelled(
        occurred_at=T0,
        session_id=session_id,
        session_title="Intro",
        batch_id="b1",
        course_id="c1",
        meeting_id=0,
        scheduled_start=T0,
        reason="",
        notify_participants=False,
        cancelled_by="t1",
    )


@scenario
async def events_leave_with_the_commit_in_the_tenant(backend: Backend) -> None:
    async with backend.uow("acme") as uow:
        uow.record(cancelled_event("s0"))
        assert len(uow.pending_events) == 1
    async with backend.uow("acme") as uow:
        uow.record(cancelled_event("s1"))
        await uow.rollback()
        assert len(uow.pending_events) == 0
        uow.record(cancelled_event("s2"))
        await uow.commit()
    async with backend.uow(None) as uow:
        with pytest.raises(Internal):  # a spanning unit of work writes events in no tenant
            uow.record(cancelled_event("s3"))
    assert await backend.published() == [("session.cancelled", "acme")]
