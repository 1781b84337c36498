"""Bulk scheduling: many sessions stored in one request, their meetings made later.

A term's timetable is thousands of sessions, far more than the 100 meeting creates Zoom allows a
host per UTC day (``docs/zoom-api.md`` §3.5). So a bulk request stores every session at once with
its meeting *pending*: each session gets a stored ``CREATE_MEETING`` job
(``scheduler.domain.jobs``) due on the UTC day the host's budget allows, and the bulk job keeps
which sessions the request made, in its order. Its progress is read from those sessions and jobs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: The most items one bulk request may carry.
MAX_ITEMS = 5000


@dataclass
class BulkJob:
    """One bulk scheduling request: its key, a fingerprint of its body, and its sessions."""

    id: str
    request_id: str
    fingerprint: str
    created_by: str = ""
    session_ids: list[str] = field(default_factory=list)
    create_time: datetime | None = None


def next_utc_midnight(now: datetime) -> datetime:
    """00:00 UTC after ``now``: when Zoom gives a host a new day's budget."""
    utc = now.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC) + timedelta(days=1)


def plan_days(start: datetime, *, ahead: int, count: int, budget: int) -> list[datetime]:
    """When each of ``count`` meetings may be created, ``ahead`` others being queued before
    them and ``budget`` creates allowed a day: the first ``budget`` (less those ahead) at
    ``start``, the next ``budget`` at the following 00:00 UTC, and so on."""
    if budget < 1:
        raise ValueError("budget must be at least 1")
    midnight = next_utc_midnight(start)
    times: list[datetime] = []
    for k in range(count):
        day = (ahead + k) // budget
        times.append(start if day == 0 else midnight + timedelta(days=day - 1))
    return times


def spread_over_hosts(
    start: datetime,
    *,
    queued: Mapping[str, int],
    hosts_of: Sequence[Sequence[str]],
    budget: int,
) -> list[tuple[str, datetime]]:
    """The host and time of each of several meetings, ``hosts_of`` naming each one's possible
    hosts in order of preference and ``queued`` how many meetings each host already has
    waiting: each meeting goes to the possible host whose queue reaches it on the earliest UTC
    day (the first named of equals), so a day's meetings fill the preferred host's budget, then
    the next host's, before any of them waits for tomorrow."""
    if budget < 1:
        raise ValueError("budget must be at least 1")
    counts = dict(queued)
    midnight = next_utc_midnight(start)
    planned: list[tuple[str, datetime]] = []
    for hosts in hosts_of:
        if not hosts:
            raise ValueError("every meeting needs at least one possible host")
        host = min(hosts, key=lambda h: counts.get(h, 0) // budget)
        day = counts.get(host, 0) // budget
        counts[host] = counts.get(host, 0) + 1
        planned.append((host, start if day == 0 else midnight + timedelta(days=day - 1)))
    return planned


__all__ = ["MAX_ITEMS", "BulkJob", "next_utc_midnight", "plan_days", "spread_over_hosts"]
