"""Serving a Starlette app with uvicorn inside a service's own lifecycle.

Services bind their socket first (so port 0 gives a known port before anything starts, and several
worker processes can share one socket), then run uvicorn as a task of their `running(...)`
lifecycle. uvicorn's own signal handling is switched off: the service's command line owns
SIGTERM and stops every part of the service in order, the HTTP server draining in-flight requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn

__all__ = ["bind_socket", "serving_http"]


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service's lifecycle owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """A listening, non-blocking TCP socket on ``host:port`` (0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()  # a port in use must not also leak the socket
        raise
    return sock


@contextlib.asynccontextmanager
async def serving_http(
    app: Any,
    sock: socket.socket,
    *,
    name: str = "http",
    graceful_shutdown: float = 10,
    keep_alive: float = 30,
    close_socket: bool = True,
) -> AsyncIterator[int]:
    """Serve ``app`` on ``sock`` until the block exits; yields the bound port.

    httptools and uvloop are used when installed (uvicorn's ``auto``); no access log (one log
    line per request halves a hot endpoint's rate, and URLs may carry what logs must not).
    """
    server = _Server(
        uvicorn.Config(
            app,
            lifespan="off",
            access_log=False,
            log_config=None,
            timeout_keep_alive=int(keep_alive),
            timeout_graceful_shutdown=int(graceful_shutdown),
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"the {name} server stopped during start-up")
            await asyncio.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task
        if close_socket:
            sock.close()
