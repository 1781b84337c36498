"""The sync's repositories and unit of work: the one way the pipeline reads and writes jobs.

:class:`SyncJobRepository` loads a :class:`~recording_sync.domain.sync_job.SyncJob` with its
files and saves it back. A save is a conditional update on the job's ``version``: when another
writer changed the job since it was loaded (a takeover, a late file, a manual sync), the save
raises :class:`StaleJob` and the caller retries on fresh state, so no change is ever lost. On
PostgreSQL writers also lock the row (``FOR UPDATE``), so the race is rare there.

Every statement runs through :class:`~classbridge_common.tenancy.Scoped`, narrowed to the unit
of work's tenant scope; a tenant-spanning scope (the sweep) reads every tenant's jobs and
enters a job's tenant before it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Protocol, Self

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.db.engine import is_postgres
from classbridge_common.tenancy import Scoped, TenantScope
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.repository import rowcount
from recording_sync.adapters.tables import access_grants as ag
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.domain.occurrences import near, occurrence_of
from recording_sync.domain.sync_job import FileState, JobState, RecordingFile, SyncJob, Trigger

_FILE_FIELDS = tuple(f.name for f in fields(RecordingFile))
_JOB_FIELDS = tuple(
    f.name for f in fields(SyncJob) if f.name not in ("files", "version", "trigger")
)
# Columns derived from the files, kept on the job row for lists and statistics.
_DERIVED = ("file_count", "files_done", "bytes_total", "bytes_done")


class StaleJob(Exception):
    """The job changed since it was loaded; load it again and re-apply the change."""


@dataclass(frozen=True)
class Placement:
    """Where the scheduler filed a meeting: its session, batch and folder."""

    session_id: str
    batch_id: str
    batch_type: str
    student_id: str
    course_id: str
    folder: str
    host_zoom_user_id: str = ""


def _file_of(row: Any) -> RecordingFile:
    values = {name: getattr(row, name) for name in _FILE_FIELDS if name != "state"}
    return RecordingFile(state=FileState(row.state), **values)


def _job_of(row: Any, files: list[RecordingFile]) -> SyncJob:
    values = {name: getattr(row, name) for name in _JOB_FIELDS if name != "state"}
    return SyncJob(
        state=JobState(row.state),
        trigger=Trigger(row.trigger),
        version=row.version,
        files=files,
        **values,
    )


def _file_values(f: RecordingFile) -> dict[str, Any]:
    values = {name: getattr(f, name) for name in _FILE_FIELDS}
    values["state"] = str(f.state)
    return values


def _job_values(job: SyncJob) -> dict[str, Any]:
    values = {name: getattr(job, name) for name in _JOB_FIELDS}
    values["state"] = str(job.state)
    values["trigger"] = str(job.trigger)
    for name in _DERIVED:
        values[name] = getattr(job, name)
    return values


class SyncJobRepository:
    """Jobs with their files, in one tenant scope."""

    def __init__(self, rows: Scoped) -> None:
        self._rows = rows
        self._seen: dict[str, dict[str, dict[str, Any]]] = {}  # job id -> file id -> values
        self._seen_jobs: dict[str, dict[str, Any]] = {}  # job id -> its row as loaded

    @property
    def scope(self) -> TenantScope:
        return self._rows.scope

    async def _one(self, condition: Any, *, lock: bool = False) -> SyncJob | None:
        query = select(sj).where(condition)
        if lock and is_postgres(self._rows.session):
            query = query.with_for_update()
        row = await self._rows.load(query)
        if row is None:
            return None
        file_rows = await self._rows.all(
            select(rf).where(rf.c.job_id == row.id).order_by(rf.c.created_at, rf.c.id)
        )
        files = [_file_of(r) for r in file_rows]
        self._seen[row.id] = {f.id: _file_values(f) for f in files}
        job = _job_of(row, files)
        self._seen_jobs[job.id] = _job_values(job)
        return job

    async def get(self, job_id: str, *, lock: bool = False) -> SyncJob | None:
        """The job (and the scope entered into its tenant); None when unknown in scope."""
        return await self._one(sj.c.id == job_id, lock=lock)

    async def by_key(self, job_key: str, *, lock: bool = False) -> SyncJob | None:
        """The job of a meeting instance (its uuid, or ``meeting:{id}`` before it is known)."""
        return await self._one(sj.c.job_key == job_key, lock=lock)

    async def add(self, job: SyncJob) -> None:
        self.scope.enter(job.tenant_id)
        await self._rows.execute(
            insert(sj).values(
                id=job.id,
                job_key=job.job_key,
                version=job.version,
                **{k: v for k, v in _job_values(job).items() if k not in ("id", "job_key")},
            )
        )
        self._seen_jobs[job.id] = _job_values(job)
        await self._save_files(job)

    def changed(self, job: SyncJob) -> bool:
        """Whether ``job`` differs from what was loaded (or added)."""
        if self._seen_jobs.get(job.id) != _job_values(job):
            return True
        seen = self._seen.get(job.id, {})
        return any(seen.get(f.id) != _file_values(f) for f in job.files)

    async def save(self, job: SyncJob) -> None:
        """Write the job back if nobody changed it since it was loaded (else :class:`StaleJob`).
        A job that did not change is not written at all (its version stays)."""
        if not self.changed(job):
            return
        values = _job_values(job)
        result = await self._rows.execute(
            update(sj)
            .where(sj.c.id == job.id, sj.c.version == job.version)
            .values(version=job.version + 1, **values)
        )
        if not rowcount(result):
            raise StaleJob(job.id)
        job.version += 1
        self._seen_jobs[job.id] = values
        await self._save_files(job)

    async def _save_files(self, job: SyncJob) -> None:
        seen = self._seen.setdefault(job.id, {})
        for f in job.files:
            values = _file_values(f)
            before = seen.get(f.id)
            if before is None:
                await self._rows.execute(
                    insert(rf).values(job_id=job.id, recording_id=job.recording_id, **values)
                )
            elif before != values:
                changed = {k: v for k, v in values.items() if before.get(k) != v}
                await self._rows.execute(update(rf).where(rf.c.id == f.id).values(**changed))
            seen[f.id] = values

    async def tenant_of_key(self, job_key: str) -> str | None:
        """The tenant of the job with this key, in any tenant: a key is unique across tenants,
        so a tenant must be told NOT_FOUND rather than file a second job (never to read it)."""
        everyone = Scoped(self._rows.session, TenantScope(None))
        row = await everyone.first(select(sj.c.tenant_id).where(sj.c.job_key == job_key))
        return None if row is None else str(row.tenant_id)

    async def latest_of_meeting(
        self, meeting_id: int, *, session_id: str | None = None
    ) -> SyncJob | None:
        """The most recent instance's job of a meeting number (of one of its occurrences when
        ``session_id`` is given: the job filed on that session)."""
        conditions = [sj.c.meeting_id == meeting_id]
        if session_id is not None:
            conditions.append(sj.c.session_id == session_id)
        row = await self._rows.first(
            select(sj.c.id).where(*conditions).order_by(sj.c.created_at.desc())
        )
        return None if row is None else await self.get(row.id)

    async def where(self, *conditions: Any, with_files: bool = True) -> list[SyncJob]:
        """Jobs matching ``conditions`` with their files, most recently updated first."""
        rows = await self._rows.all(
            select(sj).where(*conditions).order_by(sj.c.updated_at.desc(), sj.c.id)
        )
        return await self._with_files(rows, with_files)

    async def page(self, conditions: list[Any], *, offset: int, limit: int) -> list[SyncJob]:
        """One page of the jobs matching ``conditions`` (without files), newest update first."""
        rows = await self._rows.all(
            select(sj)
            .where(*conditions)
            .order_by(sj.c.updated_at.desc(), sj.c.id)
            .offset(offset)
            .limit(limit)
        )
        return await self._with_files(rows, False)

    async def _with_files(self, rows: list[Any], with_files: bool) -> list[SyncJob]:
        if not rows:
            return []
        files: dict[str, list[RecordingFile]] = {r.id: [] for r in rows}
        if with_files:
            for r in await self._rows.all(
                select(rf).where(rf.c.job_id.in_(list(files))).order_by(rf.c.created_at, rf.c.id)
            ):
                files[r.job_id].append(_file_of(r))
        return [_job_of(r, files[r.id]) for r in rows]

    async def due(self, now: datetime, *, limit: int) -> list[str]:
        """Ids of jobs a worker should run now: queued and due, or held by a lease that ran
        out (its worker died), oldest first."""
        query = (
            select(sj.c.id)
            .where(
                or_(
                    and_(
                        sj.c.state.in_((JobState.PENDING, JobState.WAITING)),
                        sj.c.next_attempt_at <= now,
                    ),
                    and_(
                        sj.c.state == JobState.DOWNLOADING,
                        or_(sj.c.lease_until.is_(None), sj.c.lease_until <= now),
                    ),
                )
            )
            .order_by(sj.c.next_attempt_at)
            .limit(limit)
        )
        return [row.id for row in await self._rows.all(query)]


@dataclass(frozen=True)
class DueOccurrence:
    """A linked occurrence whose scheduled end + delay passed with no job: the sweep's to plan."""

    meeting_id: int
    session_id: str
    tenant_id: str
    due: datetime


