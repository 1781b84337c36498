"""The one wiring point of webhook-ingest: `running(settings)` starts everything, stops it all.

Started, in order: the database engines, the event bus (unless one is passed in), the outbox
relay and the processor translating stored webhooks into typed events (unless
`WEBHOOK_RELAY_IN_PROCESS=false`: then `relaying` runs both, in their own process), the group
committer, the webhook key table (every tenant's keys from zoom-gateway, refreshed in
the background; the endpoint starts at once with the env keys and the first fetch joins any
webhook that needs it), the HTTP endpoint (uvicorn, programmatically), the gRPC admin server
and the retention job. The endpoint keeps accepting webhooks while the broker is down: events are
committed with their outbox rows and the relay publishes them once the broker is back (the bus is
(re)connected in the background). Stopping reverses the order so that every request that got in
is answered and every committed event stays in the outbox for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.bus import BusUnavailable, EventBus, create_bus
from classbridge_common.db import create_engine, is_postgres, session_factory
from classbridge_common.gauges import outbox_source
from classbridge_common.grpc import GrpcServer
from classbridge_common.http import bind_socket, serving_http
from classbridge_common.http_metrics import HTTPMetricsMiddleware
from classbridge_common.outbox import OutboxRelay
from classbridge_common.scrape import serving_metrics
from classbridge_common.telemetry import OTLP_ENDPOINT_ENV, Metrics, instrument_app
from webhook_ingest.adapters import event_codec
from webhook_ingest.adapters.delivery_gauges import delivery_source
from webhook_ingest.adapters.repository import EventRecord, store_batch, translate_pending
from webhook_ingest.adapters.zoom_gateway import ZoomGatewayKeys
from webhook_ingest.entrypoints import grpc_api, outgoing_api
from webhook_ingest.entrypoints.access_rules import OUTGOING_POLICY, POLICY
from webhook_ingest.entrypoints.http import (
    TENANT_PATH_PREFIXES,
    WEBHOOK_PATHS,
    WebhookEndpoint,
    create_app,
)
from webhook_ingest.outgoing_wiring import (
    Clock,
    Delivering,
    admin_webhooks,
    delivering,
    unit_of_work_factory,
    utc_now,
)
from webhook_ingest.service_layer.admin import WebhookAdmin
from webhook_ingest.service_layer.group_commit import GroupCommitter
from webhook_ingest.service_layer.ingest import Ingestor
from webhook_ingest.service_layer.keys import WebhookKeys
from webhook_ingest.service_layer.outgoing_endpoints import OutgoingWebhooks
from webhook_ingest.service_layer.processor import WebhookProcessor, translator
from webhook_ingest.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Running:
    """A started webhook-ingest: where it listens and its parts (for tests and tools)."""

    settings: Settings
    http_port: int
    grpc_port: int
    bus: EventBus | None  # None: this process does not publish (see `relaying`)
    relay: OutboxRelay | None
    committer: GroupCommitter[EventRecord]
    processor: WebhookProcessor | None
    admin: WebhookAdmin
    keys: WebhookKeys
    metrics_port: int | None = None  # the scrape endpoint (METRICS_PORT), if served
    # Outgoing webhooks: the admin use cases (control process only) and, when it runs here
    # (OUTGOING_WEBHOOK_WORKER_IN_PROCESS), the consumer and delivery worker.
    outgoing: OutgoingWebhooks | None = None
    delivering: Delivering | None = None

    @property
    def http_url(self) -> str:
        host = _client_host(self.settings.http_host)
        return f"http://{host}:{self.http_port}"

    @property
    def webhook_url(self) -> str:
        """The shared webhook URL (events verified by their account's tenant)."""
        return f"{self.http_url}/zoom/webhook"

    def tenant_webhook_url(self, tenant_id: str) -> str:
        """The webhook URL of one tenant (what its Zoom app is configured with)."""
        return f"{self.http_url}/zoom/webhook/{tenant_id}"

    @property
    def grpc_address(self) -> str:
        return f"{_client_host(self.settings.grpc_host)}:{self.grpc_port}"


class _Throttled:
    """Calls `action` at most once per `interval` seconds, and always once after the last call.

    Waking the relay after every group commit makes it run one tiny transaction per batch; under
    load, one wake-up per interval lets each relay batch carry hundreds of rows instead.
    """

    def __init__(self, action: Callable[[], None], *, interval: float) -> None:
        self._action = action
        self._interval = interval
        self._last = 0.0
        self._scheduled = False

    def __call__(self, _count: int = 0) -> None:
        loop = asyncio.get_running_loop()
        wait = self._last + self._interval - loop.time()
        if wait <= 0:
            self._fire()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_later(wait, self._fire)

    def _fire(self) -> None:
        self._scheduled = False
        self._last = asyncio.get_running_loop().time()
        self._action()


def _nothing() -> None:
    """No relay in this process to wake: the out-of-process relay polls."""


def _client_host(bound: str) -> str:
    return "127.0.0.1" if bound in ("0.0.0.0", "", "::", "[::]") else bound  # noqa: S104


def bind_http(settings: Settings) -> socket.socket:
    """The listening HTTP socket; bound once and shared by every HTTP worker process."""
    return bind_socket(settings.http_host, settings.http_port)


async def _keep_bus_connected(bus: EventBus, *, first_error: BaseException) -> None:
    """Retry `bus.start()` until it works; the relay backs off meanwhile."""
    delay = 1.0
    log.warning("event bus unavailable at start (%s); retrying in the background", first_error)
    while True:
        await asyncio.sleep(delay)
        try:
            await bus.start()
        except BusUnavailable as error:
            delay = min(delay * 2, 30.0)
            log.warning("event bus still unavailable (%s); next try in %.0fs", error, delay)
            continue
        log.info("event bus connected")
        return


async def _retention(
    admin: WebhookAdmin, settings: Settings, outgoing: OutgoingWebhooks | None = None
) -> None:
    """Every WEBHOOK_PRUNE_INTERVAL_SECONDS: stored Zoom webhooks, and the outgoing webhook
    deliveries that are done (with their attempt log), older than WEBHOOK_RETENTION_DAYS."""
    retention = timedelta(days=settings.webhook_retention_days)
    while True:
        try:
            await admin.prune_expired(retention)
            if outgoing is not None:
                await outgoing.prune(
                    older_than=retention, batch_size=settings.webhook_prune_batch_size
                )
        except Exception as error:  # a failed prune is retried next round
            log.warning("pruning webhook events failed: %s", type(error).__name__)
        await asyncio.sleep(settings.webhook_prune_interval_seconds)


def _relay(settings: Settings, engine: AsyncEngine, bus: EventBus) -> OutboxRelay:
    return OutboxRelay(
        session_factory=session_factory(engine),
        bus=bus,
        batch_size=500,
        poll_interval=settings.webhook_relay_poll_interval_seconds,
        max_backoff=5.0,
    )


def _processor(settings: Settings, engine: AsyncEngine, relay: OutboxRelay) -> WebhookProcessor:
    return WebhookProcessor(
        process=partial(translate_pending, engine, translator(event_codec.encode)),
        batch_size=500,
        poll_interval=settings.webhook_relay_poll_interval_seconds,
        after_batch=relay.notify,
    )


@asynccontextmanager
async def _webhook_keys(settings: Settings) -> AsyncIterator[WebhookKeys]:
    """The key table: the env keys (default tenant) plus every tenant's from zoom-gateway,
    fetched with this service's own token (`ZOOM_GATEWAY_ADDR` empty: the env keys only)."""
    if not settings.zoom_gateway_addr:
        async with WebhookKeys(default_secrets=settings.secrets, fetch=None) as keys:
            yield keys
        return
    async with (
        ZoomGatewayKeys(
            address=settings.zoom_gateway_addr,
            tokens=settings.service_tokens(),
            timeout=settings.zoom_gateway_timeout_seconds,
        ) as gateway,
        WebhookKeys(
            default_secrets=settings.secrets,
            fetch=gateway.fetch,
            refresh_interval=settings.webhook_keys_refresh_seconds,
            min_interval=settings.webhook_keys_min_refresh_seconds,
            miss_wait=min(1.0, settings.zoom_gateway_timeout_seconds),
        ) as keys,
    ):
        yield keys


@asynccontextmanager
async def _bus_for(settings: Settings, bus: EventBus | None) -> AsyncIterator[EventBus]:
    """`bus` as is (left open), or one from `AMQP_URL`, connected in the background if the
    broker is down at start, and closed on exit."""
    if bus is not None:
        yield bus
        return
    the_bus = create_bus(settings)
    reconnect: asyncio.Task[None] | None = None
    try:
        await the_bus.start()
    except BusUnavailable as error:
        reconnect = asyncio.create_task(_keep_bus_connected(the_bus, first_error=error))
    try:
        yield the_bus
    finally:
        if reconnect is not None:
            reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reconnect
        with contextlib.suppress(Exception):
            await the_bus.close()


@asynccontextmanager
async def relaying(
    settings: Settings, *, bus: EventBus | None = None
) -> AsyncIterator[OutboxRelay]:
    """Only the processor and the outbox relay (`python -m webhook_ingest relay`): translate
    and publish what `serve` stored.

    The stored rows make both independent of the process that committed them, so they run as
    their own process or Deployment and keep the translating and publishing work (JSON to
    protobuf, aio-pika, Python objects per message) off the CPU that answers Zoom. Several may
    run on PostgreSQL: each claims its batch with `FOR UPDATE SKIP LOCKED`. Not being woken by
    commits, they poll every `WEBHOOK_RELAY_POLL_INTERVAL_SECONDS` (and go on at once after a
    full batch).
    """
    engine = create_engine(settings, pool_size=2, max_overflow=2)
    try:
        async with (
            _bus_for(settings, bus) as the_bus,
            _relay(settings, engine, the_bus) as relay,
            _processor(settings, engine, relay),
        ):
            yield relay
    finally:
        await engine.dispose()


@asynccontextmanager
async def delivering_only(
    settings: Settings, *, bus: EventBus | None = None, clock: Clock = utc_now
) -> AsyncIterator[Delivering]:
    """Only the outgoing-webhook consumer and delivery worker (`python -m webhook_ingest
    deliver`, with `OUTGOING_WEBHOOK_WORKER_IN_PROCESS=false` on `serve`): a slow or failing
    endpoint then never competes with Zoom's webhooks for the CPU. Several may run on
    PostgreSQL: deliveries are leased `SKIP LOCKED`. The outbox event of a disabled endpoint is
    published by the relay, which polls."""
    engine = create_engine(settings, pool_size=4, max_overflow=4)
    try:
        uow = unit_of_work_factory(engine, settings.secret_box())
        backlog = delivery_source(settings.service_name, session_factory(engine), clock=clock)
        async with (
            _bus_for(settings, bus) as the_bus,
            delivering(settings, bus=the_bus, uow=uow, clock=clock) as running_delivery,
            # Its own scrape endpoint (METRICS_PORT): the attempts are counted in this process.
            serving_metrics(settings, sources=[backlog]),
        ):
            yield running_delivery
    finally:
        await engine.dispose()


def _webhook_route(scope: MutableMapping[str, Any]) -> str | None:
    """The metrics label of a webhook path: a tenant's own path is one template, never its id."""
    path = str(scope.get("path", ""))
    if path in WEBHOOK_PATHS:
        return path
    for prefix in TENANT_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "{tenant}"
    return None


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    http_socket: socket.socket | None = None,
    control: bool = True,
    clock: Clock = utc_now,
) -> AsyncIterator[Running]:
    """Start webhook-ingest (HTTP for Zoom, gRPC admin, relay, retention); stop all on exit.

    `bus`, when given, is used as is (started, and left open on exit — the embedded default
    shares one in-process bus between services); otherwise one is created from `AMQP_URL`.
    Ports may be 0: the bound ones are in the returned `Running`. The schema must be migrated
    (`python -m webhook_ingest migrate`).

    The relay runs here only with `WEBHOOK_RELAY_IN_PROCESS` (the default); otherwise
    `relaying` publishes, elsewhere. `http_socket` is an already listening socket to serve
    (the HTTP workers of `serve` share one); `control=False` starts only the HTTP path and its
    committer — no gRPC admin, relay or retention job, which the first process runs once.
    The outgoing-webhook consumer and delivery worker run here with
    `OUTGOING_WEBHOOK_WORKER_IN_PROCESS` (the default; `clock` is theirs, for tests), otherwise
    in `delivering_only` (`python -m webhook_ingest deliver`).
    """
    # The committer has its own pool without pre-ping: the ping is one more round trip per
    # batch, and a batch that fails on a dead connection is answered 503 (Zoom retries) while
    # the connection is discarded. The admin API and the relay keep the checked pool.
    concurrency = settings.webhook_batch_concurrency
    engine = create_engine(settings, pool_size=settings.db_pool_size, max_overflow=5)
    write_engine = (
        create_engine(settings, pool_size=concurrency, max_overflow=2, pool_pre_ping=False)
        if is_postgres(engine)
        else engine  # SQLite: one file, one writer — share the engine
    )
    with_relay = control and settings.webhook_relay_in_process
    background: list[asyncio.Task[None]] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            the_bus: EventBus | None = bus
            relay: OutboxRelay | None = None
            processor: WebhookProcessor | None = None
            if with_relay:
                the_bus = await stack.enter_async_context(_bus_for(settings, bus))
                relay = await stack.enter_async_context(_relay(settings, engine, the_bus))
                processor = await stack.enter_async_context(_processor(settings, engine, relay))
            wake = processor.notify if processor is not None else None
            committer: GroupCommitter[EventRecord] = GroupCommitter(
                write=partial(store_batch, write_engine),
                max_batch=settings.webhook_batch_max_size,
                max_wait=settings.webhook_batch_max_wait_ms / 1000,
                max_pending=settings.webhook_max_pending,
                concurrency=concurrency if is_postgres(engine) else 1,
                after_commit=_Throttled(wake, interval=0.02) if wake is not None else None,
                deadline=settings.webhook_store_timeout_seconds,
            )
            admin = WebhookAdmin(
                engine=engine,
                encode=event_codec.encode,
                notify_outbox=relay.notify if relay is not None else _nothing,
                prune_batch_size=settings.webhook_prune_batch_size,
            )
            await stack.enter_async_context(committer)
            keys = await stack.enter_async_context(_webhook_keys(settings))
            traced = bool(os.environ.get(OTLP_ENDPOINT_ENV))
            # Exported, or scraped (METRICS_PORT, served by the control process only): then the
            # requests are counted.
            measured = traced or (control and settings.metrics_port is not None)
            endpoint = WebhookEndpoint(
                ingestor=Ingestor(committer=committer),
                keys=keys,
                max_body_bytes=settings.webhook_max_body_bytes,
                tolerance_seconds=settings.webhook_timestamp_tolerance_seconds,
                # Counting costs tens of microseconds per request; without an exporter the
                # counts would go nowhere, so they are only kept when metrics are exported.
                metrics=Metrics.from_global() if measured else None,
            )
            app = create_app(endpoint)
            if measured:
                app.add_middleware(
                    HTTPMetricsMiddleware, routes=app.fallback.routes, template_of=_webhook_route
                )
            if traced:
                # Per-request spans cost about a third of the endpoint's CPU; they are only
                # worth it when they are exported. Log lines carry trace ids either way.
                instrument_app(app)
            own_socket = http_socket is None
            sock = bind_http(settings) if own_socket else http_socket
            assert sock is not None
            async with serving_http(app, sock, close_socket=own_socket) as http_port:
                grpc_port = 0
                metrics_port: int | None = None
                outgoing: OutgoingWebhooks | None = None
                delivery: Delivering | None = None
                if control:
                    uow = unit_of_work_factory(
                        engine,
                        settings.secret_box(),
                        on_commit=relay.notify if relay is not None else None,
                    )
                    if settings.outgoing_webhook_worker_in_process:
                        worker_bus = the_bus
                        if worker_bus is None:
                            worker_bus = await stack.enter_async_context(_bus_for(settings, bus))
                        delivery = await stack.enter_async_context(
                            delivering(settings, bus=worker_bus, uow=uow, clock=clock)
                        )
                    outgoing = await stack.enter_async_context(
                        admin_webhooks(
                            settings,
                            uow,
                            clock=clock,
                            wake_worker=delivery.worker.notify if delivery else _nothing,
                        )
                    )
                    grpc_server = GrpcServer(
                        servicers=[
                            *grpc_api.servicers(admin),
                            *outgoing_api.servicers(outgoing),
                        ],
                        verifier=settings.token_verifier(),
                        policies=[POLICY, OUTGOING_POLICY],
                        host=settings.grpc_host,
                        port=settings.grpc_port,
                    )
                    await stack.enter_async_context(grpc_server)
                    grpc_port = grpc_server.port
                    background.append(asyncio.create_task(_retention(admin, settings, outgoing)))
                    # The scrape endpoint is the control process's: HTTP workers sharing the
                    # socket would fight over its port.
                    outbox = outbox_source(settings.service_name, session_factory(engine))
                    sources = [outbox]
                    if delivery is not None:  # the backlog is reported where it is worked off
                        sources.append(
                            delivery_source(
                                settings.service_name, session_factory(engine), clock=clock
                            )
                        )
                    served = await stack.enter_async_context(
                        serving_metrics(settings, sources=sources)
                    )
                    metrics_port = served.port
                log.info("webhook-ingest listening: HTTP %d, gRPC %d", http_port, grpc_port)
                yield Running(
                    settings=settings,
                    http_port=http_port,
                    grpc_port=grpc_port,
                    bus=the_bus,
                    relay=relay,
                    committer=committer,
                    processor=processor,
                    admin=admin,
                    keys=keys,
                    metrics_port=metrics_port,
                    outgoing=outgoing,
                    delivering=delivery,
                )
    finally:
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if write_engine is not engine:
            await write_engine.dispose()
        await engine.dispose()
