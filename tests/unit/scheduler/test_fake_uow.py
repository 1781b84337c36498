"""The fake unit of work: the shared scenarios (the real one passes them too, in the service
tier), and what only the fake can show cheaply (two units of work open at once, the identity
map, writes without any ``save()``, the fake Zoom and clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from classbridge_common.auth import caller_scope
from classbridge_common.db import create_engine
from classbridge_common.errors import FailedPrecondition, NotFound, ResourceExhausted
from classbridge_common.testing import make_settings
from scheduler.domain.model import Course
from scheduler.service_layer.ports import MeetingSpec
from scheduler.settings import Settings
from tests.unit.scheduler.builders import ACME_ADMIN, ADMIN_1, OPERATOR_1
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom, stored
from tests.unit.scheduler.uow_scenarios import (
    SCENARIOS,
    FakeBackend,
    Scenario,
    cancelled_event,
    course,
)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
async def test_the_fake_passes_the_contract(scenario: Scenario) -> None:
    await scenario(FakeBackend())


async def test_changes_are_invisible_to_another_open_unit_until_commit(db: FakeDatabase) -> None:
    async with db.uow(tenant="default") as writer, db.uow(tenant="default") as reader:
        await writer.courses.add(course("c1"))
        assert await reader.courses.get("c1") is None
        await writer.commit()
        assert await reader.courses.get("c1") is None  # its snapshot predates the commit
    async with db.uow(tenant="default") as later:
        assert (await later.courses.get("c1")).id == "c1"


async def test_a_commit_colliding_with_another_commit_publishes_nothing(db: FakeDatabase) -> None:
    async with db.uow(tenant="default") as first, db.uow(tenant="default") as second:
        await first.courses.add(course("c1", request_id="k"))
        await second.courses.add(course("c2", request_id="k"))
        second.record(cancelled_event("s1"))
        await first.commit()
        with pytest.raises(IntegrityError):
            await second.commit()
    assert set(db.tables["courses"]) == {"c1"}
    assert db.published == []
    assert db.commits == 1


async def test_one_object_per_row_within_a_unit_and_copies_across(db: FakeDatabase) -> None:
    async with db.uow(tenant="default") as uow:
        added = course("c1")
        await uow.courses.add(added)
        assert await uow.courses.get("c1") is added
        await uow.commit()
        added.title = "After the commit"  # still tracked: the next commit writes it
        await uow.commit()
    async with db.uow(tenant="default") as uow:
        first = await uow.courses.get("c1")
        assert first is not added
        assert await uow.courses.get("c1") is first  # the same row, the same object
        assert first.title == "After the commit"
        first.title = "Changed after the last commit"
    assert db.get("courses", "c1").title == "After the commit"


async def test_reads_see_unsaved_changes_of_the_same_unit(db: FakeDatabase) -> None:
    """Autoflush: a query after a change finds the row by its new values."""
    async with db.uow(tenant="default") as uow:
        await uow.courses.add(course("c1", instructor_ids=["t1"]))
        await uow.commit()
        loaded = await uow.courses.get("c1")
        loaded.instructor_ids = ["t2"]
        assert await uow.courses.ids_taught_by("t2") == {"c1"}
        assert await uow.courses.ids_taught_by("t1") == set()


async def test_rollback_forgets_the_objects_handed_out(db: FakeDatabase) -> None:
    async with db.uow(tenant="default") as uow:
        await uow.courses.add(course("c1"))
        await uow.commit()
        loaded = await uow.courses.get("c1")
        await uow.rollback()
        loaded.title = "Changed after the rollback"
        await uow.commit()
    assert db.get("courses", "c1").title == "Course c1"


async def test_a_changed_loaded_object_is_written_at_commit_and_only_then(
    db: FakeDatabase,
) -> None:
    """There is no ``save()``: changing what a unit of work loaded is enough for its commit,
    and leaving without a commit discards the change."""
    async with db.uow(tenant="default") as uow:
        await uow.courses.add(course("c1"))
        await uow.commit()
    repositories = [uow.courses, uow.batches, uow.enrollments, uow.sessions, uow.participants]
    repositories += [uow.interactions, uow.resources, uow.lessons]
    assert [r for r in repositories if hasattr(r, "save")] == []  # as the real ones
    async with db.uow(tenant="default") as uow:
        (await uow.courses.get("c1")).title = "Discarded"
    assert db.get("courses", "c1").title == "Course c1"
    async with db.uow(tenant="default") as uow:
        (await uow.courses.get("c1")).title = "Committed"
        assert db.get("courses", "c1").title == "Course c1"  # nothing written before commit
        await uow.commit()
    assert db.get("courses", "c1").title == "Committed"


async def test_constraints_hold_like_the_tables(db: FakeDatabase) -> None:
    async with db.uow(tenant="default") as uow:
        with pytest.raises(IntegrityError, match="NOT NULL"):
            await uow.courses.add(Course(id="c1", title="No times", tenant_id="default"))
        await uow.courses.add(course("c2"))
        with pytest.raises(IntegrityError, match="UNIQUE constraint on id"):
            await uow.courses.add(course("c2"))
        with pytest.raises(ValueError, match="timezone-aware"):
            await uow.courses.add(course("c3", create_time=datetime(2030, 1, 1)))


async def test_a_unit_is_not_reentrant_and_refuses_work_when_closed(db: FakeDatabase) -> None:
    uow = db.uow(tenant="default")
    async with uow:
        repository = uow.courses
        with pytest.raises(RuntimeError, match="already open"):
            await uow.__aenter__()
    with pytest.raises(RuntimeError, match="not open"):
        await repository.get("c1")
    with pytest.raises(RuntimeError, match="not open"):
        await uow.commit()
    with pytest.raises(RuntimeError, match="not open"):
        uow.record(cancelled_event("s1"))


async def test_the_scope_comes_from_the_caller_as_in_a_request(db: FakeDatabase) -> None:
    async with db.uow(caller=ACME_ADMIN) as uow:
        assert uow.scope.tenant == "acme"
    async with db.uow(caller=OPERATOR_1) as uow:
        assert uow.scope.spans
    with caller_scope(ADMIN_1):  # no caller given: the current one, like the real unit of work
        async with db.uow() as uow:
            assert uow.scope.tenant == "default"
    async with db.uow(caller=ADMIN_1) as uow:
        with pytest.raises(NotFound):
            await uow.courses.add(course("c1", "acme"))


async def test_on_commit_runs_after_a_commit_that_wrote_events(db: FakeDatabase) -> None:
    woken: list[int] = []
    async with db.uow(tenant="default", on_commit=lambda: woken.append(1)) as uow:
        await uow.commit()
        assert woken == []
        uow.record(cancelled_event("s1"))
        await uow.commit()
    assert woken == [1]
    assert [p.event for p in db.published] == db.events == [cancelled_event("s1")]


def test_stored_values_are_utc_copies() -> None:
    kolkata = datetime(2030, 1, 1, 15, 30, tzinfo=timezone(timedelta(hours=5.5)))
    value = {"at": [kolkata], "n": (1, "x")}
    copy = stored(value)
    assert copy == value
    assert copy["at"][0].tzinfo is UTC
    assert copy["at"] is not value["at"]


def _spec(topic: str = "JavaScript - Intro") -> MeetingSpec:
    return MeetingSpec(
        topic=topic,
        start_time=datetime(2030, 1, 15, tzinfo=UTC),
        duration_minutes=90,
        timezone="UTC",
    )


async def test_the_fake_zoom_is_idempotent_records_calls_and_fails_on_demand() -> None:
    zoom = FakeZoom()
    first = await zoom.create_meeting(request_id="s1", spec=_spec())
    assert await zoom.create_meeting(request_id="s1", spec=_spec("Other")) == first
    second = await zoom.create_meeting(request_id="s2", spec=_spec())
    assert second.meeting_id == first.meeting_id + 1
    assert [c.arguments["request_id"] for c in zoom.calls_of("create_meeting")] == [
        "s1",
        "s1",
        "s2",
    ]
    updated = await zoom.update_meeting(
        meeting_id=first.meeting_id, spec=_spec("New"), paths=("topic",)
    )
    assert (updated.topic, updated.join_url) == ("New", first.join_url)
    assert not await zoom.delete_meeting(
        meeting_id=first.meeting_id, tenant_id="", notify_hosts=False
    )
    assert await zoom.delete_meeting(meeting_id=first.meeting_id, tenant_id="", notify_hosts=False)
    assert "zak=" in await zoom.start_url(meeting_id=second.meeting_id, tenant_id="")
    zoom.failures["start_url"] = ResourceExhausted("slow down", retry_after=timedelta(seconds=3))
    with pytest.raises(ResourceExhausted):
        await zoom.start_url(meeting_id=second.meeting_id, tenant_id="")
    zoom.configured = False
    with pytest.raises(FailedPrecondition, match="not configured"):
        await zoom.create_meeting(request_id="s3", spec=_spec())
    assert len(zoom.calls) == 9


def test_no_engine_can_be_made_here(tmp_path: Path) -> None:
    settings = make_settings(Settings, service_name="scheduler", data_dir=tmp_path)
    with pytest.raises(AssertionError, match="use the fakes"):
        create_engine(settings)


def test_the_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2030, 1, 1, tzinfo=UTC))
    assert clock() == clock() == datetime(2030, 1, 1, tzinfo=UTC)
    assert clock.advance(minutes=5) == datetime(2030, 1, 1, 0, 5, tzinfo=UTC) == clock()
