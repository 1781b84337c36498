"""`python -m <service> serve | migrate`: the one command line every service shares.

`serve` loads the settings (a missing or bad variable ends the process with exit status 2 and
a message naming it), sets up JSON logging and telemetry, runs the service's `running(settings)`
lifecycle until SIGTERM/SIGINT, and leaves it, so the service drains before exiting. `migrate`
brings the service's schema to its newest revision. A service adds its own commands (a relay, a
pruner…) through `commands`, which may also replace `serve`. Commands run on uvloop when it is
installed (uvicorn[standard] brings it), the loop uvicorn itself would choose.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.logging import configure_logging
from classbridge_common.settings import ServiceSettings, SettingsError
from classbridge_common.telemetry import setup_telemetry

__all__ = ["ready_line", "run_service_cli", "wait_for_shutdown_signal"]

S = TypeVar("S", bound=ServiceSettings)
T = TypeVar("T")
Command = Callable[[S], Coroutine[Any, Any, int | None]]


async def wait_for_shutdown_signal() -> None:
    """Return on the first SIGTERM or SIGINT (Kubernetes stopping a pod, Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def ready_line(service_name: str, service: object) -> str:
    """`scheduler ready grpc=50051`: what tests and `make run` wait for on standard output."""
    ports = [
        f"{kind}={port}"
        for kind in ("http", "grpc")
        if (port := getattr(service, f"{kind}_port", None)) is not None
    ]
    return " ".join([service_name, "ready", *ports])


def run_service_cli(
    *,
    load: Callable[[], S],
    running: Callable[[S], AbstractAsyncContextManager[Any]],
    migrations_dir: Path | None,
    commands: Mapping[str, Command[S]] | None = None,
    argv: list[str] | None = None,
) -> int:
    """Parse `argv` and run the chosen command; returns the process exit status."""
    extra = dict(commands or {})
    choices = list(dict.fromkeys(["serve", *(["migrate"] if migrations_dir else []), *extra]))
    parser = argparse.ArgumentParser(prog=f"python -m {running.__module__.split('.')[0]}")
    parser.add_argument("command", choices=choices)
    args = parser.parse_args(argv)
    try:
        settings = load()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings.service_name, settings.log_level)
    if args.command == "migrate":
        assert migrations_dir is not None
        _run(upgrade_to_head(settings, migrations_dir))
        return 0
    setup_telemetry(settings.service_name)
    if args.command in extra:
        return _run(extra[args.command](settings)) or 0

    async def serve() -> None:
        async with running(settings) as service:
            print(ready_line(settings.service_name, service), flush=True)
            await wait_for_shutdown_signal()

    _run(serve())
    return 0


def _run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        return asyncio.run(main)
    return uvloop.run(main)
