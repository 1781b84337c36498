"""A session series: the classes one recurrence rule makes, and the Zoom meeting(s) they use.

The series keeps the rule it was made from (RFC 5545, see :mod:`scheduler.domain.recurrence`)
and how its classes meet at Zoom: ``recurring`` — one recurring meeting, each session linked
to its occurrence (``ZoomMeeting.occurrence_id``) — or ``separate`` — the rule says what Zoom's
recurrence cannot, so every session gets a meeting of its own, queued within the host's daily
limit as a bulk request's are. Each occurrence is an ordinary ``Session``
with the series' id: moved, cancelled, attended and recorded on its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo


class SeriesMeetings(enum.StrEnum):
    RECURRING = "recurring"  # one Zoom recurring meeting, a session per occurrence
    SEPARATE = "separate"  # a Zoom meeting per session


class SeriesStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass
class SessionSeries:
    """One series request: its rule, its sessions (in order) and its meeting at Zoom."""

    id: str
    batch_id: str
    course_id: str
    title: str
    rule: str
    first_start: datetime  # the rule's first start, an instant (its wall-clock time: local_start)
    timezone: str
    duration_minutes: int
    meetings: SeriesMeetings
    exceptions: list[str] = field(default_factory=list)  # ISO dates / local datetimes
    session_ids: list[str] = field(default_factory=list)
    status: SeriesStatus = SeriesStatus.ACTIVE
    meeting_id: int = 0  # the recurring meeting, once Zoom made it
    created_by: str = ""
    request_id: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    cancel_time: datetime | None = None

    @property
    def local_start(self) -> datetime:
        """The first start as wall-clock time in the series' time zone (naive): what the rule
        is expanded from, so every occurrence keeps that time of day."""
        return self.first_start.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)

    def meeting_request_id(self) -> str:
        """The idempotency key of the series' recurring meeting at Zoom: a retry never makes a
        second one."""
        return f"series:{self.id}"


__all__ = ["SeriesMeetings", "SeriesStatus", "SessionSeries"]
