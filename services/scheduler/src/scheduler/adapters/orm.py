"""The scheduler's domain classes mapped onto its tables (SQLAlchemy's imperative mapping).

The domain stays plain dataclasses that import nothing of SQLAlchemy; :func:`start_mappers`
tells the ORM which table each one is stored in, so the unit of work's session writes whatever
the service layer changed on the entities it loaded or added, at commit, with no ``save()``.

What the ORM would not see on its own is made visible here:

- **Value objects changed in place.** JSON columns hold value objects that the domain changes
  in place (``RecordingSync.apply_synced``, ``Participant.left`` closing a stay, a lesson's
  ``add_part``); SQLAlchemy notices only assignments to an entity's attributes. So every loaded
  or flushed entity keeps a copy of its JSON values (:func:`remember`), and before each
  statement, flush and commit the values no longer equal to their copy are flagged modified
  (:func:`flag_changed`). Comparing with a copy catches a change at any depth (a stay inside
  the list, an id appended to ``removed_file_ids``) without wrapping the value objects in
  ``sqlalchemy.ext.mutable`` types (which see a list's ``append``, not a change to one of its
  items) or freezing value objects that the domain, and its tests, change in place. For the
  same reason a session holds every entity it loaded until the unit of work lets go of them
  (SQLAlchemy holds only those it knows are modified).
- **Columns the domain does not declare.** Every row's ``tenant_id`` (set by the repositories
  from the tenant scope), a session's ``meeting_id`` (its meeting's, kept in step here; the
  column exists to be searched on), a participant's ``create_time`` and an enrollment's
  ``request_id`` (given to ``add``). They are mapped attributes of the instances, read and set
  through :func:`column_value` and :func:`set_columns`.

The session's writes are kept inside the unit of work's tenant too: :func:`watch` refuses a
flush that would change a row of another tenant, as the repositories' statements never could.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, ORMExecuteState, QueryContext, registry
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import flag_modified, instance_state, set_committed_value

from classbridge_common.errors import Internal
from classbridge_common.tenancy import TENANT_COLUMN, TenantScope
from scheduler.adapters import tables as t
from scheduler.adapters.column_types import JsonColumn
from scheduler.domain.bulk import BulkJob
from scheduler.domain.directory import Person
from scheduler.domain.jobs import SessionJob
from scheduler.domain.model import (
    Batch,
    Course,
    Enrollment,
    Interaction,
    Participant,
    RecordedLesson,
    Session,
    SharedResource,
)
from scheduler.domain.notices import Notice, NoticePreference
from scheduler.domain.registration import Registrant
from scheduler.domain.series import SessionSeries

__all__ = [
    "ENTITIES",
    "column_value",
    "flag_changed",
    "flush",
    "remember",
    "set_columns",
    "set_committed",
    "start_mappers",
    "watch",
]

mapper_registry = registry()

#: Each entity and the table it is stored in.
ENTITIES: Mapping[type[Any], Table] = {
    Course: t.courses,
    Batch: t.batches,
    Enrollment: t.enrollments,
    Session: t.sessions,
    Participant: t.participants,
    Interaction: t.interactions,
    SharedResource: t.shared_resources,
    RecordedLesson: t.recorded_lessons,
    Registrant: t.session_registrants,
    SessionJob: t.session_jobs,
    BulkJob: t.bulk_jobs,
    SessionSeries: t.session_series,
    Notice: t.notices,
    NoticePreference: t.notice_preferences,
    Person: t.people,
}

# The JSON-valued attributes of each entity.
_JSON: dict[type[Any], tuple[str, ...]] = {
    entity: tuple(column.key for column in table.c if isinstance(column.type, JsonColumn))
    for entity, table in ENTITIES.items()
}
_SEEN = "scheduler.json_as_seen"  # key of the copies of JSON values in an instance state's info
_LEAVES = (str, int, float, date, type(None))  # values never changed in place
_HELD = "scheduler.held"  # key of the entities a session holds, in its ``info``


def start_mappers() -> None:
    """Map every entity onto its table, once per process (later calls do nothing)."""
    if inspect(Course, raiseerr=False) is not None:
        return
    for entity, table in ENTITIES.items():
        mapper_registry.map_imperatively(entity, table)
        event.listen(entity, "load", _loaded)
        event.listen(entity, "refresh", _refreshed)
    event.listen(Session, "before_insert", _meeting_column)
    event.listen(Session, "before_update", _meeting_column)


def watch(session: AsyncSession, scope: TenantScope) -> None:
    """Have ``session`` write in-place changes of JSON values, and only rows in ``scope``."""
    sync = session.sync_session

    @event.listens_for(sync, "do_orm_execute")
    def _before_statement(state: ORMExecuteState) -> None:
        flag_changed(state.session)  # ahead of the autoflush the statement may do

    @event.listens_for(sync, "before_flush")
    def _before_flush(flushing: OrmSession, *_: Any) -> None:
        flag_changed(flushing)
        _check_tenant(flushing, scope)

    @event.listens_for(sync, "after_flush_postexec")
    def _after_flush(flushed: OrmSession, *_: Any) -> None:
        for obj in flushed.identity_map.values():
            remember(instance_state(obj))

    # SQLAlchemy holds only the entities it knows are modified: one changed in place only would
    # leave the session with its last reference (``for p in await ...of_session(): p.close_open``)
    # and its change with it.
    @event.listens_for(sync, "loaded_as_persistent")
    @event.listens_for(sync, "pending_to_persistent")
    def _hold(holder: OrmSession, obj: object) -> None:
        holder.info.setdefault(_HELD, {})[instance_state(obj)] = obj

    @event.listens_for(sync, "persistent_to_deleted")
    @event.listens_for(sync, "persistent_to_detached")
    def _let_go(holder: OrmSession, obj: object) -> None:
        holder.info.get(_HELD, {}).pop(instance_state(obj), None)


async def flush(session: AsyncSession) -> None:
    """Write the pending changes, in-place changes of JSON values included.

    A session whose only changes are in place looks clean to SQLAlchemy and would not flush.
    """
    flag_changed(session.sync_session)
    await session.flush()


def flag_changed(session: OrmSession) -> None:
    """Flag modified each JSON value of a loaded entity that no longer equals the value it was
    loaded or last flushed with."""
    for obj in session.identity_map.values():
        state = instance_state(obj)
        seen = state.info.get(_SEEN)
        if seen is None:
            continue
        for key in _JSON.get(state.class_, ()):
            if key in seen and key in state.dict and state.dict[key] != seen[key]:
                flag_modified(obj, key)


def remember(state: InstanceState[Any]) -> None:
    """Keep a copy of the entity's JSON values, to tell later in-place changes by."""
    state.info[_SEEN] = {
        key: _copy(state.dict[key]) for key in _JSON.get(state.class_, ()) if key in state.dict
    }


