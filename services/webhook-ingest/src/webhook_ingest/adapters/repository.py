"""SQL for webhook events: the group-commit append, translation, listing, replaying and pruning.

Everything here is SQLAlchemy Core on an `AsyncEngine`; the same statements run on PostgreSQL and
SQLite (both support `INSERT … ON CONFLICT DO NOTHING RETURNING`).

Tenant isolation lives here, in one place: every function that reads, replays or deletes stored
events takes a required `scope` (`classbridge_common.tenancy.TenantScope`), and every statement
goes through `scope.apply`, which adds `tenant_id = :tenant` unless the scope spans tenants. An
event of another tenant is therefore not found at all (NOT_FOUND, not PERMISSION_DENIED: its
existence is not revealed), and no handler has to remember the check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Select, and_, bindparam, delete, false, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from classbridge_common.messages import Envelope
from classbridge_common.outbox import outbox_row
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters.tables import outbox, webhook_events


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One genuine webhook as the endpoint appends it before answering: its dedup key and the
    `webhook_events` row of what is known without translating it (`kind` "pending").

    `row` holds `dedup_key`, `tenant_id`, `event_type`, `account_id`, `message_id`,
    `tracking_id`, `received_at`, `body`, `headers` and `trace_context`; the columns that need
    the translation (meeting, times, routing key) are filled by the processor afterwards.
    """

    key: str  # the dedup key (GroupCommitter groups by it)
    row: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Publication:
    """A translated webhook: the row's translated columns and the event message to publish.

    The message's `context.webhook_event_id` is set by `envelope(event_id)` inside the storing
    transaction (the processor knows the row's id; a replay names the replayed row).
    """

    key: str
    row: Mapping[str, Any]
    message: Message
    routing_key: str
    message_id: str
    timestamp: datetime
    headers: Mapping[str, str]

    def envelope(self, event_id: int) -> Envelope:
        self.message.context.webhook_event_id = str(event_id)  # type: ignore[attr-defined]
        return Envelope(
            message_id=self.message_id,
            type=self.routing_key,
            body=self.message.SerializeToString(),
            timestamp=self.timestamp,
            headers=self.headers,
        )


PENDING = "pending"
"""`kind` of a row stored but not translated yet."""
# What a pending row holds in the columns only the translation fills.
_UNTRANSLATED = {
    "event_ts_ms": 0,
    "meeting_id": "",
    "meeting_uuid": "",
    "kind": PENDING,
    "error": "",
    "routing_key": "",
}
# The columns the processor fills from the translation.
TRANSLATED_COLUMNS = (
    "event_ts_ms",
    "meeting_id",
    "meeting_uuid",
    "account_id",
    "kind",
    "error",
    "routing_key",
)


def _insert(conn: AsyncConnection) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(webhook_events)
    return sqlite.insert(webhook_events)


async def store_batch(
    engine: AsyncEngine,
    batch: Sequence[EventRecord],
    occurrences: Mapping[Hashable, int] | None = None,
) -> set[Hashable]:
    """Append the events that are new, untranslated, in one transaction (the group commit).

    Returns the dedup keys that were inserted; the others already existed (a duplicate delivery,
    possibly committed by another replica a moment ago) and get no second row — only their
    `duplicate_count` goes up, for the audit trail. `occurrences` says how often each key came
    in this batch (the batch itself holds each key once). Their outbox rows are written by the
    processor once it translated them (`translate_pending`).
    """
    if not batch:
        return set()
    if engine.dialect.name == "postgresql":
        return await _store_batch_postgres(engine, batch, occurrences or {})
    async with engine.begin() as conn:
        statement = (
            _insert(conn)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(webhook_events.c.dedup_key)
        )
        result = await conn.execute(
            statement, [{**_UNTRANSLATED, **record.row} for record in batch]
        )
        new: set[Hashable] = {row.dedup_key for row in result}
        repeats: dict[int, list[str]] = {}
        for record in batch:
            extra = (occurrences or {}).get(record.key, 1) - (1 if record.key in new else 0)
            if extra > 0:
                repeats.setdefault(extra, []).append(record.key)
        for extra, keys in repeats.items():
            await conn.execute(
                update(webhook_events)
                .where(webhook_events.c.dedup_key.in_(keys))
                .values(duplicate_count=webhook_events.c.duplicate_count + extra)
            )
    return new


_PG_INSERT_EVENTS = """
INSERT INTO webhook_events (dedup_key, tenant_id, event_type, account_id, message_id,
    tracking_id, received_at, body, headers, trace_context,
    event_ts_ms, meeting_id, meeting_uuid, kind, error, routing_key)
SELECT k, tn, t, a, m, tr, r, b, h::json, c::json, 0, '', '', 'pending', '', ''
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::timestamptz[], $8::bytea[], $9::text[], $10::text[])
    AS x(k, tn, t, a, m, tr, r, b, h, c)
ON CONFLICT (dedup_key) DO NOTHING
RETURNING dedup_key
"""
_PG_COUNT_DUPLICATES = """
UPDATE webhook_events AS w SET duplicate_count = w.duplicate_count + x.n
FROM unnest($1::text[], $2::int[]) AS x(k, n) WHERE w.dedup_key = x.k
"""
_EVENT_COLUMNS = (
    "dedup_key",
    "tenant_id",
    "event_type",
    "account_id",
    "message_id",
    "tracking_id",
    "received_at",
    "body",
)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


