"""Wiring of outgoing webhooks: the admin use cases, and the delivering part (the bus consumer
that turns events into deliveries plus the delivery worker).

`delivering` runs inside `serve` on the embedded default (`OUTGOING_WEBHOOK_WORKER_IN_PROCESS`,
true) and alone as `python -m webhook_ingest deliver` — its own Deployment,
`deploy/k8s/base/webhook-ingest/deliver-deployment.yaml` — in production, where a slow endpoint
must not hold up the CPU that answers Zoom. A module of its own so `bootstrap` stays the one
place that starts the service, and this the one that knows how outgoing webhooks fit together.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.bus import EventBus
from classbridge_common.crypto import SecretBox
from classbridge_common.db import session_factory
from classbridge_common.telemetry import Metrics
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters.endpoint_sender import EndpointSender
from webhook_ingest.adapters.uow import UnitOfWorkFactory, WebhookUnitOfWork
from webhook_ingest.domain.retry_schedule import RetrySchedule
from webhook_ingest.service_layer.delivery_worker import DeliveryWorker
from webhook_ingest.service_layer.outgoing_endpoints import OutgoingWebhooks
from webhook_ingest.service_layer.outgoing_fanout import ROUTING_KEYS, Fanout
from webhook_ingest.settings import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def unit_of_work_factory(
    engine: AsyncEngine, box: SecretBox, *, on_commit: Callable[[], None] | None = None
) -> UnitOfWorkFactory:
    """A fresh `WebhookUnitOfWork` per call, within the given scope."""
    sessions = session_factory(engine)

    def make(scope: TenantScope) -> WebhookUnitOfWork:
        return WebhookUnitOfWork(
            session_factory=sessions, box=box, scope=scope, on_commit=on_commit
        )

    return make


def sender(settings: Settings, clock: Clock) -> EndpointSender:
    return EndpointSender(
        timeout=settings.outgoing_webhook_timeout_seconds,
        allow_private=settings.outgoing_webhook_allow_private_addresses,
        http_hosts=settings.http_hosts(),
        clock=clock,
    )


@asynccontextmanager
async def admin_webhooks(
    settings: Settings,
    uow: UnitOfWorkFactory,
    *,
    clock: Clock,
    wake_worker: Callable[[], None],
) -> AsyncIterator[OutgoingWebhooks]:
    """The admin use cases; their URL checks use a sender's rules (it is closed on exit)."""
    async with sender(settings, clock) as checker:
        yield OutgoingWebhooks(
            uow=uow,
            check_url=checker.check,
            clock=clock,
            max_endpoints=settings.outgoing_webhook_max_endpoints,
            rotation_grace_seconds=settings.outgoing_webhook_rotation_grace_seconds,
            wake_worker=wake_worker,
        )


@dataclass(frozen=True)
class Delivering:
    """The running consumer and worker (for tests and tools)."""

    worker: DeliveryWorker
    fanout: Fanout


@asynccontextmanager
async def delivering(
    settings: Settings,
    *,
    bus: EventBus,
    uow: UnitOfWorkFactory,
    clock: Clock = utc_now,
    metrics: Metrics | None = None,
) -> AsyncIterator[Delivering]:
    """Consume the events platforms are told of, and send their deliveries, until exit."""
    schedule = RetrySchedule(
        delays=settings.outgoing_webhook_retry_schedule,
        jitter=settings.outgoing_webhook_retry_jitter,
    )
    async with sender(settings, clock) as the_sender:
        worker = DeliveryWorker(
            uow=uow,
            sender=the_sender,
            schedule=schedule,
            clock=clock,
            timeout=settings.outgoing_webhook_timeout_seconds,
            poll_interval=settings.outgoing_webhook_poll_interval_seconds,
            concurrency=settings.outgoing_webhook_concurrency,
            disable_after=timedelta(seconds=settings.outgoing_webhook_disable_after_seconds),
            metrics=metrics if metrics is not None else Metrics.from_global(),
        )
        fanout = Fanout(
            uow=uow, clock=clock, wake_worker=worker.notify, name=settings.outgoing_consumer_name
        )
        async with worker:
            # prefetch 1: events become deliveries in the order the bus delivers them, which is
            # the order each endpoint receives them in.
            await bus.subscribe(fanout.name, ROUTING_KEYS, fanout, prefetch=1)
            try:
                yield Delivering(worker=worker, fanout=fanout)
            finally:
                with contextlib.suppress(Exception):
                    await bus.unsubscribe(fanout.name)
