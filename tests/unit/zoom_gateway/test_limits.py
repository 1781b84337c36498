"""Zoom's limits and failures: the per-host daily ledger, 429s, retries, the circuit breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.errors import ResourceExhausted
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    spec,
    zoom_gateway,
    zoom_simulator,
)


async def test_the_101st_create_of_a_host_in_a_day_is_refused_without_calling_zoom(
    tmp_path: Path,
) -> None:
    async with (
        zoom_simulator(rate_limits=False) as zoom,
        zoom_gateway(gateway_settings(zoom, tmp_path)) as gw,
    ):
        host = pb.UserRef(email=zoom.users[0]["email"])
        for i in range(100):
            await gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(
                    request_id=f"day-{i}", host=host, meeting=spec(topic=f"C{i}")
                ),
                timeout=20,
            )
        assert len(zoom.requests("POST", "/meetings")) == 100
        code, err = await rpc_error(
            gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(
                    request_id="day-100", host=host, meeting=spec(topic="C100")
                ),
                timeout=20,
            )
        )
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert isinstance(err, ResourceExhausted)
        delay = err.retry_delay()
        assert delay is not None
        now = datetime.now(UTC)
        midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
        assert abs((now + delay - midnight).total_seconds()) < 120
        assert len(zoom.requests("POST", "/meetings")) == 100  # Zoom was not asked
        # another host still has its own budget
        other = pb.UserRef(email=zoom.users[1]["email"])
        await gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(request_id="other-0", host=other, meeting=spec(topic="X")),
            timeout=20,
        )


async def test_a_per_second_429_is_retried_after_a_pause(gw: Gateway, zoom: Zoom) -> None:
    created = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="qps", meeting=spec(topic="Q")), timeout=10
    )
    await zoom.ctl.fault("rate_limit", limit_type="QPS", count=1, path="/v2/meetings/")
    got = await gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=created.id), timeout=10)
    assert got.id == created.id
    statuses = [r["status"] for r in zoom.requests("GET", f"/meetings/{created.id}")]
    assert statuses == [429, 200]


async def test_a_daily_429_parks_the_category_until_retry_after(gw: Gateway, zoom: Zoom) -> None:
    created = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="daily", meeting=spec(topic="D")), timeout=10
    )
    await zoom.ctl.fault("rate_limit", limit_type="Daily-limit", count=1, path="/v2/meetings/")
    code, err = await rpc_error(
        gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=created.id), timeout=10)
    )
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert isinstance(err, ResourceExhausted)
    assert err.retry_delay() is not None
    before = len(zoom.sim.requests)
    code, err = await rpc_error(
        gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=created.id), timeout=10)
    )
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED  # refused by the parked bucket
    assert len(zoom.sim.requests) == before  # without asking Zoom


async def test_5xx_on_a_read_is_retried(gw: Gateway, zoom: Zoom) -> None:
    created = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="5xx", meeting=spec(topic="R")), timeout=10
    )
    await zoom.ctl.fault("error", status=503, count=2, path="/v2/meetings/")
    got = await gw.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=created.id), timeout=10)
    assert got.id == created.id
    assert [r["status"] for r in zoom.requests("GET", f"/meetings/{created.id}")] == [503, 503, 200]


async def test_5xx_on_create_is_not_blindly_retried_and_the_key_stays_usable(
    gw: Gateway, zoom: Zoom
) -> None:
    await zoom.ctl.fault("error", status=500, count=1, method="POST", path="/meetings")
    request = pb.CreateMeetingRequest(request_id="post-5xx", meeting=spec(topic="P"))
    code, err = await rpc_error(gw.stub.CreateMeeting(request, timeout=10))
    assert code == grpc.StatusCode.UNAVAILABLE
    assert err.details.get("upstream_tracking_id")
    assert len(zoom.requests("POST", "/meetings")) == 1
    meeting = await gw.stub.CreateMeeting(request, timeout=10)
    assert meeting.id > 0


async def test_the_circuit_breaker_opens_after_consecutive_failures(
    tmp_path: Path, zoom: Zoom
) -> None:
    settings = gateway_settings(
        zoom, tmp_path, zoom_max_retries=0, zoom_breaker_threshold=3, zoom_breaker_cooldown=60
    )
    async with zoom_gateway(settings) as gw:
        await gw.stub.GetUser(pb.GetUserRequest(), timeout=10)  # token fetched, circuit closed
        await zoom.ctl.fault("error", status=502, count=-1, path="/v2/")
        for _ in range(3):
            code, _ = await rpc_error(gw.stub.GetUser(pb.GetUserRequest(), timeout=10))
            assert code == grpc.StatusCode.UNAVAILABLE
        sent = len(zoom.requests("GET", "/users/me"))
        code, err = await rpc_error(gw.stub.GetUser(pb.GetUserRequest(), timeout=10))
        assert code == grpc.StatusCode.UNAVAILABLE
        assert err.details.get("circuit") == "open"
        assert len(zoom.requests("GET", "/users/me")) == sent  # failed fast, Zoom not called
        breaker = gw.running.gateway.zoom.breaker("default")
        assert breaker.state == "open"
        await zoom.ctl.clear_faults()
        breaker.opened_at = breaker.clock() - 61  # cooldown over: one half-open probe
        await gw.stub.GetUser(pb.GetUserRequest(), timeout=10)
        assert breaker.state == "closed"
