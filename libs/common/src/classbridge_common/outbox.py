"""The transactional outbox: events are rows written with the change, then relayed to the bus.

Writing an event in the same transaction as the change it describes means an event exists if and
only if the change committed. :class:`OutboxRelay` then publishes unpublished rows in ``id`` order
and marks them published — in one transaction, after the broker confirmed them. A crash between
the confirm and the mark re-publishes the batch: delivery is at-least-once and consumers
deduplicate on ``message_id`` (``classbridge_common.inbox``).

Each service adds both tables to its own metadata (``outbox_table(metadata)``,
``inbox_table(metadata)``) so ``metadata.create_all`` and Alembic autogenerate know them, and
creates them in its first migration with :func:`create_outbox_and_inbox_tables`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.bus.base import BusUnavailable, EventBus
from classbridge_common.db.engine import is_postgres
from classbridge_common.db.types import UTCDateTime
from classbridge_common.messages import Envelope
from classbridge_common.tasks import finish

__all__ = [
    "INBOX",
    "OUTBOX",
    "OutboxRelay",
    "create_outbox_and_inbox_tables",
    "create_outbox_table",
    "drop_outbox_and_inbox_tables",
    "drop_outbox_table",
    "envelope_from_row",
    "inbox_table",
    "outbox_row",
    "outbox_table",
    "write_to_outbox",
]

log = logging.getLogger(__name__)

OUTBOX_NAME = "outbox"
INBOX_NAME = "inbox"
_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only


def _outbox_columns() -> list[Any]:
    return [
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("message_id", String(64), nullable=False, unique=True),
        Column("type", String(200), nullable=False),
        Column("body", LargeBinary(), nullable=False),
        Column("headers", JSON(), nullable=False),
        Column("content_type", String(100), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer(), nullable=False, server_default="0"),
        Column("last_error", Text(), nullable=True),
    ]


def _inbox_columns() -> list[Any]:
    return [
        Column("consumer", String(200), nullable=False),
        Column("message_id", String(64), nullable=False),
        Column("applied_at", UTCDateTime(), nullable=False),
        PrimaryKeyConstraint("consumer", "message_id", name="pk_inbox"),
    ]


def outbox_table(metadata: MetaData) -> Table:
    """Add the ``outbox`` table (and its indexes) to a service's ``metadata``."""
    table = Table(OUTBOX_NAME, metadata, *_outbox_columns())
    Index(
        "ix_outbox_unpublished",
        table.c.id,
        postgresql_where=table.c.published_at.is_(None),
        sqlite_where=table.c.published_at.is_(None),
    )
    Index("ix_outbox_published_at", table.c.published_at)
    return table


def inbox_table(metadata: MetaData) -> Table:
    """Add the ``inbox`` table (applied ``message_id``s per consumer) to ``metadata``."""
    return Table(INBOX_NAME, metadata, *_inbox_columns())


# The relay, the unit of work and the inbox speak SQL through these; a service's own copies in its
# metadata describe the same tables (no schema names: search_path finds them).
OUTBOX = outbox_table(MetaData())
INBOX = inbox_table(MetaData())


def create_outbox_table(op: Any) -> None:
    """Create the outbox (and its indexes) from an Alembic migration (``op`` = ``alembic.op``):
    a service's first, or a later one of a service that starts announcing events."""
    from sqlalchemy import text

    op.create_table(OUTBOX_NAME, *_outbox_columns())
    op.create_index(
        "ix_outbox_unpublished",
        OUTBOX_NAME,
        ["id"],
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    )
    op.create_index("ix_outbox_published_at", OUTBOX_NAME, ["published_at"])


def drop_outbox_table(op: Any) -> None:
    """The ``downgrade`` counterpart of :func:`create_outbox_table`."""
    op.drop_index("ix_outbox_published_at", table_name=OUTBOX_NAME)
    op.drop_index("ix_outbox_unpublished", table_name=OUTBOX_NAME)
    op.drop_table(OUTBOX_NAME)


def create_outbox_and_inbox_tables(op: Any) -> None:
    """Create both tables from a service's first Alembic migration (``op`` = ``alembic.op``)."""
    create_outbox_table(op)
    op.create_table(INBOX_NAME, *_inbox_columns())


def drop_outbox_and_inbox_tables(op: Any) -> None:
    """The ``downgrade`` counterpart of :func:`create_outbox_and_inbox_tables`."""
    op.drop_table(INBOX_NAME)
    drop_outbox_table(op)


def outbox_row(envelope: Envelope) -> dict[str, Any]:
    """The outbox row that stores ``envelope``."""
    return {
        "message_id": envelope.message_id,
        "type": envelope.type,
        "body": envelope.body,
        "headers": dict(envelope.headers),
        "content_type": envelope.content_type,
        "created_at": envelope.timestamp,
    }


def envelope_from_row(row: Row[Any]) -> Envelope:
    """The envelope an outbox row stores, exactly as it was committed."""
    return Envelope(
        message_id=row.message_id,
        type=row.type,
        body=row.body,
        timestamp=row.created_at,
        headers=row.headers or {},
        content_type=row.content_type,
    )


async def write_to_outbox(
    session: AsyncSession, envelopes: Sequence[Envelope], *, table: Table = OUTBOX
) -> None:
    """Insert ``envelopes`` in the session's current transaction (the unit of work calls this)."""
    if envelopes:
        await session.execute(table.insert(), [outbox_row(e) for e in envelopes])


