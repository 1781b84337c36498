"""The browser's Zoom OAuth flow through the edge, a real zoom-gateway (access rules on) and the
Zoom simulator's authorize page: the redirect lands on ``GET /api/zoom/auth`` without a token,
the connection is made for the user who started it, and the browser goes to the front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from classbridge_common.auth import issue_token
from classbridge_common.testing import TEST_TOKEN_TTL
from edge.app import create_app
from edge.clients import open_clients
from tests.unit.edge.helpers import SECRET, edge_settings
from tests.unit.zoom_gateway.helpers import Zoom, gateway_settings, zoom_gateway, zoom_simulator

EDGE = "https://edge.test"  # Zoom refuses plain http redirects off loopback
FRONT = "https://app.classbridge.test/settings/zoom?tab=1"
TEACHER = {
    "Authorization": "Bearer "
    + issue_token(
        ttl=TEST_TOKEN_TTL, subject="teacher-1", secret=SECRET, roles=["teacher"], tenant="default"
    )
}


@pytest.fixture
async def zoom() -> AsyncIterator[Zoom]:
    async with zoom_simulator() as sim:
        yield sim


@pytest.fixture
async def client(zoom: Zoom, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "gw").mkdir()
    settings = gateway_settings(
        zoom,
        tmp_path / "gw",
        auth_jwt_secret=SECRET,
        zoom_oauth_redirect_uri=f"{EDGE}/api/zoom/auth",
    )
    async with zoom_gateway(settings, authenticate=True) as gw:
        address = gw.running.grpc_address
        names = ("scheduler", "zoom_gateway", "recording_sync", "webhook_admin")
        edge = edge_settings(tmp_path, dict.fromkeys(names, address), frontend_url=FRONT)
        async with open_clients(edge) as clients:
            app = create_app(settings=edge, clients=clients)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=EDGE) as http:
                yield http


async def _through_zoom(client: httpx.AsyncClient, zoom: Zoom) -> str:
    """Ask for the URL as the teacher, let the simulator's authorize page approve it: the path
    and query Zoom sends the browser back to."""
    issued = await client.get("/api/zoom/auth-url", headers=TEACHER)
    assert issued.status_code == 200, issued.text
    url = issued.json()["data"]["authorization_url"].replace("https://zoom.us", zoom.url)
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(url)
    assert approved.status_code == 302
    back = urlsplit(approved.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{EDGE}/api/zoom/auth"
    return f"{back.path}?{back.query}"


def _outcome(answer: httpx.Response) -> dict[str, list[str]]:
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("https://app.classbridge.test/settings/zoom?")
    return parse_qs(urlsplit(location).query)


async def test_the_browser_flow_ends_connected(client: httpx.AsyncClient, zoom: Zoom) -> None:
    callback = await _through_zoom(client, zoom)
    landed = await client.get(callback)  # no token: a browser's navigation
    assert _outcome(landed) == {"tab": ["1"], "zoom": ["connected"]}
    connection = await client.get("/api/zoom/connection", headers=TEACHER)
    assert connection.status_code == 200
    assert connection.json()["data"]["state"] == "connected"
    status = await client.get("/auth/zoom/status", headers=TEACHER)
    assert status.json()["data"]["authenticated"] is True
    # The same redirect again (a reload, or someone replaying it): refused, never a 500.
    again = await client.get(callback)
    assert _outcome(again) == {"tab": ["1"], "zoom": ["error"], "reason": ["invalid_state"]}


async def test_a_tampered_state_is_refused(client: httpx.AsyncClient, zoom: Zoom) -> None:
    callback = await _through_zoom(client, zoom)
    query = parse_qs(urlsplit(callback).query)
    gateway_state = query["state"][0].split("~")[0]
    for state in (gateway_state, gateway_state + "~e30.AAAA", "garbage"):
        landed = await client.get(
            "/api/zoom/auth", params={"code": query["code"][0], "state": state}
        )
        assert _outcome(landed)["zoom"] == ["error"]
    # The genuine one still works: nothing above burned it.
    assert _outcome(await client.get(callback))["zoom"] == ["connected"]
