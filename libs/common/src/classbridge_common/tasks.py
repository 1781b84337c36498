"""Stopping a service's background loop (outbox relay, webhook processor, group commit) the
same way everywhere: let its current batch finish, within a grace period, and only then cancel.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["finish"]


async def finish(task: asyncio.Task[None], *, grace: float) -> None:
    """Wait up to ``grace`` seconds for ``task`` (shielded, so the wait's own timeout does not
    cancel a batch half-way), then cancel it and wait for it to end."""
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=grace)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
