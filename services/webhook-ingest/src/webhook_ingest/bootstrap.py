"""The one wiring point of webhook-ingest: `running(settings)` starts everything, stops it all.

Started, in order: the database engine, the event bus (unless one is passed in), the outbox
relay, the group committer, the HTTP endpoint (uvicorn, programmatically), the gRPC admin server
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
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

import uvicorn

from classbridge_common.auth import DEV_SECRET, TokenVerifier
from classbridge_common.bus import BusUnavailable, EventBus, create_bus
from classbridge_common.db import create_engine, is_postgres, session_factory
from classbridge_common.grpc import GrpcServer
from classbridge_common.outbox import OutboxRelay
from classbridge_common.telemetry import OTLP_ENDPOINT_ENV, Metrics, instrument_app
from webhook_ingest.adapters import event_codec
from webhook_ingest.adapters.repository import EventRecord, store_batch
from webhook_ingest.entrypoints import grpc_api
from webhook_ingest.entrypoints.http import WebhookEndpoint, create_app
from webhook_ingest.service_layer.admin import WebhookAdmin
from webhook_ingest.service_layer.group_commit import GroupCommitter
from webhook_ingest.service_layer.ingest import Ingestor
from webhook_ingest.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Running:
    """A started webhook-ingest: where it listens and its parts (for tests and tools)."""

    settings: Settings
    http_port: int
    grpc_port: int
    bus: EventBus
    relay: OutboxRelay
    committer: GroupCommitter[EventRecord]
    admin: WebhookAdmin

    @property
    def http_url(self) -> str:
        host = _client_host(self.settings.http_host)
        return f"http://{host}:{self.http_port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.http_url}/zoom/webhook"

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


def _client_host(bound: str) -> str:
    return "127.0.0.1" if bound in ("0.0.0.0", "", "::", "[::]") else bound  # noqa: S104


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: the service's lifecycle owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _http_implementation() -> str:
    try:
        import httptools  # noqa: F401
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        return "h11"
    return "httptools"


def _verifier(settings: Settings) -> TokenVerifier:
    if settings.auth_jwt_secret is not None:
        return TokenVerifier(settings.auth_jwt_secret.get_secret_value())
    return TokenVerifier(DEV_SECRET)  # CLASSBRIDGE_ENV=dev only (prod requires the secret)


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


async def _retention(admin: WebhookAdmin, settings: Settings) -> None:
    retention = timedelta(days=settings.webhook_retention_days)
    while True:
        try:
            await admin.prune_expired(retention)
        except Exception as error:  # a failed prune is retried next round
            log.warning("pruning webhook events failed: %s", type(error).__name__)
        await asyncio.sleep(settings.webhook_prune_interval_seconds)


@asynccontextmanager
async def running(settings: Settings, *, bus: EventBus | None = None) -> AsyncIterator[Running]:
    """Start webhook-ingest (HTTP for Zoom, gRPC admin, relay, retention); stop all on exit.

    `bus`, when given, is used as is (started, and left open on exit — the embedded default
    shares one in-process bus between services); otherwise one is created from `AMQP_URL`.
    Ports may be 0: the bound ones are in the returned `Running`. The schema must be migrated
    (`python -m webhook_ingest migrate`).
    """
    engine = create_engine(
        settings,
        pool_size=settings.db_pool_size + settings.webhook_batch_concurrency,
        max_overflow=5,
    )
    own_bus = bus is None
    the_bus: EventBus = bus if bus is not None else create_bus(settings)
    background: list[asyncio.Task[None]] = []
    try:
        if own_bus:
            try:
                await the_bus.start()
            except BusUnavailable as error:
                background.append(
                    asyncio.create_task(_keep_bus_connected(the_bus, first_error=error))
                )
        relay = OutboxRelay(
            session_factory=session_factory(engine),
            bus=the_bus,
            batch_size=500,
            poll_interval=1.0,
            max_backoff=5.0,
        )
        async with relay:
            committer: GroupCommitter[EventRecord] = GroupCommitter(
                write=partial(store_batch, engine),
                max_batch=settings.webhook_batch_max_size,
                max_wait=settings.webhook_batch_max_wait_ms / 1000,
                max_pending=settings.webhook_max_pending,
                concurrency=settings.webhook_batch_concurrency if is_postgres(engine) else 1,
                after_commit=_Throttled(relay.notify, interval=0.02),
            )
            admin = WebhookAdmin(
                engine=engine,
                encode=event_codec.encode,
                notify_outbox=relay.notify,
                prune_batch_size=settings.webhook_prune_batch_size,
            )
            async with committer:
                endpoint = WebhookEndpoint(
                    ingestor=Ingestor(
                        committer=committer,
                        encode=event_codec.encode,
                        timeout=settings.webhook_store_timeout_seconds,
                    ),
                    secrets=settings.secrets,
                    max_body_bytes=settings.webhook_max_body_bytes,
                    tolerance_seconds=settings.webhook_timestamp_tolerance_seconds,
                    metrics=Metrics.from_global(),
                )
                app = create_app(endpoint)
                if os.environ.get(OTLP_ENDPOINT_ENV):
                    # Per-request spans cost about a third of the endpoint's CPU; they are only
                    # worth it when they are exported. Log lines carry trace ids either way.
                    instrument_app(app)
                sock = _bind(settings.http_host, settings.http_port)
                http_port = sock.getsockname()[1]
                server = _Uvicorn(
                    uvicorn.Config(
                        app,
                        http=_http_implementation(),
                        lifespan="off",
                        access_log=False,
                        log_config=None,
                        backlog=2048,
                        timeout_keep_alive=30,
                        timeout_graceful_shutdown=10,
                    )
                )
                http_task = asyncio.create_task(server.serve(sockets=[sock]), name="http")
                try:
                    while not server.started:
                        if http_task.done():
                            http_task.result()
                            raise RuntimeError("the HTTP server stopped during start-up")
                        await asyncio.sleep(0.01)
                    grpc_server = GrpcServer(
                        servicers=grpc_api.servicers(admin),
                        verifier=_verifier(settings),
                        host=settings.grpc_host,
                        port=settings.grpc_port,
                    )
                    async with grpc_server:
                        background.append(asyncio.create_task(_retention(admin, settings)))
                        log.info(
                            "webhook-ingest listening: HTTP %d, gRPC %d",
                            http_port,
                            grpc_server.port,
                        )
                        yield Running(
                            settings=settings,
                            http_port=http_port,
                            grpc_port=grpc_server.port,
                            bus=the_bus,
                            relay=relay,
                            committer=committer,
                            admin=admin,
                        )
                finally:
                    server.should_exit = True
                    with contextlib.suppress(Exception):
                        await http_task
                    sock.close()
    finally:
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if own_bus:
            with contextlib.suppress(Exception):
                await the_bus.close()
        await engine.dispose()
