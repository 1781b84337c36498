"""Per-user OAuth: PKCE authorization, CSRF-safe state, encrypted tokens, one refresh for many
callers, a refresh that survives a crash, disconnect, and key rotation."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import pytest
from sqlalchemy import select, update

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.crypto import SecretBox, generate_key
from classbridge_common.db import create_engine
from tests.unit.zoom_gateway.helpers import (
    ENCRYPTION_KEY,
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    secret_env,
    zoom_gateway,
)
from zoom_gateway.adapters.orm import oauth_states, user_connections


async def authorize(gw: Gateway, zoom: Zoom, user_id: str) -> tuple[str, str]:
    """Start the flow for ``user_id`` and let the simulator approve it: (code, state)."""
    issued = await gw.stub.GetAuthorizationUrl(
        pb.GetAuthorizationUrlRequest(user_id=user_id), timeout=5
    )
    query = parse_qs(urlsplit(issued.authorization_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0]
    assert "code_verifier" not in issued.authorization_url
    async with httpx.AsyncClient() as http:
        answer = await http.get(issued.authorization_url.replace("https://zoom.us", zoom.url))
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == [issued.state]
    return back["code"][0], issued.state


async def connect(gw: Gateway, zoom: Zoom, user_id: str) -> pb.Connection:
    code, state = await authorize(gw, zoom, user_id)
    return await gw.stub.CompleteAuthorization(
        pb.CompleteAuthorizationRequest(code=code, state=state, user_id=user_id), timeout=5
    )


async def expire_access_token(gw: Gateway, user_id: str) -> None:
    engine = create_engine(gw.running.settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(user_connections)
                .where(user_connections.c.user_id == user_id)
                .values(access_expires_at=user_connections.c.created_at)
            )
    finally:
        await engine.dispose()
    gw.running.users._cache.clear()  # type: ignore[union-attr]


async def test_connecting_a_user_stores_an_encrypted_connection(gw: Gateway, zoom: Zoom) -> None:
    connection = await connect(gw, zoom, "teacher-1")
    assert connection.state == pb.CONNECTION_STATE_CONNECTED
    assert connection.zoom_email
    assert connection.scopes
    again = await gw.stub.GetConnection(pb.GetConnectionRequest(user_id="teacher-1"), timeout=5)
    assert again.zoom_user_id == connection.zoom_user_id
    user = await gw.stub.GetUser(
        pb.GetUserRequest(account=pb.Account(oauth_user_id="teacher-1")), timeout=5
    )
    assert user.email == connection.zoom_email
    engine = create_engine(gw.running.settings)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(user_connections))).one()
            state_row = (await conn.execute(select(oauth_states))).one()
    finally:
        await engine.dispose()
    tokens = zoom.secrets()
    for column in (row.access_token_enc, row.refresh_token_enc, state_row.code_verifier_enc):
        assert column.startswith("gAAAA")  # Fernet ciphertext
        assert not any(t in column for t in tokens)
    box = SecretBox([ENCRYPTION_KEY])
    assert box.decrypt_str(row.access_token_enc) in zoom.sim.state.access_tokens


async def test_a_state_works_once(gw: Gateway, zoom: Zoom) -> None:
    code, state = await authorize(gw, zoom, "u1")
    await gw.stub.CompleteAuthorization(
        pb.CompleteAuthorizationRequest(code=code, state=state, user_id="u1"), timeout=5
    )
    status, _ = await rpc_error(
        gw.stub.CompleteAuthorization(
            pb.CompleteAuthorizationRequest(code=code, state=state, user_id="u1"), timeout=5
        )
    )
    assert status == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_state_of_another_user_is_refused(gw: Gateway, zoom: Zoom) -> None:
    code, state = await authorize(gw, zoom, "victim")
    status, _ = await rpc_error(
        gw.stub.CompleteAuthorization(
            pb.CompleteAuthorizationRequest(code=code, state=state, user_id="attacker"), timeout=5
        )
    )
    assert status == grpc.StatusCode.PERMISSION_DENIED
    forged = state.split(".")[0] + ".AAAA"
    status, _ = await rpc_error(
        gw.stub.CompleteAuthorization(
            pb.CompleteAuthorizationRequest(code=code, state=forged, user_id="victim"), timeout=5
        )
    )
    assert status == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_expired_state_is_refused(gw: Gateway, zoom: Zoom) -> None:
    code, state = await authorize(gw, zoom, "late")
    engine = create_engine(gw.running.settings)
    try:
        async with engine.begin() as conn:
            row = (await conn.execute(select(oauth_states))).one()
            await conn.execute(
                update(oauth_states).values(expires_at=row.expires_at.replace(year=2000))
            )
    finally:
        await engine.dispose()
    status, err = await rpc_error(
        gw.stub.CompleteAuthorization(
            pb.CompleteAuthorizationRequest(code=code, state=state, user_id="late"), timeout=5
        )
    )
    assert status == grpc.StatusCode.INVALID_ARGUMENT
    assert "expired" in err.message


async def test_many_callers_with_an_expired_token_cause_one_refresh(
    gw: Gateway, zoom: Zoom
) -> None:
    await connect(gw, zoom, "busy")
    await expire_access_token(gw, "busy")
    account = pb.Account(oauth_user_id="busy")
    results = await asyncio.gather(
        *(gw.stub.GetUser(pb.GetUserRequest(account=account), timeout=10) for _ in range(20))
    )
    assert len({r.id for r in results}) == 1
    assert gw.running.users.refreshes == 1  # type: ignore[union-attr]
    refreshes = list(zoom.requests("POST", "/oauth/token"))
    assert len(refreshes) == 2  # the code exchange and one refresh


async def test_disconnect_revokes_at_zoom_and_forgets_locally(gw: Gateway, zoom: Zoom) -> None:
    await connect(gw, zoom, "leaving")
    out = await gw.stub.Disconnect(pb.DisconnectRequest(user_id="leaving"), timeout=5)
    assert out.disconnected
    assert out.revoked
    status, _ = await rpc_error(
        gw.stub.GetConnection(pb.GetConnectionRequest(user_id="leaving"), timeout=5)
    )
    assert status == grpc.StatusCode.NOT_FOUND
    status, _ = await rpc_error(
        gw.stub.GetUser(pb.GetUserRequest(account=pb.Account(oauth_user_id="leaving")), timeout=5)
    )
    assert status == grpc.StatusCode.FAILED_PRECONDITION
    again = await gw.stub.Disconnect(pb.DisconnectRequest(user_id="leaving"), timeout=5)
    assert not again.disconnected


async def test_a_rejected_refresh_token_marks_the_connection_for_reauthorization(
    gw: Gateway, zoom: Zoom
) -> None:
    await connect(gw, zoom, "stale")
    for token in list(zoom.sim.state.refresh_tokens.values()):
        token.revoked = True
    await expire_access_token(gw, "stale")
    status, _err = await rpc_error(
        gw.stub.GetUser(pb.GetUserRequest(account=pb.Account(oauth_user_id="stale")), timeout=5)
    )
    assert status == grpc.StatusCode.FAILED_PRECONDITION
    connection = await gw.stub.GetConnection(pb.GetConnectionRequest(user_id="stale"), timeout=5)
    assert connection.state == pb.CONNECTION_STATE_NEEDS_REAUTHORIZATION


async def test_tokens_stay_readable_after_a_key_rotation(tmp_path: Path, zoom: Zoom) -> None:
    async with zoom_gateway(gateway_settings(zoom, tmp_path)) as gw:
        await connect(gw, zoom, "rotating")
    rotated = gateway_settings(
        zoom, tmp_path, zoom_token_encryption_keys=f"{generate_key()},{ENCRYPTION_KEY}"
    )
    async with zoom_gateway(rotated) as gw:
        user = await gw.stub.GetUser(
            pb.GetUserRequest(account=pb.Account(oauth_user_id="rotating")), timeout=5
        )
        assert user.email


CRASHING_REFRESH = textwrap.dedent(
    """
    import asyncio, os, sys
    from tests.unit.zoom_gateway.helpers import gateway_settings_from_json
    from zoom_gateway.bootstrap import running
    from zoom_gateway.domain.deadline import Deadline

    def die() -> None:
        os._exit(17)  # the process dies right after Zoom answered the refresh

    async def main() -> None:
        settings = gateway_settings_from_json(sys.argv[1])
        async with running(settings, authenticate=False, after_refresh_response=die) as svc:
            await svc.users.access_token(sys.argv[2], Deadline.after(10))

    asyncio.run(main())
    """
)


async def test_a_crash_between_zooms_refresh_answer_and_the_store_keeps_the_connection(
    tmp_path: Path, zoom: Zoom
) -> None:
    await zoom.ctl.configure(refresh_grace_seconds=60)
    settings = gateway_settings(zoom, tmp_path, zoom_user_refresh_lease=0.5)
    async with zoom_gateway(settings) as gw:
        await connect(gw, zoom, "crash")
        await expire_access_token(gw, "crash")
    before = len(zoom.requests("POST", "/oauth/token"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_REFRESH,
        settings.model_dump_json(),
        "crash",
        env={**os.environ, **secret_env(settings), "PYTHONPATH": str(Path.cwd())},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 17, stderr.decode()[-2000:]
    assert len(zoom.requests("POST", "/oauth/token")) == before + 1  # Zoom rotated the token
    await asyncio.sleep(0.6)  # the dead refresher's lease runs out
    async with zoom_gateway(settings, migrate=False) as gw:
        user = await gw.stub.GetUser(
            pb.GetUserRequest(account=pb.Account(oauth_user_id="crash")), timeout=10
        )
        assert user.email
        connection = await gw.stub.GetConnection(
            pb.GetConnectionRequest(user_id="crash"), timeout=5
        )
        assert connection.state == pb.CONNECTION_STATE_CONNECTED
        # and the chain goes on: the token stored after recovery refreshes normally
        await expire_access_token(gw, "crash")
        await gw.stub.GetUser(
            pb.GetUserRequest(account=pb.Account(oauth_user_id="crash")), timeout=10
        )
        assert gw.running.users.refreshes == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("grace", [0.0])
async def test_without_zooms_grace_the_crash_is_reported_as_reauthorization(
    tmp_path: Path, zoom: Zoom, grace: float
) -> None:
    await zoom.ctl.configure(refresh_grace_seconds=grace)
    settings = gateway_settings(zoom, tmp_path, zoom_user_refresh_lease=0.5)
    async with zoom_gateway(settings) as gw:
        await connect(gw, zoom, "lost")
        await expire_access_token(gw, "lost")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_REFRESH,
        settings.model_dump_json(),
        "lost",
        env={**os.environ, **secret_env(settings), "PYTHONPATH": str(Path.cwd())},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 17
    await asyncio.sleep(0.6)
    async with zoom_gateway(settings, migrate=False) as gw:
        status, _ = await rpc_error(
            gw.stub.GetUser(pb.GetUserRequest(account=pb.Account(oauth_user_id="lost")), timeout=10)
        )
        assert status == grpc.StatusCode.FAILED_PRECONDITION
        connection = await gw.stub.GetConnection(pb.GetConnectionRequest(user_id="lost"), timeout=5)
        assert connection.state == pb.CONNECTION_STATE_NEEDS_REAUTHORIZATION
