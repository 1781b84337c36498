"""Zoom simulator: download throughput with flat memory for a 2 GiB file, and REST req/s
(GET /v2/meetings/{id}) against a bare Starlette endpoint on the same uvicorn setup.

The load generator must not be the bottleneck: `wrk` is used when it is on PATH (on Debian:
`apt-get install wrk`); otherwise several Python processes share the connections. Both
servers run on uvicorn with httptools and uvloop, as `python -m zoomsim serve` does.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import httpx

from zoomsim.client import SimClient
from zoomsim.server import READY_PREFIX, run_subprocess

SIZE = 2 << 30
CONCURRENCY = 64
DURATION = 5.0
ROUNDS = 3


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process from /proc, in KiB."""
    vals = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                vals[line.split(":")[0]] = int(line.split()[1])
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0)


async def _token(http: httpx.AsyncClient, creds: dict[str, Any]) -> str:
    acc = creds["accounts"][0]
    app = next(a for a in acc["apps"] if a["kind"] == "s2s")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": acc["account_id"]},
        headers={"Authorization": f"Basic {basic}"},
    )
    token = r.json()["access_token"]
    if not isinstance(token, str):
        raise RuntimeError(f"no access token in the answer: {r.text[:200]}")
    return token


def raw_get(url: str) -> int:
    """GET over a plain socket, reading the body into one reused 1 MiB buffer."""
    import socket

    hostport, _, rest = url.removeprefix("http://").partition("/")
    host, port = hostport.split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(f"GET /{rest} HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode())
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
        header, _, body = head.partition(b"\r\n\r\n")
        length = int(header.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        got = len(body)
        while got < length:
            n = sock.recv_into(view)
            if n == 0:
                break
            got += n
        return got


async def download(url: str, pid: int) -> None:
    async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url, timeout=60) as http:
        token = await _token(http, await ctl.credentials())
        m = await ctl.create_meeting()
        await ctl.start(m["id"])
        end = await ctl.end(
            m["id"], recording={"files": [{"file_type": "MP4", "size": SIZE}], "delay": 0}
        )
        await ctl.recording_ready(m["id"])
        f = end["recording"]["files"][0]
        before = rss_kib(pid)
        r = await http.get(f["download_url"], headers={"Authorization": f"Bearer {token}"})
        loc = r.headers["location"]
        t0 = time.perf_counter()
        got = await asyncio.to_thread(raw_get, loc)
        dt = time.perf_counter() - t0
        after = rss_kib(pid)
        assert got == SIZE, got
        print(f"download 2 GiB: {SIZE / dt / 2**20:.0f} MiB/s ({dt:.1f} s)")
        print(
            f"server RSS before {before[0] / 1024:.1f} MiB, after {after[0] / 1024:.1f} MiB, "
            f"peak {after[1] / 1024:.1f} MiB"
        )


async def _hammer(
    base: str, path: str, headers: dict[str, str], connections: int, duration: float
) -> tuple[int, list[float]]:
    """Keep-alive HTTP/1.1 over raw asyncio streams (an httpx pool would be the bottleneck)."""
    host, port = base.removeprefix("http://").split(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()
    lat: list[float] = []
    stop = time.perf_counter() + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head[:80])
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                lat.append(time.perf_counter() - t)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return len(lat), lat


def _hammer_process(
    base: str, path: str, headers: dict[str, str], connections: int, duration: float
) -> tuple[int, list[float]]:
    return asyncio.run(_hammer(base, path, headers, connections, duration))


def _ms(text: str) -> float:
    """wrk's latency notation (`812.00us`, `1.20ms`, `2.01s`) in milliseconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m[2]]


def _wrk(wrk: str, url: str, headers: dict[str, str]) -> tuple[float, float, float]:
    cmd = [wrk, "-t1", f"-c{CONCURRENCY}", f"-d{DURATION:.0f}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M)[1])  # type: ignore[index]
    return rps, p50, p99


def hammer(base: str, path: str, headers: dict[str, str]) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) of GET `path` over CONCURRENCY keep-alive connections."""
    wrk = shutil.which("wrk")
    if wrk:
        return _wrk(wrk, base + path, headers)
    procs = max(1, min(4, (os.cpu_count() or 2) // 2))
    with concurrent.futures.ProcessPoolExecutor(procs) as pool:
        futs = [
            pool.submit(_hammer_process, base, path, headers, CONCURRENCY // procs, DURATION)
            for _ in range(procs)
        ]
        results = [f.result() for f in futs]
    lat = sorted(x for _, part in results for x in part)
    total = sum(n for n, _ in results)
    return total / DURATION, statistics.median(lat) * 1000, lat[int(len(lat) * 0.99)] * 1000


async def rest_target(url: str) -> tuple[str, dict[str, str]]:
    async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
        token = await _token(http, await ctl.credentials())
        m = await ctl.create_meeting()
    return f"/v2/meetings/{m['id']}", {"Authorization": f"Bearer {token}"}


BASELINE = textwrap.dedent("""
    import asyncio, uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    async def ok(request):
        return JSONResponse({"id": 85746065432, "topic": "baseline"})
    app = Starlette(routes=[Route("/v2/meetings/{id}", ok)])
    async def main():
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                               log_level="warning", access_log=False))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        print("ZOOMSIM_READY http://127.0.0.1:%d" % port, flush=True)
        await task
    from zoomsim.server import run_loop  # the simulator's loop (uvloop when installed)
    run_loop(main())
""")


@contextlib.contextmanager
def baseline_server() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-c", BASELINE], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(READY_PREFIX), line
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(10)


def _report(name: str, runs: list[tuple[float, float, float]]) -> float:
    rps = statistics.median(r[0] for r in runs)
    p50 = statistics.median(r[1] for r in runs)
    p99 = statistics.median(r[2] for r in runs)
    each = ", ".join(f"{r[0]:.0f}" for r in runs)
    print(f"{name}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms (median; runs {each})")
    return rps


def main() -> None:
    env = {"ZOOMSIM_RATE_LIMITS": "off", "ZOOMSIM_WEBHOOKS": "[]"}
    with run_subprocess(env=env) as (url, proc):
        asyncio.run(download(url, proc.pid))
        path, headers = asyncio.run(rest_target(url))
        with baseline_server() as burl:
            # alternate the two servers so a busy neighbour on the machine hits both alike
            sim_runs, base_runs = [], []
            for _ in range(ROUNDS):
                sim_runs.append(hammer(url, path, headers))
                base_runs.append(hammer(burl, "/v2/meetings/1", {}))
    gen = "wrk" if shutil.which("wrk") else "Python processes (install wrk for a lighter load)"
    print(f"{CONCURRENCY} connections, {ROUNDS} alternating runs of {DURATION:.0f} s, load: {gen}")
    rps = _report("GET /v2/meetings/{id}", sim_runs)
    brps = _report("bare Starlette baseline", base_runs)
    print(f"ratio simulator/baseline: {rps / brps:.2f}; cpus {os.cpu_count()}")
