from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from classbridge_common.db import create_engine, is_postgres
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "sample_migrations"


async def test_upgrade_to_head_creates_tables_in_the_service_schema(
    db_settings: ServiceSettings,
) -> None:
    await upgrade_to_head(db_settings, MIGRATIONS)
    await upgrade_to_head(db_settings, MIGRATIONS)  # a second run has nothing to do
    engine = create_engine(db_settings)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert {"lessons", "outbox", "inbox", "alembic_version"} <= names
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("lessons")}
            )
            assert "minutes" in columns
            version = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == "0002"
            if is_postgres(connection):
                rows = await connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = :schema"
                    ),
                    {"schema": db_settings.schema},
                )
                assert {"lessons", "outbox", "inbox", "alembic_version"} <= set(rows.scalars())
                public = await connection.execute(
                    text(
                        "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = 'public' AND table_name = 'outbox'"
                    )
                )
                assert public.scalar_one() == 0
    finally:
        await engine.dispose()
