"""Date windows of listings Zoom limits to one month per call, and where such a listing stands."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from classbridge_common.paging import Cursor


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
    """Where a windowed listing stands: the range, the window index and Zoom's token inside it.

    Encoded as a :class:`classbridge_common.paging.Cursor` (key ``(from, to, window)``, Zoom's
    token as the upstream token) by the one page-token codec.
    """

    start: date
    end: date
    window: int
    zoom_token: str

    SHAPE: ClassVar[tuple[type[str], type[str], type[int]]] = (str, str, int)

    def to_cursor(self) -> Cursor:
        return Cursor(
            key=(self.start.isoformat(), self.end.isoformat(), self.window),
            upstream=self.zoom_token,
        )

    @classmethod
    def from_cursor(cls, cursor: Cursor) -> WindowCursor:
        """The window position of a cursor decoded with :attr:`SHAPE`; ValueError if the
        dates or the window do not make sense."""
        start_text, end_text, window = cursor.key
        start, end = date.fromisoformat(str(start_text)), date.fromisoformat(str(end_text))
        if not isinstance(window, int) or window < 0 or end < start:
            raise ValueError("invalid window cursor")
        return cls(start=start, end=end, window=window, zoom_token=cursor.upstream)


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
