"""Signing and service helpers shared by the webhook-ingest tests."""

from __future__ import annotations

import time
from typing import Any

from classbridge_common.settings import load_settings
from webhook_ingest.domain.signature import sign
from webhook_ingest.settings import Settings

SECRET = "first-secret-token"
SECOND_SECRET = "second-secret-token"


def signed_headers(
    body: bytes, *, secret: str = SECRET, ts: int | None = None, **extra: str
) -> dict[str, str]:
    """The headers Zoom sends with `body`, signed with `secret` at `ts` (default now)."""
    stamp = str(int(time.time()) if ts is None else ts)
    headers = {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Zoom Marketplace/1.0a",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": sign(secret, stamp, body),
        "x-zm-trackingid": "v=2.0;clid=test;rid=1",
    }
    headers.update(extra)
    return headers


def make_settings(database_url: str, **fields: Any) -> Settings:
    """Settings for a test instance: both secrets (the default tenant's), ephemeral loopback
    ports, no broker, no zoom-gateway (unless `zoom_gateway_addr` is given)."""
    values: dict[str, Any] = {
        "zoom_webhook_secret_tokens": f"{SECRET},{SECOND_SECRET}",
        "zoom_gateway_addr": None,
        "database_url": database_url,
        "amqp_url": None,
        "http_host": "127.0.0.1",
        "grpc_host": "127.0.0.1",
        "http_port": 0,
        "grpc_port": 0,
        "webhook_max_body_bytes": 64 * 1024,
        "env": "dev",
    }
    values.update(fields)
    return load_settings(Settings, **values)
