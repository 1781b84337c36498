"""Date windows and opaque page tokens for listings Zoom limits to one month per call."""

from __future__ import annotations

import base64
import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta


def add_month(day: date) -> date:
    """The same day next month (clamped to the month's last day)."""
    year, month = (day.year, day.month + 1) if day.month < 12 else (day.year + 1, 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_windows(start: date, end: date) -> list[tuple[date, date]]:
    """Split ``[start, end]`` (inclusive) into windows no longer than one calendar month."""
    if end < start:
        raise ValueError("`to` is before `from`")
    windows = []
    cursor = start
    while cursor <= end:
        last = min(end, add_month(cursor) - timedelta(days=1))
        windows.append((cursor, last))
        cursor = last + timedelta(days=1)
    return windows


@dataclass(frozen=True)
class WindowCursor:
    """Where a windowed listing stands: the window index and Zoom's token inside it."""

    start: date
    end: date
    window: int
    zoom_token: str

    def encode(self) -> str:
        raw = json.dumps(
            {
                "f": self.start.isoformat(),
                "t": self.end.isoformat(),
                "w": self.window,
                "z": self.zoom_token,
            },
            separators=(",", ":"),
        ).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> WindowCursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            return cls(
                start=date.fromisoformat(data["f"]),
                end=date.fromisoformat(data["t"]),
                window=int(data["w"]),
                zoom_token=str(data["z"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("invalid page token") from exc


def host_allowed(host: str, patterns: list[str]) -> bool:
    """``host`` matches one of ``patterns`` (exact, or ``*.example.com`` for any subdomain)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        p = pattern.lower()
        if p.startswith("*."):
            if host.endswith(p[1:]):
                return True
        elif host == p:
            return True
    return False
