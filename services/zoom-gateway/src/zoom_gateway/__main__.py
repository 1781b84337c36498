"""``python -m zoom_gateway serve | migrate``.

- ``serve``: run until SIGTERM/SIGINT, then drain (in-flight calls answered, meeting creates
  already sent to Zoom recorded).
- ``migrate``: bring the database schema to the latest revision.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.logging import configure_logging
from classbridge_common.settings import SettingsError
from classbridge_common.telemetry import setup_telemetry
from zoom_gateway.bootstrap import MIGRATIONS_DIR, running
from zoom_gateway.settings import Settings, load


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings) as service:
        print(f"zoom-gateway ready grpc={service.grpc_port}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zoom_gateway")
    parser.add_argument("command", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    try:
        settings = load()
        settings.tenants()  # a broken ZOOM_TENANTS_FILE fails here, with its name
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings.service_name, settings.log_level)
    if args.command == "migrate":
        asyncio.run(upgrade_to_head(settings, MIGRATIONS_DIR))
    else:
        setup_telemetry(settings.service_name)
        asyncio.run(_serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
