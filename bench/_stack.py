"""Whole Classbridge stacks for the benchmarks, each apart from the benchmark's own process.

Two shapes, both built from devstack's own configuration (``devstack.stack``):

- :func:`embedded`: the embedded default of `make run` (SQLite, the in-process bus, local disk,
  the Zoom simulator in the same process), on uvloop as `make run` runs it, in a child process
  (``python -m bench._stack DATA_DIR``) so the benchmark's client does not share its event loop;
- :func:`processes`: the simulator and every service in its own process (``python -m
  <service> migrate``, then ``serve``), configured through environment variables as devstack's
  process mode does, on PostgreSQL (a schema per service under a unique prefix) and RabbitMQ (an
  exchange and queues under the same prefix), all dropped again on exit.

Both run the simulator without its rate limits and zoom-gateway with ``overrides`` over the
stack's settings (by service name, as ``StackConfig.overrides``), log at WARNING as `make run`
does, and stop everything they started on exit, error or not. ``webhooks="edge"`` points the
simulator at the edge's forwarding route (``/api/zoom/webhook``, wired to webhook-ingest)
instead of at webhook-ingest itself, devstack's own choice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

READY = "BENCH_STACK_READY "
LOG_LEVEL = "WARNING"
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 30.0
Webhooks = Literal["direct", "edge"]
Overrides = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class RunningStack:
    """Where a started stack answers, and a way to act as a school's admin on it."""

    shape: str
    edge_url: str
    sim_url: str
    webhook_url: str  # where the simulator sends Zoom's webhooks
    data_dir: Path
    log: Path

    def token(self, subject: str = "bench-admin") -> str:
        """An admin-and-teacher token signed with the stack's key (devstack's token helper)."""
        from devstack.tokens import make_token

        return make_token(self.data_dir, ["admin", "teacher"], subject=subject)


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child if this process dies (a benchmark
    killed with SIGKILL leaves no service behind); nothing elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return arm


def _stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL after a while; waits for the process either way."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file (for an error message)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# --- the embedded default, in a child process -----------------------------------------------


