"""Tenant administration through the gateway: who may do what, secrets at rest and in logs,
webhook key rotation, and a second Zoom account taken into use without a restart."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.crypto import SecretBox
from tests.unit.zoom_gateway.helpers import (
    ENCRYPTION_KEY,
    Gateway,
    Zoom,
    bearer,
    gateway_settings,
    rpc_error,
    service_token,
    spec,
    user_token,
    zoom_gateway,
    zoom_simulator,
)
from zoomsim.config import AccountSeed, AppSeed, UserSeed, default_accounts

OPERATOR = bearer(user_token("operator-1", "operator"))
ADMIN_A = bearer(user_token("admin-a", "admin", tenant="alpha"))
ADMIN_B = bearer(user_token("admin-b", "admin", tenant="beta"))
SCHEDULER = bearer(service_token("scheduler"))
WEBHOOK_INGEST = bearer(service_token("webhook-ingest"))


def second_account() -> AccountSeed:
    return AccountSeed(
        name="Beta School",
        users=[UserSeed("owner@beta.test", "Bea", "Owner", role_name="Owner")],
        apps=[AppSeed(kind="s2s")],
    )


@pytest.fixture
async def two_accounts() -> AsyncIterator[Zoom]:
    async with zoom_simulator(accounts=[*default_accounts(), second_account()]) as zoom:
        yield zoom


def s2s_of(zoom: Zoom, index: int) -> tuple[str, str, str]:
    account = zoom.sim.credentials()[index]
    app = next(a for a in account["apps"] if a["kind"] == "s2s")
    return account["account_id"], app["client_id"], app["client_secret"]


@pytest.fixture
async def gw(two_accounts: Zoom, tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = gateway_settings(two_accounts, tmp_path, zoom_tenant_cache_seconds=0)
    async with zoom_gateway(settings, authenticate=True) as gateway:
        yield gateway


async def create(gw: Gateway, tenant_id: str) -> pb.Tenant:
    return await gw.stub.CreateTenant(
        pb.CreateTenantRequest(tenant_id=tenant_id, name=tenant_id.title(), request_id=tenant_id),
        metadata=OPERATOR,
        timeout=10,
    )


async def set_s2s(
    gw: Gateway, tenant_id: str, creds: tuple[str, str, str], *, who: list[tuple[str, str]]
) -> pb.Tenant:
    account_id, client_id, client_secret = creds
    return await gw.stub.UpdateTenantZoomApps(
        pb.UpdateTenantZoomAppsRequest(
            tenant_id=tenant_id,
            account_id=account_id,
            client_id=client_id,
            client_secret=client_secret,
        ),
        metadata=who,
        timeout=10,
    )


async def meeting_in(gw: Gateway, tenant_id: str, request_id: str) -> pb.Meeting:
    return await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id=request_id,
            account=pb.Account(tenant_id=tenant_id),
            meeting=spec(topic=f"Lesson {request_id}"),
        ),
        metadata=SCHEDULER,
        timeout=15,
    )


async def test_admins_manage_their_own_tenant_only(gw: Gateway, two_accounts: Zoom) -> None:
    created = await create(gw, "alpha")
    assert created.id == "alpha"
    assert not created.s2s_configured
    again = await create(gw, "alpha")  # same request_id: the same tenant
    assert again.id == "alpha"
    code, _ = await rpc_error(
        gw.stub.CreateTenant(
            pb.CreateTenantRequest(tenant_id="alpha", request_id="other"),
            metadata=OPERATOR,
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS
    await create(gw, "beta")

    mine = await gw.stub.GetTenant(pb.GetTenantRequest(), metadata=ADMIN_A, timeout=10)
    assert mine.id == "alpha"
    updated = await set_s2s(gw, "alpha", s2s_of(two_accounts, 1), who=ADMIN_A)
    assert updated.s2s_configured
    assert updated.client_id == s2s_of(two_accounts, 1)[1]

    for call in (
        gw.stub.GetTenant(pb.GetTenantRequest(tenant_id="beta"), metadata=ADMIN_A, timeout=10),
        gw.stub.GetTenant(pb.GetTenantRequest(tenant_id="nope"), metadata=ADMIN_A, timeout=10),
        gw.stub.UpdateTenantZoomApps(
            pb.UpdateTenantZoomAppsRequest(tenant_id="beta", client_id="x"),
            metadata=ADMIN_A,
            timeout=10,
        ),
    ):
        code, _ = await rpc_error(call)
        assert code == grpc.StatusCode.NOT_FOUND  # existence of other tenants is not leaked
    beta = await gw.stub.GetTenant(pb.GetTenantRequest(), metadata=ADMIN_B, timeout=10)
    assert beta.id == "beta"
    assert not beta.s2s_configured

    for who in (ADMIN_A, SCHEDULER):
        code, _ = await rpc_error(gw.stub.ListTenants(pb.ListTenantsRequest(), metadata=who))
        assert code == grpc.StatusCode.PERMISSION_DENIED
    listed = await gw.stub.ListTenants(pb.ListTenantsRequest(), metadata=OPERATOR, timeout=10)
    assert {t.id for t in listed.tenants} == {"default", "alpha", "beta"}
    other = await gw.stub.GetTenant(
        pb.GetTenantRequest(tenant_id="beta"), metadata=OPERATOR, timeout=10
    )
    assert other.id == "beta"
    await set_s2s(gw, "beta", s2s_of(two_accounts, 1), who=OPERATOR)


async def test_list_tenants_pages_by_id_behind_checked_tokens(gw: Gateway) -> None:
    for tenant_id in ("t-c", "t-a", "t-b"):
        await create(gw, tenant_id)
    ids: list[str] = []
    token = ""
    for _ in range(10):
        page = await gw.stub.ListTenants(
            pb.ListTenantsRequest(page_size=2, page_token=token), metadata=OPERATOR, timeout=10
        )
        assert len(page.tenants) <= 2
        ids += [t.id for t in page.tenants]
        token = page.next_page_token
        if not token:
            break
    assert ids == sorted(ids)
    assert {"t-a", "t-b", "t-c", "default"} <= set(ids)
    assert len(ids) == len(set(ids))
    for bad in ("t-a", "garbage!", "..."):  # a bare id is no longer a token
        code, _ = await rpc_error(
            gw.stub.ListTenants(pb.ListTenantsRequest(page_token=bad), metadata=OPERATOR)
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT


async def test_secrets_are_encrypted_at_rest_and_never_logged(
    gw: Gateway, two_accounts: Zoom, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    account_id, client_id, client_secret = s2s_of(two_accounts, 1)
    webhook_secret = "whsec-beta-0123456789"
    oauth_secret = "oauth-secret-beta-0123456789"
    await create(gw, "beta")
    with caplog.at_level(logging.DEBUG):
        answer = await gw.stub.UpdateTenantZoomApps(
            pb.UpdateTenantZoomAppsRequest(
                tenant_id="beta",
                account_id=account_id,
                client_id=client_id,
                client_secret=client_secret,
                webhook_secret_token=webhook_secret,
                oauth_client_id="oauth-beta",
                oauth_client_secret=oauth_secret,
                oauth_redirect_uri="https://beta.test/zoom/callback",
            ),
            metadata=OPERATOR,
            timeout=10,
        )
        await meeting_in(gw, "beta", "s1")
    assert answer.s2s_configured
    assert answer.webhook_secret_configured
    assert answer.user_oauth_configured
    assert client_secret not in str(answer)
    assert webhook_secret not in str(answer)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in (client_secret, webhook_secret, oauth_secret):
        assert secret not in logged

    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'zoom-gateway.db'}")
    try:
        async with engine.connect() as conn:
            row = (
                (await conn.execute(sa.text("SELECT * FROM tenants WHERE id = 'beta'")))
                .mappings()
                .one()
            )
    finally:
        await engine.dispose()
    stored = " ".join(str(v) for v in row.values())
    for secret in (client_secret, webhook_secret, oauth_secret):
        assert secret not in stored
    box = SecretBox([ENCRYPTION_KEY])
    assert box.decrypt_str(row["client_secret_enc"]) == client_secret
    assert box.decrypt_str(row["webhook_secret_enc"]) == webhook_secret
    assert box.decrypt_str(row["oauth_client_secret_enc"]) == oauth_secret


async def test_a_new_account_works_at_once_and_a_rotated_secret_too(
    gw: Gateway, two_accounts: Zoom
) -> None:
    beta = s2s_of(two_accounts, 1)
    await meeting_in(gw, "", "before")  # the default tenant (account 0) already works
    await create(gw, "beta")
    code, _ = await rpc_error(meeting_in(gw, "beta", "m0"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION  # no Zoom app yet
    await set_s2s(gw, "beta", beta, who=OPERATOR)
    first = await meeting_in(gw, "beta", "m1")
    assert first.tenant_id == "beta"
    assert two_accounts.sim.state.meeting(beta[0], first.id) is not None
    assert two_accounts.sim.state.meeting(s2s_of(two_accounts, 0)[0], first.id) is None

    rotated = await two_accounts.ctl.rotate_client_secret(beta[0], beta[1], revoke_tokens=True)
    new_secret = rotated["client_secret"]
    assert new_secret != beta[2]
    code, _ = await rpc_error(meeting_in(gw, "beta", "m2"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION  # Zoom refuses the old secret

    token_requests = len(two_accounts.requests("POST", "/oauth/token"))
    before = await gw.stub.GetTenant(
        pb.GetTenantRequest(tenant_id="beta"), metadata=OPERATOR, timeout=10
    )
    wrong = (beta[0], beta[1], "not-the-secret")
    code, err = await rpc_error(set_s2s(gw, "beta", wrong, who=OPERATOR))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "invalid_client" in err.message  # names what Zoom refused
    assert len(two_accounts.requests("POST", "/oauth/token")) == token_requests + 1
    after = await gw.stub.GetTenant(
        pb.GetTenantRequest(tenant_id="beta"), metadata=OPERATOR, timeout=10
    )
    assert after == before  # nothing was saved

    await gw.stub.UpdateTenantZoomApps(
        pb.UpdateTenantZoomAppsRequest(tenant_id="beta", client_secret=new_secret),
        metadata=OPERATOR,
        timeout=10,
    )
    again = await meeting_in(gw, "beta", "m3")  # at once: the stale token was dropped
    assert two_accounts.sim.state.meeting(beta[0], again.id) is not None


async def test_validate_only_saves_nothing(gw: Gateway, two_accounts: Zoom) -> None:
    beta = s2s_of(two_accounts, 1)
    await create(gw, "beta")
    checked = await gw.stub.UpdateTenantZoomApps(
        pb.UpdateTenantZoomAppsRequest(
            tenant_id="beta",
            account_id=beta[0],
            client_id=beta[1],
            client_secret=beta[2],
            validate_only=True,
        ),
        metadata=OPERATOR,
        timeout=10,
    )
    assert checked.s2s_configured
    stored = await gw.stub.GetTenant(
        pb.GetTenantRequest(tenant_id="beta"), metadata=OPERATOR, timeout=10
    )
    assert not stored.s2s_configured


async def test_webhook_keys_keep_the_previous_token_for_a_grace_period(gw: Gateway) -> None:
    await create(gw, "beta")
    for token in ("first-token-0123", "second-token-0123"):
        await gw.stub.UpdateTenantZoomApps(
            pb.UpdateTenantZoomAppsRequest(tenant_id="beta", webhook_secret_token=token),
            metadata=OPERATOR,
            timeout=10,
        )
    keys = await gw.stub.ListWebhookKeys(
        pb.ListWebhookKeysRequest(), metadata=WEBHOOK_INGEST, timeout=10
    )
    beta = next(k for k in keys.keys if k.tenant_id == "beta")
    assert list(beta.secret_tokens) == ["second-token-0123", "first-token-0123"]


async def test_another_replica_sees_a_change_without_restart(
    two_accounts: Zoom, tmp_path: Path
) -> None:
    settings = gateway_settings(two_accounts, tmp_path, zoom_tenant_cache_seconds=0)
    async with (
        zoom_gateway(settings, authenticate=True) as a,
        zoom_gateway(settings, authenticate=True, migrate=False) as b,
    ):
        await create(a, "beta")
        await set_s2s(a, "beta", s2s_of(two_accounts, 1), who=OPERATOR)
        made = await meeting_in(b, "beta", "via-b")
        assert two_accounts.sim.state.meeting(s2s_of(two_accounts, 1)[0], made.id) is not None
