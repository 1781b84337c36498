"""Running the simulator on a real socket: in this process (an asyncio task) or as a child
process (`python -m zoomsim serve`), each yielding the base URL once it is listening.

With the `separate_cdn` fidelity switch on when it starts, the simulator also listens on a
second port for its CDN, named by another host name for loopback (`cdn_host`, `localhost` while
the API is `127.0.0.1`): a different origin, as Zoom's CDN is, without touching /etc/hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

import uvicorn

from zoomsim.app import Simulator

READY_PREFIX = "ZOOMSIM_READY "
T = TypeVar("T")


def uvicorn_config(
    sim: Simulator,
    host: str,
    port: int,
    *,
    access_log: bool = False,
    lifespan: str = "on",
    **kw: object,
) -> uvicorn.Config:
    """uvicorn as the simulator runs it: httptools and uvloop when installed (`auto`), no
    access log unless asked for (one log line per request halves the request rate)."""
    return uvicorn.Config(
        sim.app,
        host=host,
        port=port,
        log_level="info" if access_log else "warning",
        lifespan=lifespan,  # type: ignore[arg-type]
        access_log=access_log,
        http="auto",
        loop="auto",
        **kw,  # type: ignore[arg-type]
    )


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on uvloop when it is installed. `uvicorn.Server.serve()` awaited inside
    `asyncio.run` would otherwise run on the slower stdlib loop whatever `loop=` says."""
    factory = uvicorn.Config(app=None, loop="auto").get_loop_factory()  # type: ignore[arg-type]
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


async def _started(server: uvicorn.Server) -> tuple[asyncio.Task[None], int]:
    """Start `server` in this loop; (its task, the port it listens on)."""
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.01)
    return task, int(server.servers[0].sockets[0].getsockname()[1])


@contextlib.asynccontextmanager
async def cdn_listener(sim: Simulator, host: str) -> AsyncIterator[str | None]:
    """The CDN's own port (`separate_cdn`); yields its base URL, or None when the switch is
    off. No lifespan: the API's server starts and stops the simulator."""
    fid = sim.config.fidelity
    if not fid.separate_cdn:
        yield None
        return
    server = uvicorn.Server(uvicorn_config(sim, host, fid.cdn_port, lifespan="off"))
    task, port = await _started(server)
    sim.cdn_port = port
    sim.bound_cdn_url = f"http://{fid.cdn_host}:{port}"
    try:
        yield sim.bound_cdn_url
    finally:
        server.should_exit = True
        await task
        sim.cdn_port = sim.bound_cdn_url = None


@contextlib.asynccontextmanager
async def serve_in_process(
    sim: Simulator, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve `sim` with uvicorn in this event loop; yields `http://host:port` (the CDN, when
    on its own port, is at `sim.cdn_base()`)."""
    server = uvicorn.Server(uvicorn_config(sim, host, port))
    task, bound = await _started(server)
    url = f"http://{host}:{bound}"
    sim.bound_base_url = url
    try:
        async with cdn_listener(sim, host):
            yield url
    finally:
        server.should_exit = True
        await task


@contextlib.contextmanager
def run_subprocess(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30.0
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start `python -m zoomsim serve --port 0 ARGS...`; yields (base URL, process)."""
    cmd = [sys.executable, "-m", "zoomsim", "serve", "--port", "0", "--quiet", *args]
    proc = subprocess.Popen(  # noqa: S603
        cmd,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            if line.startswith(READY_PREFIX):
                url = line[len(READY_PREFIX) :].strip()
                break
        if not url:
            raise RuntimeError(f"zoomsim exited with {proc.wait(timeout)} before it was ready")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
