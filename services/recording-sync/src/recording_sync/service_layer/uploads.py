"""Manual uploads of recordings (flow 2): start one, read it, abandon it, and the limits.

An upload is started for a session the caller manages (its batch's teachers and the tenant's
admins; a student is refused by the access rules and again here, another tenant's session is
NOT_FOUND because the scheduler has none of that id in the caller's tenant) with a declared
size within the tenant's limit. Bytes arrive later through ``service_layer.upload_append``;
until the last one nothing is visible. An upload is only ever seen by its uploader and the
tenant's admins (anyone else: NOT_FOUND, no existence leak), and one resting longer than the
janitor's age is expired (its stored parts are removed by then).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
)
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.messages import Envelope
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters import upload_parts
from recording_sync.adapters.repository import Scoped
from recording_sync.adapters.scheduler_sessions import SessionInfo
from recording_sync.adapters.storage_base import ObjectStorage, check_sha256
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.upload_tables import manual_uploads as mu
from recording_sync.domain import upload_types
from recording_sync.domain.folders import FolderError, storage_folder
from recording_sync.service_layer.reach import Reach
from recording_sync.service_layer.sync_events import timestamp

__all__ = [
    "COMPLETED",
    "FAILED",
    "UPLOADING",
    "UploadPolicy",
    "create_upload",
    "delete_upload",
    "get_upload",
    "limits",
    "load_upload",
    "remove_uploaded_files",
    "too_large",
]

UPLOADING, COMPLETED, FAILED = "uploading", "completed", "failed"
MAX_NAME = 300


class SessionDirectory(Protocol):
    """The scheduler's sessions (``adapters.scheduler_sessions``)."""

    async def session(self, *, session_id: str, tenant_id: str) -> SessionInfo: ...


@dataclass(frozen=True)
class UploadPolicy:
    """How large uploads may be (a deployment default and per-tenant exceptions), how long one
    may rest between requests, and how long an append holds an upload."""

    max_bytes: int
    by_tenant: dict[str, int] = field(default_factory=dict)
    expire_after: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(seconds=60)

    def max_for(self, tenant: str) -> int:
        return upload_types.limit_for(tenant, default=self.max_bytes, by_tenant=self.by_tenant)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    content_types: list[str]
    expire_after: timedelta


def too_large(size: int, limit: int) -> FailedPrecondition:
    """The refusal of an upload over the tenant's limit (the edge answers 413 for it)."""
    return FailedPrecondition(
        f"the file is {size} bytes; this school's uploads may be at most {limit} bytes",
        violations=[
            PreconditionViolation(
                type="UPLOAD_TOO_LARGE",
                subject="size_bytes",
                description=f"at most {limit} bytes",
            )
        ],
    )


def limits(*, reach: Reach, policy: UploadPolicy) -> Limits:
    """The caller's tenant's limits."""
    reach.require_manager()
    types = sorted({k.content_type for k in upload_types.ACCEPTED.values()})
    return Limits(
        max_bytes=policy.max_for(reach.tenant_of_caller),
        content_types=types,
        expire_after=policy.expire_after,
    )


def _default_title(file_name: str) -> str:
    return f"Uploaded recording - {file_name}" if file_name else "Uploaded recording"


def _clean_name(file_name: str) -> str:
    """The uploader's file name for display: its last path segment, printable, bounded."""
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:MAX_NAME]


async def create_upload(
    *,
    reach: Reach,
    directory: SessionDirectory,
    request_id: str,
    session_id: str,
    file_name: str,
    size_bytes: int,
    sha256: str,
    lesson_title: str,
    policy: UploadPolicy,
    uow: UnitOfWork,
    now: datetime,
) -> Any:
    """A new upload of ``size_bytes`` to the session; nothing is stored yet. The same
    ``request_id`` again returns the same upload."""
    reach.require_manager()
    problems = []
    if not session_id:
        problems.append(FieldViolation("session_id", "is required"))
    if size_bytes <= 0:
        problems.append(FieldViolation("size_bytes", "must be at least 1 byte"))
    try:
        expected = check_sha256(sha256 or None) or ""
    except ValueError:
        problems.append(FieldViolation("sha256", "must be 64 hex digits"))
        expected = ""
    if len(lesson_title) > MAX_NAME:
        problems.append(FieldViolation("lesson_title", f"must be at most {MAX_NAME} characters"))
    if len(request_id) > 128:
        problems.append(FieldViolation("request_id", "must be at most 128 characters"))
    if problems:
        raise InvalidArgument("the upload cannot be started", violations=problems)
    tenant = reach.tenant_of_caller
    limit = policy.max_for(tenant)
    if size_bytes > limit:
        raise too_large(size_bytes, limit)
    if request_id:
        async with uow:
            earlier = await reach.rows(uow.session).first(
                select(mu).where(mu.c.request_id == request_id)
            )
        if earlier is not None:
            if earlier.uploader_id != reach.caller.subject and not reach.tenant_wide:
                raise InvalidArgument("request_id was already used for another upload")
            if (earlier.session_id, earlier.size_bytes) != (session_id, size_bytes):
                raise InvalidArgument("request_id was already used for another upload")
            return earlier
    session = await directory.session(session_id=session_id, tenant_id=tenant)
    if not await reach.manages(session.batch_id):
        raise Denied("only the session's teachers and the tenant's admins may upload to it")
    if session.cancelled:
        raise FailedPrecondition("the session was cancelled")
    try:
        folder = storage_folder(
            batch_type=_batch_type_number(session.batch_type),
            batch_id=session.batch_id,
            student_id=session.student_id,
        )
    except FolderError as exc:
        raise FailedPrecondition(f"the session's recordings cannot be filed: {exc}") from None
    name = _clean_name(file_name)
    upload_id = f"upl_{uuid.uuid4().hex}"
    async with uow:
        rows = reach.rows(uow.session)
        rows.scope.enter(tenant)
        try:
            await rows.execute(
                insert(mu).values(
                    id=upload_id,
                    request_id=request_id or None,
                    session_id=session.session_id,
                    session_title=session.title,
                    session_start=session.start,
                    batch_id=session.batch_id,
                    batch_type=session.batch_type,
                    student_id=session.student_id,
                    course_id=session.course_id,
                    meeting_id=session.meeting_id,
                    folder=folder,
                    uploader_id=reach.caller.subject,
                    file_name=name,
                    lesson_title=lesson_title.strip() or _default_title(name),
                    size_bytes=size_bytes,
                    offset=0,
                    expected_sha256=expected,
                    state=UPLOADING,
                    created_at=now,
                    updated_at=now,
                )
            )
            await uow.commit()
        except IntegrityError:  # a concurrent twin with the same request_id won
            await uow.rollback()
            twin = await rows.first(select(mu).where(mu.c.request_id == request_id))
            if twin is None:
                raise
            return twin
        return await rows.first(select(mu).where(mu.c.id == upload_id))


