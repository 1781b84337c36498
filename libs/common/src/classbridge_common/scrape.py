"""The Prometheus scrape endpoint every service serves: ``GET /metrics`` on ``METRICS_PORT``.

It is a small asyncio HTTP/1.1 server of its own (not the service's API port, so the API's
authentication and rate limits do not apply to it and the metrics never leave through the front
door; in Kubernetes only Prometheus' namespace may reach the port). It serves the text format of
the process's :class:`~classbridge_common.telemetry.Telemetry` registry, after refreshing the
database gauges (:mod:`classbridge_common.gauges`), and answers nothing but ``GET``/``HEAD
/metrics`` (405 for another method, 404 for another path, 400 for a malformed request). Each
connection gets one answer and is closed; a client that sends nothing within a few seconds is
dropped, and :func:`serving_metrics` closes the server and its connections on exit.

Labels are what the instruments record: route templates, status codes, method names, consumer
names, never ids, tokens or tenants.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Final, Self

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from classbridge_common.gauges import GaugeBoard, GaugeSource, default_board, refreshing
from classbridge_common.settings import ServiceSettings
from classbridge_common.telemetry import Telemetry, current_telemetry, setup_telemetry

__all__ = ["METRICS_PATH", "MetricsEndpoint", "serving_metrics"]

log = logging.getLogger(__name__)

METRICS_PATH: Final = "/metrics"
_MAX_HEAD_BYTES: Final = 8192
_READ_TIMEOUT: Final = 5.0
_REASONS: Final = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


class MetricsEndpoint:
    """An HTTP server answering ``GET /metrics`` with ``registry``'s text exposition.

    ``async with MetricsEndpoint(registry, port=0) as endpoint`` binds (port 0: a free one,
    then ``endpoint.port``) and closes on exit, waiting for the answers in progress.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        host: str = "0.0.0.0",  # noqa: S104 - Prometheus scrapes the pod's address
        port: int = 0,
        board: GaugeBoard | None = None,
    ) -> None:
        self._registry = registry
        self._host = host
        self._requested_port = port
        self._board = board
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._idle: set[asyncio.Task[None]] = set()  # connected, request not read yet
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, self._host, self._requested_port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening, let answers in progress finish (a few seconds at most), then go."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._idle):
            task.cancel()  # still waiting for a request: there is nothing to finish
        if self._connections:
            _, pending = await asyncio.wait(list(self._connections), timeout=_READ_TIMEOUT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            self._idle.add(task)
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away or said nothing: nothing to answer
        finally:
            if task is not None:
                self._connections.discard(task)
                self._idle.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
        except asyncio.LimitOverrunError:
            await _respond(writer, 400, b"request head too large\n")
            return
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._idle.discard(task)
        if len(head) > _MAX_HEAD_BYTES:
            await _respond(writer, 400, b"request head too large\n")
            return
        parts = head.split(b"\r\n", 1)[0].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            await _respond(writer, 400, b"malformed request line\n")
            return
        method, target = parts[0], parts[1].split(b"?", 1)[0]
        if target != METRICS_PATH.encode():
            await _respond(writer, 404, b"only /metrics is served here\n")
            return
        if method not in (b"GET", b"HEAD"):
            await _respond(writer, 405, b"use GET\n", extra=[("Allow", "GET, HEAD")])
            return
        if self._board is not None:
            await self._board.refresh()
        try:
            body = generate_latest(self._registry)
        except Exception:
            log.exception("metrics could not be collected")
            await _respond(writer, 500, b"metrics could not be collected\n")
            return
        await _respond(
            # Text format 0.0.4: what every Prometheus (2.x too) reads; our names are plain.
            writer,
            200,
            body,
            content_type=CONTENT_TYPE_PLAIN_0_0_4,
            head_only=method == b"HEAD",
        )


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes,
    *,
    content_type: str = "text/plain; charset=utf-8",
    extra: Sequence[tuple[str, str]] = (),
    head_only: bool = False,
) -> None:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        ("Connection", "close"),
        *extra,
    ]
    lines = [f"HTTP/1.1 {status} {_REASONS[status]}", *(f"{k}: {v}" for k, v in headers)]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    if not head_only:
        writer.write(body)
    await writer.drain()


@dataclass(frozen=True)
class ServingMetrics:
    """What :func:`serving_metrics` started: the bound port (None: no endpoint)."""

    port: int | None


@contextlib.asynccontextmanager
async def serving_metrics(
    settings: ServiceSettings,
    *,
    sources: Sequence[GaugeSource] = (),
    board: GaugeBoard | None = None,
    telemetry: Telemetry | None = None,
) -> AsyncIterator[ServingMetrics]:
    """A service's metrics for as long as the block runs: its database gauges (``sources``) on
    the board, and the scrape endpoint on ``settings.metrics_port`` (unset: no endpoint; 0: a
    free port). ``telemetry`` and ``board`` default to the process's; telemetry is set up for
    the service if nothing set it up yet (a service started by a test or a tool rather than
    ``python -m <service> serve``)."""
    the_board = board if board is not None else default_board()
    removers = [the_board.add(source) for source in sources]
    try:
        async with contextlib.AsyncExitStack() as stack:
            telemetry = telemetry or current_telemetry()
            if telemetry is not None and telemetry.exporting:
                await stack.enter_async_context(
                    refreshing(the_board, interval=settings.metrics_refresh_seconds)
                )
            port: int | None = None
            if settings.metrics_port is not None:
                telemetry = telemetry or setup_telemetry(settings.service_name)
                endpoint = await stack.enter_async_context(
                    MetricsEndpoint(
                        telemetry.registry,
                        host=settings.metrics_host,
                        port=settings.metrics_port,
                        board=the_board,
                    )
                )
                port = endpoint.port
                log.info("metrics served on port %d%s", port, METRICS_PATH)
            yield ServingMetrics(port=port)
    finally:
        for remove in removers:
            remove()
