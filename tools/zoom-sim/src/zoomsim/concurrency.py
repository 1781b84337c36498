"""Zoom's limit on concurrent writes for one user (reference section 8): while a meeting or
recording write for a host is being handled, another write for the same host gets 429 "Too many
concurrent requests". The `concurrent_write_limit` fidelity switch turns it on.

The simulator answers a write in microseconds, so nothing would ever overlap; a write therefore
holds its host for `write_hold_seconds`, about what a write takes on Zoom, so that two writes
sent in parallel overlap as they would there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from zoomsim.routing import ZoomError

CONCURRENT_MESSAGE = "Too many concurrent requests. Please try again later."


class HostWriteSlots:
    """One write at a time per host; the second one is refused, not queued."""

    def __init__(self) -> None:
        self._busy: set[str] = set()

    @contextlib.asynccontextmanager
    async def hold(self, host_id: str, seconds: float) -> AsyncIterator[None]:
        """Run a write for `host_id`, or raise Zoom's 429 when another one is running (no
        Retry-After: none is documented for it)."""
        if host_id in self._busy:
            raise ZoomError(429, 429, CONCURRENT_MESSAGE)
        self._busy.add(host_id)
        try:
            if seconds > 0:
                await asyncio.sleep(seconds)
            yield
        finally:
            self._busy.discard(host_id)
