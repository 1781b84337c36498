"""CreateMeeting through zoom-gateway (gRPC, its database, its limits bookkeeping) against the
same Zoom call made directly with httpx, both against the simulator in one run.

Prints the latency of each path (p50, p99, sequential), the gateway's added latency, and the
throughput with several calls in flight. The simulator runs in a child process with its rate
limits off; the gateway's own per-host ledger is raised and its token buckets are switched off,
so what is measured is the gateway's overhead (idempotency claim + result, host ledger, gRPC),
not Zoom's limits. A second, shorter pass runs with the token buckets on (a burst large enough
never to wait), to show what taking the rate-limit token costs. Database: PostgreSQL when
``DATABASE_URL`` is set (a throw-away schema), else SQLite in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import httpx

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge.zoomgateway.v1.zoom_gateway_pb2_grpc import ZoomGatewayServiceStub
from classbridge_common.crypto import generate_key
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import create_schema, drop_schema, make_settings
from zoom_gateway.bootstrap import MIGRATIONS_DIR, running
from zoom_gateway.settings import Settings
from zoomsim.server import run_subprocess

SEQUENTIAL = 150
CONCURRENT = 400
IN_FLIGHT = 16


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _start() -> str:
    return (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _timed(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def _throughput(call: Callable[[], Awaitable[Any]], n: int) -> float:
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            await call()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return n / (time.perf_counter() - t0)


async def _credentials(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        data = (await http.get("/_sim/credentials")).json()
    account = data["accounts"][0] if isinstance(data, dict) and "accounts" in data else data[0]
    apps = {a["kind"]: a for a in account["apps"]}
    return {"account_id": account["account_id"], **apps["s2s"]}


async def run(url: str, data_dir: Path) -> None:
    creds = await _credentials(url)
    body = {
        "topic": "bench",
        "type": 2,
        "start_time": _start(),
        "duration": 45,
        "settings": {"auto_recording": "cloud"},
    }
    async with httpx.AsyncClient(
        base_url=url, limits=httpx.Limits(max_keepalive_connections=50)
    ) as http:
        token = (
            await http.post(
                "/oauth/token",
                data={"grant_type": "account_credentials", "account_id": creds["account_id"]},
                auth=(creds["client_id"], creds["client_secret"]),
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def direct() -> None:
            r = await http.post("/v2/users/me/meetings", json=body, headers=headers)
            r.raise_for_status()

        await _timed(direct, 10)  # warm up
        direct_ms = await _timed(direct, SEQUENTIAL)
        direct_rps = await _throughput(direct, CONCURRENT)

    database_url = os.environ.get("DATABASE_URL")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    if database_url:
        await create_schema(database_url, schema)
    try:
        settings = make_settings(
            Settings,
            service_name="zoom-gateway",
            data_dir=data_dir,
            database_url=database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}",
            db_schema=schema if database_url else None,
            grpc_port=0,
            zoom_api_base_url=f"{url}/v2",
            zoom_oauth_base_url=url,
            zoom_account_id=creds["account_id"],
            zoom_client_id=creds["client_id"],
            zoom_client_secret=creds["client_secret"],
            zoom_token_encryption_keys=generate_key(),
            zoom_host_daily_limit=1_000_000,
            zoom_rate_limits_enabled=False,
        )
        await upgrade_to_head(settings, MIGRATIONS_DIR)
        limited = settings.model_copy(
            update={"zoom_rate_limits_enabled": True, "zoom_rate_limit_burst_seconds": 3600.0}
        )
        async with (
            running(limited, authenticate=False) as svc,
            grpc.aio.insecure_channel(svc.grpc_address) as channel,
        ):
            stub = ZoomGatewayServiceStub(channel)
            spec = pb.MeetingSpec(topic="bench", duration_minutes=45)
            spec.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=3))

            async def limited_create() -> None:
                await stub.CreateMeeting(
                    pb.CreateMeetingRequest(request_id=uuid.uuid4().hex, meeting=spec), timeout=30
                )

            await _timed(limited_create, 10)
            limited_ms = await _timed(limited_create, SEQUENTIAL // 2)
        async with (
            running(settings, authenticate=False) as svc,
            grpc.aio.insecure_channel(svc.grpc_address) as channel,
        ):
            stub = ZoomGatewayServiceStub(channel)
            spec = pb.MeetingSpec(topic="bench", duration_minutes=45)
            spec.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=3))

            async def through_gateway() -> None:
                await stub.CreateMeeting(
                    pb.CreateMeetingRequest(request_id=uuid.uuid4().hex, meeting=spec), timeout=30
                )

            await _timed(through_gateway, 10)
            gateway_ms = await _timed(through_gateway, SEQUENTIAL)
            gateway_rps = await _throughput(through_gateway, CONCURRENT)

            replay = pb.CreateMeetingRequest(request_id="bench-replay", meeting=spec)
            await stub.CreateMeeting(replay, timeout=30)
            replay_ms = await _timed(lambda: stub.CreateMeeting(replay, timeout=30), 100)
    finally:
        if database_url:
            await drop_schema(database_url, schema)

    db = "PostgreSQL" if database_url else "SQLite"
    p50d, p99d = statistics.median(direct_ms), _percentile(direct_ms, 0.99)
    p50g, p99g = statistics.median(gateway_ms), _percentile(gateway_ms, 0.99)
    print(f"CreateMeeting, {SEQUENTIAL} sequential calls; throughput with {IN_FLIGHT} in flight")
    print(
        f"  direct httpx -> simulator : p50 {p50d:6.1f} ms  p99 {p99d:6.1f} ms  "
        f"{direct_rps:6.0f} creates/s"
    )
    print(
        f"  gRPC -> gateway ({db:10}): p50 {p50g:6.1f} ms  p99 {p99g:6.1f} ms  "
        f"{gateway_rps:6.0f} creates/s"
    )
    print(f"  added by the gateway      : p50 {p50g - p50d:6.1f} ms  p99 {p99g - p99d:6.1f} ms")
    p50l = statistics.median(limited_ms)
    print(f"  gateway with token buckets on: p50 {p50l:6.1f} ms (added {p50l - p50d:6.1f} ms)")
    print(f"  idempotent replay (no Zoom call): p50 {statistics.median(replay_ms):.1f} ms")
    print(f"  cpus {os.cpu_count()}")


def main() -> None:
    env = {"ZOOMSIM_RATE_LIMITS": "off", "ZOOMSIM_WEBHOOKS": "[]"}
    with run_subprocess(env=env) as (url, _proc), tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(url, Path(tmp)))


if __name__ == "__main__":
    main()
