"""Recorded lessons, their access grants, playback and statistics (flow 6): handlers.

Each handler takes the caller and a unit of work and decides; only the unit of work commits.
The access rule itself lives in ``domain.access``; here it is fed with the recording, its grants
and — only when a live ``enrolled_students`` grant makes it matter — the scheduler's answer on
enrollment, so most checks cost no remote call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.auth import Caller
from classbridge_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unimplemented,
)
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.paging import page_request
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.adapters.tables import access_grants as ag
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.domain import access
from recording_sync.domain import model as m
from recording_sync.service_layer.jobs import require_staff
from recording_sync.service_layer.ports import Enrollments
from recording_sync.service_layer.sync import SyncPipeline

VIDEO_TYPES = ("mp4",)
AUDIO_TYPES = ("m4a",)


@dataclass(frozen=True)
class RecordingView:
    """A recording row, its files and what the caller may do with it."""

    row: Any
    files: list[Any]
    access: access.Access


@dataclass(frozen=True)
class RecordingPage:
    recordings: list[RecordingView]
    next_page_token: str
    total_size: int


async def _grants(uow: UnitOfWork, recording_ids: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {r: [] for r in recording_ids}
    if recording_ids:
        rows = (
            await uow.session.execute(select(ag).where(ag.c.recording_id.in_(recording_ids)))
        ).all()
        for row in rows:
            found[row.recording_id].append(row)
    return found


async def _files(uow: UnitOfWork, recording_ids: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {r: [] for r in recording_ids}
    if recording_ids:
        rows = (
            await uow.session.execute(
                select(rf)
                .where(rf.c.recording_id.in_(recording_ids))
                .order_by(rf.c.recording_start, rf.c.created_at, rf.c.id)
            )
        ).all()
        for row in rows:
            found[row.recording_id].append(row)
    return found


class _Enrolled:
    """Per-request memo of the scheduler's enrollment answers for one caller."""

    def __init__(self, enrollments: Enrollments, caller: Caller) -> None:
        self._enrollments = enrollments
        self._caller = caller
        self._known: dict[str, bool] = {}

    async def __call__(self, batch_id: str) -> bool:
        if batch_id not in self._known:
            self._known[batch_id] = await self._enrollments.is_enrolled(
                batch_id=batch_id, student_id=self._caller.subject
            )
        return self._known[batch_id]


async def _access(
    caller: Caller, row: Any, grants: list[Any], now: datetime, enrolled: _Enrolled
) -> access.Access:
    asks = (
        access.needs_enrollment(caller, grants, now)
        and row.batch_type != "individual"
        and bool(row.batch_id)
    )
    return access.decide(
        caller, row, grants, now, enrolled=await enrolled(row.batch_id) if asks else False
    )


async def list_recordings(
    *,
    caller: Caller,
    session_id: str,
    batch_id: str,
    student_id: str,
    meeting_uuid: str,
    source: str,
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
    enrollments: Enrollments,
    now: datetime,
) -> RecordingPage:
    """Recordings by session, batch, student or meeting; for non-staff only those they may
    open (filtered before paging, so pages and totals never reveal the others)."""
    staff = access.is_staff(caller)
    if student_id and not staff and student_id != caller.subject:
        raise Denied("students list only their own recordings")
    page = page_request(
        page_size, page_token, [session_id, batch_id, student_id, meeting_uuid, source]
    )
    conditions = []
    if session_id:
        conditions.append(rec.c.session_id == session_id)
    if batch_id:
        conditions.append(rec.c.batch_id == batch_id)
    if meeting_uuid:
        conditions.append(rec.c.meeting_uuid == meeting_uuid)
    if source:
        conditions.append(rec.c.source == source)
    if student_id:
        batches = await enrollments.batches_of(student_id=student_id)
        conditions.append(
            or_(
                rec.c.student_id == student_id,
                (rec.c.batch_type != "individual") & rec.c.batch_id.in_(sorted(batches)),
            )
        )
    query = select(rec).where(*conditions).order_by(rec.c.start_time.desc(), rec.c.id)
    enrolled = _Enrolled(enrollments, caller)
    async with uow:
        if staff:
            total = int(
                await uow.session.scalar(select(func.count()).select_from(rec).where(*conditions))
                or 0
            )
            rows = list(
                (await uow.session.execute(query.offset(page.offset).limit(page.limit))).all()
            )
            grants = await _grants(uow, [r.id for r in rows])
            visible = [
                (r, access.decide(caller, r, grants[r.id], now, enrolled=False)) for r in rows
            ]
        else:
            candidates = list((await uow.session.execute(query)).all())
            grants = await _grants(uow, [r.id for r in candidates])
            allowed = []
            for row in candidates:
                found = await _access(caller, row, grants[row.id], now, enrolled)
                if found.can_view:
                    allowed.append((row, found))
            total = len(allowed)
            visible = allowed[page.offset : page.offset + page.limit]
        files = await _files(uow, [r.id for r, _ in visible])
    return RecordingPage(
        recordings=[RecordingView(row=r, files=files[r.id], access=a) for r, a in visible],
        next_page_token=page.next_token(total),
        total_size=total,
    )


