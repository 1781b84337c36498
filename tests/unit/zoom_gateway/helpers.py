"""A Zoom simulator on a real socket and zoom-gateways talking to it over gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge.zoomgateway.v1.zoom_gateway_pb2_grpc import ZoomGatewayServiceStub
from classbridge_common.auth import ServiceTokenIssuer, issue_token
from classbridge_common.crypto import generate_key
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.errors import ClassbridgeError, from_grpc_error
from classbridge_common.testing import make_settings
from zoom_gateway.bootstrap import MIGRATIONS_DIR, Running, running
from zoom_gateway.settings import Settings
from zoomsim import SimConfig, Simulator
from zoomsim.client import SimClient
from zoomsim.server import serve_in_process

REDIRECT_URI = "https://app.classbridge.test/zoom/callback"
ENCRYPTION_KEY = generate_key()
USER_SECRET = "zoom-gateway-test-user-key-long-enough-for-hs256"
SERVICE_SECRET = "zoom-gateway-test-service-key-long-enough-for-hs256"
TEST_TTL = timedelta(hours=12)


def user_token(
    subject: str, *roles: str, tenant: str | None = None, secret: str = USER_SECRET
) -> str:
    """A person's token (the course platform's), signed with the user key. Long-lived: test
    modules make theirs at import, and a long suite must not outlive them."""
    return issue_token(subject=subject, secret=secret, roles=roles, tenant=tenant, ttl=TEST_TTL)


def service_token(name: str, *, secret: str = SERVICE_SECRET) -> str:
    """A Classbridge service's own token, signed with the service key (long-lived too)."""
    return ServiceTokenIssuer(name, secret=secret, ttl=TEST_TTL).token()


def bearer(token: str, *, tenant: str | None = None) -> list[tuple[str, str]]:
    """gRPC metadata carrying ``token`` (and, for a service, the tenant it acts for)."""
    metadata = [("authorization", f"Bearer {token}")]
    if tenant:
        metadata.append(("x-classbridge-tenant", tenant))
    return metadata


@dataclass
class Zoom:
    """A running simulator and what a gateway needs to use it."""

    sim: Simulator
    url: str
    ctl: SimClient
    account_id: str
    s2s_client_id: str
    s2s_client_secret: str
    oauth_client_id: str
    oauth_client_secret: str
    users: list[dict[str, str]]

    def secrets(self) -> list[str]:
        """Every credential and token the simulator has handed out (for log checks)."""
        state = self.sim.state
        values = [self.s2s_client_secret, self.oauth_client_secret]
        values += list(state.access_tokens)
        values += list(getattr(state, "refresh_tokens", {}))
        return [v for v in values if v]

    def requests(self, method: str, fragment: str) -> list[dict[str, Any]]:
        return [r for r in self.sim.requests if r["method"] == method and fragment in r["path"]]


@asynccontextmanager
async def zoom_simulator(**config: Any) -> AsyncIterator[Zoom]:
    config.setdefault("uuid_slash_probability", 0.0)
    sim = Simulator(SimConfig(**config))
    async with serve_in_process(sim) as url, SimClient(url) as ctl:
        creds = sim.credentials()[0]
        apps = {a["kind"]: a for a in creds["apps"]}
        yield Zoom(
            sim=sim,
            url=url,
            ctl=ctl,
            account_id=creds["account_id"],
            s2s_client_id=apps["s2s"]["client_id"],
            s2s_client_secret=apps["s2s"]["client_secret"],
            oauth_client_id=apps["oauth"]["client_id"],
            oauth_client_secret=apps["oauth"]["client_secret"],
            users=creds["users"],
        )


def gateway_settings(
    zoom: Zoom | None, data_dir: Path, *, configured: bool = True, **fields: Any
) -> Settings:
    values: dict[str, Any] = {
        "grpc_port": 0,
        "auth_jwt_secret": USER_SECRET,
        "service_jwt_secret": SERVICE_SECRET,
        "zoom_token_encryption_keys": ENCRYPTION_KEY,
        "zoom_download_hosts": "127.0.0.1",
        "zoom_download_redirect_hosts": "127.0.0.1,localhost",  # the simulator's CDN host
    }
    if zoom is not None:
        values.update(
            zoom_api_base_url=f"{zoom.url}/v2",
            zoom_oauth_base_url=zoom.url,
            zoom_oauth_client_id=zoom.oauth_client_id,
            zoom_oauth_client_secret=zoom.oauth_client_secret,
            zoom_oauth_redirect_uri=REDIRECT_URI,
        )
        if configured:
            values.update(
                zoom_account_id=zoom.account_id,
                zoom_client_id=zoom.s2s_client_id,
                zoom_client_secret=zoom.s2s_client_secret,
            )
    values.update(fields)
    values.setdefault("database_url", f"sqlite+aiosqlite:///{data_dir / 'zoom-gateway.db'}")
    return make_settings(Settings, service_name="zoom-gateway", data_dir=data_dir, **values)


@dataclass
class Gateway:
    running: Running
    stub: ZoomGatewayServiceStub
    channel: grpc.aio.Channel


@asynccontextmanager
async def zoom_gateway(
    settings: Settings, *, migrate: bool = True, authenticate: bool = False, **kwargs: Any
) -> AsyncIterator[Gateway]:
    """A gateway on ``settings``; ``authenticate=True`` enforces tokens and the access rules
    (keys :data:`USER_SECRET` / :data:`SERVICE_SECRET` unless ``settings`` name others)."""
    if migrate:
        await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with (
        running(settings, authenticate=authenticate, **kwargs) as svc,
        grpc.aio.insecure_channel(svc.grpc_address) as channel,
    ):
        yield Gateway(running=svc, stub=ZoomGatewayServiceStub(channel), channel=channel)


async def rpc_error(call: Any) -> tuple[grpc.StatusCode, ClassbridgeError]:
    """Await a call expected to fail; its code and the rebuilt Classbridge error."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return exc.code(), from_grpc_error(exc)
    raise AssertionError("the call succeeded")


def spec(**fields: Any) -> pb.MeetingSpec:
    from datetime import UTC, datetime, timedelta

    out = pb.MeetingSpec(**fields)
    if "start_time" not in fields:
        out.start_time.FromDatetime(datetime.now(UTC).replace(microsecond=0) + timedelta(days=1))
    return out


def gateway_settings_from_json(raw: str) -> Settings:
    """Rebuild settings dumped with ``model_dump_json`` (for a gateway in a child process)."""
    import json

    values = json.loads(raw)
    for key in (
        "zoom_client_secret",
        "zoom_oauth_client_secret",
        "zoom_token_encryption_keys",
        "auth_jwt_secret",
        "service_jwt_secret",
    ):
        values.pop(key, None)  # masked in the dump: the child reads them from its environment
    return Settings(**values)


def secret_env(settings: Settings) -> dict[str, str]:
    """The secrets of ``settings`` as environment variables (for a child process)."""
    out = {}
    for key in (
        "zoom_client_secret",
        "zoom_oauth_client_secret",
        "zoom_token_encryption_keys",
        "auth_jwt_secret",
        "service_jwt_secret",
    ):
        value = getattr(settings, key)
        if value is not None:
            out[key.upper()] = value.get_secret_value()
    return out