def column_value(obj: object, column: str) -> Any:
    """The value of a mapped column the domain class does not declare (``tenant_id``)."""
    return getattr(obj, column)


def set_columns(obj: object, **values: Any) -> None:
    """Set mapped columns the domain class does not declare (``tenant_id``, ``create_time``)."""
    for column, value in values.items():
        setattr(obj, column, value)


def set_committed(obj: object, **values: Any) -> None:
    """Set attributes to values a conditional UPDATE already wrote, without marking them
    changed (the commit would write them a second time, outside the condition)."""
    for key, value in values.items():
        set_committed_value(obj, key, value)


def _copy(value: Any) -> Any:
    """``value`` with every list, dict and value object in it copied (the leaves are immutable).

    Made for every JSON value loaded and flushed, so it is kept cheaper than ``deepcopy``.
    """
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if not hasattr(value, "__dict__"):
        return copy.deepcopy(value)
    clone = copy.copy(value)  # a dataclass: its nested containers are copied below
    clone.__dict__.update(
        (key, _copy(item)) for key, item in vars(value).items() if not isinstance(item, _LEAVES)
    )
    return clone


def _loaded(obj: object, _context: QueryContext) -> None:
    """A loaded entity is completed as its constructor would (``__post_init__``: a lesson from
    before parts reads as its own single part) and its JSON values remembered as loaded."""
    post_init = getattr(type(obj), "__post_init__", None)
    if post_init is not None:
        post_init(obj)
    remember(instance_state(obj))


def _refreshed(obj: object, context: QueryContext, _attrs: Any) -> None:
    _loaded(obj, context)


def _meeting_column(_mapper: Any, _connection: Any, target: Session) -> None:
    set_columns(target, meeting_id=target.meeting.meeting_id if target.meeting else None)


def _check_tenant(session: OrmSession, scope: TenantScope) -> None:
    """A flush writes in the scope's tenant only (a spanning, unentered scope: any)."""
    if scope.spans:
        return
    changed = [*session.new, *(o for o in session.dirty if session.is_modified(o))]
    for obj in changed:
        if type(obj) in ENTITIES and column_value(obj, TENANT_COLUMN) != scope.tenant:
            raise Internal("a write outside the unit of work's tenant")