async def _load(
    uow: UnitOfWork, caller: Caller, recording_id: str, enrollments: Enrollments, now: datetime
) -> tuple[Any, list[Any], access.Access]:
    row = (await uow.session.execute(select(rec).where(rec.c.id == recording_id))).first()
    if row is None:
        raise NotFound(resource_type="recording", resource_id=recording_id)
    grants = (await _grants(uow, [row.id]))[row.id]
    found = await _access(caller, row, grants, now, _Enrolled(enrollments, caller))
    return row, grants, found


async def get_recording(
    *,
    caller: Caller,
    recording_id: str,
    uow: UnitOfWork,
    enrollments: Enrollments,
    now: datetime,
) -> RecordingView:
    """One recording; NOT_FOUND also when the caller may not open it (no existence leak)."""
    async with uow:
        row, _, found = await _load(uow, caller, recording_id, enrollments, now)
        if not found.can_view:
            raise NotFound(resource_type="recording", resource_id=recording_id)
        files = (await _files(uow, [row.id]))[row.id]
    return RecordingView(row=row, files=files, access=found)


async def delete_recording(
    *,
    caller: Caller,
    recording_id: str,
    delete_from_zoom: bool,
    uow: UnitOfWork,
    pipeline: SyncPipeline,
) -> None:
    """Delete the stored objects, then the rows and grants, with ``recording.removed`` written
    to the outbox in the same transaction as the row deletion."""
    require_staff(caller)
    if delete_from_zoom:
        raise Unimplemented(
            "DeleteRecording with delete_from_zoom is not implemented yet: the zoom-gateway "
            "has no recording-delete call; delete without it, then trash it at Zoom"
        )
    async with uow:
        row = (await uow.session.execute(select(rec).where(rec.c.id == recording_id))).first()
        if row is None:
            raise NotFound(resource_type="recording", resource_id=recording_id)
        events = await pipeline.remove(
            uow.session,
            job_ids=[row.job_id],
            reason=rev.REMOVAL_REASON_DELETED_BY_USER,
            removed_by=caller.subject,
        )
        # A recording without a job (never the case for Zoom syncs) still goes entirely.
        await uow.session.execute(delete(rec).where(rec.c.id == recording_id))
        await uow.session.execute(delete(ag).where(ag.c.recording_id == recording_id))
        for event in events:
            uow.publish(event)
        await uow.commit()


def _validate_grant(
    *, scope: str, level: str, user_id: str, expires_at: datetime | None, now: datetime
) -> None:
    if scope not in access.SCOPES:
        raise InvalidArgument("grant.scope is required")
    if level not in access.LEVELS:
        raise InvalidArgument("grant.level is required")
    if scope == access.SPECIFIC and not user_id:
        raise InvalidArgument("grant.user_id is required for scope SPECIFIC_USER")
    if scope != access.SPECIFIC and user_id:
        raise InvalidArgument("grant.user_id is only for scope SPECIFIC_USER")
    if expires_at is not None and expires_at <= now:
        raise InvalidArgument("grant.expire_time must be in the future")


