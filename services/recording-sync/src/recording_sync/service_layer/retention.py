"""Recording policies and what they decide: whether a course's Zoom recordings are copied, when
Zoom's copy may go, and when students' access to a course's recordings ends.

Zoom's cloud storage is finite and paid for, so schools want Zoom's copy gone — but never before
ours is known to be whole: a file is deleted at Zoom only after :func:`verify_stored` found the
stored object with exactly the size Zoom listed and the size and sha256 recorded when it was
copied. Before each call to the gateway the file row gets ``verified_at`` and
``zoom_deleted_at``, so the ``recording.deleted`` webhook Zoom then sends is recognised as our
own doing (the consumer keeps such files) rather than a teacher deleting the lesson at Zoom.

Two ways files are deleted at Zoom:

- **on request** (``DeleteRecording`` with ``delete_from_zoom``,
  :func:`delete_recording_at_zoom`): all or nothing — every stored Zoom file of the recording
  verifies, or FAILED_PRECONDITION names each one that does not and nothing is deleted anywhere;
- **by policy** (:func:`zoom_cleanup_once`, run from a loop): files whose copy is older than the
  effective ``delete_from_zoom_after_days``; a file that does not verify is skipped, logged with
  the reason and left for a person; our copy is kept.

Files go to Zoom's trash by default (recoverable there for 30 days), not away for good.

Policies live in ``sync_policies``: one tenant default (``course_id`` ``""``) and a row per course
with values of its own; value by value, a course's own value overrides the tenant default's,
which overrides the built-in one (:func:`resolve`). Every statement goes through a tenant scope
(:class:`~classbridge_common.tenancy.Scoped`), like the rest of recording-sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, delete, distinct, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.auth import DEFAULT_TENANT, TEACHER
from classbridge_common.errors import (
    Aborted,
    ClassbridgeError,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    ResourceExhausted,
    Unavailable,
)
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.tenancy import Scoped, TenantScope
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.policy_tables import sync_policies as sp
from recording_sync.adapters.repository import rowcount
from recording_sync.adapters.storage_base import ObjectStorage, StorageError
from recording_sync.adapters.tables import meeting_projections as mp
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.tables import sync_jobs as sj
from recording_sync.domain import model as m
from recording_sync.service_layer.reach import Reach

log = logging.getLogger(__name__)

COPY, DAYS, ENDS = "copy_recordings", "delete_from_zoom_after_days", "student_access_end_time"
FIELDS = (COPY, DAYS, ENDS)
BUILT_IN_VALUES: Mapping[str, Any] = {COPY: True, DAYS: 0, ENDS: None}
BUILT_IN, TENANT, COURSE = "built_in", "tenant", "course"
TENANT_DEFAULT = ""
"""The ``course_id`` of a tenant's default policy."""
MAX_DAYS = 3650
MAX_ID = 64


# ----------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class Policy:
    """The values in force for one course (or a tenant's default), and where each comes from
    (``sources``: field → ``course`` | ``tenant`` | ``built_in``). ``has_own`` says whether the
    addressed course (or tenant default) has a row of its own."""

    tenant_id: str
    course_id: str
    copy_recordings: bool
    delete_from_zoom_after_days: int
    student_access_end_time: datetime | None
    sources: Mapping[str, str]
    has_own: bool = False
    updated_at: datetime | None = None
    updated_by: str = ""


def resolve(*, tenant_id: str, course_id: str, course_row: Any, tenant_row: Any) -> Policy:
    """Value by value: the course's own value, else the tenant default's, else the built-in one
    (so a course can change one thing and keep following the school on the rest)."""
    layers = [(COURSE, course_row), (TENANT, tenant_row)] if course_id else [(TENANT, tenant_row)]
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in FIELDS:
        values[name], sources[name] = BUILT_IN_VALUES[name], BUILT_IN
        for source, row in layers:
            value = None if row is None else getattr(row, name)
            if value is not None:
                values[name], sources[name] = value, source
                break
    own = course_row if course_id else tenant_row
    return Policy(
        tenant_id=tenant_id,
        course_id=course_id,
        sources=sources,
        has_own=own is not None,
        updated_at=own.updated_at if own is not None else None,
        updated_by=own.updated_by if own is not None else "",
        **values,
    )


