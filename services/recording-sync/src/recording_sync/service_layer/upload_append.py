"""Appending bytes to a manual upload, and storing the file once the last byte is in (flow 2).

One append is one request's bytes (a tus PATCH), streamed straight on to storage: whole parts go
to the storage's open upload as they fill (``adapters.upload_parts``: S3 parts straight to the
final key, or the local temporary file), and what is left after the last whole part — less than
one part — is kept with the upload's row (``tail``) until the next request completes that part.
So every byte acknowledged (``offset``) is durable, whatever size the client's requests have,
and memory per append is bounded by two parts whatever the file's size.

When the request ends early (the client's connection dropped) what arrived is kept all the
same, as the tus protocol asks; when storage fails or the append is cancelled, the parts stored
before stay and the offset is theirs. The first bytes decide the type (``domain.upload_types``):
anything that is no audio or video is refused before anything is stored, and the upload is
discarded. The last byte completes the object (size, and sha256 when the client gave one,
checked by storage: a mismatch stores nothing), and one transaction then writes the recording,
its file, the upload's end and ``recording.synced`` (source ``manual_upload``) to the outbox;
the scheduler makes a recorded lesson of it on the session.

Only one append runs per upload (a lease on its row, renewed while the bytes flow); the offset
a request names must be the upload's (else ABORTED: the client asks for the offset again).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.errors import (
    Aborted,
    FailedPrecondition,
    NotFound,
    PreconditionViolation,
    Unavailable,
)
from classbridge_common.messages import Envelope
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters.repository import rowcount
from recording_sync.adapters.storage_base import (
    IntegrityError,
    ObjectStorage,
    Resume,
    StorageError,
    StoredObject,
)
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.upload_parts import PartAppender, part_bytes_of
from recording_sync.adapters.upload_tables import manual_uploads as mu
from recording_sync.domain import naming, upload_types
from recording_sync.service_layer.reach import Reach
from recording_sync.service_layer.sync_events import batch_type_name, timestamp
from recording_sync.service_layer.uploads import (
    COMPLETED,
    FAILED,
    UPLOADING,
    UploadPolicy,
    expired,
    load_upload,
)

__all__ = ["append"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class _TooMuch(Exception):
    """More bytes than the upload declared."""


def _unsupported(seen: str) -> FailedPrecondition:
    accepted = ", ".join(sorted(upload_types.ACCEPTED))
    return FailedPrecondition(
        f"the file is not a recording this service accepts (its bytes look like {seen}); "
        f"accepted: {accepted}",
        violations=[
            PreconditionViolation(
                type="UNSUPPORTED_MEDIA_TYPE", subject="content", description=seen
            )
        ],
    )


def _beyond(size: int) -> FailedPrecondition:
    return FailedPrecondition(
        f"the request carries more bytes than the upload's declared {size}",
        violations=[
            PreconditionViolation(
                type="UPLOAD_TOO_LARGE", subject="upload_length", description=f"{size} bytes"
            )
        ],
    )


@dataclass
class _Flow:
    """One append's bytes in flight: ``held`` are the bytes after the last part handed to
    storage (the old tail first), ``handed`` the parts handed on."""

    held: bytearray
    received: int = 0
    handed: int = 0
    ended_early: BaseException | None = None
    ended: bool = False  # the request's bytes all arrived


async def _claim(
    *,
    reach: Reach,
    upload_id: str,
    offset: int,
    uow: UnitOfWork,
    policy: UploadPolicy,
    now: datetime,
) -> tuple[Any, str]:
    """The upload, held by this append (its lease token), after the checks."""
    token = secrets.token_hex(16)
    async with uow:
        rows = reach.rows(uow.session)
        row = await load_upload(reach, rows, upload_id)
        if row.state == COMPLETED:
            raise FailedPrecondition(
                "the upload is already complete",
                violations=[
                    PreconditionViolation(
                        type="UPLOAD_COMPLETE", subject=upload_id, description=row.recording_id
                    )
                ],
            )
        if row.state == FAILED:
            raise NotFound(
                f"the upload was abandoned: {row.error}",
                resource_type="upload",
                resource_id=upload_id,
            )
        if expired(row, policy, now):
            raise NotFound("the upload expired", resource_type="upload", resource_id=upload_id)
        if row.offset != offset:
            raise Aborted(f"the upload's offset is {row.offset}, not {offset}")
        claimed = await rows.execute(
            update(mu)
            .where(
                mu.c.id == upload_id,
                mu.c.offset == offset,
                mu.c.state == UPLOADING,
                or_(mu.c.locked_until.is_(None), mu.c.locked_until < now),
            )
            .values(lock_token=token, locked_until=now + policy.lease)
        )
        if not rowcount(claimed):
            raise Aborted("another request is appending to this upload; ask for its offset again")
        await uow.commit()
    return row, token


def _key_for(row: Any, kind: upload_types.MediaKind) -> str:
    """The object key, as the lessons' naming does (the session's folder; the session's time,
    its meeting and the upload id in the name)."""
    name = naming.file_name(
        recording_start=row.session_start,
        meeting_id=row.meeting_id,
        kind="manual-upload",
        zoom_file_id=row.id.removeprefix("upl_"),
        extension=kind.extension,
    )
    return naming.storage_key(row.folder, name)


async def append(
    *,
    reach: Reach,
    upload_id: str,
    offset: int,
    chunks: AsyncIterator[bytes],
    uow: UnitOfWork,
    storage: ObjectStorage,
    policy: UploadPolicy,
    clock: Clock,
    last: bool = False,
) -> Any:
    """Append ``chunks`` (the bytes from ``offset`` on) to the upload; returns its row after
    them (completed, with its recording, when they were the last). ``last``: these bytes end
    the file, whatever size the upload was started with (its bound)."""
    row, token = await _claim(
        reach=reach, upload_id=upload_id, offset=offset, uow=uow, policy=policy, now=clock()
    )
    try:
        return await _run(
            reach=reach,
            row=row,
            token=token,
            chunks=chunks,
            uow=uow,
            storage=storage,
            policy=policy,
            clock=clock,
            last=last,
        )
    finally:
        await asyncio.shield(_release(reach=reach, upload_id=upload_id, token=token, uow=uow))


async def _release(*, reach: Reach, upload_id: str, token: str, uow: UnitOfWork) -> None:
    try:
        async with uow:
            await reach.rows(uow.session).execute(
                update(mu)
                .where(mu.c.id == upload_id, mu.c.lock_token == token)
                .values(lock_token="", locked_until=None)
            )
            await uow.commit()
    except Exception:  # the lease runs out by itself
        log.warning("could not release upload %s", upload_id, exc_info=True)


async def _run(
    *,
    reach: Reach,
    row: Any,
    token: str,
    chunks: AsyncIterator[bytes],
    uow: UnitOfWork,
    storage: ObjectStorage,
    policy: UploadPolicy,
    clock: Clock,
    last: bool,
) -> Any:
    part = part_bytes_of(storage)
    resume: Resume | None = None
    if row.checkpoint:
        resume = await storage.resume(row.storage_key, row.checkpoint)
        if resume is None:
            await _fail(
                reach,
                row,
                token,
                uow,
                clock(),
                "the stored parts were removed (expired)",
                "EXPIRED",
            )
            raise NotFound("the upload expired", resource_type="upload", resource_id=row.id)
    start = resume.offset if resume is not None else 0
    flow = _Flow(held=bytearray(row.tail or b""))
    remaining = row.size_bytes - row.offset
    kind = upload_types.ACCEPTED.get(row.file_extension) if row.file_extension else None
    renewed = time.monotonic()
    renewing = asyncio.Lock()

    async def renew(_: object = None) -> None:
        """Keep the upload's lease while the bytes flow (at most every third of it)."""
        nonlocal renewed
        if time.monotonic() - renewed < policy.lease.total_seconds() / 3:
            return
        renewed = time.monotonic()
        async with renewing, uow:
            await reach.rows(uow.session).execute(
                update(mu)
                .where(mu.c.id == row.id, mu.c.lock_token == token)
                .values(locked_until=clock() + policy.lease)
            )
            await uow.commit()

    async def take(chunk: bytes) -> None:
        if flow.received + len(chunk) > remaining:
            raise _TooMuch
        flow.received += len(chunk)
        flow.held.extend(chunk)

    source = aiter(chunks)
    # The type first: from the first bytes of the file, before any part can be stored.
    if kind is None:
        try:
            while start == 0 and len(flow.held) < upload_types.SNIFF_BYTES:
                await take(await anext(source))
        except StopAsyncIteration:
            flow.ended = True
        except _TooMuch:
            raise _beyond(row.size_bytes) from None
        except Exception as exc:  # the request broke off: keep what came
            flow.ended_early = exc
        whole = start + len(flow.held) >= row.size_bytes or (last and flow.ended)
        if len(flow.held) >= upload_types.SNIFF_BYTES or whole:
            found, seen = upload_types.sniff(bytes(flow.held[: upload_types.SNIFF_BYTES]))
            if found is None:
                await _fail(
                    reach,
                    row,
                    token,
                    uow,
                    clock(),
                    f"not audio or video ({seen})",
                    "UNSUPPORTED_MEDIA_TYPE",
                )
                raise _unsupported(seen)
            kind = found
    key = _key_for(row, kind) if kind is not None else ""

    async def whole_parts() -> AsyncIterator[bytes]:
        while len(flow.held) >= part:
            out = bytes(flow.held[:part])
            del flow.held[:part]
            flow.handed += 1
            yield out
        if flow.ended_early is not None:
            return
        try:
            async for chunk in source:
                await take(chunk)
                await renew()
                while len(flow.held) >= part:
                    out = bytes(flow.held[:part])
                    del flow.held[:part]
                    flow.handed += 1
                    yield out
        except _TooMuch:
            raise
        except Exception as exc:  # the request broke off: keep what came
            flow.ended_early = exc
            return
        flow.ended = True

    failure: BaseException | None = None
    latest = resume
    if kind is not None:
        appender = PartAppender(
            storage, key, content_type=kind.content_type, resume=resume, on_checkpoint=renew
        )
        try:
            await appender.append(whole_parts())
        except BaseException as exc:
            failure = exc
        latest = appender.latest
    durable = latest.offset if latest is not None else 0
    if failure is None and durable == start + flow.handed * part:
        tail = bytes(flow.held)
    elif durable > start:
        tail = b""  # the old tail went into a stored part; what followed the last one is lost
    else:
        tail = bytes(row.tail or b"")  # nothing new is durable: as before the request
    new_offset = durable + len(tail)
    ends = new_offset == row.size_bytes or (last and flow.ended and flow.ended_early is None)
    complete = failure is None and ends and kind is not None
    await asyncio.shield(
        _save(
            reach,
            row,
            token,
            uow,
            clock(),
            offset=new_offset,
            tail=tail,
            latest=latest,
            kind=kind,
            key=key,
        )
    )
    if isinstance(failure, _TooMuch):
        raise _beyond(row.size_bytes)
    if isinstance(failure, StorageError):
        log.warning("upload %s: storage failed: %s", row.id, failure)
        raise Unavailable(f"storage failed; the upload can continue from byte {new_offset}")
    if failure is not None:
        raise failure
    if not complete:
        return await _reload(reach, row.id, uow)
    assert kind is not None
    return await _finish(
        reach=reach,
        row=row,
        token=token,
        uow=uow,
        storage=storage,
        clock=clock,
        key=key,
        kind=kind,
        resume=latest,
        tail=tail,
        size=new_offset,
    )


