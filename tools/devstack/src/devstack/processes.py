"""The stack as separate processes: what `make run` does when RabbitMQ is configured.

Each service is started the way it runs in production, `python -m <service> migrate` and then
`python -m <service> serve`, configured only through environment variables built from the same
settings the in-process stack uses (:func:`devstack.stack.service_settings`). The processes must
know each other's addresses before they start, so the ports are decided here: the documented
ones, or with `--any-ports` free ones chosen up front (:mod:`devstack.ports`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from classbridge_common.db.migrations import upgrade_to_head
from devstack.banner import Banner
from devstack.health import check_health
from devstack.ports import (
    ServicePorts,
    any_ports,
    documented_ports,
    explain_in_use,
    in_use,
    labelled,
)
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
from devstack.tokens import make_token, python_command
from zoomsim.client import SimClient
from zoomsim.server import run_subprocess

Processes = Sequence[tuple[str, subprocess.Popen[bytes]]]


def environment(values: Mapping[str, Any]) -> dict[str, str]:
    """Settings by field name as the environment variables the services read."""
    env = {key.upper(): str(value) for key, value in values.items() if value is not None}
    env["CLASSBRIDGE_ENV"] = env.pop("ENV", "dev")
    return env


def grpc_addresses(plan: ServicePorts) -> dict[str, str]:
    """The gRPC address of every service that serves gRPC, in start order."""
    return {
        name: f"127.0.0.1:{ports['grpc_port']}"
        for name, ports in plan.items()
        if "grpc_port" in ports
    }


def process_settings(
    spec: ServiceSpec,
    *,
    config: StackConfig,
    secrets: Any,
    sim_url: str,
    zoom: Mapping[str, str],
    plan: ServicePorts,
) -> dict[str, Any]:
    """One service's settings in this shape: the stack's, on the ports of ``plan``."""
    values = service_settings(
        spec,
        config=config,
        secrets=secrets,
        sim_url=sim_url,
        zoom=zoom,
        addresses=grpc_addresses(plan),
    )
    values |= plan[spec.name]
    if spec.name == "zoom-gateway":
        # Zoom sends the browser back to the edge, wherever it listens.
        values["zoom_oauth_redirect_uri"] = f"{_edge_url(plan)}/api/zoom/auth"
    if spec.name == "edge":
        # The edge's own webhook URL forwards to webhook-ingest, wherever that listens.
        values["webhook_ingest_url"] = f"http://127.0.0.1:{plan['webhook-ingest']['http_port']}"
    return values


def _edge_url(plan: ServicePorts) -> str:
    return f"http://127.0.0.1:{plan['edge']['http_port']}"


def _webhook_url(plan: ServicePorts) -> str:
    return f"http://127.0.0.1:{plan['webhook-ingest']['http_port']}/zoom/webhook"


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
    sim_args: tuple[str, ...]
    if args.any_ports:
        # the simulator binds a free port and says which
        plan, sim_args = any_ports(metrics=True), ()
    else:
        plan, sim_args = documented_ports(metrics=True), ("--port", str(SIM_PORT))
        taken = in_use(labelled(SIM_PORT, plan))
        if taken:
            print(explain_in_use(taken, f"{python_command()} -m devstack"), file=sys.stderr)
            return 1
    secrets = load_or_create(config.data_dir)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    files_url: str | None = None
    with run_subprocess(*sim_args) as (sim_url, _sim):
        zoom = asyncio.run(_credentials(sim_url))
        try:
            for spec in SERVICES:
                values = process_settings(
                    spec, config=config, secrets=secrets, sim_url=sim_url, zoom=zoom, plan=plan
                )
                if spec.name == "recording-sync":
                    settings = load_service_settings(spec, values)
                    files_url = None if settings.uses_s3 else settings.files_base_url()
                env = os.environ | environment(values)
                command = [sys.executable, "-m", spec.package]
                if spec.name != "edge":
                    subprocess.run([*command, "migrate"], env=env, check=True)  # noqa: S603
                processes.append((spec.name, subprocess.Popen([*command, "serve"], env=env)))  # noqa: S603
            banner = Banner(
                shape="a process per service, RabbitMQ",
                edge_url=_edge_url(plan),
                webhook_url=_webhook_url(plan),
                sim_url=sim_url,
                files_url=files_url,
                grpc=grpc_addresses(plan),
                health={},
                data_dir=config.data_dir,
                token=make_token(config.data_dir, ["admin", "teacher"], subject="dev-admin"),
                metrics={
                    name: f"http://127.0.0.1:{ports['metrics_port']}/metrics"
                    for name, ports in plan.items()
                    if "metrics_port" in ports
                },
            )
            return asyncio.run(
                _serve_until_interrupted(
                    banner,
                    processes,
                    edge_port=plan["edge"]["http_port"],
                    webhook_secret=secrets.webhook_secret_token,
                    exit_when_ready=args.exit_when_ready,
                )
            )
        except KeyboardInterrupt:
            return 0
        finally:
            for _, process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for _, process in processes:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _exited(processes: Processes) -> str | None:
    for name, process in processes:
        code = process.poll()
        if code is not None:
            return f"{name} exited with code {code} before it was ready (its output is above)"
    return None


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _serve_until_interrupted(
    banner: Banner,
    processes: Processes,
    *,
    edge_port: int,
    webhook_secret: str,
    exit_when_ready: bool = False,
) -> int:
    health: dict[str, str] = {}
    for _ in range(60):
        if problem := _exited(processes):
            print(problem, file=sys.stderr, flush=True)
            return 1
        health = await check_health(banner.grpc, deadline=1.0)
        if all(status == "SERVING" for status in health.values()) and await _listening(edge_port):
            break
        await asyncio.sleep(0.5)
    async with SimClient(banner.sim_url) as client:
        await client.set_webhooks(
            [{"url": banner.webhook_url, "secret": webhook_secret}], validate=True
        )
    print(dataclasses.replace(banner, health=health).render(), flush=True)
    if exit_when_ready:
        return 0 if all(status == "SERVING" for status in health.values()) else 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("stopping…", flush=True)
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
