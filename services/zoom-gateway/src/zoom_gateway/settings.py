"""zoom-gateway's configuration, from environment variables (validated once at start).

Zoom credentials are optional: without them the service still starts and answers every Zoom
method with FAILED_PRECONDITION naming the variables to set (seed 004's graceful fallback).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr

from classbridge_common.crypto import SecretBox, generate_key
from classbridge_common.settings import ServiceSettings, SettingsError, load_settings
from zoom_gateway.domain.ratelimits import Category, Plan
from zoom_gateway.domain.tenants import DEFAULT_TENANT, TenantConfig


class Settings(ServiceSettings):
    service_name: str = "zoom-gateway"
    grpc_port: int = Field(default=50052, ge=0, le=65535)

    # default tenant, server-to-server app
    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: SecretStr | None = None
    # default tenant, user-managed OAuth app (per-user connections)
    zoom_oauth_client_id: str | None = None
    zoom_oauth_client_secret: SecretStr | None = None
    zoom_oauth_redirect_uri: str | None = None  # comma-separated; the first is the default
    # default tenant, webhook secret token: published to webhook-ingest by ListWebhookKeys
    zoom_webhook_secret_token: SecretStr | None = None
    # several tenants at once: a JSON file (mounted from a Kubernetes Secret); tenants created
    # through the API live in the database, layered over these seeds
    zoom_tenants_file: Path | None = None
    # how stale another replica's tenant change may be seen here (one small query per period)
    zoom_tenant_cache_seconds: float = Field(default=1.0, ge=0)
    # how long a replaced webhook secret token keeps verifying deliveries
    zoom_webhook_secret_grace_seconds: float = Field(default=3600.0, ge=0)

    zoom_api_base_url: str = "https://api.zoom.us/v2"
    zoom_oauth_base_url: str = "https://zoom.us"

    zoom_token_encryption_keys: SecretStr | None = None  # comma-separated Fernet keys
    zoom_oauth_state_secret: SecretStr | None = None

    zoom_plan: Plan = Plan.BUSINESS
    zoom_create_meeting_category: Category = Category.MEDIUM
    # our own shared buckets; off only where Zoom's limits are raised (Zoom's 429s still count)
    zoom_rate_limits_enabled: bool = True
    zoom_rate_limit_safety: float = Field(default=0.9, gt=0, le=1)
    zoom_rate_limit_burst_seconds: float = Field(default=1.0, gt=0)
    zoom_host_daily_limit: int = Field(default=100, ge=1)

    zoom_request_timeout: float = Field(default=20.0, gt=0)
    zoom_create_timeout: float = Field(default=30.0, gt=0)
    zoom_max_retries: int = Field(default=3, ge=0)
    zoom_breaker_threshold: int = Field(default=5, ge=1)
    zoom_breaker_cooldown: float = Field(default=30.0, gt=0)
    zoom_user_refresh_lease: float = Field(default=15.0, gt=0)
    zoom_download_token_ttl: int = Field(default=3600, ge=60, le=604800)
    zoom_download_hosts: str = "zoom.us,*.zoom.us"  # where a bearer token may be sent
    zoom_download_redirect_hosts: str = "zoom.us,*.zoom.us"  # where Zoom redirects (CDN)
    zoom_default_timeout: float = Field(default=30.0, gt=0)  # when a caller sends no deadline

    # the bus consumer of Zoom's app_deauthorized (its queue and inbox name), and how many of
    # its messages are in hand at once
    consumer_name: str = Field(default="zoom-gateway", min_length=1, max_length=200)
    consumer_prefetch: int = Field(default=8, ge=1, le=1000)

    def default_tenant(self) -> TenantConfig:
        redirect = (self.zoom_oauth_redirect_uri or "").split(",")[0].strip()
        return TenantConfig(
            id=DEFAULT_TENANT,
            account_id=self.zoom_account_id or "",
            client_id=self.zoom_client_id or "",
            client_secret=_plain(self.zoom_client_secret),
            oauth_client_id=self.zoom_oauth_client_id or "",
            oauth_client_secret=_plain(self.zoom_oauth_client_secret),
            oauth_redirect_uri=redirect,
            webhook_secret_token=_plain(self.zoom_webhook_secret_token),
            plan=self.zoom_plan,
            create_meeting_category=self.zoom_create_meeting_category,
        )

    def redirect_uris(self, tenant: TenantConfig) -> list[str]:
        """The redirect URIs a tenant's authorization may use (the first is the default)."""
        configured = (self.zoom_oauth_redirect_uri or "").split(",")[0].strip()
        if (
            tenant.id == DEFAULT_TENANT
            and self.zoom_oauth_redirect_uri
            and tenant.oauth_redirect_uri == configured
        ):
            return [u.strip() for u in self.zoom_oauth_redirect_uri.split(",") if u.strip()]
        return [tenant.oauth_redirect_uri] if tenant.oauth_redirect_uri else []

    def tenants(self) -> dict[str, TenantConfig]:
        """Every configured tenant: the default one (from ``ZOOM_*``) plus the tenants file."""
        found = {DEFAULT_TENANT: self.default_tenant()}
        if self.zoom_tenants_file is not None:
            for tenant in read_tenants_file(self.zoom_tenants_file, self):
                found[tenant.id] = tenant
        return found

    def encryption_keys(self) -> list[str]:
        """``ZOOM_TOKEN_ENCRYPTION_KEYS``, newest first (the dev key file when unset)."""
        if self.zoom_token_encryption_keys is not None:
            keys = [
                k.strip() for k in self.zoom_token_encryption_keys.get_secret_value().split(",")
            ]
            return [k for k in keys if k]
        self.secret_box()  # creates the dev key file if needed
        return [(self.data_dir / "zoom-gateway.key").read_text().strip()]

    def secret_box(self) -> SecretBox:
        """Encryption for tokens at rest. Required in prod; in dev a key file under
        ``DATA_DIR`` is created once (mode 0600) so an embedded run keeps its tokens."""
        if self.zoom_token_encryption_keys is not None:
            return SecretBox(self.encryption_keys())
        if self.env == "prod":
            raise SettingsError("ZOOM_TOKEN_ENCRYPTION_KEYS is required when CLASSBRIDGE_ENV=prod")
        path = self.data_dir / "zoom-gateway.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
            with os.fdopen(fd, "w") as handle:
                handle.write(generate_key())
        return SecretBox([path.read_text().strip()])

    def state_signing_key(self) -> bytes:
        """Key of the OAuth ``state`` HMAC: ``ZOOM_OAUTH_STATE_SECRET``, else derived from the
        newest encryption key (so one secret suffices)."""
        if self.zoom_oauth_state_secret is not None:
            return self.zoom_oauth_state_secret.get_secret_value().encode()
        if self.zoom_token_encryption_keys is not None:
            first = self.zoom_token_encryption_keys.get_secret_value().split(",")[0].strip()
        else:
            self.secret_box()  # creates the dev key file if needed
            first = (self.data_dir / "zoom-gateway.key").read_text().strip()
        return hashlib.sha256(b"classbridge-oauth-state\x00" + first.encode()).digest()

    def credential_hosts(self) -> list[str]:
        return _host_list(self.zoom_download_hosts, self.zoom_api_base_url)

    def redirect_hosts(self) -> list[str]:
        return _host_list(self.zoom_download_redirect_hosts, self.zoom_api_base_url)


