"""``python -m zoom_gateway reencrypt``: after it, the newest key alone opens every secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.crypto import DecryptionError, SecretBox, generate_key
from tests.unit.zoom_gateway.helpers import Zoom, gateway_settings, zoom_gateway
from zoom_gateway.__main__ import reencrypt_command
from zoom_gateway.adapters.repositories.ciphertexts import ENCRYPTED_COLUMNS


async def stored_ciphertexts(db: Path) -> list[str]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{db}")
    values: list[str] = []
    try:
        async with engine.connect() as conn:
            for table, columns in ENCRYPTED_COLUMNS:
                for row in (await conn.execute(sa.select(*(table.c[c] for c in columns)))).all():
                    values += [v for v in row if v is not None]
    finally:
        await engine.dispose()
    return values


async def test_reencrypt_moves_every_secret_to_the_newest_key(
    zoom: Zoom, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_a, key_b = generate_key(), generate_key()
    old = gateway_settings(zoom, tmp_path, zoom_token_encryption_keys=key_a)
    async with zoom_gateway(old) as gw:
        await gw.stub.CreateTenant(pb.CreateTenantRequest(tenant_id="beta"), timeout=10)
        await gw.stub.UpdateTenantZoomApps(
            pb.UpdateTenantZoomAppsRequest(
                tenant_id="beta",
                webhook_secret_token="first-0123",
                oauth_client_secret="oauth-0123",
            ),
            timeout=10,
        )
        await gw.stub.UpdateTenantZoomApps(
            pb.UpdateTenantZoomAppsRequest(tenant_id="beta", webhook_secret_token="second-0123"),
            timeout=10,
        )
        assert gw.running.uow is not None
        now = datetime.now(UTC)
        async with gw.running.uow() as uow:
            for n in range(3):
                await uow.connections.save(
                    user_id=f"user-{n}",
                    tenant="default",
                    access_token=f"access-{n}",
                    refresh_token=f"refresh-{n}",
                    access_expires_at=now + timedelta(hours=1),
                    scopes=("meeting:read",),
                    zoom_user_id=f"z{n}",
                    zoom_email=f"u{n}@classbridge.test",
                    zoom_account_id=zoom.account_id,
                    now=now,
                )
            await uow.commit()
    db = tmp_path / "zoom-gateway.db"
    before = await stored_ciphertexts(db)
    assert len(before) == 3 + 3 * 2  # tenant: 2 webhook tokens + oauth secret; 3 users x 2
    only_b = SecretBox([key_b])
    with pytest.raises(DecryptionError):
        only_b.decrypt(before[0])

    rotating = gateway_settings(zoom, tmp_path, zoom_token_encryption_keys=f"{key_b},{key_a}")
    assert await reencrypt_command(rotating) == 0
    assert "re-encrypted 4 rows" in capsys.readouterr().out  # 1 tenant + 3 connections
    after = await stored_ciphertexts(db)
    plain = sorted(only_b.decrypt_str(v) for v in after)
    assert plain == sorted(SecretBox([key_a]).decrypt_str(v) for v in before)

    assert await reencrypt_command(rotating) == 0  # idempotent: nothing left to rewrite
    assert "re-encrypted 0 rows" in capsys.readouterr().out

    new_only = gateway_settings(zoom, tmp_path, zoom_token_encryption_keys=key_b)
    async with zoom_gateway(new_only, migrate=False) as gw:
        tenant = await gw.stub.GetTenant(pb.GetTenantRequest(tenant_id="beta"), timeout=10)
        assert tenant.webhook_secret_configured
        keys = await gw.stub.ListWebhookKeys(pb.ListWebhookKeysRequest(), timeout=10)
        assert list(keys.keys[0].secret_tokens) == ["second-0123", "first-0123"]
