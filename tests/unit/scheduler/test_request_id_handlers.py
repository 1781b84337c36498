"""The request id of every create (its idempotency key) against the fake unit of work.

Keys are unique per tenant, not per caller, so each create is checked three ways: its own
caller's replay returns what the first call made and stores nothing; a key that is someone
else's request (another user's, another parent's) is ALREADY_EXISTS and the error says nothing
of what the key made; another tenant's keys never collide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import AlreadyExists, PermissionDenied
from scheduler.domain import commands
from scheduler.domain.model import BatchType, InteractionType, LessonSource, ResourceType
from scheduler.domain.timing import LocalTiming
from scheduler.service_layer import catalog, classroom, sessions
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    STRANGER,
    STUDENT_1,
    TEACHER_1,
    TEACHER_2,
    acting,
    nothing_stored,
    page,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, FakeZoom

KEY = "same-key"
SECRET = "Theirs 7f3a"
"""The title (content, student) of the resource the key first made: a refusal never shows it."""


@dataclass(frozen=True)
class World:
    db: FakeDatabase
    school: School
    zoom: FakeZoom
    clock: FakeClock

    def id_of(self, parent: str) -> str:
        """The id of the school's ``parent`` (``"b1"``, ``"s2"``...); "" for none."""
        return getattr(self.school, parent).id if parent else ""


@pytest.fixture
def world(db: FakeDatabase, school: School, zoom: FakeZoom, clock: FakeClock) -> World:
    return World(db, school, zoom, clock)


Call = Callable[[World, Caller, str, str], Awaitable[tuple[str, str]]]
"""A create by ``caller`` under ``parent`` named ``text``, with :data:`KEY`: (id, text) of what
it returned."""


