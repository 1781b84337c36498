"""A calendar feed (the scheduler's ``CalendarFeed``) as iCalendar text (RFC 5545).

One ``VEVENT`` per session: ``UID`` ``<session id>@classbridge`` (stable, so a calendar updates
the event it has), ``DTSTART``/``DTEND`` in the session's own time zone (``TZID``, with its
``VTIMEZONE``: a class at 10:00 Asia/Kolkata shows at 10:00 there), ``SUMMARY`` "<course> -
<session>", the join link in ``DESCRIPTION``, ``URL`` and ``LOCATION`` (never a host's start
URL), ``SEQUENCE`` from the scheduler (it grows when the session changes), ``STATUS``
``CONFIRMED`` or ``CANCELLED`` (cancelled classes stay in the feed, so calendars remove them),
``CREATED``, ``LAST-MODIFIED`` and ``DTSTAMP`` (the session's last change).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.scheduler.v1 import scheduler_pb2

PRODID = "-//Classbridge//Live classes//EN"
_TIMEZONES_UNTIL = timedelta(days=3 * 366)  # VTIMEZONE rules reach this far past the last class


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _instant(stamp: Timestamp, has: bool) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if has else None


def _event(item: scheduler_pb2.CalendarEvent) -> icalendar.Event:
    zone = _zone(item.timezone)
    event = icalendar.Event()
    event.add("uid", f"{item.session_id}@classbridge")
    event.add("dtstart", item.start_time.ToDatetime(tzinfo=UTC).astimezone(zone))
    event.add("dtend", item.end_time.ToDatetime(tzinfo=UTC).astimezone(zone))
    title = f"{item.course_title} - {item.title}" if item.course_title else item.title
    event.add("summary", title)
    cancelled = item.status == scheduler_pb2.SESSION_STATUS_CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", item.sequence)
    lines = [item.description] if item.description else []
    if item.join_url:
        lines.append(f"Join: {item.join_url}")
        event.add("url", item.join_url)
        event.add("location", item.join_url)
    if lines:
        event.add("description", "\n\n".join(lines))
    changed = _instant(item.update_time, item.HasField("update_time"))
    created = _instant(item.create_time, item.HasField("create_time"))
    if created is not None:
        event.add("created", created)
    stamp = changed or created or datetime.now(UTC)
    event.add("last-modified", stamp)
    event.add("dtstamp", stamp)
    return event


def render(feed: scheduler_pb2.CalendarFeed, *, name: str) -> bytes:
    """The feed as an iCalendar document (UTF-8, CRLF line ends)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    last = date(2038, 1, 1)
    first = date(1970, 1, 1)
    for item in feed.events:
        calendar.add_component(_event(item))
        end = item.end_time.ToDatetime(tzinfo=UTC).date() + _TIMEZONES_UNTIL
        last = max(last, end)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    rendered: bytes = calendar.to_ical()
    return rendered


__all__ = ["PRODID", "render"]
