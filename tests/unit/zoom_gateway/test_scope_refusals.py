"""Zoom refusing the credentials' authorization (401 code 4711 "does not contain scopes:[…]", or
another 47xx): a user's connection is marked for reauthorization naming the scopes, the call
answers FAILED_PRECONDITION (reconnect Zoom), and a tenant's server-to-server app lacking a
scope is named the same way — once, without retrying.

Against the simulator with its `scopes` fidelity switch (Zoom's 401) and without it (the 400
some apps see), and with the older 4700 ``scopes: [..]`` answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from sqlalchemy import select, update

from classbridge.events.v1.connection_events_pb2 import ZoomConnectionNeedsReauthorization
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.db import create_engine
from classbridge_common.errors import FailedPrecondition
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    zoom_gateway,
    zoom_simulator,
)
from tests.unit.zoom_gateway.test_user_oauth import connect
from zoom_gateway.adapters.orm import outbox, user_connections
from zoom_gateway.adapters.zoom_client import AccessTokenSource
from zoom_gateway.domain.scopes import named_in
from zoom_gateway.domain.tenants import TenantConfig
from zoom_gateway.service_layer.accounts import Actor
from zoomsim import Fidelity

NO_RECORDINGS = "meeting:read meeting:write user:read"
USER = pb.Account(oauth_user_id="teacher-7")

STRICT = {"fidelity": Fidelity(scopes=True)}  # Zoom's 401
LENIENT = {"fidelity": Fidelity(scopes=False)}  # the 400 some apps report
OLDER = {"fidelity": Fidelity(scopes=True), "scope_error_code": 4700}  # "scopes: [..]"


def grant(zoom: Zoom, scope: str) -> None:
    """What the user-managed app's users grant from now on."""
    zoom.sim.state.apps[zoom.oauth_client_id].scopes = scope


async def announcements(gw: Gateway) -> list[ZoomConnectionNeedsReauthorization]:
    """The gateway's announcements that a connection must be authorized again (its outbox)."""
    engine = create_engine(gw.running.settings)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.body).where(
                        outbox.c.type == "zoom.connection.needs_reauthorization"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    return [ZoomConnectionNeedsReauthorization.FromString(r.body) for r in rows]


async def forget_recorded_grant(gw: Gateway, user_id: str) -> None:
    """As for a connection whose token answer carried no ``scope``: the gateway checks nothing
    itself and Zoom decides."""
    engine = create_engine(gw.running.settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(user_connections)
                .where(user_connections.c.user_id == user_id)
                .values(scopes="")
            )
    finally:
        await engine.dispose()


@asynccontextmanager
async def sim_and_gateway(tmp_path: Path, **config: Any) -> AsyncIterator[tuple[Zoom, Gateway]]:
    async with (
        zoom_simulator(rate_limits=False, **config) as zoom,
        zoom_gateway(gateway_settings(zoom, tmp_path)) as gw,
    ):
        yield zoom, gw


@pytest.fixture(params=[STRICT, LENIENT, OLDER], ids=["401-4711", "400-4711", "401-4700"])
async def pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Zoom, Gateway]]:
    async with sim_and_gateway(tmp_path, **request.param) as both:
        yield both


def test_the_scopes_zoom_names_are_read_from_each_form_of_its_message() -> None:
    assert named_in(
        "Invalid access token, does not contain scopes:[recording:read:admin, recording:read]."
    ) == (
        "recording:read:admin",
        "recording:read",
    )
    assert named_in("Invalid access token, does not contain scopes: [a:b:c,a:b:c:admin]") == (
        "a:b:c",
        "a:b:c:admin",
    )
    assert named_in("Invalid access token.") == ()
    assert named_in("") == ()


async def test_a_refused_scope_marks_the_connection_and_asks_the_user_to_reconnect(
    pair: tuple[Zoom, Gateway],
) -> None:
    zoom, gw = pair
    grant(zoom, NO_RECORDINGS)
    await connect(gw, zoom, "teacher-7")
    await forget_recorded_grant(gw, "teacher-7")

    code, err = await rpc_error(
        gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(account=USER), timeout=10)
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert isinstance(err, FailedPrecondition)
    assert "reconnect Zoom" in err.message
    assert "'recording:read'" in err.message
    assert "recording:read" in err.details["missing_scopes"].split()
    assert err.details["upstream_code"] in ("4711", "4700")
    asked = len(zoom.requests("GET", "/recordings"))
    assert asked == 1  # refused once, not retried

    connection = await gw.stub.GetConnection(
        pb.GetConnectionRequest(user_id="teacher-7"), timeout=5
    )
    assert connection.state == pb.CONNECTION_STATE_NEEDS_REAUTHORIZATION
    assert not connection.capabilities.can_list_recordings
    assert not connection.capabilities.can_read_recordings
    assert connection.capabilities.can_read_users
    status = await gw.stub.GetStatus(pb.GetStatusRequest(account=USER), timeout=5)
    assert "reconnect Zoom" in status.message
    assert "recording:read" in status.message
    assert not status.capabilities.can_list_recordings

    # known now: refused without asking Zoom again; what the grant allows still works
    code, err = await rpc_error(
        gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(account=USER), timeout=10)
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "reconnect Zoom" in err.message
    assert len(zoom.requests("GET", "/recordings")) == asked
    user = await gw.stub.GetUser(pb.GetUserRequest(account=USER), timeout=10)
    assert user.email
    # announced once, for the tenant's admins and the user to hear of it
    [announced] = await announcements(gw)
    assert (announced.tenant_id, announced.user_id, announced.reason) == (
        "default",
        "teacher-7",
        "missing_scopes",
    )
    assert "recording:read" in announced.missing_scopes

    # the user reconnects after the app asks for the scope: all is well again
    grant(zoom, NO_RECORDINGS + " recording:read")
    again = await connect(gw, zoom, "teacher-7")
    assert again.state == pb.CONNECTION_STATE_CONNECTED
    assert again.capabilities.can_list_recordings
    await gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(account=USER), timeout=10)