class ProjectionRepository:
    """This service's copy of the scheduler's meeting links (read-only here): one row per
    (meeting, session), several when the meeting is recurring (a session per occurrence)."""

    def __init__(self, rows: Scoped) -> None:
        self._rows = rows

    async def _links(self, meeting_id: int) -> list[Any]:
        """Every link of the meeting in scope, whatever its status (a cancelled occurrence
        still claims its own recordings, so they never land on a sibling)."""
        return await self._rows.all(
            select(mp)
            .where(mp.c.meeting_id == meeting_id)
            .order_by(mp.c.start_time, mp.c.session_id)
        )

    async def placement(
        self,
        meeting_id: int,
        *,
        meeting_uuid: str = "",
        start_time: datetime | None = None,
        session_id: str = "",
    ) -> Placement | None:
        """Where a recording of the meeting goes (None: no linked session claims it).

        ``session_id`` names the occurrence when the caller knows it (the sweep, a sync by
        session); else the recording's instance ``meeting_uuid`` and ``start_time`` choose among
        the meeting's sessions (:func:`~recording_sync.domain.occurrences.occurrence_of`)."""
        links = await self._links(meeting_id)
        row = next((link for link in links if session_id and link.session_id == session_id), None)
        if row is None:
            row = occurrence_of(links, meeting_uuid=meeting_uuid, start_time=start_time)
        if row is None or row.status != "linked":
            return None
        return Placement(
            session_id=row.session_id,
            batch_id=row.batch_id,
            batch_type=row.batch_type,
            student_id=row.student_id,
            course_id=row.course_id,
            folder=row.folder,
            host_zoom_user_id=row.host_zoom_user_id,
        )

    async def claims(
        self, meeting_id: int, session_id: str, *, meeting_uuid: str, start_time: datetime | None
    ) -> bool:
        """Whether the instance (``meeting_uuid``, ``start_time``) may be filed on occurrence
        ``session_id``: always for a meeting of one session, else only when it is that
        occurrence's (a job by meeting number must not take a sibling's recording)."""
        links = await self._links(meeting_id)
        if len(links) <= 1:
            return True
        row = occurrence_of(links, meeting_uuid=meeting_uuid, start_time=start_time)
        return row is not None and row.session_id == session_id

    async def series(self, meeting_ids: Iterable[int]) -> set[int]:
        """Which of these meetings have several sessions (the occurrences of a series)."""
        wanted = sorted(set(meeting_ids))
        if not wanted:
            return set()
        rows = await self._rows.all(
            select(mp.c.meeting_id)
            .where(mp.c.meeting_id.in_(wanted))
            .group_by(mp.c.meeting_id)
            .having(func.count() > 1)
        )
        return {r.meeting_id for r in rows}

    async def ended_without_job(
        self, now: datetime, *, lookback: timedelta, delay: timedelta
    ) -> list[DueOccurrence]:
        """Linked occurrences whose scheduled end + ``delay`` has passed (started within
        ``lookback``) and that have no job yet.

        A meeting of one session has a job once any job of the meeting exists (as before
        occurrences); an occurrence of a series once a job is filed on its session, or an
        unplaced job of the meeting started near its start."""
        rows = await self._rows.all(
            select(
                mp.c.meeting_id,
                mp.c.session_id,
                mp.c.start_time,
                mp.c.duration_minutes,
                mp.c.tenant_id,
                mp.c.meeting_uuid,
            ).where(
                mp.c.status == "linked",
                mp.c.start_time.is_not(None),
                mp.c.start_time >= now - lookback,
                mp.c.start_time <= now,
            )
        )
        ended = [
            row
            for row in rows
            if row.start_time + timedelta(minutes=row.duration_minutes) + delay <= now
        ]
        if not ended:
            return []
        meeting_ids = {row.meeting_id for row in ended}
        series = await self.series(meeting_ids)
        jobs: dict[int, list[Any]] = {}
        for job in await self._rows.all(
            select(sj.c.meeting_id, sj.c.session_id, sj.c.meeting_start).where(
                sj.c.meeting_id.in_(sorted(meeting_ids))
            )
        ):
            jobs.setdefault(job.meeting_id, []).append(job)
        found = []
        for row in ended:
            of_meeting = jobs.get(row.meeting_id, [])
            if row.meeting_id in series:
                has_job = any(
                    job.session_id == row.session_id
                    or (
                        not job.session_id
                        and job.meeting_start is not None
                        and near(row, job.meeting_start)
                    )
                    for job in of_meeting
                )
            else:
                has_job = bool(of_meeting)
            if not has_job:
                due = row.start_time + timedelta(minutes=row.duration_minutes) + delay
                found.append(DueOccurrence(row.meeting_id, row.session_id, row.tenant_id, due))
        return found

    async def hosts(self, since: datetime) -> list[tuple[str, str]]:
        """(tenant, Zoom host) pairs of meetings linked since ``since``: whose cloud
        recordings the reconciliation lists."""
        rows = await self._rows.all(
            select(mp.c.tenant_id, mp.c.host_zoom_user_id)
            .where(
                mp.c.status == "linked",
                mp.c.host_zoom_user_id != "",
                or_(mp.c.start_time.is_(None), mp.c.start_time >= since),
            )
            .distinct()
        )
        return sorted((r.tenant_id, r.host_zoom_user_id) for r in rows)

    async def linked_meeting_ids(self, meeting_ids: Iterable[int]) -> set[int]:
        """Which of these meetings some session still links (any of its occurrences)."""
        wanted = sorted(set(meeting_ids))
        if not wanted:
            return set()
        rows = await self._rows.all(
            select(mp.c.meeting_id)
            .where(mp.c.meeting_id.in_(wanted), mp.c.status == "linked")
            .distinct()
        )
        return {r.meeting_id for r in rows}