def _batch_type_number(label: str) -> int:
    return {
        "group": common_pb2.BATCH_TYPE_GROUP,
        "individual": common_pb2.BATCH_TYPE_INDIVIDUAL,
    }.get(label, common_pb2.BATCH_TYPE_UNSPECIFIED)


def expired(row: Any, policy: UploadPolicy, now: datetime) -> bool:
    """An unfinished upload untouched for longer than the janitor lets parts rest."""
    return bool(row.state == UPLOADING and row.updated_at + policy.expire_after < now)


async def load_upload(reach: Reach, rows: Scoped, upload_id: str) -> Any:
    """The upload, for its uploader and the tenant's admins; NOT_FOUND for anyone else and
    for another tenant's (the scope's statement finds nothing there)."""
    reach.require_manager()
    row = await rows.load(select(mu).where(mu.c.id == upload_id)) if upload_id else None
    if row is None or not (reach.tenant_wide or row.uploader_id == reach.caller.subject):
        raise NotFound(resource_type="upload", resource_id=upload_id)
    return row


async def get_upload(
    *, reach: Reach, upload_id: str, policy: UploadPolicy, uow: UnitOfWork, now: datetime
) -> Any:
    """One upload (an expired one is NOT_FOUND: it can no longer be continued)."""
    async with uow:
        row = await load_upload(reach, reach.rows(uow.session), upload_id)
    if expired(row, policy, now):
        raise NotFound("the upload expired", resource_type="upload", resource_id=upload_id)
    return row


async def delete_upload(
    *,
    reach: Reach,
    upload_id: str,
    uow: UnitOfWork,
    storage: ObjectStorage,
    now: datetime,
) -> None:
    """Abandon an unfinished upload: its row is marked failed, then what it stored goes."""
    async with uow:
        rows = reach.rows(uow.session)
        row = await load_upload(reach, rows, upload_id)
        if row.state == COMPLETED:
            raise FailedPrecondition(
                "the upload is complete: delete its recording instead",
                violations=[
                    PreconditionViolation(
                        type="UPLOAD_COMPLETE", subject=upload_id, description=row.recording_id
                    )
                ],
            )
        if row.locked_until is not None and row.locked_until > now:
            raise FailedPrecondition("a request is appending to the upload right now")
        await rows.execute(
            update(mu)
            .where(mu.c.id == upload_id)
            .values(
                state=FAILED,
                error="terminated by the uploader",
                error_reason="TERMINATED",
                checkpoint="",
                tail=None,
                updated_at=now,
            )
        )
        await uow.commit()
    if row.checkpoint and row.storage_key:
        await upload_parts.discard(storage, row.storage_key, row.checkpoint)


async def remove_uploaded_files(
    rows: Scoped, recording: Any, *, removed_by: str, now: datetime
) -> list[Envelope]:
    """The files of a manual upload's recording (which has no sync job) marked deleted, so
    the janitor's purge removes their objects, and the ``recording.removed`` the scheduler
    takes the lesson away on; nothing for any other recording."""
    if recording.source != "manual_upload":
        return []
    await rows.execute(
        update(rf)
        .where(rf.c.recording_id == recording.id, rf.c.state != "deleted")
        .values(state="deleted", updated_at=now)
    )
    event = rev.RecordingRemoved(
        occurred_at=timestamp(now),
        recording_id=recording.id,
        session_id=recording.session_id,
        batch_id=recording.batch_id,
        meeting_id=recording.meeting_id,
        reason=rev.REMOVAL_REASON_DELETED_BY_USER,
        removed_by=removed_by,
        tenant_id=recording.tenant_id,
    )
    return [Envelope.for_proto("recording.removed", event)]
