from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from classbridge_common.settings import ServiceSettings, SettingsError, load_settings


class GatewaySettings(ServiceSettings):
    service_name: str = "zoom-gateway"
    grpc_port: int = 50052


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CLASSBRIDGE_ENV",
        "DATABASE_URL",
        "DB_SCHEMA",
        "AMQP_URL",
        "GRPC_PORT",
        "LOG_LEVEL",
        "DATA_DIR",
        "AUTH_JWT_SECRET",
        "SERVICE_JWT_SECRET",
        "SERVICE_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_give_an_embedded_dev_service() -> None:
    settings = load_settings(GatewaySettings)
    assert settings.env == "dev"
    assert settings.database_url is None
    assert settings.amqp_url is None
    assert settings.schema == "zoom_gateway"
    assert settings.sqlite_path == Path("var") / "zoom-gateway.db"
    assert settings.grpc_port == 50052
    assert settings.log_level == "INFO"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSBRIDGE_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db/classbridge")
    monkeypatch.setenv("DB_SCHEMA", "gateway_blue")
    monkeypatch.setenv("AMQP_URL", "amqp://mq/")
    monkeypatch.setenv("GRPC_PORT", "6000")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("AUTH_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("SERVICE_JWT_SECRET", "t" * 40)
    settings = load_settings(GatewaySettings)
    assert settings.env == "prod"
    assert settings.database_url == "postgresql+asyncpg://db/classbridge"
    assert settings.schema == "gateway_blue"
    assert settings.amqp_url == "amqp://mq/"
    assert settings.grpc_port == 6000
    assert settings.log_level == "DEBUG"
    assert isinstance(settings.auth_jwt_secret, SecretStr)
    assert "s" * 40 not in repr(settings)


def test_prod_without_jwt_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSBRIDGE_ENV", "prod")
    with pytest.raises(SettingsError, match="AUTH_JWT_SECRET is required") as caught:
        load_settings(GatewaySettings)
    assert "zoom-gateway" in str(caught.value)


def test_invalid_value_names_the_variable_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRPC_PORT", "not-a-port-x9")
    monkeypatch.setenv("CLASSBRIDGE_ENV", "staging")
    with pytest.raises(SettingsError) as caught:
        load_settings(GatewaySettings)
    message = str(caught.value)
    assert "GRPC_PORT" in message
    assert "CLASSBRIDGE_ENV" in message
    assert "not-a-port-x9" not in message


def test_missing_required_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="SERVICE_NAME is required but not set"):
        load_settings(ServiceSettings)


def test_bad_schema_and_database_url_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_SCHEMA", "Robert'); DROP")
    with pytest.raises(SettingsError, match="DB_SCHEMA"):
        load_settings(GatewaySettings)
    monkeypatch.delenv("DB_SCHEMA")
    monkeypatch.setenv("DATABASE_URL", "mysql://db/x")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings(GatewaySettings)


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db/classbridge")
    settings = load_settings(GatewaySettings, database_url=None, grpc_port=0)
    assert settings.database_url is None
    assert settings.grpc_port == 0
