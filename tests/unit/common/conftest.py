"""Backends the common-library tests run on: SQLite + in-process always, PostgreSQL + RabbitMQ
in the integration tier (the same test bodies, parametrised)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from classbridge_common.bus import EventBus, InProcessBus
from classbridge_common.bus.rabbitmq import RabbitMQBus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.outbox import inbox_table, outbox_table
from classbridge_common.settings import ServiceSettings
from classbridge_common.testing import AmqpNamespace

metadata = MetaData()
lessons = Table(
    "lessons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
)
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False),
)
outbox_table(metadata)
inbox_table(metadata)

INTEGRATION = pytest.mark.integration


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=INTEGRATION)])
def db_settings(request: pytest.FixtureRequest, settings_factory: Any) -> ServiceSettings:
    """Settings on a fresh SQLite file, or on PostgreSQL in a schema of this test's own."""
    if request.param == "sqlite":
        settings: ServiceSettings = settings_factory(service_name="testsvc")
        return settings
    return settings_factory(  # type: ignore[no-any-return]
        service_name="testsvc",
        database_url=request.getfixturevalue("database_url"),
        db_schema=request.getfixturevalue("pg_schema"),
    )


@pytest.fixture
async def engine(db_settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    """The test database with the sample tables, outbox and inbox created."""
    engine = create_engine(db_settings)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


BusFactory = Callable[[], Awaitable[EventBus]]


@pytest.fixture(params=["inprocess", pytest.param("rabbitmq", marks=INTEGRATION)])
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def bus_namespace(bus_kind: str, request: pytest.FixtureRequest) -> AmqpNamespace | None:
    """This test's exchange and queue names on RabbitMQ; None in-process."""
    if bus_kind == "rabbitmq":
        namespace: AmqpNamespace = request.getfixturevalue("amqp_exchange")
        return namespace
    return None


@pytest.fixture
def consumer_name(bus_namespace: AmqpNamespace | None) -> Callable[[str], str]:
    """Consumer names private to this test (prefixed and cleaned up on RabbitMQ)."""
    if bus_namespace is not None:
        return bus_namespace.consumer
    return lambda name: name


@pytest.fixture
async def open_bus(bus_namespace: AmqpNamespace | None) -> AsyncIterator[BusFactory]:
    """``await open_bus()`` starts a bus on this test's exchange; all are closed afterwards.

    In-process, every call returns the same bus (its queues live as long as it does); on
    RabbitMQ each call is a new connection to the same broker objects.
    """
    opened: list[EventBus] = []
    shared: list[InProcessBus] = []
    namespace = bus_namespace

    async def factory() -> EventBus:
        if namespace is None:
            if not shared:
                bus = InProcessBus(max_attempts=3, retry_base_delay=0.01)
                await bus.start()
                shared.append(bus)
                opened.append(bus)
            return shared[0]
        rabbit = RabbitMQBus(
            namespace.amqp_url, exchange=namespace.exchange, max_attempts=3, retry_base_delay=0.01
        )
        await rabbit.start()
        opened.append(rabbit)
        return rabbit

    try:
        yield factory
    finally:
        for bus in reversed(opened):
            await bus.close()
