"""Outgoing webhooks against a real receiving server, verified with the official
`standardwebhooks` library: signed deliveries, retries until the receiver recovers (each event
once, in order), replay, secret rotation, disabled endpoints, tenant isolation, and the
endpoint API's validation. On SQLite, and on PostgreSQL in the integration tier.

Retries use a schedule of 50 ms steps (`OUTGOING_WEBHOOK_RETRY_SCHEDULE`), never real minutes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.events.v1 import session_events_pb2 as ses
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as pb
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2_grpc as pb_grpc
from classbridge_common.auth import DEV_SECRET, issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import TEST_TOKEN_TTL, EnvelopeCollector, wait_until
from tests.unit.webhook_ingest.helpers import make_settings
from tests.unit.webhook_ingest.outgoing_receiver import Receiver, receiving
from webhook_ingest.adapters.tables import webhook_endpoints
from webhook_ingest.bootstrap import MIGRATIONS_DIR, Running, delivering_only, running

Metadata = list[tuple[str, str]]


def _admin(tenant: str) -> Metadata:
    token = issue_token(
        ttl=TEST_TOKEN_TTL,
        subject=f"admin-{tenant}",
        secret=DEV_SECRET,
        roles=["admin"],
        tenant=tenant,
    )
    return [("authorization", f"Bearer {token}")]


ADMIN_A = _admin("a")
ADMIN_B = _admin("b")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "sqlite":
        return {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}"}
    return {
        "database_url": request.getfixturevalue("database_url"),
        "db_schema": request.getfixturevalue("pg_schema"),
    }


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    async with InProcessBus() as the_bus:
        yield the_bus


@pytest.fixture
async def service(
    tmp_path: Path, database: dict[str, Any], bus: InProcessBus
) -> AsyncIterator[Running]:
    url = database.pop("database_url")
    settings = make_settings(
        url,
        data_dir=tmp_path,
        outgoing_webhook_allow_private_addresses=True,
        outgoing_webhook_retry_schedule="0.05,0.05,0.05,0.05,0.05",
        outgoing_webhook_retry_jitter=0,
        outgoing_webhook_poll_interval_seconds=0.05,
        outgoing_webhook_timeout_seconds=5,
        **database,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with running(settings, bus=bus) as started:
        yield started


@pytest.fixture
async def stub(service: Running) -> AsyncIterator[pb_grpc.OutgoingWebhooksServiceStub]:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        yield pb_grpc.OutgoingWebhooksServiceStub(channel)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as the_receiver:
        yield the_receiver


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def linked(session_id: str, *, tenant: str = "a") -> Envelope:
    return Envelope.for_proto(
        "session.meeting_linked",
        ses.SessionMeetingLinked(
            occurred_at=_ts(datetime(2027, 1, 15, 9, 0, tzinfo=UTC)),
            session_id=session_id,
            session_title="Algebra 1",
            batch_id="b-1",
            course_id="c-1",
            tenant_id=tenant,
            meeting_id=81234567890,
            start_time=_ts(datetime(2027, 1, 20, 10, 0, tzinfo=UTC)),
            duration_minutes=60,
            timezone="Europe/Berlin",
        ),
    )


def synced(recording_id: str, *, tenant: str = "a") -> Envelope:
    return Envelope.for_proto(
        "recording.synced",
        rec.RecordingSynced(
            occurred_at=_ts(datetime(2027, 1, 20, 11, 5, tzinfo=UTC)),
            recording_id=recording_id,
            session_id="s-1",
            meeting_id=81234567890,
            tenant_id=tenant,
            files=[rec.SyncedFile(file_id="f-1", size_bytes=1024, sha256="ab" * 32)],
        ),
    )


async def _endpoint(
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    *,
    types: tuple[str, ...] = ("session.scheduled", "recording.ready"),
    metadata: Metadata = ADMIN_A,
) -> pb.CreateEndpointResponse:
    created: pb.CreateEndpointResponse = await stub.CreateEndpoint(
        pb.CreateEndpointRequest(url=receiver.url, event_types=types, description="LMS"),
        metadata=metadata,
    )
    return created


def _attempts(service: Running) -> int:
    """Attempts the in-process worker has recorded."""
    return service.delivering.worker.attempts if service.delivering is not None else 0


def _verified(secret: str, received: Any) -> dict[str, Any]:
    """The payload, verified with the official library (raises when the signature is bad)."""
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def test_events_arrive_signed_in_the_documented_shape(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    created = await _endpoint(stub, receiver)
    assert created.secret.startswith("whsec_")
    assert created.endpoint.enabled
    assert created.endpoint.state == pb.ENDPOINT_STATE_ENABLED

    await bus.publish([linked("s-1"), synced("r-1")])
    await wait_until(lambda: len(receiver.accepted) == 2, within=10)

    first, second = (_verified(created.secret, r) for r in receiver.accepted)
    assert first == {
        "type": "session.scheduled",
        "timestamp": "2027-01-15T09:00:00Z",
        "data": {
            "session_id": "s-1",
            "session_title": "Algebra 1",
            "course_id": "c-1",
            "course_title": None,
            "batch_id": "b-1",
            "batch_type": None,
            "student_id": None,
            "teacher_id": None,
            "meeting_id": "81234567890",
            "start_time": "2027-01-20T10:00:00Z",
            "duration_minutes": 60,
            "timezone": "Europe/Berlin",
        },
    }
    assert second["type"] == "recording.ready"
    assert second["data"]["files"][0]["file_id"] == "f-1"
    headers = receiver.accepted[0].headers
    assert headers["webhook-id"].startswith("msg_")
    assert headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 8).verify(receiver.accepted[0].body, headers)

    # The delivery and its attempt are in the log, and the secret is sealed at rest.
    listed = await stub.ListDeliveries(
        pb.ListDeliveriesRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    assert [d.event_type for d in listed.deliveries] == ["recording.ready", "session.scheduled"]
    detail = await stub.GetDelivery(
        pb.GetDeliveryRequest(delivery_id=headers["webhook-id"]), metadata=ADMIN_A
    )
    assert detail.status == pb.DELIVERY_STATUS_SUCCEEDED
    assert [(a.status_code, a.success, a.response_snippet) for a in detail.attempts] == [
        (200, True, "ok")
    ]
    assert json.loads(detail.payload)["data"]["session_id"] == "s-1"
    engine = create_engine(service.settings)
    try:
        async with engine.connect() as conn:
            sealed = (await conn.execute(select(webhook_endpoints.c.secret_enc))).scalar_one()
    finally:
        await engine.dispose()
    assert created.secret not in sealed
    assert created.secret.removeprefix("whsec_") not in sealed


async def test_a_receiver_failing_four_times_gets_each_event_once_in_order(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    created = await _endpoint(stub, receiver)
    receiver.fail_next = 4
    first, second = linked("s-1"), linked("s-2")
    await bus.publish([first, second, first])  # the bus delivers the first one twice

    await wait_until(lambda: len(receiver.accepted) == 2, within=10)
    await wait_until(lambda: _attempts(service) == 6, within=5)
    sessions = [_verified(created.secret, r)["data"]["session_id"] for r in receiver.requests]
    assert sessions == ["s-1"] * 5 + ["s-2"]
    assert [r.answered for r in receiver.requests] == [500, 500, 500, 500, 200, 200]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(set(ids[:5])) == 1
    assert ids[5] != ids[0]

    detail = await stub.GetDelivery(pb.GetDeliveryRequest(delivery_id=ids[0]), metadata=ADMIN_A)
    assert detail.status == pb.DELIVERY_STATUS_SUCCEEDED
    assert [a.status_code for a in detail.attempts] == [500, 500, 500, 500, 200]
    assert len(detail.attempts[0].response_snippet) == 1024  # capped
    assert detail.attempts[0].error == "HTTP 500"
    endpoint = await stub.GetEndpoint(
        pb.GetEndpointRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    assert not endpoint.HasField("failing_since")  # the success ended the streak


async def test_replay_one_delivery_and_every_failed_one(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    created = await _endpoint(stub, receiver)
    await bus.publish([linked("s-1")])
    await wait_until(lambda: len(receiver.accepted) == 1, within=10)
    delivery_id = receiver.accepted[0].headers["webhook-id"]

    replayed = await stub.ReplayDelivery(
        pb.ReplayDeliveryRequest(delivery_id=delivery_id), metadata=ADMIN_A
    )
    assert replayed.replay_count == 1
    await wait_until(lambda: len(receiver.accepted) == 2, within=10)
    assert receiver.accepted[1].headers["webhook-id"] == delivery_id
    assert receiver.accepted[1].body == receiver.accepted[0].body
    _verified(created.secret, receiver.accepted[1])

    # Down for longer than the whole schedule: the delivery fails; once back, replay it.
    since = datetime.now(UTC) - timedelta(minutes=1)
    receiver.status = 503
    await bus.publish([linked("s-2")])
    await wait_until(lambda: len(receiver.requests) == 2 + 6, within=10)
    failed = await stub.ListDeliveries(
        pb.ListDeliveriesRequest(statuses=[pb.DELIVERY_STATUS_FAILED]), metadata=ADMIN_A
    )
    assert len(failed.deliveries) == 1
    assert failed.deliveries[0].attempt_count == 6
    receiver.status = 200
    answer = await stub.ReplayFailedDeliveries(
        pb.ReplayFailedDeliveriesRequest(endpoint_id=created.endpoint.id, since=_ts(since)),
        metadata=ADMIN_A,
    )
    assert answer.replayed_count == 1
    await wait_until(lambda: len(receiver.accepted) == 3, within=10)
    assert _verified(created.secret, receiver.accepted[2])["data"]["session_id"] == "s-2"
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.ReplayFailedDeliveries(
            pb.ReplayFailedDeliveriesRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
        )
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_after_a_rotation_both_the_old_and_the_new_secret_verify(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    created = await _endpoint(stub, receiver)
    rotated = await stub.RotateEndpointSecret(
        pb.RotateEndpointSecretRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    assert rotated.secret.startswith("whsec_")
    assert rotated.secret != created.secret
    assert rotated.endpoint.HasField("previous_secret_expire_time")
    await bus.publish([linked("s-1")])
    await wait_until(lambda: len(receiver.accepted) == 1, within=10)
    received = receiver.accepted[0]
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    assert _verified(created.secret, received) == _verified(rotated.secret, received)

    # With no grace period left, only the new secret signs.
    await stub.RotateEndpointSecret(
        pb.RotateEndpointSecretRequest(endpoint_id=created.endpoint.id, grace_seconds=1),
        metadata=ADMIN_A,
    )
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.RotateEndpointSecret(
            pb.RotateEndpointSecretRequest(endpoint_id=created.endpoint.id, grace_seconds=-1),
            metadata=ADMIN_A,
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_disabled_endpoint_gets_nothing(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    created = await _endpoint(stub, receiver)
    updated = await stub.UpdateEndpoint(
        pb.UpdateEndpointRequest(
            endpoint=pb.WebhookEndpoint(id=created.endpoint.id, enabled=False),
            update_mask=FieldMask(paths=["enabled"]),
        ),
        metadata=ADMIN_A,
    )
    assert updated.state == pb.ENDPOINT_STATE_DISABLED_BY_USER
    await bus.publish([linked("s-1")])
    test = stub.SendTestEvent(
        pb.SendTestEventRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await test
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # Enabled again, it gets what is sent from now on (and a test ping on request).
    await stub.UpdateEndpoint(
        pb.UpdateEndpointRequest(
            endpoint=pb.WebhookEndpoint(id=created.endpoint.id, enabled=True),
            update_mask=FieldMask(paths=["enabled"]),
        ),
        metadata=ADMIN_A,
    )
    ping = await stub.SendTestEvent(
        pb.SendTestEventRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    assert ping.event_type == "webhook.test"
    await wait_until(lambda: len(receiver.accepted) == 1, within=10)
    assert [_verified(created.secret, r)["type"] for r in receiver.requests] == ["webhook.test"]


async def test_an_endpoint_answering_gone_is_disabled_with_a_notice(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    notices = EnvelopeCollector()
    await bus.subscribe("test-notices", ["webhook_endpoint.#"], notices, prefetch=1)
    created = await _endpoint(stub, receiver)
    receiver.status = 410
    await bus.publish([linked("s-1"), linked("s-2")])
    [notice] = await notices.wait_count(1, within=10)
    event = notice.parse(pb.WebhookEndpointDisabled)
    assert event.endpoint_id == created.endpoint.id
    assert event.tenant_id == "a"
    assert "token" not in event.url
    assert event.url.endswith("/hooks/classbridge")
    endpoint = await stub.GetEndpoint(
        pb.GetEndpointRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    assert endpoint.state == pb.ENDPOINT_STATE_DISABLED_FAILING
    assert "410" in endpoint.disabled_reason
    assert len(receiver.requests) == 1  # the second event was never sent
    # The second event either failed with its endpoint or came after and was never queued.
    await bus.publish([linked("s-3")])
    everything = await stub.ListDeliveries(pb.ListDeliveriesRequest(), metadata=ADMIN_A)
    assert {d.status for d in everything.deliveries} == {pb.DELIVERY_STATUS_FAILED}
    assert len(receiver.requests) == 1


async def test_another_tenants_events_and_endpoints_stay_theirs(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    created = await _endpoint(stub, receiver)
    async with receiving() as theirs:
        b_created = await _endpoint(stub, theirs, metadata=ADMIN_B)
        await bus.publish([linked("s-b", tenant="b"), linked("s-a", tenant="a")])
        await wait_until(lambda: len(receiver.accepted) == 1 and len(theirs.accepted) == 1)
        assert _verified(created.secret, receiver.accepted[0])["data"]["session_id"] == "s-a"
        assert _verified(b_created.secret, theirs.accepted[0])["data"]["session_id"] == "s-b"
    listed = await stub.ListEndpoints(pb.ListEndpointsRequest(), metadata=ADMIN_B)
    assert [e.id for e in listed.endpoints] == [b_created.endpoint.id]
    delivery_id = receiver.accepted[0].headers["webhook-id"]
    for call in (
        stub.GetEndpoint(pb.GetEndpointRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_B),
        stub.DeleteEndpoint(
            pb.DeleteEndpointRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_B
        ),
        stub.GetDelivery(pb.GetDeliveryRequest(delivery_id=delivery_id), metadata=ADMIN_B),
        stub.ReplayDelivery(pb.ReplayDeliveryRequest(delivery_id=delivery_id), metadata=ADMIN_B),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await call
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    await stub.DeleteEndpoint(
        pb.DeleteEndpointRequest(endpoint_id=created.endpoint.id), metadata=ADMIN_A
    )
    assert not (await stub.ListEndpoints(pb.ListEndpointsRequest(), metadata=ADMIN_A)).endpoints


@pytest.mark.parametrize(
    ("url", "types"),
    [
        ("ftp://example.com/hook", ["session.scheduled"]),
        ("http://example.com/hook", ["session.scheduled"]),
        ("https://user:pw@example.com/hook", ["session.scheduled"]),
        ("https://169.254.169.254/latest/meta-data", ["session.scheduled"]),
        ("https://[fe80::1]/hook", ["session.scheduled"]),
        ("not a url", ["session.scheduled"]),
        ("http://127.0.0.1:9/hook", ["session.exploded"]),
        ("http://127.0.0.1:9/hook", []),
    ],
)
async def test_bad_urls_and_event_types_are_invalid_arguments(
    stub: pb_grpc.OutgoingWebhooksServiceStub, url: str, types: list[str]
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CreateEndpoint(
            pb.CreateEndpointRequest(url=url, event_types=types), metadata=ADMIN_A
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_one_url_once_per_tenant_and_updates_follow_the_mask(
    stub: pb_grpc.OutgoingWebhooksServiceStub, receiver: Receiver
) -> None:
    created = await _endpoint(stub, receiver)
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await _endpoint(stub, receiver)
    assert twice.value.code() == grpc.StatusCode.ALREADY_EXISTS
    await _endpoint(stub, receiver, metadata=ADMIN_B)  # another tenant may use it
    updated = await stub.UpdateEndpoint(
        pb.UpdateEndpointRequest(
            endpoint=pb.WebhookEndpoint(
                id=created.endpoint.id, event_types=["attendance.ready"], description="ignored"
            ),
            update_mask=FieldMask(paths=["event_types"]),
        ),
        metadata=ADMIN_A,
    )
    assert list(updated.event_types) == ["attendance.ready"]
    assert updated.description == "LMS"
    with pytest.raises(grpc.aio.AioRpcError) as bad_mask:
        await stub.UpdateEndpoint(
            pb.UpdateEndpointRequest(
                endpoint=pb.WebhookEndpoint(id=created.endpoint.id),
                update_mask=FieldMask(paths=["secret"]),
            ),
            metadata=ADMIN_A,
        )
    assert bad_mask.value.code() == grpc.StatusCode.INVALID_ARGUMENT


class ShiftedClock:
    """The real time plus an offset the test moves (days pass in an instant)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def test_an_endpoint_failing_for_days_is_disabled_once_a_delivery_gives_up(
    tmp_path: Path, bus: InProcessBus, receiver: Receiver
) -> None:
    clock = ShiftedClock()
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        outgoing_webhook_allow_private_addresses=True,
        outgoing_webhook_retry_schedule="0.05",
        outgoing_webhook_retry_jitter=0,
        outgoing_webhook_poll_interval_seconds=0.05,
        outgoing_webhook_disable_after_seconds=3 * 86_400,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    notices = EnvelopeCollector()
    await bus.subscribe("test-notices", ["webhook_endpoint.#"], notices, prefetch=1)
    receiver.status = 500
    async with (
        running(settings, bus=bus, clock=clock) as service,
        grpc.aio.insecure_channel(service.grpc_address) as channel,
    ):
        stub = pb_grpc.OutgoingWebhooksServiceStub(channel)
        created = await _endpoint(stub, receiver)
        get = pb.GetEndpointRequest(endpoint_id=created.endpoint.id)

        await bus.publish([linked("s-1")])  # two attempts, then it gives up: failing, not dead
        await wait_until(lambda: len(receiver.requests) == 2, within=10)
        await wait_until(lambda: _attempts(service) == 2)
        endpoint = await stub.GetEndpoint(get, metadata=ADMIN_A)
        assert endpoint.state == pb.ENDPOINT_STATE_ENABLED
        assert endpoint.HasField("failing_since")

        clock.offset = timedelta(days=3, minutes=1)  # still failing three days later
        await bus.publish([linked("s-2")])
        [notice] = await notices.wait_count(1, within=10)
        assert notice.parse(pb.WebhookEndpointDisabled).endpoint_id == created.endpoint.id
        endpoint = await stub.GetEndpoint(get, metadata=ADMIN_A)
        assert endpoint.state == pb.ENDPOINT_STATE_DISABLED_FAILING
        assert "no delivery succeeded since" in endpoint.disabled_reason
        assert len(receiver.requests) == 4

        await bus.publish([linked("s-3")])  # disabled: nothing more is sent
        await asyncio.sleep(0.3)
        assert len(receiver.requests) == 4


