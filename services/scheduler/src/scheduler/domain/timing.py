"""When a session takes place: local date + wall-clock times, or two instants, to instants.

Course platforms send "2024-01-15, 10:00-11:30" in a timezone; Zoom wants an instant and a
length of at least 30 minutes. Kept pure so the rules (end before start, next-day end, unknown
timezone, Zoom's minimum) are unit-tested without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.domain.errors import FieldViolation, InvalidArgument

ZOOM_MIN_DURATION_MINUTES = 30
MAX_SESSION_LENGTH = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class LocalTiming:
    """A calendar date and two wall-clock times, read in the session's timezone."""

    day: date
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class InstantTiming:
    """Two timezone-aware instants."""

    start: datetime
    end: datetime


Timing = LocalTiming | InstantTiming


def zone(name: str, *, field: str = "timezone") -> ZoneInfo:
    """The IANA zone ``name``; INVALID_ARGUMENT (naming ``field``) when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(
            f"unknown timezone {name!r}",
            violations=[FieldViolation(field, f"unknown IANA timezone {name!r}")],
        ) from None


def resolve(timing: Timing, timezone: str) -> tuple[datetime, datetime]:
    """Start and end instants of ``timing``; INVALID_ARGUMENT when they make no sense.

    A local end time not after the start time means the session ends the next day (a class
    from 23:00 to 00:30). Instants must have end after start.
    """
    if isinstance(timing, LocalTiming):
        tz = zone(timezone)
        start = datetime.combine(timing.day, timing.start, tzinfo=tz)
        end = datetime.combine(timing.day, timing.end, tzinfo=tz)
        if end <= start:
            end = datetime.combine(timing.day + timedelta(days=1), timing.end, tzinfo=tz)
        field = "local_time.end_time"
    else:
        start, end = timing.start, timing.end
        field = "time_range.end_time"
        if end <= start:
            raise InvalidArgument(
                "the session must end after it starts",
                violations=[FieldViolation(field, "must be after time_range.start_time")],
            )
    check_window(start, end, field=field)
    return start, end


def check_window(start: datetime, end: datetime, *, field: str = "scheduled_end") -> None:
    """INVALID_ARGUMENT unless ``start < end`` and the session is at most 24 hours long."""
    if end <= start:
        raise InvalidArgument(
            "the session must end after it starts",
            violations=[FieldViolation(field, "must be after the start")],
        )
    if end - start > MAX_SESSION_LENGTH:
        raise InvalidArgument(
            "a session lasts at most 24 hours",
            violations=[FieldViolation(field, "the session would last more than 24 hours")],
        )


def session_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes between ``start`` and ``end`` (rounded up: 89.5 minutes books 90)."""
    seconds = (end - start).total_seconds()
    return max(0, int(-(-seconds // 60)))


def zoom_duration(minutes: int) -> int:
    """The meeting length Zoom is asked for: never under its 30-minute minimum (seed 000)."""
    return max(ZOOM_MIN_DURATION_MINUTES, minutes)
