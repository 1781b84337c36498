"""The delivery worker: sends due deliveries, signed, and decides what happens after each try.

A loop leases due deliveries (each the oldest pending one of its endpoint, so an endpoint gets
its events in order and one at a time), sends them concurrently — each to a different endpoint
— with no transaction open during the HTTP call, then records each attempt in a unit of work of
its own: a 2xx ends the delivery and the endpoint's failure streak; anything else schedules the
next try by the retry schedule (with jitter) or, once the schedule is used up, fails the
delivery. An endpoint is disabled (`disabled_failing`, a warning log line and a
`webhook_endpoint.disabled` event through the outbox) when it answers 410 Gone, or when a
delivery has used up its retries and nothing sent to the endpoint has succeeded for
`OUTGOING_WEBHOOK_DISABLE_AFTER_SECONDS`. Its pending deliveries then fail too (replayable).

Runs inside `serve` on the embedded default and as `python -m webhook_ingest deliver` (its own
Deployment) in production; several workers share the queue on PostgreSQL (`SKIP LOCKED`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as pb
from classbridge_common.telemetry import Metrics
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters.outgoing_repository import (
    DISABLED_FAILING,
    FAILED,
    PENDING,
    SUCCEEDED,
    AttemptResult,
    Claimed,
)
from webhook_ingest.adapters.uow import UnitOfWorkFactory, WebhookUnitOfWork
from webhook_ingest.domain import endpoint_urls, standard_webhooks
from webhook_ingest.domain.retry_schedule import RetrySchedule

log = logging.getLogger(__name__)

DISABLED_EVENT = "webhook_endpoint.disabled"
GONE = 410
LEASE_MARGIN_SECONDS = 30.0


class Sender(Protocol):
    """Sends one delivery (see `adapters.endpoint_sender.EndpointSender`)."""

    async def send(self, url: str, *, body: bytes, headers: dict[str, str]) -> AttemptResult: ...


def _stamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


class DeliveryWorker:
    """`async with DeliveryWorker(...)`: the loop runs in the background until the block ends
    (in-flight attempts finish and are recorded first)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        sender: Sender,
        schedule: RetrySchedule,
        clock: Callable[[], datetime],
        timeout: float,
        poll_interval: float,
        concurrency: int,
        disable_after: timedelta,
        metrics: Metrics | None = None,
    ) -> None:
        self._uow = uow
        self._sender = sender
        self._schedule = schedule
        self._clock = clock
        self._lease = timedelta(seconds=timeout + LEASE_MARGIN_SECONDS)
        self._poll = poll_interval
        self._concurrency = concurrency
        self._disable_after = disable_after
        self._metrics = metrics
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.attempts = 0  # attempts recorded since start (tests and tools)

    def notify(self) -> None:
        """Look for due deliveries now (a delivery was queued or replayed)."""
        self._wake.set()

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="webhook-delivery-worker")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _run(self) -> None:
        delay = self._poll
        while True:
            try:
                claimed = await self.run_once()
                delay = self._poll
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database is down: back off, try again
                log.warning("webhook delivery worker round failed: %s", type(error).__name__)
                claimed = 0
                delay = min(delay * 2, 30.0)
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                self._wake.clear()

    async def run_once(self) -> int:
        """Lease what is due (up to the free concurrency) and start sending it; how many."""
        room = self._concurrency - len(self._in_flight)
        if room <= 0:
            return 0
        now = self._clock()
        async with self._uow(TenantScope(None)) as uow:
            claimed = await uow.webhooks.claim_due(
                now=now, lease_until=now + self._lease, limit=room
            )
            await uow.commit()
        for item in claimed:
            task = asyncio.create_task(self._attempt(item), name=f"webhook-delivery-{item.seq}")
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()  # the endpoint's next delivery may be due now
        if not task.cancelled() and task.exception() is not None:
            log.warning("webhook delivery failed to record: %s", type(task.exception()).__name__)

    async def _attempt(self, item: Claimed) -> None:
        body = item.payload.encode()
        headers = standard_webhooks.headers(
            item.secrets,
            message_id=item.id,
            timestamp=int(self._clock().timestamp()),
            body=body,
        )
        result = await self._sender.send(item.url, body=body, headers=headers)
        await self._record(item, result)

    async def _record(self, item: Claimed, result: AttemptResult) -> None:
        attempts = item.attempts + 1
        if result.success:
            status, next_at, outcome = SUCCEEDED, None, "success"
        else:
            delay = None if result.status_code == GONE else self._schedule.delay_after(attempts)
            if delay is None:
                status, next_at, outcome = FAILED, None, "failed"
            else:
                status = PENDING
                next_at = result.attempted_at + timedelta(seconds=delay)
                outcome = "retry"
        now = self._clock()
        async with self._uow(TenantScope(item.tenant_id)) as uow:
            await uow.webhooks.record_attempt(item, result, status=status, next_attempt_at=next_at)
            await uow.webhooks.endpoint_answered(item.endpoint_id, success=result.success, now=now)
            if result.status_code == GONE:
                await self._disable(uow, item, "the endpoint answered 410 Gone", now)
            elif status == FAILED:
                endpoint = await uow.webhooks.endpoint(item.endpoint_id)
                since = endpoint.failing_since if endpoint is not None else None
                if since is not None and now - since >= self._disable_after:
                    reason = (
                        f"no delivery succeeded since {since.isoformat()} and a delivery used "
                        f"up its {attempts} attempts"
                    )
                    await self._disable(uow, item, reason, now)
            await uow.commit()
        self.attempts += 1
        if self._metrics is not None:
            self._metrics.webhook_delivery(
                result.duration_ms / 1000, event_type=item.event_type, outcome=outcome
            )
        log.info(
            "webhook delivery attempt",
            extra={
                "delivery_id": item.id,
                "endpoint_id": item.endpoint_id,
                "tenant_id": item.tenant_id,
                "url": endpoint_urls.redact(item.url),
                "attempt": attempts,
                "status_code": result.status_code,
                "duration_ms": result.duration_ms,
                "outcome": outcome,
                "error": result.error,
            },
        )

    async def _disable(
        self, uow: WebhookUnitOfWork, item: Claimed, reason: str, now: datetime
    ) -> None:
        endpoint = await uow.webhooks.endpoint(item.endpoint_id, for_update=True)
        if endpoint is None or endpoint.state == DISABLED_FAILING:
            return
        await uow.webhooks.update_endpoint(
            endpoint.id,
            {
                "state": DISABLED_FAILING,
                "disabled_reason": reason[:500],
                "disabled_at": now,
                "updated_at": now,
            },
        )
        failed = await uow.webhooks.fail_pending(endpoint.id, "endpoint disabled")
        event = pb.WebhookEndpointDisabled(
            occurred_at=_stamp(now),
            endpoint_id=endpoint.id,
            url=endpoint_urls.redact(endpoint.url),
            reason=reason[:500],
            tenant_id=endpoint.tenant_id,
        )
        if endpoint.failing_since is not None:
            event.failing_since.CopyFrom(_stamp(endpoint.failing_since))
        uow.add_event(DISABLED_EVENT, event)
        log.warning(
            "webhook endpoint disabled after persistent failure",
            extra={
                "endpoint_id": endpoint.id,
                "tenant_id": endpoint.tenant_id,
                "url": endpoint_urls.redact(endpoint.url),
                "reason": reason,
                "pending_failed": failed,
            },
        )
