"""Bulk scheduling (service_layer/bulk.py) against the fake unit of work and a fake Zoom that
keeps Zoom's per-host daily budget: every item checked before anything is stored, replays by
request id, meetings planned day by day within the budget and created exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from classbridge_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from scheduler.domain import commands
from scheduler.domain.bulk import MAX_ITEMS, next_utc_midnight, plan_days, spread_over_hosts
from scheduler.domain.jobs import JobState
from scheduler.domain.model import SessionStatus
from scheduler.domain.timing import InstantTiming
from scheduler.service_layer import bulk, sessions
from scheduler.service_layer.ports import MeetingInfo, MeetingSpec
from tests.unit.scheduler.builders import (
    ADMIN_1,
    CO_TEACHER,
    T0,
    TEACHER_1,
    TEACHER_2,
    acting,
    nothing_stored,
    seed_batch,
    seed_course,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom

LIMIT = 10


class BudgetedZoom(FakeZoom):
    """Zoom with each host's daily budget: ``limit`` creates per host per UTC day of ``clock``,
    the next refused as the gateway refuses it (RESOURCE_EXHAUSTED, retry at 00:00 UTC).
    ``used`` counts each (host, day)'s creates, a replay of a request id included (the gateway
    charges before asking); the tenant's host is "". Instructors not in ``connected`` cannot
    host: refused as the gateway refuses them (FAILED_PRECONDITION naming them)."""

    def __init__(
        self, clock: FakeClock, limit: int = LIMIT, connected: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.clock = clock
        self.limit = limit
        self.connected = set(connected)
        self.used: Counter[tuple[str, str]] = Counter()
        self.refused = 0
        self.cannot_host: Counter[str] = Counter()

    def today(self, host: str = "") -> tuple[str, str]:
        return host, self.clock().date().isoformat()

    async def create_meeting(self, *, request_id: str, spec: MeetingSpec) -> MeetingInfo:
        host = spec.host_user_id
        if host and host not in self.connected:
            self.cannot_host[host] += 1
            raise FailedPrecondition(
                f"user {host!r} cannot host the meeting",
                details={"host_user_id": host, "why": "not_connected"},
            )
        if self.used[self.today(host)] >= self.limit:
            self.refused += 1
            raise ResourceExhausted(
                "the host's daily meeting budget is spent",
                retry_at=next_utc_midnight(self.clock()),
            )
        self.used[self.today(host)] += 1
        return await super().create_meeting(request_id=request_id, spec=spec)


def item(batch_id: str, k: int = 0, **values: Any) -> commands.CreateSession:
    """The ``k``-th class of a term, three a week from T0."""
    start = T0 + timedelta(days=7 * (k // 3) + 2 * (k % 3))
    values.setdefault("timing", InstantTiming(start=start, end=start + timedelta(hours=1)))
    return commands.CreateSession(
        batch_id=batch_id, title=values.pop("title", f"Class {k}"), **values
    )


def term(batch_id: str, count: int, request_id: str = "term-1") -> commands.BulkCreateSessions:
    return commands.BulkCreateSessions(
        request_id=request_id, items=tuple(item(batch_id, k) for k in range(count))
    )


async def schedule(
    db: FakeDatabase, clock: FakeClock, cmd: commands.BulkCreateSessions, caller: Any = TEACHER_1
) -> bulk.BulkJobView:
    return await bulk.bulk_create_sessions(
        cmd, **acting(db, caller), default_timezone="UTC", budget=LIMIT, now=clock
    )


async def drain(db: FakeDatabase, zoom: FakeZoom, clock: FakeClock) -> int:
    """Run the worker's rounds until one finishes nothing (as the job worker does)."""
    total = 0
    while done := await bulk.run_due(db.uow, zoom, budget=LIMIT, now=clock):
        total += done
    return total


@pytest.fixture
def budgeted(clock: FakeClock) -> BudgetedZoom:
    return BudgetedZoom(clock)


@pytest.fixture
async def lone(db: FakeDatabase, school: School) -> str:
    """A batch of a course without instructors: its meetings have one possible host, the
    tenant's (scheduled by an admin)."""
    course = await seed_course(db, instructors=(), title="Self-study")
    return (await seed_batch(db, course, instructor_id="")).id


