"""The sync's background loops (flow 4), one set per replica, started by ``sync_running``:

* **poll** (every ``SYNC_POLL_SECONDS``): start due jobs — queued, retry time reached, released
  by a stopping replica, or held by a worker that died (its lease ran out). Claims keep
  replicas from running one job twice.
* **sweep** (every ``SYNC_SWEEP_INTERVAL_SECONDS``): plan jobs for linked meetings that ended
  without any recording event.
* **reconcile** (every ``SYNC_RECONCILE_INTERVAL_SECONDS``): list each tenant's cloud recordings
  of the last days and sync what no webhook brought (Zoom gives up after three tries).
* **janitor** (every ``STORAGE_JANITOR_INTERVAL_SECONDS``): delete objects of deleted files and
  remove staging objects and incomplete uploads crashed copies left.

A failing pass is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def looping(
    passes: Mapping[str, tuple[float, Callable[[], Awaitable[object]]]],
) -> AsyncIterator[None]:
    """Run each named pass every ``interval`` seconds (0 = not at all) while inside; the first
    run of each is at once, so a restarted replica resumes abandoned work without waiting."""

    async def loop(name: str, interval: float, once: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sync %s pass failed; trying again next interval", name)
            await asyncio.sleep(interval)

    tasks = [
        asyncio.create_task(loop(name, interval, once), name=f"recording-sync-{name}")
        for name, (interval, once) in passes.items()
        if interval > 0
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
