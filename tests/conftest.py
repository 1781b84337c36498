"""Fixtures for every test in the repository: which tier runs, and isolated resources.

Integration tests (``@pytest.mark.integration``) need ``DATABASE_URL`` (PostgreSQL) and
``AMQP_URL`` (RabbitMQ). Unset, they skip — unless ``CLASSBRIDGE_REQUIRE_INTEGRATION=1`` (CI),
where they fail; set but unreachable, they always fail. Each test gets its own PostgreSQL schema
and its own exchange and queue names, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from classbridge_common.settings import ServiceSettings
from classbridge_common.testing import (
    AmqpNamespace,
    IntegrationTier,
    create_schema,
    drop_schema,
    integration_tier,
    make_settings,
    unique_name,
    unreachable,
)


def pytest_report_header(config: pytest.Config) -> str:
    return integration_tier().describe()


@cache
def _tier_problem() -> tuple[str, str] | None:
    """("skip" | "fail", reason) when the integration tier cannot run, else None."""
    tier = integration_tier()
    if not tier.configured:
        reason = tier.describe()
        return ("fail" if tier.required else "skip", reason)
    assert tier.database_url
    assert tier.amqp_url
    problems = [p for p in (unreachable(tier.database_url), unreachable(tier.amqp_url)) if p]
    if problems:
        return ("fail", "integration servers configured but unreachable: " + "; ".join(problems))
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("integration") is None:
        return
    problem = _tier_problem()
    if problem is None:
        return
    verdict, reason = problem
    if verdict == "skip":
        pytest.skip(reason)
    pytest.fail(reason, pytrace=False)


@pytest.fixture
def tier() -> IntegrationTier:
    """The integration tier's servers (use only from integration tests)."""
    return integration_tier()


@pytest.fixture
def database_url(tier: IntegrationTier) -> str:
    """The PostgreSQL URL of the integration tier."""
    if not tier.database_url:
        pytest.skip("DATABASE_URL is not set")
    return tier.database_url


@pytest.fixture
def amqp_url(tier: IntegrationTier) -> str:
    """The RabbitMQ URL of the integration tier."""
    if not tier.amqp_url:
        pytest.skip("AMQP_URL is not set")
    return tier.amqp_url


@pytest.fixture
async def pg_schema(database_url: str) -> AsyncIterator[str]:
    """A PostgreSQL schema of this test's own, dropped with everything in it afterwards."""
    schema = unique_name("test")
    await create_schema(database_url, schema)
    try:
        yield schema
    finally:
        await drop_schema(database_url, schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An aiosqlite URL of a fresh database file in this test's temporary directory."""
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def amqp_exchange(amqp_url: str) -> AsyncIterator[AmqpNamespace]:
    """An exchange name and consumer-name prefix of this test's own; deleted afterwards."""
    namespace = AmqpNamespace(amqp_url=amqp_url, prefix=unique_name("test"))
    try:
        yield namespace
    finally:
        await namespace.cleanup()


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Any]:
    """``settings_factory(cls=ServiceSettings, **fields)``: settings bound to this test.

    Defaults to the SQLite file under the test's temporary directory and the in-process bus;
    pass ``database_url=..., db_schema=pg_schema, amqp_url=...`` for the integration tier.
    """

    def build(cls: type[ServiceSettings] = ServiceSettings, **fields: Any) -> ServiceSettings:
        fields.setdefault("data_dir", tmp_path / "var")
        return make_settings(cls, **fields)

    return build
