"""Fixtures: an in-process simulator, an httpx client on it, a webhook receiver that records
raw bodies, and an S2S access token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoomsim import SimConfig, Simulator
from zoomsim.client import SimClient

BASE = "http://zoom.test"
HOOK = "http://receiver.test/zoom/webhook"
SECRET = "receiver-secret"


class Receiver:
    """A webhook endpoint that verifies the signature over the raw bytes, as production must."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.app = Starlette(routes=[Route("/zoom/webhook", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        ts = request.headers["x-zm-request-timestamp"]
        expected = (
            "v0="
            + hmac.new(
                self.secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256
            ).hexdigest()
        )
        ok = hmac.compare_digest(expected, request.headers["x-zm-signature"])
        body = json.loads(raw)
        self.received.append({"raw": raw, "headers": dict(request.headers), "ok": ok, "body": body})
        if not ok:
            return Response(status_code=401)
        if body["event"] == "endpoint.url_validation":
            plain = body["payload"]["plainToken"]
            enc = hmac.new(self.secret.encode(), plain.encode(), hashlib.sha256).hexdigest()
            return JSONResponse({"plainToken": plain, "encryptedToken": enc})
        return Response(status_code=self.status)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        return [
            r["body"]
            for r in self.received
            if r["body"]["event"] != "endpoint.url_validation"
            and (name is None or r["body"]["event"] == name)
        ]


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def config() -> SimConfig:
    return SimConfig(
        public_base_url=BASE,
        webhooks=[],
        uuid_slash_probability=0.0,
        webhook_retry_schedule=[300.0, 1200.0, 3600.0],
        time_factor=0.0002,
    )


@pytest.fixture
async def sim(config: SimConfig, receiver: Receiver) -> AsyncIterator[Simulator]:
    s = Simulator(config, webhook_transport=httpx.ASGITransport(receiver.app))
    async with s:
        yield s


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sim.app), base_url=BASE) as c:
        yield c


@pytest.fixture
async def ctl(sim: Simulator) -> AsyncIterator[SimClient]:
    async with SimClient(BASE, transport=httpx.ASGITransport(sim.app)) as c:
        yield c


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def app_of(sim: Simulator, kind: str) -> Any:
    return next(a for a in sim.state.apps.values() if a.kind == kind)


async def s2s_token(sim: Simulator, http: httpx.AsyncClient) -> str:
    app = app_of(sim, "s2s")
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": app.account_id},
        headers=basic(app.client_id, app.client_secret),
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture
async def api(sim: Simulator, http: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same client with a bearer token set."""
    http.headers["Authorization"] = f"Bearer {await s2s_token(sim, http)}"
    return http
