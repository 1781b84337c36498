"""Whom a session's meeting names besides its host: the course's other instructors become its
alternative hosts (by Classbridge user id, which zoom-gateway resolves), and a group batch's
breakout groups its pre-assigned breakout rooms (by the students' enrolment emails). What Zoom
does not take is a warning, never a failure; changing either brings upcoming meetings in step
through a stored job. Handlers on the fake unit of work, Zoom as the gateway answers it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import InvalidArgument, NotFound, PermissionDenied, Unavailable
from scheduler.domain import commands
from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.jobs import JobKind, JobState, RetryPolicy
from scheduler.domain.model import BatchType, Enrollment, SessionStatus
from scheduler.domain.timing import LocalTiming
from scheduler.service_layer import catalog, meeting_sync, sessions
from scheduler.service_layer.ports import MeetingInfo, MeetingSpec, SkippedHost
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    STUDENT_1,
    T0,
    TEACHER_1,
    TEACHER_2,
    a_meeting,
    acting,
    seed_batch,
    seed_course,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeZoom

POLICY = RetryPolicy(first_delay=timedelta(0))
REFUSAL = "Unable to assign 'dee@school.test' as an alternative host"


class GatewayZoom(FakeZoom):
    """The fake Zoom answering as zoom-gateway does: user ids without a connection, or whose
    email Zoom refuses, come back skipped; pre-assigned rooms come back dropped unless the
    account allows them. Only for the parts a call carries (its update paths)."""

    def __init__(self) -> None:
        super().__init__()
        self.connected: dict[str, str] = {}
        self.refused: set[str] = set()
        self.rooms_allowed = True

    def _answer(self, info: MeetingInfo, spec: MeetingSpec, paths: tuple[str, ...]) -> MeetingInfo:
        settings = spec.settings
        skipped: list[SkippedHost] = []
        if {"settings", "settings.alternative_hosts"} & set(paths):
            for user_id in settings.get("alternative_host_user_ids", []):
                email = self.connected.get(user_id, "")
                if not email:
                    skipped.append(SkippedHost(user_id, "not_connected"))
                elif email in self.refused:
                    skipped.append(SkippedHost(user_id, "refused_by_zoom", email, REFUSAL))
        dropped = False
        if {"settings", "settings.breakout_rooms"} & set(paths):
            dropped = bool(settings.get("breakout_rooms", {}).get("rooms")) and not (
                self.rooms_allowed
            )
        return replace(
            info, skipped_alternative_hosts=tuple(skipped), breakout_rooms_dropped=dropped
        )

    async def create_meeting(self, *, request_id: str, spec: MeetingSpec) -> MeetingInfo:
        made = await super().create_meeting(request_id=request_id, spec=spec)
        return self._answer(made, spec, ("settings",))

    async def update_meeting(
        self,
        *,
        meeting_id: int,
        spec: MeetingSpec,
        paths: tuple[str, ...],
        occurrence_id: str = "",
    ) -> MeetingInfo:
        changed = await super().update_meeting(
            meeting_id=meeting_id, spec=spec, paths=paths, occurrence_id=occurrence_id
        )
        return self._answer(changed, spec, paths)


@pytest.fixture
def zoom() -> GatewayZoom:
    gateway = GatewayZoom()
    gateway.connected = {"teacher-3": "tess@school.test", "teacher-4": "dee@school.test"}
    return gateway


def codes(result: sessions.SessionResult) -> list[str]:
    return [w.code for w in result.warnings]


def message(result: sessions.SessionResult, code: str) -> str:
    return next(w.message for w in result.warnings if w.code == code)


async def schedule(
    db: FakeDatabase, zoom: FakeZoom, clock: FakeClock, batch_id: str, caller: Caller = TEACHER_1
) -> sessions.SessionResult:
    return await sessions.create_session(
        commands.CreateSession(
            batch_id=batch_id,
            title="Loops",
            timing=LocalTiming(
                day=T0.date(), start=T0.time(), end=(T0 + timedelta(hours=1)).time()
            ),
        ),
        zoom=zoom,
        now=clock,
        default_timezone="UTC",
        **acting(db, caller),
    )


async def enroll(db: FakeDatabase, batch_id: str, student: str, email: str = "") -> None:
    async with db.uow(tenant=db.tenant_of("batches", batch_id)) as uow:
        await uow.enrollments.add(
            Enrollment(
                id=f"enrol-{batch_id}-{student}",
                batch_id=batch_id,
                student_id=student,
                create_time=T0 - timedelta(days=3),
                email=email,
            ),
            request_id=None,
        )
        await uow.commit()


async def set_groups(
    db: FakeDatabase,
    clock: FakeClock,
    batch_id: str,
    groups: list[BreakoutGroup],
    caller: Caller = TEACHER_1,
) -> catalog.BatchView:
    return await catalog.update_batch(
        commands.UpdateBatch(batch_id=batch_id, changes={"breakout_groups": groups}),
        now=clock,
        **acting(db, caller),
    )


def group(name: str, *students: str) -> BreakoutGroup:
    return BreakoutGroup(name=name, student_ids=list(students))


def jobs(db: FakeDatabase, kind: JobKind) -> list[Any]:
    return [r.obj for r in db.rows("session_jobs") if r.obj.kind is kind]


async def run_jobs(db: FakeDatabase, zoom: FakeZoom, clock: FakeClock) -> int:
    return await meeting_sync.run_due(db.uow, zoom, policy=POLICY, now=clock)


# ---- alternative hosts ----


async def test_the_other_instructors_become_alternative_hosts_by_user_id(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    """c1 is taught by teacher-1 and teacher-3; teacher-1 teaches the session."""
    result = await schedule(db, zoom, clock, school.b1.id)
    assert result.warnings == ()
    [spec] = zoom.specs.values()
    assert spec.settings["alternative_host_user_ids"] == ["teacher-3"]
    assert spec.settings["alternative_hosts_set"] is True
    assert result.view.session.meeting is not None


async def test_a_course_taught_by_its_teacher_alone_names_no_alternative_hosts(
    db: FakeDatabase, zoom: GatewayZoom, clock: FakeClock
) -> None:
    course = await seed_course(db, instructors=("teacher-1",))
    batch = await seed_batch(db, course)
    await schedule(db, zoom, clock, batch.id)
    [spec] = zoom.specs.values()
    assert "alternative_host_user_ids" not in spec.settings
    assert "breakout_rooms" not in spec.settings


async def test_instructors_zoom_cannot_take_are_named_and_the_session_is_kept(
    db: FakeDatabase, zoom: GatewayZoom, clock: FakeClock
) -> None:
    course = await seed_course(db, instructors=("teacher-1", "teacher-5", "teacher-4", "teacher-3"))
    batch = await seed_batch(db, course)
    zoom.refused = {"dee@school.test"}
    result = await schedule(db, zoom, clock, batch.id)
    assert codes(result) == ["ALTERNATIVE_HOSTS_SKIPPED"]
    text = message(result, "ALTERNATIVE_HOSTS_SKIPPED")
    assert "teacher-5 has not connected a Zoom account" in text
    assert "Zoom refused teacher-4 (dee@school.test)" in text
    assert REFUSAL in text
    assert "teacher-3" not in text  # connected and taken
    session = result.view.session
    assert session.meeting is not None
    assert db.get("sessions", session.id).meeting == session.meeting


async def test_a_new_teacher_makes_the_previous_one_an_alternative_host(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    result = await sessions.update_session(
        commands.UpdateSession(session_id=school.s1.id, changes={"teacher_id": "teacher-3"}),
        zoom=zoom,
        now=clock,
        **acting(db, ADMIN_1),
    )
    [(_, spec, paths)] = zoom.updated
    assert paths == ("settings.alternative_hosts",)
    assert spec.settings["alternative_host_user_ids"] == ["teacher-1"]
    assert codes(result) == ["ALTERNATIVE_HOSTS_SKIPPED"]  # teacher-1 never connected Zoom
    assert "teacher-1 has not connected" in message(result, "ALTERNATIVE_HOSTS_SKIPPED")


async def test_changing_the_instructors_updates_upcoming_meetings_in_the_background(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    ended = await seed_session(
        db, school.b1, meeting=a_meeting(81_000_000_077), status=SessionStatus.ENDED
    )
    course = await catalog.update_course(
        commands.UpdateCourse(
            course_id=school.c1.id, changes={"instructor_ids": ["teacher-1", "teacher-4"]}
        ),
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert course.instructor_ids == ["teacher-1", "teacher-4"]
    assert zoom.calls == []  # nothing waits on Zoom while the change is answered
    armed = jobs(db, JobKind.SYNC_ALTERNATIVE_HOSTS)
    assert [j.session_id for j in armed] == [school.s1.id]  # not the ended one
    assert ended.id not in {j.session_id for j in armed}

    assert await run_jobs(db, zoom, clock) == 1
    [(meeting_id, spec, paths)] = zoom.updated
    assert (meeting_id, paths) == (81_000_000_001, ("settings.alternative_hosts",))
    assert spec.settings["alternative_host_user_ids"] == ["teacher-4"]
    [job] = jobs(db, JobKind.SYNC_ALTERNATIVE_HOSTS)
    assert (job.state, job.last_error) == (JobState.DONE, "")

    await catalog.update_course(  # the teacher alone again: Zoom's list is cleared
        commands.UpdateCourse(course_id=school.c1.id, changes={"instructor_ids": ["teacher-1"]}),
        now=clock,
        **acting(db, ADMIN_1),
    )
    zoom.refused = {"dee@school.test"}
    assert await run_jobs(db, zoom, clock) == 1
    _, cleared, _ = zoom.updated[-1]
    assert cleared.settings["alternative_host_user_ids"] == []
    assert cleared.settings["alternative_hosts_set"] is True
    title_only = await catalog.update_course(
        commands.UpdateCourse(course_id=school.c1.id, changes={"title": "JS"}),
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert title_only.title == "JS"
    assert await run_jobs(db, zoom, clock) == 0  # the instructors did not change


async def test_what_the_background_update_could_not_do_is_kept_on_the_job(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    zoom.refused = {"dee@school.test"}
    await catalog.update_course(
        commands.UpdateCourse(
            course_id=school.c1.id, changes={"instructor_ids": ["teacher-1", "teacher-4"]}
        ),
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert await run_jobs(db, zoom, clock) == 1
    [job] = jobs(db, JobKind.SYNC_ALTERNATIVE_HOSTS)
    assert job.state is JobState.DONE
    assert "Zoom refused teacher-4" in job.last_error


async def test_a_background_update_zoom_refuses_is_given_up(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    zoom.failures["update_meeting"] = InvalidArgument("Zoom: Validation Failed.")
    await catalog.update_course(
        commands.UpdateCourse(course_id=school.c1.id, changes={"instructor_ids": ["teacher-4"]}),
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert await run_jobs(db, zoom, clock) == 0
    [job] = jobs(db, JobKind.SYNC_ALTERNATIVE_HOSTS)
    assert job.state is JobState.GAVE_UP
    assert "Validation Failed" in job.last_error


# ---- breakout groups ----


async def _class_with_groups(db: FakeDatabase, clock: FakeClock, school: School) -> None:
    await enroll(db, school.b1.id, "student-2", "ana@school.test")
    await enroll(db, school.b1.id, "student-3", "bo@school.test")
    await set_groups(
        db,
        clock,
        school.b1.id,
        [group(" Group A ", "student-2", "student-2"), group("Group B", "student-3", "student-1")],
    )


async def test_breakout_groups_pre_assign_the_students_by_email(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    await _class_with_groups(db, clock, school)
    stored = db.get("batches", school.b1.id)
    assert stored.breakout_groups == [
        group("Group A", "student-2"),
        group("Group B", "student-3", "student-1"),
    ]
    result = await schedule(db, zoom, clock, school.b1.id)
    [spec] = zoom.specs.values()
    assert spec.settings["breakout_rooms"] == {
        "enable": True,
        "rooms": [
            {"name": "Group A", "participants": ["ana@school.test"]},
            {"name": "Group B", "participants": ["bo@school.test"]},
        ],
    }
    # student-1 was enrolled without an email: Zoom cannot pre-assign them
    assert codes(result) == ["BREAKOUT_STUDENTS_WITHOUT_EMAIL"]
    assert message(result, "BREAKOUT_STUDENTS_WITHOUT_EMAIL").startswith("1 student(s)")


async def test_rooms_zoom_drops_are_a_warning_and_the_session_keeps_its_meeting(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    await _class_with_groups(db, clock, school)
    zoom.rooms_allowed = False
    result = await schedule(db, zoom, clock, school.b1.id)
    assert "ZOOM_BREAKOUT_ROOMS_DROPPED" in codes(result)
    assert "pre-assign breakout rooms" in message(result, "ZOOM_BREAKOUT_ROOMS_DROPPED")
    session = result.view.session
    assert session.meeting is not None
    assert db.get("sessions", session.id).meeting is not None
    # and when the session's settings change later, Zoom is told the rooms again
    changed = await sessions.update_session(
        commands.UpdateSession(
            session_id=session.id, changes={"meeting_settings": {"waiting_room": True}}
        ),
        zoom=zoom,
        now=clock,
        **acting(db, TEACHER_1),
    )
    assert "ZOOM_BREAKOUT_ROOMS_DROPPED" in codes(changed)
    assert zoom.updated[-1][1].settings["breakout_rooms"]["enable"] is True


async def test_changing_the_groups_updates_upcoming_meetings_in_the_background(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    await _class_with_groups(db, clock, school)
    assert zoom.calls == []
    [job] = jobs(db, JobKind.SYNC_BREAKOUT_ROOMS)
    assert job.session_id == school.s1.id
    assert await run_jobs(db, zoom, clock) == 1
    [(meeting_id, spec, paths)] = zoom.updated
    assert (meeting_id, paths) == (81_000_000_001, ("settings.breakout_rooms",))
    assert [r["name"] for r in spec.settings["breakout_rooms"]["rooms"]] == ["Group A", "Group B"]
    assert "no email" in jobs(db, JobKind.SYNC_BREAKOUT_ROOMS)[0].last_error

    await set_groups(db, clock, school.b1.id, [])  # cleared: pre-assignment goes off
    assert await run_jobs(db, zoom, clock) == 1
    _, cleared, _ = zoom.updated[-1]
    assert cleared.settings["breakout_rooms"] == {"enable": False}
    await set_groups(db, clock, school.b1.id, [])  # no change: nothing to do
    assert await run_jobs(db, zoom, clock) == 0


async def test_a_student_who_leaves_the_batch_leaves_their_group(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    await _class_with_groups(db, clock, school)
    await run_jobs(db, zoom, clock)
    await catalog.delete_enrollment(
        commands.DeleteEnrollment(batch_id=school.b1.id, student_id="student-3"),
        now=clock,
        **acting(db, TEACHER_1),
    )
    assert db.get("batches", school.b1.id).breakout_groups == [
        group("Group A", "student-2"),
        group("Group B", "student-1"),
    ]
    assert await run_jobs(db, zoom, clock) == 1
    rooms = zoom.updated[-1][1].settings["breakout_rooms"]["rooms"]
    assert rooms[1] == {"name": "Group B", "participants": []}


@pytest.mark.parametrize(
    ("groups", "field", "says"),
    [
        ([group("A", "student-404")], "batch.breakout_groups[0].student_ids", "not enrolled"),
        (
            [group("A", "student-1"), group("B", "student-1")],
            "batch.breakout_groups[1].student_ids",
            "already in group 'A'",
        ),
        ([group("A"), group(" a ")], "batch.breakout_groups[1].name", "names two groups"),
        ([group("  ")], "batch.breakout_groups[0].name", "required"),
        ([group("x" * 101)], "batch.breakout_groups[0].name", "at most 100"),
        ([group(f"G{i}") for i in range(51)], "batch.breakout_groups", "at most 50"),
    ],
)
async def test_bad_groups_are_refused_and_nothing_changes(
    db: FakeDatabase,
    school: School,
    clock: FakeClock,
    groups: list[BreakoutGroup],
    field: str,
    says: str,
) -> None:
    before = db.get("batches", school.b1.id)
    with pytest.raises(InvalidArgument) as refused:
        await set_groups(db, clock, school.b1.id, groups)
    assert refused.value.violations[0].field == field
    assert says in refused.value.violations[0].description
    assert db.get("batches", school.b1.id) == before
    assert jobs(db, JobKind.SYNC_BREAKOUT_ROOMS) == []


async def test_a_room_holds_at_most_200_students(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    for n in range(201):
        await enroll(db, school.b1.id, f"s-{n}")
    with pytest.raises(InvalidArgument) as refused:
        await set_groups(db, clock, school.b1.id, [group("All", *[f"s-{n}" for n in range(201)])])
    assert "at most 200" in refused.value.violations[0].description
    full = await set_groups(
        db, clock, school.b1.id, [group("All", *[f"s-{n}" for n in range(200)])]
    )
    assert len(full.batch.breakout_groups[0].student_ids) == 200


async def test_groups_on_create_are_named_only_and_only_for_group_batches(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    def new(type: BatchType, *groups: BreakoutGroup, **values: Any) -> commands.CreateBatch:
        return commands.CreateBatch(
            course_id=school.c1.id, name="Evening", type=type, breakout_groups=groups, **values
        )

    made = await catalog.create_batch(
        new(BatchType.GROUP, group("Red"), group("Blue")), now=clock, **acting(db, TEACHER_1)
    )
    assert [g.name for g in made.batch.breakout_groups] == ["Red", "Blue"]
    with pytest.raises(InvalidArgument, match="no students yet"):
        await catalog.create_batch(
            new(BatchType.GROUP, group("Red", "student-1")), now=clock, **acting(db, TEACHER_1)
        )
    with pytest.raises(InvalidArgument, match="only a group batch"):
        await catalog.create_batch(
            new(BatchType.INDIVIDUAL, group("Red"), student_id="student-1"),
            now=clock,
            **acting(db, TEACHER_1),
        )
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-1")
    with pytest.raises(InvalidArgument, match="only a group batch"):
        await set_groups(db, clock, solo.id, [group("Red")])


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STUDENT_1, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
)
async def test_only_who_manages_the_batch_sets_its_groups(
    db: FakeDatabase,
    school: School,
    clock: FakeClock,
    caller: Caller,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await set_groups(db, clock, school.b1.id, [group("A", "student-1")], caller=caller)
    assert db.get("batches", school.b1.id).breakout_groups == []
    done = await set_groups(db, clock, school.b1.id, [group("A", "student-1")], caller=ADMIN_1)
    assert done.batch.breakout_groups == [group("A", "student-1")]


async def test_a_session_that_started_meanwhile_is_left_alone(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    await catalog.update_course(
        commands.UpdateCourse(course_id=school.c1.id, changes={"instructor_ids": ["teacher-4"]}),
        now=clock,
        **acting(db, ADMIN_1),
    )
    async with db.uow(tenant="default") as uow:
        session = await uow.sessions.get(school.s1.id)
        assert session is not None
        session.status = SessionStatus.IN_PROGRESS
        await uow.commit()
    assert await run_jobs(db, zoom, clock) == 1
    assert zoom.calls == []
    [job] = jobs(db, JobKind.SYNC_ALTERNATIVE_HOSTS)
    assert (job.state, job.result_count) == (JobState.DONE, 0)


async def test_zoom_down_is_tried_again_later_and_a_job_armed_meanwhile_starts_afresh(
    db: FakeDatabase, school: School, zoom: GatewayZoom, clock: FakeClock
) -> None:
    zoom.failures["update_meeting"] = Unavailable("Zoom did not answer")
    await catalog.update_course(
        commands.UpdateCourse(course_id=school.c1.id, changes={"instructor_ids": ["teacher-4"]}),
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert await run_jobs(db, zoom, clock) == 0
    [job] = jobs(db, JobKind.SYNC_ALTERNATIVE_HOSTS)
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert job.next_attempt_time > clock()
    assert await run_jobs(db, zoom, clock) == 0  # not due yet: Zoom is not asked again
    assert len(zoom.calls_of("update_meeting")) == 1

    del zoom.failures["update_meeting"]
    clock.advance(hours=1)

    async def rearm(operation: str) -> None:  # the instructors change while Zoom is asked
        zoom.during_call = None
        await catalog.update_course(
            commands.UpdateCourse(
                course_id=school.c1.id, changes={"instructor_ids": ["teacher-1", "teacher-3"]}
            ),
            now=clock,
            **acting(db, ADMIN_1),
        )

    zoom.during_call = rearm
    assert await run_jobs(db, zoom, clock) == 0  # that outcome is stale: discarded
    assert await run_jobs(db, zoom, clock) == 1
    assert zoom.updated[-1][1].settings["alternative_host_user_ids"] == ["teacher-3"]
