"""The extra HTTP worker processes of `serve` when `WEBHOOK_HTTP_WORKERS` > 1.

One Python process answers Zoom on one core at most. The first process binds the listening
socket and spawns N-1 workers that inherit it (the kernel spreads connections between the
processes accepting on it); each worker runs only the webhook path and its own group committer.
Deduplication stays exact across processes: the database's unique index on the dedup key
decides which insert wins. The gRPC admin API, the retention job and the relay run once, in the
first process (or the relay elsewhere). A module of its own because spawned processes must
import their target by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import socket
from collections.abc import Coroutine
from multiprocessing.synchronize import Semaphore
from typing import Any

from classbridge_common.logging import configure_logging
from classbridge_common.telemetry import setup_telemetry
from webhook_ingest.bootstrap import running
from webhook_ingest.settings import load

log = logging.getLogger(__name__)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM/SIGINT (the process's lifecycle owns both)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


class HttpWorkers:
    """The extra HTTP worker processes of `serve` (spawned: no state inherited but the socket)."""

    def __init__(self, sock: socket.socket, count: int) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._ready = self._context.Semaphore(0)
        self._processes = [
            self._context.Process(
                target=_http_worker, args=(sock, self._ready), name=f"webhook-http-{i + 1}"
            )
            for i in range(count)
        ]
        self.failed = False

    async def start(self) -> None:
        timeout = 60.0
        for process in self._processes:
            process.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        started = 0
        while started < len(self._processes):
            if await loop.run_in_executor(None, self._ready.acquire, True, 0.2):
                started += 1
            elif loop.time() > deadline or any(p.exitcode is not None for p in self._processes):
                raise RuntimeError("an HTTP worker did not start")

    async def wait_or(self, stop: asyncio.Event) -> None:
        """Until `stop` is set or a worker dies (then the whole service stops: let the
        orchestrator restart it rather than run with fewer workers unnoticed)."""
        while not stop.is_set():
            if any(p.exitcode is not None for p in self._processes):
                log.error("an HTTP worker exited; stopping")
                self.failed = True
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)

    def terminate(self) -> None:
        for process in self._processes:
            if process.pid is not None and process.exitcode is None:
                process.terminate()

    async def join(self) -> None:
        loop = asyncio.get_running_loop()
        for process in self._processes:
            if process.pid is not None:
                await loop.run_in_executor(None, process.join, 30)
                if process.exitcode is None:
                    process.kill()


def _http_worker(sock: socket.socket, ready: Semaphore) -> None:
    """One extra HTTP worker: the webhook path and its committer on the shared socket."""
    settings = load()
    configure_logging(settings.service_name, settings.log_level)
    setup_telemetry(settings.service_name)

    async def serve() -> None:
        stop = stop_on_signals()
        async with running(settings, http_socket=sock, control=False):
            ready.release()
            await stop.wait()

    run_loop(serve())


def run_loop(coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro` on uvloop when installed (uvicorn[standard] brings it), else asyncio."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(coro)
    else:
        uvloop.run(coro)
