"""Group commit: many concurrent requests' writes share one transaction.

Zoom waits for each webhook's answer, and each answer may only be given once that webhook is
durably committed. One commit per request would make the database's fsync the throughput limit;
instead a single writer task takes every event waiting at that moment (after at most `max_wait`
seconds for company when it finds just a few), writes them all in one transaction, commits once,
and then resolves each waiter with whether its event was new or a duplicate. While one batch is
being written the next one gathers, so batches grow with load by themselves. With
`concurrency` > 1 (PostgreSQL) several batches are written at once on separate connections,
which hides the commit's round trips and fsync; a key in two concurrent batches is still stored
once (the unique index decides, the loser sees a duplicate).

If the write fails, every waiter of that batch gets the error (the endpoint answers 503 and Zoom
retries). With a `deadline`, an item not committed within that many seconds of its `submit`
fails with `DeadlineExceeded`: the items of one batch fail together (one timer per batch, at its
oldest item's deadline), and items still queued behind busy writers fail as they expire (one
timer for the whole queue) — no request carries a timer of its own. The write itself is not
cancelled: the batch may still commit, and a retry is then a duplicate.

Several waiters with the same key inside one batch are written once: the first is
"new" (if the row did not exist yet) and the others are duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from classbridge_common.tasks import finish

log = logging.getLogger(__name__)


class Keyed(Protocol):
    @property
    def key(self) -> Hashable: ...


T = TypeVar("T", bound=Keyed)

# Writes the given items (unique keys) in one transaction and returns the keys that were new.
# The mapping says how many times each key occurred in the batch (duplicates within it).
BatchWriter = Callable[[Sequence[T], Mapping[Hashable, int]], Awaitable[set[Hashable]]]


class Overloaded(Exception):
    """Too many events are already waiting to be stored; the caller should answer 503."""


class CommitterStopped(Exception):
    """The committer is not running (not started yet, or shutting down)."""


class DeadlineExceeded(Exception):
    """The item was not committed within the committer's deadline (it may still be)."""


@dataclass(slots=True)
class _Waiter(Generic[T]):
    item: T
    future: asyncio.Future[bool] = field(repr=False)
    due: float = float("inf")


class GroupCommitter(Generic[T]):
    """Batches `submit`ted items into shared transactions; use as `async with`."""

    def __init__(
        self,
        *,
        write: BatchWriter[T],
        max_batch: int = 256,
        max_wait: float = 0.002,
        max_pending: int = 20_000,
        concurrency: int = 1,
        after_commit: Callable[[int], None] | None = None,
        deadline: float | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if deadline is not None and deadline <= 0:
            raise ValueError("deadline must be positive")
        self._deadline = deadline
        self._expiry: asyncio.TimerHandle | None = None
        self._write = write
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._max_pending = max_pending
        self._after_commit = after_commit
        self._concurrency = max(1, concurrency)
        self._slots: asyncio.Semaphore | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._queue: list[_Waiter[T]] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0
        self.committed = 0

    async def __aenter__(self) -> Self:
        self._closing = False
        self._slots = asyncio.Semaphore(self._concurrency)
        self._task = asyncio.create_task(self._run(), name="webhook-group-commit")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self, *, grace: float = 10.0) -> None:
        """Write what is already queued (up to `grace` seconds), then stop."""
        self._closing = True
        self._ready.set()
        task, self._task = self._task, None
        if task is None:
            return
        await finish(task, grace=grace)
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._fail_all(self._queue, CommitterStopped("the service is stopping"))
        self._queue = []

    @property
    def pending(self) -> int:
        return len(self._queue)

    def submit(self, item: T) -> asyncio.Future[bool]:
        """Queue `item`; the future resolves True (stored now), False (already stored) or fails.

        The future is not cancelled when its awaiter stops waiting (a request timing out): the
        batch it belongs to still commits, and a later retry of the same event is a duplicate.
        """
        if self._task is None or self._closing:
            raise CommitterStopped("the service is not accepting events")
        if len(self._queue) >= self._max_pending:
            raise Overloaded(f"{len(self._queue)} events already waiting to be stored")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        if self._deadline is None:
            self._queue.append(_Waiter(item, future))
        else:
            due = loop.time() + self._deadline
            self._queue.append(_Waiter(item, future, due))
            if self._expiry is None:
                self._expiry = loop.call_at(due, self._expire_queued)
        self._ready.set()
        return future

    def _expire_queued(self) -> None:
        """Fail the queued items past their deadline (the oldest first), then wait for the
        next one's."""
        self._expiry = None
        queue = self._queue
        now = asyncio.get_running_loop().time()
        expired = 0
        while expired < len(queue) and queue[expired].due <= now:
            expired += 1
        if expired:
            self._queue = queue[expired:]
            log.warning("%d events not committed in time (writers busy)", expired)
            self._fail_all(queue[:expired], DeadlineExceeded("the event was not committed in time"))
        if self._queue:
            self._expiry = asyncio.get_running_loop().call_at(
                self._queue[0].due, self._expire_queued
            )

    async def _run(self) -> None:
        assert self._slots is not None
        try:
            while True:
                if not self._queue:
                    if self._closing:
                        return
                    self._ready.clear()
                    await self._ready.wait()
                    continue
                # A batch forms while every writer is busy: it grows with the load by itself.
                await self._slots.acquire()
                if len(self._queue) < self._max_batch and self._max_wait > 0 and not self._closing:
                    await asyncio.sleep(self._max_wait)
                batch, self._queue = (
                    self._queue[: self._max_batch],
                    self._queue[self._max_batch :],
                )
                task = asyncio.create_task(self._commit_and_release(batch))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _commit_and_release(self, batch: list[_Waiter[T]]) -> None:
        assert self._slots is not None
        try:
            await self._commit(batch)
        finally:
            self._slots.release()

    async def _commit(self, batch: list[_Waiter[T]]) -> None:
        unique: dict[Hashable, T] = {}
        occurrences: dict[Hashable, int] = {}
        for waiter in batch:
            key = waiter.item.key
            unique.setdefault(key, waiter.item)
            occurrences[key] = occurrences.get(key, 0) + 1
        timer: asyncio.TimerHandle | None = None
        if self._deadline is not None:  # the batch fails together, at its oldest item's deadline
            timer = asyncio.get_running_loop().call_at(
                batch[0].due,
                self._fail_all,
                batch,
                DeadlineExceeded("the event was not committed in time"),
            )
        try:
            new_keys = await self._write(list(unique.values()), occurrences)
        except asyncio.CancelledError:
            self._fail_all(batch, CommitterStopped("the service is stopping"))
            raise
        except Exception as error:
            log.warning("group commit of %d events failed: %s", len(batch), type(error).__name__)
            self._fail_all(batch, error)
            return
        finally:
            if timer is not None:
                timer.cancel()
        self.batches += 1
        stored = len(new_keys)
        self.committed += stored
        for waiter in batch:
            key = waiter.item.key
            is_new = key in new_keys
            new_keys.discard(key)  # later waiters with the same key are duplicates
            if not waiter.future.done():
                waiter.future.set_result(is_new)
        if self._after_commit is not None and stored:
            self._after_commit(stored)

    @staticmethod
    def _fail_all(batch: Sequence[_Waiter[T]], error: BaseException) -> None:
        for waiter in batch:
            if not waiter.future.done():
                waiter.future.set_exception(error)
                # Mark retrieved: a waiter that already gave up must not log "never retrieved".
                waiter.future.exception()
