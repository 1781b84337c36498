"""The key table and its cache, without a server: ownership, contested accounts, refresh rules."""

from __future__ import annotations

import asyncio

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import PermissionDenied
from classbridge_common.tenancy import TenantScope
from webhook_ingest.domain.dedup import dedup_key
from webhook_ingest.domain.tenancy import (
    KeyEntry,
    KeyTable,
    account_of,
)
from webhook_ingest.service_layer.keys import WebhookKeys


def test_the_account_is_read_from_the_payload_the_top_level_or_the_object() -> None:
    assert account_of({"payload": {"account_id": "p", "object": {"account_id": "o"}}}) == "p"
    assert account_of({"account_id": "t", "payload": {"object": {"account_id": "o"}}}) == "t"
    assert account_of({"payload": {"object": {"account_id": "o"}}}) == "o"
    assert account_of({"payload": [1]}) == ""
    assert account_of(["not", "an", "object"]) == ""


def test_the_table_maps_accounts_to_their_tenants_keys() -> None:
    table = KeyTable.build(
        ["env"],
        [
            KeyEntry("a", "acct-a", ("a1", "a0")),
            KeyEntry("b", "acct-b", ("b1",)),
            KeyEntry("default", "acct-d", ("d1",)),
            KeyEntry("c", "", ("c1",)),  # no account: only its own path
            KeyEntry("Not A Tenant", "acct-x", ("x",)),
        ],
    )
    assert table.for_account("acct-a").secrets == ("a1", "a0")
    assert table.owner("acct-b") == "b"
    assert table.for_account("unclaimed").secrets == ("env", "d1")
    assert table.for_account("").tenant_id == "default"
    assert table.owner("acct-d") == "default"
    assert table.for_tenant("c").secrets == ("c1",)
    assert table.for_tenant("nobody").secrets == ()
    assert table.owner("acct-x") == "default"  # the invalid entry was ignored


def test_an_account_claimed_by_two_tenants_verifies_with_no_key() -> None:
    table = KeyTable.build(
        ["env"], [KeyEntry("a", "shared", ("a1",)), KeyEntry("b", "shared", ("b1",))]
    )
    assert table.for_account("shared").secrets == ()
    assert table.owner("shared") == ""


def test_the_dedup_key_differs_between_tenants_but_not_for_the_default() -> None:
    document = {"event": "meeting.started", "event_ts": 1, "payload": {"object": {"uuid": "u"}}}
    assert dedup_key(document, b"") == dedup_key(document, b"", tenant_id="default")
    assert dedup_key(document, b"", tenant_id="a") != dedup_key(document, b"", tenant_id="b")


def test_the_scope_of_each_caller() -> None:
    of = TenantScope.of_caller
    assert of(Caller("x", frozenset({"admin"}), tenant="a")) == TenantScope("a")
    assert of(Caller("x", frozenset({"operator"}), tenant="a")) == TenantScope(None)
    service = Caller("scheduler", frozenset({"service"}), kind="service")
    assert of(service) == TenantScope(None)
    assert of(service.in_tenant("b")) == TenantScope("b")
    with pytest.raises(PermissionDenied):
        of(Caller("x", frozenset({"admin"}), tenant=None))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_misses_refresh_at_most_once_per_interval_and_outages_keep_the_table() -> None:
    calls = 0
    entries = [KeyEntry("a", "acct-a", ("a1",))]
    down = False

    async def fetch() -> list[KeyEntry]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if down:
            raise ConnectionError("gateway down")
        return list(entries)

    clock = Clock()
    keys = WebhookKeys(
        default_secrets=["env"], fetch=fetch, min_interval=5.0, miss_wait=1.0, clock=clock
    )
    assert keys.table.owner("acct-a") == "default"  # before the first fetch: env keys only
    assert await keys.refresh()
    assert keys.table.owner("acct-a") == "a"
    # Within the interval: no fetch, however many misses (concurrent ones included).
    assert await asyncio.gather(*(keys.refresh_on_miss() for _ in range(20))) == [None] * 20
    assert calls == 1
    clock.now += 6
    entries.append(KeyEntry("b", "acct-b", ("b1",)))
    results = await asyncio.gather(*(keys.refresh_on_miss() for _ in range(20)))
    assert calls == 2  # one fetch shared by every concurrent miss
    assert all(r is keys.table for r in results)
    assert keys.table.owner("acct-b") == "b"
    down = True
    clock.now += 6
    assert await keys.refresh_on_miss() is None
    assert keys.failures == 1
    assert keys.table.owner("acct-b") == "b"  # the last table stays


async def test_without_a_gateway_the_env_keys_are_the_whole_table() -> None:
    async with WebhookKeys(default_secrets=["env"], fetch=None) as keys:
        assert not await keys.refresh()
        assert await keys.refresh_on_miss() is None
        assert keys.table.for_account("any").secrets == ("env",)
