"""Which session a local recording is of: by meeting id and time, else by host and time.

The watcher and the agent's ``MatchLocalRecording`` share this. The candidates are read from
recording-sync's projection of the scheduler's sessions (``meeting_projections``, read-only
here); one meeting id may in future carry several sessions (a recurring meeting's
occurrences), so a meeting id is matched *together with* the recording's start: the session
whose scheduled start is nearest, among those whose scheduled time plus a slack
(``WATCHER_MATCH_SLACK_MINUTES``) holds the recording's start. A folder without a meeting id is
matched the same way among the host's sessions. No candidate, or two equally near, is
:class:`~recording_sync.watcher.engine.Unmatched` with the reason — never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from recording_sync.adapters.repository import Scoped
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.watcher.engine import Match, Unmatched

LONGEST_SESSION = timedelta(hours=24)


@dataclass(frozen=True)
class Candidate:
    """A linked session as the projection knows it."""

    session_id: str
    meeting_id: int
    tenant_id: str
    batch_id: str
    title: str
    start: datetime | None
    duration_minutes: int
    teacher_id: str = ""
    host_zoom_user_id: str = ""

    def holds(self, moment: datetime, slack: timedelta) -> bool:
        """Whether ``moment`` lies within the session's scheduled time, give or take ``slack``."""
        if self.start is None:
            return False
        end = self.start + timedelta(minutes=max(self.duration_minutes, 0))
        return self.start - slack <= moment <= end + slack

    def match(self, matched_by: str) -> Match:
        return Match(
            session_id=self.session_id,
            meeting_id=self.meeting_id,
            tenant_id=self.tenant_id,
            batch_id=self.batch_id,
            session_title=self.title,
            matched_by=matched_by,
            session_start=self.start,
        )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _nearest(found: Sequence[Candidate], start: datetime, what: str) -> Candidate:
    ranked = sorted(found, key=lambda c: abs((c.start or start) - start))
    if len(ranked) > 1 and abs((ranked[0].start or start) - start) == abs(
        (ranked[1].start or start) - start
    ):
        raise Unmatched(
            f"{what}: sessions {ranked[0].session_id} and {ranked[1].session_id} are equally "
            f"near {_when(start)}; not guessing"
        )
    return ranked[0]


def choose(
    candidates: Iterable[Candidate],
    *,
    meeting_id: int | None,
    start: datetime | None,
    slack: timedelta,
    host: str = "",
) -> Match:
    """The session of a recording of ``meeting_id`` (or, without one, of ``host``) that
    started at ``start`` (see the module docstring)."""
    found = list(candidates)
    if meeting_id:
        if not found:
            raise Unmatched(f"no session is linked to meeting {meeting_id}")
        if start is None:
            if len(found) == 1:
                return found[0].match("meeting_id")
            raise Unmatched(
                f"meeting {meeting_id} has {len(found)} sessions and the folder gives no time"
            )
        near = [c for c in found if c.holds(start, slack)]
        if not near:
            raise Unmatched(f"no session of meeting {meeting_id} is scheduled near {_when(start)}")
        return _nearest(near, start, f"meeting {meeting_id}").match("meeting_id")
    if start is None:
        raise Unmatched("the folder name has neither a meeting id nor a date and time")
    if not host:
        raise Unmatched("the folder name has no meeting id, and no host is set to match it by time")
    near = [c for c in found if c.holds(start, slack)]
    if not near:
        raise Unmatched(f"the host has no session scheduled near {_when(start)}")
    return _nearest(near, start, "no meeting id").match("host_and_time")


def _candidate(row: object) -> Candidate:
    return Candidate(
        session_id=row.session_id,  # type: ignore[attr-defined]
        meeting_id=row.meeting_id,  # type: ignore[attr-defined]
        tenant_id=row.tenant_id,  # type: ignore[attr-defined]
        batch_id=row.batch_id,  # type: ignore[attr-defined]
        title=row.session_title,  # type: ignore[attr-defined]
        start=row.start_time,  # type: ignore[attr-defined]
        duration_minutes=row.duration_minutes,  # type: ignore[attr-defined]
        teacher_id=row.teacher_id,  # type: ignore[attr-defined]
        host_zoom_user_id=row.host_zoom_user_id,  # type: ignore[attr-defined]
    )


async def candidates(
    rows: Scoped,
    *,
    meeting_id: int | None,
    start: datetime | None,
    hosts: Sequence[str] = (),
    slack: timedelta,
) -> list[Candidate]:
    """The linked sessions, in ``rows``' tenant scope, a recording could be of: the meeting's
    (by id), else those of ``hosts`` (teacher ids or Zoom user ids) around ``start``."""
    query = select(mp).where(mp.c.status == "linked")
    if meeting_id:
        query = query.where(mp.c.meeting_id == meeting_id)
    else:
        wanted = [h for h in hosts if h]
        if not wanted or start is None:
            return []
        query = query.where(
            or_(mp.c.teacher_id.in_(wanted), mp.c.host_zoom_user_id.in_(wanted)),
            mp.c.start_time.is_not(None),
            mp.c.start_time >= start - slack - LONGEST_SESSION,
            mp.c.start_time <= start + slack,
        )
    return [_candidate(r) for r in await rows.all(query.order_by(mp.c.start_time))]


__all__ = ["Candidate", "candidates", "choose"]
