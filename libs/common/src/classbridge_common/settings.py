"""The settings base class every Classbridge service subclasses.

Everything a service needs comes from environment variables (12-factor). Each service declares one
subclass of :class:`ServiceSettings` with its own defaults and extra fields, and loads it once at
start with :func:`load_settings`, which fails fast with one readable message naming every missing
or invalid variable instead of pydantic's nested report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from classbridge_common.auth import (
    DEV_SECRET,
    DEV_SERVICE_SECRET,
    ServiceTokenIssuer,
    TokenVerifier,
)

__all__ = ["ServiceSettings", "SettingsError", "load_settings"]

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

S = TypeVar("S", bound="ServiceSettings")


class SettingsError(ValueError):
    """The environment does not describe a runnable service; the message names each variable."""


class ServiceSettings(BaseSettings):
    """Configuration shared by every service; subclasses add their own fields and defaults.

    A subclass normally only sets ``service_name`` (``service_name: str = "zoom-gateway"``) and
    its ``grpc_port``. Field names map to upper-case environment variables (``database_url`` ->
    ``DATABASE_URL``); ``env`` is read from ``CLASSBRIDGE_ENV``.
    """

    model_config = SettingsConfigDict(
        case_sensitive=False,
        extra="ignore",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    service_name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_-]*$")
    env: Literal["dev", "prod"] = Field(
        default="dev", validation_alias=AliasChoices("CLASSBRIDGE_ENV", "env")
    )
    database_url: str | None = None
    db_schema: str | None = None
    amqp_url: str | None = None
    # The topic exchange events travel on, and a prefix for this service's queue names: both
    # change only when several installs (or test runs) share one RabbitMQ.
    events_exchange: str = Field(default="classbridge.events", min_length=1, max_length=200)
    events_queue_prefix: str | None = Field(default=None, max_length=100)
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    # The Prometheus scrape endpoint (``GET /metrics``, classbridge_common.scrape): unset, none;
    # 0, a free port. Its own port, so the API's auth and limits never stand in a scrape's way.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "0.0.0.0"  # noqa: S104 - Prometheus scrapes the pod's address
    # How often the database gauges are read when metrics leave by OTLP (a scrape reads them).
    metrics_refresh_seconds: float = Field(default=30.0, gt=0, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    data_dir: Path = Path("var")
    auth_jwt_secret: SecretStr | None = None
    # The key of service tokens (one service calling another): only services hold it, so no
    # person can obtain a service identity. Must differ from AUTH_JWT_SECRET.
    service_jwt_secret: SecretStr | None = None
    # False for a process that never calls another service with its own identity (the edge
    # forwards its callers' tokens): it is not given the service key at all.
    needs_service_identity: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        """Accept ``info``/``debug`` for LOG_LEVEL and treat empty variables as unset."""
        if isinstance(data, dict):
            data = {k: (None if v == "" else v) for k, v in data.items()}
            level = data.get("log_level")
            if isinstance(level, str):
                data["log_level"] = level.upper()
        return data

    @model_validator(mode="after")
    def _derive_and_check(self) -> Self:
        if self.db_schema is None:
            object.__setattr__(self, "db_schema", self.service_name.replace("-", "_"))
        if not _SCHEMA_RE.match(self.db_schema or ""):
            raise ValueError(
                "DB_SCHEMA must be a lower-case SQL identifier (letters, digits, _), "
                f"got {self.db_schema!r}"
            )
        if self.database_url is not None and not self.database_url.startswith(
            ("postgresql", "sqlite")
        ):
            raise ValueError("DATABASE_URL must be a postgresql+asyncpg:// or sqlite:// URL")
        if self.env == "prod" and self.auth_jwt_secret is None:
            raise ValueError("AUTH_JWT_SECRET is required when CLASSBRIDGE_ENV=prod")
        if self.env == "prod" and self.needs_service_identity and self.service_jwt_secret is None:
            raise ValueError("SERVICE_JWT_SECRET is required when CLASSBRIDGE_ENV=prod")
        if self.user_token_secret == self.service_token_secret:
            raise ValueError("SERVICE_JWT_SECRET must differ from AUTH_JWT_SECRET")
        return self

    @property
    def user_token_secret(self) -> str:
        """The key of user tokens (``AUTH_JWT_SECRET``; the development key in dev)."""
        if self.auth_jwt_secret is not None:
            return self.auth_jwt_secret.get_secret_value()
        return DEV_SECRET

    @property
    def service_token_secret(self) -> str:
        """The key of service tokens (``SERVICE_JWT_SECRET``; the development key in dev)."""
        if self.service_jwt_secret is not None:
            return self.service_jwt_secret.get_secret_value()
        return DEV_SERVICE_SECRET

    def token_verifier(self) -> TokenVerifier:
        """Verifies both kinds of caller token, each with its own key."""
        return TokenVerifier(self.user_token_secret, service_secret=self.service_token_secret)

    def service_tokens(self) -> ServiceTokenIssuer:
        """This service's own identity for the calls it makes (``sub`` = ``service_name``)."""
        return ServiceTokenIssuer(self.service_name, secret=self.service_token_secret)

    # Deliberately shadows pydantic's deprecated v1 ``BaseModel.schema()`` classmethod (use
    # ``model_json_schema()``); callers across the repo read ``settings.schema``.
    @property
    def schema(self) -> str:  # type: ignore[override]
        """The database schema of this service (never ``None`` after validation)."""
        assert self.db_schema is not None
        return self.db_schema

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file used when ``DATABASE_URL`` is unset: ``<data_dir>/<service>.db``."""
        return self.data_dir / f"{self.service_name}.db"


def _env_name(cls: type[ServiceSettings], field: str) -> str:
    info = cls.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        first = info.validation_alias.choices[0]
        if isinstance(first, str):
            return first
    if info is not None and isinstance(info.validation_alias, str):
        return info.validation_alias
    prefix = cls.model_config.get("env_prefix", "") or ""
    return f"{prefix}{field}".upper()


def _describe(cls: type[ServiceSettings], error: ValidationError) -> str:
    problems: list[str] = []
    for item in error.errors(include_url=False, include_input=False):
        loc = [str(part) for part in item["loc"]]
        message = str(item["msg"]).removeprefix("Value error, ")
        if not loc:
            problems.append(message)  # a cross-field rule; its message names the variable
            continue
        variable = _env_name(cls, loc[0])
        if item["type"] == "missing":
            problems.append(f"{variable} is required but not set")
        else:
            problems.append(f"{variable}: {message}")
    return "; ".join(problems)


def load_settings(cls: type[S], /, **overrides: Any) -> S:
    """Build ``cls`` from the environment (``overrides`` win), or raise :class:`SettingsError`.

    The message lists every problem by environment variable name and never echoes a value, so it
    is safe to print at start-up even when the bad value is a secret.
    """
    try:
        return cls(**overrides)
    except ValidationError as error:
        service = overrides.get("service_name") or cls.model_fields["service_name"].default
        who = f" for {service}" if isinstance(service, str) else ""
        raise SettingsError(f"invalid configuration{who}: {_describe(cls, error)}") from None
