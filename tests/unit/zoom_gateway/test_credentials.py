"""Server-to-server credentials: not configured, status, one refresh for many callers, the
forced renewal on 124, and secrets kept out of logs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import grpc
import pytest

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.errors import FailedPrecondition
from classbridge_common.logging import JsonLogFormatter, RedactingFilter
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    spec,
    zoom_gateway,
)


async def test_not_configured_answers_failed_precondition_naming_the_variables(
    tmp_path: Path, zoom: Zoom
) -> None:
    async with zoom_gateway(gateway_settings(zoom, tmp_path, configured=False)) as gw:
        code, err = await rpc_error(
            gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(request_id="x", meeting=spec(topic="T")), timeout=5
            )
        )
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert isinstance(err, FailedPrecondition)
        for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
            assert name in err.message
        assert err.violations[0].type == "ZOOM_NOT_CONFIGURED"
        status = await gw.stub.GetStatus(pb.GetStatusRequest(validate=True), timeout=5)
        assert not status.configured
        assert not status.credentials_valid
        assert "ZOOM_CLIENT_SECRET" in status.message
        assert zoom.sim.requests.__len__() == 0


async def test_status_checks_the_credentials_against_users_me(gw: Gateway, zoom: Zoom) -> None:
    status = await gw.stub.GetStatus(pb.GetStatusRequest(validate=True), timeout=5)
    assert status.configured
    assert status.credentials_valid
    assert status.user.email == zoom.users[0]["email"]
    assert status.auth_mode == pb.AUTH_MODE_SERVER_TO_SERVER
    unchecked = await gw.stub.GetStatus(pb.GetStatusRequest(), timeout=5)
    assert unchecked.configured
    assert not unchecked.credentials_valid


async def test_wrong_credentials_are_reported_not_raised(tmp_path: Path, zoom: Zoom) -> None:
    settings = gateway_settings(zoom, tmp_path, zoom_client_secret="wrong-secret")
    async with zoom_gateway(settings) as gw:
        status = await gw.stub.GetStatus(pb.GetStatusRequest(validate=True), timeout=5)
        assert status.configured
        assert not status.credentials_valid
        code, _ = await rpc_error(gw.stub.GetUser(pb.GetUserRequest(), timeout=5))
        assert code == grpc.StatusCode.FAILED_PRECONDITION


async def test_many_concurrent_callers_cause_one_token_request(gw: Gateway, zoom: Zoom) -> None:
    results = await asyncio.gather(
        *(gw.stub.GetUser(pb.GetUserRequest(), timeout=10) for _ in range(25))
    )
    assert {r.email for r in results} == {zoom.users[0]["email"]}
    assert gw.running.s2s["default"].renewals == 1
    assert len(zoom.requests("POST", "/oauth/token")) == 1


async def test_124_renews_the_token_once_and_retries(gw: Gateway, zoom: Zoom) -> None:
    await gw.stub.GetUser(pb.GetUserRequest(), timeout=10)
    await zoom.ctl.expire_tokens()
    user = await gw.stub.GetUser(pb.GetUserRequest(), timeout=10)
    assert user.email == zoom.users[0]["email"]
    assert gw.running.s2s["default"].renewals == 2
    assert [r["status"] for r in zoom.requests("GET", "/users/me")] == [200, 401, 200]


@pytest.fixture
def json_logs() -> list[str]:
    """Every log record of the test, formatted and redacted as in production."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_secrets_and_tokens_never_reach_the_logs(
    tmp_path: Path, zoom: Zoom, json_logs: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with zoom_gateway(gateway_settings(zoom, tmp_path)) as gw:
        await gw.stub.GetStatus(pb.GetStatusRequest(validate=True), timeout=5)
        await zoom.ctl.expire_tokens()
        m = await gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(request_id="l", meeting=spec(topic="L")), timeout=5
        )
        await gw.stub.GetMeeting(
            pb.GetMeetingRequest(meeting_id=m.id, include_start_url=True), timeout=5
        )
        await zoom.ctl.fault("error", status=503, count=1, path="/v2/users/me")
        await gw.stub.GetUser(pb.GetUserRequest(), timeout=5)
        await rpc_error(gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=1), timeout=5))
    secrets = zoom.secrets()
    assert len(secrets) >= 3
    everything = "\n".join(json_logs) + "\n" + caplog.text
    assert "zoom call" in everything  # the calls were logged …
    leaks = [
        everything[max(0, everything.find(s) - 120) : everything.find(s) + 20]
        for s in [*secrets, m.password]
        if s in everything
    ]
    assert leaks == []  # no credential, token or passcode in any log line