# ---- every item first ----


async def test_one_bad_item_stores_nothing_and_names_every_bad_item(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    items = [item(school.b1.id, k) for k in range(5)]
    items[1] = item(school.b1.id, 1, title="  ")
    items[3] = item("no-such-batch", 3)
    cmd = commands.BulkCreateSessions(request_id="r1", items=tuple(items))
    with nothing_stored(db), pytest.raises(InvalidArgument) as raised:
        await schedule(db, clock, cmd)
    assert [v.field for v in raised.value.violations] == ["items[1].title"]
    # the title is checked without the store; the batch once every item's own fields are fine
    items[1] = item(school.b1.id, 1)
    cmd = commands.BulkCreateSessions(request_id="r1", items=tuple(items))
    with nothing_stored(db), pytest.raises(NotFound, match=r"items\[3\]\.batch_id"):
        await schedule(db, clock, cmd)


async def test_an_impossible_time_in_one_item_stores_nothing(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    start = T0 + timedelta(days=3)
    backwards = InstantTiming(start=start, end=start - timedelta(hours=1))
    items = (item(school.b1.id, 0), item(school.b1.id, 1, timing=backwards))
    with nothing_stored(db), pytest.raises(InvalidArgument) as raised:
        await schedule(db, clock, commands.BulkCreateSessions(request_id="r", items=items))
    assert [v.field.split(".")[0] for v in raised.value.violations] == ["items[1]"]


async def test_a_request_without_key_or_items_or_over_the_limit_is_refused(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    with nothing_stored(db):
        with pytest.raises(InvalidArgument, match="request_id"):
            await schedule(db, clock, term(school.b1.id, 1, request_id=""))
        with pytest.raises(InvalidArgument, match="at least one"):
            await schedule(db, clock, term(school.b1.id, 0))
        with pytest.raises(InvalidArgument, match=str(MAX_ITEMS)):
            await schedule(db, clock, term(school.b1.id, MAX_ITEMS + 1))


async def test_one_batch_the_teacher_does_not_teach_refuses_the_whole_request(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    items = (item(school.b1.id, 0), item(school.b2.id, 1))
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await schedule(db, clock, commands.BulkCreateSessions(request_id="r", items=items))


# ---- stored at once, replayed by request id ----


async def test_every_session_is_stored_with_its_meeting_pending(
    db: FakeDatabase, school: School, clock: FakeClock, budgeted: BudgetedZoom
) -> None:
    sessions_before = db.count("sessions")
    view = await schedule(db, clock, term(school.b1.id, 8))
    assert db.count("sessions") == sessions_before + 8
    assert db.count("bulk_jobs") == 1
    assert [i.state for i in view.items] == [bulk.ItemState.PENDING] * 8
    assert not budgeted.calls  # no Zoom call while the request is answered
    stored = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert [i.session_id for i in stored.items] == [i.session_id for i in view.items]
    assert stored.count(bulk.ItemState.PENDING) == 8
    assert all(i.expected_time == clock() for i in stored.items)


async def test_the_same_request_again_returns_the_same_job_and_another_body_is_refused(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    first = await schedule(db, clock, term(school.b1.id, 5))
    with nothing_stored(db):
        again = await schedule(db, clock, term(school.b1.id, 5))
    assert again.job.id == first.job.id
    assert [i.session_id for i in again.items] == [i.session_id for i in first.items]
    with nothing_stored(db), pytest.raises(AlreadyExists):
        await schedule(db, clock, term(school.b1.id, 6))
    # a co-teacher of the batch's course gets it back too (they may read it)
    by_co_teacher = await schedule(db, clock, term(school.b1.id, 5), caller=CO_TEACHER)
    assert by_co_teacher.job.id == first.job.id


async def test_a_bulk_job_is_seen_by_admins_and_the_teachers_of_its_batches(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    view = await schedule(db, clock, term(school.b1.id, 2))
    assert (await bulk.get_bulk_job(view.job.id, **acting(db, ADMIN_1))).job.id == view.job.id
    # a co-teacher of the course sees it too; a teacher of another course does not
    assert (await bulk.get_bulk_job(view.job.id, **acting(db, CO_TEACHER))).job.id == view.job.id
    with pytest.raises(NotFound):
        await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_2))


async def test_an_item_without_a_meeting_is_not_queued(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    items = (item(school.b1.id, 0), item(school.b1.id, 1, create_zoom_meeting=False))
    view = await schedule(db, clock, commands.BulkCreateSessions(request_id="r", items=items))
    assert [i.state for i in view.items] == [bulk.ItemState.PENDING, bulk.ItemState.NOT_REQUESTED]
    assert db.count("session_jobs") == 1


# ---- planned within the daily budget ----


def test_plan_days_fills_today_then_each_next_utc_day() -> None:
    now = datetime(2030, 1, 14, 10, 0, tzinfo=UTC)
    midnight = datetime(2030, 1, 15, tzinfo=UTC)
    times = plan_days(now, ahead=30, count=250, budget=100)
    assert Counter(times) == {
        now: 70,
        midnight: 100,
        midnight + timedelta(days=1): 80,
    }
    assert times == sorted(times)


def test_spread_over_hosts_fills_each_hosts_day_before_anyone_waits() -> None:
    now = datetime(2030, 1, 14, 10, 0, tzinfo=UTC)
    midnight = datetime(2030, 1, 15, tzinfo=UTC)
    planned = spread_over_hosts(
        now, queued={"": 8, "t-2": 3}, hosts_of=[["", "t-1", "t-2"]] * 12 + [[""]] * 2, budget=5
    )
    assert Counter(planned) == {
        ("t-1", now): 5,  # the tenant's host's day is full: the first instructor's
        ("t-2", now): 2,
        ("", midnight): 2,  # the tenant's host's next day, before t-1's and t-2's
        ("t-1", midnight): 3,
        ("", midnight + timedelta(days=1)): 2,  # they have no other host
    }
    assert spread_over_hosts(now, queued={}, hosts_of=[], budget=5) == []
    with pytest.raises(ValueError, match="possible host"):
        spread_over_hosts(now, queued={}, hosts_of=[[]], budget=5)


async def test_expected_times_spread_over_days_and_count_what_is_queued_before(
    db: FakeDatabase, clock: FakeClock, lone: str
) -> None:
    midnight = next_utc_midnight(clock())
    first = await schedule(db, clock, term(lone, 25), caller=ADMIN_1)
    assert Counter(i.expected_time for i in first.items) == {
        clock(): 10,
        midnight: 10,
        midnight + timedelta(days=1): 5,
    }
    assert {i.host_user_id for i in first.items} == {""}
    assert first.expected_finish_time == midnight + timedelta(days=1)
    second = await schedule(db, clock, term(lone, 6, request_id="term-2"), caller=ADMIN_1)
    assert Counter(i.expected_time for i in second.items) == {
        midnight + timedelta(days=1): 5,
        midnight + timedelta(days=2): 1,
    }


async def test_a_term_spreads_over_the_tenants_host_and_the_courses_instructors(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    # batch b1's course has teacher-1 (the batch's teacher) and teacher-3
    midnight = next_utc_midnight(clock())
    first = await schedule(db, clock, term(school.b1.id, 25))
    assert Counter((i.host_user_id, i.expected_time) for i in first.items) == {
        ("", clock()): 10,
        ("teacher-1", clock()): 10,
        ("teacher-3", clock()): 5,
    }
    second = await schedule(db, clock, term(school.b1.id, 6, request_id="term-2"))
    assert Counter((i.host_user_id, i.expected_time) for i in second.items) == {
        ("teacher-3", clock()): 5,
        ("", midnight): 1,
    }


async def test_each_host_makes_its_meetings_within_its_own_budget(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    zoom = BudgetedZoom(clock, connected=frozenset({"teacher-1", "teacher-3"}))
    view = await schedule(db, clock, term(school.b1.id, 25))
    assert await drain(db, zoom, clock) == 25  # all of them today: three hosts' budgets
    assert zoom.used == {
        zoom.today(""): 10,
        zoom.today("teacher-1"): 10,
        zoom.today("teacher-3"): 5,
    }
    made_by = Counter(spec.host_user_id for spec in zoom.specs.values())
    assert made_by == {"": 10, "teacher-1": 10, "teacher-3": 5}
    for spec in zoom.specs.values():  # the host is never its own alternative host
        assert spec.host_user_id not in spec.settings.get("alternative_host_user_ids", [])
    final = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert final.count(bulk.ItemState.CREATED) == 25
    assert Counter(i.host_user_id for i in final.items) == made_by
    assert (zoom.refused, sum(zoom.cannot_host.values())) == (0, 0)


async def test_an_instructor_who_cannot_host_hands_their_meetings_to_the_tenants_host(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    zoom = BudgetedZoom(
        clock, connected=frozenset({"teacher-1"})
    )  # teacher-3 has no Zoom user connected
    view = await schedule(db, clock, term(school.b1.id, 25))
    for _day in range(3):
        await drain(db, zoom, clock)
        clock.now = next_utc_midnight(clock()) + timedelta(minutes=1)
    assert zoom.cannot_host == {"teacher-3": 1}  # asked once, then none of theirs again
    assert Counter(spec.host_user_id for spec in zoom.specs.values()) == {"": 15, "teacher-1": 10}
    assert all(used <= LIMIT for used in zoom.used.values())
    assert len(zoom.meetings) == 25 == len(zoom.calls_of("create_meeting"))
    final = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert final.count(bulk.ItemState.CREATED) == 25


async def test_the_queue_creates_each_meeting_once_within_the_daily_budget(
    db: FakeDatabase, clock: FakeClock, budgeted: BudgetedZoom, lone: str
) -> None:
    view = await schedule(db, clock, term(lone, 25), caller=ADMIN_1)
    expected = {i.session_id: i.expected_time for i in view.items}
    made_on: dict[str, datetime] = {}
    for _day in range(4):
        await drain(db, budgeted, clock)
        for i in (await bulk.get_bulk_job(view.job.id, **acting(db, ADMIN_1))).items:
            if i.state is bulk.ItemState.CREATED:
                made_on.setdefault(i.session_id, clock())
        clock.now = next_utc_midnight(clock()) + timedelta(minutes=1)
    assert all(used <= LIMIT for used in budgeted.used.values())
    assert sorted(budgeted.used.values()) == [5, 10, 10]
    creates = budgeted.calls_of("create_meeting")
    assert len(creates) == 25 == len({c.arguments["request_id"] for c in creates})
    assert len(budgeted.meetings) == 25
    # each meeting was made on the day it was expected
    assert all(made_on[s].date() == expected[s].date() for s in expected)  # type: ignore[union-attr]
    final = await bulk.get_bulk_job(view.job.id, **acting(db, ADMIN_1))
    assert final.count(bulk.ItemState.CREATED) == 25
    assert final.done


async def test_a_budget_spent_elsewhere_moves_the_rest_to_the_next_utc_day(
    db: FakeDatabase, clock: FakeClock, budgeted: BudgetedZoom, lone: str
) -> None:
    budgeted.used[budgeted.today()] = 7  # other writes today
    view = await schedule(db, clock, term(lone, 12), caller=ADMIN_1)
    await drain(db, budgeted, clock)
    progress = await bulk.get_bulk_job(view.job.id, **acting(db, ADMIN_1))
    assert progress.count(bulk.ItemState.CREATED) == 3
    midnight = next_utc_midnight(clock())
    waiting = [i for i in progress.items if i.state is bulk.ItemState.PENDING]
    assert len(waiting) == 9
    assert {i.expected_time for i in waiting} == {midnight}
    # only one refused call: the round leaves a spent host alone
    assert budgeted.refused == 1
    assert len(budgeted.calls_of("create_meeting")) == 3
    clock.now = midnight
    await drain(db, budgeted, clock)
    final = await bulk.get_bulk_job(view.job.id, **acting(db, ADMIN_1))
    assert final.count(bulk.ItemState.CREATED) == 12
    assert len(budgeted.meetings) == 12


async def test_a_spent_host_leaves_the_other_hosts_going(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    zoom = BudgetedZoom(clock, connected=frozenset({"teacher-1", "teacher-3"}))
    zoom.used[zoom.today("teacher-1")] = 8  # teacher-1 scheduled in Zoom directly today
    view = await schedule(db, clock, term(school.b1.id, 25))
    await drain(db, zoom, clock)
    progress = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert progress.count(bulk.ItemState.CREATED) == 10 + 2 + 5
    waiting = [i for i in progress.items if i.state is bulk.ItemState.PENDING]
    assert {(i.host_user_id, i.expected_time) for i in waiting} == {
        ("teacher-1", next_utc_midnight(clock()))
    }
    assert zoom.refused == 1


async def test_a_small_budget_plans_the_queue_over_several_days(
    db: FakeDatabase, clock: FakeClock, lone: str
) -> None:
    zoom = BudgetedZoom(clock, limit=10)
    zoom.used[zoom.today()] = 10
    view = await schedule(db, clock, term(lone, 25), caller=ADMIN_1)
    await bulk.run_due(db.uow, zoom, budget=10, now=clock)
    progress = await bulk.get_bulk_job(view.job.id, **acting(db, ADMIN_1))
    midnight = next_utc_midnight(clock())
    assert Counter(i.expected_time for i in progress.items) == {
        midnight: 10,
        midnight + timedelta(days=1): 10,
        midnight + timedelta(days=2): 5,
    }


async def test_a_session_cancelled_before_its_turn_gets_no_meeting(
    db: FakeDatabase, school: School, clock: FakeClock, budgeted: BudgetedZoom
) -> None:
    view = await schedule(db, clock, term(school.b1.id, 3))
    async with db.uow(caller=TEACHER_1) as uow:
        session = await uow.sessions.get(view.items[1].session_id)
        assert session is not None
        session.status = SessionStatus.CANCELLED
        await uow.commit()
    await drain(db, budgeted, clock)
    final = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert [i.state for i in final.items] == [
        bulk.ItemState.CREATED,
        bulk.ItemState.FAILED,
        bulk.ItemState.CREATED,
    ]
    assert len(budgeted.meetings) == 2


async def test_a_class_over_before_the_budget_allows_it_is_given_up(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    zoom = BudgetedZoom(clock, limit=1)
    zoom.used[zoom.today()] = 1
    soon = clock() + timedelta(hours=2)  # ends before the next 00:00 UTC
    items = (
        item(school.b1.id, 0, timing=InstantTiming(start=soon, end=soon + timedelta(hours=1))),
    )
    view = await schedule(db, clock, commands.BulkCreateSessions(request_id="r", items=items))
    await bulk.run_due(db.uow, zoom, budget=1, now=clock)
    final = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert final.items[0].state is bulk.ItemState.FAILED
    assert "over" in final.items[0].error
    job = next(iter(db.rows("session_jobs"))).obj
    assert job.state is JobState.GAVE_UP


async def test_zoom_not_configured_gives_up_and_a_zoom_outage_is_tried_again(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    zoom = FakeZoom()
    zoom.failures["create_meeting"] = Unavailable("Zoom is down")
    view = await schedule(db, clock, term(school.b1.id, 1))
    await bulk.run_due(db.uow, zoom, budget=LIMIT, now=clock)
    progress = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    (waiting,) = progress.items
    assert waiting.state is bulk.ItemState.PENDING
    assert waiting.expected_time == clock() + bulk.DEFAULT_POLICY.backoff(1)
    zoom.configured = False
    clock.advance(minutes=5)
    await bulk.run_due(db.uow, zoom, budget=LIMIT, now=clock)
    final = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert final.items[0].state is bulk.ItemState.FAILED
    assert "not configured" in final.items[0].error
    assert final.done


async def test_a_meeting_made_meanwhile_is_not_made_again(
    db: FakeDatabase, school: School, clock: FakeClock, budgeted: BudgetedZoom
) -> None:
    view = await schedule(db, clock, term(school.b1.id, 1))
    session_id = view.items[0].session_id
    await sessions.create_zoom_meeting(
        commands.CreateZoomMeeting(session_id=session_id),
        **acting(db, TEACHER_1),
        zoom=budgeted,
        now=clock,
    )
    assert await bulk.run_due(db.uow, budgeted, budget=LIMIT, now=clock) == 1
    assert len(budgeted.calls_of("create_meeting")) == 1
    final = await bulk.get_bulk_job(view.job.id, **acting(db, TEACHER_1))
    assert final.items[0].state is bulk.ItemState.CREATED
