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

import contextlib
import os
import stat
from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from classbridge_common.crypto import SecretBox, generate_key
from classbridge_common.settings import ServiceSettings, SettingsError, load_settings


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

    # --- outgoing webhooks to course platforms (docs/outgoing-webhooks.md) ---
    # The delivery worker runs inside `serve` (true: `make run`, tests, small installs) or as
    # `python -m webhook_ingest deliver`, its own Deployment (false). Several may run on
    # PostgreSQL (deliveries are leased with SKIP LOCKED).
    outgoing_webhook_worker_in_process: bool = True
    # The bus queue (and inbox name) of the consumer turning events into deliveries; side-by-side
    # installs and tests sharing one broker give each their own.
    outgoing_consumer_name: str = Field(
        default="webhook-ingest.outgoing-webhooks", min_length=1, max_length=200
    )
    # Seconds before the 2nd, 3rd, … attempt (comma-separated); after the last, a delivery fails.
    outgoing_webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = (
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        50400,
    )
    # Each delay is spread by ± this fraction so endpoints that failed together do not return
    # together.
    outgoing_webhook_retry_jitter: float = Field(default=0.2, ge=0, le=1)
    # One attempt's limit (connect + answer); the receiver should answer 2xx at once and work
    # afterwards.
    outgoing_webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # How often the worker looks for due deliveries when nothing woke it.
    outgoing_webhook_poll_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    # Attempts in flight at once per worker (each to a different endpoint).
    outgoing_webhook_concurrency: int = Field(default=16, ge=1, le=256)
    # An endpoint is disabled when a delivery has used up its retries and no attempt to it has
    # succeeded for this long (default 5 days); a 410 Gone answer disables it at once.
    outgoing_webhook_disable_after_seconds: float = Field(default=432_000.0, ge=0)
    # How long a rotated-out secret keeps signing alongside the new one (default 24 h).
    outgoing_webhook_rotation_grace_seconds: int = Field(default=86_400, ge=0, le=604_800)
    # Hosts that may be called over plain http besides localhost (comma-separated; dev only).
    outgoing_webhook_http_hosts: str = ""
    # Allow loopback and private (RFC 1918, ULA, CGNAT) addresses: development and tests only.
    # Link-local addresses (the cloud metadata service) are refused whatever this says.
    outgoing_webhook_allow_private_addresses: bool = False
    # Endpoints one tenant may register.
    outgoing_webhook_max_endpoints: int = Field(default=20, ge=1, le=1000)
    # Fernet keys sealing the endpoints' signing secrets at rest, newest first (comma-
    # separated). Required in prod; in dev a key file under DATA_DIR is created once.
    outgoing_webhook_encryption_keys: SecretStr | None = None

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

    @field_validator("outgoing_webhook_retry_schedule", mode="before")
    @classmethod
    def _split_schedule(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError("needs at least one delay in seconds (comma-separated)")
            delays = [float(v) for v in value]
            if any(d < 0 for d in delays):
                raise ValueError("delays must not be negative")
            return tuple(delays)
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

    def http_hosts(self) -> frozenset[str]:
        """`OUTGOING_WEBHOOK_HTTP_HOSTS` as a set of lower-case host names."""
        return frozenset(
            h.strip().lower() for h in self.outgoing_webhook_http_hosts.split(",") if h.strip()
        )

    def secret_box(self) -> SecretBox:
        """What seals the endpoints' signing secrets: `OUTGOING_WEBHOOK_ENCRYPTION_KEYS`, or in
        dev a key file under `DATA_DIR` created once (mode 0600) so an embedded run keeps them."""
        if self.outgoing_webhook_encryption_keys is not None:
            raw = self.outgoing_webhook_encryption_keys.get_secret_value().split(",")
            return SecretBox([k.strip() for k in raw if k.strip()])
        if self.env == "prod":
            raise SettingsError(
                "OUTGOING_WEBHOOK_ENCRYPTION_KEYS is required when CLASSBRIDGE_ENV=prod"
            )
        path = self.data_dir / "webhook-ingest.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                fd = os.open(
                    path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR
                )
                with os.fdopen(fd, "w") as handle:
                    handle.write(generate_key())
        return SecretBox([path.read_text().strip()])


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises `SettingsError` naming each bad variable."""
    return load_settings(Settings, **overrides)
