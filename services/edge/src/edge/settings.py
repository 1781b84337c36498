"""The edge's configuration, read from the environment once at start.

The edge owns no data: it needs only where to listen, where each service answers, the key that
checks callers' tokens, the browser origins of each tenant and a few limits. Its one table (the
rate-limit buckets, when ``DATABASE_URL`` is set) is expendable state, not data.
``AUTH_JWT_SECRET`` is required outside ``CLASSBRIDGE_ENV=dev`` (the shared settings base
enforces it).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from classbridge_common.settings import ServiceSettings, load_settings
from edge.calendar_links import parse_versions
from edge.cors import TenantOrigins


class Settings(ServiceSettings):
    """Every variable the edge reads (plus the shared ones of ``ServiceSettings``)."""

    service_name: str = "edge"
    needs_service_identity: ClassVar[bool] = False  # it forwards its callers' own tokens
    http_port: int = Field(default=8080, ge=0, le=65535)
    http_host: str = "0.0.0.0"  # noqa: S104 - front ends reach it; NetworkPolicy narrows it

    scheduler_addr: str = "127.0.0.1:50051"
    zoom_gateway_addr: str = "127.0.0.1:50052"
    recording_sync_addr: str = "127.0.0.1:50053"
    webhook_ingest_addr: str = "127.0.0.1:50054"

    # Requests with a larger JSON body are refused with 413 before it is read whole.
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    # The longest class a request may create (minutes; the scheduler's own ceiling is 24 hours).
    max_class_minutes: int = Field(default=720, ge=30, le=1440)
    # Deadline of every gRPC call the edge makes (seconds), unless a route sets its own.
    grpc_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Attempts per call when a service answers UNAVAILABLE (gRPC's retry policy, 2 to 5).
    grpc_max_attempts: int = Field(default=3, ge=2, le=5)

    # Where a browser is sent back after Zoom's OAuth redirect (GET /api/zoom/auth), with
    # ?zoom=connected or ?zoom=error&reason=... added. Only ever this URL: never one a request
    # names (no open redirect).
    frontend_url: str = Field(default="http://127.0.0.1:3000/", min_length=1, max_length=2048)
    # webhook-ingest's HTTP base URL: Zoom webhooks sent to the edge (/api/zoom/webhook, seed
    # 001) are forwarded there, body and headers unchanged, so its signature checks still work.
    webhook_ingest_url: str = Field(default="http://127.0.0.1:8081", min_length=1)
    # Forwarded deliveries must carry a Zoom timestamp this fresh (keep it no tighter than
    # webhook-ingest's WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS); older ones are refused here (401).
    webhook_timestamp_tolerance_seconds: int = Field(default=300, ge=1, le=86_400)
    # How long webhook-ingest may take to answer a forwarded delivery (Zoom waits 3 seconds).
    webhook_forward_timeout_seconds: float = Field(default=3.0, gt=0, le=30)

    # Browser front ends: "origin=tenant,..." (an origin may repeat; tenant * = any tenant).
    # Empty: no CORS answers at all. See edge.cors.
    cors_origins: str | None = None
    cors_max_age_seconds: int = Field(default=600, ge=0, le=86_400)
    # Requests per minute (0 = off), shared by every replica through the database when the
    # edge has one; "auto" picks the database when DATABASE_URL is set. See edge.rate_limits.
    rate_limit_per_caller_per_minute: int = Field(default=1200, ge=0, le=1_000_000)
    rate_limit_per_tenant_per_minute: int = Field(default=6000, ge=0, le=10_000_000)
    rate_limit_per_address_per_minute: int = Field(default=600, ge=0, le=1_000_000)
    rate_limit_store: Literal["auto", "memory", "database"] = "auto"
    # Calendar feed links (edge.calendar_links): "tenant=version,..." (absent tenant: 1).
    # Raising a tenant's number revokes every feed link of that tenant issued before.
    calendar_feed_key_versions: str | None = None

    @field_validator("calendar_feed_key_versions")
    @classmethod
    def _check_key_versions(cls, value: str | None) -> str | None:
        parse_versions(value)  # refused at start-up rather than on the first feed
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: str | None) -> str | None:
        TenantOrigins.parse(value)  # refused at start-up rather than on the first preflight
        return value

    @property
    def tenant_origins(self) -> TenantOrigins:
        """``CORS_ORIGINS``, parsed."""
        return TenantOrigins.parse(self.cors_origins)


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises ``SettingsError`` naming each bad variable."""
    return load_settings(Settings, **overrides)
