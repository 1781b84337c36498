"""How long a class may last, checked where a request names both its ends.

The scheduler reads a local end time not after the start time as "ends the next day", so the
seed's ``start_time: 12:00, end_time: 11:30`` became a class of 23.5 hours without a word. The
edge refuses such bodies before asking anyone: a class ends after it starts, on the same day
for the seed's date-and-times body (a class past midnight is given as two instants), and lasts
at most ``MAX_CLASS_MINUTES`` (a setting, 12 hours unless changed). Each refusal is a violation
on the end field, so the 400 names it. A change of only one end (a ``PATCH`` of
``scheduled_end``) is left to the scheduler, which knows the other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from starlette.requests import Request

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation


def longest(request: Request) -> timedelta:
    """The longest class this edge accepts (``MAX_CLASS_MINUTES``)."""
    return request.app.state.max_class_length  # type: ignore[no-any-return]


def describe(length: timedelta) -> str:
    """``12 hours``, ``90 minutes``, ``23 h 30 min``: a length as a person reads it."""
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    if not hours:
        return f"{rest} minutes"
    return f"{hours} h {rest} min"


def _check(length: timedelta, names: tuple[str, str], limit: timedelta) -> list[FieldViolation]:
    start_name, end_name = names
    if length <= timedelta(0):
        return [FieldViolation(end_name, f"must be after {start_name}")]
    if length > limit:
        return [
            FieldViolation(
                end_name,
                f"makes a class of {describe(length)}; a class lasts at most {describe(limit)}",
            )
        ]
    return []


def check_times_of_day(
    start: Any, end: Any, *, names: tuple[str, str], limit: timedelta
) -> list[FieldViolation]:
    """Two wall-clock times of one day (``google.type.TimeOfDay``; None when absent)."""
    if start is None or end is None:
        return []

    def seconds(t: Any) -> int:
        return int(t.hours) * 3600 + int(t.minutes) * 60 + int(t.seconds)

    return _check(timedelta(seconds=seconds(end) - seconds(start)), names, limit)


def check_instants(
    start: Timestamp | None,
    end: Timestamp | None,
    *,
    names: tuple[str, str],
    limit: timedelta,
) -> list[FieldViolation]:
    """Two instants (None when absent)."""
    if start is None or end is None:
        return []
    return _check(end.ToDatetime() - start.ToDatetime(), names, limit)


def check_moved_ends(
    session: scheduler_pb2.Session, *, names: tuple[str, str], limit: timedelta
) -> list[FieldViolation]:
    """A change that sets both ends of a session; one end alone is the scheduler's to judge."""
    if session.HasField("scheduled_start") and session.HasField("scheduled_end"):
        return check_instants(
            session.scheduled_start, session.scheduled_end, names=names, limit=limit
        )
    return []
