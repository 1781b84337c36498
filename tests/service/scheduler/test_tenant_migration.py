"""Migration 0003 on rows written before tenancy: children take their parent's tenant, '' becomes
'default', and idempotency keys become unique per tenant (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.settings import Settings

AT = datetime(2030, 1, 1, tzinfo=UTC)


def statement(sql: str, **types: Any) -> sa.TextClause:
    binds = [sa.bindparam(name, type_=kind) for name, kind in types.items()]
    return sa.text(sql).bindparams(*binds)


async def insert_course(c: AsyncConnection, id_: str, tenant: str, request_id: str) -> None:
    await c.execute(
        statement(
            "INSERT INTO courses (id, tenant_id, title, instructor_ids, default_meeting_settings,"
            " request_id, create_time, update_time)"
            " VALUES (:id, :tenant, 'T', :ids, :settings, :rid, :at, :at)",
            ids=sa.JSON(),
            settings=sa.JSON(),
            at=UTCDateTime(),
        ),
        {"id": id_, "tenant": tenant, "ids": [], "settings": {}, "rid": request_id, "at": AT},
    )


async def insert_pre_tenancy_rows(c: AsyncConnection) -> None:
    """Rows as revision 0002 knew them: only courses had a tenant (''= none)."""
    await insert_course(c, "c-legacy", "", "key-1")
    await insert_course(c, "c-acme", "acme", "key-2")
    for batch, course in (("b-legacy", "c-legacy"), ("b-acme", "c-acme")):
        await c.execute(
            statement(
                "INSERT INTO batches (id, course_id, name, type, meeting_settings, request_id,"
                " create_time, update_time)"
                " VALUES (:id, :course, 'B', 'GROUP', :s, :rid, :at, :at)",
                s=sa.JSON(),
                at=UTCDateTime(),
            ),
            {"id": batch, "course": course, "s": {}, "rid": f"r-{batch}", "at": AT},
        )
        await c.execute(
            statement(
                "INSERT INTO enrollments (id, batch_id, student_id, create_time)"
                " VALUES (:id, :batch, 'student-1', :at)",
                at=UTCDateTime(),
            ),
            {"id": f"e-{batch}", "batch": batch, "at": AT},
        )
        await c.execute(
            statement(
                "INSERT INTO sessions (id, batch_id, course_id, batch_type, title, scheduled_start,"
                " scheduled_end, timezone, status, auto_recording, meeting_settings, create_time,"
                " update_time) VALUES (:id, :batch, :course, 'GROUP', 'S', :at, :at, 'UTC',"
                " 'SCHEDULED', 'CLOUD', :s, :at, :at)",
                s=sa.JSON(),
                at=UTCDateTime(),
            ),
            {"id": f"s-{batch}", "batch": batch, "course": course, "s": {}, "at": AT},
        )
    for lesson, session in (
        ("l-legacy", "s-b-legacy"),
        ("l-acme", "s-b-acme"),
        ("l-orphan", "s-gone"),
    ):
        await c.execute(
            statement(
                "INSERT INTO recorded_lessons (id, session_id, title, source, zoom_info,"
                " create_time) VALUES (:id, :session, 'L', 'EXTERNAL_LINK', :z, :at)",
                z=sa.JSON(),
                at=UTCDateTime(),
            ),
            {"id": lesson, "session": session, "z": {}, "at": AT},
        )
    await c.execute(
        statement(
            "INSERT INTO interactions (id, session_id, type, author_id, content, create_time)"
            " VALUES ('i-acme', 's-b-acme', 'CHAT', 'student-1', 'hi', :at)",
            at=UTCDateTime(),
        ),
        {"at": AT},
    )


async def tenants(c: AsyncConnection, table: str) -> dict[str, str]:
    rows = await c.execute(sa.text(f"SELECT id, tenant_id FROM {table}"))  # noqa: S608
    return {r.id: r.tenant_id for r in rows}


async def test_backfill_gives_children_their_parents_tenant(
    settings: Settings, engine: AsyncEngine
) -> None:
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0002")
    async with engine.begin() as c:
        await insert_pre_tenancy_rows(c)
        with pytest.raises(IntegrityError):  # before: request ids unique across tenants
            async with c.begin_nested():
                await insert_course(c, "c-clash", "acme", "key-1")
    await engine.dispose()  # the migration alters the tables these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0003")

    async with engine.begin() as c:
        assert await tenants(c, "courses") == {"c-legacy": "default", "c-acme": "acme"}
        assert await tenants(c, "batches") == {"b-legacy": "default", "b-acme": "acme"}
        assert await tenants(c, "enrollments") == {"e-b-legacy": "default", "e-b-acme": "acme"}
        assert await tenants(c, "sessions") == {"s-b-legacy": "default", "s-b-acme": "acme"}
        assert await tenants(c, "recorded_lessons") == {
            "l-legacy": "default",
            "l-acme": "acme",
            "l-orphan": "default",  # no parent: the default tenant
        }
        assert await tenants(c, "interactions") == {"i-acme": "acme"}
        # The same request id in two tenants is now allowed; twice in one tenant still not.
        await insert_course(c, "c-acme-2", "acme", "key-1")
        await insert_course(c, "c-other", "other", "key-2")
        with pytest.raises(IntegrityError):
            async with c.begin_nested():
                await insert_course(c, "c-dup", "acme", "key-2")
        # A new row without a tenant lands in the default tenant.
        await c.execute(
            statement(
                "INSERT INTO batches (id, course_id, name, type, meeting_settings, create_time,"
                " update_time) VALUES ('b-new', 'c-legacy', 'B', 'GROUP', :s, :at, :at)",
                s=sa.JSON(),
                at=UTCDateTime(),
            ),
            {"s": {}, "at": AT},
        )
        assert (await tenants(c, "batches"))["b-new"] == "default"
        version = await c.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0003"
