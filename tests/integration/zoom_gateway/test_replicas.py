"""Two zoom-gateway replicas sharing one PostgreSQL schema: together they stay under Zoom's
per-second limit, and a create retried through the other replica makes no second meeting."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from tests.unit.zoom_gateway.helpers import gateway_settings, spec, zoom_gateway, zoom_simulator
from zoomsim.config import default_accounts

pytestmark = pytest.mark.integration


async def test_two_replicas_together_stay_under_the_per_second_limit(
    tmp_path: Path, database_url: str, pg_schema: str
) -> None:
    accounts = default_accounts()
    accounts[0].plan = "free"  # Zoom: Light 4 requests per second for the whole account
    async with zoom_simulator(accounts=accounts) as zoom:
        common = {
            "database_url": database_url,
            "db_schema": pg_schema,
            "zoom_plan": "free",
            "zoom_rate_limit_safety": 0.5,
        }  # our shared bucket: 2/s
        async with (
            zoom_gateway(gateway_settings(zoom, tmp_path / "a", **common)) as a,
            zoom_gateway(gateway_settings(zoom, tmp_path / "b", **common), migrate=False) as b,
        ):
            calls = 12
            started = time.monotonic()
            results = await asyncio.gather(
                *(
                    (a if i % 2 else b).stub.GetUser(pb.GetUserRequest(), timeout=60)
                    for i in range(calls)
                )
            )
            elapsed = time.monotonic() - started
    assert len(results) == calls
    users_me = [r for r in zoom.sim.requests if r["path"].endswith("/users/me")]
    assert len(users_me) == calls
    assert all(r["status"] == 200 for r in users_me)  # Zoom never had to say 429
    # a bucket of 2 tokens refilling at 2/s cannot serve 12 calls in less than 5 s; allow slack
    assert elapsed >= 4.0


async def test_a_create_retried_through_another_replica_makes_one_meeting(
    tmp_path: Path, database_url: str, pg_schema: str
) -> None:
    async with zoom_simulator(rate_limits=False) as zoom:
        common = {"database_url": database_url, "db_schema": pg_schema}
        async with (
            zoom_gateway(gateway_settings(zoom, tmp_path / "a", **common)) as a,
            zoom_gateway(gateway_settings(zoom, tmp_path / "b", **common), migrate=False) as b,
        ):
            await zoom.ctl.fault("delay", seconds=1.0, count=1, method="POST", path="/meetings")
            request = pb.CreateMeetingRequest(request_id="session-42", meeting=spec(topic="Shared"))
            results = await asyncio.gather(
                a.stub.CreateMeeting(request, timeout=20),
                b.stub.CreateMeeting(request, timeout=20),
                a.stub.CreateMeeting(request, timeout=20),
                b.stub.CreateMeeting(request, timeout=20),
            )
    assert len({m.id for m in results}) == 1
    assert len(zoom.requests("POST", "/meetings")) == 1


async def test_the_host_ledger_is_shared_by_replicas(
    tmp_path: Path, database_url: str, pg_schema: str
) -> None:
    async with zoom_simulator(rate_limits=False) as zoom:
        common = {"database_url": database_url, "db_schema": pg_schema, "zoom_host_daily_limit": 5}
        async with (
            zoom_gateway(gateway_settings(zoom, tmp_path / "a", **common)) as a,
            zoom_gateway(gateway_settings(zoom, tmp_path / "b", **common), migrate=False) as b,
        ):
            outcomes = await asyncio.gather(
                *(
                    (a if i % 2 else b).stub.CreateMeeting(
                        pb.CreateMeetingRequest(request_id=f"h{i}", meeting=spec(topic=f"H{i}")),
                        timeout=20,
                    )
                    for i in range(8)
                ),
                return_exceptions=True,
            )
    made = [o for o in outcomes if isinstance(o, pb.Meeting)]
    assert len(made) == 5
    # Zoom answers overlapping writes for one host 429 "Too many concurrent requests"; the
    # gateway retries those, and only the five the ledger admitted ever create a meeting.
    created = [r for r in zoom.requests("POST", "/meetings") if r["status"] == 201]
    assert len(created) == 5
    assert len(zoom.sim.state.meetings) == 5
