"""CreateMeeting is safe to retry: after a caller's timeout, concurrently, and after a crash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.db import create_engine
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    spec,
    zoom_gateway,
)
from zoom_gateway.adapters.orm import meeting_creations
from zoom_gateway.domain.meetings import (
    MeetingDraft,
    agenda_with_marker,
    build_create_body,
    fingerprint,
    request_marker,
)


async def test_a_create_retried_after_a_timeout_yields_one_meeting(gw: Gateway, zoom: Zoom) -> None:
    await zoom.ctl.fault("delay", seconds=1.5, count=1, method="POST", path="/meetings")
    request = pb.CreateMeetingRequest(request_id="slow-1", meeting=spec(topic="Slow"))
    code, _ = await rpc_error(gw.stub.CreateMeeting(request, timeout=0.5))
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    meeting = await gw.stub.CreateMeeting(request, timeout=10)  # waits for the first attempt
    again = await gw.stub.CreateMeeting(request, timeout=10)
    assert meeting.id == again.id
    assert len(zoom.requests("POST", "/meetings")) == 1
    assert len([m for m in await zoom.ctl.meetings() if m.get("topic") == "Slow"]) == 1


async def test_concurrent_creates_with_one_request_id_make_one_meeting(
    gw: Gateway, zoom: Zoom
) -> None:
    request = pb.CreateMeetingRequest(request_id="race-1", meeting=spec(topic="Race"))
    results = await asyncio.gather(*(gw.stub.CreateMeeting(request, timeout=15) for _ in range(8)))
    assert len({m.id for m in results}) == 1
    assert len(zoom.requests("POST", "/meetings")) == 1


async def test_a_create_lost_in_a_crash_is_found_at_zoom_not_made_twice(
    tmp_path: Path, zoom: Zoom
) -> None:
    settings = gateway_settings(zoom, tmp_path)
    request_id = "crashed-1"
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    # What a gateway that died mid-call leaves behind: the meeting exists at Zoom (with our
    # marker in its agenda) and the key is still claimed, its lease run out.
    draft = MeetingDraft(topic="Recovered", start_time=start)
    body = build_create_body(draft, marker=request_marker("default", request_id))
    async with zoom_gateway(settings) as gw:
        await gw.stub.GetStatus(pb.GetStatusRequest(), timeout=5)
    import httpx

    async with httpx.AsyncClient(base_url=zoom.url) as http:
        token = (
            await http.post(
                "/oauth/token",
                data={"grant_type": "account_credentials", "account_id": zoom.account_id},
                auth=(zoom.s2s_client_id, zoom.s2s_client_secret),
            )
        ).json()["access_token"]
        made = (
            await http.post(
                "/v2/users/me/meetings", json=body, headers={"Authorization": f"Bearer {token}"}
            )
        ).json()
    engine = create_engine(settings)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                meeting_creations.insert().values(
                    tenant="default",
                    request_id=request_id,
                    fingerprint=fingerprint(body, "me"),
                    host="me",
                    marker=request_marker("default", request_id),
                    state="in_progress",
                    owner="dead-replica",
                    lease_until=now - timedelta(seconds=1),
                    created_at=now,
                    updated_at=now,
                )
            )
    finally:
        await engine.dispose()
    posts = len(zoom.requests("POST", "/meetings"))
    async with zoom_gateway(settings, migrate=False) as gw:
        meeting = await gw.stub.CreateMeeting(
            pb.CreateMeetingRequest(
                request_id=request_id,
                meeting=pb.MeetingSpec(topic="Recovered", start_time=_ts(start)),
            ),
            timeout=10,
        )
    assert meeting.id == made["id"]
    assert len(zoom.requests("POST", "/meetings")) == posts  # no second create
    assert agenda_with_marker("", "x")  # the helper the marker relies on


def _ts(value: datetime):
    from google.protobuf.timestamp_pb2 import Timestamp

    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
