"""recording-sync's API beyond the pipeline, on one service (SQLite, in-process bus) with a fake
scheduler answering ListMemberships: who may open a recorded lesson (public, specific user,
enrolled students, expiry, view versus download), grants, deletion, recordings listing, job
control and statistics; and two pipeline paths driven by hand with a fake gateway — a refused
download host, and a meeting that never gets a recording (retries, then ``no_recording``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import func, insert, select

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import make_settings
from recording_sync.adapters.downloader import Downloader
from recording_sync.adapters.tables import (
    access_grants,
    meeting_projections,
    outbox,
    recording_files,
    recordings,
    sync_jobs,
)
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.domain import model as m
from recording_sync.service_layer.sync import SyncPipeline, SyncPolicy
from recording_sync.settings import Settings
from tests.unit.recording_sync.fakes import FakeScheduler, serving

SECRET = "recording-sync-api-test-secret-long-enough-for-hs256"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def scheduler() -> AsyncIterator[tuple[FakeScheduler, int]]:
    fake = FakeScheduler()
    # teacher-1 teaches every batch these tests use; st-enrolled attends b-1 (all in the default
    # tenant: the tokens below carry no tenant claim).
    fake.teacher("default", "teacher-1", ["b-1", "b-9", "b-r", "b-l", "b-s", "b-solo", "b-n"])
    fake.student("default", "st-enrolled", ["b-1"])
    async with serving(fake) as port:
        yield fake, port


@pytest.fixture
async def service(tmp_path: Path, scheduler: tuple[FakeScheduler, int]) -> AsyncIterator[Running]:
    settings = make_settings(
        Settings,
        service_name="recording-sync",
        data_dir=tmp_path,
        auth_jwt_secret=SECRET,
        grpc_host="127.0.0.1",
        grpc_port=0,
        files_http_port=0,
        scheduler_addr=f"127.0.0.1:{scheduler[1]}",
        zoom_gateway_addr="127.0.0.1:9",  # nothing there: background copies just fail
        zoom_gateway_timeout_seconds=1.0,
        sync_sweep_interval_seconds=0,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with InProcessBus() as bus, running(settings, bus=bus) as started:
        yield started


def _md(subject: str, *roles: str) -> tuple[tuple[str, str], ...]:
    # Long-lived: made at import, and a long suite must not outlive it.
    token = issue_token(subject=subject, secret=SECRET, roles=list(roles), ttl=timedelta(hours=12))
    return (("authorization", f"Bearer {token}"),)


TEACHER = _md("teacher-1", "teacher")


@asynccontextmanager
async def _stub(
    service: Running,
) -> AsyncIterator[recording_sync_pb2_grpc.RecordingSyncServiceStub]:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        yield recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)


async def _code(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code()


def _ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _job(**values: Any) -> dict[str, Any]:
    job_id = values.pop("id", f"job_{uuid.uuid4().hex}")
    row: dict[str, Any] = {
        "id": job_id,
        "job_key": f"uuid-{job_id}",
        "meeting_id": 85000000000 + len(job_id),
        "meeting_uuid": f"uuid-{job_id}",
        "session_id": "s-1",
        "batch_id": "b-1",
        "batch_type": "group",
        "state": m.SYNCED,
        "trigger": m.WEBHOOK,
        "attempts": 1,
        "max_attempts": 3,
        "recording_id": f"rec_{job_id}",
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW - timedelta(hours=1),
    }
    row.update(values)
    return row


async def _seed_recording(
    service: Running, *, batch_id: str = "b-1", batch_type: str = "group", student_id: str = ""
) -> tuple[str, str, str]:
    """A synced recording with one stored MP4 (bytes really in storage): (recording, file, key)."""
    job = _job(batch_id=batch_id, batch_type=batch_type, student_id=student_id)
    key = f"videos/{batch_id}/{job['id']}.mp4"

    async def chunks() -> AsyncIterator[bytes]:
        yield b"lesson-bytes" * 100

    stored = await service.storage.put_stream(key, chunks(), content_type="video/mp4")
    file_id = f"file_{uuid.uuid4().hex}"
    async with service.sessions() as session, session.begin():
        await session.execute(insert(sync_jobs).values(**job))
        await session.execute(
            insert(recordings).values(
                id=job["recording_id"],
                job_id=job["id"],
                source="zoom_auto_sync",
                session_id="s-1",
                batch_id=batch_id,
                batch_type=batch_type,
                student_id=student_id,
                meeting_id=job["meeting_id"],
                meeting_uuid=job["meeting_uuid"],
                topic="Lesson",
                start_time=NOW - timedelta(hours=2),
                duration_seconds=3600,
                total_size_bytes=stored.size,
                file_count=1,
                created_at=NOW,
                sync_time=NOW,
            )
        )
        await session.execute(
            insert(recording_files).values(
                id=file_id,
                job_id=job["id"],
                recording_id=job["recording_id"],
                zoom_file_id=f"zf-{file_id}",
                file_type="mp4",
                zoom_file_type="MP4",
                file_extension="MP4",
                state=m.F_STORED,
                storage_key=key,
                file_name=key.rsplit("/", 1)[1],
                content_type="video/mp4",
                size_bytes=stored.size,
                sha256=stored.sha256,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return str(job["recording_id"]), file_id, key


async def _grant(
    stub: Any, recording_id: str, scope: int, level: int, user_id: str = ""
) -> pb.AccessGrant:
    return await stub.CreateAccessGrant(
        pb.CreateAccessGrantRequest(
            request_id=uuid.uuid4().hex,
            grant=pb.AccessGrant(
                recording_id=recording_id, scope=scope, level=level, user_id=user_id
            ),  # type: ignore[arg-type]
        ),
        metadata=TEACHER,
        timeout=10,
    )


def _playback(recording_id: str, *, download: bool = False) -> pb.GetPlaybackUrlRequest:
    return pb.GetPlaybackUrlRequest(
        recording_id=recording_id,
        disposition=pb.DISPOSITION_ATTACHMENT if download else pb.DISPOSITION_INLINE,
        ttl=Duration(seconds=24 * 3600),
    )


async def test_without_a_grant_only_staff_open_a_recording(service: Running) -> None:
    recording_id, file_id, _ = await _seed_recording(service)
    student = _md("st-enrolled", "student")
    async with _stub(service) as stub:
        url = await stub.GetPlaybackUrl(_playback(recording_id), metadata=TEACHER, timeout=10)
        assert url.file_id == file_id
        assert url.url
        # The lifetime is clamped to the configured maximum (15 minutes by default).
        lifetime = url.expire_time.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
        assert lifetime <= timedelta(seconds=service.settings.playback_url_max_ttl_seconds)
        admin = _md("admin-1", "admin")
        assert (await stub.GetPlaybackUrl(_playback(recording_id), metadata=admin)).url
        # A user token claiming the service role is no service (services have their own key).
        impostor = stub.GetPlaybackUrl(_playback(recording_id), metadata=_md("edge", "service"))
        assert await _code(impostor) == grpc.StatusCode.UNAUTHENTICATED

        # "Non-enrolled cannot access recordings (403)" — and without any grant, nobody else.
        for call in (
            stub.GetPlaybackUrl(_playback(recording_id), metadata=student, timeout=10),
            stub.GetPlaybackUrl(_playback(recording_id, download=True), metadata=student),
        ):
            assert await _code(call) == grpc.StatusCode.PERMISSION_DENIED
        got = stub.GetRecording(pb.GetRecordingRequest(recording_id=recording_id), metadata=student)
        assert await _code(got) == grpc.StatusCode.NOT_FOUND
        listed = await stub.ListRecordings(
            pb.ListRecordingsRequest(batch_id="b-1"), metadata=student, timeout=10
        )
        assert (list(listed.recordings), listed.total_size) == ([], 0)


async def test_public_grant_lets_any_signed_in_user_view_but_not_download(
    service: Running,
) -> None:
    recording_id, _, _ = await _seed_recording(service)
    anyone = _md("someone", "student")
    async with _stub(service) as stub:
        await _grant(stub, recording_id, pb.ACCESS_SCOPE_PUBLIC, pb.ACCESS_LEVEL_VIEW)
        assert (await stub.GetPlaybackUrl(_playback(recording_id), metadata=anyone)).url
        denied = stub.GetPlaybackUrl(_playback(recording_id, download=True), metadata=anyone)
        assert await _code(denied) == grpc.StatusCode.PERMISSION_DENIED
        seen = await stub.GetRecording(
            pb.GetRecordingRequest(recording_id=recording_id), metadata=anyone
        )
        assert seen.caller_access.can_view
        assert not seen.caller_access.can_download
        assert len(seen.files) == 1


async def test_specific_user_grant_applies_to_that_user_only(service: Running) -> None:
    recording_id, _, _ = await _seed_recording(service)
    async with _stub(service) as stub:
        await _grant(
            stub, recording_id, pb.ACCESS_SCOPE_SPECIFIC_USER, pb.ACCESS_LEVEL_DOWNLOAD, "st-a"
        )
        url = await stub.GetPlaybackUrl(
            _playback(recording_id, download=True), metadata=_md("st-a", "student")
        )
        assert url.url
        assert url.file_name.endswith(".mp4")
        other = stub.GetPlaybackUrl(_playback(recording_id), metadata=_md("st-b", "student"))
        assert await _code(other) == grpc.StatusCode.PERMISSION_DENIED


async def test_an_expired_grant_opens_nothing(service: Running) -> None:
    recording_id, _, _ = await _seed_recording(service)
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(access_grants).values(
                id="grant-expired",
                recording_id=recording_id,
                scope="specific_user",
                user_id="st-late",
                level="download",
                expires_at=NOW - timedelta(minutes=1),
                created_at=NOW - timedelta(days=1),
            )
        )
    async with _stub(service) as stub:
        late = stub.GetPlaybackUrl(_playback(recording_id), metadata=_md("st-late", "student"))
        assert await _code(late) == grpc.StatusCode.PERMISSION_DENIED
        # And one cannot create a grant that is already over.
        past = stub.CreateAccessGrant(
            pb.CreateAccessGrantRequest(
                grant=pb.AccessGrant(
                    recording_id=recording_id,
                    scope=pb.ACCESS_SCOPE_PUBLIC,
                    level=pb.ACCESS_LEVEL_VIEW,
                    expire_time=_ts(NOW - timedelta(hours=1)),
                )
            ),
            metadata=TEACHER,
        )
        assert await _code(past) == grpc.StatusCode.INVALID_ARGUMENT
        listed = await stub.ListAccessGrants(
            pb.ListAccessGrantsRequest(recording_id=recording_id), metadata=TEACHER
        )
        assert list(listed.grants) == []
        listed = await stub.ListAccessGrants(
            pb.ListAccessGrantsRequest(recording_id=recording_id, include_expired=True),
            metadata=TEACHER,
        )
        assert [g.id for g in listed.grants] == ["grant-expired"]


async def test_enrolled_students_grant_asks_the_scheduler(
    service: Running, scheduler: tuple[FakeScheduler, int]
) -> None:
    fake, _ = scheduler
    recording_id, _, _ = await _seed_recording(service)
    async with _stub(service) as stub:
        await _grant(stub, recording_id, pb.ACCESS_SCOPE_ENROLLED_STUDENTS, pb.ACCESS_LEVEL_VIEW)
        enrolled = _md("st-enrolled", "student")
        assert (await stub.GetPlaybackUrl(_playback(recording_id), metadata=enrolled)).url
        assert any(c.user_id == "st-enrolled" and c.tenant_id == "default" for c in fake.calls)
        download = stub.GetPlaybackUrl(_playback(recording_id, download=True), metadata=enrolled)
        assert await _code(download) == grpc.StatusCode.PERMISSION_DENIED
        outsider = stub.GetPlaybackUrl(_playback(recording_id), metadata=_md("st-x", "student"))
        assert await _code(outsider) == grpc.StatusCode.PERMISSION_DENIED

        listed = await stub.ListRecordings(
            pb.ListRecordingsRequest(student_id="st-enrolled"), metadata=enrolled
        )
        assert [r.id for r in listed.recordings] == [recording_id]
        other = stub.ListRecordings(pb.ListRecordingsRequest(student_id="st-x"), metadata=enrolled)
        assert await _code(other) == grpc.StatusCode.PERMISSION_DENIED


async def test_enrolled_students_of_an_individual_batch_is_its_student(
    service: Running, scheduler: tuple[FakeScheduler, int]
) -> None:
    fake, _ = scheduler
    recording_id, _, _ = await _seed_recording(
        service, batch_id="b-solo", batch_type="individual", student_id="st-solo"
    )
    async with _stub(service) as stub:
        await _grant(
            stub, recording_id, pb.ACCESS_SCOPE_ENROLLED_STUDENTS, pb.ACCESS_LEVEL_DOWNLOAD
        )
        fake.calls.clear()
        url = await stub.GetPlaybackUrl(
            _playback(recording_id, download=True), metadata=_md("st-solo", "student")
        )
        assert url.url
        assert fake.calls == []  # the batch's own student: no question to ask
        other = stub.GetPlaybackUrl(_playback(recording_id), metadata=_md("st-enrolled", "student"))
        assert await _code(other) == grpc.StatusCode.PERMISSION_DENIED


async def test_grants_are_idempotent_by_request_id_and_staff_only(service: Running) -> None:
    recording_id, _, _ = await _seed_recording(service)
    request = pb.CreateAccessGrantRequest(
        request_id="req-1",
        grant=pb.AccessGrant(
            recording_id=recording_id, scope=pb.ACCESS_SCOPE_PUBLIC, level=pb.ACCESS_LEVEL_VIEW
        ),
    )
    async with _stub(service) as stub:
        first = await stub.CreateAccessGrant(request, metadata=TEACHER)
        again = await stub.CreateAccessGrant(request, metadata=TEACHER)
        assert again.id == first.id
        assert first.created_by == "teacher-1"
        twin = pb.CreateAccessGrantRequest(request_id="req-2", grant=request.grant)
        assert await _code(stub.CreateAccessGrant(twin, metadata=TEACHER)) == (
            grpc.StatusCode.ALREADY_EXISTS
        )
        student = _md("st-a", "student")
        assert await _code(stub.CreateAccessGrant(twin, metadata=student)) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
        missing = pb.CreateAccessGrantRequest(
            grant=pb.AccessGrant(
                recording_id="rec-none", scope=pb.ACCESS_SCOPE_PUBLIC, level=pb.ACCESS_LEVEL_VIEW
            )
        )
        assert await _code(stub.CreateAccessGrant(missing, metadata=TEACHER)) == (
            grpc.StatusCode.NOT_FOUND
        )
        assert (await stub.GetPlaybackUrl(_playback(recording_id), metadata=student)).url
        await stub.DeleteAccessGrant(
            pb.DeleteAccessGrantRequest(grant_id=first.id), metadata=TEACHER
        )
        gone = stub.GetPlaybackUrl(_playback(recording_id), metadata=student)
        assert await _code(gone) == grpc.StatusCode.PERMISSION_DENIED
        again_gone = stub.DeleteAccessGrant(
            pb.DeleteAccessGrantRequest(grant_id=first.id), metadata=TEACHER
        )
        assert await _code(again_gone) == grpc.StatusCode.NOT_FOUND


async def test_delete_recording_removes_objects_rows_and_tells_the_others(
    service: Running,
) -> None:
    recording_id, _, key = await _seed_recording(service)
    async with _stub(service) as stub:
        await _grant(stub, recording_id, pb.ACCESS_SCOPE_PUBLIC, pb.ACCESS_LEVEL_VIEW)
        request = pb.DeleteRecordingRequest(recording_id=recording_id)
        denied = stub.DeleteRecording(request, metadata=_md("st-a", "student"))
        assert await _code(denied) == grpc.StatusCode.PERMISSION_DENIED
        assert await service.storage.head(key) is not None
        await stub.DeleteRecording(request, metadata=TEACHER)
        assert await _code(stub.DeleteRecording(request, metadata=TEACHER)) == (
            grpc.StatusCode.NOT_FOUND
        )
    await service.pipeline.idle()  # objects go once the rows' change has committed
    assert await service.storage.head(key) is None
    async with service.sessions() as session:
        for table, column in (
            (recordings, recordings.c.id),
            (access_grants, access_grants.c.recording_id),
        ):
            count = await session.scalar(
                select(func.count()).select_from(table).where(column == recording_id)
            )
            assert count == 0, table.name
        # The file rows stay as tombstones (a re-sent Zoom event never copies them again),
        # without an object to point at.
        files = (
            await session.execute(
                select(recording_files).where(recording_files.c.recording_id == recording_id)
            )
        ).all()
        assert [(f.state, f.storage_key) for f in files] == [("deleted", "")]
        bodies = (
            await session.execute(select(outbox.c.body).where(outbox.c.type == "recording.removed"))
        ).all()
    event = rev.RecordingRemoved.FromString(bodies[0].body)
    assert len(bodies) == 1
    assert (event.recording_id, event.removed_by) == (recording_id, "teacher-1")
    assert event.reason == rev.REMOVAL_REASON_DELETED_BY_USER


async def _link(service: Running, meeting_id: int, start: datetime, batch_id: str = "b-9") -> None:
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(meeting_projections).values(
                meeting_id=meeting_id,
                session_id=f"s-{meeting_id}",
                batch_id=batch_id,
                batch_type="group",
                folder=f"videos/{batch_id}",
                status="linked",
                start_time=start,
                duration_minutes=60,
                linked_at=NOW - timedelta(days=2),
                last_event_at=NOW - timedelta(days=2),
                updated_at=NOW - timedelta(days=2),
            )
        )


async def test_sync_batch_queues_ended_meetings_and_skips_the_rest(service: Running) -> None:
    await _link(service, 81000000001, NOW - timedelta(hours=3))  # ended
    await _link(service, 81000000002, NOW + timedelta(days=1))  # not yet
    await _link(service, 81000000003, NOW - timedelta(hours=5))  # ended and synced
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(sync_jobs).values(
                **_job(meeting_id=81000000003, batch_id="b-9", session_id="s-81000000003")
            )
        )
    async with _stub(service) as stub:
        answer = await stub.SyncBatch(pb.SyncBatchRequest(batch_id="b-9"), metadata=TEACHER)
        assert [j.meeting_id for j in answer.jobs] == [81000000001]
        assert answer.jobs[0].state == pb.SYNC_STATE_PENDING
        assert answer.jobs[0].trigger == pb.SYNC_TRIGGER_MANUAL
        assert (answer.skipped_synced, answer.skipped_not_ended) == (1, 1)
        forced = await stub.SyncBatch(
            pb.SyncBatchRequest(batch_id="b-9", force=True), metadata=TEACHER
        )
        assert {j.meeting_id for j in forced.jobs} == {81000000001, 81000000003}
        student = stub.SyncBatch(pb.SyncBatchRequest(batch_id="b-9"), metadata=_md("s", "student"))
        assert await _code(student) == grpc.StatusCode.PERMISSION_DENIED
    await service.pipeline.stop()


async def test_retry_sync_requeues_failed_jobs_with_a_fresh_budget(service: Running) -> None:
    failed = _job(state=m.FAILED, attempts=3, last_error_type="download", batch_id="b-r")
    done = _job(state=m.SYNCED, batch_id="b-r")
    async with service.sessions() as session, session.begin():
        await session.execute(insert(sync_jobs).values(**failed))
        await session.execute(insert(sync_jobs).values(**done))
    async with _stub(service) as stub:
        not_failed = stub.RetrySync(pb.RetrySyncRequest(job_id=done["id"]), metadata=TEACHER)
        assert await _code(not_failed) == grpc.StatusCode.FAILED_PRECONDITION
        answer = await stub.RetrySync(pb.RetrySyncRequest(batch_id="b-r"), metadata=TEACHER)
        assert [(j.id, j.attempts, j.trigger) for j in answer.jobs] == [
            (failed["id"], 0, pb.SYNC_TRIGGER_RETRY)
        ]
        assert answer.jobs[0].state == pb.SYNC_STATE_PENDING
    await service.pipeline.stop()


async def test_a_retry_takes_over_a_job_whose_worker_died_but_not_one_still_beating(
    service: Running,
) -> None:
    """A job left `downloading` by a crashed worker (its lease ran out) is taken over by a
    retry at once; one whose worker still beats is left to it (a retry is refused)."""
    now = datetime.now(UTC)
    dead = _job(
        state=m.DOWNLOADING,
        batch_id="b-r",
        lease_owner="gone-1-abc",
        lease_until=now - timedelta(seconds=5),
        lease_generation=1,
    )
    alive = _job(
        state=m.DOWNLOADING,
        batch_id="b-r",
        lease_owner="busy-2-def",
        lease_until=now + timedelta(minutes=5),
        lease_generation=1,
    )
    async with service.sessions() as session, session.begin():
        await session.execute(insert(sync_jobs).values(**dead))
        await session.execute(insert(sync_jobs).values(**alive))
    async with _stub(service) as stub:
        busy = stub.RetrySync(pb.RetrySyncRequest(job_id=alive["id"]), metadata=TEACHER)
        assert await _code(busy) == grpc.StatusCode.FAILED_PRECONDITION
        answer = await stub.RetrySync(pb.RetrySyncRequest(job_id=dead["id"]), metadata=TEACHER)
        assert [j.id for j in answer.jobs] == [dead["id"]]
    await service.pipeline.idle()
    async with service.sessions() as session:
        rows = {
            r.id: r
            for r in (
                await session.execute(select(sync_jobs).where(sync_jobs.c.batch_id == "b-r"))
            ).all()
        }
    # Claimed again by this process (generation 2), and its attempt made (this service has no
    # zoom-gateway, so it failed and waits for a retry); the worker that still beats kept its.
    taken = rows[dead["id"]]
    assert taken.lease_generation == 2
    assert (taken.state, taken.attempts, taken.lease_owner) == (m.PENDING, dead["attempts"] + 1, "")
    assert taken.last_error_type == "zoom_unavailable"
    assert (rows[alive["id"]].lease_owner, rows[alive["id"]].lease_generation) == (
        "busy-2-def",
        1,
    )


async def test_list_sync_jobs_pages_with_opaque_tokens(service: Running) -> None:
    rows = [
        _job(batch_id="b-l", updated_at=NOW - timedelta(minutes=i), state=state)
        for i, state in enumerate((m.SYNCED, m.FAILED, m.SYNCED))
    ]
    async with service.sessions() as session, session.begin():
        for row in rows:
            await session.execute(insert(sync_jobs).values(**row))
    async with _stub(service) as stub:
        first = await stub.ListSyncJobs(
            pb.ListSyncJobsRequest(batch_id="b-l", page_size=2), metadata=TEACHER
        )
        assert [j.id for j in first.jobs] == [rows[0]["id"], rows[1]["id"]]
        assert first.total_size == 3
        assert first.next_page_token
        second = await stub.ListSyncJobs(
            pb.ListSyncJobsRequest(batch_id="b-l", page_size=2, page_token=first.next_page_token),
            metadata=TEACHER,
        )
        assert [j.id for j in second.jobs] == [rows[2]["id"]]
        assert second.next_page_token == ""
        synced = await stub.ListSyncJobs(
            pb.ListSyncJobsRequest(batch_id="b-l", states=[pb.SYNC_STATE_SYNCED]), metadata=TEACHER
        )
        assert synced.total_size == 2
        wrong = stub.ListSyncJobs(
            pb.ListSyncJobsRequest(batch_id="other", page_token=first.next_page_token),
            metadata=TEACHER,
        )
        assert await _code(wrong) == grpc.StatusCode.INVALID_ARGUMENT


async def test_sync_statistics_from_the_tables(service: Running) -> None:
    recording_id, _, _ = await _seed_recording(service, batch_id="b-s")
    started = NOW - timedelta(minutes=10)
    async with service.sessions() as session, session.begin():
        await session.execute(
            sync_jobs.update()
            .where(sync_jobs.c.recording_id == recording_id)
            .values(started_at=started, finished_at=started + timedelta(seconds=120))
        )
        await session.execute(
            insert(sync_jobs).values(
                **_job(
                    batch_id="b-s",
                    state=m.FAILED,
                    last_error_type="download",
                    started_at=started,
                    finished_at=started + timedelta(seconds=30),
                    updated_at=started + timedelta(seconds=30),
                )
            )
        )
        await session.execute(insert(sync_jobs).values(**_job(batch_id="b-s", state=m.WAITING)))
    async with _stub(service) as stub:
        stats = await stub.GetSyncStatistics(
            pb.GetSyncStatisticsRequest(batch_id="b-s"), metadata=TEACHER
        )
    assert (stats.jobs_finished, stats.jobs_synced, stats.success_rate) == (2, 1, 0.5)
    assert stats.average_processing_time.ToTimedelta() == timedelta(seconds=120)
    assert (stats.recordings_count, stats.files_count) == (1, 1)
    assert stats.storage_used_bytes == len(b"lesson-bytes" * 100)
    assert [(e.error_type, e.count) for e in stats.errors_by_type] == [
        (common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, 1)
    ]
    assert stats.jobs_in_progress == 1


# ---------------------------------------------------------------- pipeline paths, by hand


class FakeGateway:
    """The zoom-gateway port: a fixed recording (or none) and a fixed download answer."""

    def __init__(self, recording: m.ZoomRecording | None, access: m.DownloadAccess) -> None:
        self.recording = recording
        self.access = access
        self.listed = 0
        self.downloads = 0  # download access asked for
        self.tenants: list[str] = []  # the tenant of every call (the job's)

    async def list_recording(self, *, tenant_id: str, **_: Any) -> m.ZoomRecording | None:
        self.listed += 1
        self.tenants.append(tenant_id)
        return self.recording

    async def download_access(self, *, tenant_id: str, **_: Any) -> m.DownloadAccess:
        self.downloads += 1
        self.tenants.append(tenant_id)
        return self.access


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _pipeline(
    service: Running, gateway: FakeGateway, downloader: Any, clock: Callable[[], datetime]
) -> SyncPipeline:
    return SyncPipeline(
        sessions=service.sessions,
        storage=service.storage,
        gateway=gateway,
        downloader=downloader,
        policy=SyncPolicy(
            sweep_delay=timedelta(minutes=5),
            retry_interval=timedelta(minutes=30),
            max_attempts=3,
            download_tries=2,
            download_backoff=0,
        ),
        clock=clock,
    )


def _zoom_file(url: str) -> m.ZoomFile:
    return m.ZoomFile(
        zoom_file_id="zf-1",
        meeting_uuid="uuid-host",
        file_type="mp4",
        zoom_file_type="MP4",
        extension="MP4",
        size=1000,
        download_url=url,
        recording_type="shared_screen_with_speaker_view",
        completed=True,
        recording_start=NOW - timedelta(hours=1),
        recording_end=NOW,
    )


async def test_a_download_from_a_host_not_allowed_fails_the_job_for_good(
    service: Running,
) -> None:
    url = "https://files.elsewhere.test/rec/download/abc?token=secret"
    gateway = FakeGateway(
        m.ZoomRecording(
            meeting_id=82000000001,
            meeting_uuid="uuid-host",
            topic="Host",
            start_time=NOW - timedelta(hours=1),
            duration_minutes=60,
            files=(_zoom_file(url),),
        ),
        m.DownloadAccess(
            url=url,
            token="t",
            credential_hosts=("zoom.us", "*.zoom.us"),
            redirect_hosts=("*.zoom.us",),
            size=1000,
        ),
    )
    downloader = Downloader(local_hosts=())
    pipeline = _pipeline(service, gateway, downloader, Clock(NOW))
    try:
        async with service.sessions() as session, session.begin():
            job_id = await pipeline.record_recording(
                session,
                gateway.recording,  # type: ignore[arg-type]
                trigger=m.WEBHOOK,
                tenant_id="acme",
            )
        assert job_id is not None
        assert await pipeline.run(job_id) == m.FAILED
    finally:
        await downloader.close()
    async with service.sessions() as session:
        job = (await session.execute(select(sync_jobs).where(sync_jobs.c.id == job_id))).one()
        files = (
            await session.execute(select(recording_files).where(recording_files.c.job_id == job_id))
        ).all()
        failed_events = (
            await session.execute(
                select(outbox.c.body).where(outbox.c.type == "recording.sync_failed")
            )
        ).all()
    assert (job.state, job.attempts, job.next_attempt_at) == (m.FAILED, 1, None)
    assert job.last_error_type == "disallowed_host"
    assert "files.elsewhere.test" in job.last_error
    assert "secret" not in job.last_error
    # The file says why too; the next attempt (a retry) copies it again.
    assert [(f.state, f.attempts, f.last_error_type) for f in files] == [
        (m.F_FAILED, 1, "disallowed_host")
    ]
    assert not any(f.storage_key for f in files)
    event = rev.RecordingSyncFailed.FromString(failed_events[0].body)
    assert not event.will_retry
    # The job, its files, the gateway's calls and the event are all of the event's tenant.
    assert job.tenant_id == "acme"
    assert {f.tenant_id for f in files} == {"acme"}
    assert event.tenant_id == "acme"
    assert gateway.tenants
    assert set(gateway.tenants) == {"acme"}
    assert await pipeline.sweep_once() == 0  # nothing left to retry


async def test_no_recording_is_retried_then_given_up(service: Running) -> None:
    start = NOW - timedelta(hours=2)
    await _link(service, 83000000001, start, batch_id="b-n")
    clock = Clock(start + timedelta(minutes=60 + 4))  # ended, but the 5-minute delay not over
    gateway = FakeGateway(
        None, m.DownloadAccess(url="", token="", credential_hosts=(), redirect_hosts=(), size=0)
    )
    pipeline = _pipeline(service, gateway, Downloader(local_hosts=()), clock)

    async def job() -> Any:
        async with service.sessions() as session:
            return (
                await session.execute(
                    select(sync_jobs).where(sync_jobs.c.meeting_id == 83000000001)
                )
            ).first()

    assert await pipeline.sweep_once() == 0
    assert await job() is None
    clock.now += timedelta(minutes=2)
    assert await pipeline.sweep_once() == 1
    first = await job()
    assert (first.state, first.attempts, first.trigger) == (m.WAITING, 1, m.SWEEP)
    assert first.next_attempt_at == clock.now + timedelta(minutes=30)
    assert await pipeline.sweep_once() == 0  # not due again before the retry interval
    for attempts, state in ((2, m.WAITING), (3, m.NO_RECORDING)):
        clock.now += timedelta(minutes=30)
        assert await pipeline.sweep_once() == 1
        row = await job()
        assert (row.state, row.attempts) == (state, attempts)
    assert row.next_attempt_at is None
    assert row.finished_at == clock.now
    assert row.last_error_type == "no_recording"
    clock.now += timedelta(hours=5)
    assert await pipeline.sweep_once() == 0
    assert gateway.listed == 3
    async with service.sessions() as session:
        bodies = (
            await session.execute(
                select(outbox.c.body).where(outbox.c.type == "recording.sync_failed")
            )
        ).all()
    # Each look at Zoom is reported (the session shows its attempts and next retry); only
    # the last says no retry follows.
    events = [rev.RecordingSyncFailed.FromString(b.body) for b in bodies]
    assert [(e.attempts, e.will_retry) for e in events] == [(1, True), (2, True), (3, False)]
    assert events[0].next_attempt_time.ToDatetime(tzinfo=UTC) == first.next_attempt_at
    event = events[-1]
    assert event.error_type == common_pb2.SYNC_ERROR_TYPE_NO_RECORDING
    # A meeting linked before tenancy (the projection's default tenant) stays in it.
    assert (row.tenant_id, event.tenant_id) == ("default", "default")
    assert set(gateway.tenants) == {"default"}


async def test_a_job_by_meeting_number_that_races_the_webhooks_job_copies_nothing(
    service: Running,
) -> None:
    """A manual sync (or the sweep) files a job by meeting number while the webhook files the
    instance's job: when the first learns from Zoom that the instance has a job already, it
    ends without copying, so no file is copied, stored or announced twice."""
    url = "https://zoom.test/rec/download/race"
    recording = m.ZoomRecording(
        meeting_id=84000000001,
        meeting_uuid="uuid-race",
        topic="Race",
        start_time=NOW - timedelta(hours=1),
        duration_minutes=60,
        files=(_zoom_file(url),),
    )
    gateway = FakeGateway(
        recording,
        m.DownloadAccess(url=url, token="", credential_hosts=(), redirect_hosts=(), size=1000),
    )
    pipeline = _pipeline(service, gateway, Downloader(local_hosts=()), Clock(NOW))
    async with service.sessions() as session, session.begin():
        await pipeline.record_recording(session, recording, trigger=m.WEBHOOK, tenant_id="default")
    # The manual sync looked before the webhook's job was committed: a job by number.
    async with service.sessions() as session, session.begin():
        by_number = await pipeline.ensure_job(
            session,
            meeting_id=84000000001,
            meeting_uuid="",
            trigger=m.MANUAL,
            due=NOW,
            tenant_id="default",
        )
    async with service.sessions() as session:
        keys = sorted(r.job_key for r in (await session.execute(select(sync_jobs))).all())
    assert keys == ["meeting:84000000001", "uuid-race"]  # the race: two jobs for one instance
    assert await pipeline.run(by_number.id) == m.CANCELLED
    async with service.sessions() as session:
        job = (await session.execute(select(sync_jobs).where(sync_jobs.c.id == by_number.id))).one()
        files = (
            await session.execute(
                select(recording_files).where(recording_files.c.job_id == by_number.id)
            )
        ).all()
    assert job.state == m.CANCELLED
    assert "uuid-race" in job.last_error
    assert files == []  # nothing learned, nothing copied
    assert gateway.downloads == 0