class RecordingRepository:
    """The recording row of a synced job (what lists and playback show), and its removal."""

    def __init__(self, rows: Scoped) -> None:
        self._rows = rows

    async def record(self, job: SyncJob, *, now: datetime) -> None:
        """Create or refresh the recording of a synced job from its stored files."""
        stored = job.stored
        values = {
            "source": "zoom_auto_sync",
            "session_id": job.session_id,
            "batch_id": job.batch_id,
            "batch_type": job.batch_type,
            "student_id": job.student_id,
            "course_id": job.course_id,
            "meeting_id": job.meeting_id,
            "meeting_uuid": job.meeting_uuid,
            "topic": job.topic,
            "start_time": job.meeting_start,
            "duration_seconds": job.duration_minutes * 60,
            "total_size_bytes": sum(f.size_bytes for f in stored),
            "file_count": len(stored),
            "sync_time": now,
        }
        exists = await self._rows.first(select(rec.c.id).where(rec.c.job_id == job.id))
        if exists is None:
            await self._rows.execute(
                insert(rec).values(id=job.recording_id, job_id=job.id, created_at=now, **values)
            )
        else:
            await self._rows.execute(update(rec).where(rec.c.id == exists.id).values(**values))

    async def refresh_totals(self, job: SyncJob) -> None:
        stored = job.stored
        await self._rows.execute(
            update(rec)
            .where(rec.c.job_id == job.id)
            .values(total_size_bytes=sum(f.size_bytes for f in stored), file_count=len(stored))
        )

    async def remove_of_job(self, job: SyncJob) -> None:
        """The recording and its grants go (its files are all deleted)."""
        await self._rows.execute(delete(rec).where(rec.c.job_id == job.id))
        await self._rows.execute(delete(ag).where(ag.c.recording_id == job.recording_id))

    async def deleted_objects(self, *, limit: int) -> list[tuple[str, str]]:
        """(file id, key) of deleted files whose object may still exist (to purge)."""
        rows = await self._rows.all(
            select(rf.c.id, rf.c.storage_key)
            .where(rf.c.state == FileState.DELETED, rf.c.storage_key != "")
            .limit(limit)
        )
        return [(r.id, r.storage_key) for r in rows]

    async def purged(self, file_id: str) -> None:
        await self._rows.execute(update(rf).where(rf.c.id == file_id).values(storage_key=""))


