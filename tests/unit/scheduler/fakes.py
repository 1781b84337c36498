"""In-memory stand-ins for the scheduler's unit of work, repositories, Zoom and clock.

The handlers of ``scheduler.service_layer`` take a unit of work, a Zoom port and a clock as
arguments, so their tests can run them against these fakes: no engine, no SQL, microseconds per
call. The fakes keep the semantics the handlers rely on, and ``test_fake_uow_contract.py`` (in
the service tier) runs the same scenarios against the real ``SchedulerUnitOfWork`` on SQLite to
prove it:

- a :class:`FakeDatabase` holds committed rows (domain objects plus their tenant and the columns
  a domain object lacks); every ``async with`` of a :class:`FakeUnitOfWork` is a transaction over
  a snapshot of it;
- objects handed out are copies, one per row within a transaction (like SQLAlchemy's identity
  map), and what a handler changes on them is written back when the transaction flushes (before
  every read, and at commit): there is no ``save()``, as the real repositories have none;
- commit publishes the changes, the inbox rows and the recorded events together; leaving the
  block without committing, or ``rollback()``, discards them;
- every read is narrowed to the unit of work's :class:`TenantScope` (the real one), and the
  reads that enter a tenant in the real repositories (``get``, ``by_request_id``,
  ``by_meeting_id``) enter it here too;
- values come back as the database gives them back: datetimes in UTC, nested values copied;
  NOT NULL and UNIQUE constraints raise ``IntegrityError`` as SQLite's do.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar
from zoneinfo import ZoneInfo

from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError

from classbridge_common.auth import Caller
from classbridge_common.errors import ClassbridgeError, FailedPrecondition
from classbridge_common.tenancy import TenantScope
from scheduler.adapters import event_codec
from scheduler.domain.bulk import BulkJob
from scheduler.domain.events import Event
from scheduler.domain.jobs import JobKind, JobState, SessionJob
from scheduler.domain.model import (
    Batch,
    BatchType,
    Course,
    Enrollment,
    Interaction,
    InteractionType,
    LessonSource,
    Participant,
    RecordedLesson,
    ResourceType,
    Session,
    SessionStatus,
    SharedResource,
)
from scheduler.domain.registration import Registrant
from scheduler.domain.series import SessionSeries
from scheduler.service_layer.ports import (
    MeetingInfo,
    MeetingSpec,
    RegisteredPerson,
    RegistrantSpec,
    ReportedJoin,
)

T = TypeVar("T")
Page = tuple[list[Any], int]

# ---- Storage ----


@dataclass(frozen=True)
class Row:
    """One stored row: the domain object as stored (never mutated once stored: replaced), its
    tenant, and the columns its domain object has no field for (an enrollment's request id, a
    participant's create time)."""

    tenant_id: str
    obj: Any
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.obj.id)

    def value(self, column: str) -> Any:
        """The value of ``column`` as the table has it (``meeting_id`` is derived, as in
        ``_session_row``)."""
        if column == "tenant_id":
            return self.tenant_id
        if column in self.extra:
            return self.extra[column]
        if column == "meeting_id":
            meeting = self.obj.meeting
            return meeting.meeting_id if meeting is not None else None
        return getattr(self.obj, column, None)


@dataclass(frozen=True)
class TableRules:
    """The constraints of one table that a handler could break (tables.py)."""

    not_null: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = ()


_REQUEST = ("tenant_id", "request_id")
TABLES: dict[str, TableRules] = {
    "courses": TableRules(
        ("title", "instructor_ids", "default_meeting_settings", "create_time", "update_time"),
        (_REQUEST,),
    ),
    "batches": TableRules(
        ("course_id", "name", "type", "meeting_settings", "create_time", "update_time"),
        (_REQUEST,),
    ),
    "enrollments": TableRules(
        ("batch_id", "student_id", "create_time"), (("batch_id", "student_id"), _REQUEST)
    ),
    "sessions": TableRules(
        (
            "batch_id",
            "course_id",
            "batch_type",
            "title",
            "scheduled_start",
            "scheduled_end",
            "timezone",
            "status",
            "auto_recording",
            "meeting_settings",
            "create_time",
            "update_time",
        ),
        (_REQUEST,),
    ),
    "participants": TableRules(("session_id", "role", "intervals", "create_time")),
    "interactions": TableRules(
        ("session_id", "type", "author_id", "content", "create_time"), (_REQUEST,)
    ),
    "shared_resources": TableRules(
        ("session_id", "type", "title", "shared_by", "shared_at"), (_REQUEST,)
    ),
    "recorded_lessons": TableRules(
        ("session_id", "title", "source", "zoom_info", "create_time"), (_REQUEST,)
    ),
    "session_registrants": TableRules(
        ("session_id", "student_id", "registrant_id", "create_time", "update_time"),
        (("session_id", "student_id"),),
    ),
    "session_jobs": TableRules(
        ("session_id", "kind", "state", "create_time", "update_time"), (("session_id", "kind"),)
    ),
    "bulk_jobs": TableRules(
        ("request_id", "fingerprint", "session_ids", "create_time"), (_REQUEST,)
    ),
    "session_series": TableRules(
        ("batch_id", "rule", "first_start", "session_ids", "create_time"), (_REQUEST,)
    ),
}

