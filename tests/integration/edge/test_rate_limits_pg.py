"""Two edge replicas sharing one PostgreSQL schema share one set of rate limits: what one
replica let through counts on the other, per caller and per tenant, as behind a load balancer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from classbridge_common.testing import make_settings
from edge.app import create_app
from edge.clients import Clients
from edge.settings import Settings
from tests.unit.edge.helpers import SECRET, token

pytestmark = pytest.mark.integration


@asynccontextmanager
async def _replicas(
    tmp_path: Path, database_url: str, schema: str, **limits: Any
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two edge apps, each with its own limiter and connection pool, on one schema."""
    apps: list[Starlette] = []
    clients: list[httpx.AsyncClient] = []
    try:
        for name in ("a", "b"):
            settings = make_settings(
                Settings,
                service_name="edge",
                data_dir=tmp_path / name,
                database_url=database_url,
                db_schema=schema,
                auth_jwt_secret=SECRET,
                **limits,
            )
            app = create_app(settings=settings, clients=Clients.__new__(Clients))
            assert app.state.rate_limiter.store.name == "database"
            # These tests count what the shared buckets admit; a store slower than the limiter's
            # timeout fails open (by design) and would be counted as admitted on a busy machine.
            app.state.rate_limiter._timeout = 30.0
            apps.append(app)
            transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 40000))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://edge.test"))
        yield clients
    finally:
        for client in clients:
            await client.aclose()
        for app in apps:
            await app.state.rate_limiter.aclose()


def _as(subject: str, tenant: str = "default") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(subject, tenant=tenant)}"}


async def test_two_replicas_share_one_callers_limit(
    tmp_path: Path, database_url: str, pg_schema: str
) -> None:
    limits = {
        "rate_limit_per_caller_per_minute": 4,
        "rate_limit_per_tenant_per_minute": 0,
        "rate_limit_per_address_per_minute": 0,
    }
    async with _replicas(tmp_path, database_url, pg_schema, **limits) as (a, b):
        statuses = [
            (await (a if i % 2 else b).get("/x", headers=_as("teacher-1"))).status_code
            for i in range(4)
        ]
        assert statuses == [404, 404, 404, 404]
        for replica in (a, b):
            refused = await replica.get("/x", headers=_as("teacher-1"))
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "15"
            assert refused.headers["ratelimit-limit"] == "4"
            assert refused.json()["error"]["code"] == "RESOURCE_EXHAUSTED"
        assert (await b.get("/x", headers=_as("teacher-2"))).status_code == 404


async def test_two_replicas_under_concurrent_load_let_through_exactly_the_tenants_limit(
    tmp_path: Path, database_url: str, pg_schema: str
) -> None:
    limits = {
        "rate_limit_per_caller_per_minute": 1000,
        "rate_limit_per_tenant_per_minute": 10,
        "rate_limit_per_address_per_minute": 0,
    }
    async with _replicas(tmp_path, database_url, pg_schema, **limits) as (a, b):
        answers = await asyncio.gather(
            *((a if i % 2 else b).get("/x", headers=_as(f"person-{i % 5}")) for i in range(30))
        )
        statuses = [answer.status_code for answer in answers]
        # 10 tokens in the tenant's bucket (plus at most a fraction refilled meanwhile)
        assert statuses.count(404) in (10, 11)
        assert statuses.count(429) == 30 - statuses.count(404)
        assert (await a.get("/x", headers=_as("person-0", tenant="acme"))).status_code == 404
