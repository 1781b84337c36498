"""Attendance arithmetic: join/leave intervals to minutes and a percentage of the session.

A person who drops and rejoins has several intervals, and Zoom may report overlapping ones
(two devices, a rejoin announced before the leave). Overlaps count once; an interval still open
is counted up to ``until`` (the meeting's end, or now while it runs).

Two sources describe the same stays: the participant webhooks, live, and Zoom's participants
report, read once the meeting ended (:func:`counted`). The report is the complete record of the
meeting, so once it is in, a webhook stay it covers adds nothing, and a webhook stay it lacks
(a webhook Zoom's report does not reflect yet) still counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Span = tuple[datetime | None, datetime | None]

#: How far apart a webhook's join and the report's join of the same stay may be. Both are Zoom's
#: times of one join, but they come from different systems and are rounded differently.
SAME_JOIN = timedelta(minutes=1)


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


def counted(webhook: Iterable[Span], reported: Iterable[Span]) -> list[Span]:
    """The stays that count for one person: every stay of Zoom's report, and each webhook stay
    whose join falls inside none of them (within :data:`SAME_JOIN`).

    Without report stays it is the webhook stays as they are. A webhook stay covered by the
    report is left out rather than merged: when its leave webhook was lost, the stay was closed
    at the meeting's end, and the report's own leave is the true one.
    """
    report = [(start, end) for start, end in reported if start is not None]
    kept: list[Span] = list(report)
    for start, end in webhook:
        if start is None or not any(_covers(r, start) for r in report):
            kept.append((start, end))
    return kept


def _covers(stay: Span, join: datetime) -> bool:
    start, end = stay
    assert start is not None
    return start - SAME_JOIN <= join and (end is None or join <= end)


def stays(intervals: Iterable[Span], *, until: datetime) -> int:
    """Separate stretches of presence: a gap between two intervals makes a rejoin, an overlap
    (a second device, a rejoin announced before the leave) does not."""
    return len(merged(intervals, until=until))


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