Tables = dict[str, dict[str, Row]]


def stored(value: T) -> T:
    """A deep copy of ``value`` as the database would give it back: datetimes in UTC (naive ones
    refused, as ``UTCDateTime`` refuses them), containers and nested dataclasses copied."""
    result: Any
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        result = value.astimezone(UTC)
    elif value is None or isinstance(value, (str, int, float, bool, date, Enum)):
        result = value
    elif is_dataclass(value) and not isinstance(value, type):
        # Built anew rather than copied: a copy would share SQLAlchemy's instance state with
        # the original once the domain classes are mapped.
        result = type(value)(**{f.name: stored(getattr(value, f.name)) for f in fields(value)})
    elif isinstance(value, list):
        result = [stored(v) for v in value]
    elif isinstance(value, tuple):
        result = tuple(stored(v) for v in value)
    elif isinstance(value, dict):
        result = {k: stored(v) for k, v in value.items()}
    else:
        result = copy.deepcopy(value)
    return result  # type: ignore[no-any-return]


def _integrity(table: str, what: str) -> IntegrityError:
    return IntegrityError(f"INSERT/UPDATE {table}", None, Exception(f"{what} failed: {table}"))


def _check(tables: Tables, table: str, row: Row) -> None:
    """IntegrityError when ``row`` breaks a NOT NULL or UNIQUE constraint of ``table``."""
    rules = TABLES[table]
    for column in rules.not_null:
        if row.value(column) is None:
            raise _integrity(table, f"NOT NULL constraint on {column}")
    for columns in rules.unique:
        key = tuple(row.value(c) for c in columns)
        if any(v is None for v in key):
            continue  # NULLs never collide
        for other_id, other in tables[table].items():
            if other_id != row.id and tuple(other.value(c) for c in columns) == key:
                raise _integrity(table, f"UNIQUE constraint on {', '.join(columns)}")


@dataclass(frozen=True)
class Published:
    """An event that reached the outbox: the domain event, its message and routing key, and
    the tenant the message carries."""

    event: Event
    routing_key: str
    message: Message
    tenant_id: str