async def create_access_grant(
    *,
    caller: Caller,
    request_id: str,
    recording_id: str,
    scope: str,
    level: str,
    user_id: str,
    expires_at: datetime | None,
    uow: UnitOfWork,
    now: datetime,
) -> Any:
    """Grant access; the same ``request_id`` again returns the first grant (a retried call),
    a second grant for the same scope and user is ALREADY_EXISTS."""
    require_staff(caller)
    if not recording_id:
        raise InvalidArgument("grant.recording_id is required")
    _validate_grant(scope=scope, level=level, user_id=user_id, expires_at=expires_at, now=now)
    for _ in range(2):  # a concurrent twin may win the unique index; then read its result
        async with uow:
            if request_id:
                earlier = (
                    await uow.session.execute(select(ag).where(ag.c.request_id == request_id))
                ).first()
                if earlier is not None:
                    if (earlier.recording_id, earlier.scope, earlier.user_id) != (
                        recording_id,
                        scope,
                        user_id,
                    ):
                        raise InvalidArgument("request_id was already used for another grant")
                    return earlier
            exists = (
                await uow.session.execute(select(rec.c.id).where(rec.c.id == recording_id))
            ).first()
            if exists is None:
                raise NotFound(resource_type="recording", resource_id=recording_id)
            same = (
                await uow.session.execute(
                    select(ag.c.id).where(
                        ag.c.recording_id == recording_id,
                        ag.c.scope == scope,
                        ag.c.user_id == user_id,
                    )
                )
            ).first()
            if same is not None:
                raise AlreadyExists(resource_type="access grant", resource_id=same.id)
            grant_id = f"grant_{uuid.uuid4().hex}"
            try:
                await uow.session.execute(
                    insert(ag).values(
                        id=grant_id,
                        recording_id=recording_id,
                        scope=scope,
                        user_id=user_id,
                        level=level,
                        expires_at=expires_at,
                        created_by=caller.subject,
                        request_id=request_id or None,
                        created_at=now,
                    )
                )
                await uow.commit()
            except IntegrityError:
                continue
            return (await uow.session.execute(select(ag).where(ag.c.id == grant_id))).one()
    raise AlreadyExists(resource_type="access grant", resource_id=request_id or recording_id)


@dataclass(frozen=True)
class GrantPage:
    grants: list[Any]
    next_page_token: str
    total_size: int


async def list_access_grants(
    *,
    caller: Caller,
    recording_id: str,
    include_expired: bool,
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
    now: datetime,
) -> GrantPage:
    """A recording's grants, oldest first (staff only: grants name users)."""
    require_staff(caller)
    page = page_request(page_size, page_token, [recording_id, include_expired])
    conditions = [ag.c.recording_id == recording_id]
    if not include_expired:
        conditions.append(or_(ag.c.expires_at.is_(None), ag.c.expires_at > now))
    async with uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(ag).where(*conditions)) or 0
        )
        rows = (
            await uow.session.execute(
                select(ag)
                .where(*conditions)
                .order_by(ag.c.created_at, ag.c.id)
                .offset(page.offset)
                .limit(page.limit)
            )
        ).all()
    return GrantPage(grants=list(rows), next_page_token=page.next_token(total), total_size=total)


async def delete_access_grant(*, caller: Caller, grant_id: str, uow: UnitOfWork) -> None:
    """Revoke a grant; URLs already handed out stay valid until they expire (minutes)."""
    require_staff(caller)
    async with uow:
        result = await uow.session.execute(delete(ag).where(ag.c.id == grant_id))
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound(resource_type="access grant", resource_id=grant_id)
        await uow.commit()


@dataclass(frozen=True)
class Playback:
    url: str
    expires_at: datetime
    file: Any


def _main_file(files: list[Any]) -> Any | None:
    stored = [f for f in files if f.state == m.F_STORED]
    for kinds in (VIDEO_TYPES, AUDIO_TYPES):
        for f in stored:
            if f.file_type in kinds:
                return f
    return None


