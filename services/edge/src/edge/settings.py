"""The edge's configuration, read from the environment once at start.

The edge owns no data: it needs only where to listen, where each service answers, the key that
checks callers' tokens and a few limits. ``AUTH_JWT_SECRET`` is required outside
``CLASSBRIDGE_ENV=dev`` (the shared settings base enforces it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from classbridge_common.settings import ServiceSettings, load_settings


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


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises ``SettingsError`` naming each bad variable."""
    return load_settings(Settings, **overrides)
