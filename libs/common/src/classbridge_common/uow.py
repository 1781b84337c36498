"""The unit of work: one transaction around a use case, the only thing that commits.

A handler does ``async with uow: ...; await uow.commit()``. Events recorded with
:meth:`UnitOfWork.publish` (or :meth:`UnitOfWork.add_event`) are written to the outbox inside the
same transaction at commit, so a change and its events are stored together or not at all.
Leaving the block without committing rolls everything back, events included.

Services subclass it and attach their repositories in :meth:`UnitOfWork.attach`::

    class SchedulerUnitOfWork(UnitOfWork):
        def attach(self, session: AsyncSession) -> None:
            self.sessions = SessionRepository(session)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Self

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.messages import Envelope
from classbridge_common.outbox import OUTBOX, write_to_outbox

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """An async context manager around one ``AsyncSession`` and its pending events.

    ``on_commit`` is called after each successful commit that wrote events (wire it to
    ``OutboxRelay.notify`` so events leave at once instead of at the next poll).
    A unit of work is reusable, but not re-entrant: one ``async with`` at a time.
    """

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] | None = None,
        outbox: Table = OUTBOX,
    ) -> None:
        self._session_factory = session_factory
        self._on_commit = on_commit
        self._outbox = outbox
        self._session: AsyncSession | None = None
        self._events: list[Envelope] = []

    @property
    def session(self) -> AsyncSession:
        """The session of the open unit of work (repositories use it; they never commit)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    @property
    def pending_events(self) -> tuple[Envelope, ...]:
        """Events recorded since the last commit (they reach the outbox at commit)."""
        return tuple(self._events)

    def attach(self, session: AsyncSession) -> None:
        """Override to build repositories on ``session``; called on every ``async with``."""

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._events = []
        self._session = self._session_factory()
        await self._session.begin()
        self.attach(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        self._events = []
        if session is not None:
            try:
                await session.rollback()  # a no-op after commit; discards anything uncommitted
            finally:
                await session.close()

    def publish(self, event: Envelope) -> None:
        """Record ``event``; it is written to the outbox when (and only if) the work commits."""
        self.session  # noqa: B018 - fails clearly when the unit of work is not open
        self._events.append(event)

    def add_event(
        self,
        type: str,
        msg: Message,
        *,
        message_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Envelope:
        """Wrap protobuf ``msg`` in an envelope (with the current trace context) and record it."""
        envelope = Envelope.for_proto(type, msg, message_id, headers=headers)
        self.publish(envelope)
        return envelope

    async def commit(self) -> None:
        """Flush the changes, write the recorded events to the outbox, and commit, atomically."""
        session = self.session
        events, self._events = self._events, []
        try:
            await session.flush()
            await write_to_outbox(session, events, table=self._outbox)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        if events and self._on_commit is not None:
            self._on_commit()
        await session.begin()

    async def rollback(self) -> None:
        """Discard the changes and events since the last commit; the unit stays open."""
        session = self.session
        self._events = []
        await session.rollback()
        await session.begin()
