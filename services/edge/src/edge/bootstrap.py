"""The one wiring point of the edge: ``running(settings)`` opens the channels, serves HTTP with
uvicorn (programmatically, in a task), and closes both on exit.

The edge holds no data and consumes no events, so ``bus`` is accepted only for the shared
lifecycle signature (``make run`` passes one bus to every service) and is not used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from classbridge_common.bus import EventBus
from classbridge_common.telemetry import instrument_app
from edge.app import create_app
from edge.clients import Clients, open_clients
from edge.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Running:
    """A started edge: where it listens, and its app and clients (for tests and tools)."""

    settings: Settings
    http_port: int
    app: Starlette
    clients: Clients

    @property
    def http_url(self) -> str:
        host = self.settings.http_host
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::", "[::]") else host  # noqa: S104
        return f"http://{host}:{self.http_port}"


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: the service's lifecycle owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so port 0 gives a known port at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


@asynccontextmanager
async def running(settings: Settings, *, bus: EventBus | None = None) -> AsyncIterator[Running]:
    """Serve the edge until the block exits; in-flight requests get a graceful shutdown."""
    del bus  # stateless: no events in or out
    async with open_clients(settings) as clients:
        app = create_app(settings=settings, clients=clients)
        instrument_app(app)
        sock = _bind(settings.http_host, settings.http_port)
        port = sock.getsockname()[1]
        server = _Uvicorn(
            uvicorn.Config(
                app,
                lifespan="off",
                access_log=False,
                log_config=None,
                timeout_keep_alive=30,
                timeout_graceful_shutdown=10,
            )
        )
        task = asyncio.create_task(server.serve(sockets=[sock]), name="edge-http")
        try:
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("the HTTP server stopped during start-up")
                await asyncio.sleep(0.01)
            log.info("edge listening on HTTP port %d", port)
            yield Running(settings=settings, http_port=port, app=app, clients=clients)
        finally:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await task
            sock.close()
