"""`python -m webhook_ingest serve | migrate | prune`.

- `serve`: run until SIGTERM/SIGINT, then drain (answer in-flight webhooks, keep the outbox).
- `migrate`: bring the database schema to the latest revision.
- `prune`: delete stored webhooks older than `WEBHOOK_RETENTION_DAYS` now (the service also
  does this by itself every `WEBHOOK_PRUNE_INTERVAL_SECONDS`).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import timedelta

from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.logging import configure_logging
from classbridge_common.settings import SettingsError
from classbridge_common.telemetry import setup_telemetry
from webhook_ingest.adapters import event_codec
from webhook_ingest.bootstrap import MIGRATIONS_DIR, running
from webhook_ingest.service_layer.admin import WebhookAdmin
from webhook_ingest.settings import Settings, load


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings) as service:
        print(
            f"webhook-ingest ready http={service.http_port} grpc={service.grpc_port}",
            flush=True,
        )
        await stop.wait()


async def _prune(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        admin = WebhookAdmin(
            engine=engine,
            encode=event_codec.encode,
            prune_batch_size=settings.webhook_prune_batch_size,
        )
        deleted = await admin.prune_expired(timedelta(days=settings.webhook_retention_days))
        print(f"pruned {deleted} webhook events", flush=True)
    finally:
        await engine.dispose()


def _run(coro: object) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        asyncio.run(coro)  # type: ignore[arg-type]
    else:
        uvloop.run(coro)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhook_ingest")
    parser.add_argument("command", choices=["serve", "migrate", "prune"])
    args = parser.parse_args(argv)
    try:
        settings = load()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings.service_name, settings.log_level)
    if args.command == "migrate":
        _run(upgrade_to_head(settings, MIGRATIONS_DIR))
    elif args.command == "prune":
        _run(_prune(settings))
    else:
        setup_telemetry(settings.service_name)
        _run(_serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