async def test_the_deliver_command_sends_on_its_own(
    tmp_path: Path, bus: InProcessBus, receiver: Receiver
) -> None:
    """`python -m webhook_ingest deliver` (here `delivering_only`): `serve` without the worker
    takes the endpoint; the separate worker sends what the bus brings."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'wi.db'}",
        data_dir=tmp_path,
        outgoing_webhook_allow_private_addresses=True,
        outgoing_webhook_worker_in_process=False,
        outgoing_webhook_poll_interval_seconds=0.05,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with (
        running(settings, bus=bus) as service,
        grpc.aio.insecure_channel(service.grpc_address) as channel,
    ):
        assert service.delivering is None
        created = await _endpoint(pb_grpc.OutgoingWebhooksServiceStub(channel), receiver)
        await bus.publish([linked("s-0")])  # nobody delivers yet: the delivery waits
        async with delivering_only(settings, bus=bus):
            await bus.publish([linked("s-1")])
            await wait_until(lambda: len(receiver.accepted) == 1, within=10)
    assert _verified(created.secret, receiver.accepted[0])["data"]["session_id"] == "s-1"


async def test_retention_prunes_finished_deliveries_with_their_attempts(
    service: Running,
    stub: pb_grpc.OutgoingWebhooksServiceStub,
    receiver: Receiver,
    bus: InProcessBus,
) -> None:
    await _endpoint(stub, receiver)
    await bus.publish([linked("s-1"), linked("s-2")])
    await wait_until(lambda: len(receiver.accepted) == 2, within=10)
    await wait_until(lambda: _attempts(service) == 2)
    assert service.outgoing is not None
    assert await service.outgoing.prune(older_than=timedelta(days=1), batch_size=1) == 0
    assert await service.outgoing.prune(older_than=timedelta(0), batch_size=1) == 2
    listed = await stub.ListDeliveries(pb.ListDeliveriesRequest(), metadata=ADMIN_A)
    assert list(listed.deliveries) == []
