"""recording-sync's database gauges: open and stuck sync jobs, and the storage its files hold.

Read by :mod:`classbridge_common.gauges` before each scrape. *Stuck* is what no retry policy
will fix by itself: a job ``downloading`` whose worker stopped heartbeating (it crashed and
nobody took the job over), or a job due (``pending``/``waiting_for_recording`` with its next
attempt in the past) that no worker has started — both for longer than ``stuck_after``. Storage
used is the sum of the stored files' sizes: the seed's "storage usage", true across restarts
(unlike a counter of bytes written since the process started). No tenant, meeting or person is
ever an attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.gauges import GaugeSource, Readings
from recording_sync.adapters.tables import recording_files, sync_jobs
from recording_sync.domain.states import OPEN_STATES, FileState, JobState

__all__ = ["sync_jobs_source"]


def sync_jobs_source(
    service: str,
    sessions: async_sessionmaker[AsyncSession],
    *,
    stuck_after: timedelta,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> GaugeSource:
    """The gauge source of recording-sync's jobs and stored bytes (three cheap aggregates)."""

    async def read() -> Readings:
        cutoff = now() - stuck_after
        jobs = sync_jobs.c
        by_state = (
            select(jobs.state, func.count())
            .where(jobs.state.in_([str(s) for s in OPEN_STATES]))
            .group_by(jobs.state)
        )
        last_sign_of_life = func.coalesce(jobs.heartbeat_at, jobs.started_at, jobs.updated_at)
        no_heartbeat = select(func.count()).where(
            and_(jobs.state == str(JobState.DOWNLOADING), last_sign_of_life < cutoff)
        )
        overdue = select(func.count()).where(
            and_(
                or_(jobs.state == str(JobState.PENDING), jobs.state == str(JobState.WAITING)),
                jobs.next_attempt_at < cutoff,
            )
        )
        stored = select(func.coalesce(func.sum(recording_files.c.size_bytes), 0)).where(
            recording_files.c.state == str(FileState.STORED)
        )
        async with sessions() as session:
            states = {str(s): 0 for s in OPEN_STATES}
            for state, count in (await session.execute(by_state)).all():
                states[str(state)] = int(count)
            stuck_running = int((await session.execute(no_heartbeat)).scalar_one())
            stuck_due = int((await session.execute(overdue)).scalar_one())
            stored_bytes = int((await session.execute(stored)).scalar_one())
        return {
            "app.recording.sync_jobs.open": [
                (float(count), {"app.state": state}) for state, count in states.items()
            ],
            "app.recording.sync_jobs.stuck": [
                (float(stuck_running), {"app.reason": "no_heartbeat"}),
                (float(stuck_due), {"app.reason": "overdue"}),
            ],
            "app.storage.used": [(float(stored_bytes), {})],
        }

    return GaugeSource(service=service, name="sync_jobs", read=read)
