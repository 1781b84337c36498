"""The stack as separate processes: what `make run` does when RabbitMQ is configured.

Each service is started the way it runs in production, `python -m <service> migrate` and then
`python -m <service> serve`, configured only through environment variables built from the same
settings the in-process stack uses (:func:`devstack.stack.service_settings`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from classbridge_common.db.migrations import upgrade_to_head
from devstack.health import check_health
from devstack.secrets import load_or_create
from devstack.stack import (
    SERVICES,
    SIM_PORT,
    ServiceSpec,
    StackConfig,
    load_service_settings,
    service_settings,
    zoom_credentials,
)
from zoomsim.client import SimClient
from zoomsim.server import run_subprocess


def environment(values: Mapping[str, Any]) -> dict[str, str]:
    """Settings by field name as the environment variables the services read."""
    env = {key.upper(): str(value) for key, value in values.items() if value is not None}
    env["CLASSBRIDGE_ENV"] = env.pop("ENV", "dev")
    return env


def _fixed_addresses() -> dict[str, str]:
    return {s.name: f"127.0.0.1:{s.grpc_port}" for s in SERVICES if s.grpc_port}


async def _credentials(sim_url: str) -> dict[str, str]:
    async with SimClient(sim_url) as client:
        return zoom_credentials((await client.credentials())["accounts"])


def run_as_processes(args: argparse.Namespace) -> int:
    """Start the simulator and one process per service; stop them all on Ctrl-C."""
    config = StackConfig(
        data_dir=args.data_dir,
        database_url=os.environ.get("DATABASE_URL") or None,
        amqp_url=os.environ["AMQP_URL"],
        log_level=args.log_level.upper(),
    )
    secrets = load_or_create(config.data_dir)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    with run_subprocess("--port", str(SIM_PORT)) as (sim_url, _sim):
        zoom = asyncio.run(_credentials(sim_url))
        for spec in SERVICES:
            values = service_settings(
                spec,
                config=config,
                secrets=secrets,
                sim_url=sim_url,
                zoom=zoom,
                addresses=_fixed_addresses(),
            )
            env = os.environ | environment(values)
            command = [sys.executable, "-m", spec.package]
            if spec.name != "edge":
                subprocess.run([*command, "migrate"], env=env, check=True)  # noqa: S603
            processes.append((spec.name, subprocess.Popen([*command, "serve"], env=env)))  # noqa: S603
        try:
            return asyncio.run(_serve_until_interrupted(sim_url, secrets.webhook_secret_token))
        except KeyboardInterrupt:
            return 0
        finally:
            for _, process in processes:
                process.send_signal(signal.SIGTERM)
            for _, process in processes:
                process.wait(timeout=60)


async def _serve_until_interrupted(sim_url: str, webhook_secret: str) -> int:
    webhook_url = "http://127.0.0.1:8081/zoom/webhook"
    addresses = _fixed_addresses()
    health: dict[str, str] = {}
    for _ in range(60):
        health = await check_health(addresses, deadline=1.0)
        if all(status == "SERVING" for status in health.values()):
            break
        await asyncio.sleep(0.5)
    async with SimClient(sim_url) as client:
        await client.set_webhooks([{"url": webhook_url, "secret": webhook_secret}], validate=True)
    print("Classbridge is running (a process per service, RabbitMQ).")
    print(f"  edge (HTTP API)      http://127.0.0.1:8080\n  Zoom webhook         {webhook_url}")
    print(f"  Zoom simulator       {sim_url}")
    for name, address in addresses.items():
        print(f"  {name:<20} grpc {address}  {health.get(name)}")
    print("Ctrl-C stops everything.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    return 0


async def migrate_all(data_dir: Path) -> int:
    """Bring every service's schema to its newest revision (`make migrate`)."""
    config = StackConfig(data_dir=data_dir, database_url=os.environ.get("DATABASE_URL") or None)
    secrets = load_or_create(data_dir)
    for spec in SERVICES:
        await _migrate(spec, config, secrets)
    return 0


async def _migrate(spec: ServiceSpec, config: StackConfig, secrets: Any) -> None:
    bootstrap = spec.module("bootstrap")
    if not hasattr(bootstrap, "MIGRATIONS_DIR"):
        return
    values = service_settings(
        spec, config=config, secrets=secrets, sim_url="http://127.0.0.1:9090", zoom={}, addresses={}
    )
    await upgrade_to_head(load_service_settings(spec, values), bootstrap.MIGRATIONS_DIR)
    print(f"{spec.name}: migrated")