class Repositories(Protocol):
    """The sync's repositories on one transaction: a unit of work's, or a bundle on a session
    another owner's transaction holds (the inbox's)."""

    @property
    def jobs(self) -> SyncJobRepository: ...

    @property
    def projections(self) -> ProjectionRepository: ...

    @property
    def recordings(self) -> RecordingRepository: ...


class SyncUnitOfWork(UnitOfWork):
    """One transaction around a sync use case, with the sync's repositories on its session,
    narrowed to ``scope`` (set per use with :meth:`within`)."""

    jobs: SyncJobRepository
    projections: ProjectionRepository
    recordings: RecordingRepository
    rows: Scoped

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] | None = None,
        scope: TenantScope | None = None,
    ) -> None:
        super().__init__(session_factory=session_factory, on_commit=on_commit)
        self.scope = scope or TenantScope(None)

    def within(self, scope: TenantScope) -> Self:
        """Use ``scope`` (a request's, a job's tenant) for the next ``async with``."""
        self.scope = scope
        return self

    def attach(self, session: AsyncSession) -> None:
        self.rows = Scoped(session, self.scope)
        self.jobs = SyncJobRepository(self.rows)
        self.projections = ProjectionRepository(self.rows)
        self.recordings = RecordingRepository(self.rows)


@dataclass(frozen=True)
class Repos:
    """The repositories on a session someone else's transaction owns (the inbox's)."""

    jobs: SyncJobRepository
    projections: ProjectionRepository
    recordings: RecordingRepository


def repositories(session: AsyncSession, scope: TenantScope) -> Repos:
    """The sync's repositories on ``session``, narrowed to ``scope``."""
    rows = Scoped(session, scope)
    return Repos(SyncJobRepository(rows), ProjectionRepository(rows), RecordingRepository(rows))
