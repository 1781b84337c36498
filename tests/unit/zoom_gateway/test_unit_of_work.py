"""The gateway's unit of work and repositories: nothing is stored without a commit, and what
must hold when replicas race holds on SQLite and, in the integration tier, on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import select

from classbridge_common.crypto import SecretBox
from classbridge_common.db import create_engine, is_postgres, session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.errors import Aborted
from classbridge_common.testing import create_schema, drop_schema, unique_name
from tests.unit.zoom_gateway.helpers import ENCRYPTION_KEY, gateway_settings
from zoom_gateway.adapters.orm import outbox, user_connections
from zoom_gateway.adapters.repositories.meeting_creations import Claimed
from zoom_gateway.adapters.repositories.user_connections import StoredConnection
from zoom_gateway.adapters.uow import GatewayUnitOfWork, UnitOfWorkFactory
from zoom_gateway.bootstrap import MIGRATIONS_DIR

INFRASTRUCTURE = ["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]
NOW = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture(params=INFRASTRUCTURE)
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    """A migrated gateway database (SQLite file, or a PostgreSQL schema of the test's own)."""
    database_url = schema = None
    if request.param == "postgres":
        database_url = request.getfixturevalue("database_url")
        schema = unique_name("test")
        await create_schema(database_url, schema)
    fields = {"database_url": database_url, "db_schema": schema} if database_url else {}
    settings = gateway_settings(None, tmp_path, **fields)
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    box = SecretBox([ENCRYPTION_KEY])
    try:
        yield lambda: GatewayUnitOfWork(session_factory=sessions, box=box)
    finally:
        await engine.dispose()
        if database_url and schema:
            await drop_schema(database_url, schema)


async def connect_user(uow: UnitOfWorkFactory, user_id: str = "u1") -> StoredConnection:
    async with uow() as work:
        await work.connections.save(
            user_id=user_id,
            tenant="default",
            access_token="access-1",
            refresh_token="refresh-1",
            access_expires_at=NOW,
            scopes=("meeting:read",),
            zoom_user_id="z1",
            zoom_email="u1@classbridge.test",
            zoom_account_id="acc",
            now=NOW,
        )
        await work.commit()
        stored = await work.connections.load(user_id)
    assert stored is not None
    return stored


async def test_leaving_a_unit_of_work_without_commit_stores_nothing(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as work:
        await work.tenants.add(tenant_id="t1", name="T1", request_id=None, now=NOW)
        claim = await work.creations.claim(
            tenant="t1",
            request_id="r1",
            fingerprint="f",
            host="me",
            marker="m",
            owner="o",
            now=NOW,
            lease=timedelta(seconds=30),
        )
        assert claim == Claimed(takeover=False)
        assert await work.host_usage.charge("t1", "host", day="2030-05-06", limit=5) == 1
    async with uow() as work:
        assert await work.tenants.get("t1") is None
        assert await work.creations.find_done(tenant="t1", request_id="r1", fingerprint="f") is None
        assert await work.host_usage.charge("t1", "host", day="2030-05-06", limit=5) == 1


async def test_tokens_are_stored_encrypted_and_read_back_in_plaintext(
    uow: UnitOfWorkFactory,
) -> None:
    stored = await connect_user(uow)
    assert stored.access_token() == "access-1"
    assert "access-1" not in repr(stored)
    async with uow() as work:
        row = (await work.session.execute(select(user_connections))).one()
    assert row.access_token_enc.startswith("gAAAA")  # Fernet
    assert row.refresh_token_enc.startswith("gAAAA")


async def test_a_create_that_loses_the_race_reads_the_winners_tenant(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as first:
        assert await first.tenants.add(tenant_id="t1", name="T1", request_id="req", now=NOW)

        async def second() -> tuple[bool, str | None]:
            async with uow() as work:
                added = await work.tenants.add(tenant_id="t1", name="T1", request_id="x", now=NOW)
                winner = await work.tenants.get("t1")  # the same transaction still works
                await work.commit()
            return added, winner.request_id if winner else None

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.2)  # the second waits on the first's row (or SQLite's lock)
        await first.commit()
    assert await racing == (False, "req")


async def test_of_many_racing_refresh_claims_exactly_one_wins(uow: UnitOfWorkFactory) -> None:
    stored = await connect_user(uow)

    async def claim(owner: str) -> bool:
        async with uow() as work:
            won = await work.connections.claim_refresh(
                stored, owner=owner, now=NOW, lease=timedelta(seconds=15)
            )
            await work.commit()
        return won

    results = await asyncio.gather(*(claim(f"owner-{n}") for n in range(6)))
    assert results.count(True) == 1


async def test_storing_a_refresh_keeps_the_spent_token_as_previous(uow: UnitOfWorkFactory) -> None:
    stored = await connect_user(uow)
    async with uow() as work:
        assert await work.connections.claim_refresh(
            stored, owner="me", now=NOW, lease=timedelta(seconds=15)
        )
        await work.commit()
    async with uow() as work:
        assert not await work.connections.store_refresh(
            "u1",
            owner="someone else",
            access_token="a",
            refresh_token="r",
            access_expires_at=NOW,
            scopes="",
            now=NOW,
        )
        assert await work.connections.store_refresh(
            "u1",
            owner="me",
            access_token="access-2",
            refresh_token="refresh-2",
            access_expires_at=NOW + timedelta(hours=1),
            scopes="meeting:read",
            now=NOW,
        )
        await work.commit()
    async with uow() as work:
        after = await work.connections.load("u1")
        row = (await work.session.execute(select(user_connections))).one()
    assert after is not None
    assert (after.access_token(), after.refresh_token()) == ("access-2", "refresh-2")
    assert after.refresh_owner is None
    assert SecretBox([ENCRYPTION_KEY]).decrypt_str(row.previous_refresh_token_enc) == "refresh-1"


async def test_a_state_burns_once_however_many_race(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.oauth_states.add(
            state_id="s1",
            tenant="default",
            user_id="u1",
            code_verifier="verifier",
            redirect_uri="https://app.classbridge.test/cb",
            expires_at=NOW + timedelta(minutes=10),
            now=NOW,
        )
        await work.commit()

    async def burn() -> bool:
        async with uow() as work:
            burned = await work.oauth_states.burn("s1", now=NOW)
            await work.commit()
        return burned

    assert (await asyncio.gather(*(burn() for _ in range(5)))).count(True) == 1


async def test_a_tenant_change_racing_another_is_aborted_on_postgres(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as work:
        if not is_postgres(work.session):
            pytest.skip("SQLite serialises the two changes: the second sees the first")
        await work.tenants.add(tenant_id="t1", name="T1", request_id=None, now=NOW)
        await work.commit()

    async def set_client_id(work: GatewayUnitOfWork, value: str) -> None:
        await work.tenants.set_apps(
            tenant_id="t1",
            name="T1",
            changes={"client_id": value},
            current_webhook_secret="",
            previous_webhook_valid_until=None,
            now=NOW,
        )

    async with uow() as first:
        await set_client_id(first, "first")

        async def second() -> None:
            async with uow() as work:
                await set_client_id(work, "second")
                await work.commit()

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.2)  # the second read version 1 and waits on the row lock
        await first.commit()
    with pytest.raises(Aborted):
        await racing
    async with uow() as work:
        row = await work.tenants.get("t1")
    assert row is not None
    assert (row.client_id, row.version) == ("first", 2)


async def test_the_host_ledger_counts_to_the_limit_under_concurrency(
    uow: UnitOfWorkFactory,
) -> None:
    async def charge() -> int | None:
        async with uow() as work:
            count = await work.host_usage.charge("t1", "Host", day="2030-05-06", limit=3)
            await work.commit()
        return count

    counts = await asyncio.gather(*(charge() for _ in range(6)))
    assert sorted(c for c in counts if c is not None) == [1, 2, 3]
    assert counts.count(None) == 3


async def test_the_gateway_unit_of_work_writes_its_events_to_the_outbox_at_commit(
    uow: UnitOfWorkFactory,
) -> None:
    async with uow() as work:
        work.add_event("zoom.connection.needs_reauthorization", StringValue(value="1"))
        await work.rollback()
    async with uow() as work:
        work.add_event("zoom.connection.needs_reauthorization", StringValue(value="2"))
        await work.commit()
    async with uow() as work:
        rows = (await work.session.execute(select(outbox.c.type, outbox.c.body))).all()
    assert [(r.type, StringValue.FromString(r.body).value) for r in rows] == [
        ("zoom.connection.needs_reauthorization", "2")
    ]
