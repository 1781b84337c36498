"""The whole stack for an end-to-end test, on each kind of infrastructure.

``stack`` runs the test on the embedded default and, in the integration tier, on PostgreSQL and
RabbitMQ (schemas and an exchange of its own, dropped afterwards).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devstack.stack import Stack
from devstack.testing import isolated_stack

INFRASTRUCTURE = ["embedded", pytest.param("postgres+rabbitmq", marks=pytest.mark.integration)]


@pytest.fixture(params=INFRASTRUCTURE)
async def stack(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stack]:
    urls = {}
    if request.param != "embedded":
        urls = {
            "database_url": request.getfixturevalue("database_url"),
            "amqp_url": request.getfixturevalue("amqp_url"),
        }
    async with isolated_stack(tmp_path, **urls) as running:
        yield running