async def _policy_rows(rows: Scoped, course_ids: Iterable[str]) -> dict[tuple[str, str], Any]:
    """The tenant default rows and those of ``course_ids`` in scope, by (tenant, course)."""
    wanted = sorted({TENANT_DEFAULT, *course_ids})
    found = await rows.all(select(sp).where(sp.c.course_id.in_(wanted)))
    return {(r.tenant_id, r.course_id): r for r in found}


async def effective(rows: Scoped, *, tenant_id: str, course_id: str) -> Policy:
    """The policy in force for ``course_id`` ("" = the tenant default) in ``tenant_id``."""
    found = await _policy_rows(rows, [course_id] if course_id else [])
    return resolve(
        tenant_id=tenant_id,
        course_id=course_id,
        course_row=found.get((tenant_id, course_id)) if course_id else None,
        tenant_row=found.get((tenant_id, TENANT_DEFAULT)),
    )


def _scoped(session_or_rows: AsyncSession | Scoped, tenant_id: str) -> Scoped:
    """Statements narrowed to ``tenant_id``, whatever the caller handed in."""
    if isinstance(session_or_rows, Scoped):
        held = session_or_rows.scope.tenant
        if held is not None and held != tenant_id:
            raise ValueError(f"a session of tenant {held!r} asked about tenant {tenant_id!r}")
        return Scoped(session_or_rows.session, TenantScope(tenant_id))
    return Scoped(session_or_rows, TenantScope(tenant_id))


async def copy_allowed(
    session_or_rows: AsyncSession | Scoped, *, tenant_id: str, course_id: str
) -> bool:
    """May the pipeline copy a Zoom recording of ``course_id`` ("" = a meeting of no known
    course: the tenant default decides)? Asked before copying, so a school that opted a course
    out never has its recordings stored. Rows without a tenant belong to ``default``."""
    tenant = tenant_id or DEFAULT_TENANT
    policy = await effective(
        _scoped(session_or_rows, tenant), tenant_id=tenant, course_id=course_id
    )
    return policy.copy_recordings


async def student_access_ends(
    rows: Scoped, recordings: Iterable[Any]
) -> dict[str, datetime | None]:
    """When each recording's course ends its students' access (None = never), by recording id,
    in one query: fed to ``domain.access.decide``."""
    listed = list(recordings)
    if not listed:
        return {}
    found = await _policy_rows(rows, [r.course_id for r in listed if r.course_id])
    return {
        r.id: resolve(
            tenant_id=r.tenant_id,
            course_id=r.course_id,
            course_row=found.get((r.tenant_id, r.course_id)) if r.course_id else None,
            tenant_row=found.get((r.tenant_id, TENANT_DEFAULT)),
        ).student_access_end_time
        for r in listed
    }


def _check_ids(course_id: str, tenant_id: str) -> None:
    for name, value in (("course_id", course_id), ("tenant_id", tenant_id)):
        if len(value) > MAX_ID:
            raise InvalidArgument(
                f"{name} is longer than {MAX_ID} characters",
                violations=[FieldViolation(name, f"at most {MAX_ID} characters")],
            )


def _acting_tenant(reach: Reach, tenant_id: str) -> str:
    """The tenant a policy request is about: the caller's own (naming another is refused); a
    tenant-spanning caller (an operator) names it, else ``default`` (as the scheduler does)."""
    own = reach.scope.tenant
    if own is not None:
        if tenant_id and tenant_id != own:
            raise Denied("recording policies are read and set in the caller's own tenant")
        return own
    tenant = tenant_id or DEFAULT_TENANT
    reach.scope.enter(tenant)
    return tenant