async def _store_batch_postgres(
    engine: AsyncEngine, batch: Sequence[EventRecord], occurrences: Mapping[Hashable, int]
) -> set[Hashable]:
    """The PostgreSQL hot path: one array-valued INSERT for the whole batch (one round trip,
    no per-row binds), plus one UPDATE only when the batch held duplicates."""
    rows = [record.row for record in batch]
    columns: list[list[Any]] = [[row[c] for row in rows] for c in _EVENT_COLUMNS]
    columns.append([json.dumps(row["headers"]) for row in rows])
    columns.append([_json_or_none(row.get("trace_context")) for row in rows])
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        try:
            async with raw.transaction():
                inserted = await raw.fetch(_PG_INSERT_EVENTS, *columns)
                new: set[Hashable] = {row["dedup_key"] for row in inserted}
                repeats = {
                    record.key: occurrences.get(record.key, 1) - (1 if record.key in new else 0)
                    for record in batch
                }
                repeats = {key: n for key, n in repeats.items() if n > 0}
                if repeats:
                    await raw.execute(_PG_COUNT_DUPLICATES, list(repeats), list(repeats.values()))
        except Exception:
            # The committer's pool does not pre-ping: a connection that died under this batch
            # is dropped here, so the next batch (Zoom's retry) gets a fresh one.
            if raw.is_closed():
                await conn.invalidate()
            raise
    return new


# --- the processor: pending rows → translated columns and outbox rows ----------------------------


async def translate_pending(
    engine: AsyncEngine,
    translate: Callable[[Row[Any]], Publication],
    limit: int,
) -> int:
    """Translate up to `limit` pending events, oldest first, in one transaction: fill their
    translated columns and write their outbox rows (in id order, so the relay publishes them
    in the order they were stored). Returns how many were translated.

    On PostgreSQL the rows are claimed `FOR UPDATE SKIP LOCKED`, so several processors share the
    work and never translate a row twice.
    """
    e = webhook_events.c
    query = (
        select(e.id, e.dedup_key, e.tenant_id, e.message_id, e.received_at, e.body, e.trace_context)
        .where(e.kind == PENDING)
        .order_by(e.id)
        .limit(limit)
    )
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await conn.execute(query)).all()
        if not rows:
            return 0
        publications = [(row.id, translate(row)) for row in rows]
        await conn.execute(
            outbox.insert(), [outbox_row(p.envelope(event_id)) for event_id, p in publications]
        )
        await conn.execute(
            update(webhook_events)
            .where(webhook_events.c.id == bindparam("event_id"))
            .values({c: bindparam(f"new_{c}") for c in TRANSLATED_COLUMNS}),
            [
                {"event_id": event_id, **{f"new_{c}": p.row[c] for c in TRANSLATED_COLUMNS}}
                for event_id, p in publications
            ],
        )
    return len(rows)


