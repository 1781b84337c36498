"""Session series: an RFC 5545 recurrence rule, its occurrences, and Zoom's form of it.

A series is written the way calendars write it (``FREQ=WEEKLY;BYDAY=MO,WE;COUNT=24``) with a
first start in the class's own time zone, and every occurrence keeps that wall-clock time
across daylight-saving changes (10:00 in Berlin stays 10:00 after the clocks move), as Zoom
does for a recurring meeting. The rule is expanded here with ``dateutil`` (never by hand) and
bounded: it must end (``COUNT`` or ``UNTIL``) within :data:`MAX_OCCURRENCES`.

Zoom's own recurrence (``docs/zoom-api.md`` §3) says far less than RFC 5545: daily every 1-90
days, weekly every 1-12 weeks on given weekdays, monthly every 1-3 months on a day of the month
or on the n-th weekday, at most 60 occurrences, no exceptions. :func:`zoom_form` gives Zoom's
form when the rule fits it (one recurring meeting, each occurrence a session; exceptions are
deleted from it afterwards) and None when it does not (each occurrence then gets a meeting of
its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from classbridge_common.errors import FieldViolation, InvalidArgument

#: The most sessions one series may make (a year of daily classes fits; a runaway rule does not).
MAX_OCCURRENCES = 400
#: Zoom's most occurrences of one recurring meeting (``end_times``).
ZOOM_MAX_OCCURRENCES = 60

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Zoom numbers weekdays from Sunday = 1.
_ZOOM_DAY = {"SU": 1, "MO": 2, "TU": 3, "WE": 4, "TH": 5, "FR": 6, "SA": 7}
_ZOOM_MAX_INTERVAL = {"DAILY": 90, "WEEKLY": 12, "MONTHLY": 3}
_KNOWN_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"}
_FIELD = "series.recurrence"


@dataclass(frozen=True)
class ZoomRecurrence:
    """A recurring meeting's ``recurrence`` object, in Zoom's terms (type 1 daily, 2 weekly,
    3 monthly; weekdays 1 = Sunday .. 7 = Saturday)."""

    type: int
    repeat_interval: int
    end_times: int
    weekly_days: tuple[int, ...] = ()
    monthly_day: int = 0
    monthly_week: int = 0
    monthly_week_day: int = 0


@dataclass(frozen=True)
class Occurrences:
    """A rule expanded: every start (UTC) the rule gives, and those left after the exceptions."""

    all_starts: tuple[datetime, ...]
    starts: tuple[datetime, ...]
    zoom: ZoomRecurrence | None


def occurrence_id(start: datetime) -> str:
    """Zoom's id of the occurrence starting at ``start``: its start in epoch milliseconds."""
    return str(int(start.timestamp() * 1000))


def _bad(reason: str, field: str = _FIELD) -> InvalidArgument:
    return InvalidArgument(f"{field}: {reason}", violations=[FieldViolation(field, reason)])