async def _teaches_course(reach: Reach, rows: Scoped, course_id: str) -> bool:
    """Does the caller teach a batch of ``course_id``? The scheduler says which batches they
    teach (course instructors teach all of its batches); the meetings and recordings
    recording-sync knows say which batches belong to the course."""
    if not reach.caller.has_role(TEACHER):
        return False
    taught = sorted((await reach.membership()).teaches)
    if not taught:
        return False
    for table in (mp, rec):
        hit = await rows.first(
            select(table.c.batch_id)
            .where(table.c.course_id == course_id, table.c.batch_id.in_(taught))
            .limit(1)
        )
        if hit is not None:
            return True
    return False


async def get_policy(*, reach: Reach, course_id: str, tenant_id: str, uow: UnitOfWork) -> Policy:
    """The policy in force for a course, or the tenant default (``course_id`` ""): the tenant's
    admins read any; a teacher reads the courses they teach, never the tenant default."""
    _check_ids(course_id, tenant_id)
    async with uow:
        tenant = _acting_tenant(reach, tenant_id)
        rows = reach.rows(uow.session)
        if not reach.tenant_wide:
            if not course_id:
                raise Denied("the tenant's default recording policy is for its admins")
            if not await _teaches_course(reach, rows, course_id):
                raise Denied(
                    "only the course's teachers and the tenant's admins may read its "
                    "recording policy"
                )
        return await effective(rows, tenant_id=tenant, course_id=course_id)


