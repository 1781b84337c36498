"""`app_deauthorized` (a user removed the app): translated to `zoom.app.deauthorized`, accepted
on the deauthorization endpoint and on the event endpoint alike, verified the same way, and
deduplicated on who removed which app when."""

from __future__ import annotations

import json

import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import zoom_events_pb2 as pb
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.helpers import signed_headers
from webhook_ingest.adapters.event_codec import encode
from webhook_ingest.bootstrap import Running
from webhook_ingest.domain import events as ev
from webhook_ingest.domain.dedup import dedup_key
from webhook_ingest.domain.fields import epoch_ms
from webhook_ingest.domain.normalise import normalise

DEAUTHORIZED_MS = epoch_ms("2025-03-10T15:01:40.000Z")


def test_app_deauthorized_becomes_a_typed_event_of_its_tenant() -> None:
    result = normalise(z.app_deauthorized(), tenant_id="acme")
    assert result.routing_key == "zoom.app.deauthorized"
    event = result.event
    assert isinstance(event, ev.AppDeauthorized)
    assert event.zoom_user_id == "z8yCxjabcdEFGHfp8uQ"
    assert event.client_id == "oauthClient123"
    assert event.deauthorized_at_ms == DEAUTHORIZED_MS
    assert event.delivery.account_id == "AAAA"
    assert event.delivery.tenant_id == "acme"

    message = encode(result)
    assert isinstance(message, pb.ZoomAppDeauthorized)
    assert message.zoom_user_id == "z8yCxjabcdEFGHfp8uQ"
    assert message.client_id == "oauthClient123"
    assert message.deauthorization_time.ToMilliseconds() == DEAUTHORIZED_MS
    assert message.context.account_id == "AAAA"
    assert message.context.tenant_id == "acme"
    assert message.context.zoom_event == "app_deauthorized"
    assert message.context.event_time.ToMilliseconds() == 1741618900000
    assert "signature" not in {f.name for f, _ in message.ListFields()}


@pytest.mark.parametrize("stamp", [1741618900, 1741618900000, "2025-03-10T15:01:40Z"])
def test_the_deauthorization_time_is_read_in_any_of_zooms_forms(stamp: object) -> None:
    result = normalise(z.app_deauthorized(deauthorization_time=stamp))
    assert isinstance(result.event, ev.AppDeauthorized)
    assert result.event.deauthorized_at_ms == 1741618900000


def test_without_a_time_the_message_leaves_it_unset() -> None:
    body = z.app_deauthorized()
    del body["payload"]["deauthorization_time"]
    message = encode(normalise(body))
    assert isinstance(message, pb.ZoomAppDeauthorized)
    assert not message.HasField("deauthorization_time")
    assert message.deauthorization_time == Timestamp()


@pytest.mark.parametrize("user_id", [None, "", {"id": 1}])
def test_without_a_user_it_is_published_raw_not_dropped(user_id: object) -> None:
    body = z.app_deauthorized(user_id=user_id)
    result = normalise(body, tenant_id="acme")
    assert result.is_raw
    assert result.routing_key == "zoom.raw.app_deauthorized"
    assert isinstance(result.event, ev.RawEvent)
    assert result.event.reason.startswith("malformed")


def test_dedup_key_is_the_user_the_app_and_the_time() -> None:
    body = z.app_deauthorized()
    raw = z.encode(body)
    key = dedup_key(body, raw)
    reordered = dict(reversed(list(body.items())))  # Zoom's retry may order keys differently
    assert dedup_key(reordered, json.dumps(reordered).encode()) == key
    other_user = z.app_deauthorized(user_id="another")
    assert dedup_key(other_user, z.encode(other_user)) != key
    later = z.app_deauthorized(deauthorization_time="2025-03-11T09:00:00Z")
    assert dedup_key(later, z.encode(later)) != key
    assert dedup_key(body, raw, tenant_id="acme") != key


@pytest.mark.parametrize(
    "path",
    ["/zoom/deauthorization", "/api/zoom/deauthorization", "/zoom/webhook"],
)
async def test_both_endpoints_store_and_publish_it_once(
    service: Running, client: httpx.AsyncClient, recorder: Recorder, path: str
) -> None:
    body = z.encode(z.app_deauthorized())
    first = await client.post(path, content=body, headers=signed_headers(body))
    assert first.status_code == 200, first.text
    assert first.json() == {"status": "stored"}
    again = await client.post(path, content=body, headers=signed_headers(body))
    assert again.json() == {"status": "duplicate"}
    await wait_until(lambda: len(recorder.envelopes) >= 1, within=10)
    (envelope,) = recorder.envelopes
    assert envelope.type == "zoom.app.deauthorized"
    message = envelope.parse(pb.ZoomAppDeauthorized)
    assert message.zoom_user_id == "z8yCxjabcdEFGHfp8uQ"
    assert message.context.tenant_id == "default"
    assert message.context.webhook_event_id


@pytest.mark.parametrize("path", ["/zoom/deauthorization", "/zoom/deauthorization/default"])
async def test_the_deauthorization_endpoint_verifies_as_the_event_endpoint_does(
    service: Running, client: httpx.AsyncClient, recorder: Recorder, path: str
) -> None:
    body = z.encode(z.app_deauthorized())
    forged = await client.post(path, content=body, headers=signed_headers(body, secret="nope"))
    assert forged.status_code == 401
    unsigned = signed_headers(body)
    del unsigned["x-zm-signature"]
    assert (await client.post(path, content=body, headers=unsigned)).status_code == 401
    challenge = z.encode({"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}})
    answered = await client.post(path, content=challenge, headers=signed_headers(challenge))
    assert answered.status_code == 200
    assert answered.json()["plainToken"] == "abc"
    assert recorder.envelopes == []
    ok = await client.post(path, content=body, headers=signed_headers(body))
    assert ok.status_code == 200
    assert (await client.get("/zoom/deauthorization")).status_code == 405
