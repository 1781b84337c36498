"""webhook-ingest's configuration, read from the environment once at start.

`ZOOM_WEBHOOK_SECRET_TOKENS` is required: without a secret no webhook can be verified, so the
service refuses to start rather than accept (or reject) everything. Several comma-separated
secrets are accepted at once — for rotation and for several Zoom apps sending to one endpoint.
They are the **default tenant's** keys (for Zoom accounts no tenant claims). Every other tenant's
keys come from zoom-gateway (`ListWebhookKeys`, at `ZOOM_GATEWAY_ADDR`), refreshed every
`WEBHOOK_KEYS_REFRESH_SECONDS` and, at most once per `WEBHOOK_KEYS_MIN_REFRESH_SECONDS`, when a
signature does not verify (a tenant added or a secret rotated a moment ago). An empty
`ZOOM_GATEWAY_ADDR` runs single-tenant: only the env keys.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from classbridge_common.settings import ServiceSettings, load_settings


class Settings(ServiceSettings):
    """Every variable webhook-ingest reads (plus the shared ones of `ServiceSettings`)."""

    service_name: str = "webhook-ingest"
    grpc_port: int = Field(default=50054, ge=0, le=65535)
    http_port: int = Field(default=8081, ge=0, le=65535)
    http_host: str = "0.0.0.0"  # noqa: S104 - Zoom must reach it; NetworkPolicy narrows it
    grpc_host: str = "0.0.0.0"  # noqa: S104

    zoom_webhook_secret_tokens: Annotated[tuple[SecretStr, ...], NoDecode]
    # Where the tenants' webhook keys come from ("" = no gateway: only the default tenant).
    zoom_gateway_addr: str | None = "localhost:50052"
    zoom_gateway_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # How often the key table is fetched again, and how often at most a signature that does not
    # verify may trigger an early fetch (so a flood of unknown accounts cannot hammer the gateway).
    webhook_keys_refresh_seconds: float = Field(default=30.0, ge=1, le=3600)
    webhook_keys_min_refresh_seconds: float = Field(default=5.0, ge=0.1, le=3600)
    webhook_max_body_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    webhook_timestamp_tolerance_seconds: int = Field(default=300, ge=1, le=86_400)
    webhook_retention_days: int = Field(default=30, ge=1, le=3650)
    webhook_prune_interval_seconds: float = Field(default=3600.0, gt=0)
    webhook_prune_batch_size: int = Field(default=1000, ge=1, le=100_000)
    # Group commit: how long the first waiting event may wait for others, and how many at most.
    webhook_batch_max_wait_ms: float = Field(default=2.0, ge=0, le=1000)
    webhook_batch_max_size: int = Field(default=256, ge=1, le=1000)
    # Batches written at once on PostgreSQL (SQLite has one writer: always 1 there).
    webhook_batch_concurrency: int = Field(default=4, ge=1, le=32)
    # Past this many events waiting to be stored, new ones get 503 at once (Zoom retries them).
    webhook_max_pending: int = Field(default=20_000, ge=1)
    # A request whose event is not committed in this time gets 503 (well inside Zoom's 3 s).
    webhook_store_timeout_seconds: float = Field(default=2.5, gt=0, le=30)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    # The outbox relay publishes committed events to the bus. True: inside `serve` (one process
    # does everything — `make run`, tests, small installs). False: `serve` only takes webhooks in
    # and `python -m webhook_ingest relay` publishes, as its own process or Deployment; several
    # relays may run against PostgreSQL (rows are claimed with SKIP LOCKED).
    webhook_relay_in_process: bool = True
    # How often a relay looks for unpublished rows when nothing woke it (an out-of-process relay
    # is never woken by a commit, so this bounds its publishing delay at low rates).
    webhook_relay_poll_interval_seconds: float = Field(default=0.2, gt=0, le=60)
    # HTTP worker processes sharing the listening socket (PostgreSQL only: the database's unique
    # index keeps deduplication exact across them). 1 = everything in one process.
    webhook_http_workers: int = Field(default=1, ge=1, le=64)

    @field_validator("zoom_webhook_secret_tokens", mode="before")
    @classmethod
    def _split_secrets(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, list | tuple):
            value = [v for v in value if (v.get_secret_value() if isinstance(v, SecretStr) else v)]
            if not value:
                raise ValueError("needs at least one secret token (comma-separated)")
        return value

    @model_validator(mode="after")
    def _workers_need_postgres(self) -> Self:
        if self.webhook_http_workers > 1 and not (self.database_url or "").startswith("postgresql"):
            raise ValueError("WEBHOOK_HTTP_WORKERS > 1 needs DATABASE_URL on PostgreSQL")
        return self

    @property
    def secrets(self) -> tuple[str, ...]:
        """The webhook secret tokens, in configuration order."""
        return tuple(s.get_secret_value() for s in self.zoom_webhook_secret_tokens)


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises `SettingsError` naming each bad variable."""
    return load_settings(Settings, **overrides)
