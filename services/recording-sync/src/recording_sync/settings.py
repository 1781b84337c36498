"""recording-sync's configuration, read from the environment once at start.

Storage: with ``S3_BUCKET`` set, recordings go to that S3-compatible bucket (``S3_ENDPOINT_URL``
for MinIO and other non-AWS endpoints); without it, to the local folder ``LOCAL_STORAGE_DIR``
(default ``var/storage``) — the embedded default. The storage, sweep and retry fields are read
but not used yet: the sync pipeline that uses them arrives with the recording-sync
implementation (this service is a walking skeleton for now).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from pydantic import Field, SecretStr, model_validator

from classbridge_common.settings import ServiceSettings, load_settings


class Settings(ServiceSettings):
    """Every variable recording-sync reads (plus the shared ones of ``ServiceSettings``)."""

    service_name: str = "recording-sync"
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    grpc_host: str = "0.0.0.0"  # noqa: S104 - in-cluster; NetworkPolicy narrows it
    zoom_gateway_addr: str = "127.0.0.1:50052"
    db_pool_size: int = Field(default=5, ge=1, le=100)

    # --- object storage ---
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # Multipart part size for streaming uploads (S3 needs at least 5 MiB per part).
    s3_multipart_chunk_bytes: int = Field(default=16 * 1024 * 1024, ge=5 * 1024 * 1024)
    local_storage_dir: Path | None = None

    # --- sync policy (seed 000: end + 5 min, then every 30 min, 3 attempts) ---
    sync_sweep_delay_seconds: int = Field(default=300, ge=0)
    sync_retry_interval_seconds: int = Field(default=1800, ge=1)
    sync_max_attempts: int = Field(default=3, ge=1, le=100)

    # --- playback ---
    playback_url_max_ttl_seconds: int = Field(default=900, ge=30, le=7 * 24 * 3600)

    @model_validator(mode="after")
    def _storage(self) -> Self:
        if self.s3_endpoint_url is not None and self.s3_bucket is None:
            raise ValueError("S3_BUCKET is required when S3_ENDPOINT_URL is set")
        if self.local_storage_dir is None:
            object.__setattr__(self, "local_storage_dir", self.data_dir / "storage")
        return self

    @property
    def uses_s3(self) -> bool:
        """True when recordings go to an S3 bucket rather than the local folder."""
        return self.s3_bucket is not None


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises ``SettingsError`` naming each bad variable."""
    return load_settings(Settings, **overrides)
