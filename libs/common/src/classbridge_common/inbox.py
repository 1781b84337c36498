"""Consumer-side deduplication: the ``message_id``s a consumer has applied, per consumer.

The bus delivers at least once, so every consumer records each ``message_id`` in the same
transaction as the effect of the message. A redelivery then finds the id and does nothing.
:func:`idempotent_handler` packages this: the inbox row is inserted *first* (``ON CONFLICT DO
NOTHING``), so two concurrent deliveries of the same message serialise on its primary key and
exactly one applies the effect; if the effect fails, the insert rolls back with it and the
message can be retried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.messages import Envelope
from classbridge_common.outbox import INBOX

__all__ = ["already_applied", "idempotent_handler", "record", "try_record"]

log = logging.getLogger(__name__)

SessionHandler = Callable[[Envelope, AsyncSession], Awaitable[None]]


async def already_applied(
    session: AsyncSession, consumer: str, message_id: str, *, table: Table = INBOX
) -> bool:
    """True when ``consumer`` has already applied ``message_id`` (committed or in this txn)."""
    found = await session.execute(
        select(table.c.message_id).where(
            table.c.consumer == consumer, table.c.message_id == message_id
        )
    )
    return found.first() is not None


async def record(
    session: AsyncSession, consumer: str, message_id: str, *, table: Table = INBOX
) -> None:
    """Record ``message_id`` as applied by ``consumer``; raises ``IntegrityError`` if it was."""
    await session.execute(
        table.insert().values(consumer=consumer, message_id=message_id, applied_at=_now())
    )


async def try_record(
    session: AsyncSession, consumer: str, message_id: str, *, table: Table = INBOX
) -> bool:
    """Record ``message_id`` unless already there; False means "applied before, skip it".

    On PostgreSQL a concurrent transaction inserting the same id makes this wait for it, then
    answer False if it committed; so the check cannot race.
    """
    values = {"consumer": consumer, "message_id": message_id, "applied_at": _now()}
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:
        try:
            async with session.begin_nested():
                await session.execute(table.insert().values(values))
        except IntegrityError:
            return False
        return True
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


def idempotent_handler(
    *,
    session_factory: async_sessionmaker[AsyncSession],
    consumer: str,
    handler: SessionHandler,
    table: Table = INBOX,
) -> Callable[[Envelope], Awaitable[None]]:
    """A bus handler running ``handler(envelope, session)`` once per ``message_id``.

    The inbox insert and the handler's effect share one transaction, committed when the handler
    returns; the handler must not commit. An exception rolls both back and reaches the bus,
    which retries and finally dead-letters the message.
    """

    async def handle(envelope: Envelope) -> None:
        async with session_factory() as session, session.begin():
            if not await try_record(session, consumer, envelope.message_id, table=table):
                log.info(
                    "skipping a message already applied",
                    extra={"consumer": consumer, "message_id": envelope.message_id},
                )
                return
            await handler(envelope, session)

    handle.__name__ = getattr(handler, "__name__", "handle")
    handle.__qualname__ = f"idempotent({consumer})"
    return handle


def _now() -> datetime:
    return datetime.now(UTC)
