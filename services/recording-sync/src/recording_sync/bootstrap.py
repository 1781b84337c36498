"""The one wiring point of recording-sync: ``running(settings)`` starts everything, stops it all.

Started, in order: the database engine, the event bus (unless one is passed in — the embedded
default shares one in-process bus between services), the outbox relay, the ``session.*``
projection consumer and the gRPC server (health SERVING once it runs). Stopping reverses the
order: the server drains, the consumer finishes the message in hand, the relay its batch.
The schema must be migrated first (``python -m recording_sync migrate``).

Callers are verified with the settings' keys (user tokens and service tokens each their own) and
every method is checked against ``entrypoints.access_rules.POLICY``; the calls recording-sync
makes itself (scheduler, zoom-gateway) carry its own service identity (``SERVICE_JWT_SECRET``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.bus import EventBus, create_bus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.gauges import outbox_source
from classbridge_common.grpc import GrpcServer
from classbridge_common.outbox import OutboxRelay
from classbridge_common.scrape import serving_metrics
from recording_sync.adapters.scheduler import SchedulerClient
from recording_sync.adapters.scheduler_sessions import SchedulerSessions
from recording_sync.adapters.storage import ObjectStorage
from recording_sync.adapters.sync_gauges import sync_jobs_source
from recording_sync.entrypoints import consumer, grpc_api
from recording_sync.entrypoints.access_rules import POLICY
from recording_sync.entrypoints.files import serving_storage
from recording_sync.entrypoints.sync_wiring import sync_running
from recording_sync.entrypoints.transcript_wiring import transcripts_running
from recording_sync.service_layer.processing import TranscriptProcessor
from recording_sync.service_layer.sync import SyncPipeline
from recording_sync.settings import Settings
from recording_sync.watcher.control import WatcherService

log = logging.getLogger(__name__)


MIGRATIONS_DIR = Path(__file__).parent / "migrations"  # shipped inside the package


@dataclass(frozen=True)
class Running:
    """A started recording-sync: where it listens and its parts (for tests and tools)."""

    settings: Settings
    grpc_port: int
    bus: EventBus
    relay: OutboxRelay
    sessions: async_sessionmaker[AsyncSession]
    pipeline: SyncPipeline
    storage: ObjectStorage
    files_port: int | None = None  # the local-storage files server (None with S3)
    watcher: WatcherService | None = None  # the local-folder watcher (WATCHER_ROOT)
    metrics_port: int | None = None  # the scrape endpoint (METRICS_PORT), if served
    transcripts: TranscriptProcessor | None = None  # a recording's text (TRANSCRIPTS_ENABLED)

    @property
    def grpc_address(self) -> str:
        host = self.settings.grpc_host
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::", "[::]") else host  # noqa: S104
        return f"{host}:{self.grpc_port}"


@asynccontextmanager
async def running(settings: Settings, *, bus: EventBus | None = None) -> AsyncIterator[Running]:
    """Start recording-sync (gRPC, relay, projection consumer); stop all on exit.

    ``bus``, when given, must be started by its owner and is left open on exit; otherwise one is
    created from ``AMQP_URL`` (or in-process) and closed here. Ports may be 0.
    """
    engine = create_engine(settings, pool_size=settings.db_pool_size, max_overflow=5)
    sessions = session_factory(engine)
    own_bus = bus is None
    the_bus: EventBus = bus if bus is not None else create_bus(settings)
    subscribed = False
    stack = contextlib.AsyncExitStack()
    try:
        if own_bus:
            await the_bus.start()
        async with (
            serving_storage(settings) as (storage, files_port),
            OutboxRelay(session_factory=sessions, bus=the_bus, max_backoff=5.0) as relay,
        ):
            await consumer.subscribe(the_bus, session_factory=sessions)
            subscribed = True
            async with (
                sync_running(
                    settings, sessions=sessions, bus=the_bus, relay=relay, storage=storage
                ) as pipeline,
                transcripts_running(
                    settings, sessions=sessions, bus=the_bus, relay=relay, storage=storage
                ) as processor,
            ):
                scheduler = SchedulerClient(
                    address=settings.scheduler_addr,
                    tokens=settings.service_tokens(),
                    timeout=settings.scheduler_timeout_seconds,
                )
                stack.push_async_callback(scheduler.close)
                directory = SchedulerSessions(  # the sessions manual uploads go to
                    address=settings.scheduler_addr,
                    tokens=settings.service_tokens(),
                    timeout=settings.scheduler_timeout_seconds,
                )
                stack.push_async_callback(directory.close)
                watcher = WatcherService(
                    settings=settings, sessions=sessions, storage=storage, on_commit=relay.notify
                )
                server = GrpcServer(
                    servicers=grpc_api.servicers(
                        pipeline=pipeline,
                        sessions=sessions,
                        storage=storage,
                        settings=settings,
                        memberships=scheduler,
                        on_commit=relay.notify,
                        watcher=watcher,
                        directory=directory,
                        processor=processor,
                    ),
                    verifier=settings.token_verifier(),
                    policies=[POLICY],
                    host=settings.grpc_host,
                    port=settings.grpc_port,
                )
                async with contextlib.AsyncExitStack() as inner:
                    inner.push_async_callback(watcher.close)  # before the storage closes
                    await watcher.boot()  # resumes the folder watcher operators left running
                    await inner.enter_async_context(server)
                    gauges = [
                        outbox_source(settings.service_name, sessions),
                        sync_jobs_source(
                            settings.service_name,
                            sessions,
                            stuck_after=timedelta(seconds=settings.sync_stuck_after_seconds),
                        ),
                    ]
                    metrics = await inner.enter_async_context(
                        serving_metrics(settings, sources=gauges)
                    )
                    log.info("recording-sync listening: gRPC %d", server.port)
                    yield Running(
                        settings=settings,
                        grpc_port=server.port,
                        bus=the_bus,
                        relay=relay,
                        sessions=sessions,
                        storage=storage,
                        files_port=files_port,
                        pipeline=pipeline,
                        watcher=watcher,
                        metrics_port=metrics.port,
                        transcripts=processor,
                    )
    finally:
        await stack.aclose()
        if subscribed:
            with contextlib.suppress(Exception):
                await the_bus.unsubscribe(consumer.CONSUMER)
        if own_bus:
            with contextlib.suppress(Exception):
                await the_bus.close()
        await engine.dispose()