def _validated(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, checked: each a known field with a value of its type, or None (reset)."""
    problems: list[FieldViolation] = []
    for name in sorted(set(changes) - set(FIELDS)):
        problems.append(FieldViolation(name, f"is not a policy field ({', '.join(FIELDS)})"))
    copy, days, ends = changes.get(COPY), changes.get(DAYS), changes.get(ENDS)
    if copy is not None and not isinstance(copy, bool):
        problems.append(FieldViolation(COPY, "must be true or false"))
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS
    ):
        problems.append(FieldViolation(DAYS, f"must be a whole number of days, 0 to {MAX_DAYS}"))
    if ends is not None and (not isinstance(ends, datetime) or ends.tzinfo is None):
        problems.append(FieldViolation(ENDS, "must be an instant with a time zone"))
    if problems:
        raise InvalidArgument("the recording policy has invalid fields", violations=problems)
    if not changes:
        raise InvalidArgument(f"name at least one policy field to change: {', '.join(FIELDS)}")
    return dict(changes)


async def update_policy(
    *,
    reach: Reach,
    course_id: str,
    tenant_id: str,
    changes: Mapping[str, Any],
    uow: UnitOfWork,
    now: datetime,
) -> Policy:
    """Set (a value) or reset (None: inherit again) fields of a course's own policy or of the
    tenant default; returns the policy then in force. The tenant's admins only: a policy decides
    what is copied and deleted for everyone. A row left with nothing of its own is removed."""
    _check_ids(course_id, tenant_id)
    if not reach.tenant_wide:
        raise Denied("only the tenant's admins set recording policies")
    values = _validated(changes)
    stamp = {**values, "updated_at": now, "updated_by": reach.caller.subject}
    for _ in range(2):  # a concurrent first write may win the primary key; then update it
        async with uow:
            tenant = _acting_tenant(reach, tenant_id)
            rows = reach.rows(uow.session)
            here = sp.c.course_id == course_id
            changed = await rows.execute(update(sp).where(here).values(**stamp))
            if not rowcount(changed):
                try:
                    await rows.execute(insert(sp).values(course_id=course_id, **stamp))
                    await uow.session.flush()
                except IntegrityError:
                    continue
            await rows.execute(delete(sp).where(here, *(sp.c[name].is_(None) for name in FIELDS)))
            policy = await effective(rows, tenant_id=tenant, course_id=course_id)
            await uow.commit()
            return policy
    raise Aborted("the recording policy changed concurrently; try again")


# ----------------------------------------------------------------------------- verification


def file_label(row: Any) -> str:
    """How a file is named in messages: its kind and id (``MP4 file_…``)."""
    kind = (row.file_extension or row.file_type or "file").upper()
    return f"{kind} {row.id}"


@dataclass(frozen=True)
class Verification:
    """Whether a stored copy is exactly what was copied from Zoom; if not, why."""

    ok: bool
    reason: str = ""

    def describe(self, row: Any) -> str:
        return f"{file_label(row)}: {self.reason}" if self.reason else file_label(row)


async def verify_stored(storage: ObjectStorage, file_row: Any) -> Verification:
    """Is the stored object of ``file_row`` there, with the size Zoom listed (when it listed
    one) and the size and sha256 recorded when it was copied? Only then may Zoom's copy go:
    anything else means ours is not the recording Zoom has."""
    if not file_row.storage_key:
        return Verification(False, "has no stored copy")
    try:
        found = await storage.head(file_row.storage_key)
    except (StorageError, ValueError) as exc:
        return Verification(False, f"the stored copy could not be checked ({exc})")
    if found is None:
        return Verification(False, "the stored copy is missing")
    if file_row.zoom_size and found.size != file_row.zoom_size:
        return Verification(False, f"stored {found.size} bytes, Zoom lists {file_row.zoom_size}")
    if found.size != file_row.size_bytes:
        return Verification(
            False, f"stored {found.size} bytes, the copy recorded {file_row.size_bytes}"
        )
    if not file_row.sha256:
        return Verification(False, "no sha256 was recorded for the copy")
    if not found.sha256 and found.etag:
        # An S3 multipart object: the store's ETag of its parts, recorded when the sha256 of
        # the same bytes was, stands for it (S3 takes no metadata at completion).
        if not file_row.etag or found.etag != file_row.etag:
            return Verification(
                False, "the stored copy's ETag differs from the one recorded with its sha256"
            )
        return Verification(True)
    if found.sha256.lower() != file_row.sha256.lower():
        return Verification(
            False,
            f"stored sha256 {found.sha256[:12]}... differs from the copy's "
            f"{file_row.sha256[:12]}...",
        )
    return Verification(True)


# ----------------------------------------------------------------------------- deletion at Zoom


class ZoomFileDeleter(Protocol):
    """The gateway call a deletion at Zoom needs (``adapters.zoom_gateway``): True when Zoom
    deleted the file now, False when it had no such file any more (done all the same)."""

    async def delete_recording_file(
        self, *, meeting_uuid: str, zoom_file_id: str, tenant_id: str, permanently: bool = False
    ) -> bool: ...


def zoom_copies(files: Iterable[Any]) -> list[Any]:
    """The files of a recording that came from Zoom, are stored, and are still at Zoom as far
    as we know (not yet deleted there by us). Files never stored stay at Zoom: we hold no copy."""
    return [
        f
        for f in files
        if f.zoom_file_id and f.state == m.F_STORED and getattr(f, "zoom_deleted_at", None) is None
    ]


async def _mark(rows: Scoped, files: list[Any], now: datetime) -> bool:
    """Stamp ``verified_at`` and ``zoom_deleted_at`` on ``files``, each only while it is still
    the copy just verified (stored, same key, size and sha256, not marked): True when all were."""
    marked = 0
    for f in files:
        result = await rows.execute(
            update(rf)
            .where(
                rf.c.id == f.id,
                rf.c.state == m.F_STORED,
                rf.c.storage_key == f.storage_key,
                rf.c.size_bytes == f.size_bytes,
                rf.c.sha256 == f.sha256,
                rf.c.zoom_deleted_at.is_(None),
            )
            .values(verified_at=now, zoom_deleted_at=now, updated_at=now)
        )
        marked += rowcount(result)
    return marked == len(files)


async def _unmark(rows: Scoped, file_ids: list[str], now: datetime) -> None:
    """The files are still at Zoom after all (the call failed): not ours to ignore any more."""
    if file_ids:
        await rows.execute(
            update(rf).where(rf.c.id.in_(file_ids)).values(zoom_deleted_at=None, updated_at=now)
        )


def _with_progress(error: ClassbridgeError, progress: str) -> ClassbridgeError:
    """The gateway's error, saying how far the deletion got (rate limits keep their retry
    information as they are)."""
    if isinstance(error, ResourceExhausted):
        return error
    if isinstance(error, FailedPrecondition):
        return FailedPrecondition(f"{error.message}; {progress}")
    return Unavailable(f"{error.message}; {progress}")


async def delete_recording_at_zoom(
    *,
    uow: UnitOfWork,
    scope: TenantScope,
    files: list[Any],
    meeting_uuid: str,
    tenant_id: str,
    storage: ObjectStorage,
    gateway: ZoomFileDeleter,
    now: datetime,
    permanently: bool = False,
) -> int:
    """Delete ``files`` (a recording's :func:`zoom_copies`) at Zoom, all or nothing up front:
    every one must verify first, else FAILED_PRECONDITION names each that does not and nothing
    is deleted anywhere. Then all are marked (committed before any call, so Zoom's webhook finds
    them ours) and deleted one by one; a failure unmarks those still at Zoom and is raised with
    how far it got (the caller's local deletion must not follow). Returns how many Zoom had."""
    refused = []
    for f in files:
        check = await verify_stored(storage, f)
        if not check.ok:
            refused.append(check.describe(f))
    if refused:
        raise FailedPrecondition("; ".join(refused) + "; nothing deleted at Zoom")
    if not files:
        return 0
    async with uow:
        if not await _mark(Scoped(uow.session, scope), files, now):
            raise Aborted("a file changed while it was verified; nothing deleted at Zoom")
        await uow.commit()
    done: list[str] = []
    had = 0
    try:
        for f in files:
            had += await gateway.delete_recording_file(
                meeting_uuid=f.meeting_uuid or meeting_uuid,
                zoom_file_id=f.zoom_file_id,
                tenant_id=tenant_id,
                permanently=permanently,
            )
            done.append(f.id)
    except ClassbridgeError as error:
        async with uow:
            await _unmark(
                Scoped(uow.session, scope), [f.id for f in files if f.id not in done], now
            )
            await uow.commit()
        raise _with_progress(
            error, f"{len(done)} of {len(files)} files deleted at Zoom, nothing deleted here"
        ) from None
    log.info(
        "recording files deleted at Zoom",
        extra={"tenant": tenant_id, "files": len(files), "found_at_zoom": had},
    )
    return had


@dataclass
class CleanupCounts:
    """What one :func:`zoom_cleanup_once` did: files due, deleted at Zoom now, already gone
    there, skipped because their copy did not verify (left for a person), and failed calls."""

    tenants: int = 0
    due: int = 0
    deleted: int = 0
    already_gone: int = 0
    mismatched: int = 0
    failed: int = 0


async def _due_files(rows: Scoped, *, tenant_id: str, now: datetime, limit: int) -> list[Any]:
    """Stored Zoom files of the tenant, not yet deleted at Zoom, whose copy is older than the
    days of their course's effective policy (oldest first), with their job's meeting uuid."""
    policies = await rows.all(select(sp))
    tenant_row = next((p for p in policies if p.course_id == TENANT_DEFAULT), None)
    default_days = resolve(
        tenant_id=tenant_id, course_id=TENANT_DEFAULT, course_row=None, tenant_row=tenant_row
    ).delete_from_zoom_after_days
    own = {
        p.course_id: p.delete_from_zoom_after_days
        for p in policies
        if p.course_id and p.delete_from_zoom_after_days is not None
    }
    groups = [(sj.c.course_id == course, days) for course, days in own.items() if days > 0]
    if default_days > 0:
        groups.append((sj.c.course_id.not_in(sorted(own)) if own else true(), default_days))
    if not groups:
        return []
    old_enough = or_(
        *(and_(course, rf.c.stored_at <= now - timedelta(days=days)) for course, days in groups)
    )
    return await rows.all(
        select(rf, sj.c.meeting_uuid.label("job_meeting_uuid"))
        .join(sj, sj.c.id == rf.c.job_id)
        .where(
            rf.c.state == m.F_STORED,
            rf.c.zoom_file_id != "",
            rf.c.zoom_deleted_at.is_(None),
            rf.c.stored_at.is_not(None),
            old_enough,
        )
        .order_by(rf.c.stored_at, rf.c.id)
        .limit(limit)
    )


async def zoom_cleanup_once(
    *,
    sessions: async_sessionmaker[AsyncSession],
    storage: ObjectStorage,
    gateway: ZoomFileDeleter,
    clock: Callable[[], datetime],
    limit: int = 200,
    permanently: bool = False,
) -> CleanupCounts:
    """One pass of the policies' ``delete_from_zoom_after_days``, over every tenant that has a
    positive one: each due file (at most ``limit`` per pass) is verified, marked and deleted at
    Zoom, keeping our copy. A file that does not verify is skipped and logged with the reason,
    for a person to look at; a failed call unmarks the file for the next pass, and a rate limit
    ends this tenant's pass. Safe to run on several replicas (a file is marked only once)."""
    counts = CleanupCounts()
    now = clock()
    uow = UnitOfWork(session_factory=sessions)
    async with uow:
        tenants = await Scoped(uow.session, TenantScope(None)).all(
            select(distinct(sp.c.tenant_id)).where(sp.c.delete_from_zoom_after_days > 0)
        )
    for (tenant,) in sorted(tenants):
        if counts.due >= limit:
            break
        counts.tenants += 1
        scope = TenantScope(tenant)
        async with uow:
            due = await _due_files(
                Scoped(uow.session, scope), tenant_id=tenant, now=now, limit=limit - counts.due
            )
        for f in due:
            counts.due += 1
            check = await verify_stored(storage, f)
            if not check.ok:
                counts.mismatched += 1
                log.warning(
                    "not deleting at Zoom, the copy does not verify (left for a person): %s",
                    check.describe(f),
                    extra={"tenant": tenant, "file_id": f.id, "reason": check.reason},
                )
                continue
            async with uow:
                if not await _mark(Scoped(uow.session, scope), [f], now):
                    continue  # changed since it was read: the next pass looks again
                await uow.commit()
            try:
                found = await gateway.delete_recording_file(
                    meeting_uuid=f.meeting_uuid or f.job_meeting_uuid,
                    zoom_file_id=f.zoom_file_id,
                    tenant_id=tenant,
                    permanently=permanently,
                )
            except ClassbridgeError as error:
                counts.failed += 1
                async with uow:
                    await _unmark(Scoped(uow.session, scope), [f.id], now)
                    await uow.commit()
                log.warning(
                    "deleting %s at Zoom failed: %s",
                    file_label(f),
                    error.public_message,
                    extra={"tenant": tenant, "file_id": f.id},
                )
                if isinstance(error, ResourceExhausted):
                    break
                continue
            if found:
                counts.deleted += 1
            else:
                counts.already_gone += 1
    if counts.due:
        log.info("zoom cleanup pass", extra={"counts": counts.__dict__})
    return counts


__all__ = [
    "BUILT_IN",
    "COURSE",
    "FIELDS",
    "TENANT",
    "CleanupCounts",
    "Policy",
    "Verification",
    "ZoomFileDeleter",
    "copy_allowed",
    "delete_recording_at_zoom",
    "effective",
    "get_policy",
    "resolve",
    "student_access_ends",
    "update_policy",
    "verify_stored",
    "zoom_cleanup_once",
    "zoom_copies",
]
