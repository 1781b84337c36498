"""Shared pieces of the edge tests: the token secret, tokens, settings, the fake services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classbridge_common.auth import issue_token
from classbridge_common.testing import TEST_TOKEN_TTL, make_settings
from edge.settings import Settings
from tests.unit.edge.fakes import FakeState

SECRET = "edge-test-secret-long-enough-for-hs256-signing"
EDGE_TIMEOUT = 5.0


@dataclass
class Services:
    scheduler: FakeState
    zoom_gateway: FakeState
    recording_sync: FakeState
    webhook_admin: FakeState
    addresses: dict[str, str]

    def all_calls(self) -> list[Any]:
        return [
            *self.scheduler.calls,
            *self.zoom_gateway.calls,
            *self.recording_sync.calls,
            *self.webhook_admin.calls,
        ]


def token(
    subject: str = "teacher-1", *, roles: tuple[str, ...] = ("teacher",), **kw: object
) -> str:
    kw.setdefault("ttl", TEST_TOKEN_TTL)  # minted at import by many modules: outlives the run
    return issue_token(subject=subject, secret=SECRET, roles=roles, **kw)  # type: ignore[arg-type]


def auth(subject: str = "teacher-1", *, roles: tuple[str, ...] = ("teacher",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(subject, roles=roles)}"}


def edge_settings(tmp_path: Path, addresses: dict[str, str], **overrides: object) -> Settings:
    return make_settings(
        Settings,
        service_name="edge",
        data_dir=tmp_path,
        auth_jwt_secret=SECRET,
        scheduler_addr=addresses["scheduler"],
        zoom_gateway_addr=addresses["zoom_gateway"],
        recording_sync_addr=addresses["recording_sync"],
        webhook_ingest_addr=addresses["webhook_admin"],
        grpc_timeout_seconds=EDGE_TIMEOUT,
        http_host="127.0.0.1",
        http_port=0,
        **overrides,
    )