async def _save(
    reach: Reach,
    row: Any,
    token: str,
    uow: UnitOfWork,
    now: datetime,
    *,
    offset: int,
    tail: bytes,
    latest: Resume | None,
    kind: upload_types.MediaKind | None,
    key: str,
) -> None:
    values: dict[str, Any] = {
        "offset": offset,
        "tail": tail or None,
        "checkpoint": latest.token() if latest is not None else "",
        "updated_at": now,
    }
    if kind is not None:
        values |= {
            "content_type": kind.content_type,
            "file_extension": kind.extension,
            "file_type": kind.file_type,
            "storage_key": key,
        }
    async with uow:
        saved = await reach.rows(uow.session).execute(
            update(mu).where(mu.c.id == row.id, mu.c.lock_token == token).values(**values)
        )
        if not rowcount(saved):
            raise Aborted("the upload was taken over by another request")
        await uow.commit()


async def _fail(
    reach: Reach, row: Any, token: str, uow: UnitOfWork, now: datetime, reason: str, code: str
) -> None:
    """The upload ends here: failed, with why (``code``: its kind), nothing of it kept."""
    async with uow:
        await reach.rows(uow.session).execute(
            update(mu)
            .where(mu.c.id == row.id, mu.c.lock_token == token)
            .values(
                state=FAILED,
                error=reason,
                error_reason=code,
                tail=None,
                checkpoint="",
                updated_at=now,
            )
        )
        await uow.commit()


