"""webhook-ingest: signed webhooks accepted per second, every one durably committed
(PostgreSQL, group commit) before its 200, against a bare Starlette endpoint that reads the body
and returns 200 on the same uvicorn setup (httptools, uvloop) — measured honestly:

- the baseline and the ingest are interleaved in every round (baseline at N senders, then the
  ingest at N senders), so both see the same machine at the same moment;
- at least three rounds, each at 10, 100 and 128 senders; min/median/max printed of each, and
  of the per-round ratio ingest / baseline, against the goal of 0.5;
- the relay runs as in production: its own process (`python -m webhook_ingest relay`, with
  `WEBHOOK_RELAY_IN_PROCESS=false` on the server), translating and publishing to RabbitMQ
  (`AMQP_URL`, default the local broker, a throwaway exchange) all the time — never paused;
- afterwards, the time the relay takes to drain the backlog (every stored row translated and
  published), and every 200 the load generator saw checked against the rows stored.

One HTTP process (as the issue's table). The last line reads `ratio=<median at 128 senders>`.
This machine has two cores shared by the load generator, both servers, the relay, PostgreSQL and
RabbitMQ: the figures are indicative, the ratio (same conditions for both) less so than the
absolute rates.

Load comes from `wrk` (installed with apt-get when missing and running as root) with a Lua
script cycling through pre-generated, uniquely signed bodies (timestamps inside the window).
Without wrk, several Python processes with raw keep-alive sockets generate the load instead.
Database: `DATABASE_URL` if set, else postgresql+asyncpg://postgres@127.0.0.1:5432/test, in a
throwaway schema.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
SECRET = "bench-webhook-secret"
# Zoom delivers from many connections at once, and group commit needs concurrent requests to
# fill its batches: with 64 the server idles between commits (about a quarter of a core), with
# 128 it does not. The baseline gets the same connections.
CONNECTIONS = 128  # senders of the current pass (set by `_senders`)
PACED_CONNECTIONS = 128  # a fixed-rate pass: enough idle connections to keep the schedule
SENDERS = (10, 100, 128)
ROUNDS = 3
GOAL = 0.5
THREADS = 2
DURATION_S = 5
WARMUP_S = 2
# Unique bodies per ingest pass (a repeated body is a duplicate: 200, no row).
PASS_BODIES = 30_000
WARM_BODIES = 12_000


# --- servers -------------------------------------------------------------------------------


def baseline_app() -> Any:
    """A bare Starlette endpoint that reads the body and returns 200."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    ok = Response(b'{"status":"stored"}', media_type="application/json")

    async def webhook(request: Request) -> Response:
        await request.body()
        return ok

    return Starlette(routes=[Route("/zoom/webhook", webhook, methods=["POST"])])


