"""Helpers for every service's tests: tiers, isolated schemas and exchanges, settings, waiting.

The fixtures in the repository's ``tests/conftest.py`` are thin wrappers over these, so a
service's own fixtures can reuse them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from classbridge_common.messages import Envelope
from classbridge_common.settings import ServiceSettings

__all__ = [
    "AmqpNamespace",
    "EnvelopeCollector",
    "IntegrationTier",
    "create_schema",
    "delete_amqp_objects",
    "describe_url",
    "drop_schema",
    "integration_tier",
    "make_settings",
    "unique_name",
    "unreachable",
    "wait_until",
]

S = TypeVar("S", bound=ServiceSettings)

REQUIRE_INTEGRATION_ENV = "CLASSBRIDGE_REQUIRE_INTEGRATION"

# Lifetime of the tokens tests mint when they import (module constants, parameters): longer
# than any run of the suite, so a slow machine never turns them into "token expired".
TEST_TOKEN_TTL = timedelta(hours=12)


def unique_name(prefix: str = "t") -> str:
    """A short unique lower-case identifier, valid as a schema, queue or exchange name."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def describe_url(url: str) -> str:
    """``host:port/path`` of ``url`` — never its user name or password."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or '?'}{port}{parts.path or ''}"


def unreachable(url: str, *, timeout: float = 3.0) -> str | None:
    """Why ``url``'s server cannot be reached over TCP, or ``None`` when it can."""
    parts = urlsplit(url)
    default = 5432 if parts.scheme.startswith("postgres") else 5672
    try:
        with socket.create_connection(
            (parts.hostname or "localhost", parts.port or default), timeout
        ):
            return None
    except OSError as error:
        return f"{describe_url(url)}: {error.strerror or error}"


@dataclass(frozen=True)
class IntegrationTier:
    """Which real servers the integration tier uses, from the environment."""

    database_url: str | None
    amqp_url: str | None
    required: bool

    @property
    def configured(self) -> bool:
        return bool(self.database_url and self.amqp_url)

    def describe(self) -> str:
        if not self.configured:
            missing = [
                n
                for n, v in (("DATABASE_URL", self.database_url), ("AMQP_URL", self.amqp_url))
                if not v
            ]
            what = "required but" if self.required else "skipped:"
            return f"integration tier: {what} {' and '.join(missing)} not set"
        assert self.database_url
        assert self.amqp_url
        return (
            f"integration tier: PostgreSQL at {describe_url(self.database_url)}, "
            f"RabbitMQ at {describe_url(self.amqp_url)}"
        )


def integration_tier(environ: dict[str, str] | None = None) -> IntegrationTier:
    """Read ``DATABASE_URL``, ``AMQP_URL`` and ``CLASSBRIDGE_REQUIRE_INTEGRATION``."""
    env = dict(os.environ if environ is None else environ)
    return IntegrationTier(
        database_url=env.get("DATABASE_URL") or None,
        amqp_url=env.get("AMQP_URL") or None,
        required=env.get(REQUIRE_INTEGRATION_ENV, "") not in ("", "0", "false"),
    )


async def create_schema(database_url: str, schema: str) -> None:
    """Create PostgreSQL ``schema`` (a test's private one)."""
    await _execute(database_url, f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


async def drop_schema(database_url: str, schema: str) -> None:
    """Drop PostgreSQL ``schema`` and everything in it."""
    await _execute(database_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def _execute(database_url: str, sql: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@dataclass
class AmqpNamespace:
    """Exchange and consumer names private to one test; :meth:`cleanup` deletes them."""

    amqp_url: str
    prefix: str
    consumers: list[str] = field(default_factory=list)

    @property
    def exchange(self) -> str:
        return f"{self.prefix}.events"

    def consumer(self, name: str) -> str:
        """A consumer (queue) name under this namespace's prefix."""
        full = f"{self.prefix}.{name}"
        if full not in self.consumers:
            self.consumers.append(full)
        return full

    async def cleanup(self) -> None:
        queues = [q for c in self.consumers for q in (c, f"{c}.dlq")]
        await delete_amqp_objects(
            self.amqp_url, exchanges=[self.exchange, f"{self.exchange}.dlx"], queues=queues
        )


async def delete_amqp_objects(
    amqp_url: str, *, exchanges: Sequence[str], queues: Sequence[str]
) -> None:
    """Delete ``queues`` and ``exchanges`` (missing ones are fine)."""
    import aio_pika

    connection = await aio_pika.connect(amqp_url)
    try:
        for name in queues:
            channel = await connection.channel()
            with contextlib.suppress(Exception):  # already gone (the failure closes the channel)
                await channel.queue_delete(name)
        for name in exchanges:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)
    finally:
        await connection.close()


def make_settings(
    cls: type[S] = ServiceSettings,  # type: ignore[assignment]
    *,
    service_name: str = "testsvc",
    data_dir: Path,
    database_url: str | None = None,
    db_schema: str | None = None,
    amqp_url: str | None = None,
    **fields: Any,
) -> S:
    """Settings for a service bound to a test's database and broker (the environment ignored).

    ``database_url=None`` means the SQLite file under ``data_dir``; ``amqp_url=None`` the
    in-process bus.
    """
    values: dict[str, Any] = {
        "service_name": service_name,
        "env": "dev",
        "data_dir": data_dir,
        "database_url": database_url,
        "db_schema": db_schema,
        "amqp_url": amqp_url,
        **fields,
    }
    return cls.model_validate(values)


class EnvelopeCollector:
    """A bus handler that records what it receives; tests await conditions on it."""

    def __init__(self, *, fail_times: int = 0) -> None:
        self.received: list[Envelope] = []
        self.calls = 0
        self._fail_times = fail_times
        self._changed = asyncio.Condition()

    async def __call__(self, envelope: Envelope) -> None:
        async with self._changed:
            self.calls += 1
            self._changed.notify_all()
            if self.calls <= self._fail_times:
                raise RuntimeError(f"failing on purpose ({self.calls} of {self._fail_times})")
            self.received.append(envelope)
            self._changed.notify_all()

    @property
    def message_ids(self) -> list[str]:
        return [e.message_id for e in self.received]

    async def wait_for(self, predicate: Callable[[], bool], *, within: float = 30.0) -> None:
        """Wait until ``predicate()`` holds (raises ``TimeoutError`` after ``within`` seconds)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def wait_count(self, count: int, *, within: float = 30.0) -> list[Envelope]:
        """Wait for at least ``count`` successful deliveries; returns them."""
        await self.wait_for(lambda: len(self.received) >= count, within=within)
        return list(self.received)


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    within: float = 30.0,
    interval: float = 0.05,
) -> None:
    """Poll ``condition`` until it is true; ``TimeoutError`` after ``within`` seconds seconds."""
    async with asyncio.timeout(within):
        while True:
            result = condition()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(interval)


@contextlib.contextmanager
def moto_s3_server(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """moto's S3-compatible server as a process of its own (its memory never counts against
    the test's, and a worker process can reach it); yields its URL. ``env`` adds variables
    (e.g. ``INITIAL_NO_AUTH_ACTION_COUNT`` to make it enforce IAM after the setup calls)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            **(env or {}),
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/moto-api/", timeout=1).status_code < 500:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto server did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
