"""Each service's migrations build exactly the tables its code declares.

Tables are declared twice: in the tables module the code queries through, and in the
hand-written Alembic migrations that build the database. This test upgrades a fresh database to
head and asks Alembic's autogenerate (``compare_metadata``) for the difference against the
declared metadata: any table, column, index, nullability, default or type the two disagree on is
drift, and fails here rather than in production. It runs on SQLite and, in the integration tier,
on PostgreSQL (in a schema of its own).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from classbridge_common.db.engine import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import create_schema, drop_schema, unique_name
from devstack.secrets import load_or_create
from devstack.stack import (
    SERVICES,
    ServiceSpec,
    StackConfig,
    load_service_settings,
    service_settings,
)

# The module whose ``metadata`` each service's migrations/env.py targets.
METADATA = {
    "scheduler": "scheduler.adapters.tables",
    "zoom-gateway": "zoom_gateway.adapters.orm",
    "recording-sync": "recording_sync.adapters.tables",
    "webhook-ingest": "webhook_ingest.adapters.tables",
}
# Tables registered on the same metadata by other modules the env imports.
EXTRA_MODULES = {
    "recording-sync": [
        "recording_sync.adapters.policy_tables",
        "recording_sync.adapters.upload_tables",
        "recording_sync.adapters.transcript_tables",
    ]
}
# Names a migration makes that no metadata can declare (a full-text index's own tables, its
# generated column and index): the module's ``UNDECLARED`` lists them.
UNDECLARED = {"recording-sync": "recording_sync.adapters.transcript_tables"}

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]


def _spec(name: str) -> ServiceSpec:
    return next(s for s in SERVICES if s.name == name)


def _metadata(name: str) -> MetaData:
    for extra in EXTRA_MODULES.get(name, []):
        importlib.import_module(extra)
    found = importlib.import_module(METADATA[name]).metadata
    assert isinstance(found, MetaData)
    return found


def _settings(name: str, data_dir: Path, database_url: str | None, schema: str | None) -> Any:
    spec = _spec(name)
    values = service_settings(
        spec,
        config=_config(data_dir, database_url),
        secrets=load_or_create(data_dir),
        sim_url="http://127.0.0.1:9",
        zoom={
            "zoom_account_id": "acc",
            "zoom_client_id": "cid",
            "zoom_client_secret": "secret",
            "zoom_oauth_client_id": "ocid",
            "zoom_oauth_client_secret": "osecret",
        },
        addresses={},
    )
    if schema:
        values["db_schema"] = schema
    return load_service_settings(spec, values)


def _config(data_dir: Path, database_url: str | None) -> StackConfig:
    return StackConfig(data_dir=data_dir, database_url=database_url, fixed_ports=False)


def _undeclared(name: str) -> frozenset[str]:
    module = UNDECLARED.get(name)
    return frozenset(importlib.import_module(module).UNDECLARED) if module else frozenset()


def _drift(
    connection: Connection, metadata: MetaData, undeclared: frozenset[str] = frozenset()
) -> list[Any]:
    """Autogenerate's differences (the connection's search_path is the service's schema)."""
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": False,  # rendered differently per dialect, not drift
            "include_schemas": False,
            "target_metadata": metadata,
            "include_name": lambda name, kind, _parent: (
                (kind != "table" or name != "alembic_version") and name not in undeclared
            ),
        },
    )
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("service", sorted(METADATA))
async def test_the_migrations_build_exactly_the_declared_tables(
    service: str, database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = None
    schema = None
    if database == "postgres":
        url = request.getfixturevalue("database_url")
        schema = unique_name("drift")
        await create_schema(url, schema)
    try:
        settings = _settings(service, tmp_path, url, schema)
        await upgrade_to_head(settings, _spec(service).module("bootstrap").MIGRATIONS_DIR)
        engine = create_engine(settings, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as connection:
                differences = await connection.run_sync(
                    _drift, _metadata(service), _undeclared(service)
                )
        finally:
            await engine.dispose()
    finally:
        if schema is not None and url is not None:
            await drop_schema(url, schema)
    assert differences == [], f"{service}: migrations and tables disagree: {differences}"
