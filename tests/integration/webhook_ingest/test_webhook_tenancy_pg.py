"""Tenant scoping of the admin API on PostgreSQL (the array-insert path stores the tenant) and
RabbitMQ (replays are published in the stored event's tenant)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import zoom_events_pb2 as events_pb
from classbridge.webhookingest.v1 import webhook_admin_pb2 as pb
from classbridge.webhookingest.v1 import webhook_admin_pb2_grpc as pb_grpc
from classbridge_common.auth import DEV_SECRET, issue_token
from classbridge_common.bus import create_bus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import TEST_TOKEN_TTL, AmqpNamespace, wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.fake_gateway import (
    A_ACCOUNT,
    A_SECRET,
    B_ACCOUNT,
    B_SECRET,
    FakeGateway,
    serving_gateway,
)
from tests.unit.webhook_ingest.helpers import SECRET, make_settings, signed_headers
from webhook_ingest.bootstrap import MIGRATIONS_DIR, running

pytestmark = pytest.mark.integration


def _admin(tenant: str | None, role: str = "admin") -> list[tuple[str, str]]:
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject="someone", secret=DEV_SECRET, roles=[role], tenant=tenant
    )
    return [("authorization", f"Bearer {token}")]


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


async def test_list_and_replay_are_scoped_to_the_callers_tenant(
    database_url: str, pg_schema: str, amqp_exchange: AmqpNamespace, tmp_path: Any
) -> None:
    published: list[Envelope] = []

    async def collect(envelope: Envelope) -> None:
        published.append(envelope)

    fake = FakeGateway()
    async with (
        serving_gateway(fake) as gateway_address,
        create_bus(amqp_exchange.amqp_url, exchange=amqp_exchange.exchange) as rabbit,
    ):
        await rabbit.subscribe(amqp_exchange.consumer("collector"), ["zoom.#"], collect)
        settings = make_settings(
            database_url,
            db_schema=pg_schema,
            amqp_url=amqp_exchange.amqp_url,
            events_exchange=amqp_exchange.exchange,
            outgoing_consumer_name=amqp_exchange.consumer("webhook-ingest.outgoing"),
            data_dir=tmp_path,
            zoom_gateway_addr=gateway_address,
        )
        await upgrade_to_head(settings, MIGRATIONS_DIR)
        async with (
            running(settings) as service,
            httpx.AsyncClient(base_url=service.http_url, timeout=10) as client,
            grpc.aio.insecure_channel(service.grpc_address) as channel,
        ):
            await wait_until(lambda: service.keys.refreshes >= 1, within=10)
            sent = [
                (z.meeting_started(), A_ACCOUNT, A_SECRET),
                (z.meeting_ended(), A_ACCOUNT, A_SECRET),
                (z.meeting_started(), B_ACCOUNT, B_SECRET),
                (z.meeting_started(), "acct-nobody", SECRET),
                (z.meeting_started(), B_ACCOUNT, A_SECRET),  # forged: refused
            ]
            statuses = []
            for document, account, secret in sent:
                document["payload"]["account_id"] = account
                body = z.encode(document)
                response = await client.post(
                    "/zoom/webhook", content=body, headers=signed_headers(body, secret=secret)
                )
                statuses.append(response.status_code)
            assert statuses == [200, 200, 200, 200, 401]
            await wait_until(lambda: len(published) == 4, within=20)
            tenants = sorted(
                e.parse(events_pb.ZoomMeetingStarted).context.tenant_id
                for e in published
                if e.type == "zoom.meeting.started"
            )
            assert tenants == ["a", "b", "default"]

            stub = pb_grpc.WebhookAdminServiceStub(channel)
            mine = await stub.ListEvents(pb.ListEventsRequest(), metadata=_admin("a"))
            assert (mine.total_size, {e.account_id for e in mine.events}) == (2, {A_ACCOUNT})
            theirs = await stub.ListEvents(pb.ListEventsRequest(), metadata=_admin("b"))
            assert [e.account_id for e in theirs.events] == [B_ACCOUNT]
            everyone = await stub.ListEvents(
                pb.ListEventsRequest(), metadata=_admin(None, "operator")
            )
            assert everyone.total_size == 4
            with pytest.raises(grpc.aio.AioRpcError) as hidden:
                await stub.GetEvent(
                    pb.GetEventRequest(event_id=theirs.events[0].id), metadata=_admin("a")
                )
            assert hidden.value.code() == grpc.StatusCode.NOT_FOUND

            now = datetime.now(UTC)
            window = {
                "received_after": _ts(now - timedelta(hours=1)),
                "received_before": _ts(now + timedelta(hours=1)),
            }
            replayed = await stub.ReplayEvents(
                pb.ReplayEventsRequest(**window), metadata=_admin("a")
            )
            assert (replayed.matched_count, replayed.replayed_count) == (2, 2)
            await wait_until(lambda: len(published) == 6, within=20)
            replays = [e for e in published if "x-replay-of" in e.headers]
            assert {e.headers["x-replay-of"] for e in replays} == {
                e.message_id for e in mine.events
            }
            messages = {
                "zoom.meeting.started": events_pb.ZoomMeetingStarted,
                "zoom.meeting.ended": events_pb.ZoomMeetingEnded,
            }
            assert {e.parse(messages[e.type]).context.tenant_id for e in replays} == {"a"}
            b_event = await stub.GetEvent(
                pb.GetEventRequest(event_id=theirs.events[0].id), metadata=_admin("b")
            )
            assert b_event.replay_count == 0