async def _course(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    made = await catalog.create_course(
        commands.CreateCourse(title=text, request_id=KEY), now=w.clock, **acting(w.db, caller)
    )
    return made.id, made.title


async def _batch(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    view = await catalog.create_batch(
        commands.CreateBatch(
            course_id=w.id_of(parent), name=text, type=BatchType.GROUP, request_id=KEY
        ),
        now=w.clock,
        **acting(w.db, caller),
    )
    return view.batch.id, view.batch.name


async def _enrollment(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    made = await catalog.create_enrollment(
        commands.CreateEnrollment(batch_id=w.id_of(parent), student_id=text, request_id=KEY),
        now=w.clock,
        **acting(w.db, caller),
    )
    return made.id, made.student_id


async def _session(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    result = await sessions.create_session(
        commands.CreateSession(
            batch_id=w.id_of(parent),
            title=text,
            timing=LocalTiming(day=date(2030, 2, 1), start=time(9), end=time(10)),
            request_id=KEY,
        ),
        zoom=w.zoom,
        now=w.clock,
        default_timezone="UTC",
        **acting(w.db, caller),
    )
    return result.view.session.id, result.view.session.title


async def _interaction(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    made = await classroom.create_interaction(
        commands.CreateInteraction(
            session_id=w.id_of(parent), type=InteractionType.CHAT, content=text, request_id=KEY
        ),
        now=w.clock,
        **acting(w.db, caller),
    )
    return made.id, made.content


async def _resource(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    made = await classroom.create_shared_resource(
        commands.CreateSharedResource(
            session_id=w.id_of(parent),
            type=ResourceType.LINK,
            title=text,
            url="https://example.org/slides",
            request_id=KEY,
        ),
        now=w.clock,
        **acting(w.db, caller),
    )
    return made.id, made.title


async def _lesson(w: World, caller: Caller, parent: str, text: str) -> tuple[str, str]:
    made = await classroom.add_recorded_lesson(
        commands.AddRecordedLesson(
            session_id=w.id_of(parent),
            title=text,
            source=LessonSource.EXTERNAL_LINK,
            external_url="https://video.example/1",
            request_id=KEY,
        ),
        now=w.clock,
        **acting(w.db, caller),
    )
    return made.id, made.title


Use = tuple[Caller, str]
"""A caller and the parent (a school attribute) they create under."""


@dataclass(frozen=True)
class Create:
    """One create, who first used the key with it, and who else tries the key."""

    name: str
    table: str
    call: Call
    owner: Use
    strangers: tuple[Use, ...]
    """Not the owner's request: another user, or another parent (readable or not)."""
    readers: tuple[Use, ...]
    """Callers who may read what the key made, naming its parent: theirs is a replay."""
    elsewhere: Use
    """Another tenant's caller and parent."""


CREATES = [
    Create(
        "course",
        "courses",
        _course,
        owner=(TEACHER_2, ""),
        strangers=((TEACHER_1, ""),),
        readers=((ADMIN_1, ""),),
        elsewhere=(ACME_ADMIN, ""),
    ),
    Create(
        "batch",
        "batches",
        _batch,
        owner=(TEACHER_2, "c2"),
        strangers=((TEACHER_1, "c1"), (ADMIN_1, "c1")),
        readers=((ADMIN_1, "c2"),),
        elsewhere=(ACME_ADMIN, "c3"),
    ),
    Create(
        "enrollment",
        "enrollments",
        _enrollment,
        owner=(TEACHER_2, "b2"),
        strangers=((TEACHER_1, "b1"), (ADMIN_1, "b1")),
        readers=((ADMIN_1, "b2"),),
        elsewhere=(ACME_ADMIN, "b3"),
    ),
    Create(
        "session",
        "sessions",
        _session,
        owner=(TEACHER_2, "b2"),
        strangers=((TEACHER_1, "b1"), (ADMIN_1, "b1")),
        readers=((ADMIN_1, "b2"),),
        elsewhere=(ACME_ADMIN, "b3"),
    ),
    Create(  # an interaction records its author: nobody else's replay is plausible
        "interaction",
        "interactions",
        _interaction,
        owner=(STUDENT_1, "s1"),
        strangers=((TEACHER_1, "s1"), (ADMIN_1, "s1"), (STRANGER, "s2")),
        readers=(),
        elsewhere=(ACME_ADMIN, "s3"),
    ),
    Create(  # as does a shared resource
        "shared_resource",
        "shared_resources",
        _resource,
        owner=(STUDENT_1, "s1"),
        strangers=((TEACHER_1, "s1"), (ADMIN_1, "s1"), (STRANGER, "s2")),
        readers=(),
        elsewhere=(ACME_ADMIN, "s3"),
    ),
    Create(
        "recorded_lesson",
        "recorded_lessons",
        _lesson,
        owner=(TEACHER_2, "s2"),
        strangers=((TEACHER_1, "s1"), (ADMIN_1, "s1")),
        readers=((ADMIN_1, "s2"),),
        elsewhere=(ACME_ADMIN, "s3"),
    ),
]
each_create = pytest.mark.parametrize("create", CREATES, ids=[c.name for c in CREATES])


async def first_use(w: World, create: Create) -> str:
    """The owner's create with the key; the id of what it made."""
    caller, parent = create.owner
    made, text = await create.call(w, caller, parent, SECRET)
    assert text == SECRET
    return made


@each_create
async def test_the_callers_own_replay_returns_the_original(world: World, create: Create) -> None:
    made = await first_use(world, create)
    calls = len(world.zoom.calls)
    caller, parent = create.owner
    with nothing_stored(world.db):
        again, text = await create.call(world, caller, parent, "Changed in the replay")
    assert (again, text) == (made, SECRET)
    assert len(world.zoom.calls) == calls  # a replayed session asks Zoom for nothing again


@each_create
async def test_someone_elses_request_id_is_refused_and_reveals_nothing(
    world: World, create: Create
) -> None:
    made = await first_use(world, create)
    owner, parent = create.owner
    hidden = [made, SECRET, owner.subject, *([world.id_of(parent)] if parent else [])]
    for caller, their_parent in create.strangers:
        with nothing_stored(world.db), pytest.raises(AlreadyExists) as refused:
            await create.call(world, caller, their_parent, "Mine")
        error = refused.value
        assert error.message.startswith(f"request_id {KEY!r} is already in use"), caller
        assert (error.resource_type, error.resource_id) == (create.name, "")
        told = " ".join([str(error), error.message, *error.details.keys(), *error.details.values()])
        assert [h for h in hidden if h in told] == [], (caller.subject, their_parent)


@each_create
async def test_a_reader_naming_the_same_parent_replays_it(world: World, create: Create) -> None:
    made = await first_use(world, create)
    for caller, parent in create.readers:
        with nothing_stored(world.db):
            assert await create.call(world, caller, parent, "Again") == (made, SECRET)


@each_create
async def test_another_tenants_request_id_does_not_collide(world: World, create: Create) -> None:
    made = await first_use(world, create)
    caller, parent = create.elsewhere
    theirs, text = await create.call(world, caller, parent, "Acme's")
    assert theirs != made
    assert text == "Acme's"
    assert world.db.tenant_of(create.table, theirs) == "acme"
    assert world.db.tenant_of(create.table, made) == "default"
    assert await create.call(world, caller, parent, "Acme's again") == (theirs, "Acme's")


async def test_a_request_id_another_teacher_used_reveals_nothing_of_their_session(
    world: World,
) -> None:
    """The case the defect was found by: teacher-1, scheduling on their own batch with the key
    of teacher-2's session (which GetSession refuses them), gets ALREADY_EXISTS, not that
    session."""
    theirs = await first_use(world, CREATES[3])
    with pytest.raises(PermissionDenied):
        await sessions.get_session(theirs, **acting(world.db, TEACHER_1))
    with nothing_stored(world.db), pytest.raises(AlreadyExists, match="already in use"):
        await _session(world, TEACHER_1, "b1", "Mine")
    assert len(world.zoom.calls_of("create_meeting")) == 1  # theirs only


@pytest.mark.parametrize("author", [TEACHER_1, STUDENT_1], ids=["teacher", "student"])
async def test_a_replayed_interaction_is_shown_as_the_list_shows_it(
    world: World, author: Caller
) -> None:
    cmd = commands.CreateInteraction(
        session_id=world.school.s1.id,
        type=InteractionType.QUESTION,
        content="Why?",
        anonymous=True,
        request_id=KEY,
    )
    first = await classroom.create_interaction(cmd, now=world.clock, **acting(world.db, author))
    replayed = await classroom.create_interaction(cmd, **acting(world.db, author))
    [listed] = (
        await classroom.list_interactions(
            world.school.s1.id, types=(), since=None, page=page(), **acting(world.db, author)
        )
    )[0]
    assert replayed == listed
    assert (replayed.id, replayed.author_id, replayed.anonymous) == (first.id, author.subject, True)


async def test_a_request_sent_twice_at_once_makes_one_course_and_both_get_it(
    db: FakeDatabase, school: School
) -> None:
    """Both copies find the key unused and insert; the unique key refuses the second commit,
    which then answers as the replay of the first instead of an internal error."""
    gate = asyncio.Event()

    class HeldCommit(FakeUnitOfWork):
        async def commit(self) -> None:
            await gate.wait()  # both copies are past their check of the key here
            await super().commit()

    cmd = commands.CreateCourse(title="Twice", request_id="twin-key")
    first, second = (
        asyncio.create_task(
            catalog.create_course(cmd, uow=HeldCommit(db, caller=TEACHER_1), caller=TEACHER_1)
        )
        for _ in range(2)
    )
    await asyncio.sleep(0.01)
    gate.set()
    made = await asyncio.gather(first, second)
    assert made[0].id == made[1].id
    assert [c.title for c in (r.obj for r in db.rows("courses"))].count("Twice") == 1
