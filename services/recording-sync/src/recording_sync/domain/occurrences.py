"""Which session a recording of a meeting belongs to, when one Zoom meeting has several.

A recurring meeting (Zoom type 8) has one meeting id for all its occurrences, and the scheduler
makes each occurrence a session of its own; Zoom gives each played occurrence (instance) its own
uuid and start time. So the meeting's projection holds one link per session, and a recording is
filed on the occurrence it is the recording of:

* a meeting with one link: that link, whatever the recording says (one meeting, one session);
* else the one link whose recorded instance uuid is the recording's;
* else the link whose start is nearest the recording's start, within :func:`window` of it;
* else none: a recording is never guessed onto a session (it stays unplaced, as a recording
  of a meeting nobody claims does).

Jobs the sweep makes before Zoom named the instance are keyed by meeting number and occurrence
(:func:`placeholder_keys`), so each occurrence gets its own and none is synced twice.

No I/O here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

MIN_WINDOW = timedelta(hours=2)
"""How far a recording may start from its occurrence's scheduled start, at least (the lesson
started late or early); a longer occurrence allows its duration."""


class Link(Protocol):
    """What the choice needs of a projection row (a session's link of the meeting)."""

    @property
    def session_id(self) -> str: ...

    @property
    def meeting_uuid(self) -> str: ...

    @property
    def start_time(self) -> datetime | None: ...

    @property
    def duration_minutes(self) -> int: ...


L = TypeVar("L", bound=Link)


def window(duration_minutes: int) -> timedelta:
    """How far from an occurrence's scheduled start its recording may start."""
    return max(MIN_WINDOW, timedelta(minutes=duration_minutes))


def near(link: Link, start_time: datetime) -> bool:
    """Whether an instance started at ``start_time`` can be this occurrence."""
    return link.start_time is not None and abs(link.start_time - start_time) <= window(
        link.duration_minutes
    )


def occurrence_of(
    links: Sequence[L], *, meeting_uuid: str, start_time: datetime | None
) -> L | None:
    """The link (of one meeting) a recording of instance ``meeting_uuid`` started at
    ``start_time`` belongs to, by the rules above; None when no link can be told apart."""
    if len(links) <= 1:
        return links[0] if links else None
    candidates = list(links)
    if meeting_uuid:
        same = [link for link in links if link.meeting_uuid == meeting_uuid]
        if len(same) == 1:
            return same[0]
        # Several links with the uuid: the scheduler gave every occurrence the meeting's uuid
        # of creation, which tells them apart no better than the meeting id; the time decides.
        candidates = same or candidates
    if start_time is None:
        return None
    scored = sorted(
        (abs(link.start_time - start_time), n)
        for n, link in enumerate(candidates)
        if link.start_time is not None and near(link, start_time)
    )
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None  # nothing near, or two occurrences equally near: not guessed
    return candidates[scored[0][1]]


def placeholder_keys(meeting_id: int, session_id: str = "") -> list[str]:
    """The keys a job of an occurrence may have before Zoom named its instance, the one to
    create first: ``meeting:{id}@{session}`` for a known occurrence, then ``meeting:{id}`` (an
    unplaced meeting's, and every job made before occurrences were told apart)."""
    legacy = f"meeting:{meeting_id}"
    return [f"{legacy}@{session_id}", legacy] if session_id else [legacy]
