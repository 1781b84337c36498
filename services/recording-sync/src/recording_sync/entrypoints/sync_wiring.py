"""Wiring of the sync pipeline (flow 4) for ``bootstrap.running``: gateway client, downloader,
pipeline, the Zoom-event consumer and the background loops, started and stopped together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.bus import EventBus
from classbridge_common.outbox import OutboxRelay
from recording_sync.adapters.downloader import Downloader
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.adapters.sync_repository import SyncUnitOfWork
from recording_sync.adapters.zoom_gateway import ZoomGatewayClient
from recording_sync.domain.sync_job import SyncJob
from recording_sync.entrypoints import sweeper, sync_consumer
from recording_sync.service_layer import retention
from recording_sync.service_layer.reconcile import Reconciler
from recording_sync.service_layer.sync import SyncPipeline, SyncPolicy
from recording_sync.settings import Settings


def policy(settings: Settings) -> SyncPolicy:
    """The pipeline's knobs from the settings."""
    return SyncPolicy(
        sweep_delay=timedelta(seconds=settings.sync_sweep_delay_seconds),
        retry_interval=timedelta(seconds=settings.sync_retry_interval_seconds),
        max_attempts=settings.sync_max_attempts,
        file_concurrency=settings.sync_file_concurrency,
        download_tries=settings.sync_download_tries,
        download_backoff=settings.sync_download_backoff_seconds,
        lease=timedelta(seconds=settings.sync_lease_seconds),
        heartbeat=timedelta(seconds=settings.sync_heartbeat_seconds),
        reconcile_window=timedelta(days=settings.sync_reconcile_window_days),
    )


@contextlib.asynccontextmanager
async def sync_running(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    relay: OutboxRelay,
    storage: ObjectStorage,
) -> AsyncIterator[SyncPipeline]:
    """Start the pipeline, its consumer and background loops; stop them (runs in flight
    release their leases, so another replica or the next start takes them over at once)."""
    tokens = settings.service_tokens()  # recording-sync's own identity (SERVICE_JWT_SECRET)
    gateway = ZoomGatewayClient(
        address=settings.zoom_gateway_addr,
        tokens=tokens,
        timeout=settings.zoom_gateway_timeout_seconds,
    )
    hosts = tuple(h.strip() for h in settings.zoom_download_hosts.split(",") if h.strip())
    downloader = Downloader(local_hosts=hosts)

    async def copy_allowed(uow: SyncUnitOfWork, job: SyncJob) -> bool:
        return await retention.copy_allowed(
            uow.rows, tenant_id=job.tenant_id, course_id=job.course_id
        )

    pipeline = SyncPipeline(
        sessions=sessions,
        storage=storage,
        gateway=gateway,
        downloader=downloader,
        policy=policy(settings),
        on_commit=relay.notify,
        copy_allowed=copy_allowed,
    )
    reconciler = Reconciler(pipeline=pipeline, gateway=gateway)
    staging_age = timedelta(seconds=settings.storage_staging_max_age_seconds)

    async def janitor() -> None:
        await pipeline.purge()
        await storage.remove_abandoned(older_than=staging_age)

    async def zoom_cleanup() -> None:
        await retention.zoom_cleanup_once(
            sessions=sessions, storage=storage, gateway=gateway, clock=lambda: datetime.now(UTC)
        )

    consumer = sync_consumer.RecordingConsumer(
        pipeline=pipeline, session_factory=sessions, on_commit=relay.notify
    )
    passes = {
        "poll": (settings.sync_poll_seconds, lambda: pipeline.poll_once(wait=False)),
        "sweep": (settings.sync_sweep_interval_seconds, pipeline.plan_once),
        "reconcile": (settings.sync_reconcile_interval_seconds, reconciler.reconcile_once),
        "janitor": (settings.storage_janitor_interval_seconds, janitor),
        "zoom-cleanup": (settings.sync_zoom_cleanup_interval_seconds, zoom_cleanup),
    }
    subscribed = False
    try:
        await sync_consumer.subscribe(bus, consumer=consumer)
        subscribed = True
        async with sweeper.looping(passes):
            yield pipeline
    finally:
        if subscribed:
            with contextlib.suppress(Exception):
                await bus.unsubscribe(sync_consumer.CONSUMER)
        await pipeline.stop()
        await downloader.close()
        await gateway.close()
