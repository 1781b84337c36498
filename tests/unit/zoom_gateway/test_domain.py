"""The pure rules: passcodes, UUID encoding, meeting defaults, windows, limits, breaker, errors."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from classbridge_common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
    UpstreamError,
)
from classbridge_common.paging import Cursor, decode_cursor, encode_cursor
from zoom_gateway.domain.breaker import CircuitBreaker
from zoom_gateway.domain.meetings import (
    MeetingDraft,
    MeetingValidationError,
    build_create_body,
    strip_marker,
)
from zoom_gateway.domain.paging import WindowCursor, host_allowed, month_windows
from zoom_gateway.domain.passwords import generate_password, is_valid_password
from zoom_gateway.domain.ratelimits import (
    BucketSpec,
    next_utc_midnight,
    parse_retry_after,
    refill,
    wait_for_token,
)
from zoom_gateway.domain.scopes import allows, is_granular
from zoom_gateway.domain.uuids import encode_meeting_ref
from zoom_gateway.domain.zoom_errors import ZoomApiError, to_classbridge_error


def test_passwords_follow_zoom_rules_and_differ() -> None:
    values = {generate_password() for _ in range(200)}
    assert len(values) == 200
    assert all(is_valid_password(v) and len(v) == 10 for v in values)
    assert not is_valid_password("way-too-long-1")
    assert not is_valid_password("bad pass")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (85746065432, "85746065432"),
        ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
        ("JK25FQzSStiZZBhwtBg/Uw==", "JK25FQzSStiZZBhwtBg%2FUw%3D%3D"),
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),
        ("ab//cd==", "ab%252F%252Fcd%253D%253D"),
    ],
)
def test_uuid_double_encoding_rule(ref: str | int, expected: str) -> None:
    assert encode_meeting_ref(ref) == expected


def test_create_body_carries_the_seed_defaults() -> None:
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    body = build_create_body(
        MeetingDraft(
            course_title="Math", session_title="Fractions", start_time=start, duration_minutes=10
        ),
        marker="classbridge-ref:abc",
    )
    assert body["topic"] == "Math - Fractions"
    assert body["duration"] == 30
    assert body["type"] == 2
    assert body["start_time"] == "2026-01-05T10:00:00Z"
    assert is_valid_password(body["password"])
    assert body["settings"] == {
        "host_video": True,
        "participant_video": False,
        "join_before_host": True,
        "mute_upon_entry": True,
        "waiting_room": False,
        "meeting_authentication": False,
        "auto_recording": "cloud",
    }
    assert strip_marker(body["agenda"]) == ""


def test_create_body_validation() -> None:
    with pytest.raises(MeetingValidationError):
        build_create_body(MeetingDraft(topic="x"))  # scheduled without a start
    with pytest.raises(MeetingValidationError):
        build_create_body(
            MeetingDraft(topic="x", start_time=datetime.now(UTC), password="no spaces!")
        )
    with pytest.raises(MeetingValidationError):
        build_create_body(MeetingDraft(start_time=datetime.now(UTC)))  # no topic at all


def test_month_windows_cover_the_range_without_overlap() -> None:
    windows = month_windows(date(2024, 1, 31), date(2024, 5, 2))
    assert windows[0] == (date(2024, 1, 31), date(2024, 2, 28))
    assert windows[-1][1] == date(2024, 5, 2)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start == end + timedelta(days=1)
    cursor = WindowCursor(date(2024, 1, 1), date(2024, 3, 1), 1, "tok")
    token = encode_cursor(cursor.to_cursor(), {"host": "me"})
    found = decode_cursor(token, {"host": "me"}, shape=WindowCursor.SHAPE)
    assert found is not None
    assert WindowCursor.from_cursor(found) == cursor
    with pytest.raises(InvalidArgument):
        decode_cursor("garbage!", {"host": "me"}, shape=WindowCursor.SHAPE)
    with pytest.raises(InvalidArgument):
        decode_cursor(token, {"host": "someone else"}, shape=WindowCursor.SHAPE)
    for nonsense in (
        Cursor(key=("2024-03-01", "2024-01-01", 0)),  # ends before it starts
        Cursor(key=("2024-01-01", "2024-03-01", -1)),
        Cursor(key=("yesterday", "2024-03-01", 0)),
    ):
        with pytest.raises(ValueError, match=r"(?i)invalid"):
            WindowCursor.from_cursor(nonsense)


def test_host_patterns() -> None:
    assert host_allowed("us06web.zoom.us", ["*.zoom.us"])
    assert host_allowed("zoom.us", ["zoom.us"])
    assert not host_allowed("zoom.us.evil.com", ["*.zoom.us", "zoom.us"])


def test_retry_after_in_seconds_iso_or_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("2", now=now) == now + timedelta(seconds=2)
    assert parse_retry_after("2026-01-02T00:00:00Z", now=now) == datetime(2026, 1, 2, tzinfo=UTC)
    assert parse_retry_after("Fri, 02 Jan 2026 00:00:00 GMT", now=now) == datetime(
        2026, 1, 2, tzinfo=UTC
    )
    assert parse_retry_after("soon", now=now) is None
    assert next_utc_midnight(now) == datetime(2026, 1, 2, tzinfo=UTC)


def test_bucket_arithmetic() -> None:
    spec = BucketSpec.for_rate(10)
    assert refill(0, 0.5, spec) == 5
    assert refill(9, 5, spec) == 10
    assert refill(3, -1, spec) == 3
    assert wait_for_token(0.5, spec) == pytest.approx(0.05)
    assert BucketSpec.for_rate(10 / 60).capacity == 1.0


def test_breaker_opens_probes_and_closes() -> None:
    clock = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=lambda: clock[0])
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock[0] = 10
    assert breaker.allow()
    assert not breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock[0] = 20
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, 3001, NotFound),
        (404, 1001, NotFound),
        (400, 300, InvalidArgument),
        (401, 124, Unauthenticated),
        (429, 429, ResourceExhausted),
        (503, None, UpstreamError),
        (0, None, UpstreamError),
        (400, 3002, FailedPrecondition),
        (400, 3003, FailedPrecondition),
        (400, 3007, FailedPrecondition),
    ],
)
def test_zoom_errors_map_to_our_tree(status: int, code: int | None, expected: type) -> None:
    err = to_classbridge_error(
        ZoomApiError(
            status=status,
            code=code,
            message="m",
            tracking_id="trk",
            field_errors=(("topic", "bad"),),
        )
    )
    assert isinstance(err, expected)
    assert "trk" in err.details.values()
    if expected is InvalidArgument:
        assert err.violations[0].field == "topic"  # type: ignore[attr-defined]


def test_classic_and_granular_scopes() -> None:
    assert is_granular("meeting:write:meeting:admin")
    assert not is_granular("meeting:write:admin")
    assert allows(["meeting:write:admin"], "create_meeting")
    assert allows(["meeting:write:meeting"], "create_meeting")
    assert not allows(["meeting:read"], "create_meeting")
