"""Rate limits per caller, per tenant and per address: 429 with ``Retry-After``, the error
envelope and the rate-limit headers; recovery as the minute passes; probes and the reference
never limited; both stores (memory, and the database one on SQLite) keep the same buckets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from classbridge_common.db import create_engine
from classbridge_common.testing import make_settings
from edge import openapi
from edge.app import create_app
from edge.clients import Clients
from edge.rate_buckets import Bucket, BucketStore, DatabaseBuckets, Level, MemoryBuckets
from edge.rate_limits import Limiter, store_for
from edge.settings import Settings
from tests.unit.edge.helpers import SECRET, token

RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "rate_limit_per_caller_per_minute": 0,
        "rate_limit_per_tenant_per_minute": 0,
        "rate_limit_per_address_per_minute": 0,
    }
    values.update(overrides)
    return make_settings(
        Settings, service_name="edge", data_dir=tmp_path, auth_jwt_secret=SECRET, **values
    )


def _app(tmp_path: Path, clock: Clock | None = None, **overrides: Any) -> Starlette:
    app = create_app(settings=_settings(tmp_path, **overrides), clients=Clients.__new__(Clients))
    if clock is not None:
        limiter: Limiter = app.state.rate_limiter
        limiter.store = MemoryBuckets(clock=clock)
    return app


def _client(app: Starlette, address: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://edge.test")


def _as(subject: str, tenant: str = "default") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(subject, tenant=tenant)}"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def per_caller(tmp_path: Path, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(_app(tmp_path, clock, rate_limit_per_caller_per_minute=3)) as http:
        yield http


async def test_a_caller_over_their_limit_gets_429_with_retry_after_and_the_envelope(
    per_caller: httpx.AsyncClient,
) -> None:
    remaining = []
    for _ in range(3):
        answer = await per_caller.get("/api/nothing", headers=_as("teacher-1"))
        assert answer.status_code == 404  # let through: the router answers
        remaining.append(answer.headers["ratelimit-remaining"])
        assert answer.headers["ratelimit-limit"] == "3"
        assert answer.headers["ratelimit-policy"] == "3;w=60"
    assert remaining == ["2", "1", "0"]
    refused = await per_caller.get("/api/nothing", headers=_as("teacher-1"))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"  # a request every 60/3 seconds
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == "60"
    body = refused.json()
    assert body["success"] is False
    assert body["error"]["code"] == "RESOURCE_EXHAUSTED"
    assert "caller" in body["error"]["message"]
    assert {"type": "retry", "retry_after_seconds": 20} in body["error"]["details"]
    # another person, and the same subject in another tenant, have buckets of their own
    assert (await per_caller.get("/api/nothing", headers=_as("teacher-2"))).status_code == 404
    other_tenant = await per_caller.get("/api/nothing", headers=_as("teacher-1", tenant="acme"))
    assert other_tenant.status_code == 404


async def test_a_limited_caller_recovers_as_the_minute_passes(
    per_caller: httpx.AsyncClient, clock: Clock
) -> None:
    for _ in range(3):
        await per_caller.get("/api/nothing", headers=_as("teacher-1"))
    assert (await per_caller.get("/api/nothing", headers=_as("teacher-1"))).status_code == 429
    clock.now += 19
    assert (await per_caller.get("/api/nothing", headers=_as("teacher-1"))).status_code == 429
    clock.now += 1  # one request's worth refilled
    answer = await per_caller.get("/api/nothing", headers=_as("teacher-1"))
    assert answer.status_code == 404
    assert answer.headers["ratelimit-remaining"] == "0"
    clock.now += 60  # a whole window: the full burst again
    statuses = [
        (await per_caller.get("/api/nothing", headers=_as("teacher-1"))).status_code
        for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]


async def test_a_tenant_over_its_limit_refuses_all_its_callers_but_no_other_tenant(
    tmp_path: Path, clock: Clock
) -> None:
    app = _app(
        tmp_path, clock, rate_limit_per_caller_per_minute=2, rate_limit_per_tenant_per_minute=3
    )
    async with _client(app) as http:
        # a caller over their own limit does not spend the tenant's
        first = [(await http.get("/x", headers=_as("a"))).status_code for _ in range(4)]
        assert first == [404, 404, 429, 429]
        assert (await http.get("/x", headers=_as("b"))).status_code == 404
        refused = await http.get("/x", headers=_as("c"))
        assert refused.status_code == 429
        assert "tenant" in refused.json()["error"]["message"]
        assert refused.headers["ratelimit-limit"] == "3"
        assert refused.headers["retry-after"] == "20"
        assert (await http.get("/x", headers=_as("a", tenant="acme"))).status_code == 404
        # the tenant's refusal gave c's token back: c has its whole limit once the tenant refills
        clock.now += 40
        statuses = [(await http.get("/x", headers=_as("c"))).status_code for _ in range(3)]
        assert statuses == [404, 404, 429]


async def test_requests_without_a_valid_token_are_limited_by_address(
    tmp_path: Path, clock: Clock
) -> None:
    app = _app(tmp_path, clock, rate_limit_per_address_per_minute=2)
    async with _client(app, "10.0.0.1") as one, _client(app, "10.0.0.2") as two:
        statuses = [(await one.get("/api/v1/sessions")).status_code for _ in range(2)]
        forged = await one.get("/api/v1/sessions", headers={"Authorization": "Bearer forged"})
        assert statuses == [401, 401]
        assert forged.status_code == 429
        assert "address" in forged.json()["error"]["message"]
        assert (await two.get("/api/v1/sessions")).status_code == 401
        # a valid token is limited as its caller, not by address (per-caller limit off here)
        assert (await one.get("/x", headers=_as("a"))).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/health", "/openapi.json", "/docs", "/redoc", "/docs/assets/swagger-ui.css"],
)
async def test_probes_and_the_reference_are_never_limited(
    tmp_path: Path, clock: Clock, path: str
) -> None:
    app = _app(
        tmp_path,
        clock,
        rate_limit_per_address_per_minute=1,
        rate_limit_per_caller_per_minute=1,
    )
    async with _client(app) as http:
        for headers in ({}, _as("a"), {}, _as("a"), {}):
            answer = await http.get(path, headers=headers)
            assert answer.status_code != 429, path
            assert not any(h in answer.headers for h in RATE_HEADERS)


async def test_limits_at_zero_are_off(tmp_path: Path) -> None:
    async with _client(_app(tmp_path)) as http:
        for _ in range(5):
            answer = await http.get("/x", headers=_as("a"))
            assert answer.status_code == 404
            assert "ratelimit-limit" not in answer.headers


async def test_a_failing_store_lets_requests_through(tmp_path: Path) -> None:
    class Broken(MemoryBuckets):
        name = "broken"

        async def take(self, bucket: Bucket) -> Level:
            raise ConnectionError("database unreachable")

    app = _app(tmp_path, rate_limit_per_caller_per_minute=1)
    app.state.rate_limiter.store = Broken()
    async with _client(app) as http:
        for _ in range(3):
            answer = await http.get("/x", headers=_as("a"))
            assert answer.status_code == 404
            assert "ratelimit-limit" not in answer.headers


def test_the_defaults_are_on_and_generous(tmp_path: Path) -> None:
    settings = make_settings(Settings, service_name="edge", data_dir=tmp_path)
    assert settings.rate_limit_per_caller_per_minute >= 1000
    assert settings.rate_limit_per_tenant_per_minute >= 5000
    assert settings.rate_limit_per_address_per_minute >= 500
    assert store_for(settings).name == "memory"  # alone: no DATABASE_URL


async def test_the_database_store_is_chosen_when_asked_and_keeps_the_same_buckets(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = _settings(tmp_path, rate_limit_per_caller_per_minute=5, database_url=sqlite_url)
    chosen = store_for(settings)
    try:
        assert chosen.name == "database"
    finally:
        await chosen.aclose()
    memory_clock, db_clock = Clock(), Clock()
    engine = create_engine(_settings(tmp_path, database_url=sqlite_url))
    stores: list[BucketStore] = [
        MemoryBuckets(clock=memory_clock),
        DatabaseBuckets(engine, clock=db_clock),
    ]
    bucket = Bucket.per_minute("c:default:a", 2)
    try:
        for store in stores:
            taken = [await store.take(bucket) for _ in range(3)]
            assert [t.allowed for t in taken] == [True, True, False]
            assert [t.remaining for t in taken] == [1, 0, 0]
            assert taken[2].retry_after == 30
            assert taken[2].reset == 60
            await store.give_back(bucket)
            assert (await store.take(bucket)).allowed
        for clock in (memory_clock, db_clock):
            clock.now += 45  # 1.5 tokens refilled
        for store in stores:
            level = await store.take(bucket)
            assert level.allowed
            assert level.tokens == pytest.approx(0.5)
            assert level.retry_after == 15
        for clock in (memory_clock, db_clock):
            clock.now += 3600  # full again, long ago: the bucket is forgotten
        for store in stores:
            assert (await store.take(Bucket.per_minute("c:default:other", 2))).allowed
            assert (await store.take(bucket)).remaining == 1
    finally:
        for store in stores:
            await store.aclose()


def test_the_document_describes_the_rate_limit_headers(tmp_path: Path) -> None:
    document = openapi.build(_app(tmp_path).routes)
    operation = document["paths"]["/api/v1/sessions"]["get"]
    refused = operation["responses"]["429"]
    assert refused["headers"]["Retry-After"]["schema"]["type"] == "integer"
    for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"):
        assert name in refused["headers"]
        assert name in operation["responses"]["200"]["headers"]
        assert not operation["responses"]["200"]["headers"][name].get("required", False)
    health = document["paths"]["/healthz"]["get"]["responses"]
    assert "429" not in health
    assert "headers" not in health["200"]
