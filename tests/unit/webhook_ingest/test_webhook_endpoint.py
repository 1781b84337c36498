"""The webhook endpoint end to end on SQLite: statuses, storage, dedup and publication."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from classbridge.events.v1 import zoom_events_pb2 as pb
from classbridge_common.bus import InProcessBus
from classbridge_common.testing import wait_until
from tests.unit.webhook_ingest import zoom_samples as z
from tests.unit.webhook_ingest.conftest import Recorder
from tests.unit.webhook_ingest.helpers import SECOND_SECRET, SECRET, make_settings, signed_headers
from webhook_ingest.adapters.repository import count_pending
from webhook_ingest.adapters.tables import outbox, webhook_events
from webhook_ingest.bootstrap import Running, running


async def _counts(service: Running) -> tuple[int, int]:
    """(stored events, outbox rows) once the processor translated every stored event (it does
    so behind the commit that answered Zoom)."""
    engine = service.admin._engine

    async def translated() -> bool:
        return await count_pending(engine) == 0

    await wait_until(translated, within=10)
    async with engine.connect() as conn:
        events = (await conn.execute(select(func.count()).select_from(webhook_events))).scalar()
        rows = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
    return int(events or 0), int(rows or 0)


async def _post(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], path: str = "/zoom/webhook"
) -> httpx.Response:
    return await client.post(path, content=body, headers=headers)


def _bad_cases() -> list[tuple[str, int]]:
    return [
        ("missing signature", 401),
        ("garbled signature", 401),
        ("wrong signature", 401),
        ("wrong secret", 401),
        ("stale timestamp", 401),
        ("future timestamp", 401),
        ("missing timestamp", 401),
        ("oversized body", 413),
        ("oversized body without length", 413),
        ("invalid json", 400),
        ("json not an object", 400),
        ("missing event", 400),
        ("wrong content type", 415),
        ("url_validation with bad signature", 401),
    ]


@pytest.mark.parametrize(("case", "status"), _bad_cases())
async def test_bad_requests_get_their_status_and_store_nothing(
    service: Running, client: httpx.AsyncClient, recorder: Recorder, case: str, status: int
) -> None:
    body = z.encode(z.meeting_started())
    headers = signed_headers(body)
    content: Any = body
    if case == "missing signature":
        del headers["x-zm-signature"]
    elif case == "garbled signature":
        headers["x-zm-signature"] = "v0=not-hex"
    elif case == "wrong signature":
        headers["x-zm-signature"] = "v0=" + "0" * 64
    elif case == "wrong secret":
        headers = signed_headers(body, secret="someone-elses-secret")
    elif case == "stale timestamp":
        headers = signed_headers(body, ts=int(time.time()) - 3600)
    elif case == "future timestamp":
        headers = signed_headers(body, ts=int(time.time()) + 3600)
    elif case == "missing timestamp":
        del headers["x-zm-request-timestamp"]
    elif case == "oversized body":
        body = b'{"event":"meeting.started","pad":"' + b"x" * 70_000 + b'"}'
        headers = signed_headers(body)
        content = body
    elif case == "oversized body without length":
        big = b'{"event":"meeting.started","pad":"' + b"x" * 70_000 + b'"}'
        headers = signed_headers(big)

        async def chunks() -> Any:
            for i in range(0, len(big), 8192):
                yield big[i : i + 8192]

        content = chunks()
    elif case == "invalid json":
        content = b'{"event": "meeting.started"'
        headers = signed_headers(content)
    elif case == "json not an object":
        content = b'["meeting.started"]'
        headers = signed_headers(content)
    elif case == "missing event":
        content = b'{"payload": {}}'
        headers = signed_headers(content)
    elif case == "wrong content type":
        headers["content-type"] = "text/plain"
    elif case == "url_validation with bad signature":
        content = json.dumps(
            {"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}}
        ).encode()
        headers = signed_headers(content, secret="wrong")
    response = await client.post("/zoom/webhook", content=content, headers=headers)
    assert response.status_code == status
    answer = response.json()
    assert set(answer) == {"error", "message"}
    assert SECRET not in response.text
    await asyncio.sleep(0.05)
    assert await _counts(service) == (0, 0)
    assert recorder.envelopes == []


async def test_url_validation_is_answered(client: httpx.AsyncClient, service: Running) -> None:
    body = json.dumps(
        {
            "payload": {"plainToken": "2oXY7bAKQLCwXDMECt8m_g"},
            "event_ts": 1759205906459,
            "event": "endpoint.url_validation",
        }
    ).encode()
    response = await _post(client, body, signed_headers(body))
    assert response.status_code == 200
    expected = hmac.new(SECRET.encode(), b"2oXY7bAKQLCwXDMECt8m_g", hashlib.sha256).hexdigest()
    assert response.json() == {"plainToken": "2oXY7bAKQLCwXDMECt8m_g", "encryptedToken": expected}
    assert await _counts(service) == (0, 0)


async def test_secret_rotation_accepts_either_secret_and_answers_with_the_one_used(
    client: httpx.AsyncClient, service: Running
) -> None:
    body = json.dumps(
        {"event": "endpoint.url_validation", "payload": {"plainToken": "tok"}}
    ).encode()
    response = await _post(client, body, signed_headers(body, secret=SECOND_SECRET))
    expected = hmac.new(SECOND_SECRET.encode(), b"tok", hashlib.sha256).hexdigest()
    assert response.json()["encryptedToken"] == expected
    event = z.encode(z.meeting_started())
    assert (
        await _post(client, event, signed_headers(event, secret=SECOND_SECRET))
    ).status_code == 200
    assert (await _counts(service))[0] == 1


async def test_event_is_stored_then_published_as_a_typed_event(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    body = z.encode(z.meeting_ended())
    response = await _post(client, body, signed_headers(body), path="/api/zoom/webhook")
    assert response.status_code == 200
    assert await _counts(service) == (1, 1)
    await wait_until(lambda: len(recorder.envelopes) == 1, within=10)
    envelope = recorder.envelopes[0]
    assert envelope.type == "zoom.meeting.ended"
    message = envelope.parse(pb.ZoomMeetingEnded)
    assert message.meeting.meeting_id == 85746065432
    assert message.end_time.ToJsonString() == "2025-03-10T15:41:10Z"
    assert message.context.zoom_event == "meeting.ended"
    assert message.context.webhook_event_id


async def test_same_body_twice_is_one_event_and_one_publication(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    body = z.encode(z.participant_joined())
    first = await _post(client, body, signed_headers(body))
    second = await _post(client, body, signed_headers(body, ts=int(time.time()) - 5))
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"status": "duplicate"}
    assert await _counts(service) == (1, 1)
    await wait_until(lambda: len(recorder.envelopes) >= 1, within=10)
    await asyncio.sleep(0.3)
    assert len(recorder.envelopes) == 1


async def test_concurrent_duplicates_are_one_event_and_one_publication(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    body = z.encode(z.recording())
    responses = await asyncio.gather(
        *(_post(client, body, signed_headers(body)) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {200}
    assert sum(r.json() == {"status": "stored"} for r in responses) == 1
    assert await _counts(service) == (1, 1)
    await wait_until(lambda: len(recorder.envelopes) >= 1, within=10)
    await asyncio.sleep(0.3)
    assert len(recorder.envelopes) == 1


async def test_unknown_event_is_stored_and_published_raw(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    body = json.dumps(
        {
            "event": "meeting.summary_completed",
            "event_ts": 1741618803000,
            "payload": {"object": {"meeting_uuid": "abc=="}},
        }
    ).encode()
    assert (await _post(client, body, signed_headers(body))).status_code == 200
    await wait_until(lambda: len(recorder.envelopes) == 1, within=10)
    envelope = recorder.envelopes[0]
    assert envelope.type == "zoom.raw.meeting.summary_completed"
    raw = envelope.parse(pb.ZoomRawEvent)
    assert raw.event == "meeting.summary_completed"
    assert raw.reason == "unknown_event_type"


async def test_signed_but_malformed_known_event_is_still_stored(
    client: httpx.AsyncClient, service: Running, recorder: Recorder
) -> None:
    body = b'{"event":"meeting.started","event_ts":"soon","payload":[1,2]}'
    assert (await _post(client, body, signed_headers(body))).status_code == 200
    await wait_until(lambda: len(recorder.envelopes) == 1, within=10)
    assert recorder.envelopes[0].type == "zoom.meeting.started"


async def test_database_down_answers_503_never_200(tmp_path: Path, bus: InProcessBus) -> None:
    # A database that cannot be opened: every connection attempt fails.
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'wi.db'}", data_dir=tmp_path
    )
    async with (
        running(settings, bus=bus) as service,
        httpx.AsyncClient(base_url=service.http_url, timeout=10) as client,
    ):
        body = z.encode(z.meeting_started())
        response = await _post(client, body, signed_headers(body))
        assert response.status_code == 503
        assert response.json()["error"] == "unavailable"
        # url_validation needs no database and still works
        challenge = b'{"event":"endpoint.url_validation","payload":{"plainToken":"t"}}'
        assert (await _post(client, challenge, signed_headers(challenge))).status_code == 200


async def test_only_the_webhook_paths_and_healthz_are_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/zoom/webhook")).status_code == 405
    missing = await client.get("/admin")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
