"""Migration 0004 on lessons written before parts: each reads as one part (its own file), and
a lesson with parts is stored and read back whole (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db import session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.domain.model import LessonPart, LessonSource, RecordedLesson
from scheduler.settings import Settings

AT = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
END = datetime(2030, 1, 15, 11, 0, tzinfo=UTC)


async def test_a_lesson_from_before_parts_reads_as_its_own_single_part(
    settings: Settings, engine: AsyncEngine
) -> None:
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0003")
    async with engine.begin() as c:
        await c.execute(
            sa.text(
                "INSERT INTO recorded_lessons (id, session_id, title, source, recording_id,"
                " recording_file_id, file_size_bytes, duration_seconds, zoom_info, create_time)"
                " VALUES ('l-old', 's-1', 'Zoom Recording', 'zoom_auto_sync', 'rec-1', 'f-1',"
                " 300, 3600, :z, :at)"
            ).bindparams(
                sa.bindparam("z", type_=sa.JSON()), sa.bindparam("at", type_=UTCDateTime())
            ),
            {
                "z": {"recording_file_id": "z-1", "recording_start": AT.isoformat()},
                "at": AT,
            },
        )
    await engine.dispose()  # the migration alters the table these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR)

    factory = session_factory(engine)
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        [old] = await uow.lessons.of_session("s-1")
        assert (old.lesson_kind, old.recording_file_id) == ("", "f-1")
        assert old.parts == [
            LessonPart(
                file_id="f-1",
                part=1,
                size_bytes=300,
                duration_seconds=3600,
                recording_start=AT,
                recording_id="rec-1",
                zoom_file_id="z-1",
            )
        ]
        lesson = RecordedLesson(
            id="l-new",
            session_id="s-1",
            title="Zoom Recording (MP4)",
            source=LessonSource.ZOOM_AUTO_SYNC,
            recording_id="rec-2",
            recording_file_id="f-2",
            create_time=END,
            lesson_kind="shared_screen_with_speaker_view",
            parts=[LessonPart("f-2", 1, 10, 60, AT, END, "rec-2", "z-2")],
        )
        lesson.add_part(LessonPart("f-3", 2, 20, 120, END, END, "rec-2", "z-3"))
        await uow.lessons.add(lesson)
        await uow.commit()
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        assert await uow.lessons.get("l-new") == lesson
        assert await uow.lessons.session_ids_of_recording("rec-2") == ["s-1"]
