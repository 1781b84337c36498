"""The signature, timestamp window, URL validation and dedup key, without a server."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tests.unit.webhook_ingest import zoom_samples as z
from webhook_ingest.domain import signature as sig
from webhook_ingest.domain.dedup import dedup_key
from webhook_ingest.domain.verification import Challenge, Genuine, Rejected, inspect

NOW = 1_741_618_900.0
TS = str(int(NOW))
SECRET = "secret-one"


def _inspect(
    body: bytes,
    *,
    ts: str | None = TS,
    signature: str | None = None,
    content_type: str | None = "application/json; charset=utf-8",
    secrets: tuple[str, ...] = (SECRET,),
) -> object:
    if signature is None and ts is not None:
        signature = sig.sign(SECRET, ts, body)
    return inspect(
        content_type=content_type,
        body=body,
        timestamp_header=ts,
        signature_header=signature,
        secrets=secrets,
        now=NOW,
        tolerance_seconds=300,
    )


def test_signature_matches_zooms_formula() -> None:
    body = b'{"event":"meeting.started"}'
    expected = hmac.new(
        SECRET.encode(), b"v0:" + TS.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    assert sig.sign(SECRET, TS, body) == "v0=" + expected


def test_genuine_event_passes() -> None:
    body = z.encode(z.meeting_started())
    verdict = _inspect(body)
    assert isinstance(verdict, Genuine)
    assert verdict.event == "meeting.started"


def test_any_configured_secret_verifies_for_rotation() -> None:
    body = z.encode(z.meeting_started())
    signature = sig.sign("new-secret", TS, body)
    assert isinstance(_inspect(body, signature=signature, secrets=(SECRET, "new-secret")), Genuine)
    assert isinstance(_inspect(body, signature=signature, secrets=(SECRET,)), Rejected)


def test_url_validation_is_answered_with_the_verifying_secret() -> None:
    body = json.dumps(
        {
            "payload": {"plainToken": "2oXY7bAKQLCwXDMECt8m_g"},
            "event_ts": 1759205906459,
            "event": "endpoint.url_validation",
        }
    ).encode()
    signature = sig.sign("second", TS, body)
    verdict = _inspect(body, signature=signature, secrets=(SECRET, "second"))
    assert isinstance(verdict, Challenge)
    expected = hmac.new(b"second", b"2oXY7bAKQLCwXDMECt8m_g", hashlib.sha256).hexdigest()
    assert verdict.body == {"plainToken": "2oXY7bAKQLCwXDMECt8m_g", "encryptedToken": expected}


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("wrong content type", 415, "unsupported_media_type"),
        ("invalid json", 400, "invalid_json"),
        ("missing timestamp", 401, "missing_timestamp"),
        ("garbled timestamp", 401, "invalid_timestamp"),
        ("stale timestamp", 401, "stale_timestamp"),
        ("future timestamp", 401, "stale_timestamp"),
        ("missing signature", 401, "missing_signature"),
        ("garbled signature", 401, "invalid_signature"),
        ("wrong secret", 401, "invalid_signature"),
        ("signature of other body", 401, "invalid_signature"),
        ("not an object", 400, "invalid_event"),
        ("missing event", 400, "invalid_event"),
        ("event not a string", 400, "invalid_event"),
        ("url_validation without token", 400, "invalid_event"),
    ],
)
def test_bad_requests_are_rejected(case: str, status: int, error: str) -> None:
    body = z.encode(z.meeting_started())
    kwargs: dict[str, object] = {}
    if case == "wrong content type":
        kwargs["content_type"] = "text/plain"
    elif case == "invalid json":
        body = b'{"event": '
    elif case == "missing timestamp":
        kwargs["ts"] = None
        kwargs["signature"] = sig.sign(SECRET, "", body)
    elif case == "garbled timestamp":
        kwargs["ts"] = "12:00"
        kwargs["signature"] = sig.sign(SECRET, "12:00", body)
    elif case in ("stale timestamp", "future timestamp"):
        shifted = str(int(NOW) + (-301 if case.startswith("stale") else 301))
        kwargs["ts"] = shifted
        kwargs["signature"] = sig.sign(SECRET, shifted, body)
    elif case == "missing signature":
        kwargs["signature"] = ""
    elif case == "garbled signature":
        kwargs["signature"] = "v0=zz"
    elif case == "wrong secret":
        kwargs["signature"] = sig.sign("not-the-secret", TS, body)
    elif case == "signature of other body":
        kwargs["signature"] = sig.sign(SECRET, TS, body + b" ")
    elif case == "not an object":
        body = b"[1, 2]"
    elif case == "missing event":
        body = b'{"payload": {}}'
    elif case == "event not a string":
        body = b'{"event": 5}'
    elif case == "url_validation without token":
        body = b'{"event": "endpoint.url_validation", "payload": {}}'
    verdict = _inspect(body, **kwargs)  # type: ignore[arg-type]
    assert isinstance(verdict, Rejected)
    assert (verdict.status, verdict.error) == (status, error)


def test_timestamp_in_milliseconds_is_accepted() -> None:
    body = z.encode(z.meeting_started())
    ts_ms = str(int(NOW * 1000))
    assert isinstance(_inspect(body, ts=ts_ms, signature=sig.sign(SECRET, ts_ms, body)), Genuine)


def test_json_variants_of_content_type_are_accepted() -> None:
    body = z.encode(z.meeting_started())
    for content_type in ("application/json", "Application/JSON", "application/vnd.zoom+json", None):
        assert isinstance(_inspect(body, content_type=content_type), Genuine)


def test_dedup_key_is_stable_across_retries_and_key_order() -> None:
    body = z.meeting_started()
    reordered = dict(reversed(list(body.items())))
    assert dedup_key(body, z.encode(body)) == dedup_key(reordered, z.encode(reordered))


def test_dedup_key_separates_events_participants_rejoins_and_files() -> None:
    keys = set()
    for body in (
        z.meeting_started(),
        z.meeting_ended(),
        z.meeting_started(event_ts=1741618803001),
        z.participant_joined(),
        z.participant_joined(participant_uuid="other"),
        z.participant_joined(join_time="2025-03-10T15:20:00Z", user_id="2"),
        z.recording(),
        z.recording("recording.transcript_completed"),
    ):
        keys.add(dedup_key(body, z.encode(body)))
    assert len(keys) == 8
    other_files = z.recording()
    other_files["payload"]["object"]["recording_files"][0]["id"] = "another"
    assert dedup_key(other_files, b"") != dedup_key(z.recording(), b"")


def test_dedup_key_of_events_without_identity_uses_the_body() -> None:
    a = {"event": "x.y"}
    b = {"event": "x.y", "payload": {"n": 1}}
    assert dedup_key(a, z.encode(a)) != dedup_key(b, z.encode(b))
    assert dedup_key(a, z.encode(a)) == dedup_key(a, z.encode(a))