async def _reload(reach: Reach, upload_id: str, uow: UnitOfWork) -> Any:
    async with uow:
        return await reach.rows(uow.session).first(select(mu).where(mu.c.id == upload_id))


async def _finish(
    *,
    reach: Reach,
    row: Any,
    token: str,
    uow: UnitOfWork,
    storage: ObjectStorage,
    clock: Clock,
    key: str,
    kind: upload_types.MediaKind,
    resume: Resume | None,
    tail: bytes,
    size: int,
) -> Any:
    """Complete the object with the last bytes, then record the recording in one transaction."""

    async def last() -> AsyncIterator[bytes]:
        if tail:
            yield tail

    try:
        stored = await storage.put_stream(
            key,
            last(),
            content_type=kind.content_type,
            expected_size=size,
            expected_sha256=row.expected_sha256 or None,
            resume=resume,
        )
    except IntegrityError as exc:
        await _fail(reach, row, token, uow, clock(), str(exc), "UPLOAD_MISMATCH")
        raise FailedPrecondition(
            f"the file does not match what the upload declared: {exc}; nothing was stored",
            violations=[
                PreconditionViolation(
                    type="UPLOAD_MISMATCH", subject="content", description=str(exc)
                )
            ],
        ) from None
    except StorageError as exc:
        log.warning("upload %s: storage failed completing it: %s", row.id, exc)
        raise Unavailable(
            "storage failed completing the upload; send its last bytes again"
        ) from None
    return await _record(
        reach=reach, row=row, token=token, uow=uow, now=clock(), stored=stored, kind=kind
    )