def _host_list(raw: str, api_base_url: str) -> list[str]:
    hosts = [h.strip().lower() for h in raw.split(",") if h.strip()]
    api_host = (urlsplit(api_base_url).hostname or "").lower()
    if (
        api_host
        and api_host not in hosts
        and not any(h.startswith("*.") and api_host.endswith(h[1:]) for h in hosts)
    ):
        hosts.append(api_host)
    return hosts


def _plain(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def read_tenants_file(path: Path, settings: Settings) -> list[TenantConfig]:
    """Tenants from JSON: ``{"tenants": [{"id": …, "account_id": …, "client_id": …,
    "client_secret": …, "oauth_client_id": …, "oauth_client_secret": …,
    "oauth_redirect_uri": …, "webhook_secret_token": …, "name": …, "plan": "pro",
    "create_meeting_category": "light"}]}`` (or the list alone). Errors name the file and the
    entry, never a value."""
    try:
        raw: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SettingsError(
            f"ZOOM_TENANTS_FILE {path}: cannot read JSON ({type(exc).__name__})"
        ) from None
    entries = raw.get("tenants") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise SettingsError(f"ZOOM_TENANTS_FILE {path}: expected a list of tenants")
    tenants = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not str(entry.get("id", "")).strip():
            raise SettingsError(f"ZOOM_TENANTS_FILE {path}: tenant #{index} needs an 'id'")
        try:
            tenants.append(
                TenantConfig(
                    id=str(entry["id"]).strip(),
                    account_id=str(entry.get("account_id", "")),
                    client_id=str(entry.get("client_id", "")),
                    client_secret=str(entry.get("client_secret", "")),
                    oauth_client_id=str(entry.get("oauth_client_id", "")),
                    oauth_client_secret=str(entry.get("oauth_client_secret", "")),
                    oauth_redirect_uri=str(entry.get("oauth_redirect_uri", "")),
                    webhook_secret_token=str(entry.get("webhook_secret_token", "")),
                    name=str(entry.get("name", "")),
                    plan=Plan(str(entry.get("plan", settings.zoom_plan.value)).lower()),
                    create_meeting_category=Category(
                        str(
                            entry.get(
                                "create_meeting_category",
                                settings.zoom_create_meeting_category.value,
                            )
                        ).lower()
                    ),
                )
            )
        except ValueError:
            raise SettingsError(
                f"ZOOM_TENANTS_FILE {path}: tenant #{index} has an invalid plan or category"
            ) from None
    return tenants


def load(**overrides: Any) -> Settings:
    """The settings from the environment (``overrides`` win), or a readable SettingsError."""
    return load_settings(Settings, **overrides)
