"""CORS with allowed origins per tenant: preflights are allowed by origin alone, an actual
request's answer is readable only by a front end of the caller's own tenant, and the headers a
client needs are exposed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from classbridge_common.settings import SettingsError
from classbridge_common.testing import make_settings
from edge.app import create_app
from edge.clients import Clients
from edge.cors import TenantOrigins
from edge.settings import Settings, load
from tests.unit.edge.helpers import SECRET, token

SCHOOL_A = "https://app.school-a.edu"
ACME = "https://lms.acme.org"
CONSOLE = "https://console.classbridge.example"
ORIGINS = f"{SCHOOL_A}=default,{ACME}=acme,{CONSOLE}=*"


def _app(tmp_path: Path, **overrides: Any) -> Starlette:
    settings = make_settings(
        Settings, service_name="edge", data_dir=tmp_path, auth_jwt_secret=SECRET, **overrides
    )
    return create_app(settings=settings, clients=Clients.__new__(Clients))


@pytest.fixture
async def edge(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(tmp_path, cors_origins=ORIGINS))
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        yield http


def _bearer(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token('teacher-1', tenant=tenant)}"}


def _preflight(origin: str, method: str = "POST", headers: str = "authorization") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_a_preflight_from_a_configured_origin_is_allowed(edge: httpx.AsyncClient) -> None:
    answer = await edge.options(
        "/api/v1/sessions", headers=_preflight(ACME, headers="authorization, content-type")
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ACME
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "idempotency-key" in allowed
    assert answer.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in answer.headers  # bearer tokens, no cookies
    assert "origin" in answer.headers["vary"].lower()


async def test_a_preflight_from_an_unknown_origin_is_refused(edge: httpx.AsyncClient) -> None:
    for origin in ("https://evil.example", "https://app.school-a.edu.evil.example", "null"):
        answer = await edge.options("/api/v1/sessions", headers=_preflight(origin))
        assert answer.status_code == 400
        assert "access-control-allow-origin" not in answer.headers


async def test_a_preflight_asking_for_a_header_not_allowed_is_refused(
    edge: httpx.AsyncClient,
) -> None:
    answer = await edge.options("/api/v1/sessions", headers=_preflight(ACME, headers="x-secret"))
    assert answer.status_code == 400


async def test_an_answer_to_the_callers_own_tenant_origin_is_readable(
    edge: httpx.AsyncClient,
) -> None:
    answer = await edge.get("/api/nothing-here", headers={"Origin": ACME, **_bearer("acme")})
    assert answer.status_code == 404
    assert answer.headers["access-control-allow-origin"] == ACME
    exposed = {h.strip() for h in answer.headers["access-control-expose-headers"].split(",")}
    assert {
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "RateLimit-Policy",
        "WWW-Authenticate",
    } <= exposed
    assert "origin" in answer.headers["vary"].lower()


async def test_another_tenants_answer_gets_no_allowance(edge: httpx.AsyncClient) -> None:
    # school A's front end, with a token of acme: the browser must not let it read the answer
    answer = await edge.get("/api/nothing-here", headers={"Origin": SCHOOL_A, **_bearer("acme")})
    assert answer.status_code == 404
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-expose-headers" not in answer.headers
    assert "origin" in answer.headers["vary"].lower()
    # nor on a public route, where authentication still knows the caller
    health = await edge.get("/healthz", headers={"Origin": SCHOOL_A, **_bearer("acme")})
    assert "access-control-allow-origin" not in health.headers


async def test_an_origin_for_any_tenant_reads_every_tenants_answers(
    edge: httpx.AsyncClient,
) -> None:
    for tenant in ("default", "acme", "other"):
        answer = await edge.get("/api/nothing", headers={"Origin": CONSOLE, **_bearer(tenant)})
        assert answer.headers["access-control-allow-origin"] == CONSOLE


async def test_an_answer_without_a_valid_token_is_readable_by_any_configured_origin(
    edge: httpx.AsyncClient,
) -> None:
    # the front end must be able to read its 401 (and sign the person in again)
    answer = await edge.get("/api/v1/sessions", headers={"Origin": SCHOOL_A})
    assert answer.status_code == 401
    assert answer.headers["access-control-allow-origin"] == SCHOOL_A
    forged = await edge.get(
        "/api/v1/sessions", headers={"Origin": SCHOOL_A, "Authorization": "Bearer forged"}
    )
    assert forged.status_code == 401
    assert forged.headers["access-control-allow-origin"] == SCHOOL_A


async def test_an_unknown_origin_gets_no_allowance(edge: httpx.AsyncClient) -> None:
    answer = await edge.get(
        "/api/nothing", headers={"Origin": "https://evil.example", **_bearer("acme")}
    )
    assert "access-control-allow-origin" not in answer.headers


async def test_a_refusal_by_the_rate_limits_is_readable_by_the_tenants_front_end(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path, cors_origins=ORIGINS, rate_limit_per_caller_per_minute=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        headers = {"Origin": ACME, **_bearer("acme")}
        await http.get("/api/nothing", headers=headers)
        refused = await http.get("/api/nothing", headers=headers)
        other = await http.get("/api/nothing", headers={**headers, "Origin": SCHOOL_A})
    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == ACME
    assert "Retry-After" in refused.headers["access-control-expose-headers"]
    assert other.status_code == 429
    assert "access-control-allow-origin" not in other.headers


async def test_without_configured_origins_nothing_changes(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        preflight = await http.options("/api/v1/sessions", headers=_preflight(ACME))
        actual = await http.get("/healthz", headers={"Origin": ACME})
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code != 200
    assert "access-control-allow-origin" not in actual.headers
    assert "vary" not in actual.headers


def test_the_origin_map_reads_repeated_origins_and_normalises_them() -> None:
    origins = TenantOrigins.parse(
        " https://App.School-A.edu/=default , https://app.school-a.edu=acme,"
        "http://localhost:3000=default,"
    )
    assert dict(origins.tenants) == {
        "https://app.school-a.edu": frozenset({"default", "acme"}),
        "http://localhost:3000": frozenset({"default"}),
    }
    assert origins.serves("https://APP.school-a.edu", "acme")
    assert not origins.serves("https://app.school-a.edu", "other")
    assert not TenantOrigins.parse(None)


@pytest.mark.parametrize(
    "bad",
    [
        "https://app.school-a.edu",  # no tenant
        "*=default",  # no wildcard origins
        "https://app.school-a.edu/path=default",
        "ftp://files.school-a.edu=default",
        "https://app.school-a.edu=Bad Tenant",
    ],
)
def test_a_bad_origin_map_is_refused_at_start_up(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="origin=tenant"):
        TenantOrigins.parse(bad)
    with pytest.raises(SettingsError, match="CORS_ORIGINS"):
        load(data_dir=tmp_path, cors_origins=bad)
