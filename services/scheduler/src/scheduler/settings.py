"""The scheduler's configuration, read from the environment once at start."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from classbridge_common.settings import ServiceSettings, load_settings


class Settings(ServiceSettings):
    """Every variable the scheduler reads (plus the shared ones of `ServiceSettings`)."""

    service_name: str = "scheduler"
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    grpc_host: str = "[::]"
    # Where zoom-gateway's gRPC server listens.
    zoom_gateway_addr: str = "127.0.0.1:50052"
    # Deadline of each zoom-gateway call; Zoom itself may take a few seconds.
    zoom_gateway_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # IANA timezone for sessions whose request, batch and course name none.
    default_timezone: str = "UTC"
    # Name of the scheduler's queue (and inbox consumer) on the event bus.
    consumer_name: str = "scheduler"
    # At most this many events are applied at once.
    consumer_prefetch: int = Field(default=16, ge=1, le=1000)
    db_pool_size: int = Field(default=5, ge=1, le=100)

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises `SettingsError` naming each bad variable."""
    return load_settings(Settings, **overrides)
