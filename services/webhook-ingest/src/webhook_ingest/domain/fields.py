"""Liberal readers for Zoom's JSON.

Zoom's webhook payloads are loosely typed: `object.id` is a string in meeting events and a
number in recording events, times come as ISO-8601 strings, epoch seconds or epoch
milliseconds, and any field may be missing, null or of a surprising type. Every reader here
takes whatever Zoom sent and returns a value of one fixed type, falling back to a neutral
default instead of raising, so that normalisation never crashes on a signed event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# Epoch values below this are seconds, above it milliseconds: 1e11 s is the year 5138,
# 1e11 ms is 1973 — no Zoom timestamp falls in between.
_MS_THRESHOLD = 100_000_000_000


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects in `value` if it is a list (other elements are skipped), else []."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def text(value: Any) -> str:
    """A string for `value`: numbers become their decimal form (integral floats without `.0`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    return ""


def integer(value: Any, *, default: int = 0) -> int:
    """An int for `value`: accepts ints, integral floats and decimal strings (`"85746065432"`)."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 2**63 else default
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("-").isdigit() and len(stripped) <= 20:
            number = int(stripped)
            return number if -(2**63) <= number < 2**63 else default
    return default


def boolean(value: Any) -> bool:
    """A bool for `value`: true, "true", 1 and "1" are true; anything else is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return False


def epoch_ms(value: Any) -> int:
    """Milliseconds since the epoch for a time given in seconds, milliseconds or ISO-8601.

    0 means "unknown" (missing or unparseable); consumers treat it as absent.
    """
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        return _iso_ms(value.strip())
    number = integer(value)
    if number <= 0:
        if isinstance(value, float) and value > 0:
            return int(value * 1000)
        return 0
    return number if number >= _MS_THRESHOLD else number * 1000


def _iso_ms(value: str) -> int:
    candidate = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return 0
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return int(parsed.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return 0
