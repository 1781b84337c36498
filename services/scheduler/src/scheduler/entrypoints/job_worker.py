"""The background worker: runs the session jobs that are due (``scheduler.domain.jobs``).

One loop per process, beside the outbox relay and the consumer, started and stopped with the
service (``async with``). Every ``poll_interval`` it runs the jobs due now, in every tenant;
each job records its own outcome (done, retry later, given up), so a failing round only logs
and the loop carries on, and a stop lets the current round finish first. Jobs are rows, so a
restart loses none: the next start finds them due. Several replicas may run it: a job is
claimed before Zoom is called, and only one claim wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from classbridge_common.tasks import finish

log = logging.getLogger(__name__)

Round = Callable[[], Awaitable[int]]


class JobWorker:
    """Calls ``run_round`` (which runs the due jobs and says how many it finished) every
    ``poll_interval`` seconds, and at once after a round that finished some (more may be due)."""

    def __init__(self, *, run_round: Round, poll_interval: float) -> None:
        self._run_round = run_round
        self._poll_interval = poll_interval
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0

    async def __aenter__(self) -> Self:
        if self._task is not None:
            raise RuntimeError("this worker is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="scheduler-jobs")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self, *, grace: float = 10.0) -> None:
        """Let the current round finish (up to ``grace`` seconds), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        await finish(task, grace=grace)

    def wake(self) -> None:
        """A job was armed: run a round now rather than at the next poll (the round after the
        current one, when one is running)."""
        self._woken.set()

    async def _sleep(self) -> None:
        """Until the next poll, a :meth:`wake`, or the stop."""
        if self._woken.is_set():
            self._woken.clear()
            return
        woken = asyncio.ensure_future(self._woken.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                (woken, stopping),
                timeout=self._poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            woken.cancel()
            stopping.cancel()
        self._woken.clear()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            finished = 0
            try:
                finished = await self._run_round()
            except Exception:
                log.exception("scheduler jobs: a round failed; trying again at the next poll")
            self.rounds += 1
            if not finished:
                await self._sleep()


__all__ = ["JobWorker"]