def _serve_baseline(port: int, workers: int) -> None:
    """`baseline_app` on the same uvicorn setup, with `workers` processes."""
    import uvicorn

    print(f"ready http={port}", flush=True)
    uvicorn.run(
        "bench.bench_webhook_ingest:baseline_app",
        factory=True,
        workers=workers,
        host="127.0.0.1",
        port=port,
        http="httptools",
        loop="uvloop",
        access_log=False,
        log_level="warning",
        lifespan="off",
        backlog=2048,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(rb"http=(\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    port = int(match.group(1))
    deadline = time.monotonic() + 30
    while True:  # "ready" may be printed just before the socket listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return process, port


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


# --- bodies ---------------------------------------------------------------------------------


def _bodies(count: int, prefix: str) -> tuple[list[str], list[str], str]:
    """Unique participant_joined bodies, their signatures and the shared timestamp."""
    import hashlib
    import hmac

    stamp = str(int(time.time()))
    bodies, signatures = [], []
    for i in range(count):
        body = json.dumps(
            {
                "event": "meeting.participant_joined",
                "event_ts": 1741618862000 + i,
                "payload": {
                    "account_id": "AAAA",
                    "object": {
                        "id": "85746065432",
                        "uuid": f"{prefix}-meeting==",
                        "host_id": "h",
                        "topic": "Bench",
                        "type": 2,
                        "start_time": "2025-03-10T15:00:03Z",
                        "duration": 60,
                        "participant": {
                            "user_id": str(i),
                            "user_name": f"Student {i}",
                            "id": "",
                            "participant_uuid": f"{prefix}-{i}",
                            "join_time": "2025-03-10T15:01:02Z",
                            "email": "",
                        },
                    },
                },
            },
            separators=(",", ":"),
        )
        digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
        bodies.append(body)
        signatures.append("v0=" + digest.hexdigest())
    return bodies, signatures, stamp


_LUA = r"""
local bodies, sigs, stamp = {}, {}, "%(stamp)s"
local counter = 0
local threads = {}
-- Fixed rate: this thread's requests are due every interval_ms (0 = as fast as possible).
local interval_ms = %(interval_ms)s
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end
local next_slot = nil

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local n = 0
  local f = io.open("%(path)s", "r")
  for line in f:lines() do
    if n %% %(threads)d == tid then
      local tab = line:find("\t")
      table.insert(sigs, line:sub(1, tab - 1))
      table.insert(bodies, line:sub(tab + 1))
    end
    n = n + 1
  end
  f:close()
end

function request()
  counter = counter + 1
  local i = ((counter - 1) %% #bodies) + 1
  return wrk.format("POST", "/zoom/webhook", {
    ["Content-Type"] = "application/json; charset=utf-8",
    ["x-zm-request-timestamp"] = stamp,
    ["x-zm-signature"] = sigs[i],
  }, bodies[i])
end

if interval_ms > 0 then
  function delay()
    local now = now_ms()
    if next_slot == nil or next_slot < now - 1000 then next_slot = now end
    next_slot = next_slot + interval_ms
    local wait = next_slot - now
    if wait < 0 then return 0 end
    return math.floor(wait)
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT {\"requests\":%%d,\"non2xx\":%%d,\"errors\":%%d,\"seconds\":%%f,"
    .. "\"p50_ms\":%%f,\"p99_ms\":%%f}\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _senders(count: int) -> None:
    global CONNECTIONS
    CONNECTIONS = count


def _wrk(port: int, data: Path, stamp: str, *, seconds: int, rate: float = 0) -> dict[str, Any]:
    """One wrk run; `rate` > 0 paces it to that many requests per second in all."""
    interval_ms = THREADS * 1000 / rate if rate else 0
    connections = PACED_CONNECTIONS if rate else CONNECTIONS
    script = data.with_suffix(f".{int(rate)}.lua")
    script.write_text(
        _LUA
        % {"stamp": stamp, "path": str(data), "threads": THREADS, "interval_ms": repr(interval_ms)}
    )
    threads = min(THREADS, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "5s", "-s", str(script), f"http://127.0.0.1:{port}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr.strip()[:500]}")
    out = result.stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    summary = json.loads(line.removeprefix("RESULT "))
    if not isinstance(summary, dict):
        raise RuntimeError(f"wrk printed no JSON object: {line[:200]}")
    return summary


# --- fallback load generator (no wrk) -------------------------------------------------------


def _py_worker(args: tuple[int, list[tuple[str, str]], str, float, int, float]) -> list[float]:
    port, items, stamp, seconds, conns, delay = args

    async def run() -> list[float]:
        latencies: list[float] = []
        end = time.perf_counter() + seconds
        queue = iter(items)

        async def conn() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for signature, body in queue:
                if time.perf_counter() > end:
                    break
                raw = body.encode()
                head = (
                    f"POST /zoom/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    f"\r\nx-zm-request-timestamp: {stamp}\r\nx-zm-signature: {signature}\r\n"
                    f"Content-Length: {len(raw)}\r\n\r\n"
                ).encode()
                t0 = time.perf_counter()
                writer.write(head + raw)
                headers = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"content-length: (\d+)", headers.lower()).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
                if headers.startswith(b"HTTP/1.1 200"):
                    latencies.append(time.perf_counter() - t0)
                if delay:
                    await asyncio.sleep(delay)
            writer.close()

        await asyncio.gather(*(conn() for _ in range(conns)))
        return latencies

    return asyncio.run(run())


def _python_load(
    port: int, lines: list[tuple[str, str]], stamp: str, *, seconds: int, rate: float = 0
) -> dict[str, Any]:
    procs = max(1, (os.cpu_count() or 2) - 1)
    share = [lines[i::procs] for i in range(procs)]
    delay = CONNECTIONS / rate if rate else 0.0  # approximate: latency adds to each cycle
    t0 = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        parts = pool.map(
            _py_worker,
            [(port, s, stamp, seconds, CONNECTIONS // procs, delay) for s in share],
        )
    elapsed = time.perf_counter() - t0
    lat = sorted(x for p in parts for x in p)
    q = statistics.quantiles(lat, n=100) if len(lat) > 100 else [0.0] * 99
    return {
        "requests": len(lat),
        "non2xx": 0,
        "errors": 0,
        "seconds": elapsed,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


# --- the benchmark --------------------------------------------------------------------------


def _ensure_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, check=False)
    return shutil.which("wrk") is not None


async def _schema(url: str, schema: str, *, drop: bool) -> None:
    from classbridge_common.testing import create_schema, drop_schema

    await (drop_schema(url, schema) if drop else create_schema(url, schema))


async def _counts(settings: Any) -> tuple[int, int, int]:
    """(events stored, outbox rows published, events not published yet: not translated yet
    or their outbox row not confirmed)."""
    from sqlalchemy import text

    from classbridge_common.db import create_engine

    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT count(*) FROM webhook_events"))).scalar_one()
            published, pending = (
                await conn.execute(
                    text("SELECT count(published_at), count(*) - count(published_at) FROM outbox")
                )
            ).one()
            untranslated = (
                await conn.execute(
                    text("SELECT count(*) FROM webhook_events WHERE kind = 'pending'")
                )
            ).scalar_one()
        return int(rows), int(published), int(pending) + int(untranslated)
    finally:
        await engine.dispose()


async def _drop_exchange(url: str, exchange: str) -> None:
    import aio_pika

    try:
        connection = await aio_pika.connect(url, timeout=5)
    except Exception:  # the broker is gone: nothing to clean
        return
    async with connection:
        channel = await connection.channel()
        for name in (exchange, f"{exchange}.dlx"):
            try:
                await channel.exchange_delete(name)
            except Exception:  # noqa: S112 - best effort
                continue


def _data(tmp: str, name: str, prefix: str, count: int) -> tuple[Path, list[tuple[str, str]], str]:
    bodies, sigs, stamp = _bodies(count, f"{prefix}-{name}")
    lines = list(zip(sigs, bodies, strict=True))
    data = Path(tmp) / f"{name}.tsv"
    data.write_text("".join(f"{s}\t{b}\n" for s, b in lines))
    return data, lines, stamp


def _load(
    port: int,
    pass_data: tuple[Path, list[tuple[str, str]], str],
    use_wrk: bool,
    *,
    seconds: int,
    rate: float = 0,
) -> dict[str, Any]:
    data, lines, stamp = pass_data
    if use_wrk:
        return _wrk(port, data, stamp, seconds=seconds, rate=rate)
    return _python_load(port, lines, stamp, seconds=seconds, rate=rate)


def _ok(r: dict[str, Any]) -> int:
    return int(r["requests"] - r["non2xx"])


def _show(name: str, r: dict[str, Any]) -> float:
    rate = _ok(r) / r["seconds"] if r["seconds"] else 0.0
    print(
        f"  {name:<40} {rate:7.0f} req/s 200s  p50 {r['p50_ms']:7.2f} ms  "
        f"p99 {r['p99_ms']:7.2f} ms  (non-2xx {r['non2xx']}, socket errors {r['errors']})"
    )
    return rate


def _wait_until_published(env: dict[str, str], limit: float = 60.0) -> float:
    """Seconds until the outbox is empty of unpublished rows (or ``limit``)."""
    settings = _bench_settings(env)
    t0 = time.monotonic()
    while asyncio.run(_counts(settings))[2] and time.monotonic() - t0 < limit:
        time.sleep(0.2)
    return time.monotonic() - t0


def _bench_settings(env: dict[str, str]) -> Any:
    from classbridge_common.settings import load_settings
    from webhook_ingest.settings import Settings

    return load_settings(
        Settings,
        zoom_webhook_secret_tokens=SECRET,
        database_url=env["DATABASE_URL"],
        db_schema=env["DB_SCHEMA"],
        amqp_url=None,
    )


def _stats(values: list[float]) -> str:
    return (
        f"min {min(values):7.2f}  median {statistics.median(values):7.2f}  max {max(values):7.2f}"
    )


def main() -> None:
    from classbridge_common.db.migrations import upgrade_to_head
    from classbridge_common.testing import unique_name
    from webhook_ingest.bootstrap import MIGRATIONS_DIR

    url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    amqp = os.environ.get("AMQP_URL") or DEFAULT_AMQP
    schema = unique_name("bench_wi")
    exchange = f"bench.{schema}"
    use_wrk = _ensure_wrk()
    print(
        f"  load generator: {'wrk' if use_wrk else 'python processes'}, senders {SENDERS}, "
        f"{ROUNDS} rounds of {DURATION_S} s, baseline interleaved; store: PostgreSQL (schema "
        f"{schema}), group commit; relay: own process, running -> RabbitMQ (exchange {exchange})"
    )
    asyncio.run(_schema(url, schema, drop=False))
    root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        "ZOOM_WEBHOOK_SECRET_TOKENS": SECRET,
        "DATABASE_URL": url,
        "DB_SCHEMA": schema,
        "AMQP_URL": amqp,
        "EVENTS_EXCHANGE": exchange,
        "WEBHOOK_RELAY_IN_PROCESS": "false",
        "WEBHOOK_RELAY_POLL_INTERVAL_SECONDS": "0.05",
        "ZOOM_GATEWAY_ADDR": "",
        "HTTP_PORT": "0",
        "GRPC_PORT": "0",
        "HTTP_HOST": "127.0.0.1",
        "GRPC_HOST": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        "CLASSBRIDGE_ENV": "dev",
    }
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)  # nothing exports, as by default
    settings = _bench_settings(env)
    base: dict[int, list[float]] = {n: [] for n in SENDERS}
    ingest: dict[int, list[float]] = {n: [] for n in SENDERS}
    ratios: dict[int, list[float]] = {n: [] for n in SENDERS}
    p99: dict[int, list[float]] = {n: [] for n in SENDERS}
    accepted = 0
    wrapped = 0
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            asyncio.run(upgrade_to_head(settings, MIGRATIONS_DIR))
            baseline_data = _data(tmp, "baseline", schema, WARM_BODIES)
            warm_data = _data(tmp, "warm", schema, WARM_BODIES)
            base_proc, base_port = _start(
                [sys.executable, __file__, "--serve-baseline", str(_free_port()), "1"], env
            )
            processes.append(base_proc)
            ingest_proc, ingest_port = _start(
                [sys.executable, "-m", "webhook_ingest", "serve"],
                {**env, "WEBHOOK_HTTP_WORKERS": "1"},
            )
            processes.append(ingest_proc)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "webhook_ingest", "relay"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            _senders(max(SENDERS))
            _load(base_port, baseline_data, use_wrk, seconds=WARMUP_S)
            warm = _load(ingest_port, warm_data, use_wrk, seconds=WARMUP_S)
            accepted += _ok(warm)
            wrapped += warm["requests"] > WARM_BODIES
            for round_no in range(ROUNDS):
                for senders in SENDERS:
                    _senders(senders)
                    data = _data(tmp, f"r{round_no}-c{senders}", schema, PASS_BODIES)
                    b = _load(base_port, baseline_data, use_wrk, seconds=DURATION_S)
                    i = _load(ingest_port, data, use_wrk, seconds=DURATION_S)
                    b_rate, i_rate = _ok(b) / b["seconds"], _ok(i) / i["seconds"]
                    base[senders].append(b_rate)
                    ingest[senders].append(i_rate)
                    ratios[senders].append(i_rate / b_rate if b_rate else 0.0)
                    p99[senders].append(float(i["p99_ms"]))
                    accepted += _ok(i)
                    wrapped += i["requests"] > PASS_BODIES
                    print(
                        f"  round {round_no + 1}, {senders:3d} senders: baseline {b_rate:7.0f}/s, "
                        f"ingest {i_rate:7.0f}/s (p99 {i['p99_ms']:.1f} ms, non-2xx "
                        f"{i['non2xx']}, errors {i['errors']}), ratio {ratios[senders][-1]:.2f}",
                        flush=True,
                    )
                    Path(data[0]).unlink()
            drained = _wait_until_published(env)
            rows, published, pending = asyncio.run(_counts(settings))
        finally:
            for process in reversed(processes):
                _stop(process)
            asyncio.run(_schema(url, schema, drop=True))
            asyncio.run(_drop_exchange(amqp, exchange))

    print(f"  -- one HTTP process, relay running in its own process; goal ratio >= {GOAL}")
    for senders in SENDERS:
        print(f"  {senders:3d} senders  baseline req/s   {_stats(base[senders])}")
        print(f"  {senders:3d} senders  ingest req/s     {_stats(ingest[senders])}")
        print(f"  {senders:3d} senders  ingest p99 ms    {_stats(p99[senders])}")
        print(f"  {senders:3d} senders  ratio            {_stats(ratios[senders])}")
    print(f"  backlog drained (translated and published) {drained:.1f} s after the last pass")
    if wrapped:
        print(f"  ({wrapped} passes wrapped around their bodies: some 200s were duplicates)")
    print(
        f"  rows stored: {rows}; 200s counted by the load generator: {accepted} "
        f"({'every 200 stored' if rows >= accepted else 'MISSING ROWS'})"
    )
    print(
        f"  rows published by the relay process: {published} of {rows} "
        f"({'all' if not pending and published == rows else f'{pending} still pending'})"
    )
    print(f"ratio={statistics.median(ratios[128]):.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-baseline":
        _serve_baseline(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
