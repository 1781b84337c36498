"""WebhookAdminService over real gRPC: list, get (no secrets), replay, prune, auth."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import zoom_events_pb2 as events_pb
from classbridge.webhookingest.v1 import webhook_admin_pb2 as pb
from classbridge.webhookingest.v1 import webhook_admin_pb2_grpc as pb_grpc
from classbridge_common.auth import DEV_SECRET, issue_token
from classbridge_common.paging import page_request
from classbridge_common.testing import TEST_TOKEN_TTL, wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.helpers import signed_headers
from webhook_ingest.bootstrap import Running


def _metadata(*roles: str) -> list[tuple[str, str]]:
    token = issue_token(ttl=TEST_TOKEN_TTL, subject="tester", secret=DEV_SECRET, roles=roles)
    return [("authorization", f"Bearer {token}")]


@pytest.fixture
async def stub(service: Running) -> AsyncIterator[pb_grpc.WebhookAdminServiceStub]:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        yield pb_grpc.WebhookAdminServiceStub(channel)


async def _send(client: httpx.AsyncClient, *bodies: dict[str, object]) -> None:
    for body in bodies:
        raw = z.encode(body)
        response = await client.post("/zoom/webhook", content=raw, headers=signed_headers(raw))
        assert response.status_code == 200


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


async def test_list_pages_and_filters(
    client: httpx.AsyncClient, stub: pb_grpc.WebhookAdminServiceStub
) -> None:
    await _send(
        client, z.meeting_started(), z.meeting_ended(), z.participant_joined(), z.recording()
    )
    admin = _metadata("admin")
    first = await stub.ListEvents(pb.ListEventsRequest(page_size=3), metadata=admin)
    assert len(first.events) == 3
    assert first.total_size == 4
    assert first.next_page_token
    second = await stub.ListEvents(
        pb.ListEventsRequest(page_size=3, page_token=first.next_page_token), metadata=admin
    )
    assert len(second.events) == 1
    assert second.next_page_token == ""
    ids = [e.id for e in first.events] + [e.id for e in second.events]
    assert len(set(ids)) == 4
    only = await stub.ListEvents(
        pb.ListEventsRequest(event_types=["recording.completed"]), metadata=admin
    )
    assert [e.event_type for e in only.events] == ["recording.completed"]
    assert only.events[0].meeting_id == 95945730983
    by_meeting = await stub.ListEvents(
        pb.ListEventsRequest(meeting_uuid=z.MEETING_UUID), metadata=admin
    )
    assert len(by_meeting.events) == 3
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.ListEvents(
            pb.ListEventsRequest(page_token=first.next_page_token, event_types=["x"]),
            metadata=admin,
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_list_walks_every_page_newest_first_behind_checked_tokens(
    client: httpx.AsyncClient, stub: pb_grpc.WebhookAdminServiceStub
) -> None:
    await _send(
        client, z.meeting_started(), z.meeting_ended(), z.participant_joined(), z.recording()
    )
    admin = _metadata("admin")
    everything = await stub.ListEvents(pb.ListEventsRequest(), metadata=admin)
    assert everything.next_page_token == ""
    expected = [e.id for e in everything.events]
    assert expected == sorted(expected, key=int, reverse=True)
    seen: list[str] = []
    token = ""
    for _ in range(10):
        page = await stub.ListEvents(
            pb.ListEventsRequest(page_size=1, page_token=token), metadata=admin
        )
        assert page.total_size == 4
        seen += [e.id for e in page.events]
        token = page.next_page_token
        if not token:
            break
    assert seen == expected

    first = await stub.ListEvents(pb.ListEventsRequest(page_size=1), metadata=admin)
    other_tenant = [
        (
            "authorization",
            "Bearer "
            + issue_token(
                ttl=TEST_TOKEN_TTL,
                subject="t",
                secret=DEV_SECRET,
                roles=["admin"],
                tenant="elsewhere",
            ),
        )
    ]
    # an offset token of another list (a scheduler listing)
    scheduler_style = page_request(1, "", {}, listing="ListSessions").next_token(total=10)
    for bad, who in (
        ("garbage!", admin),
        (first.next_page_token[:-2], admin),
        (first.next_page_token + "x", admin),
        (scheduler_style, admin),
        (first.next_page_token, other_tenant),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ListEvents(pb.ListEventsRequest(page_token=bad), metadata=who)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, bad


async def test_get_event_never_shows_secrets(
    client: httpx.AsyncClient, stub: pb_grpc.WebhookAdminServiceStub, service: Running
) -> None:
    await _send(client, z.recording())
    admin = _metadata("admin")
    listed = await stub.ListEvents(pb.ListEventsRequest(), metadata=admin)
    event = await stub.GetEvent(pb.GetEventRequest(event_id=listed.events[0].id), metadata=admin)
    body = json.loads(event.raw_body)
    assert body["download_token"] == "[REDACTED]"
    assert body["payload"]["object"]["password"] == "[REDACTED]"
    assert "eyJ0eXAi" not in event.raw_body.decode()
    assert "x-zm-signature" not in event.headers
    assert event.headers["x-zm-trackingid"] == "v=2.0;clid=test;rid=1"
    await wait_until(lambda: service.relay.published_total >= 1, within=10)
    event = await stub.GetEvent(pb.GetEventRequest(event_id=event.id), metadata=admin)
    assert event.state == pb.PROCESSING_STATE_PUBLISHED
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetEvent(pb.GetEventRequest(event_id="999999"), metadata=admin)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_replay_delivers_again_with_a_new_message_id(
    client: httpx.AsyncClient, stub: pb_grpc.WebhookAdminServiceStub, recorder: Recorder
) -> None:
    await _send(client, z.meeting_ended(), z.meeting_started())
    await wait_until(lambda: len(recorder.envelopes) == 2, within=10)
    admin = _metadata("admin")
    listed = await stub.ListEvents(
        pb.ListEventsRequest(event_types=["meeting.ended"]), metadata=admin
    )
    original = listed.events[0]
    replayed = await stub.ReplayEvent(
        pb.ReplayEventRequest(event_id=original.id, reason="consumer fixed"), metadata=admin
    )
    assert replayed.message_id != original.message_id
    assert replayed.event.replay_count == 1
    await wait_until(lambda: len(recorder.envelopes) == 3, within=10)
    again = recorder.envelopes[-1]
    assert again.message_id == replayed.message_id
    assert again.headers["x-replay-of"] == original.message_id
    message = again.parse(events_pb.ZoomMeetingEnded)
    assert message.context.replayed
    assert message.context.dedup_key == original.dedup_key

    now = datetime.now(UTC)
    window = {
        "received_after": _ts(now - timedelta(hours=1)),
        "received_before": _ts(now + timedelta(hours=1)),
    }
    dry = await stub.ReplayEvents(pb.ReplayEventsRequest(dry_run=True, **window), metadata=admin)
    assert (dry.matched_count, dry.replayed_count) == (2, 0)
    done = await stub.ReplayEvents(pb.ReplayEventsRequest(**window), metadata=admin)
    assert done.replayed_count == 2
    await wait_until(lambda: len(recorder.envelopes) == 5, within=10)
    with pytest.raises(grpc.aio.AioRpcError) as too_many:
        await stub.ReplayEvents(pb.ReplayEventsRequest(limit=1, **window), metadata=admin)
    assert too_many.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_prune_deletes_published_old_events(
    client: httpx.AsyncClient, stub: pb_grpc.WebhookAdminServiceStub, service: Running
) -> None:
    await _send(client, z.meeting_started(), z.meeting_ended())
    await wait_until(lambda: service.relay.published_total >= 2, within=10)
    admin = _metadata("operator")  # pruning is for the platform, not a tenant's admin
    future = _ts(datetime.now(UTC) + timedelta(minutes=1))
    dry = await stub.PruneEvents(
        pb.PruneEventsRequest(received_before=future, dry_run=True), metadata=admin
    )
    assert dry.deleted_count == 2
    done = await stub.PruneEvents(pb.PruneEventsRequest(received_before=future), metadata=admin)
    assert done.deleted_count == 2
    listed = await stub.ListEvents(pb.ListEventsRequest(), metadata=admin)
    assert listed.total_size == 0


async def test_only_admins_may_call(stub: pb_grpc.WebhookAdminServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await stub.ListEvents(pb.ListEventsRequest())
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as student:
        await stub.ListEvents(pb.ListEventsRequest(), metadata=_metadata("student"))
    assert student.value.code() == grpc.StatusCode.PERMISSION_DENIED
