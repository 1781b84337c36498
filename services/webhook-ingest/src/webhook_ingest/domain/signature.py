"""Zoom's webhook signature, timestamp window and URL-validation answer (docs/zoom-api.md §4.1-2).

Zoom signs `v0:{x-zm-request-timestamp}:{raw body}` with HMAC-SHA256 keyed by the app's secret
token and sends `x-zm-signature: v0=<hex>`. Several secrets may be configured at once (rotation,
several Zoom apps); a request is genuine if any of them produced its signature. Comparisons are
constant-time so that response timing tells an attacker nothing about the expected value.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

_PREFIX = "v0="
# Epoch values above this are milliseconds (see fields._MS_THRESHOLD).
_MS_THRESHOLD = 100_000_000_000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `x-zm-signature` value Zoom would send for this timestamp header and body."""
    message = b"v0:" + timestamp.encode("utf-8") + b":" + body
    return _PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def matching_secret(
    secrets: Sequence[str], timestamp: str, body: bytes, signature: str
) -> str | None:
    """The configured secret that produced `signature`, or None.

    Every secret is tried (no early exit on the first mismatch) and each comparison is
    constant-time, so the answer time does not depend on where the signatures differ.
    """
    presented = signature.strip().lower().encode("utf-8", "replace")
    found: str | None = None
    for secret in secrets:
        expected = sign(secret, timestamp, body).encode("ascii")
        if hmac.compare_digest(expected, presented) and found is None:
            found = secret
    return found


def parse_timestamp(header: str) -> float | None:
    """The request time in epoch seconds from `x-zm-request-timestamp`, or None if malformed.

    Zoom sends seconds; a value in milliseconds is accepted too (liberal in what we accept —
    the signature still covers the header verbatim).
    """
    value = header.strip()
    if not value.isdigit() or len(value) > 16:
        return None
    number = int(value)
    return number / 1000 if number >= _MS_THRESHOLD else float(number)


def within_window(request_time: float, now: float, tolerance_seconds: float) -> bool:
    """True if the request time is at most `tolerance_seconds` away from now, either side.

    Old requests are replays; requests from the future are replays prepared in advance (or a
    badly wrong clock) — both are refused.
    """
    return abs(now - request_time) <= tolerance_seconds


def url_validation_answer(secret: str, plain_token: str) -> dict[str, str]:
    """The body Zoom expects back for `endpoint.url_validation`."""
    encrypted = hmac.new(
        secret.encode("utf-8"), plain_token.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}
