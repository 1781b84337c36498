"""Fixtures for the handler tests: an empty fake database, a fake Zoom, a pinned clock, and a
small school (two courses of the default tenant and one of ``acme``) to act on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.ext.asyncio

from scheduler.domain.model import Batch, Course, Session
from tests.unit.scheduler.builders import (
    T0,
    a_meeting,
    seed_batch,
    seed_course,
    seed_enrollment,
    seed_session,
)
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom, stored


@pytest.fixture(autouse=True, scope="module")
def no_database() -> Iterator[None]:
    """These tests never open a database: making any SQLAlchemy engine fails the test that
    tried (the service tier is where the real unit of work runs). Per module, not per session,
    so a run that goes on to the service tier gets its engines back."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a unit test made a SQLAlchemy engine; use the fakes")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlalchemy.ext.asyncio, "create_async_engine", refuse)
        patch.setattr(sqlalchemy.engine, "create_engine", refuse)
        patch.setattr(sqlalchemy, "create_engine", refuse)
        yield


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def zoom() -> FakeZoom:
    return FakeZoom()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 - timedelta(days=1))


@dataclass
class School:
    """c1 (teacher-1 and co-teacher teacher-3) > b1 (student-1 enrolled) > s1 with a meeting;
    c2 (teacher-2) > b2 (student-9) > s2 without; acme's c3 > b3 > s3 with a meeting."""

    c1: Course
    b1: Batch
    s1: Session
    c2: Course
    b2: Batch
    s2: Session
    c3: Course
    b3: Batch
    s3: Session


async def _build_school(db: FakeDatabase) -> School:
    c1 = await seed_course(db, instructors=("teacher-1", "teacher-3"))
    b1 = await seed_batch(db, c1)
    await seed_enrollment(db, b1, "student-1")
    s1 = await seed_session(db, b1, meeting=a_meeting(81_000_000_001))
    c2 = await seed_course(db, instructors=("teacher-2",), title="Python")
    b2 = await seed_batch(db, c2, instructor_id="teacher-2")
    await seed_enrollment(db, b2, "student-9")
    s2 = await seed_session(db, b2)
    c3 = await seed_course(db, tenant="acme", title="Acme course")
    b3 = await seed_batch(db, c3)
    await seed_enrollment(db, b3, "student-1")
    s3 = await seed_session(db, b3, meeting=a_meeting(81_000_000_003))
    return School(c1=c1, b1=b1, s1=s1, c2=c2, b2=b2, s2=s2, c3=c3, b3=b3, s3=s3)


@pytest.fixture(scope="session")
def built_school() -> tuple[FakeDatabase, School]:
    """The school stored once per run: most tests start from it, and seeding it through a
    dozen units of work per test would be most of the suite's time."""
    db = FakeDatabase()
    loop = asyncio.new_event_loop()  # its own loop: the tests' current loop stays as it is
    try:
        return db, loop.run_until_complete(_build_school(db))
    finally:
        loop.close()


@pytest.fixture
def school(db: FakeDatabase, built_school: tuple[FakeDatabase, School]) -> School:
    """The school in this test's database. Stored rows are never changed in place (a commit
    replaces them), so sharing them between tests' databases is safe; the objects handed to the
    test are copies, so a test changing one changes no other test's."""
    template, built = built_school
    db.tables = template.snapshot()
    db.commits = template.commits
    return School(**{f.name: stored(getattr(built, f.name)) for f in fields(built)})
