"""Attendance arithmetic: join/leave intervals to minutes and a percentage of the session.

A person who drops and rejoins has several intervals, and Zoom may report overlapping ones
(two devices, a rejoin announced before the leave). Overlaps count once; an interval still open
is counted up to ``until`` (the meeting's end, or now while it runs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def merged(
    intervals: Iterable[tuple[datetime | None, datetime | None]], *, until: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of ``intervals`` as sorted, disjoint ``(start, end)`` pairs.

    Intervals without a join time (a ``left`` whose ``joined`` has not arrived) are ignored;
    open ones end at ``until``; empty or inverted ones are dropped.
    """
    spans = sorted(
        (start, end if end is not None else until) for start, end in intervals if start is not None
    )
    result: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def attended(
    intervals: Iterable[tuple[datetime | None, datetime | None]], *, until: datetime
) -> timedelta:
    """Total time covered by ``intervals`` (overlaps once)."""
    return sum((end - start for start, end in merged(intervals, until=until)), timedelta())


def whole_minutes(length: timedelta) -> int:
    """Whole minutes in ``length`` (rounded down: 59 seconds is not a minute attended)."""
    return int(length.total_seconds() // 60)


def percentage(length: timedelta, session_length: timedelta) -> float:
    """``length`` as a percentage (0-100, two decimals) of ``session_length``.

    Capped at 100: someone who joined before the start and stayed after the end attended all
    of it. A session of no length gives 0.
    """
    total = session_length.total_seconds()
    if total <= 0:
        return 0.0
    return round(min(100.0, length.total_seconds() / total * 100), 2)
