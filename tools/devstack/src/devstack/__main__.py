"""`make run`: the whole of Classbridge on this machine, until Ctrl-C.

With `AMQP_URL` unset, everything runs in this one process on the embedded default (SQLite under
`var/`, or PostgreSQL when `DATABASE_URL` is set; the in-process bus; local-disk storage; the
Zoom simulator). With `AMQP_URL` set, each service runs as its own process (`python -m <service>
serve`), as in production, talking through RabbitMQ. Either way `--any-ports` puts every server
on a free port instead of the documented ones.

`python -m devstack token --role student --subject stu1` prints a token for that person, signed
with the key of the stack kept in the same data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from devstack import tokens

T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop, as every service's own command line does
    (``classbridge_common.cli``), so the embedded stack behaves and performs like the services
    run apart; the stdlib loop only where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        return asyncio.run(main)
    return uvloop.run(main)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=tokens.default_data_dir(),
        help="where the stack keeps its files and secrets (default $DATA_DIR or var)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("LOG_LEVEL", "WARNING"),
        help="of the services' logs (default $LOG_LEVEL or WARNING)",
    )
    parser.add_argument(
        "--migrate-only", action="store_true", help="migrate every service's schema, then exit"
    )
    parser.add_argument(
        "--exit-when-ready", action="store_true", help="start, check health, stop (smoke test)"
    )
    parser.add_argument(
        "--any-ports", action="store_true", help="free ports instead of the documented ones"
    )
    commands = parser.add_subparsers(dest="command", metavar="{token}")
    token = commands.add_parser(
        "token",
        help="print a caller token for the stack (a student, teacher, admin or operator)",
        description=tokens.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tokens.add_arguments(token)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "token":
        # Imports nothing of the services: `TOKEN=$(… token …)` should not wait for them.
        return tokens.run(args)
    from classbridge_common.logging import configure_logging

    configure_logging("devstack", args.log_level.upper())
    if args.migrate_only:
        from devstack.processes import migrate_all

        return run_loop(migrate_all(args.data_dir))
    if os.environ.get("AMQP_URL"):
        from devstack.processes import run_as_processes

        return run_as_processes(args)
    from devstack.embedded import run_embedded

    with contextlib.suppress(KeyboardInterrupt):
        return run_loop(run_embedded(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
