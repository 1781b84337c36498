"""Manual uploads through recording-sync's gRPC API, on local disk and on moto's S3 server:
an upload sent in pieces of any size becomes a recording with its ``recording.synced`` event
(source MANUAL_UPLOAD), every offset acknowledged is durable, an append that breaks off keeps
what was stored and the upload completes from there; the wrong type, an oversize file, a
student, a teacher of another batch and another tenant are refused, and nothing is stored."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from sqlalchemy import select

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.testing import unique_name
from recording_sync.adapters.storage_local import LocalStorage
from recording_sync.adapters.storage_s3 import S3Storage
from recording_sync.adapters.tables import outbox
from recording_sync.adapters.upload_tables import manual_uploads
from recording_sync.bootstrap import Running
from tests.unit.recording_sync.upload_fixtures import (
    MIB,
    SessionScheduler,
    caller,
    executable,
    mp4,
    send,
    serving_scheduler,
    upload_service,
)

TEACHER = caller("teacher-1", "teacher")
OTHER_TEACHER = caller("teacher-2", "teacher")
STUDENT = caller("student-1", "student")
ADMIN = caller("admin-1", "admin")
OTHER_TENANT_ADMIN = caller("admin-9", "admin", tenant="acme")


@pytest.fixture
async def scheduler() -> AsyncIterator[tuple[SessionScheduler, int]]:
    fake = SessionScheduler()
    fake.teacher("default", "teacher-1", ["b-1", "b-solo"])
    fake.teacher("default", "teacher-2", ["b-2"])
    fake.student("default", "student-1", ["b-1"])
    fake.session("default", "s-1", "b-1")
    fake.session("default", "s-solo", "b-solo", individual="student-7")
    fake.session("acme", "s-acme", "b-acme")
    async with serving_scheduler(fake) as port:
        yield fake, port


@pytest.fixture(params=["local", "s3"])
async def service(
    request: pytest.FixtureRequest, tmp_path: Path, scheduler: tuple[SessionScheduler, int]
) -> AsyncIterator[Running]:
    overrides: dict[str, Any] = {"upload_max_bytes_by_tenant": "default=40MiB"}
    if request.param == "s3":
        moto_url = request.getfixturevalue("moto_url")
        overrides |= {
            "s3_endpoint_url": moto_url,
            "s3_bucket": unique_name("uploads"),
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_create_bucket": True,
            "s3_multipart_chunk_bytes": 5 * MIB,
        }
    async with upload_service(tmp_path, scheduler[1], **overrides) as running:
        yield running


@pytest.fixture
async def stub(service: Running) -> AsyncIterator[recording_sync_pb2_grpc.RecordingSyncServiceStub]:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        yield recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)


async def _start(stub: Any, size: int, who: Any = TEACHER, **fields: Any) -> pb.ManualUpload:
    request = pb.CreateManualUploadRequest(
        session_id=fields.pop("session_id", "s-1"), file_name="lesson.mp4", size_bytes=size
    )
    for name, value in fields.items():
        setattr(request, name, value)
    answer: pb.ManualUpload = await stub.CreateManualUpload(request, metadata=who)
    return answer


async def _code(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code()


async def _stored(service: Running, key: str) -> bytes | None:
    """The stored object's bytes (None when there is none), read behind the storage's back."""
    storage: Any = service.storage
    if isinstance(storage, S3Storage):
        try:
            answer = storage._client.get_object(Bucket=storage.bucket, Key=key)
        except storage._client.exceptions.NoSuchKey:
            return None
        return bytes(answer["Body"].read())
    assert isinstance(storage, LocalStorage)
    path = storage.root / key
    return path.read_bytes() if path.exists() else None


def _pending_uploads(service: Running) -> list[Any]:
    """Incomplete S3 multipart uploads, or local temporary files."""
    storage: Any = service.storage
    if isinstance(storage, S3Storage):
        listed = storage._client.list_multipart_uploads(Bucket=storage.bucket)
        return list(listed.get("Uploads", []))
    return [p for p in storage.root.rglob("*") if ".partial-" in p.name]


async def _events(service: Running) -> list[rev.RecordingSynced]:
    async with service.sessions() as session:
        rows = (
            await session.execute(select(outbox).where(outbox.c.type == "recording.synced"))
        ).all()
    return [rev.RecordingSynced.FromString(r.body) for r in rows]


async def _row(service: Running, upload_id: str) -> Any:
    async with service.sessions() as session:
        return (
            await session.execute(select(manual_uploads).where(manual_uploads.c.id == upload_id))
        ).one()


async def test_an_upload_in_small_pieces_becomes_a_recording_and_its_event(
    service: Running, stub: Any
) -> None:
    data = mp4(11 * MIB + 12345)
    digest = hashlib.sha256(data).hexdigest()
    upload = await _start(stub, len(data), sha256=digest, lesson_title="Week 1")
    assert upload.state == pb.MANUAL_UPLOAD_STATE_UPLOADING
    assert upload.offset == 0
    offset = 0
    for size in (1000, 3 * MIB, MIB, 4 * MIB + 7, 2 * MIB):  # parts end anywhere
        answer = await send(stub, upload.id, offset, data[offset : offset + size], TEACHER)
        offset += size
        assert answer.offset == offset, "every byte sent is acknowledged: it is durable"
        assert answer.state == pb.MANUAL_UPLOAD_STATE_UPLOADING
        assert answer.content_type == ("video/mp4" if offset >= 8192 else ""), "sniffed"
    answer = await send(stub, upload.id, offset, data[offset:], TEACHER)
    assert answer.state == pb.MANUAL_UPLOAD_STATE_COMPLETED
    assert answer.offset == len(data)
    assert answer.sha256 == digest
    assert answer.recording_id
    recording = await stub.GetRecording(
        pb.GetRecordingRequest(recording_id=answer.recording_id), metadata=TEACHER
    )
    assert recording.source == common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD
    assert recording.session_id == "s-1"
    assert recording.batch_id == "b-1"
    [stored_file] = recording.files
    assert stored_file.storage_key.startswith("videos/b-1/2030-01-15_1000_0_manual-upload_")
    assert stored_file.storage_key.endswith(".mp4")
    assert stored_file.sha256 == digest
    assert stored_file.lesson_title == "Week 1"
    assert await _stored(service, stored_file.storage_key) == data
    [event] = await _events(service)
    assert event.source == common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD
    assert event.recording_id == answer.recording_id
    assert event.session_id == "s-1"
    assert event.files[0].size_bytes == len(data)
    assert event.files[0].lesson_title == "Week 1"
    playback = await stub.GetPlaybackUrl(
        pb.GetPlaybackUrlRequest(recording_id=answer.recording_id), metadata=TEACHER
    )
    assert playback.content_type == "video/mp4"
    row = await _row(service, upload.id)
    assert row.tail is None
    assert row.checkpoint == ""
    assert row.lock_token == ""
    assert _pending_uploads(service) == []


async def test_an_append_that_breaks_off_keeps_what_was_stored_and_completes_from_there(
    service: Running, stub: Any
) -> None:
    data = mp4(13 * MIB + 999, seed=2)
    upload = await _start(stub, len(data))
    sent = asyncio.Event()

    async def messages() -> AsyncIterator[pb.ManualUploadChunk]:
        yield pb.ManualUploadChunk(start=pb.ManualUploadAppend(upload_id=upload.id, offset=0))
        for at in range(0, 10 * MIB, 256 * 1024):
            yield pb.ManualUploadChunk(data=data[at : at + 256 * 1024])
        sent.set()
        await asyncio.sleep(3600)  # the connection hangs: the caller gives up

    call = stub.AppendManualUpload(messages(), metadata=TEACHER)
    await sent.wait()
    await asyncio.sleep(0.5)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    for _ in range(100):  # the service notices the cancellation and records what is durable
        row = await _row(service, upload.id)
        if not row.lock_token:
            break
        await asyncio.sleep(0.05)
    state = await stub.GetManualUpload(
        pb.GetManualUploadRequest(upload_id=upload.id), metadata=TEACHER
    )
    assert 0 < state.offset <= 10 * MIB, state.offset
    answer = await send(stub, upload.id, state.offset, data[state.offset :], TEACHER)
    assert answer.state == pb.MANUAL_UPLOAD_STATE_COMPLETED
    recording = await stub.GetRecording(
        pb.GetRecordingRequest(recording_id=answer.recording_id), metadata=TEACHER
    )
    assert await _stored(service, recording.files[0].storage_key) == data


async def test_an_offset_that_is_not_the_uploads_is_aborted(service: Running, stub: Any) -> None:
    data = mp4(2 * MIB, seed=3)
    upload = await _start(stub, len(data))
    assert await _code(send(stub, upload.id, 10, data[10:], TEACHER)) == grpc.StatusCode.ABORTED
    first = await send(stub, upload.id, 0, data[:MIB], TEACHER)
    assert first.offset == MIB
    assert await _code(send(stub, upload.id, 0, data, TEACHER)) == grpc.StatusCode.ABORTED


async def test_bytes_that_are_no_recording_are_refused_and_nothing_is_stored(
    service: Running, stub: Any
) -> None:
    data = executable(6 * MIB)
    upload = await _start(stub, len(data))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await send(stub, upload.id, 0, data, TEACHER)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not a recording" in (refused.value.details() or "")
    state = await stub.GetManualUpload(
        pb.GetManualUploadRequest(upload_id=upload.id), metadata=TEACHER
    )
    assert state.state == pb.MANUAL_UPLOAD_STATE_FAILED
    assert state.error_reason == "UNSUPPORTED_MEDIA_TYPE"
    row = await _row(service, upload.id)
    assert row.tail is None
    assert row.checkpoint == ""
    assert row.storage_key == ""
    assert await _events(service) == []
    assert _pending_uploads(service) == []
    assert await _code(send(stub, upload.id, 0, data, TEACHER)) == grpc.StatusCode.NOT_FOUND, (
        "a refused upload cannot be continued"
    )


async def test_a_file_over_the_tenants_limit_is_refused_before_anything(
    service: Running, stub: Any
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _start(stub, 40 * MIB + 1)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "at most 41943040 bytes" in (refused.value.details() or "")
    limits = await stub.GetManualUploadLimits(pb.GetManualUploadLimitsRequest(), metadata=TEACHER)
    assert limits.max_size_bytes == 40 * MIB
    assert "video/mp4" in limits.content_types
    data = mp4(MIB, seed=4)
    upload = await _start(stub, len(data) - 10)
    assert (
        await _code(send(stub, upload.id, 0, data, TEACHER)) == grpc.StatusCode.FAILED_PRECONDITION
    )


async def test_only_the_sessions_teachers_and_admins_upload_and_only_the_uploader_continues(
    service: Running, stub: Any
) -> None:
    assert await _code(_start(stub, 100, STUDENT)) == grpc.StatusCode.PERMISSION_DENIED
    assert await _code(_start(stub, 100, OTHER_TEACHER)) == grpc.StatusCode.PERMISSION_DENIED
    assert await _code(_start(stub, 100, OTHER_TENANT_ADMIN)) == grpc.StatusCode.NOT_FOUND
    assert await _code(_start(stub, 100, TEACHER, session_id="nope")) == grpc.StatusCode.NOT_FOUND
    upload = await _start(stub, 3 * MIB)
    data = mp4(3 * MIB, seed=5)
    for who in (OTHER_TEACHER, OTHER_TENANT_ADMIN):
        assert await _code(send(stub, upload.id, 0, data, who)) == grpc.StatusCode.NOT_FOUND
        assert (
            await _code(
                stub.GetManualUpload(pb.GetManualUploadRequest(upload_id=upload.id), metadata=who)
            )
            == grpc.StatusCode.NOT_FOUND
        )
    assert await _code(send(stub, upload.id, 0, data, STUDENT)) == grpc.StatusCode.PERMISSION_DENIED
    answer = await send(stub, upload.id, 0, data, ADMIN)  # the tenant's admin may finish it
    assert answer.state == pb.MANUAL_UPLOAD_STATE_COMPLETED
    admin_upload = await _start(stub, 10, ADMIN, session_id="s-solo")
    assert admin_upload.state == pb.MANUAL_UPLOAD_STATE_UPLOADING


async def test_an_individual_batchs_upload_is_filed_under_its_student(
    service: Running, stub: Any
) -> None:
    data = mp4(300_000, seed=6)
    upload = await _start(stub, len(data), session_id="s-solo")
    answer = await send(stub, upload.id, 0, data, TEACHER)
    recording = await stub.GetRecording(
        pb.GetRecordingRequest(recording_id=answer.recording_id), metadata=TEACHER
    )
    assert recording.files[0].storage_key.startswith("videos/student/student-7/")


async def test_a_terminated_upload_leaves_nothing_behind(service: Running, stub: Any) -> None:
    data = mp4(12 * MIB, seed=7)
    upload = await _start(stub, len(data))
    answer = await send(stub, upload.id, 0, data[: 11 * MIB], TEACHER)
    assert answer.offset == 11 * MIB
    row = await _row(service, upload.id)
    assert row.checkpoint, "whole parts are in storage"
    await stub.DeleteManualUpload(
        pb.DeleteManualUploadRequest(upload_id=upload.id), metadata=TEACHER
    )
    assert await service.storage.resume(row.storage_key, row.checkpoint) is None
    assert _pending_uploads(service) == []
    assert await _stored(service, row.storage_key) is None
    assert await _code(send(stub, upload.id, 11 * MIB, data[11 * MIB :], TEACHER)) == (
        grpc.StatusCode.NOT_FOUND
    )


async def test_a_form_upload_of_unknown_exact_size_ends_with_its_last_append(
    service: Running, stub: Any
) -> None:
    data = mp4(2 * MIB + 17, seed=8)
    upload = await _start(stub, len(data) + 500)  # a bound: the form's Content-Length
    answer = await send(stub, upload.id, 0, data, TEACHER, last=True)
    assert answer.state == pb.MANUAL_UPLOAD_STATE_COMPLETED
    assert answer.size_bytes == len(data) == answer.offset


async def test_the_same_request_id_returns_the_same_upload(service: Running, stub: Any) -> None:
    first = await _start(stub, 1000, request_id="r-1")
    again = await _start(stub, 1000, request_id="r-1")
    assert again.id == first.id
    assert await _code(_start(stub, 2000, request_id="r-1")) == grpc.StatusCode.INVALID_ARGUMENT


async def test_deleting_an_uploaded_recording_removes_its_object_and_tells_the_scheduler(
    service: Running, stub: Any
) -> None:
    data = mp4(6 * MIB, seed=9)
    upload = await _start(stub, len(data))
    answer = await send(stub, upload.id, 0, data, TEACHER)
    recording = await stub.GetRecording(
        pb.GetRecordingRequest(recording_id=answer.recording_id), metadata=TEACHER
    )
    key = recording.files[0].storage_key
    assert await _stored(service, key) == data
    await stub.DeleteRecording(
        pb.DeleteRecordingRequest(recording_id=answer.recording_id), metadata=TEACHER
    )
    assert await _stored(service, key) is None
    async with service.sessions() as session:
        rows = (
            await session.execute(select(outbox.c.body).where(outbox.c.type == "recording.removed"))
        ).all()
    [removed] = [rev.RecordingRemoved.FromString(r.body) for r in rows]
    assert removed.recording_id == answer.recording_id
    assert removed.session_id == "s-1"


async def test_one_append_at_a_time(service: Running, stub: Any) -> None:
    data = mp4(3 * MIB, seed=10)
    upload = await _start(stub, len(data))
    holding = asyncio.Event()

    async def messages() -> AsyncIterator[pb.ManualUploadChunk]:
        yield pb.ManualUploadChunk(start=pb.ManualUploadAppend(upload_id=upload.id, offset=0))
        yield pb.ManualUploadChunk(data=data[:MIB])
        holding.set()
        await asyncio.sleep(3600)

    first = stub.AppendManualUpload(messages(), metadata=TEACHER)
    await holding.wait()
    for _ in range(100):
        if (await _row(service, upload.id)).lock_token:
            break
        await asyncio.sleep(0.05)
    assert await _code(send(stub, upload.id, 0, data, TEACHER)) == grpc.StatusCode.ABORTED
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
