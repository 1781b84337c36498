"""The one wiring point of the edge: ``running(settings)`` opens the channels, serves HTTP with
uvicorn (programmatically, in a task), and closes both on exit.

The edge holds no data and consumes no events, so ``bus`` is accepted only for the shared
lifecycle signature (``make run`` passes one bus to every service) and is not used.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from classbridge_common.bus import EventBus
from classbridge_common.http import bind_socket, serving_http
from classbridge_common.http_metrics import HTTPMetricsMiddleware
from classbridge_common.scrape import serving_metrics
from classbridge_common.telemetry import instrument_app
from edge.app import create_app
from edge.clients import Clients, open_clients
from edge.routes import webhook_forward
from edge.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Running:
    """A started edge: where it listens, and its app and clients (for tests and tools)."""

    settings: Settings
    http_port: int
    app: Starlette
    clients: Clients
    metrics_port: int | None = None  # the scrape endpoint (METRICS_PORT), if served

    @property
    def http_url(self) -> str:
        host = self.settings.http_host
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::", "[::]") else host  # noqa: S104
        return f"http://{host}:{self.http_port}"


@asynccontextmanager
async def running(settings: Settings, *, bus: EventBus | None = None) -> AsyncIterator[Running]:
    """Serve the edge until the block exits; in-flight requests get a graceful shutdown."""
    del bus  # stateless: no events in or out
    async with open_clients(settings) as clients:
        app = create_app(settings=settings, clients=clients)
        try:
            # Outermost: the 401s and 429s answered before any route are counted too.
            app.add_middleware(HTTPMetricsMiddleware, routes=app.routes)
            instrument_app(app)
            sock = bind_socket(settings.http_host, settings.http_port)
            async with (
                serving_metrics(settings) as metrics,
                serving_http(app, sock, name="edge-http") as port,
            ):
                log.info("edge listening on HTTP port %d", port)
                yield Running(
                    settings=settings,
                    http_port=port,
                    app=app,
                    clients=clients,
                    metrics_port=metrics.port,
                )
        finally:
            # The shared rate-limit buckets hold a database pool when the edge has a database;
            # the server runs without lifespan events, so its lifetime ends here; likewise the
            # client that forwards Zoom's webhooks.
            await app.state.rate_limiter.aclose()
            await webhook_forward.close_client(app.state)
