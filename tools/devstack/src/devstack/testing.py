"""A whole stack for one test: free ports, and on real infrastructure its own schemas and exchange.

End-to-end and integration tests start everything with :func:`isolated_stack`; on PostgreSQL and
RabbitMQ every service gets a schema and queue names under a prefix unique to the test, and they
are dropped afterwards, so tests never see each other's rows or messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from classbridge_common.testing import AmqpNamespace, create_schema, drop_schema, unique_name
from devstack.stack import SERVICES, Stack, StackConfig, running_stack


@contextlib.asynccontextmanager
async def isolated_stack(
    data_dir: Path,
    *,
    database_url: str | None = None,
    amqp_url: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    external: tuple[str, ...] = (),
    metrics: bool = False,
) -> AsyncIterator[Stack]:
    """The stack on the embedded default, or on the given PostgreSQL and RabbitMQ
    (``overrides``, ``external`` and ``metrics`` as in :class:`StackConfig`)."""
    extra: dict[str, Any] = {
        "overrides": dict(overrides or {}),
        "external": external,
        "metrics": metrics,
    }
    if database_url is None and amqp_url is None:
        config = StackConfig(data_dir=data_dir, fixed_ports=False, sim_rate_limits=False, **extra)
        async with running_stack(config) as stack:
            yield stack
        return
    prefix = unique_name("stack")
    namespace = AmqpNamespace(amqp_url=amqp_url, prefix=prefix) if amqp_url else None
    config = StackConfig(
        data_dir=data_dir,
        fixed_ports=False,
        sim_rate_limits=False,
        database_url=database_url,
        amqp_url=amqp_url,
        schema_prefix=prefix,
        events_exchange=namespace.exchange if namespace else None,
        events_queue_prefix=f"{prefix}." if namespace else "",
        **extra,
    )
    schemas = [f"{prefix}_{spec.package}" for spec in SERVICES] if database_url else []
    try:
        for schema in schemas:
            await create_schema(database_url, schema)  # type: ignore[arg-type]
        async with running_stack(config) as stack:
            yield stack
    finally:
        for schema in schemas:
            await drop_schema(database_url, schema)  # type: ignore[arg-type]
        if namespace is not None:
            await namespace.cleanup()
