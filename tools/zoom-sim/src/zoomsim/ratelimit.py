"""Zoom's rate limits (reference section 8): per-account token buckets per category, daily caps,
and the per-host 100 meeting creates+updates per UTC day, with Zoom's exact 429 bodies/headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from zoomsim.config import SimConfig
from zoomsim.routing import ZoomError

LIGHT, MEDIUM, HEAVY, RESOURCE = "Light", "Medium", "Heavy", "Resource-intensive"

# plan -> category -> (requests, per seconds, daily cap or None)
PLANS: dict[str, dict[str, tuple[float, float, int | None]]] = {
    "free": {
        LIGHT: (4, 1, 6000),
        MEDIUM: (2, 1, 2000),
        HEAVY: (1, 1, 1000),
        RESOURCE: (10, 60, 30000),
    },
    "pro": {
        LIGHT: (30, 1, None),
        MEDIUM: (20, 1, None),
        HEAVY: (10, 1, None),
        RESOURCE: (10, 60, None),
    },
    "business": {
        LIGHT: (80, 1, None),
        MEDIUM: (60, 1, None),
        HEAVY: (40, 1, None),
        RESOURCE: (20, 60, None),
    },
}
# Heavy and Resource-intensive share one daily cap on paid plans.
COMBINED_DAILY = {"pro": 30000, "business": 60000}

DEFAULT_LABELS: dict[str, str] = {
    "users.get": LIGHT,
    "meetings.create": MEDIUM,
    "meetings.get": LIGHT,
    "meetings.update": LIGHT,
    "meetings.delete": LIGHT,
    "meetings.list": MEDIUM,
    "meetings.status": LIGHT,
    "past_meetings.get": LIGHT,
    "past_meetings.instances": MEDIUM,
    "past_meetings.participants": MEDIUM,
    "recordings.get": LIGHT,
    "recordings.delete": LIGHT,
    "recordings.delete_file": LIGHT,
    "recordings.recover": LIGHT,
    "recordings.recover_file": LIGHT,
    "users.recordings": MEDIUM,
    "report.participants": HEAVY,
    "report.meeting": HEAVY,
    # registrants (the labels of Zoom's reference)
    "registrants.add": LIGHT,
    "registrants.batch": HEAVY,
    "registrants.list": MEDIUM,
    "registrants.get": LIGHT,
    "registrants.delete": LIGHT,
    "registrants.status": MEDIUM,
}
REGISTRANT_DAILY_LIMIT = 3  # adds of one registrant per UTC day [seen]

QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the "
    "response header for details on when you can make another request."
)


def host_limit_message(limit: int) -> str:
    return (
        f"You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API "
        "requests permitted for this particular user. You may resume these requests at "
        "GMT 00:00:00."
    )


def registrant_limit_message(email: str) -> str:
    return (
        f"You have exceeded the daily rate limit of ({REGISTRANT_DAILY_LIMIT}) for Add meeting "
        f"registrant API requests for the registrant ({email}). You can resume these API "
        "requests at GMT 00:00:00."
    )


def _plan_key(plan: str) -> str:
    p = plan.lower()
    if p in ("free", "basic"):
        return "free"
    return "pro" if p == "pro" else "business"


def next_midnight(now: float) -> str:
    day = datetime.fromtimestamp(now, UTC).date() + timedelta(days=1)
    return f"{day.isoformat()}T00:00:00Z"


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Counts requests; `check` raises the 429 `ZoomError` Zoom would send, or returns headers."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.labels = dict(DEFAULT_LABELS)
        self.labels["meetings.create"] = config.create_meeting_label
        self.labels.update(config.rate_labels)
        self.buckets: dict[tuple[str, str], _Bucket] = {}
        self.daily: dict[tuple[str, str, str], int] = {}
        self.host_daily: dict[tuple[str, str], int] = {}
        self.registrant_daily: dict[tuple[int, str, str], int] = {}

    def category(self, endpoint: str) -> str:
        return self.labels.get(endpoint, LIGHT)

    def check(self, account_id: str, plan: str, endpoint: str, now: float) -> dict[str, str]:
        cat = self.category(endpoint)
        headers = {"x-ratelimit-category": cat}
        if not self.config.rate_limits:
            return headers
        pk = _plan_key(plan)
        rate, per, daily_cap = PLANS[pk][cat]
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        # daily first: a spent day answers Daily-limit even when the second is free
        dkey = cat if daily_cap is not None else "heavy+ri"
        cap = daily_cap
        if cap is None and cat in (HEAVY, RESOURCE):
            cap = COMBINED_DAILY[pk]
        used = self.daily.get((account_id, dkey, day), 0)
        if cap is not None and used >= cap:
            raise ZoomError(
                429,
                429,
                DAILY_MESSAGE,
                headers={
                    "X-RateLimit-Category": cat,
                    "X-RateLimit-Type": "Daily-limit",
                    "X-RateLimit-Limit": str(cap),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": next_midnight(now),
                },
            )
        b = self.buckets.get((account_id, cat))
        if b is None:
            b = self.buckets[(account_id, cat)] = _Bucket(rate, now)
        b.tokens = min(rate, b.tokens + (now - b.stamp) * rate / per)
        b.stamp = now
        if b.tokens < 1:
            raise ZoomError(
                429,
                429,
                QPS_MESSAGE,
                headers={
                    "X-RateLimit-Category": cat,
                    "X-RateLimit-Type": "QPS",
                    "X-RateLimit-Limit": str(int(rate)),
                    "X-RateLimit-Remaining": "0",
                },
            )
        b.tokens -= 1
        if cap is not None:
            self.daily[(account_id, dkey, day)] = used + 1
        if self.config.ratelimit_headers_on_success == "full":
            headers["x-ratelimit-limit"] = str(cap if cap is not None else int(rate))
            remaining = (cap - used - 1) if cap is not None else int(b.tokens)
            headers["x-ratelimit-remaining"] = str(remaining)
        return headers

    def count_host_write(self, host_id: str, now: float) -> None:
        """Meeting creates+updates per host per UTC day; the 101st gets Zoom's 429, with the
        headers seen on Zoom (Light, limit 6000, no Retry-After: reference section 8). Without
        the `host_limit_headers` fidelity switch the endpoint's own category header replaces
        Light (Medium on a create, beside Light's 6000), as the simulator always answered."""
        if not self.config.rate_limits:
            return
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        used = self.host_daily.get((host_id, day), 0)
        limit = self.config.host_daily_limit
        if used >= limit:
            raise ZoomError(
                429,
                429,
                host_limit_message(limit),
                headers={
                    "X-RateLimit-Category": LIGHT,
                    "X-RateLimit-Type": "Daily-limit",
                    "X-RateLimit-Limit": "6000",
                    "X-RateLimit-Remaining": "0",
                },
            )
        self.host_daily[(host_id, day)] = used + 1

    def count_registrant_add(self, meeting_id: int, email: str, now: float) -> None:
        """Zoom answers a fourth add of the same registrant in a UTC day with 429, whether or
        not it made anyone new (a client re-registering everyone on each sync meets it)."""
        if not self.config.rate_limits:
            return
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        key = (meeting_id, email.strip().lower(), day)
        used = self.registrant_daily.get(key, 0)
        if used >= REGISTRANT_DAILY_LIMIT:
            raise ZoomError(429, 429, registrant_limit_message(email))
        self.registrant_daily[key] = used + 1

    def reset(self) -> None:
        self.buckets.clear()
        self.daily.clear()
        self.host_daily.clear()
        self.registrant_daily.clear()