async def count_pending(engine: AsyncEngine) -> int:
    """How many stored events wait for translation (the processor's backlog)."""
    query = select(func.count()).select_from(webhook_events).where(webhook_events.c.kind == PENDING)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What ListEvents / ReplayEvents select; empty fields do not filter."""

    event_types: tuple[str, ...] = ()
    meeting_id: str = ""
    meeting_uuid: str = ""
    # any of "received" (publication pending), "published", "translation_failed"
    states: frozenset[str] = frozenset()
    received_after: datetime | None = None
    received_before: datetime | None = None


def _listing() -> Select[Any]:
    """Event columns (without the body) plus the outbox state of each."""
    return select(
        webhook_events.c.id,
        webhook_events.c.dedup_key,
        webhook_events.c.tenant_id,
        webhook_events.c.event_type,
        webhook_events.c.event_ts_ms,
        webhook_events.c.meeting_id,
        webhook_events.c.meeting_uuid,
        webhook_events.c.account_id,
        webhook_events.c.kind,
        webhook_events.c.error,
        webhook_events.c.routing_key,
        webhook_events.c.message_id,
        webhook_events.c.tracking_id,
        webhook_events.c.received_at,
        webhook_events.c.duplicate_count,
        webhook_events.c.replay_count,
        webhook_events.c.last_replayed_at,
        outbox.c.id.label("outbox_id"),
        outbox.c.published_at,
        outbox.c.attempts,
        outbox.c.last_error,
    ).select_from(
        webhook_events.outerjoin(outbox, outbox.c.message_id == webhook_events.c.message_id)
    )


def _where(query: Select[Any], flt: EventFilter, scope: TenantScope) -> Select[Any]:
    e = webhook_events.c
    query = scope.apply(query)
    if flt.event_types:
        query = query.where(e.event_type.in_(list(flt.event_types)))
    if flt.meeting_id:
        query = query.where(e.meeting_id == flt.meeting_id)
    if flt.meeting_uuid:
        query = query.where(e.meeting_uuid == flt.meeting_uuid)
    if flt.states:
        # Not published yet: not translated yet, or its outbox row not confirmed by the bus.
        pending = or_(
            e.kind == PENDING, and_(outbox.c.id.is_not(None), outbox.c.published_at.is_(None))
        )
        conditions = []
        if "received" in flt.states:
            conditions.append(and_(e.kind != "failed", pending))
        if "published" in flt.states:
            conditions.append(and_(e.kind != "failed", ~pending))
        if "translation_failed" in flt.states:
            conditions.append(e.kind == "failed")
        query = query.where(or_(*conditions) if conditions else false())
    if flt.received_after is not None:
        query = query.where(e.received_at >= flt.received_after)
    if flt.received_before is not None:
        query = query.where(e.received_at < flt.received_before)
    return query


async def count_matching(engine: AsyncEngine, flt: EventFilter, *, scope: TenantScope) -> int:
    query = _where(
        select(func.count()).select_from(
            webhook_events.outerjoin(outbox, outbox.c.message_id == webhook_events.c.message_id)
        ),
        flt,
        scope,
    )
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def list_events(
    engine: AsyncEngine,
    flt: EventFilter,
    *,
    scope: TenantScope,
    limit: int,
    before_id: int | None,
) -> list[Row[Any]]:
    """Newest first, `limit` rows with `id < before_id` (keyset pagination)."""
    query = _where(_listing(), flt, scope)
    if before_id is not None:
        query = query.where(webhook_events.c.id < before_id)
    query = query.order_by(webhook_events.c.id.desc()).limit(limit)
    async with engine.connect() as conn:
        return list((await conn.execute(query)).all())


async def get_event(
    engine: AsyncEngine, event_id: int, *, scope: TenantScope
) -> tuple[Row[Any], bytes] | None:
    """The listing row and the raw body of one event, or None (also when it is another
    tenant's)."""
    query = scope.apply(
        _listing()
        .add_columns(webhook_events.c.body, webhook_events.c.headers)
        .where(webhook_events.c.id == event_id)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    return row, bytes(row.body)


async def bodies_for_replay(
    engine: AsyncEngine, flt: EventFilter, *, scope: TenantScope, after_id: int, limit: int
) -> list[Row[Any]]:
    """Oldest first: id, tenant, message_id and body of the matching events, `id > after_id`."""
    e = webhook_events.c
    query = _where(
        select(e.id, e.tenant_id, e.message_id, e.body).select_from(
            webhook_events.outerjoin(outbox, outbox.c.message_id == webhook_events.c.message_id)
        ),
        flt,
        scope,
    )
    query = query.where(webhook_events.c.id > after_id).order_by(webhook_events.c.id).limit(limit)
    async with engine.connect() as conn:
        return list((await conn.execute(query)).all())


async def requeue(
    engine: AsyncEngine,
    records: Sequence[tuple[int, Publication]],
    now: datetime,
    *,
    scope: TenantScope,
) -> None:
    """Add replay publications (new message ids) to the outbox and count them on the events.

    Each record must be an event of `scope` carrying its own row's tenant: a replay can never
    publish one tenant's stored event as another's.
    """
    if not records:
        return
    for _, record in records:
        if scope.tenant is not None and record.row.get("tenant_id") != scope.tenant:
            raise ValueError("a replayed event left the caller's tenant")
    async with engine.begin() as conn:
        await conn.execute(
            outbox.insert(), [outbox_row(record.envelope(event_id)) for event_id, record in records]
        )
        counted = scope.apply(
            update(webhook_events).where(
                webhook_events.c.id.in_([event_id for event_id, _ in records])
            )
        )
        await conn.execute(
            counted.values(replay_count=webhook_events.c.replay_count + 1, last_replayed_at=now)
        )


def _prunable(cutoff: datetime) -> Any:
    pending = select(outbox.c.message_id).where(outbox.c.published_at.is_(None))
    return and_(
        webhook_events.c.received_at < cutoff,
        webhook_events.c.kind != PENDING,
        webhook_events.c.message_id.not_in(pending),
    )


async def count_prunable(engine: AsyncEngine, cutoff: datetime, *, scope: TenantScope) -> int:
    query = select(func.count()).select_from(webhook_events).where(_prunable(cutoff))
    query = scope.apply(query)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def prune_before(
    engine: AsyncEngine,
    cutoff: datetime,
    *,
    scope: TenantScope,
    batch_size: int,
    dry_run: bool = False,
) -> int:
    """Delete up to `batch_size` events received before `cutoff`, oldest first.

    Events whose publication is still pending are kept: retention never loses an event that
    consumers have not been told about yet.
    """
    victims = (
        scope.apply(select(webhook_events.c.id).where(_prunable(cutoff)))
        .order_by(webhook_events.c.id)
        .limit(batch_size)
    )
    async with engine.begin() as conn:
        ids = list((await conn.execute(victims)).scalars().all())
        if not ids or dry_run:
            return len(ids)
        await conn.execute(delete(webhook_events).where(webhook_events.c.id.in_(ids)))
    return len(ids)


async def count_events(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(webhook_events))).scalar_one()
        )
