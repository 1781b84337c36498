"""The processor: translates stored webhooks into typed events behind the commit.

The endpoint only appends each genuine webhook's raw row ("pending") before answering Zoom. The
processor takes pending rows oldest first, normalises each into its typed event, and in one
transaction per batch fills the rows' translated columns and writes their outbox rows in the
same order; the outbox relay then publishes them. Deduplication was decided at the append (the
unique dedup key), so a row is translated and published once; on PostgreSQL several processors
share the pending rows (`FOR UPDATE SKIP LOCKED`), like several relays share the outbox.

It runs wherever the relay runs: inside `serve` on the embedded default, in `python -m
webhook_ingest relay` in production, off the CPU that answers Zoom.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Row

from classbridge_common.tasks import finish
from webhook_ingest.adapters.repository import Publication
from webhook_ingest.service_layer.ingest import Encoder, build_record

log = logging.getLogger(__name__)


def translator(encode: Encoder) -> Callable[[Row[Any]], Publication]:
    """Translation of one pending row (its stored body, tenant, ids and trace context)."""

    def translate(row: Row[Any]) -> Publication:
        body = bytes(row.body)
        try:
            document = json.loads(body)
        except ValueError:  # the endpoint stored verified JSON only; published raw if not
            document = {}
        if not isinstance(document, Mapping):
            document = {}
        return build_record(
            document,
            body,
            {},
            encode=encode,
            received_at=row.received_at,
            tenant_id=row.tenant_id,
            message_id=row.message_id,
            key=row.dedup_key,
            trace_context=row.trace_context or {},
        )

    return translate


class WebhookProcessor:
    """Runs `process(batch_size)` (translate one batch, return how many) until stopped.

    Woken by :meth:`notify` after a group commit, else polls every `poll_interval`; after a
    full batch it goes on at once. `after_batch` (the relay's `notify`) is called after every
    batch that translated something. Failures are logged and retried with a backoff.
    """

    def __init__(
        self,
        *,
        process: Callable[[int], Awaitable[int]],
        batch_size: int = 500,
        poll_interval: float = 0.2,
        after_batch: Callable[[], None] | None = None,
        max_backoff: float = 5.0,
    ) -> None:
        self._process = process
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._after_batch = after_batch
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.processed_total = 0

    async def __aenter__(self) -> Self:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="webhook-processor")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def notify(self) -> None:
        """Something was just stored: look now."""
        self._wakeup.set()

    async def stop(self, *, grace: float = 10.0) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        self._wakeup.set()
        await finish(task, grace=grace)

    async def process_once(self) -> int:
        done = await self._process(self._batch_size)
        self.processed_total += done
        if done and self._after_batch is not None:
            self._after_batch()
        return done

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            self._wakeup.clear()  # before reading, so a commit during the read is not missed
            try:
                done = await self.process_once()
            except Exception:
                log.exception("webhook processor: batch failed, retrying in %.1fs", backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = 0.2
            if done < self._batch_size:
                await self._sleep(self._poll_interval)


__all__ = ["WebhookProcessor", "translator"]