def parts_of(rule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=MO`` (an ``RRULE:`` prefix allowed) as its upper-cased parts."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts: dict[str, str] = {}
    for piece in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, value = piece.partition("=")
        if not sep or not value:
            raise _bad(f"{piece!r} is not NAME=VALUE")
        name = name.upper()
        if name in parts:
            raise _bad(f"{name} is given twice")
        parts[name] = value.upper()
    return parts


def _check(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise _bad("FREQ must be DAILY, WEEKLY or MONTHLY")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise _bad("the series must end: give COUNT or UNTIL")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _bad("give COUNT or UNTIL, not both")
    unknown = sorted(set(parts) - _KNOWN_PARTS)
    if unknown:
        raise _bad(
            f"{', '.join(unknown)} not supported (use FREQ, INTERVAL, COUNT, UNTIL, BYDAY, "
            "BYMONTHDAY)"
        )


def expand(
    rule: str,
    *,
    first_start: datetime,
    timezone: str,
    exceptions: Iterable[date | datetime] = (),
) -> Occurrences:
    """The occurrences of ``rule`` from ``first_start`` (naive: wall-clock time in
    ``timezone``), less ``exceptions`` (a date removes that day's occurrence, a datetime the
    occurrence starting then). INVALID_ARGUMENT for a rule that is malformed, unbounded, too
    long, or whose first occurrence is not ``first_start``."""
    if first_start.tzinfo is not None:
        raise _bad("the first start is a local time, without an offset", "series.start_time")
    parts = parts_of(rule)
    _check(parts)
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    if "UNTIL" in parts and parts["UNTIL"].endswith("Z"):
        # dateutil refuses a UTC UNTIL with a naive start: compare in local wall-clock time.
        until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        local_until = until.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
        text = text.replace(f"UNTIL={parts['UNTIL']}", f"UNTIL={local_until:%Y%m%dT%H%M%S}")
    try:
        recurrence = rrulestr(text, dtstart=first_start)
    except (ValueError, TypeError) as error:
        raise _bad(f"not a valid recurrence rule ({error})") from None
    local: list[datetime] = []
    for when in recurrence:
        local.append(when)
        if len(local) > MAX_OCCURRENCES:
            raise _bad(f"gives more than {MAX_OCCURRENCES} occurrences")
    if not local:
        raise _bad("gives no occurrence")
    if local[0] != first_start:
        raise _bad(
            f"its first occurrence would be {local[0]:%Y-%m-%d %H:%M}, not the series' start: "
            "start the series on a day the rule gives"
        )
    zone = ZoneInfo(timezone)
    dropped_days = {e for e in exceptions if not isinstance(e, datetime)}
    dropped_times = {e.replace(tzinfo=None) for e in exceptions if isinstance(e, datetime)}
    kept = [w for w in local if w.date() not in dropped_days and w not in dropped_times]
    if not kept:
        raise _bad("every occurrence is an exception", "series.exceptions")
    as_utc = tuple(w.replace(tzinfo=zone).astimezone(UTC) for w in local)
    return Occurrences(
        all_starts=as_utc,
        starts=tuple(w.replace(tzinfo=zone).astimezone(UTC) for w in kept),
        zoom=zoom_form(parts, first_start=first_start, count=len(local)),
    )


def zoom_form(parts: dict[str, str], *, first_start: datetime, count: int) -> ZoomRecurrence | None:
    """Zoom's recurrence giving exactly the rule's ``count`` occurrences, or None when Zoom
    cannot say it (then each occurrence is a meeting of its own)."""
    freq = parts["FREQ"]
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        raise _bad("INTERVAL must be a whole number") from None
    if interval < 1:
        raise _bad("INTERVAL must be at least 1")
    if count > ZOOM_MAX_OCCURRENCES or interval > _ZOOM_MAX_INTERVAL[freq]:
        return None
    if parts.get("WKST", "MO") != "MO" and interval > 1:
        return None  # Zoom's weeks are fixed; another week start moves "every other week"
    byday = [d for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "DAILY":
        if byday or "BYMONTHDAY" in parts:
            return None
        return ZoomRecurrence(type=1, repeat_interval=interval, end_times=count)
    if freq == "WEEKLY":
        if "BYMONTHDAY" in parts or any(d not in _WEEKDAYS for d in byday):
            return None
        days = byday or [_WEEKDAYS[first_start.weekday()]]
        return ZoomRecurrence(
            type=2,
            repeat_interval=interval,
            end_times=count,
            weekly_days=tuple(sorted(_ZOOM_DAY[d] for d in days)),
        )
    # MONTHLY: one day of the month (up to the 28th, which every month has), or one n-th weekday.
    if "BYMONTHDAY" in parts:
        if byday or "," in parts["BYMONTHDAY"]:
            return None
        day = int(parts["BYMONTHDAY"]) if parts["BYMONTHDAY"].lstrip("-").isdigit() else 0
        if not 1 <= day <= 28:
            return None
        return ZoomRecurrence(type=3, repeat_interval=interval, end_times=count, monthly_day=day)
    if byday:
        if len(byday) != 1 or byday[0][-2:] not in _WEEKDAYS:
            return None
        nth = byday[0][:-2].lstrip("+")
        if nth not in ("1", "2", "3", "4", "-1"):
            return None
        return ZoomRecurrence(
            type=3,
            repeat_interval=interval,
            end_times=count,
            monthly_week=int(nth),
            monthly_week_day=_ZOOM_DAY[byday[0][-2:]],
        )
    if first_start.day > 28:
        return None
    return ZoomRecurrence(
        type=3, repeat_interval=interval, end_times=count, monthly_day=first_start.day
    )


def ends(starts: Iterable[datetime], length: timedelta) -> list[tuple[datetime, datetime]]:
    """Each start with its end."""
    return [(s, s + length) for s in starts]


__all__ = [
    "MAX_OCCURRENCES",
    "ZOOM_MAX_OCCURRENCES",
    "Occurrences",
    "ZoomRecurrence",
    "ends",
    "expand",
    "occurrence_id",
    "parts_of",
    "zoom_form",
]
