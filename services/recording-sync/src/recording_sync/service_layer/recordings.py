"""Recorded lessons, their access grants, playback and statistics (flow 6): handlers.

Each handler takes the caller's :class:`~recording_sync.service_layer.reach.Reach` and a unit
of work and decides; only the unit of work commits. Every statement goes through the reach's
tenant scope, so another tenant's recordings and grants are NOT_FOUND and absent from lists.
The access rule itself lives in ``domain.access``; here it is fed with the recording, its grants,
the scheduler's answer on what the caller teaches and attends — asked once per request, and
only when it matters (never for admins; for students only with a live ``enrolled_students``
grant in play) — and, for students, when the recording's course ends their access (its
recording policy, ``service_layer.retention``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.auth import TEACHER
from classbridge_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.paging import page_request
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.repository import Scoped
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.adapters.tables import access_grants as ag
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.adapters.transcript_tables import recording_processing as rp
from recording_sync.domain import access
from recording_sync.domain import model as m
from recording_sync.service_layer import processing, retention, uploads
from recording_sync.service_layer.reach import Reach
from recording_sync.service_layer.sync import SyncPipeline

VIDEO_TYPES = ("mp4",)
AUDIO_TYPES = ("m4a",)


@dataclass(frozen=True)
class RecordingView:
    """A recording row, its files and what the caller may do with it."""

    row: Any
    files: list[Any]
    access: access.Access
    processing: Any = None  # its recording_processing row, once it synced


@dataclass(frozen=True)
class RecordingPage:
    recordings: list[RecordingView]
    next_page_token: str
    total_size: int


async def processing_rows(
    rows: Scoped, recording_ids: list[str], *, with_text: bool
) -> dict[str, Any]:
    """The processing rows of these recordings; without the whole transcript text unless
    ``with_text`` (a list of recordings does not carry every transcript)."""
    if not recording_ids:
        return {}
    columns = [c for c in rp.c if with_text or c.name != "transcription_text"]
    found = await rows.all(select(*columns).where(rp.c.recording_id.in_(recording_ids)))
    return {r.recording_id: r for r in found}


async def _grants(rows: Scoped, recording_ids: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {r: [] for r in recording_ids}
    if recording_ids:
        for row in await rows.all(select(ag).where(ag.c.recording_id.in_(recording_ids))):
            found[row.recording_id].append(row)
    return found


async def _files(rows: Scoped, recording_ids: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {r: [] for r in recording_ids}
    if recording_ids:
        for row in await rows.all(
            select(rf)
            .where(rf.c.recording_id.in_(recording_ids))
            .order_by(rf.c.recording_start, rf.c.created_at, rf.c.id)
        ):
            found[row.recording_id].append(row)
    return found


async def _access(
    reach: Reach, row: Any, grants: list[Any], now: datetime, ends_at: datetime | None = None
) -> access.Access:
    """The caller's access to one recording: managers (admins, teachers of its batch) edit;
    others by grant, with attendance asked only when an ``enrolled_students`` grant matters;
    students only until ``ends_at`` (the course's end of their access)."""
    if await reach.manages(row.batch_id):
        return access.MANAGER
    asks = (
        access.needs_enrollment(grants, now)
        and row.batch_type != "individual"
        and bool(row.batch_id)
    )
    return access.decide(
        reach.caller,
        row,
        grants,
        now,
        manages=False,
        enrolled=await reach.attends(row.batch_id) if asks else False,
        access_ends_at=ends_at,
    )


async def _access_ends(reach: Reach, rows: Scoped, found: list[Any]) -> dict[str, datetime | None]:
    """When students' access to each recording ends (asked only for students: it binds no one
    else)."""
    if not access.is_student(reach.caller):
        return {}
    return await retention.student_access_ends(rows, found)


async def viewable(
    reach: Reach, rows: Scoped, candidates: list[Any], now: datetime
) -> dict[str, access.Access]:
    """The caller's access to each of ``candidates`` (recording rows of the scope's tenant)
    that they may open — the rule of GetRecording, for many at once (search uses it)."""
    if reach.tenant_wide:
        return {r.id: access.MANAGER for r in candidates}
    grants = await _grants(rows, [r.id for r in candidates])
    ends = await _access_ends(reach, rows, candidates)
    found: dict[str, access.Access] = {}
    for row in candidates:
        decided = await _access(reach, row, grants[row.id], now, ends.get(row.id))
        if decided.can_view:
            found[row.id] = decided
    return found


async def list_recordings(
    *,
    reach: Reach,
    session_id: str,
    batch_id: str,
    student_id: str,
    meeting_uuid: str,
    source: str,
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
    now: datetime,
) -> RecordingPage:
    """Recordings by session, batch, student or meeting, of the caller's tenant; for everyone
    but its admins only those they may open (filtered before paging, so pages and totals never
    reveal the others)."""
    caller = reach.caller
    everything = reach.tenant_wide
    if student_id and student_id != caller.subject and not (everything or caller.has_role(TEACHER)):
        raise Denied("students list only their own recordings")
    page = page_request(
        page_size,
        page_token,
        [session_id, batch_id, student_id, meeting_uuid, source],
        listing="ListRecordings",
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
        batches = (await reach.of_user(student_id)).attends
        conditions.append(
            or_(
                rec.c.student_id == student_id,
                (rec.c.batch_type != "individual") & rec.c.batch_id.in_(sorted(batches)),
            )
        )
    query = select(rec).where(*conditions).order_by(rec.c.start_time.desc(), rec.c.id)
    async with uow:
        rows = reach.rows(uow.session)
        if everything:
            total = int(
                await rows.scalar(select(func.count()).select_from(rec).where(*conditions)) or 0
            )
            visible = [
                (r, access.MANAGER)
                for r in await rows.all(query.offset(page.offset).limit(page.limit))
            ]
        else:
            candidates = await rows.all(query)
            grants = await _grants(rows, [r.id for r in candidates])
            ends = await _access_ends(reach, rows, candidates)
            allowed = []
            for row in candidates:
                found = await _access(reach, row, grants[row.id], now, ends.get(row.id))
                if found.can_view:
                    allowed.append((row, found))
            total = len(allowed)
            visible = allowed[page.offset : page.offset + page.limit]
        files = await _files(rows, [r.id for r, _ in visible])
        processed = await processing_rows(rows, [r.id for r, _ in visible], with_text=False)
    return RecordingPage(
        recordings=[
            RecordingView(row=r, files=files[r.id], access=a, processing=processed.get(r.id))
            for r, a in visible
        ],
        next_page_token=page.next_token(total),
        total_size=total,
    )


async def _load(
    reach: Reach, rows: Scoped, recording_id: str, now: datetime
) -> tuple[Any, list[Any], access.Access]:
    """The recording of the caller's tenant, its grants and the caller's access to it;
    NOT_FOUND for an unknown id and for another tenant's."""
    row = await rows.load(select(rec).where(rec.c.id == recording_id))
    if row is None:
        raise NotFound(resource_type="recording", resource_id=recording_id)
    grants = (await _grants(rows, [row.id]))[row.id]
    ends = await _access_ends(reach, rows, [row])
    return row, grants, await _access(reach, row, grants, now, ends.get(row.id))


async def _load_managed(reach: Reach, rows: Scoped, recording_id: str, now: datetime) -> Any:
    """A recording the caller manages (deletes, grants): NOT_FOUND when they may not even see
    it, PERMISSION_DENIED when they may watch it but do not teach its batch."""
    reach.require_manager()
    row, _, found = await _load(reach, rows, recording_id, now)
    if not found.can_view:
        raise NotFound(resource_type="recording", resource_id=recording_id)
    if not await reach.manages(row.batch_id):
        raise Denied("only the batch's teachers and the tenant's admins may manage its recordings")
    return row


async def get_recording(
    *,
    reach: Reach,
    recording_id: str,
    uow: UnitOfWork,
    now: datetime,
) -> RecordingView:
    """One recording; NOT_FOUND also when the caller may not open it (no existence leak)."""
    async with uow:
        rows = reach.rows(uow.session)
        row, _, found = await _load(reach, rows, recording_id, now)
        if not found.can_view:
            raise NotFound(resource_type="recording", resource_id=recording_id)
        files = (await _files(rows, [row.id]))[row.id]
        processed = await processing_rows(rows, [row.id], with_text=True)
    return RecordingView(row=row, files=files, access=found, processing=processed.get(row.id))


async def delete_recording(
    *,
    reach: Reach,
    recording_id: str,
    delete_from_zoom: bool,
    uow: UnitOfWork,
    pipeline: SyncPipeline,
    now: datetime,
    storage: ObjectStorage | None = None,
    gateway: retention.ZoomFileDeleter | None = None,
) -> None:
    """Delete the stored objects, then the rows and grants, with ``recording.removed`` written
    to the outbox in the same transaction as the row deletion.

    With ``delete_from_zoom`` the recording's stored Zoom files are first deleted at Zoom
    (trashed there), but only once every one of them verifies against its copy: a mismatch is
    FAILED_PRECONDITION naming the file and why, and nothing is deleted anywhere; so is a failed
    gateway call (the files already deleted at Zoom count as done on a retry). ``storage`` and
    ``gateway`` default to the pipeline's."""
    reach.require_manager()
    if delete_from_zoom:
        async with uow:
            rows = reach.rows(uow.session)
            row = await _load_managed(reach, rows, recording_id, now)
            files = (await _files(rows, [row.id]))[row.id]
        await retention.delete_recording_at_zoom(
            uow=uow,
            scope=reach.scope,
            files=retention.zoom_copies(files),
            meeting_uuid=row.meeting_uuid,
            tenant_id=row.tenant_id,
            storage=storage or pipeline.storage,
            gateway=gateway or pipeline.gateway,
            now=now,
        )
    async with uow:
        rows = reach.rows(uow.session)
        row = await _load_managed(reach, rows, recording_id, now)
        events = await pipeline.remove(
            uow.session,
            job_ids=[row.job_id],
            reason=rev.REMOVAL_REASON_DELETED_BY_USER,
            removed_by=reach.caller.subject,
        )
        # A recording without a job (a manual upload) still goes entirely, its files too.
        uploaded = await uploads.remove_uploaded_files(
            rows, row, removed_by=reach.caller.subject, now=now
        )
        await rows.execute(delete(rec).where(rec.c.id == recording_id))
        await rows.execute(delete(ag).where(ag.c.recording_id == recording_id))
        await processing.forget(uow.session, recording_id=recording_id, tenant_id=row.tenant_id)
        for event in [*events, *uploaded]:
            uow.publish(event)
        await uow.commit()
    if uploaded:
        await pipeline.purge()  # their objects, now that no file points at them


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
    reach: Reach,
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
    a second grant for the same scope and user is ALREADY_EXISTS. Request ids are per tenant."""
    reach.require_manager()
    if not recording_id:
        raise InvalidArgument("grant.recording_id is required")
    _validate_grant(scope=scope, level=level, user_id=user_id, expires_at=expires_at, now=now)
    for _ in range(2):  # a concurrent twin may win the unique index; then read its result
        async with uow:
            rows = reach.rows(uow.session)
            await _load_managed(reach, rows, recording_id, now)
            if request_id:
                earlier = await rows.first(select(ag).where(ag.c.request_id == request_id))
                if earlier is not None:
                    if (earlier.recording_id, earlier.scope, earlier.user_id) != (
                        recording_id,
                        scope,
                        user_id,
                    ):
                        raise InvalidArgument("request_id was already used for another grant")
                    return earlier
            same = await rows.first(
                select(ag.c.id).where(
                    ag.c.recording_id == recording_id,
                    ag.c.scope == scope,
                    ag.c.user_id == user_id,
                )
            )
            if same is not None:
                raise AlreadyExists(resource_type="access grant", resource_id=same.id)
            grant_id = f"grant_{uuid.uuid4().hex}"
            try:
                await rows.execute(
                    insert(ag).values(
                        id=grant_id,
                        recording_id=recording_id,
                        scope=scope,
                        user_id=user_id,
                        level=level,
                        expires_at=expires_at,
                        created_by=reach.caller.subject,
                        request_id=request_id or None,
                        created_at=now,
                    )
                )
                await uow.commit()
            except IntegrityError:
                continue
            return await rows.first(select(ag).where(ag.c.id == grant_id))
    raise AlreadyExists(resource_type="access grant", resource_id=request_id or recording_id)


@dataclass(frozen=True)
class GrantPage:
    grants: list[Any]
    next_page_token: str
    total_size: int


async def list_access_grants(
    *,
    reach: Reach,
    recording_id: str,
    include_expired: bool,
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
    now: datetime,
) -> GrantPage:
    """A recording's grants, oldest first (its managers only: grants name users)."""
    reach.require_manager()
    page = page_request(
        page_size, page_token, [recording_id, include_expired], listing="ListAccessGrants"
    )
    conditions = [ag.c.recording_id == recording_id]
    if not include_expired:
        conditions.append(or_(ag.c.expires_at.is_(None), ag.c.expires_at > now))
    async with uow:
        rows = reach.rows(uow.session)
        await _load_managed(reach, rows, recording_id, now)
        total = int(await rows.scalar(select(func.count()).select_from(ag).where(*conditions)) or 0)
        found = await rows.all(
            select(ag)
            .where(*conditions)
            .order_by(ag.c.created_at, ag.c.id)
            .offset(page.offset)
            .limit(page.limit)
        )
    return GrantPage(grants=found, next_page_token=page.next_token(total), total_size=total)


async def delete_access_grant(
    *, reach: Reach, grant_id: str, uow: UnitOfWork, now: datetime
) -> None:
    """Revoke a grant; URLs already handed out stay valid until they expire (minutes)."""
    reach.require_manager()
    async with uow:
        rows = reach.rows(uow.session)
        grant = await rows.load(select(ag).where(ag.c.id == grant_id))
        if grant is None:
            raise NotFound(resource_type="access grant", resource_id=grant_id)
        try:
            await _load_managed(reach, rows, grant.recording_id, now)
        except NotFound:
            raise NotFound(resource_type="access grant", resource_id=grant_id) from None
        await rows.execute(delete(ag).where(ag.c.id == grant_id))
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
    reach: Reach,
    recording_id: str,
    file_id: str,
    download: bool,
    ttl_seconds: int,
    max_ttl_seconds: int,
    uow: UnitOfWork,
    storage: ObjectStorage,
    now: datetime,
) -> Playback:
    """The access check of flow 6, then a short-lived signed URL: VIEW for inline playback,
    DOWNLOAD for an attachment. Refusals are PERMISSION_DENIED; another tenant's recording is
    NOT_FOUND (it does not exist for this caller)."""
    async with uow:
        rows = reach.rows(uow.session)
        row, _, found = await _load(reach, rows, recording_id, now)
        if not found.can_view:
            raise Denied("no access to this recording")
        if download and not found.can_download:
            raise Denied("downloading this recording needs a download grant")
        files = (await _files(rows, [row.id]))[row.id]
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
    reach: Reach,
    start: datetime | None,
    end: datetime | None,
    batch_id: str,
    uow: UnitOfWork,
) -> Statistics:
    """Seed 000's performance figures from the tables. Errors by type count the jobs whose
    latest failure in the window had that cause (the tables keep each job's last error, not a
    log of every attempt). Counted within the caller's tenant, and for a teacher over the
    batches they teach."""
    if batch_id:
        await reach.require_batch(batch_id)
    mine_jobs = await reach.batch_filter(sj.c.batch_id)
    mine_recs = await reach.batch_filter(rec.c.batch_id)
    window = []
    if start is not None:
        window.append(sj.c.finished_at >= start)
    if end is not None:
        window.append(sj.c.finished_at < end)
    batch = [sj.c.batch_id == batch_id, *mine_jobs] if batch_id else mine_jobs
    async with uow:
        rows = reach.rows(uow.session)
        finished = (
            await rows.execute(
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
            await rows.execute(
                select(sj.c.last_error_type, func.count())
                .where(sj.c.last_error_type != "", *error_window, *batch)
                .group_by(sj.c.last_error_type)
            )
        ).all()
        in_progress = int(
            await rows.scalar(
                select(func.count()).select_from(sj).where(sj.c.state.in_(m.OPEN_STATES), *batch)
            )
            or 0
        )
        rec_filter = [rec.c.batch_id == batch_id, *mine_recs] if batch_id else mine_recs
        recordings_count, storage_used = (
            await rows.execute(
                select(func.count(), func.coalesce(func.sum(rec.c.total_size_bytes), 0)).where(
                    *rec_filter
                )
            )
        ).one()
        files_count = int(
            await rows.scalar(
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
