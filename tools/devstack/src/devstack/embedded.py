"""`make run` on the embedded default: the whole stack in this one process, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from classbridge_common.telemetry import setup_telemetry
from devstack.banner import Banner
from devstack.health import check_health
from devstack.ports import documented_ports, explain_in_use, in_use, labelled
from devstack.stack import SIM_PORT, Stack, StackConfig, running_stack
from devstack.tokens import python_command


def banner(stack: Stack, health: dict[str, str]) -> Banner:
    """The banner of a stack running in this process (the files server's port is the one it
    bound, which `--any-ports` makes a free one)."""
    files_url = None
    sync = stack.running.get("recording-sync")  # absent when a caller runs it (``external``)
    if sync is not None and sync.files_port:  # None with S3: no files server
        files_url = sync.settings.files_base_url(sync.files_port)
    return Banner(
        shape="embedded default",
        edge_url=stack.edge_url,
        webhook_url=stack.webhook_url,
        sim_url=stack.sim_url,
        files_url=files_url,
        grpc=stack.grpc,
        health=health,
        data_dir=stack.config.data_dir,
        token=stack.token(),
        metrics=stack.metrics,
    )


def describe(stack: Stack, health: dict[str, str]) -> str:
    """What a person needs to start using the running stack."""
    return banner(stack, health).render()


async def run_embedded(args: argparse.Namespace) -> int:
    """Start everything, print the banner, serve until SIGINT/SIGTERM (or only check health
    with ``--exit-when-ready``)."""
    config = StackConfig(
        data_dir=args.data_dir,
        database_url=os.environ.get("DATABASE_URL") or None,
        log_level=args.log_level.upper(),
        fixed_ports=not args.any_ports,
        metrics=True,
    )
    # One process, one meter provider: every service's scrape endpoint serves the numbers of
    # the whole stack (each process its own in the process-per-service shape).
    setup_telemetry("classbridge")
    if config.fixed_ports:
        taken = in_use(labelled(SIM_PORT, documented_ports(metrics=True)))
        if taken:
            print(explain_in_use(taken, f"{python_command()} -m devstack"), file=sys.stderr)
            return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_stack(config) as stack:
        health = await check_health(stack.grpc)
        print(describe(stack, health), flush=True)
        if args.exit_when_ready:
            return 0 if all(v == "SERVING" for v in health.values()) else 1
        await stop.wait()
        print("stopping…", flush=True)
    return 0