async def test_a_recorded_grant_zoom_contradicts_is_corrected_by_zooms_answer(
    tmp_path: Path,
) -> None:
    async with sim_and_gateway(tmp_path, **STRICT) as (zoom, gw):
        grant(zoom, "meeting:read meeting:write user:read")
        await connect(gw, zoom, "teacher-8")
        engine = create_engine(gw.running.settings)
        try:
            async with engine.begin() as conn:  # the gateway believes recordings are granted
                await conn.execute(
                    update(user_connections).values(scopes=NO_RECORDINGS + " recording:read")
                )
        finally:
            await engine.dispose()
        account = pb.Account(oauth_user_id="teacher-8")
        code, err = await rpc_error(
            gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(account=account), timeout=10)
        )
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert "reconnect Zoom" in err.message
        connection = await gw.stub.GetConnection(
            pb.GetConnectionRequest(user_id="teacher-8"), timeout=5
        )
        assert connection.state == pb.CONNECTION_STATE_NEEDS_REAUTHORIZATION
        assert not connection.capabilities.can_list_recordings


async def test_a_disabled_app_leaves_the_connection_dead_until_the_user_reconnects(
    tmp_path: Path,
) -> None:
    async with sim_and_gateway(tmp_path, **STRICT) as (zoom, gw):
        await connect(gw, zoom, "teacher-9")
        account = pb.Account(oauth_user_id="teacher-9")
        await zoom.ctl.update_app(zoom.account_id, zoom.oauth_client_id, enabled=False)
        code, err = await rpc_error(gw.stub.GetUser(pb.GetUserRequest(account=account), timeout=10))
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert "reconnect Zoom" in err.message
        assert "missing_scopes" not in err.details  # Zoom named none: the tokens are dead
        asked = len(zoom.requests("GET", "/users/me"))
        connection = await gw.stub.GetConnection(
            pb.GetConnectionRequest(user_id="teacher-9"), timeout=5
        )
        assert connection.state == pb.CONNECTION_STATE_NEEDS_REAUTHORIZATION
        code, _ = await rpc_error(gw.stub.GetUser(pb.GetUserRequest(account=account), timeout=10))
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert len(zoom.requests("GET", "/users/me")) == asked  # not asked again
        [announced] = await announcements(gw)
        assert (announced.user_id, announced.reason) == ("teacher-9", "refresh_refused")


@pytest.mark.parametrize("config", [STRICT, LENIENT], ids=["401", "400"])
async def test_the_tenants_app_lacking_a_scope_is_named_and_not_retried(
    tmp_path: Path, config: dict[str, Any]
) -> None:
    async with sim_and_gateway(tmp_path, **config) as (zoom, gw):
        await zoom.ctl.update_app(
            zoom.account_id,
            zoom.s2s_client_id,
            scopes="meeting:read:admin meeting:write:admin user:read:admin",
        )
        await gw.stub.GetUser(pb.GetUserRequest(), timeout=10)  # what the app may do works
        code, err = await rpc_error(
            gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(), timeout=10)
        )
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert "server-to-server app" in err.message
        assert "recording:read" in err.message
        assert "recording:read:admin" in err.details["missing_scopes"].split()
        assert len(zoom.requests("GET", "/recordings")) == 1  # not retried
        tokens = len(zoom.requests("POST", "/oauth/token"))

        # an admin adds the scope: the next call takes a token carrying it, not the old one
        await zoom.ctl.update_app(
            zoom.account_id,
            zoom.s2s_client_id,
            scopes="meeting:read:admin meeting:write:admin user:read:admin recording:read:admin",
        )
        await gw.stub.ListUserRecordings(pb.ListUserRecordingsRequest(), timeout=10)
        assert len(zoom.requests("POST", "/oauth/token")) == tokens + 1


def test_an_early_refusal_names_only_the_scopes_of_the_operation() -> None:
    actor = Actor(
        tenant=TenantConfig(id="default"),
        auth=cast(AccessTokenSource, object()),
        oauth_user_id="u1",
        scopes=("meeting:read", "recording:read", "report:read"),
        missing_scopes=("recording:read:admin", "recording:read", "report:read"),
    )
    with pytest.raises(FailedPrecondition) as refused:
        actor.require("list_recordings")
    assert refused.value.details["missing_scopes"] == "recording:read:admin recording:read"
    assert "report:read" not in refused.value.message
    actor.require("read_meeting")  # not among what Zoom refused