async def playback_url(
    *,
    caller: Caller,
    recording_id: str,
    file_id: str,
    download: bool,
    ttl_seconds: int,
    max_ttl_seconds: int,
    uow: UnitOfWork,
    storage: ObjectStorage,
    enrollments: Enrollments,
    now: datetime,
) -> Playback:
    """The access check of flow 6, then a short-lived signed URL: VIEW for inline playback,
    DOWNLOAD for an attachment. Refusals are PERMISSION_DENIED."""
    async with uow:
        row, _, found = await _load(uow, caller, recording_id, enrollments, now)
        if not found.can_view:
            raise Denied("no access to this recording")
        if download and not found.can_download:
            raise Denied("downloading this recording needs a download grant")
        files = (await _files(uow, [row.id]))[row.id]
    if file_id:
        chosen = next((f for f in files if f.id == file_id), None)
        if chosen is None:
            raise NotFound(resource_type="recording file", resource_id=file_id)
    else:
        chosen = _main_file(files)
        if chosen is None:
            raise FailedPrecondition("the recording has no stored video or audio file")
    if chosen.state != m.F_STORED or not chosen.storage_key:
        raise FailedPrecondition(f"file {chosen.id} is not stored yet")
    expires_in = max(1, min(ttl_seconds or max_ttl_seconds, max_ttl_seconds))
    url = await storage.signed_url(
        chosen.storage_key,
        expires_in=expires_in,
        download_name=chosen.file_name if download else None,
        content_type=chosen.content_type or None,
    )
    return Playback(url=url, expires_at=now + timedelta(seconds=expires_in), file=chosen)


@dataclass(frozen=True)
class Statistics:
    jobs_finished: int
    jobs_synced: int
    success_rate: float
    average_processing: timedelta
    recordings_count: int
    files_count: int
    storage_used_bytes: int
    errors_by_type: dict[str, int]
    jobs_in_progress: int


async def statistics(
    *,
    caller: Caller,
    start: datetime | None,
    end: datetime | None,
    batch_id: str,
    uow: UnitOfWork,
) -> Statistics:
    """Seed 000's performance figures from the tables. Errors by type count the jobs whose
    latest failure in the window had that cause (the tables keep each job's last error, not a
    log of every attempt)."""
    require_staff(caller)
    window = []
    if start is not None:
        window.append(sj.c.finished_at >= start)
    if end is not None:
        window.append(sj.c.finished_at < end)
    batch = [sj.c.batch_id == batch_id] if batch_id else []
    async with uow:
        finished = (
            await uow.session.execute(
                select(sj.c.state, sj.c.started_at, sj.c.finished_at).where(
                    sj.c.state.in_(m.FINISHED_STATES),
                    sj.c.finished_at.is_not(None),
                    *window,
                    *batch,
                )
            )
        ).all()
        error_window = []
        if start is not None:
            error_window.append(sj.c.updated_at >= start)
        if end is not None:
            error_window.append(sj.c.updated_at < end)
        errors = (
            await uow.session.execute(
                select(sj.c.last_error_type, func.count())
                .where(sj.c.last_error_type != "", *error_window, *batch)
                .group_by(sj.c.last_error_type)
            )
        ).all()
        in_progress = int(
            await uow.session.scalar(
                select(func.count()).select_from(sj).where(sj.c.state.in_(m.OPEN_STATES), *batch)
            )
            or 0
        )
        rec_filter = [rec.c.batch_id == batch_id] if batch_id else []
        recordings_count, storage_used = (
            await uow.session.execute(
                select(func.count(), func.coalesce(func.sum(rec.c.total_size_bytes), 0)).where(
                    *rec_filter
                )
            )
        ).one()
        files_count = int(
            await uow.session.scalar(
                select(func.count())
                .select_from(rf)
                .where(
                    rf.c.state == m.F_STORED,
                    rf.c.recording_id.in_(select(rec.c.id).where(*rec_filter)),
                )
            )
            or 0
        )
    synced = [r for r in finished if r.state == m.SYNCED]
    durations = [
        max(r.finished_at - r.started_at, timedelta(0)) for r in synced if r.started_at is not None
    ]
    average = sum(durations, timedelta(0)) / len(durations) if durations else timedelta(0)
    return Statistics(
        jobs_finished=len(finished),
        jobs_synced=len(synced),
        success_rate=len(synced) / len(finished) if finished else 0.0,
        average_processing=average,
        recordings_count=int(recordings_count),
        files_count=files_count,
        storage_used_bytes=int(storage_used),
        errors_by_type={label: int(count) for label, count in errors},
        jobs_in_progress=in_progress,
    )
