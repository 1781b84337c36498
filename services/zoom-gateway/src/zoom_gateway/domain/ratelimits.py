"""Zoom's rate limits as numbers we can compute with.

Zoom limits each *account* per category (Light, Medium, Heavy, Resource-intensive) per second,
and each *host* to 100 meeting creates+updates per UTC day. We keep token buckets per tenant and
category (the state lives in the database so every replica draws from the same bucket) and a
per-host daily ledger; these functions are the arithmetic, free of I/O.
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


class Category(enum.StrEnum):
    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"
    RESOURCE_INTENSIVE = "resource_intensive"


class Plan(enum.StrEnum):
    FREE = "free"
    PRO = "pro"
    BUSINESS = "business"


# Requests per second (Resource-intensive is per minute at Zoom: expressed per second here).
PLAN_RATES: dict[Plan, dict[Category, float]] = {
    Plan.FREE: {
        Category.LIGHT: 4,
        Category.MEDIUM: 2,
        Category.HEAVY: 1,
        Category.RESOURCE_INTENSIVE: 10 / 60,
    },
    Plan.PRO: {
        Category.LIGHT: 30,
        Category.MEDIUM: 20,
        Category.HEAVY: 10,
        Category.RESOURCE_INTENSIVE: 10 / 60,
    },
    Plan.BUSINESS: {
        Category.LIGHT: 80,
        Category.MEDIUM: 60,
        Category.HEAVY: 40,
        Category.RESOURCE_INTENSIVE: 20 / 60,
    },
}

HOST_DAILY_MEETING_WRITES = 100


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """A token bucket: ``rate`` tokens per second, at most ``capacity`` saved up."""

    rate: float
    capacity: float

    @classmethod
    def for_rate(cls, rate: float, *, burst_seconds: float = 1.0) -> BucketSpec:
        """A bucket refilling at ``rate``/s that can save up ``burst_seconds`` worth (≥ 1)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        return cls(rate=rate, capacity=max(1.0, rate * burst_seconds))


def refill(tokens: float, elapsed: float, spec: BucketSpec) -> float:
    """Tokens after ``elapsed`` seconds (clock going backwards adds nothing)."""
    return min(spec.capacity, tokens + max(0.0, elapsed) * spec.rate)


def wait_for_token(tokens: float, spec: BucketSpec) -> float:
    """Seconds until one whole token is available, given ``tokens`` now."""
    missing = 1.0 - tokens
    return 0.0 if missing <= 0 else missing / spec.rate


def next_utc_midnight(now: datetime) -> datetime:
    """When Zoom resets the per-host daily counter (00:00 UTC after ``now``)."""
    utc = now.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC) + timedelta(days=1)


def utc_day(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%d")


def parse_retry_after(value: str | None, *, now: datetime) -> datetime | None:
    """``Retry-After`` as an instant: Zoom sends seconds, an ISO-8601 time or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return now + timedelta(seconds=max(0.0, seconds)) if math.isfinite(seconds) else None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def backoff_delay(attempt: int, *, base: float = 0.2, cap: float = 5.0) -> float:
    """Exponential backoff with full jitter for retry ``attempt`` (1 = first retry)."""
    return random.uniform(0, min(cap, base * (2 ** (attempt - 1))))


# Which budget each Zoom endpoint draws from (docs/zoom-api.md §7). Method + path template.
ENDPOINT_CATEGORIES: dict[tuple[str, str], Category] = {
    ("GET", "/users/{user}"): Category.LIGHT,
    ("GET", "/users/{user}/meetings"): Category.MEDIUM,
    ("GET", "/meetings/{meeting}"): Category.LIGHT,
    ("PATCH", "/meetings/{meeting}"): Category.LIGHT,
    ("DELETE", "/meetings/{meeting}"): Category.LIGHT,
    ("GET", "/meetings/{meeting}/recordings"): Category.LIGHT,
    ("DELETE", "/meetings/{meeting}/recordings"): Category.LIGHT,
    ("DELETE", "/meetings/{meeting}/recordings/{file}"): Category.LIGHT,
    ("GET", "/users/{user}/recordings"): Category.MEDIUM,
    ("GET", "/past_meetings/{meeting}/participants"): Category.MEDIUM,
    ("POST", "/meetings/{meeting}/registrants"): Category.LIGHT,
    ("POST", "/meetings/{meeting}/batch_registrants"): Category.MEDIUM,
    ("GET", "/meetings/{meeting}/registrants"): Category.MEDIUM,
    ("DELETE", "/meetings/{meeting}/registrants/{registrant}"): Category.LIGHT,
}


def is_daily_limit_message(message: str) -> bool:
    return "daily" in message.lower()


def is_host_daily_limit_message(message: str) -> bool:
    """Zoom's per-host 100 creates/updates message (it names 'this particular user')."""
    lowered = message.lower()
    return "particular user" in lowered or "meeting create/update" in lowered


def is_registrant_daily_limit_message(message: str) -> bool:
    """Zoom's 3 adds of one registrant to one meeting per UTC day ("… daily rate limit of (3)
    for Add meeting registrant API requests for the registrant (…)" [seen]). One person's
    limit, not the account's: it must not park the category for everyone."""
    lowered = message.lower()
    return "for the registrant" in lowered or "add meeting registrant" in lowered
