"""The one wiring point of recording-sync: ``running(settings)`` starts everything, stops it all.

Started, in order: the database engine, the event bus (unless one is passed in — the embedded
default shares one in-process bus between services), the outbox relay, the ``session.*``
projection consumer and the gRPC server (health SERVING once it runs). Stopping reverses the
order: the server drains, the consumer finishes the message in hand, the relay its batch.
The schema must be migrated first (``python -m recording_sync migrate``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.auth import DEV_SECRET, TokenVerifier
from classbridge_common.bus import EventBus, create_bus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.grpc import GrpcServer
from classbridge_common.outbox import OutboxRelay
from recording_sync.entrypoints import consumer, grpc_api
from recording_sync.settings import Settings

log = logging.getLogger(__name__)


MIGRATIONS_DIR = Path(__file__).parent / "migrations"  # shipped inside the package


@dataclass(frozen=True)
class Running:
    """A started recording-sync: where it listens and its parts (for tests and tools)."""

    settings: Settings
    grpc_port: int
    bus: EventBus
    relay: OutboxRelay
    sessions: async_sessionmaker[AsyncSession]

    @property
    def grpc_address(self) -> str:
        host = self.settings.grpc_host
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::", "[::]") else host  # noqa: S104
        return f"{host}:{self.grpc_port}"


def _verifier(settings: Settings) -> TokenVerifier:
    if settings.auth_jwt_secret is not None:
        return TokenVerifier(settings.auth_jwt_secret.get_secret_value())
    return TokenVerifier(DEV_SECRET)  # CLASSBRIDGE_ENV=dev only (prod requires the secret)


@asynccontextmanager
async def running(settings: Settings, *, bus: EventBus | None = None) -> AsyncIterator[Running]:
    """Start recording-sync (gRPC, relay, projection consumer); stop all on exit.

    ``bus``, when given, must be started by its owner and is left open on exit; otherwise one is
    created from ``AMQP_URL`` (or in-process) and closed here. Ports may be 0.
    """
    engine = create_engine(settings, pool_size=settings.db_pool_size, max_overflow=5)
    sessions = session_factory(engine)
    own_bus = bus is None
    the_bus: EventBus = bus if bus is not None else create_bus(settings)
    subscribed = False
    try:
        if own_bus:
            await the_bus.start()
        async with OutboxRelay(session_factory=sessions, bus=the_bus, max_backoff=5.0) as relay:
            await consumer.subscribe(the_bus, session_factory=sessions)
            subscribed = True
            server = GrpcServer(
                servicers=grpc_api.servicers(),
                verifier=_verifier(settings),
                host=settings.grpc_host,
                port=settings.grpc_port,
            )
            async with server:
                log.info("recording-sync listening: gRPC %d", server.port)
                yield Running(
                    settings=settings,
                    grpc_port=server.port,
                    bus=the_bus,
                    relay=relay,
                    sessions=sessions,
                )
    finally:
        if subscribed:
            with contextlib.suppress(Exception):
                await the_bus.unsubscribe(consumer.CONSUMER)
        if own_bus:
            with contextlib.suppress(Exception):
                await the_bus.close()
        await engine.dispose()