async def _record(
    *,
    reach: Reach,
    row: Any,
    token: str,
    uow: UnitOfWork,
    now: datetime,
    stored: StoredObject,
    kind: upload_types.MediaKind,
) -> Any:
    recording_id = f"rec_{uuid.uuid4().hex}"
    file_id = f"file_{uuid.uuid4().hex}"
    file_name = stored.key.rsplit("/", 1)[-1]
    async with uow:
        rows = reach.rows(uow.session)
        rows.scope.enter(row.tenant_id)
        await rows.execute(
            insert(rec).values(
                id=recording_id,
                job_id=row.id,
                source="manual_upload",
                session_id=row.session_id,
                batch_id=row.batch_id,
                batch_type=row.batch_type,
                student_id=row.student_id,
                course_id=row.course_id,
                meeting_id=row.meeting_id,
                meeting_uuid="",
                topic=row.session_title,
                start_time=row.session_start,
                duration_seconds=0,
                total_size_bytes=stored.size,
                file_count=1,
                created_at=now,
                sync_time=now,
            )
        )
        await rows.execute(
            insert(rf).values(
                id=file_id,
                job_id=row.id,
                recording_id=recording_id,
                zoom_file_id="",
                file_type=kind.file_type,
                file_extension=kind.extension.upper(),
                recording_type="manual_upload",
                zoom_status="completed",
                recording_start=row.session_start,
                zoom_size=row.size_bytes,
                size_bytes=stored.size,
                sha256=stored.sha256,
                content_type=kind.content_type,
                storage_key=stored.key,
                file_name=file_name,
                state="stored",
                lesson_title=row.lesson_title,
                bytes_done=stored.size,
                etag=stored.etag,
                stored_at=now,
                announced_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        done = await rows.execute(
            update(mu)
            .where(mu.c.id == row.id, mu.c.lock_token == token)
            .values(
                state=COMPLETED,
                offset=stored.size,
                size_bytes=stored.size,
                tail=None,
                checkpoint="",
                recording_id=recording_id,
                file_id=file_id,
                sha256=stored.sha256,
                updated_at=now,
                completed_at=now,
            )
        )
        if not rowcount(done):
            raise Aborted("the upload was taken over by another request")
        uow.publish(
            _synced(
                row, recording_id=recording_id, file_id=file_id, stored=stored, kind=kind, now=now
            )
        )
        await uow.commit()
        log.info("upload %s stored as recording %s (%d bytes)", row.id, recording_id, stored.size)
        return await rows.first(select(mu).where(mu.c.id == row.id))


def _synced(
    row: Any,
    *,
    recording_id: str,
    file_id: str,
    stored: StoredObject,
    kind: upload_types.MediaKind,
    now: datetime,
) -> Envelope:
    """``recording.synced`` with source MANUAL_UPLOAD: the scheduler adds the lesson."""
    item = rev.SyncedFile(
        file_id=file_id,
        file_type=naming.file_type_name(kind.file_type),
        file_extension=kind.extension.upper(),
        recording_type="manual_upload",
        content_type=kind.content_type,
        storage_key=stored.key,
        size_bytes=stored.size,
        sha256=stored.sha256,
        lesson_title=row.lesson_title,
    )
    if row.session_start is not None:
        item.recording_start.CopyFrom(timestamp(row.session_start))
    event = rev.RecordingSynced(
        occurred_at=timestamp(now),
        recording_id=recording_id,
        sync_job_id=row.id,
        source=common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD,
        session_id=row.session_id,
        batch_id=row.batch_id,
        batch_type=batch_type_name(row.batch_type),
        student_id=row.student_id,
        course_id=row.course_id,
        meeting_id=row.meeting_id,
        files=[item],
        attempts=1,
        tenant_id=row.tenant_id,
    )
    return Envelope.for_proto("recording.synced", event)
