"""The statements behind Zoom's refusals and removals, on SQLite and (integration tier)
PostgreSQL: marking a connection for lacking scopes only while its token is the refused one,
deleting a Zoom user's connections within a tenant, and the consumer's inbox, which lets one of
any number of racing deliveries apply an event."""

from __future__ import annotations

import asyncio
from datetime import timedelta

# the fixture and the saved connection (access token "access-1") of the unit-of-work tests
from tests.unit.zoom_gateway.test_unit_of_work import NOW, connect_user, uow  # noqa: F401
from zoom_gateway.adapters.repositories.user_connections import ACTIVE, REAUTH
from zoom_gateway.adapters.uow import UnitOfWorkFactory


async def _mark(uow: UnitOfWorkFactory, token: str, *missing: str) -> bool:  # noqa: F811
    async with uow() as work:
        marked = await work.connections.mark_lacking_scopes(
            "u1", token=token, missing_scopes=missing, now=NOW
        )
        await work.commit()
    return marked


async def _state(uow: UnitOfWorkFactory) -> tuple[str, tuple[str, ...], bool]:  # noqa: F811
    async with uow() as work:
        info = await work.connections.get("u1")
    assert info is not None
    return info.status, info.missing_scopes, info.usable


async def test_lacking_scopes_are_marked_for_the_refused_token_only(
    uow: UnitOfWorkFactory,  # noqa: F811
) -> None:
    await connect_user(uow)
    assert not await _mark(uow, "some-other-token", "recording:read")  # reconnected meanwhile
    assert await _state(uow) == (ACTIVE, (), True)

    assert await _mark(uow, "access-1", "recording:read:admin", "recording:read")
    assert await _state(uow) == (REAUTH, ("recording:read:admin", "recording:read"), True)
    assert await _mark(uow, "access-1", "meeting:read:list_past_participants", "recording:read")
    status, missing, usable = await _state(uow)
    assert missing == (
        "recording:read:admin",
        "recording:read",
        "meeting:read:list_past_participants",
    )
    assert (status, usable) == (REAUTH, True)

    # a refusal naming no scope: the tokens are dead, and stay so whatever comes next
    assert await _mark(uow, "access-1")
    assert await _state(uow) == (REAUTH, (), False)
    assert await _mark(uow, "access-1", "recording:read")
    assert await _state(uow) == (REAUTH, (), False)

    # connecting again starts over
    await connect_user(uow)
    assert await _state(uow) == (ACTIVE, (), True)


async def test_a_refused_refresh_leaves_the_connection_dead_whatever_it_lacked(
    uow: UnitOfWorkFactory,  # noqa: F811
) -> None:
    await connect_user(uow)
    assert await _mark(uow, "access-1", "recording:read")
    async with uow() as work:
        stored = await work.connections.load("u1")
        assert stored is not None
        assert stored.usable  # still refreshed: only some scopes are missing
        claimed = await work.connections.claim_refresh(
            stored, owner="me", now=NOW, lease=timedelta(seconds=15)
        )
        assert claimed
        await work.connections.mark_reauthorization("u1", owner="me", now=NOW)
        await work.commit()
    assert await _state(uow) == (REAUTH, (), False)


async def test_a_zoom_users_connections_go_within_the_tenant_and_before_the_time(
    uow: UnitOfWorkFactory,  # noqa: F811
) -> None:
    await connect_user(uow, "u1")  # tenant "default", zoom user "z1", account "acc", at NOW
    await connect_user(uow, "u2")
    async with uow() as work:
        assert await work.connections.remove_zoom_user(tenant="other", zoom_user_id="z1") == []
        assert (
            await work.connections.remove_zoom_user(
                tenant="default", zoom_user_id="z1", zoom_account_id="not-acc"
            )
            == []
        )
        assert (
            await work.connections.remove_zoom_user(
                tenant="default", zoom_user_id="z1", connected_before=NOW - timedelta(seconds=1)
            )
            == []
        )
        assert await work.connections.remove_zoom_user(tenant="default", zoom_user_id="") == []
        removed = await work.connections.remove_zoom_user(
            tenant="default", zoom_user_id="z1", zoom_account_id="acc", connected_before=NOW
        )
        assert removed == ["u1", "u2"]
        await work.commit()
    async with uow() as work:
        assert await work.connections.get("u1") is None
        assert await work.connections.load("u2") is None


async def test_one_of_racing_deliveries_applies_the_event(
    uow: UnitOfWorkFactory,  # noqa: F811
) -> None:
    async def deliver() -> bool:
        async with uow() as work:
            first = await work.first_delivery("zoom-gateway", "message-1")
            await asyncio.sleep(0.05)  # hold the transaction while the others arrive
            await work.commit()
        return first

    outcomes = await asyncio.gather(*(deliver() for _ in range(4)), return_exceptions=True)
    firsts = [o for o in outcomes if o is True]
    assert len(firsts) == 1, outcomes
    async with uow() as work:
        assert not await work.first_delivery("zoom-gateway", "message-1")
        assert await work.first_delivery("another-consumer", "message-1")
        assert await work.first_delivery("zoom-gateway", "message-2")