async def _serve_embedded(data_dir: Path, overrides: Overrides, webhooks: Webhooks) -> None:
    """The child's side: start the stack, print where it is, run until SIGTERM or stdin ends."""
    from devstack.ports import free_ports
    from devstack.stack import SERVICES, StackConfig, running_stack

    extra: dict[str, dict[str, Any]] = {spec.name: {"log_level": LOG_LEVEL} for spec in SERVICES}
    ingest_port = 0
    if webhooks == "edge":  # the edge must know webhook-ingest's address before it starts
        [ingest_port] = free_ports(1)
        extra["webhook-ingest"]["http_port"] = ingest_port
        extra["edge"]["webhook_ingest_url"] = f"http://127.0.0.1:{ingest_port}"
    for name, values in overrides.items():
        extra.setdefault(name, {}).update(values)
    config = StackConfig(
        data_dir=data_dir,
        fixed_ports=False,
        sim_rate_limits=False,
        log_level=LOG_LEVEL,
        overrides=extra,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def watch_stdin() -> None:  # the parent went away: stop too
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    async with running_stack(config) as stack:
        webhook_url = stack.webhook_url
        if webhooks == "edge":
            from zoomsim.client import SimClient

            webhook_url = stack.edge_url + "/api/zoom/webhook"
            async with SimClient(stack.sim_url) as sim:
                await sim.set_webhooks(
                    [{"url": webhook_url, "secret": stack.secrets.webhook_secret_token}],
                    validate=True,
                )
        where = {"edge": stack.edge_url, "sim": stack.sim_url, "webhook": webhook_url}
        print(READY + json.dumps(where), flush=True)
        await stop.wait()


def _wait_ready(process: subprocess.Popen[Any], log: Path) -> dict[str, str]:
    """The child's ready line (read from its log file), or an error with the log's end."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(READY):
                where: dict[str, str] = json.loads(line[len(READY) :])
                return where
        if process.poll() is not None:
            raise RuntimeError(f"the embedded stack exited with {process.returncode}:\n{tail(log)}")
        time.sleep(0.1)
    raise RuntimeError(f"the embedded stack was not ready in {START_TIMEOUT_S:.0f} s:\n{tail(log)}")


@contextlib.contextmanager
def embedded(
    data_dir: Path, *, overrides: Overrides | None = None, webhooks: Webhooks = "direct"
) -> Iterator[RunningStack]:
    """The embedded default in a child process; stopped (and waited for) on exit."""
    log = data_dir / "stack.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL")}
    command = [sys.executable, "-m", "bench._stack", str(data_dir), webhooks]
    command.append(json.dumps(dict(overrides or {})))
    with open(log, "w") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent(),
        )
    try:
        where = _wait_ready(process, log)
        yield RunningStack(
            shape="embedded default (one process: SQLite, in-process bus, local disk, simulator)",
            edge_url=where["edge"],
            sim_url=where["sim"],
            webhook_url=where["webhook"],
            data_dir=data_dir,
            log=log,
        )
    finally:
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        _stop(process)


# --- a process per service on PostgreSQL and RabbitMQ ---------------------------------------


def _queues() -> list[str]:
    """Every consumer (queue) the services declare, by its unprefixed name."""
    from recording_sync.entrypoints import consumer, sync_consumer
    from scheduler.settings import Settings as SchedulerSettings
    from zoom_gateway.settings import Settings as GatewaySettings

    return [
        str(SchedulerSettings.model_fields["consumer_name"].default),
        str(GatewaySettings.model_fields["consumer_name"].default),
        consumer.CONSUMER,
        sync_consumer.CONSUMER,
    ]


def _log_file(path: Path) -> TextIO:
    """A log file the services write to (the caller closes it)."""
    return open(path, "w")


def _launch(
    package: str, env: Mapping[str, str], out: TextIO, migrate: bool
) -> subprocess.Popen[bytes]:
    """``python -m <package> migrate`` (when asked), then ``serve`` in the background."""
    command = [sys.executable, "-m", package]
    if migrate:
        subprocess.run([*command, "migrate"], env=env, check=True, stdout=out, stderr=out)
    return subprocess.Popen(
        [*command, "serve"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent(),
    )


async def _wait_serving(
    processes: list[tuple[str, subprocess.Popen[bytes]]],
    grpc: Mapping[str, str],
    edge_port: int,
    log: Path,
) -> None:
    from devstack.health import check_health

    deadline = time.monotonic() + START_TIMEOUT_S
    health: dict[str, str] = {}
    while time.monotonic() < deadline:
        for name, process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail(log)}")
        health = await check_health(grpc, deadline=1.0)
        if all(status == "SERVING" for status in health.values()):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", edge_port)
                writer.close()
                return
        await asyncio.sleep(0.3)
    raise RuntimeError(f"the services were not serving in time ({health}):\n{tail(log)}")


@contextlib.asynccontextmanager
async def processes(
    data_dir: Path,
    *,
    database_url: str,
    amqp_url: str,
    overrides: Overrides | None = None,
    webhooks: Webhooks = "direct",
) -> AsyncIterator[RunningStack]:
    """The simulator and each service as its own process; every process, schema, exchange and
    queue removed on exit."""
    from classbridge_common.testing import AmqpNamespace, create_schema, drop_schema, unique_name
    from devstack.ports import any_ports
    from devstack.processes import environment, grpc_addresses, process_settings
    from devstack.secrets import load_or_create
    from devstack.stack import SERVICES, StackConfig, zoom_credentials
    from zoomsim.client import SimClient
    from zoomsim.server import run_subprocess

    prefix = unique_name("bench")
    namespace = AmqpNamespace(amqp_url=amqp_url, prefix=prefix)
    for name in _queues():
        namespace.consumer(name)
    config = StackConfig(
        data_dir=data_dir,
        database_url=database_url,
        amqp_url=amqp_url,
        fixed_ports=False,
        schema_prefix=prefix,
        events_exchange=namespace.exchange,
        events_queue_prefix=f"{prefix}.",
        log_level=LOG_LEVEL,
        sim_rate_limits=False,
    )
    schemas = [f"{prefix}_{spec.package}" for spec in SERVICES]
    plan = any_ports()
    secrets = load_or_create(data_dir)
    log = data_dir / "services.log"
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    created: list[str] = []
    out = _log_file(log)  # closed in the finally below
    try:
        for schema in schemas:
            await create_schema(database_url, schema)
            created.append(schema)
        with run_subprocess(env={"ZOOMSIM_RATE_LIMITS": "off"}) as (sim_url, _sim):
            async with SimClient(sim_url) as sim:
                zoom = zoom_credentials((await sim.credentials())["accounts"])
            ingest = f"http://127.0.0.1:{plan['webhook-ingest']['http_port']}"
            for spec in SERVICES:
                values = process_settings(
                    spec, config=config, secrets=secrets, sim_url=sim_url, zoom=zoom, plan=plan
                )
                if spec.name == "edge" and webhooks == "edge":
                    values["webhook_ingest_url"] = ingest
                values |= (overrides or {}).get(spec.name, {})
                env = os.environ | environment(values)
                started.append((spec.name, _launch(spec.package, env, out, spec.name != "edge")))
            edge_port = plan["edge"]["http_port"]
            await _wait_serving(started, grpc_addresses(plan), edge_port, log)
            edge_url = f"http://127.0.0.1:{edge_port}"
            webhook_url = (
                f"{edge_url}/api/zoom/webhook" if webhooks == "edge" else f"{ingest}/zoom/webhook"
            )
            async with SimClient(sim_url) as sim:
                await sim.set_webhooks(
                    [{"url": webhook_url, "secret": secrets.webhook_secret_token}], validate=True
                )
            try:
                yield RunningStack(
                    shape="a process per service, PostgreSQL and RabbitMQ (simulator apart too)",
                    edge_url=edge_url,
                    sim_url=sim_url,
                    webhook_url=webhook_url,
                    data_dir=data_dir,
                    log=log,
                )
            finally:
                for _, process in reversed(started):  # the edge first, zoom-gateway last
                    if process.poll() is None:
                        process.send_signal(signal.SIGTERM)
                for _, process in started:
                    _stop(process)
                started.clear()
    finally:
        for _, process in started:
            _stop(process)
        for schema in created:
            with contextlib.suppress(Exception):
                await drop_schema(database_url, schema)
        with contextlib.suppress(Exception):
            await namespace.cleanup()
        out.close()


def main(argv: list[str]) -> int:
    """``python -m bench._stack DATA_DIR [direct|edge] [OVERRIDES_JSON]``: the embedded child."""
    parser = argparse.ArgumentParser(prog="python -m bench._stack")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("webhooks", nargs="?", default="direct", choices=("direct", "edge"))
    parser.add_argument("overrides", nargs="?", default="{}")
    args = parser.parse_args(argv)
    from classbridge_common.logging import configure_logging
    from devstack.__main__ import run_loop

    configure_logging("bench-stack", LOG_LEVEL)
    run_loop(_serve_embedded(args.data_dir, json.loads(args.overrides), args.webhooks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
