"""Property: whatever arrives, the endpoint answers 2xx/4xx (503 only when the store is down)
and stores nothing that is not signed with a configured secret."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.webhook_ingest.helpers import SECOND_SECRET, SECRET, signed_headers
from webhook_ingest.adapters.repository import EventRecord
from webhook_ingest.domain.signature import sign
from webhook_ingest.entrypoints.http import WebhookEndpoint, create_app
from webhook_ingest.service_layer.group_commit import GroupCommitter
from webhook_ingest.service_layer.ingest import Ingestor

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
events = st.sampled_from(
    [
        "meeting.started",
        "meeting.ended",
        "meeting.participant_joined",
        "recording.completed",
        "meeting.updated",
        "endpoint.url_validation",
        "something.else",
        "",
    ]
)
documents = st.fixed_dictionaries(
    {"event": events | json_values},
    optional={"event_ts": json_values, "payload": json_values, "download_token": json_values},
)
bodies = st.one_of(
    documents.map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


class FakeStore:
    def __init__(self, *, down: bool) -> None:
        self.down = down
        self.stored: list[EventRecord] = []

    async def write(
        self, batch: Sequence[EventRecord], _occurrences: Mapping[Hashable, int]
    ) -> set[Hashable]:
        if self.down:
            raise ConnectionRefusedError("database is down")
        self.stored.extend(batch)
        return {record.key for record in batch}


async def _exchange(body: bytes, headers: dict[str, str], *, down: bool) -> tuple[int, FakeStore]:
    store = FakeStore(down=down)
    committer: GroupCommitter[EventRecord] = GroupCommitter(write=store.write, max_wait=0)
    async with committer:
        endpoint = WebhookEndpoint(
            ingestor=Ingestor(committer=committer),
            secrets=(SECRET, SECOND_SECRET),
            max_body_bytes=4096,
            tolerance_seconds=300,
        )
        transport = httpx.ASGITransport(app=create_app(endpoint))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/zoom/webhook", content=body, headers=headers)
    return response.status_code, store


def _signed_by_us(record: EventRecord) -> bool:
    headers = record.row["headers"]
    stamp = headers.get("x-zm-request-timestamp", "")
    return abs(int(stamp) - time.time()) < 400 if stamp.isdigit() else False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies,
    sign_it=st.sampled_from(["first", "second", "wrong", "none"]),
    content_type=st.sampled_from(["application/json", "text/plain", ""]) | header_text,
    timestamp=st.sampled_from(["now", "old", "future"]) | header_text,
    down=st.booleans(),
)
def test_any_request_gets_a_sane_status_and_unsigned_events_are_never_stored(
    body: bytes, sign_it: str, content_type: str, timestamp: str, down: bool
) -> None:
    now = int(time.time())
    stamp = {"now": str(now), "old": str(now - 1000), "future": str(now + 1000)}.get(
        timestamp, timestamp
    )
    headers: dict[str, Any] = signed_headers(body)
    headers["x-zm-request-timestamp"] = stamp
    headers["content-type"] = content_type
    secret = {"first": SECRET, "second": SECOND_SECRET, "wrong": "nope"}.get(sign_it)
    if secret is None:
        del headers["x-zm-signature"]
    else:
        headers["x-zm-signature"] = sign(secret, stamp, body)
    status, store = asyncio.run(_exchange(body, headers, down=down))

    assert status < 500 or (status == 503 and down)
    genuine = sign_it in ("first", "second") and timestamp == "now"
    if not genuine:
        assert status in (400, 401, 413, 415)
        assert store.stored == []
    for record in store.stored:
        assert record.row["body"] == body
        assert _signed_by_us(record)
    if status == 200 and not down:
        assert len(store.stored) <= 1
