"""Migration 0006 on participants written before it: no role change applied, nothing shared
first, stays in the main meeting; a participant with a breakout-room stay, a role change and a
share is stored and read back whole; and it goes down again cleanly (SQLite; PostgreSQL when
configured)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db import session_factory
from classbridge_common.db.migrations import alembic_config, upgrade_to_head
from classbridge_common.db.types import UTCDateTime
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.domain.model import Interval, Participant, ParticipantRole
from scheduler.settings import Settings

AT = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
NEW_COLUMNS = {"role_change_time", "first_share_time", "first_share_content"}


async def _columns(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as c:
        return await c.run_sync(
            lambda sync: {col["name"] for col in sa.inspect(sync).get_columns("participants")}
        )


async def test_participants_from_before_read_as_they_were(
    settings: Settings, engine: AsyncEngine
) -> None:
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0005")
    stamp = sa.bindparam("at", type_=UTCDateTime())
    async with engine.begin() as c:
        await c.execute(
            sa.text(
                "INSERT INTO participants (id, session_id, user_id, role, shared_screen,"
                " intervals, create_time)"
                " VALUES ('p-1', 's-1', 'student-1', 'participant', :shared, :stays, :at)"
            ).bindparams(stamp, sa.bindparam("stays", type_=sa.JSON())),
            {
                "at": AT,
                "shared": True,
                "stays": [
                    {
                        "participant_uuid": "u",
                        "join_time": AT.isoformat(),
                        "leave_time": None,
                        "leave_reason": "",
                        "reported_by": "",
                    }
                ],
            },
        )
    await engine.dispose()  # the migration alters a table these connections know

    await upgrade_to_head(settings, MIGRATIONS_DIR)

    factory = session_factory(engine)
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        [person] = await uow.participants.of_session("s-1")
        assert (person.role_change_time, person.first_share_time, person.first_share_content) == (
            None,
            None,
            "",
        )
        assert person.shared_screen
        assert person.intervals == [Interval("u", AT)]
        # What the live-class events make of a person is stored and read back whole.
        person.change_role(ParticipantRole.CO_HOST, at=AT + timedelta(minutes=5))
        person.shared(at=AT + timedelta(minutes=6), content="whiteboard")
        person.left(participant_uuid="u", at=AT + timedelta(minutes=20))
        person.joined(
            participant_uuid="u",
            at=AT + timedelta(minutes=20),
            room="room-1",
            meeting_user_id="400",
        )
        await uow.commit()
    async with SchedulerUnitOfWork(session_factory=factory, tenant=DEFAULT_TENANT) as uow:
        [person] = await uow.participants.of_session("s-1")
        assert person == Participant(
            id="p-1",
            session_id="s-1",
            user_id="student-1",
            role=ParticipantRole.CO_HOST,
            shared_screen=True,
            intervals=[
                Interval("u", AT, AT + timedelta(minutes=20)),
                Interval(
                    "u",
                    AT + timedelta(minutes=20),
                    breakout_room_uuid="room-1",
                    meeting_user_id="400",
                ),
            ],
            role_change_time=AT + timedelta(minutes=5),
            first_share_time=AT + timedelta(minutes=6),
            first_share_content="whiteboard",
        )
    await engine.dispose()
    assert await _columns(engine) >= NEW_COLUMNS

    config = alembic_config(settings, MIGRATIONS_DIR)
    await asyncio.to_thread(command.downgrade, config, "0005")
    assert not NEW_COLUMNS & await _columns(engine)
