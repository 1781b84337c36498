"""The periodic safety net (flow 4): every interval, plan and run due sync jobs.

A background task of ``bootstrap.running``; each replica runs one, and the pipeline's claims
keep them from copying the same job twice. A failing pass is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from recording_sync.service_layer.sync import SyncPipeline

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def sweeping(pipeline: SyncPipeline, *, interval: float) -> AsyncIterator[None]:
    """Run ``pipeline.sweep_once`` every ``interval`` seconds (0 = not at all) while inside."""
    if interval <= 0:
        yield
        return

    async def loop() -> None:
        while True:
            try:
                await pipeline.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sync sweep failed; trying again next interval")
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="recording-sync-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
