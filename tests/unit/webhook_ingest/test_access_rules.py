"""Who may call each WebhookAdminService method, and how far each caller sees.

The table below is the declared outcome for every method (iterated from the service descriptor,
so a method added to the proto without a row here fails) and every identity. Then the tenant
scoping: a tenant admin lists, reads and replays only their own tenant's events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import zoom_events_pb2 as events_pb
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as outgoing_pb
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2_grpc as outgoing_grpc
from classbridge.webhookingest.v1 import webhook_admin_pb2 as pb
from classbridge.webhookingest.v1 import webhook_admin_pb2_grpc as pb_grpc
from classbridge_common.auth import DEV_SECRET, DEV_SERVICE_SECRET, issue_token
from classbridge_common.authz import SERVICES
from classbridge_common.grpc.interceptors import TENANT_HEADER
from classbridge_common.messages import Envelope
from classbridge_common.testing import TEST_TOKEN_TTL, wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.fake_gateway import A_ACCOUNT, A_SECRET, B_ACCOUNT, B_SECRET
from tests.unit.webhook_ingest.helpers import SECRET, signed_headers
from webhook_ingest.bootstrap import Running
from webhook_ingest.entrypoints.access_rules import (
    OUTGOING_POLICY,
    OUTGOING_SERVICE,
    POLICY,
    SERVICE,
)

Metadata = list[tuple[str, str]]


def _user(*roles: str, tenant: str | None) -> Metadata:
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject="someone", secret=DEV_SECRET, roles=roles, tenant=tenant
    )
    return [("authorization", f"Bearer {token}")]


def _service(name: str, *, tenant: str | None = None) -> Metadata:
    token = issue_token(
        ttl=TEST_TOKEN_TTL,
        subject=name,
        secret=DEV_SERVICE_SECRET,
        roles=["service"],
        kind="service",
    )
    metadata = [("authorization", f"Bearer {token}")]
    if tenant is not None:
        metadata.append((TENANT_HEADER, tenant))
    return metadata


def _forged_service() -> Metadata:
    """A service identity signed with the user key: must never pass."""
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject="webhook-ingest", secret=DEV_SECRET, roles=[], kind="service"
    )
    return [("authorization", f"Bearer {token}")]


IDENTITIES: dict[str, Metadata | None] = {
    "anonymous": None,
    "forged service": _forged_service(),
    "student": _user("student", tenant="a"),
    "teacher": _user("teacher", tenant="a"),
    "admin of a": _user("admin", tenant="a"),
    "admin of b": _user("admin", tenant="b"),
    "admin of default": _user("admin", tenant=None),
    "operator": _user("operator", tenant=None),
    **{f"service {name}": _service(name) for name in sorted(SERVICES)},
}
UNAUTHENTICATED = frozenset({"anonymous", "forged service"})
TENANT_ADMINS = frozenset({"admin of a", "admin of b", "admin of default", "operator"})

ADMITTED: dict[str, frozenset[str]] = {
    "ListEvents": TENANT_ADMINS,
    "GetEvent": TENANT_ADMINS,
    "ReplayEvent": TENANT_ADMINS,
    "ReplayEvents": TENANT_ADMINS,
    "PruneEvents": frozenset({"operator", "service webhook-ingest"}),
}
"""Who gets past the access rule of each method (the handler may still answer an error)."""

OUTGOING_ADMITTED: dict[str, frozenset[str]] = {
    method.name: TENANT_ADMINS for method in OUTGOING_SERVICE.methods
}
"""OutgoingWebhooksService: tenant admins (and operators) only, every method; no service."""
OUTGOING_DECLARED = {
    "CreateEndpoint",
    "ListEndpoints",
    "GetEndpoint",
    "UpdateEndpoint",
    "DeleteEndpoint",
    "RotateEndpointSecret",
    "ListDeliveries",
    "GetDelivery",
    "ReplayDelivery",
    "ReplayFailedDeliveries",
    "SendTestEvent",
}


def test_the_table_covers_every_method_of_the_service() -> None:
    methods = {m.name for m in SERVICE.methods}
    assert set(ADMITTED) == methods
    assert set(POLICY.rules) == methods
    outgoing = {m.name for m in OUTGOING_SERVICE.methods}
    assert outgoing == OUTGOING_DECLARED
    assert set(OUTGOING_POLICY.rules) == outgoing


def _expected(
    method: str, identity: str, table: dict[str, frozenset[str]] = ADMITTED
) -> grpc.StatusCode | None:
    if identity in UNAUTHENTICATED:
        return grpc.StatusCode.UNAUTHENTICATED
    if identity not in table[method]:
        return grpc.StatusCode.PERMISSION_DENIED
    return None  # admitted


@pytest.fixture
async def stub(tenant_service: Running) -> AsyncIterator[pb_grpc.WebhookAdminServiceStub]:
    async with grpc.aio.insecure_channel(tenant_service.grpc_address) as channel:
        yield pb_grpc.WebhookAdminServiceStub(channel)


async def test_every_method_for_every_identity(stub: pb_grpc.WebhookAdminServiceStub) -> None:
    outcomes: dict[tuple[str, str], str] = {}
    wrong: list[str] = []
    for method in SERVICE.methods:
        request = getattr(pb, method.input_type.name)()  # empty: an admitted call is harmless
        for identity, metadata in IDENTITIES.items():
            try:
                await getattr(stub, method.name)(request, metadata=metadata)
                got: grpc.StatusCode | None = None
            except grpc.aio.AioRpcError as error:
                got = error.code()
            refused = got in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
            outcome = got if refused else None
            outcomes[(method.name, identity)] = str(outcome)
            if outcome != _expected(method.name, identity):
                wrong.append(f"{method.name} by {identity}: {got}")
    assert wrong == []
    assert len(outcomes) == len(ADMITTED) * len(IDENTITIES)


async def test_every_outgoing_webhooks_method_for_every_identity(tenant_service: Running) -> None:
    wrong: list[str] = []
    cells = 0
    async with grpc.aio.insecure_channel(tenant_service.grpc_address) as channel:
        stub = outgoing_grpc.OutgoingWebhooksServiceStub(channel)
        for method in OUTGOING_SERVICE.methods:
            request = getattr(outgoing_pb, method.input_type.name)()  # empty: harmless
            for identity, metadata in IDENTITIES.items():
                try:
                    await getattr(stub, method.name)(request, metadata=metadata)
                    got: grpc.StatusCode | None = None
                except grpc.aio.AioRpcError as error:
                    got = error.code()
                refused = got in (
                    grpc.StatusCode.UNAUTHENTICATED,
                    grpc.StatusCode.PERMISSION_DENIED,
                )
                cells += 1
                if (got if refused else None) != _expected(
                    method.name, identity, OUTGOING_ADMITTED
                ):
                    wrong.append(f"{method.name} by {identity}: {got}")
    assert wrong == []
    assert cells == len(OUTGOING_ADMITTED) * len(IDENTITIES)


_MESSAGES = {
    "zoom.meeting.started": events_pb.ZoomMeetingStarted,
    "zoom.meeting.ended": events_pb.ZoomMeetingEnded,
}


def _tenant_of(envelope: Envelope) -> str:
    return str(envelope.parse(_MESSAGES[envelope.type]).context.tenant_id)


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _window() -> dict[str, Timestamp]:
    now = datetime.now(UTC)
    return {
        "received_after": _ts(now - timedelta(hours=1)),
        "received_before": _ts(now + timedelta(hours=1)),
    }


async def _seed(client: httpx.AsyncClient) -> None:
    """Two events of tenant a, one of b, one of the default tenant."""
    sent = [
        (z.meeting_started(), A_ACCOUNT, A_SECRET),
        (z.meeting_ended(), A_ACCOUNT, A_SECRET),
        (z.meeting_started(), B_ACCOUNT, B_SECRET),
        (z.meeting_ended(), "acct-nobody", SECRET),
    ]
    for document, account, secret in sent:
        document["payload"]["account_id"] = account
        body = z.encode(document)
        response = await client.post(
            "/zoom/webhook", content=body, headers=signed_headers(body, secret=secret)
        )
        assert response.status_code == 200, response.text


async def test_an_admin_sees_and_replays_only_their_own_tenants_events(
    tenant_client: httpx.AsyncClient,
    stub: pb_grpc.WebhookAdminServiceStub,
    recorder: Recorder,
) -> None:
    await _seed(tenant_client)
    await wait_until(lambda: len(recorder.envelopes) == 4, within=10)
    admin_a, admin_b = IDENTITIES["admin of a"], IDENTITIES["admin of b"]

    mine = await stub.ListEvents(pb.ListEventsRequest(), metadata=admin_a)
    assert mine.total_size == 2
    assert {e.account_id for e in mine.events} == {A_ACCOUNT}
    full = await stub.ListEvents(pb.ListEventsRequest(view=pb.EVENT_VIEW_FULL), metadata=admin_a)
    assert len(full.events) == 2
    theirs = await stub.ListEvents(pb.ListEventsRequest(), metadata=admin_b)
    assert [e.account_id for e in theirs.events] == [B_ACCOUNT]
    default = await stub.ListEvents(pb.ListEventsRequest(), metadata=IDENTITIES["admin of default"])
    assert [e.account_id for e in default.events] == ["acct-nobody"]
    everything = await stub.ListEvents(pb.ListEventsRequest(), metadata=IDENTITIES["operator"])
    assert everything.total_size == 4

    b_event = theirs.events[0].id
    for call in (
        stub.GetEvent(pb.GetEventRequest(event_id=b_event), metadata=admin_a),
        stub.ReplayEvent(pb.ReplayEventRequest(event_id=b_event), metadata=admin_a),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await stub.GetEvent(pb.GetEventRequest(event_id=b_event), metadata=admin_b)).id

    dry = await stub.ReplayEvents(
        pb.ReplayEventsRequest(dry_run=True, **_window()), metadata=admin_a
    )
    assert dry.matched_count == 2
    done = await stub.ReplayEvents(pb.ReplayEventsRequest(**_window()), metadata=admin_a)
    assert done.replayed_count == 2
    await wait_until(lambda: len(recorder.envelopes) == 6, within=10)
    replays = recorder.envelopes[4:]
    assert {e.headers.get("x-replay-of") for e in replays} == {e.message_id for e in mine.events}
    tenants = {_tenant_of(e) for e in replays}
    assert tenants == {"a"}
    after = await stub.GetEvent(pb.GetEventRequest(event_id=b_event), metadata=admin_b)
    assert after.replay_count == 0

    # The operator replays B's event: it is republished in B, not in the operator's tenant.
    await stub.ReplayEvent(pb.ReplayEventRequest(event_id=b_event), metadata=IDENTITIES["operator"])
    await wait_until(lambda: len(recorder.envelopes) == 7, within=10)
    assert _tenant_of(recorder.envelopes[-1]) == "b"


async def test_a_service_acting_for_a_tenant_prunes_only_that_tenant(
    tenant_client: httpx.AsyncClient,
    stub: pb_grpc.WebhookAdminServiceStub,
    tenant_service: Running,
) -> None:
    await _seed(tenant_client)
    assert tenant_service.relay is not None
    await wait_until(lambda: tenant_service.relay.published_total >= 4, within=10)
    future = _ts(datetime.now(UTC) + timedelta(minutes=1))
    pruned = await stub.PruneEvents(
        pb.PruneEventsRequest(received_before=future),
        metadata=_service("webhook-ingest", tenant="b"),
    )
    assert pruned.deleted_count == 1
    left = await stub.ListEvents(pb.ListEventsRequest(), metadata=IDENTITIES["operator"])
    assert B_ACCOUNT not in {e.account_id for e in left.events}
    assert left.total_size == 3
