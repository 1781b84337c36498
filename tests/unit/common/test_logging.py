from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from classbridge_common.logging import REDACTED, configure_logging, redact, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZWFjaGVyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    handler = configure_logging("scheduler", "DEBUG", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for old in saved_handlers:
            root.addHandler(old)
        root.setLevel(saved_level)
        logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_line_is_json_with_the_standard_fields(output: io.StringIO) -> None:
    logging.getLogger("scheduler.sessions").info("session %s created", "s-1", extra={"n": 3})
    (line,) = lines(output)
    assert line["message"] == "session s-1 created"
    assert line["level"] == "INFO"
    assert line["logger"] == "scheduler.sessions"
    assert line["service"] == "scheduler"
    assert line["n"] == 3
    assert str(line["timestamp"]).endswith("+00:00")
    assert "trace_id" not in line


def test_trace_and_span_ids_come_from_the_current_span(output: io.StringIO) -> None:
    context = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with trace.use_span(NonRecordingSpan(context)):
        logging.getLogger("x").warning("inside")
    (line,) = lines(output)
    assert line["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert line["span_id"] == "b7ad6b7169203331"


def test_secret_extra_keys_are_redacted(output: io.StringIO) -> None:
    logging.getLogger("x").info(
        "token refreshed",
        extra={
            "access_token": "at-123",
            "client_secret": "cs-456",
            "download_token": "dt-789",
            "headers": {"Authorization": "Bearer abc", "Accept": "json"},
            "account_id": "acc-1",
        },
    )
    raw = output.getvalue()
    for secret in ("at-123", "cs-456", "dt-789", "Bearer abc"):
        assert secret not in raw
    (line,) = lines(output)
    assert line["access_token"] == REDACTED
    assert line["headers"] == {"Authorization": REDACTED, "Accept": "json"}
    assert line["account_id"] == "acc-1"


def test_signed_urls_never_appear_whole(output: io.StringIO) -> None:
    s3 = (
        "https://bucket.s3.amazonaws.com/videos/b1/x.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAEXAMPLE%2F20250101&X-Amz-Date=20250101T000000Z"
        "&X-Amz-Signature=0123abcd&X-Amz-Security-Token=FQoG"
    )
    cloudfront = (
        "https://cdn.example.com/v.mp4?Expires=1&Signature=abc~def&Policy=eyJ9&Key-Pair-Id=K2"
    )
    zoom = f"https://zoom.us/rec/download/xyz?access_token={JWT}&download_token=dl-secret"
    log = logging.getLogger("x")
    log.info("uploading to %s", s3)
    log.info("serving %s", cloudfront, extra={"url": cloudfront})
    log.info("downloading %s", zoom)
    raw = output.getvalue()
    for secret in ("AKIAEXAMPLE", "0123abcd", "FQoG", "abc~def", "eyJ9", "K2", JWT, "dl-secret"):
        assert secret not in raw
    assert "X-Amz-Date=20250101T000000Z" in raw  # harmless parameters stay readable
    assert "videos/b1/x.mp4" in raw


def test_secrets_in_messages_and_tracebacks_are_redacted(output: io.StringIO) -> None:
    log = logging.getLogger("x")
    log.info("calling with Authorization: Bearer tok.en-123 and %s", JWT)
    log.info("db at postgresql://svc:pa55word@db:5432/x, password=hunter2")
    try:
        raise RuntimeError('zoom said {"access_token": "leaky"}')
    except RuntimeError:
        log.exception("failed")
    raw = output.getvalue()
    for secret in ("tok.en-123", JWT, "pa55word", "hunter2", "leaky"):
        assert secret not in raw
    assert "db:5432" in raw


def test_redact_helpers_leave_ordinary_text_alone() -> None:
    assert redact_text("meeting 123 ended after 45 minutes") == "meeting 123 ended after 45 minutes"
    assert redact({"meeting_id": 5, "api_key": "k"}) == {"meeting_id": 5, "api_key": REDACTED}
    assert redact(["a", {"secret": 1}]) == ["a", {"secret": REDACTED}]


def test_a_key_after_a_long_base64_run_is_still_redacted():
    # The key pattern is bounded so long runs cost linear time (they once took seconds at DEBUG).
    blob = "QUJD" * 2000
    assert redact_text(f"{blob} access_token=abc123") == f"{blob} access_token=[REDACTED]"
    assert redact_text(blob) == blob
