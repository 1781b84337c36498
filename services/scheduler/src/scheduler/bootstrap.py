"""The one wiring point of the scheduler: ``running(settings)`` starts everything, stops it all.

Started in order: the entities' ORM mapping, the database engine, the event bus (unless one is
passed in), the outbox relay, the zoom-gateway client, the event consumer and the gRPC server
(health, reflection, caller authentication). Stopping reverses the order: the server drains
first, so every call that got in is answered and every committed event stays in the outbox for
the next start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from classbridge_common.bus import EventBus, create_bus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.grpc import GrpcServer
from classbridge_common.outbox import OutboxRelay
from scheduler.adapters import orm
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.adapters.zoom_gateway import ZoomGatewayClient
from scheduler.entrypoints import consumers, grpc_api
from scheduler.entrypoints.access_rules import POLICY
from scheduler.service_layer.ports import ZoomMeetings
from scheduler.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Running:
    """A started scheduler: where it listens and its parts (for tests and tools)."""

    settings: Settings
    grpc_port: int
    bus: EventBus
    relay: OutboxRelay
    consumer: consumers.Consumer

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


@asynccontextmanager
async def running(
    settings: Settings, *, bus: EventBus | None = None, zoom: ZoomMeetings | None = None
) -> AsyncIterator[Running]:
    """Start the scheduler (gRPC server, outbox relay, consumer); stop them all on exit.

    ``bus``, when given, is used as is (and left open on exit: the embedded default shares one
    in-process bus between services); otherwise one is created from ``AMQP_URL``. ``zoom``
    replaces the zoom-gateway client (tools only; tests use a real fake gateway server). The
    schema must be migrated first (``python -m scheduler migrate``).
    """
    orm.start_mappers()
    engine = create_engine(settings, pool_size=settings.db_pool_size, max_overflow=5)
    own_bus = bus is None
    the_bus = bus if bus is not None else create_bus(settings)
    client: ZoomGatewayClient | None = None
    try:
        if own_bus:
            await the_bus.start()
        sessions = session_factory(engine)
        relay = OutboxRelay(
            session_factory=sessions, bus=the_bus, poll_interval=1.0, max_backoff=5.0
        )
        async with relay:
            uow = partial(SchedulerUnitOfWork, session_factory=sessions, on_commit=relay.notify)
            if zoom is None:
                client = ZoomGatewayClient(
                    address=settings.zoom_gateway_addr,
                    tokens=settings.service_tokens(),
                    timeout=settings.zoom_gateway_timeout_seconds,
                )
                zoom = client
            consumer = consumers.Consumer(name=settings.consumer_name, uow=uow)
            await consumers.subscribe(the_bus, consumer, prefetch=settings.consumer_prefetch)
            try:
                api = grpc_api.SchedulerApi(
                    uow=uow, zoom=zoom, default_timezone=settings.default_timezone
                )
                server = GrpcServer(
                    servicers=[(grpc_api.add_to_server, api)],
                    verifier=settings.token_verifier(),
                    policies=[POLICY],
                    host=settings.grpc_host,
                    port=settings.grpc_port,
                )
                async with server:
                    yield Running(
                        settings=settings,
                        grpc_port=server.port,
                        bus=the_bus,
                        relay=relay,
                        consumer=consumer,
                    )
            finally:
                await the_bus.unsubscribe(consumer.name)
    finally:
        if client is not None:
            await client.close()
        if own_bus:
            await the_bus.close()
        await engine.dispose()
