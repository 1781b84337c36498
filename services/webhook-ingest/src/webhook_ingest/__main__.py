"""`python -m webhook_ingest serve | relay | deliver | migrate | prune`.

- `serve`: run until SIGTERM/SIGINT, then drain (answer in-flight webhooks, keep the outbox).
  With `WEBHOOK_HTTP_WORKERS=N` (> 1, PostgreSQL), N processes answer Zoom on one shared
  listening socket: this one (which also runs the gRPC admin API, the retention job and, unless
  `WEBHOOK_RELAY_IN_PROCESS=false`, the relay) and N-1 HTTP-only workers. One Python process
  tops out at one core; deduplication stays exact across processes because the database's
  unique index decides.
- `relay`: only translate the stored webhooks and publish the outbox to the bus (run it as its
  own process or Deployment with `WEBHOOK_RELAY_IN_PROCESS=false` on `serve`, as the production
  manifests do; several relays are safe on PostgreSQL). It serves only the gRPC health service,
  on `GRPC_PORT`, for probes.
- `deliver`: only the outgoing webhooks' consumer and delivery worker (run it as its own process
  or Deployment with `OUTGOING_WEBHOOK_WORKER_IN_PROCESS=false` on `serve`; several are safe on
  PostgreSQL). It serves only the gRPC health service, on `GRPC_PORT`, for probes.
- `migrate`: bring the database schema to the latest revision.
- `prune`: delete stored webhooks older than `WEBHOOK_RETENTION_DAYS` now (the service also
  does this by itself every `WEBHOOK_PRUNE_INTERVAL_SECONDS`).
"""

from __future__ import annotations

import sys
from datetime import timedelta

from classbridge_common.cli import run_service_cli
from classbridge_common.db import create_engine
from classbridge_common.grpc import GrpcServer
from webhook_ingest.adapters import event_codec
from webhook_ingest.bootstrap import (
    MIGRATIONS_DIR,
    bind_http,
    delivering_only,
    relaying,
    running,
)
from webhook_ingest.service_layer.admin import WebhookAdmin
from webhook_ingest.settings import Settings, load
from webhook_ingest.workers import HttpWorkers, stop_on_signals


async def _serve(settings: Settings) -> None:  # several HTTP processes when configured
    stop = stop_on_signals()
    if settings.webhook_http_workers == 1:
        async with running(settings) as service:
            print(
                f"webhook-ingest ready http={service.http_port} grpc={service.grpc_port}",
                flush=True,
            )
            await stop.wait()
        return
    sock = bind_http(settings)
    workers = HttpWorkers(sock, settings.webhook_http_workers - 1)
    try:
        async with running(settings, http_socket=sock) as service:
            await workers.start()
            print(
                f"webhook-ingest ready http={service.http_port} grpc={service.grpc_port} "
                f"workers={settings.webhook_http_workers}",
                flush=True,
            )
            await workers.wait_or(stop)
            workers.terminate()  # they drain in parallel with this process
    finally:
        workers.terminate()
        await workers.join()
        sock.close()
    if workers.failed:
        raise SystemExit(1)


async def _relay(settings: Settings) -> None:
    stop = stop_on_signals()
    # Only the gRPC health service listens (GRPC_PORT): what an orchestrator probes.
    health = GrpcServer(
        servicers=[],
        verifier=settings.token_verifier(),
        policies=[],
        host=settings.grpc_host,
        port=settings.grpc_port,
    )
    async with relaying(settings), health:
        print(f"webhook-ingest relay ready grpc={health.port}", flush=True)
        await stop.wait()


async def _deliver(settings: Settings) -> None:
    stop = stop_on_signals()
    health = GrpcServer(
        servicers=[],
        verifier=settings.token_verifier(),
        policies=[],
        host=settings.grpc_host,
        port=settings.grpc_port,
    )
    async with delivering_only(settings), health:
        print(f"webhook-ingest deliver ready grpc={health.port}", flush=True)
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


if __name__ == "__main__":
    sys.exit(
        run_service_cli(
            load=load,
            running=running,
            migrations_dir=MIGRATIONS_DIR,
            commands={"serve": _serve, "relay": _relay, "deliver": _deliver, "prune": _prune},
        )
    )
