"""``/api/v1/tenants`` through the edge to a real zoom-gateway (access rules on) and the Zoom
simulator: operators create and list, admins read and configure their own tenant only, and no
secret ever comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from classbridge_common.auth import issue_token
from classbridge_common.testing import TEST_TOKEN_TTL
from edge.app import create_app
from edge.clients import open_clients
from tests.unit.edge.helpers import SECRET, edge_settings
from tests.unit.zoom_gateway.helpers import Zoom, gateway_settings, zoom_gateway, zoom_simulator


def auth(subject: str, role: str, tenant: str | None = None) -> dict[str, str]:
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject=subject, secret=SECRET, roles=[role], tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


OPERATOR = auth("operator-1", "operator")
ADMIN_A = auth("admin-a", "admin", "alpha")
ADMIN_B = auth("admin-b", "admin", "beta")
TEACHER_A = auth("teacher-a", "teacher", "alpha")


@pytest.fixture
async def zoom() -> AsyncIterator[Zoom]:
    async with zoom_simulator() as sim:
        yield sim


@pytest.fixture
async def client(zoom: Zoom, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "gw").mkdir()
    settings = gateway_settings(zoom, tmp_path / "gw", configured=False, auth_jwt_secret=SECRET)
    async with zoom_gateway(settings, authenticate=True) as gw:
        address = gw.running.grpc_address
        names = ("scheduler", "zoom_gateway", "recording_sync", "webhook_admin")
        edge = edge_settings(tmp_path, dict.fromkeys(names, address))
        async with open_clients(edge) as clients:
            app = create_app(settings=edge, clients=clients)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
                yield http


async def test_operators_create_and_list_tenants(client: httpx.AsyncClient) -> None:
    made = await client.post(
        "/api/v1/tenants", json={"id": "alpha", "name": "Alpha School"}, headers=OPERATOR
    )
    assert made.status_code == 201, made.text
    assert made.json()["data"]["id"] == "alpha"
    assert made.json()["data"]["name"] == "Alpha School"
    # A new tenant says what is not configured yet, rather than leaving the keys out.
    assert made.json()["data"]["s2s_configured"] is False
    assert made.json()["data"]["webhook_secret_configured"] is False
    listed = await client.get("/api/v1/tenants", headers=OPERATOR)
    assert listed.status_code == 200
    assert {t["id"] for t in listed.json()["data"]} == {"default", "alpha"}
    for who in (ADMIN_A, TEACHER_A):
        assert (await client.get("/api/v1/tenants", headers=who)).status_code == 403
        refused = await client.post("/api/v1/tenants", json={"id": "x"}, headers=who)
        assert refused.status_code == 403
    bad = await client.post("/api/v1/tenants", json={"id": "Not Valid"}, headers=OPERATOR)
    assert bad.status_code == 400


async def test_admins_read_and_configure_only_their_own(
    client: httpx.AsyncClient, zoom: Zoom
) -> None:
    for tenant in ("alpha", "beta"):
        await client.post("/api/v1/tenants", json={"id": tenant}, headers=OPERATOR)
    mine = await client.get("/api/v1/tenants/me", headers=ADMIN_A)
    assert mine.status_code == 200
    assert mine.json()["data"]["id"] == "alpha"
    assert (await client.get("/api/v1/tenants/alpha", headers=ADMIN_A)).status_code == 200
    assert (await client.get("/api/v1/tenants/beta", headers=ADMIN_A)).status_code == 404
    assert (await client.get("/api/v1/tenants/me", headers=TEACHER_A)).status_code == 403
    assert (await client.get("/api/v1/tenants/beta", headers=OPERATOR)).status_code == 200

    body = {
        "account_id": zoom.account_id,
        "client_id": zoom.s2s_client_id,
        "client_secret": zoom.s2s_client_secret,
        "webhook_secret_token": "whsec-alpha-0123456789",
    }
    checked = await client.put(
        "/api/v1/tenants/me/zoom", json={**body, "validate_only": True}, headers=ADMIN_A
    )
    assert checked.status_code == 200, checked.text
    still = await client.get("/api/v1/tenants/me", headers=ADMIN_A)
    assert still.json()["data"]["s2s_configured"] is False  # said, not left out

    saved = await client.put("/api/v1/tenants/me/zoom", json=body, headers=ADMIN_A)
    assert saved.status_code == 200, saved.text
    data = saved.json()["data"]
    assert data["s2s_configured"]
    assert data["webhook_secret_configured"]
    for secret in (zoom.s2s_client_secret, "whsec-alpha-0123456789"):
        assert secret not in saved.text
    other = await client.put("/api/v1/tenants/beta/zoom", json=body, headers=ADMIN_A)
    assert other.status_code == 404

    wrong = await client.put(
        "/api/v1/tenants/alpha/zoom", json={"client_secret": "wrong"}, headers=ADMIN_A
    )
    assert wrong.status_code == 409  # the edge answers FAILED_PRECONDITION with 409
    assert wrong.json()["error"]["code"] == "FAILED_PRECONDITION"
    assert "invalid_client" in wrong.json()["error"]["message"]
    beta = await client.put(
        "/api/v1/tenants/beta/zoom", json={"oauth_client_id": "o"}, headers=ADMIN_B
    )
    assert beta.status_code == 200
    assert beta.json()["data"]["oauth_client_id"] == "o"
