"""Each webhook belongs to the tenant owning its Zoom account, and only that tenant's keys sign it.

Runs webhook-ingest on SQLite with a fake zoom-gateway (real gRPC, real service tokens) that
lists tenants "a" and "b"; the env secrets are the default tenant's.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx
from sqlalchemy import select

from classbridge.events.v1 import zoom_events_pb2 as pb
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.fake_gateway import (
    A_ACCOUNT,
    A_SECRET,
    B_ACCOUNT,
    B_SECRET,
    C_ACCOUNT,
    C_SECRET,
    FakeGateway,
)
from tests.unit.webhook_ingest.helpers import SECRET, signed_headers
from webhook_ingest.adapters.tables import webhook_events
from webhook_ingest.bootstrap import Running


def _event(account: str | None, *, uuid: str | None = None) -> bytes:
    """A meeting.started of `account` (none named when None); `uuid` makes it another event."""
    document = z.meeting_started()
    if uuid is not None:
        document["payload"]["object"]["uuid"] = uuid
    if account is None:
        del document["payload"]["account_id"]
    else:
        document["payload"]["account_id"] = account
    return z.encode(document)


async def _stored(service: Running) -> list[tuple[str, str]]:
    """(tenant_id, account_id) of every stored event, oldest first."""
    async with service.admin._engine.connect() as conn:
        rows = await conn.execute(
            select(webhook_events.c.tenant_id, webhook_events.c.account_id).order_by(
                webhook_events.c.id
            )
        )
        return [(row.tenant_id, row.account_id) for row in rows]


async def _post(
    client: httpx.AsyncClient, body: bytes, secret: str, path: str = "/zoom/webhook"
) -> httpx.Response:
    return await client.post(path, content=body, headers=signed_headers(body, secret=secret))


async def test_a_webhook_is_stored_and_published_in_the_tenant_owning_its_account(
    tenant_service: Running, tenant_client: httpx.AsyncClient, recorder: Recorder
) -> None:
    body = _event(B_ACCOUNT)
    forged = await _post(tenant_client, body, A_SECRET)  # A's secret, B's account
    assert forged.status_code == 401
    assert forged.json()["error"] == "invalid_signature"
    # Nor does the default tenant's (env) secret sign for B's account.
    assert (await _post(tenant_client, body, SECRET)).status_code == 401
    await asyncio.sleep(0.1)
    assert await _stored(tenant_service) == []
    assert recorder.envelopes == []

    genuine = await _post(tenant_client, body, B_SECRET)
    assert genuine.status_code == 200, genuine.text
    assert await _stored(tenant_service) == [("b", B_ACCOUNT)]
    await wait_until(lambda: len(recorder.envelopes) == 1, within=10)
    message = recorder.envelopes[0].parse(pb.ZoomMeetingStarted)
    assert message.context.tenant_id == "b"
    assert message.context.account_id == B_ACCOUNT


async def test_an_account_no_tenant_claims_belongs_to_the_default_tenant(
    tenant_service: Running, tenant_client: httpx.AsyncClient, recorder: Recorder
) -> None:
    assert (await _post(tenant_client, _event("acct-nobody"), A_SECRET)).status_code == 401
    assert (await _post(tenant_client, _event("acct-nobody"), SECRET)).status_code == 200
    assert (await _post(tenant_client, _event(None, uuid="u2=="), SECRET)).status_code == 200
    assert await _stored(tenant_service) == [("default", "acct-nobody"), ("default", "")]
    await wait_until(lambda: len(recorder.envelopes) == 2, within=10)
    tenants = {e.parse(pb.ZoomMeetingStarted).context.tenant_id for e in recorder.envelopes}
    assert tenants == {"default"}


async def test_the_account_may_also_be_named_at_the_top_level(
    tenant_service: Running, tenant_client: httpx.AsyncClient
) -> None:
    document = z.meeting_started()
    del document["payload"]["account_id"]
    document["account_id"] = A_ACCOUNT
    body = z.encode(document)
    assert (await _post(tenant_client, body, B_SECRET)).status_code == 401
    assert (await _post(tenant_client, body, A_SECRET)).status_code == 200
    assert await _stored(tenant_service) == [("a", A_ACCOUNT)]


async def test_the_same_event_in_two_tenants_is_two_events(
    tenant_service: Running, tenant_client: httpx.AsyncClient
) -> None:
    # Same meeting uuid and timestamps: one tenant must not be able to pre-empt another's event.
    assert (await _post(tenant_client, _event(A_ACCOUNT), A_SECRET)).json()["status"] == "stored"
    assert (await _post(tenant_client, _event(B_ACCOUNT), B_SECRET)).json()["status"] == "stored"
    assert sorted(await _stored(tenant_service)) == [("a", A_ACCOUNT), ("b", B_ACCOUNT)]


async def test_url_validation_on_a_tenant_path_is_answered_with_that_tenants_secret(
    tenant_service: Running, tenant_client: httpx.AsyncClient
) -> None:
    body = json.dumps(
        {"event": "endpoint.url_validation", "payload": {"plainToken": "tok-b"}}
    ).encode()
    answer = await _post(tenant_client, body, B_SECRET, path="/zoom/webhook/b")
    assert answer.status_code == 200
    expected = hmac.new(B_SECRET.encode(), b"tok-b", hashlib.sha256).hexdigest()
    assert answer.json() == {"plainToken": "tok-b", "encryptedToken": expected}
    # Another tenant's secret (or the default one) does not validate B's URL ...
    assert (await _post(tenant_client, body, A_SECRET, path="/zoom/webhook/b")).status_code == 401
    assert (await _post(tenant_client, body, SECRET, path="/zoom/webhook/b")).status_code == 401
    # ... and the shared path answers with the default tenant's secret only.
    assert (await _post(tenant_client, body, B_SECRET)).status_code == 401
    shared = await _post(tenant_client, body, SECRET)
    assert (
        shared.json()["encryptedToken"]
        == hmac.new(SECRET.encode(), b"tok-b", hashlib.sha256).hexdigest()
    )
    unknown = await _post(tenant_client, body, B_SECRET, path="/zoom/webhook/nobody")
    assert unknown.status_code == 401
    assert (await _post(tenant_client, body, B_SECRET, path="/zoom/webhook/B!")).status_code == 404
    assert await _stored(tenant_service) == []


async def test_a_tenant_path_accepts_only_that_tenants_accounts(
    tenant_service: Running, tenant_client: httpx.AsyncClient, recorder: Recorder
) -> None:
    # A signs an event naming B's account and posts it to A's own URL: refused.
    wrong = await _post(tenant_client, _event(B_ACCOUNT), A_SECRET, path="/zoom/webhook/a")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "wrong_account"
    # An account nobody claims is the default tenant's, not A's.
    assert (
        await _post(tenant_client, _event("acct-nobody"), A_SECRET, path="/zoom/webhook/a")
    ).status_code == 401
    ok = await _post(tenant_client, _event(A_ACCOUNT), A_SECRET, path="/api/zoom/webhook/a")
    assert ok.status_code == 200
    # No account named: the path decides.
    ok = await _post(tenant_client, _event(None, uuid="x=="), A_SECRET, path="/zoom/webhook/a")
    assert ok.status_code == 200
    assert await _stored(tenant_service) == [("a", A_ACCOUNT), ("a", "")]


async def test_new_tenant_keys_take_effect_without_a_restart(
    tenant_service: Running, tenant_client: httpx.AsyncClient, gateway: tuple[FakeGateway, str]
) -> None:
    fake, _ = gateway
    body = _event(C_ACCOUNT)
    # Before the gateway knows C, C's account is unclaimed: C's secret does not verify.
    assert (await _post(tenant_client, body, C_SECRET)).status_code == 401
    fake.add("c", C_ACCOUNT, C_SECRET)
    refreshes = tenant_service.keys.refreshes
    await wait_until(lambda: tenant_service.keys.refreshes > refreshes, within=10)
    assert (await _post(tenant_client, body, C_SECRET)).status_code == 200
    assert await _stored(tenant_service) == [("c", C_ACCOUNT)]
    # Every fetch was made with webhook-ingest's own service token.
    assert set(fake.callers) == {("service", "webhook-ingest")}


async def test_a_failed_signature_refreshes_at_once_but_rate_limited(
    tmp_path: Any, gateway: tuple[FakeGateway, str], bus: Any
) -> None:
    from classbridge_common.db.migrations import upgrade_to_head
    from tests.unit.webhook_ingest.helpers import make_settings
    from webhook_ingest.bootstrap import MIGRATIONS_DIR, running

    fake, address = gateway
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        zoom_gateway_addr=address,
        webhook_keys_refresh_seconds=3600,  # only misses refresh in this test
        webhook_keys_min_refresh_seconds=3600,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with (
        running(settings, bus=bus) as service,
        httpx.AsyncClient(base_url=service.http_url, timeout=10) as client,
    ):
        await wait_until(lambda: service.keys.refreshes >= 1, within=10)
        calls = fake.calls
        # A flood of unknown accounts with bad signatures: no fetch (the last was just now).
        floods = await asyncio.gather(
            *(_post(client, _event(f"acct-{i}"), "forged-secret") for i in range(30))
        )
        assert {r.status_code for r in floods} == {401}
        assert fake.calls == calls


async def test_a_tenant_added_a_moment_ago_verifies_on_its_first_webhook(
    tenant_service: Running, tenant_client: httpx.AsyncClient, gateway: tuple[FakeGateway, str]
) -> None:
    fake, _ = gateway
    await asyncio.sleep(0.3)  # past the minimum interval since the last fetch
    fake.add("c", C_ACCOUNT, C_SECRET)
    # No waiting for the periodic refresh: the miss fetches early and decides again.
    assert (await _post(tenant_client, _event(C_ACCOUNT), C_SECRET)).status_code == 200
    assert await _stored(tenant_service) == [("c", C_ACCOUNT)]


async def test_an_account_claimed_a_moment_ago_is_no_longer_the_default_tenants(
    tenant_service: Running, tenant_client: httpx.AsyncClient, gateway: tuple[FakeGateway, str]
) -> None:
    fake, _ = gateway
    fake.add("c", C_ACCOUNT, C_SECRET)  # claimed after the last refresh
    # The default keys verify, but the account is unknown: the table is fetched before the
    # event is accepted, and now only C's keys may sign for C's account.
    forged = await _post(tenant_client, _event(C_ACCOUNT), SECRET)
    assert forged.status_code == 401, forged.text
    assert await _stored(tenant_service) == []
    assert (await _post(tenant_client, _event(C_ACCOUNT), C_SECRET)).status_code == 200
    assert await _stored(tenant_service) == [("c", C_ACCOUNT)]


async def test_an_unclaimed_account_asks_the_gateway_once_per_interval(
    tmp_path: Any, gateway: tuple[FakeGateway, str], bus: Any
) -> None:
    """Three webhooks of an account nobody claims make at most one fetch. The periodic refresh
    is an hour here, so a slow machine cannot slip one in and blur what is counted."""
    from classbridge_common.db.migrations import upgrade_to_head
    from tests.unit.webhook_ingest.helpers import make_settings
    from webhook_ingest.bootstrap import MIGRATIONS_DIR, running

    fake, address = gateway
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        zoom_gateway_addr=address,
        webhook_keys_refresh_seconds=3600,
        webhook_keys_min_refresh_seconds=0.2,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with (
        running(settings, bus=bus) as service,
        httpx.AsyncClient(base_url=service.http_url, timeout=10) as client,
    ):
        await wait_until(lambda: service.keys.refreshes >= 1, within=10)
        await asyncio.sleep(0.3)  # past the minimum interval: the first miss may fetch
        calls = fake.calls
        for uuid in ("u1==", "u2==", "u3=="):
            body = _event("acct-nobody", uuid=uuid)
            assert (await _post(client, body, SECRET)).status_code == 200
        assert fake.calls - calls <= 1
        assert [t for t, _ in await _stored(service)] == ["default"] * 3


async def test_a_gateway_outage_keeps_the_last_table(
    tenant_service: Running, tenant_client: httpx.AsyncClient, gateway: tuple[FakeGateway, str]
) -> None:
    fake, _ = gateway
    fake.down = True
    failures = tenant_service.keys.failures
    await wait_until(lambda: tenant_service.keys.failures > failures, within=10)
    assert (await _post(tenant_client, _event(B_ACCOUNT), B_SECRET)).status_code == 200
    assert (await _post(tenant_client, _event(B_ACCOUNT), A_SECRET)).status_code == 401
    assert (
        await _post(tenant_client, _event("acct-nobody", uuid="n=="), SECRET)
    ).status_code == 200
    assert await _stored(tenant_service) == [("b", B_ACCOUNT), ("default", "acct-nobody")]
