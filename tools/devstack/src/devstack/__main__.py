"""`make run`: the whole of Classbridge on this machine, until Ctrl-C.

With `AMQP_URL` unset, everything runs in this one process on the embedded default (SQLite under
`var/`, or PostgreSQL when `DATABASE_URL` is set; the in-process bus; local-disk storage; the
Zoom simulator). With `AMQP_URL` set, each service runs as its own process (`python -m <service>
serve`), as in production, talking through RabbitMQ.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from classbridge_common.logging import configure_logging
from devstack.health import check_health
from devstack.processes import run_as_processes
from devstack.stack import Stack, StackConfig, running_stack


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("DATA_DIR", "var")))
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "WARNING"))
    parser.add_argument(
        "--migrate-only", action="store_true", help="migrate every service's schema, then exit"
    )
    parser.add_argument(
        "--exit-when-ready", action="store_true", help="start, check health, stop (smoke test)"
    )
    parser.add_argument(
        "--any-ports", action="store_true", help="free ports instead of the documented ones"
    )
    return parser.parse_args(argv)


def describe(stack: Stack, health: dict[str, str]) -> str:
    """What a person needs to start using the running stack."""
    token = stack.token()
    lines = [
        "Classbridge is running (embedded default).",
        f"  edge (HTTP API)      {stack.edge_url}",
        f"  Zoom webhook         {stack.webhook_url}",
        f"  Zoom simulator       {stack.sim_url}",
    ]
    lines += [f"  {name:<20} grpc {addr}  {health[name]}" for name, addr in stack.grpc.items()]
    lines += [
        f"  data                 {stack.config.data_dir}/",
        "",
        "A development token (admin, teacher; 12 h):",
        f"  export TOKEN={token}",
        f'  curl -H "Authorization: Bearer $TOKEN" {stack.edge_url}/api/zoom/status',
        "Script a class with the simulator: python -m zoomsim --help",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


async def run_embedded(args: argparse.Namespace) -> int:
    config = StackConfig(
        data_dir=args.data_dir,
        database_url=os.environ.get("DATABASE_URL") or None,
        log_level=args.log_level.upper(),
        fixed_ports=not args.any_ports,
    )
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging("devstack", args.log_level.upper())
    if args.migrate_only:
        from devstack.processes import migrate_all

        return asyncio.run(migrate_all(args.data_dir))
    if os.environ.get("AMQP_URL"):
        return run_as_processes(args)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(run_embedded(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