class FakeDatabase:
    """The committed state shared by every :class:`FakeUnitOfWork` made from it.

    ``published`` and ``commits`` say what committed; ``get``/``rows`` read committed rows for
    assertions (copies, never narrowed to a tenant).
    """

    def __init__(self) -> None:
        self.tables: Tables = {name: {} for name in TABLES}
        self.inbox: set[tuple[str, str]] = set()
        self.published: list[Published] = []
        self.commits = 0

    def uow(
        self,
        *,
        caller: Caller | None = None,
        tenant: str | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> FakeUnitOfWork:
        """A unit of work over this database (see :class:`FakeUnitOfWork` for the scope)."""
        return FakeUnitOfWork(self, caller=caller, tenant=tenant, on_commit=on_commit)

    @property
    def events(self) -> list[Event]:
        """The domain events committed so far, in order."""
        return [p.event for p in self.published]

    def rows(self, table: str) -> list[Row]:
        """The committed rows of ``table``, their objects copied (a test may change those)."""
        return [Row(r.tenant_id, stored(r.obj), r.extra) for r in self.tables[table].values()]

    def get(self, table: str, id_: str) -> Any:
        """A copy of the committed object ``id_`` of ``table``, or None."""
        row = self.tables[table].get(id_)
        return stored(row.obj) if row is not None else None

    def tenant_of(self, table: str, id_: str) -> str:
        return self.tables[table][id_].tenant_id

    def count(self, table: str) -> int:
        return len(self.tables[table])

    def snapshot(self) -> dict[str, dict[str, Row]]:
        """The committed rows now (rows are replaced, never changed, so this compares later)."""
        return {name: dict(rows) for name, rows in self.tables.items()}


class _Transaction:
    """One ``async with`` of a unit of work: a snapshot of the committed rows, the changes made
    since, and the objects handed out (the identity map, with each one's state as last stored,
    so a flush writes only what changed)."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.open = True
        self._begin()
        self.identity: dict[tuple[str, str], tuple[Any, Any]] = {}

    def _begin(self) -> None:
        self.tables: Tables = {name: dict(rows) for name, rows in self.db.tables.items()}
        self.written: dict[tuple[str, str], Row | None] = {}
        self.inbox: set[tuple[str, str]] = set()

    def require_open(self) -> None:
        if not self.open:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")

    def flush(self) -> None:
        """Write back every tracked object that changed since it was loaded or last flushed."""
        self.require_open()
        for key, (obj, last) in list(self.identity.items()):
            table, id_ = key
            row = self.tables[table].get(id_)
            if row is None:  # deleted meanwhile: nothing to update
                del self.identity[key]
                continue
            if obj == last:  # dataclass equality: datetimes compare as instants
                continue
            now = stored(obj)
            tenant = now.tenant_id if table == "courses" else row.tenant_id
            changed = Row(tenant, now, row.extra)
            _check(self.tables, table, changed)
            self.tables[table][id_] = changed
            self.written[key] = changed
            self.identity[key] = (obj, now)

    def rows(self, table: str) -> list[Row]:
        """Every row of ``table`` this transaction sees (after an autoflush), any tenant."""
        self.flush()
        return list(self.tables[table].values())

    def hand_out(self, table: str, row: Row) -> Any:
        """The object for ``row``: the one already handed out in this transaction, else a copy."""
        key = (table, row.id)
        known = self.identity.get(key)
        if known is not None:
            return known[0]
        obj = stored(row.obj)
        self.identity[key] = (obj, row.obj)
        return obj

    def insert(self, table: str, obj: Any, tenant: str, extra: Mapping[str, Any]) -> None:
        self.require_open()
        self.flush()
        value = stored(obj)
        if table == "courses":
            value.tenant_id = tenant
            obj.tenant_id = tenant
        row = Row(tenant, value, dict(extra))
        if row.id in self.tables[table]:
            raise _integrity(table, "UNIQUE constraint on id")
        _check(self.tables, table, row)
        self.tables[table][row.id] = row
        self.written[(table, row.id)] = row
        self.identity[(table, row.id)] = (obj, value)

    def delete(self, table: str, scope: TenantScope, where: Callable[[Row], bool]) -> None:
        for row in self.rows(table):
            if _visible(scope, row) and where(row):
                del self.tables[table][row.id]
                self.written[(table, row.id)] = None
                self.identity.pop((table, row.id), None)

    def commit(self) -> None:
        """Publish this transaction's changes; IntegrityError (nothing published) when they
        collide with what other units of work committed meanwhile."""
        self.flush()
        merged: Tables = {name: dict(rows) for name, rows in self.db.tables.items()}
        for (table, id_), row in self.written.items():
            if row is None:
                merged[table].pop(id_, None)
            else:
                merged[table][id_] = row
        for (table, _), row in self.written.items():
            if row is not None:
                _check(merged, table, row)
        self.db.tables = merged
        self.db.inbox |= self.inbox
        self._begin()

    def rollback(self) -> None:
        """Discard the changes; objects handed out so far are forgotten (SQLAlchemy expires them
        on rollback), so changing them later persists nothing."""
        self._begin()
        self.identity = {}

    def close(self) -> None:
        self.open = False
        self.identity = {}


def _visible(scope: TenantScope, row: Row) -> bool:
    return scope.tenant is None or row.tenant_id == scope.tenant


# ---- Unit of work ----


class FakeUnitOfWork:
    """What the service layer uses of ``SchedulerUnitOfWork``, over a :class:`FakeDatabase`.

    The scope is made on every ``async with`` as the real one makes it: ``tenant`` when given
    (consumers pass the event's), else the scope of ``caller`` (the person the handler is called
    for; without one, the current caller of ``classbridge_common.auth``, as in production).
    Reusable, not re-entrant.
    """

    scope: TenantScope
    courses: FakeCourses
    batches: FakeBatches
    enrollments: FakeEnrollments
    sessions: FakeSessions
    participants: FakeParticipants
    interactions: FakeInteractions
    resources: FakeSharedResources
    lessons: FakeRecordedLessons
    registrants: FakeRegistrants
    jobs: FakeSessionJobs

    def __init__(
        self,
        db: FakeDatabase | None = None,
        *,
        caller: Caller | None = None,
        tenant: str | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.db = db if db is not None else FakeDatabase()
        self._caller = caller
        self._tenant = tenant
        self._on_commit = on_commit
        self._txn: _Transaction | None = None
        self._events: list[Published] = []

    @property
    def pending_events(self) -> tuple[Published, ...]:
        """Events recorded since the last commit."""
        return tuple(self._events)

    def _open(self) -> _Transaction:
        if self._txn is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._txn

    async def __aenter__(self) -> Self:
        if self._txn is not None:
            raise RuntimeError("this unit of work is already open")
        self._events = []
        scope = self.scope = (
            TenantScope(self._tenant)
            if self._tenant is not None
            else TenantScope.of_caller(self._caller)
        )
        txn = self._txn = _Transaction(self.db)
        self.courses = FakeCourses(txn, scope)
        self.batches = FakeBatches(txn, scope)
        self.enrollments = FakeEnrollments(txn, scope)
        self.sessions = FakeSessions(txn, scope)
        self.participants = FakeParticipants(txn, scope)
        self.interactions = FakeInteractions(txn, scope)
        self.resources = FakeSharedResources(txn, scope)
        self.lessons = FakeRecordedLessons(txn, scope)
        self.registrants = FakeRegistrants(txn, scope)
        self.jobs = FakeSessionJobs(txn, scope)
        self.bulk = FakeBulkJobs(txn, scope)
        self.series = FakeSeries(txn, scope)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        txn, self._txn = self._txn, None
        self._events = []
        if txn is not None:
            txn.close()

    def record(self, event: Event) -> None:
        """Like the real ``record``: encoded (so an event the codec cannot encode fails here
        too), stamped with the scope's tenant when it names none, kept until commit."""
        self._open()
        message = event_codec.encode(event)
        if not getattr(message, "tenant_id", "x"):
            message.tenant_id = self.scope.require()  # type: ignore[attr-defined]
        self._events.append(
            Published(
                event=event,
                routing_key=event_codec.routing_key(message),
                message=message,
                tenant_id=str(getattr(message, "tenant_id", "")),
            )
        )

    async def first_delivery(self, consumer: str, message_id: str) -> bool:
        """False when ``consumer`` applied ``message_id`` before (committed, or in this
        transaction); the inbox row commits with the effect."""
        txn = self._open()
        key = (consumer, message_id)
        if key in self.db.inbox or key in txn.inbox:
            return False
        txn.inbox.add(key)
        return True

    async def commit(self) -> None:
        txn = self._open()
        events, self._events = self._events, []
        try:
            txn.commit()
        except BaseException:
            txn.rollback()
            raise
        self.db.published.extend(events)
        self.db.commits += 1
        if events and self._on_commit is not None:
            self._on_commit()

    async def rollback(self) -> None:
        txn = self._open()
        self._events = []
        txn.rollback()


# ---- Repositories ----


class _FakeRows(Generic[T]):
    """The fake of ``repository._Rows``: ``get``, ``by_request_id`` and ``delete`` once, and the
    narrowing every read goes through."""

    table: ClassVar[str]

    def __init__(self, txn: _Transaction, scope: TenantScope) -> None:
        self._txn = txn
        self._scope = scope

    def _rows(self, table: str | None = None) -> list[Row]:
        """The rows of ``table`` (default: this repository's) in the scope's tenant."""
        return [r for r in self._txn.rows(table or self.table) if _visible(self._scope, r)]

    def _all(self, table: str) -> list[Row]:
        """Every tenant's rows: what a subquery reads (the real narrowing skips subqueries)."""
        return self._txn.rows(table)

    def _out(self, rows: Iterable[Row]) -> list[T]:
        return [self._txn.hand_out(self.table, r) for r in rows]

    def _page(self, rows: list[Row], offset: int, limit: int) -> Page:
        """``(items, total)``: the page's objects (only those are loaded) and how many match."""
        return self._out(rows[offset : offset + limit]), len(rows)

    def _first(self, rows: Sequence[Row]) -> T | None:
        """The first row, and the scope entered into its tenant (``Scoped.load``)."""
        if not rows:
            return None
        self._scope.enter(rows[0].tenant_id)
        return self._out(rows[:1])[0]

    def _insert(self, obj: Any, **extra: Any) -> None:
        self._txn.insert(self.table, obj, self._scope.require(), extra)

    async def get(self, id_: str) -> T | None:
        return self._first([r for r in self._rows() if r.id == id_])

    async def by_request_id(self, request_id: str) -> T | None:
        return self._first([r for r in self._rows() if r.value("request_id") == request_id])

    async def delete(self, id_: str) -> None:
        self._txn.delete(self.table, self._scope, lambda r: r.id == id_)


def _by(*columns: str, descending: bool = False) -> Callable[[list[Row]], list[Row]]:
    def order(rows: list[Row]) -> list[Row]:
        return sorted(rows, key=lambda r: tuple(r.value(c) for c in columns), reverse=descending)

    return order


class FakeCourses(_FakeRows[Course]):
    table = "courses"

    async def add(self, course: Course) -> None:
        self._scope.enter(course.tenant_id)
        self._insert(course)

    async def list(
        self,
        *,
        tenant_id: str,
        instructor_id: str,
        offset: int,
        limit: int,
        ids: Iterable[str] | None = None,
    ) -> Page:
        rows = _by("create_time", "id", descending=True)(self._rows())
        if ids is not None:
            wanted = set(ids)
            rows = [r for r in rows if r.id in wanted]
        if tenant_id:
            rows = [r for r in rows if r.tenant_id == tenant_id]
        if instructor_id:
            rows = [r for r in rows if instructor_id in (r.obj.instructor_ids or [])]
        return self._page(rows, offset, limit)

    async def ids_taught_by(self, teacher_id: str) -> set[str]:
        return {r.id for r in self._rows() if teacher_id in (r.obj.instructor_ids or [])}


class FakeBatches(_FakeRows[Batch]):
    table = "batches"

    async def add(self, batch: Batch) -> None:
        self._insert(batch)

    async def delete(self, batch_id: str) -> None:
        """The batch and its enrollments (as ``Batches.delete``)."""
        self._txn.delete("enrollments", self._scope, lambda r: r.obj.batch_id == batch_id)
        self._txn.delete(self.table, self._scope, lambda r: r.id == batch_id)

    async def ids_of_course(self, course_id: str) -> list[str]:
        return [r.id for r in self._rows() if r.obj.course_id == course_id]

    async def ids_taught_by(self, teacher_id: str, course_ids: Iterable[str]) -> list[str]:
        courses = set(course_ids)
        return [
            r.id
            for r in self._rows()
            if r.obj.instructor_id == teacher_id or r.obj.course_id in courses
        ]

    async def course_ids(self, batch_ids: Iterable[str]) -> set[str]:
        wanted = set(batch_ids)
        return {r.obj.course_id for r in self._rows() if r.id in wanted}

    def _enrolled(self, student_id: str) -> set[str]:
        return {r.obj.batch_id for r in self._all("enrollments") if r.obj.student_id == student_id}

    async def ids_of_student(self, student_id: str) -> list[str]:
        enrolled = self._enrolled(student_id)
        return [r.id for r in self._rows() if r.obj.student_id == student_id or r.id in enrolled]

    async def list(
        self,
        *,
        course_id: str,
        instructor_id: str,
        student_id: str,
        type: BatchType | None,
        offset: int,
        limit: int,
        ids: Sequence[str] | None = None,
    ) -> Page:
        rows = _by("create_time", "id", descending=True)(self._rows())
        if ids is not None:
            wanted = set(ids)
            rows = [r for r in rows if r.id in wanted]
        if course_id:
            rows = [r for r in rows if r.obj.course_id == course_id]
        if instructor_id:
            rows = [r for r in rows if r.obj.instructor_id == instructor_id]
        if type is not None:
            rows = [r for r in rows if r.obj.type == type]
        if student_id:
            enrolled = self._enrolled(student_id)
            rows = [r for r in rows if r.obj.student_id == student_id or r.id in enrolled]
        return self._page(rows, offset, limit)

    async def enrollment_counts(self, batch_ids: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self._rows("enrollments"):
            if r.obj.batch_id in batch_ids:
                counts[r.obj.batch_id] = counts.get(r.obj.batch_id, 0) + 1
        return counts


class FakeEnrollments(_FakeRows[Enrollment]):
    table = "enrollments"

    async def add(self, enrollment: Enrollment, *, request_id: str | None) -> None:
        self._insert(enrollment, request_id=request_id)

    async def find(self, batch_id: str, student_id: str) -> Enrollment | None:
        """Like the real ``find``: a plain read, so it does not enter the row's tenant."""
        rows = [
            r for r in self._rows() if r.obj.batch_id == batch_id and r.obj.student_id == student_id
        ]
        return self._out(rows[:1])[0] if rows else None

    async def student_ids(self, batch_id: str) -> list[str]:
        return [r.obj.student_id for r in self._rows() if r.obj.batch_id == batch_id]

    async def list(self, *, batch_id: str, student_id: str, offset: int, limit: int) -> Page:
        rows = _by("create_time", "id")(self._rows())
        if batch_id:
            rows = [r for r in rows if r.obj.batch_id == batch_id]
        if student_id:
            rows = [r for r in rows if r.obj.student_id == student_id]
        return self._page(rows, offset, limit)


class FakeSessions(_FakeRows[Session]):
    table = "sessions"

    async def add(self, s: Session) -> None:
        self._insert(s)

    async def get(self, session_id: str, *, for_update: bool = False) -> Session | None:
        return self._first([r for r in self._rows() if r.id == session_id])

    async def by_meeting_id(self, meeting_id: int, *, for_update: bool = False) -> Session | None:
        rows = [r for r in self._rows() if r.value("meeting_id") == meeting_id]
        return self._first(_by("create_time", descending=True)(rows))

    async def of_meeting(self, meeting_id: int) -> list[Session]:
        rows = [r for r in self._rows() if r.value("meeting_id") == meeting_id]
        return self._out(_by("scheduled_start", "id")(rows))

    async def of_series(self, series_id: str) -> list[Session]:
        rows = [r for r in self._rows() if r.obj.series_id == series_id]
        return self._out(_by("scheduled_start", "id")(rows))

    async def of_ids(self, session_ids: Sequence[str]) -> dict[str, Session]:
        wanted = set(session_ids)
        return {s.id: s for s in self._out(r for r in self._rows() if r.id in wanted)}

    async def of_batch(self, batch_id: str) -> list[Session]:
        rows = [r for r in self._rows() if r.obj.batch_id == batch_id]
        return self._out(_by("scheduled_start", "id")(rows))

    async def delete_of_batch(self, batch_id: str) -> None:
        """The batch's sessions and everything of theirs (as ``Sessions.delete_of_batch``)."""
        ids = {r.id for r in self._all(self.table) if r.obj.batch_id == batch_id}
        for table in SESSION_CHILDREN:
            self._txn.delete(table, self._scope, lambda r: r.obj.session_id in ids)
        self._txn.delete(self.table, self._scope, lambda r: r.obj.batch_id == batch_id)

    async def list(
        self,
        *,
        course_id: str,
        batch_ids: Sequence[str] | None,
        teacher_id: str,
        statuses: Iterable[SessionStatus],
        start_after: datetime | None,
        start_before: datetime | None,
        descending: bool,
        offset: int,
        limit: int,
    ) -> Page:
        rows = _by("scheduled_start", "id", descending=descending)(self._rows())
        if course_id:
            rows = [r for r in rows if r.obj.course_id == course_id]
        if batch_ids is not None:
            batches = set(batch_ids)
            rows = [r for r in rows if r.obj.batch_id in batches]
        if teacher_id:
            rows = [r for r in rows if r.obj.teacher_id == teacher_id]
        wanted = set(statuses)
        if wanted:
            rows = [r for r in rows if r.obj.status in wanted]
        if start_after is not None:
            rows = [r for r in rows if r.obj.scheduled_start >= start_after]
        if start_before is not None:
            rows = [r for r in rows if r.obj.scheduled_start < start_before]
        return self._page(rows, offset, limit)

    async def counters(self, session_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(participants, recorded lessons) per session, in scope."""
        if not session_ids:
            return {}
        people = [r.obj.session_id for r in self._rows("participants")]
        lessons = [r.obj.session_id for r in self._rows("recorded_lessons")]
        return {i: (people.count(i), lessons.count(i)) for i in session_ids}


class FakeParticipants(_FakeRows[Participant]):
    table = "participants"

    async def of_session(self, session_id: str) -> list[Participant]:
        rows = [r for r in self._rows() if r.obj.session_id == session_id]
        return self._out(_by("create_time", "id")(rows))

    async def add(self, p: Participant, *, at: datetime) -> None:
        self._insert(p, create_time=stored(at))


class FakeInteractions(_FakeRows[Interaction]):
    table = "interactions"

    async def add(self, i: Interaction) -> None:
        self._insert(i)

    async def list(
        self,
        *,
        session_id: str,
        types: Iterable[InteractionType],
        since: datetime | None,
        offset: int,
        limit: int,
    ) -> Page:
        rows = _by("create_time", "id")([r for r in self._rows() if r.obj.session_id == session_id])
        wanted = set(types)
        if wanted:
            rows = [r for r in rows if r.obj.type in wanted]
        if since is not None:
            rows = [r for r in rows if r.obj.create_time > since]
        return self._page(rows, offset, limit)


class FakeSharedResources(_FakeRows[SharedResource]):
    table = "shared_resources"

    async def add(self, r: SharedResource) -> None:
        self._insert(r)

    async def list(
        self, *, session_id: str, type: ResourceType | None, shared_by: str, offset: int, limit: int
    ) -> Page:
        rows = _by("shared_at", "id")([r for r in self._rows() if r.obj.session_id == session_id])
        if type is not None:
            rows = [r for r in rows if r.obj.type == type]
        if shared_by:
            rows = [r for r in rows if r.obj.shared_by == shared_by]
        return self._page(rows, offset, limit)


class FakeRecordedLessons(_FakeRows[RecordedLesson]):
    table = "recorded_lessons"

    async def add(self, lesson: RecordedLesson) -> None:
        self._insert(lesson)

    async def of_session(self, session_id: str) -> list[RecordedLesson]:
        rows = [r for r in self._rows() if r.obj.session_id == session_id]
        return self._out(_by("create_time", "id")(rows))

    async def session_ids_of_recording(self, recording_id: str) -> list[str]:
        return sorted(
            {r.obj.session_id for r in self._rows() if r.obj.recording_id == recording_id}
        )

    async def list(
        self, *, session_id: str, source: LessonSource | None, offset: int, limit: int
    ) -> Page:
        rows = _by("create_time", "id")([r for r in self._rows() if r.obj.session_id == session_id])
        if source is not None:
            rows = [r for r in rows if r.obj.source == source]
        return self._page(rows, offset, limit)

    async def counts_by_source(
        self, session_ids: Sequence[str]
    ) -> dict[str, dict[LessonSource, int]]:
        result: dict[str, dict[LessonSource, int]] = {}
        for r in self._rows():
            if r.obj.session_id in session_ids:
                by_source = result.setdefault(r.obj.session_id, {})
                by_source[r.obj.source] = by_source.get(r.obj.source, 0) + 1
        return result


SESSION_CHILDREN = (
    "participants",
    "interactions",
    "shared_resources",
    "recorded_lessons",
    "session_registrants",
    "session_jobs",
)


class FakeRegistrants(_FakeRows[Registrant]):
    table = "session_registrants"

    async def add(self, registrant: Registrant) -> None:
        self._insert(registrant)

    async def of_session(self, session_id: str) -> list[Registrant]:
        rows = [r for r in self._rows() if r.obj.session_id == session_id]
        return self._out(_by("create_time", "id")(rows))

    async def of_meeting(self, meeting_id: int) -> list[Registrant]:
        rows = [r for r in self._rows() if r.obj.meeting_id == meeting_id]
        return self._out(_by("create_time", "id")(rows))

    async def of_student(self, session_id: str, student_id: str) -> Registrant | None:
        rows = [
            r
            for r in self._rows()
            if r.obj.session_id == session_id and r.obj.student_id == student_id
        ]
        return self._out(rows[:1])[0] if rows else None


class FakeSessionJobs(_FakeRows[SessionJob]):
    table = "session_jobs"

    async def add(self, job: SessionJob) -> None:
        self._insert(job)

    async def get(self, job_id: str, *, for_update: bool = False) -> SessionJob | None:
        return self._first([r for r in self._rows() if r.id == job_id])

    async def of_session(self, session_id: str, kind: JobKind) -> SessionJob | None:
        rows = [r for r in self._rows() if r.obj.session_id == session_id and r.obj.kind == kind]
        return self._out(rows[:1])[0] if rows else None

    async def of_sessions(self, session_ids: Sequence[str], kind: JobKind) -> dict[str, SessionJob]:
        rows = [r for r in self._rows() if r.obj.session_id in session_ids and r.obj.kind == kind]
        return {job.session_id: job for job in self._out(rows)}

    async def due(self, now: datetime, kind: JobKind, *, limit: int) -> list[tuple[str, str]]:
        rows = [
            r
            for r in self._rows()
            if r.obj.kind == kind
            and r.obj.state == JobState.PENDING
            and r.obj.next_attempt_time is not None
            and r.obj.next_attempt_time <= now
        ]
        return [(r.id, r.tenant_id) for r in _by("next_attempt_time", "id")(rows)[:limit]]

    async def pending(self, kind: JobKind) -> list[SessionJob]:
        rows = [r for r in self._rows() if r.obj.kind == kind and r.obj.state == JobState.PENDING]
        return self._out(_by("next_attempt_time", "create_time", "id")(rows))

    async def pending_per_host(self, kind: JobKind) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self._rows():
            if r.obj.kind == kind and r.obj.state == JobState.PENDING:
                counts[r.obj.host_user_id] = counts.get(r.obj.host_user_id, 0) + 1
        return counts

    async def claim(self, job: SessionJob, changes: Mapping[str, Any]) -> bool:
        """Like the real claim: written only if the stored job is still pending and due when
        ``job`` was read (what another unit of work committed meanwhile counts)."""
        self._txn.flush()
        committed = self._txn.db.tables[self.table].get(job.id)
        row = self._txn.tables[self.table].get(job.id)
        for seen in (committed, row):
            if seen is None or seen.obj.state != JobState.PENDING:
                return False
            if seen.obj.next_attempt_time != job.next_attempt_time:
                return False
        for key, value in changes.items():
            setattr(job, key, value)
        self._txn.flush()
        return True


class FakeBulkJobs(_FakeRows[BulkJob]):
    table = "bulk_jobs"

    async def add(self, job: BulkJob) -> None:
        self._insert(job)


class FakeSeries(_FakeRows[SessionSeries]):
    table = "session_series"

    async def add(self, series: SessionSeries) -> None:
        self._insert(series)

    async def get_for_update(self, series_id: str) -> SessionSeries | None:
        return await self.get(series_id)


# ---- Zoom ----

NOT_CONFIGURED = (
    "Zoom credentials not configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET"
)


@dataclass(frozen=True)
class ZoomCall:
    """One call the service layer made (failed ones included), with its keyword arguments."""

    operation: str
    arguments: Mapping[str, Any]


def _occurrences(spec: MeetingSpec) -> tuple[tuple[str, datetime], ...]:
    """Zoom's occurrences of a recurring meeting spec: daily and weekly rules as Zoom expands
    them (wall-clock time in the meeting's zone); enough for the series tests."""
    rec = spec.recurrence
    if rec is None:
        return ()
    zone = ZoneInfo(spec.timezone or "UTC")
    local = spec.start_time.astimezone(zone).replace(tzinfo=None)
    starts: list[datetime] = []
    day = local
    while len(starts) < rec.end_times:
        zoom_day = day.isoweekday() % 7 + 1
        if rec.type == 1 or zoom_day in rec.weekly_days:
            starts.append(day)
        day += timedelta(days=rec.repeat_interval if rec.type == 1 else 1)
    return tuple(
        (
            str(int(w.replace(tzinfo=zone).timestamp() * 1000)),
            w.replace(tzinfo=zone).astimezone(UTC),
        )
        for w in starts
    )


class FakeZoom:
    """The ``ZoomGateway`` port (meetings, reports, registrants) as zoom-gateway presents it:
    creates idempotent on the request id, registrations once per email, every call recorded,
    failures switchable per operation or for all, participants reports as a test sets them
    (``reports``).

    ``configured = False`` fails every call as the gateway does without credentials;
    ``failures[operation]`` (``create_meeting``, ``update_meeting``, ``delete_meeting``,
    ``start_url``, ``past_participants``, ``add_registrants``, ``remove_registrants``) raises
    that error; ``during_call`` runs while a call is "at Zoom", which is how a test makes
    something happen between a handler's transactions.
    """

    def __init__(self) -> None:
        self.configured = True
        self.failures: dict[str, ClassbridgeError] = {}
        self.during_call: Callable[[str], Awaitable[None]] | None = None
        self.calls: list[ZoomCall] = []
        self.meetings: dict[str, MeetingInfo] = {}
        self.specs: dict[str, MeetingSpec] = {}
        self.updated: list[tuple[int, MeetingSpec, tuple[str, ...]]] = []
        self.deleted: list[int] = []
        # Zoom's participants report of each ended instance (by uuid).
        self.reports: dict[str, list[ReportedJoin]] = {}
        # The registrations Zoom holds, by meeting and email.
        self.registrants: dict[tuple[int, str], RegisteredPerson] = {}
        self._ids = itertools.count(85_000_000_001)

    def calls_of(self, operation: str) -> list[ZoomCall]:
        return [c for c in self.calls if c.operation == operation]

    async def _enter(self, operation: str, **arguments: Any) -> None:
        self.calls.append(ZoomCall(operation, arguments))
        if self.during_call is not None:
            await self.during_call(operation)
        if not self.configured:
            raise FailedPrecondition(NOT_CONFIGURED)
        error = self.failures.get(operation)
        if error is not None:
            raise error

    def meeting(self, meeting_id: int) -> MeetingInfo | None:
        return next((m for m in self.meetings.values() if m.meeting_id == meeting_id), None)

    async def create_meeting(self, *, request_id: str, spec: MeetingSpec) -> MeetingInfo:
        await self._enter("create_meeting", request_id=request_id, spec=spec)
        if request_id not in self.meetings:
            meeting_id = next(self._ids)
            self.specs[request_id] = spec
            self.meetings[request_id] = MeetingInfo(
                meeting_id=meeting_id,
                meeting_uuid=f"uuid-{meeting_id}==",
                join_url=f"https://zoom.example/j/{meeting_id}?pwd=x",
                password="Abc123",
                topic=spec.topic,
                host_zoom_user_id="zoom-host-1",
                host_email="host@example.org",
                duration_minutes=spec.duration_minutes,
                occurrences=_occurrences(spec),
            )
        return self.meetings[request_id]

    async def update_meeting(
        self,
        *,
        meeting_id: int,
        spec: MeetingSpec,
        paths: tuple[str, ...],
        occurrence_id: str = "",
    ) -> MeetingInfo:
        await self._enter(
            "update_meeting",
            meeting_id=meeting_id,
            spec=spec,
            paths=paths,
            **({"occurrence_id": occurrence_id} if occurrence_id else {}),
        )
        self.updated.append((meeting_id, spec, paths))
        known = self.meeting(meeting_id)
        return MeetingInfo(
            meeting_id=meeting_id,
            meeting_uuid=known.meeting_uuid if known else "",
            join_url=known.join_url if known else "",
            password=known.password if known else "",
            topic=spec.topic,
            host_zoom_user_id=known.host_zoom_user_id if known else "",
            host_email=known.host_email if known else "",
            duration_minutes=spec.duration_minutes,
        )

    async def delete_meeting(
        self, *, meeting_id: int, tenant_id: str, notify_hosts: bool, occurrence_id: str = ""
    ) -> bool:
        await self._enter(
            "delete_meeting",
            meeting_id=meeting_id,
            tenant_id=tenant_id,
            notify_hosts=notify_hosts,
            **({"occurrence_id": occurrence_id} if occurrence_id else {}),
        )
        if occurrence_id:
            return False  # one occurrence; the meeting stays
        gone = meeting_id in self.deleted or self.meeting(meeting_id) is None
        self.deleted.append(meeting_id)
        return gone

    async def start_url(self, *, meeting_id: int, tenant_id: str) -> str:
        await self._enter("start_url", meeting_id=meeting_id, tenant_id=tenant_id)
        return f"https://zoom.example/s/{meeting_id}?zak=secret"

    async def add_registrants(
        self, *, meeting_id: int, tenant_id: str, people: Sequence[RegistrantSpec]
    ) -> list[RegisteredPerson]:
        """Registered once per email and meeting, as Zoom does (a repeat answers the first)."""
        await self._enter(
            "add_registrants", meeting_id=meeting_id, tenant_id=tenant_id, people=list(people)
        )
        found = []
        for spec in people:
            key = (meeting_id, spec.email.lower())
            if key not in self.registrants:
                number = len(self.registrants) + 1
                self.registrants[key] = RegisteredPerson(
                    registrant_id=f"zr-{number}",
                    email=spec.email,
                    join_url=f"https://zoom.example/w/{meeting_id}?tk=secret-{number}",
                    status="approved",
                )
            found.append(self.registrants[key])
        return found

    async def remove_registrants(
        self, *, meeting_id: int, tenant_id: str, registrant_ids: Sequence[str]
    ) -> int:
        await self._enter(
            "remove_registrants",
            meeting_id=meeting_id,
            tenant_id=tenant_id,
            registrant_ids=list(registrant_ids),
        )
        gone = [
            key
            for key, r in self.registrants.items()
            if key[0] == meeting_id and r.registrant_id in registrant_ids
        ]
        for key in gone:
            del self.registrants[key]
        return len(gone)

    async def past_participants(self, *, meeting_uuid: str, tenant_id: str) -> list[ReportedJoin]:
        """The rows a test put in ``reports[meeting_uuid]`` (none by default)."""
        await self._enter("past_participants", meeting_uuid=meeting_uuid, tenant_id=tenant_id)
        return list(self.reports.get(meeting_uuid, ()))


# ---- Clock ----


class FakeClock:
    """A ``Clock`` that says what the test says: fixed until :meth:`advance`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


__all__ = [
    "FakeClock",
    "FakeDatabase",
    "FakeUnitOfWork",
    "FakeZoom",
    "Published",
    "Row",
    "ZoomCall",
    "stored",
]