class OutboxRelay:
    """Publishes committed outbox rows to the bus; run one per process, as ``async with``.

    - Rows go out in ``id`` order, ``batch_size`` at a time, each batch confirmed by the bus
      before it is marked published in the same transaction that selected it.
    - On PostgreSQL the batch is locked ``FOR UPDATE SKIP LOCKED``, so several replicas share the
      work without publishing a row twice in the normal case (order is then per replica). On
      SQLite the transaction holds the single write lock, so relays take turns.
    - :meth:`notify` (the unit of work calls it after a commit) wakes the relay at once;
      otherwise it polls every ``poll_interval`` seconds.
    - When the bus is unavailable the rows stay, ``attempts``/``last_error`` are updated, and the
      relay backs off exponentially (to ``max_backoff``) until the bus is back.
    - Published rows older than ``retention`` are deleted every ``prune_interval``.
    """

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        bus: EventBus,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
        prune_interval: float = 600.0,
        initial_backoff: float = 0.2,
        max_backoff: float = 30.0,
        table: Table = OUTBOX,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._session_factory = session_factory
        self._bus = bus
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retention = retention
        self._prune_interval = prune_interval
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._table = table
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published_total = 0

    async def __aenter__(self) -> Self:
        if self._task is not None:
            raise RuntimeError("this relay is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self, *, grace: float = 10.0) -> None:
        """Let the current batch finish (up to ``grace`` seconds), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        self._wakeup.set()
        await finish(task, grace=grace)

    def notify(self) -> None:
        """Wake the relay now: something was just committed to the outbox."""
        self._wakeup.set()

    async def relay_once(self) -> int:
        """Publish and mark one batch; returns how many rows were published.

        On PostgreSQL the batch stays locked (``FOR UPDATE SKIP LOCKED``) while it is published,
        so several relays share one outbox without publishing a row twice. SQLite has one relay
        per file and one writer at a time, so there the rows are read, the lock released, and
        the batch published before a second short transaction marks it: holding SQLite's write
        lock while a bus confirms would stall every writer of the service for that long.

        Raises :class:`BusUnavailable` (after recording the attempt on the rows) when the bus did
        not confirm the batch.
        """
        failure: BusUnavailable | None = None
        async with self._session_factory() as session, session.begin():
            locked = is_postgres(session)
            rows = await self._select_batch(session, lock=locked)
            if rows and locked:
                failure = await self._publish(rows)
                await self._mark(session, rows, failure)
        if rows and not locked:
            failure = await self._publish(rows)
            async with self._session_factory() as session, session.begin():
                await self._mark(session, rows, failure)
        if failure is not None:
            raise failure
        self.published_total += len(rows)
        return len(rows)

    async def _select_batch(self, session: AsyncSession, *, lock: bool) -> Sequence[Any]:
        table = self._table
        query = (
            select(table)
            .where(table.c.published_at.is_(None))
            .order_by(table.c.id)
            .limit(self._batch_size)
        )
        if lock:
            query = query.with_for_update(skip_locked=True)
        return (await session.execute(query)).all()

    async def _publish(self, rows: Sequence[Any]) -> BusUnavailable | None:
        """Publish ``rows``; the bus's refusal is returned (to be recorded), not raised."""
        try:
            await self._bus.publish([envelope_from_row(row) for row in rows])
        except BusUnavailable as error:
            return error
        return None

    async def _mark(
        self, session: AsyncSession, rows: Sequence[Any], error: BusUnavailable | None
    ) -> None:
        """Count the attempt on ``rows``: published now, or the bus's error kept for operators."""
        table = self._table
        values: dict[str, Any] = {"attempts": table.c.attempts + 1}
        if error is None:
            values["published_at"] = self._clock()
        else:
            values["last_error"] = str(error)[:2000]
        ids = [row.id for row in rows]
        await session.execute(update(table).where(table.c.id.in_(ids)).values(**values))

    async def prune(self) -> int:
        """Delete rows published more than ``retention`` ago; returns how many."""
        table = self._table
        cutoff = self._clock() - self._retention
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                delete(table).where(
                    table.c.published_at.is_not(None), table.c.published_at < cutoff
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _sleep(self, seconds: float, *, wake_on_notify: bool) -> None:
        waiters = [asyncio.ensure_future(self._stopping.wait())]
        if wake_on_notify:
            waiters.append(asyncio.ensure_future(self._wakeup.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _run(self) -> None:
        backoff = self._initial_backoff
        loop = asyncio.get_running_loop()
        next_prune = loop.time()
        while not self._stopping.is_set():
            self._wakeup.clear()  # before reading, so a commit during the read is not missed
            try:
                published = await self.relay_once()
            except BusUnavailable as error:
                log.warning("outbox relay: bus unavailable, retrying in %.1fs: %s", backoff, error)
                await self._sleep(backoff, wake_on_notify=False)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            except Exception:
                log.exception("outbox relay: batch failed, retrying in %.1fs", backoff)
                await self._sleep(backoff, wake_on_notify=False)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = self._initial_backoff
            if loop.time() >= next_prune:
                next_prune = loop.time() + self._prune_interval
                try:
                    pruned = await self.prune()
                    if pruned:
                        log.info("outbox relay: pruned %d published rows", pruned)
                except Exception:
                    log.exception("outbox relay: pruning failed")
            if published < self._batch_size:
                await self._sleep(self._poll_interval, wake_on_notify=True)
