"""Zoom simulator: download throughput with flat memory for a 2 GiB file, and REST req/s
(GET /v2/meetings/{id}) against a bare Starlette endpoint on the same uvicorn setup."""

from __future__ import annotations

import asyncio
import base64
import os
import statistics
import subprocess
import sys
import textwrap
import time

import httpx

from zoomsim.client import SimClient
from zoomsim.server import run_subprocess

SIZE = 2 << 30
CONCURRENCY = 64
DURATION = 8.0


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process from /proc, in KiB."""
    vals = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                vals[line.split(":")[0]] = int(line.split()[1])
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0)


async def _token(http: httpx.AsyncClient, creds: dict) -> str:
    acc = creds["accounts"][0]
    app = next(a for a in acc["apps"] if a["kind"] == "s2s")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": acc["account_id"]},
        headers={"Authorization": f"Basic {basic}"},
    )
    return r.json()["access_token"]


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


async def hammer(base: str, path: str, headers: dict[str, str]) -> tuple[float, float, float]:
    """Keep-alive HTTP/1.1 over raw asyncio streams (an httpx pool would be the bottleneck)."""
    host, port = base.removeprefix("http://").split(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()
    lat: list[float] = []
    stop = time.perf_counter() + DURATION

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

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    dt = time.perf_counter() - t0
    lat.sort()
    return len(lat) / dt, statistics.median(lat) * 1000, lat[int(len(lat) * 0.99)] * 1000


async def rest(url: str) -> tuple[float, float, float]:
    async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
        token = await _token(http, await ctl.credentials())
        m = await ctl.create_meeting()
    return await hammer(url, f"/v2/meetings/{m['id']}", {"Authorization": f"Bearer {token}"})


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
    asyncio.run(main())
""")


def baseline() -> tuple[float, float, float]:
    proc = subprocess.Popen([sys.executable, "-c", BASELINE], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        return asyncio.run(hammer(url, "/v2/meetings/1", {}))
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    env = {"ZOOMSIM_RATE_LIMITS": "off", "ZOOMSIM_WEBHOOKS": "[]"}
    with run_subprocess(env=env) as (url, proc):
        asyncio.run(download(url, proc.pid))
        rps, p50, p99 = asyncio.run(rest(url))
    brps, bp50, bp99 = baseline()
    print(
        f"GET /v2/meetings/{{id}}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"({CONCURRENCY} connections, {DURATION:.0f} s)"
    )
    print(f"bare Starlette baseline: {brps:.0f} req/s, p50 {bp50:.1f} ms, p99 {bp99:.1f} ms")
    print(f"ratio simulator/baseline: {rps / brps:.2f}; cpus {os.cpu_count()}")
