"""The one wiring point of the scheduler: ``running(settings)`` starts everything, stops it all.

Started in order: the entities' ORM mapping, the database engine, the event bus (unless one is
passed in), the outbox relay, the zoom-gateway client, the event consumer, the job worker
(reads of Zoom's participants reports after meetings, registrant syncs) and the gRPC server
(health, reflection, caller authentication). Stopping reverses the order: the server drains
first, so every call that got in is answered, every committed event stays in the outbox and
every unfinished job in its table for the next start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from classbridge_common.bus import EventBus, create_bus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.gauges import outbox_source
from classbridge_common.grpc import GrpcServer
from classbridge_common.outbox import OutboxRelay
from classbridge_common.scrape import serving_metrics
from scheduler.adapters import orm
from scheduler.adapters.mailer import SmtpMailer
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.adapters.zoom_gateway import ZoomGatewayClient
from scheduler.domain.jobs import RetryPolicy
from scheduler.entrypoints import consumers, grpc_api, notice_consumer
from scheduler.entrypoints.access_rules import POLICY
from scheduler.entrypoints.job_worker import JobWorker
from scheduler.entrypoints.notice_consumer import NoticeConsumer
from scheduler.service_layer import bulk, meeting_sync, notices, reconcile, registration
from scheduler.service_layer.clock import Clock, utcnow
from scheduler.service_layer.ports import ZoomGateway
from scheduler.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Running:
    """A started scheduler: where it listens and its parts (for tests and tools)."""

    settings: Settings
    grpc_port: int
    bus: EventBus
    relay: OutboxRelay
    consumer: consumers.Consumer
    jobs: JobWorker
    metrics_port: int | None = None  # the scrape endpoint (METRICS_PORT), if served

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


async def _jobs_round(
    uow: Callable[..., SchedulerUnitOfWork],
    zoom: ZoomGateway,
    *,
    reports: RetryPolicy,
    meetings: RetryPolicy,
    budget: int = bulk.DEFAULT_BUDGET,
    now: Clock = utcnow,
    mail: Callable[[], Awaitable[int]] | None = None,
) -> int:
    """One round of the job worker: the reads of participants reports (``reports``: Zoom has
    them minutes after the end), then the registrant syncs, then the meetings' alternative
    hosts and breakout rooms (``meetings``: due at once), each in every tenant; how many
    finished."""
    finished = await reconcile.run_due(uow, zoom, policy=reports)
    finished += await registration.run_due(uow, zoom, policy=meetings)
    finished += await meeting_sync.run_due(uow, zoom, policy=meetings)
    # and the meetings bulk scheduling queued, as the hosts' daily Zoom budget allows
    finished += await bulk.run_due(uow, zoom, budget=budget, now=now)
    # then the email notices due (when an SMTP server is configured)
    return finished + (await mail() if mail is not None else 0)


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    zoom: ZoomGateway | None = None,
    now: Clock = utcnow,
) -> AsyncIterator[Running]:
    """Start the scheduler (gRPC server, outbox relay, consumer); stop them all on exit.

    ``bus``, when given, is used as is (and left open on exit: the embedded default shares one
    in-process bus between services); otherwise one is created from ``AMQP_URL``. ``zoom``
    replaces the zoom-gateway client (tools only; tests use a real fake gateway server); ``now``
    is the clock of bulk scheduling's queue (tests move it with the Zoom simulator's). The
    schema must be migrated first (``python -m scheduler migrate``).
    """
    orm.start_mappers()
    engine = create_engine(settings, pool_size=settings.db_pool_size, max_overflow=5)
    own_bus = bus is None
    the_bus = bus if bus is not None else create_bus(settings)
    client: ZoomGatewayClient | None = None
    try:
        if own_bus:
            await the_bus.start()
        sessions = session_factory(engine)
        relay = OutboxRelay(
            session_factory=sessions, bus=the_bus, poll_interval=1.0, max_backoff=5.0
        )
        async with relay:

            def job_armed() -> None:
                jobs.wake()  # bound below, before anything can commit

            uow = partial(
                SchedulerUnitOfWork,
                session_factory=sessions,
                on_commit=relay.notify,
                on_job_armed=job_armed,
            )
            if zoom is None:
                client = ZoomGatewayClient(
                    address=settings.zoom_gateway_addr,
                    tokens=settings.service_tokens(),
                    timeout=settings.zoom_gateway_timeout_seconds,
                )
                zoom = client
            policy = settings.reconcile_policy()
            consumer = consumers.Consumer(name=settings.consumer_name, uow=uow, reconcile=policy)
            await consumers.subscribe(the_bus, consumer, prefetch=settings.consumer_prefetch)
            mailer = (
                SmtpMailer(settings.smtp_url.get_secret_value())
                if settings.smtp_url.get_secret_value()
                else None
            )
            noticing = NoticeConsumer(name=f"{settings.consumer_name}-notices", uow=uow)
            if mailer is not None:
                await notice_consumer.subscribe(
                    the_bus, noticing, prefetch=settings.consumer_prefetch
                )
            senders = notices.Senders(settings.mail_from, dict(settings.mail_from_by_tenant))
            jobs = JobWorker(
                run_round=partial(
                    _jobs_round,
                    uow,
                    zoom,
                    reports=policy,
                    meetings=settings.meeting_job_policy(),
                    budget=settings.zoom_host_daily_limit,
                    now=now,
                    mail=(
                        partial(
                            notices.send_due,
                            uow,
                            mailer,
                            senders=senders,
                            backoff=timedelta(seconds=settings.notice_backoff_seconds),
                        )
                        if mailer is not None
                        else None
                    ),
                ),
                poll_interval=settings.job_poll_interval_seconds,
            )
            try:
                api = grpc_api.SchedulerApi(
                    uow=uow,
                    zoom=zoom,
                    default_timezone=settings.default_timezone,
                    present_threshold=settings.attendance_present_threshold_percentage,
                    meeting_budget=settings.zoom_host_daily_limit,
                    now=now,
                )
                server = GrpcServer(
                    servicers=[(grpc_api.add_to_server, api)],
                    verifier=settings.token_verifier(),
                    policies=[POLICY],
                    host=settings.grpc_host,
                    port=settings.grpc_port,
                )
                outbox = outbox_source(settings.service_name, sessions)
                async with jobs, server, serving_metrics(settings, sources=[outbox]) as metrics:
                    yield Running(
                        settings=settings,
                        grpc_port=server.port,
                        bus=the_bus,
                        relay=relay,
                        consumer=consumer,
                        jobs=jobs,
                        metrics_port=metrics.port,
                    )
            finally:
                await the_bus.unsubscribe(consumer.name)
                if mailer is not None:
                    await the_bus.unsubscribe(noticing.name)
    finally:
        if client is not None:
            await client.close()
        if own_bus:
            await the_bus.close()
        await engine.dispose()
