"""Two schools in one recording-sync, used by the SQLite test (test_tenancy.py) and its
PostgreSQL twin (tests/integration/recording_sync/test_tenancy_pg.py): ``acme`` and ``globex``,
each with a linked session, a failed and a synced sync job, a recording with a stored file and
an ``enrolled_students`` grant; and, within acme, teachers and students of two batches.

``check_isolation``: nothing one school's admin calls returns or changes anything of the other.
``check_roles``: teachers reach what they teach, students what they attend.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from sqlalchemy import insert, select

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import make_settings
from recording_sync.adapters.tables import (
    access_grants,
    meeting_projections,
    recording_files,
    recordings,
    sync_jobs,
)
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.domain import model as m
from recording_sync.settings import Settings
from tests.unit.recording_sync.fakes import FakeScheduler, serving

SECRET = "recording-sync-tenancy-test-user-key-long-enough"
NOW = datetime.now(UTC).replace(microsecond=0)
SHARED_REQUEST_ID = "same-key-in-both-schools"


@dataclass(frozen=True)
class School:
    """The ids of one tenant's seeded rows."""

    tenant: str
    batch: str
    other_batch: str
    session: str
    meeting_id: int
    meeting_uuid: str
    failed_job: str
    synced_job: str
    recording: str
    other_recording: str  # of other_batch
    grant: str


@asynccontextmanager
async def recording_sync(
    tmp_path: Path, fake: FakeScheduler, bus: InProcessBus, **db: Any
) -> AsyncIterator[Running]:
    """recording-sync with the fake scheduler, on SQLite unless ``db`` names PostgreSQL."""
    async with serving(fake) as port:
        settings = make_settings(
            Settings,
            service_name="recording-sync",
            data_dir=tmp_path,
            auth_jwt_secret=SECRET,
            grpc_host="127.0.0.1",
            grpc_port=0,
            files_http_port=0,
            scheduler_addr=f"127.0.0.1:{port}",
            zoom_gateway_addr="127.0.0.1:9",  # nothing there: background copies just fail
            zoom_gateway_timeout_seconds=1.0,
            sync_sweep_interval_seconds=0,
            **db,
        )
        await upgrade_to_head(settings, MIGRATIONS_DIR)
        async with running(settings, bus=bus) as started:
            yield started


def token(subject: str, *roles: str, tenant: str | None) -> tuple[tuple[str, str], ...]:
    value = issue_token(
        subject=subject, secret=SECRET, roles=list(roles), tenant=tenant, ttl=timedelta(hours=12)
    )
    return (("authorization", f"Bearer {value}"),)


def admin(school: School) -> tuple[tuple[str, str], ...]:
    return token(f"{school.tenant}-admin", "admin", tenant=school.tenant)


OPERATOR = token("op-1", "operator", tenant=None)


@asynccontextmanager
async def stub_of(
    service: Running,
) -> AsyncIterator[recording_sync_pb2_grpc.RecordingSyncServiceStub]:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        yield recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)


async def code(call: Awaitable[Any]) -> grpc.StatusCode:
    """The status a call ends with (OK when it answers)."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def _recording(
    service: Running, session: Any, *, tenant: str, batch: str, job_id: str, meeting_id: int
) -> str:
    recording_id = f"rec_{job_id}"
    key = f"videos/{batch}/{job_id}.mp4"

    async def chunks() -> AsyncIterator[bytes]:
        yield b"lesson" * 50

    stored = await service.storage.put_stream(key, chunks(), content_type="video/mp4")
    await session.execute(
        insert(recordings).values(
            id=recording_id,
            tenant_id=tenant,
            job_id=job_id,
            source="zoom_auto_sync",
            session_id=f"{batch}-session",
            batch_id=batch,
            batch_type="group",
            meeting_id=meeting_id,
            meeting_uuid=f"uuid-{job_id}",
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
            id=f"file_{job_id}",
            tenant_id=tenant,
            job_id=job_id,
            recording_id=recording_id,
            zoom_file_id=f"zf-{job_id}",
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
    return recording_id


def _job(
    *, tenant: str, job_id: str, meeting_id: int, batch: str, session: str, state: str
) -> dict[str, Any]:
    return {
        "id": job_id,
        "tenant_id": tenant,
        "job_key": f"uuid-{job_id}",
        "meeting_id": meeting_id,
        "meeting_uuid": f"uuid-{job_id}",
        "session_id": session,
        "batch_id": batch,
        "batch_type": "group",
        "folder": f"videos/{batch}",
        "state": state,
        "trigger": m.WEBHOOK,
        "attempts": 3 if state == m.FAILED else 1,
        "max_attempts": 3,
        "last_error_type": "download" if state == m.FAILED else "",
        "recording_id": f"rec_{job_id}",
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW - timedelta(hours=1),
        "finished_at": NOW - timedelta(minutes=30),
    }


async def seed(service: Running, tenant: str, base: int) -> School:
    """One school: a linked session with a failed job, a synced recording with an
    enrolled-students grant, and a second batch with its own recording."""
    batch, other = f"{tenant}-batch", f"{tenant}-batch2"
    session_id = f"{tenant}-s1"
    failed, synced, other_job = (f"job_{tenant}_{n}" for n in ("failed", "synced", "other"))
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(meeting_projections).values(
                meeting_id=base + 1,
                tenant_id=tenant,
                meeting_uuid=f"uuid-{failed}",
                session_id=session_id,
                batch_id=batch,
                batch_type="group",
                folder=f"videos/{batch}",
                status="linked",
                start_time=NOW - timedelta(hours=3),
                duration_minutes=60,
                linked_at=NOW - timedelta(days=1),
                last_event_at=NOW - timedelta(days=1),
                updated_at=NOW - timedelta(days=1),
            )
        )
        for job_id, meeting_id, job_batch, state in (
            (failed, base + 1, batch, m.FAILED),
            (synced, base + 2, batch, m.SYNCED),
            (other_job, base + 3, other, m.SYNCED),
        ):
            await session.execute(
                insert(sync_jobs).values(
                    **_job(
                        tenant=tenant,
                        job_id=job_id,
                        meeting_id=meeting_id,
                        batch=job_batch,
                        session=session_id if job_id == failed else f"{job_batch}-session",
                        state=state,
                    )
                )
            )
        recording = await _recording(
            service, session, tenant=tenant, batch=batch, job_id=synced, meeting_id=base + 2
        )
        other_recording = await _recording(
            service, session, tenant=tenant, batch=other, job_id=other_job, meeting_id=base + 3
        )
        grant = f"grant_{tenant}"
        for grant_id, recording_id in ((grant, recording), (f"{grant}2", other_recording)):
            await session.execute(
                insert(access_grants).values(
                    id=grant_id,
                    tenant_id=tenant,
                    recording_id=recording_id,
                    scope="enrolled_students",
                    level="view",
                    created_by=f"{tenant}-admin",
                    created_at=NOW,
                )
            )
    return School(
        tenant=tenant,
        batch=batch,
        other_batch=other,
        session=session_id,
        meeting_id=base + 1,
        meeting_uuid=f"uuid-{failed}",
        failed_job=failed,
        synced_job=synced,
        recording=recording,
        other_recording=other_recording,
        grant=grant,
    )


async def two_schools(service: Running, fake: FakeScheduler) -> tuple[School, School]:
    acme = await seed(service, "acme", 91_000_000_000)
    globex = await seed(service, "globex", 92_000_000_000)
    for school in (acme, globex):
        t = school.tenant
        fake.teacher(t, f"{t}-teacher-a", [school.batch])
        fake.teacher(t, f"{t}-teacher-b", [school.other_batch])
        fake.student(t, f"{t}-student-in", [school.batch])
        fake.student(t, f"{t}-student-out", [school.other_batch])
    return acme, globex


async def snapshot(service: Running, tenant: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of one tenant, to prove another tenant's calls changed none of them."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with service.sessions() as session:
        for table in (sync_jobs, recordings, recording_files, access_grants, meeting_projections):
            rows = (await session.execute(select(table).where(table.c.tenant_id == tenant))).all()
            found[table.name] = sorted(tuple(r) for r in rows)
    return found


def _playback(recording_id: str) -> pb.GetPlaybackUrlRequest:
    return pb.GetPlaybackUrlRequest(recording_id=recording_id, disposition=pb.DISPOSITION_INLINE)


def _grant(recording_id: str, request_id: str = "") -> pb.CreateAccessGrantRequest:
    return pb.CreateAccessGrantRequest(
        request_id=request_id or uuid.uuid4().hex,
        grant=pb.AccessGrant(
            recording_id=recording_id, scope=pb.ACCESS_SCOPE_PUBLIC, level=pb.ACCESS_LEVEL_VIEW
        ),
    )


async def check_isolation(service: Running, acme: School, globex: School) -> None:
    """acme's admin reaches none of globex's rows (NOT_FOUND, absent, unchanged); globex's
    admin and an operator still do; the same grant request id works in both schools."""
    before = await snapshot(service, "globex")
    me = admin(acme)
    not_found = grpc.StatusCode.NOT_FOUND
    async with stub_of(service) as stub:
        listed = await stub.ListRecordings(pb.ListRecordingsRequest(page_size=100), metadata=me)
        assert {r.id for r in listed.recordings} == {acme.recording, acme.other_recording}
        assert listed.total_size == 2
        for request in (
            pb.ListRecordingsRequest(batch_id=globex.batch),
            pb.ListRecordingsRequest(session_id=f"{globex.batch}-session"),
            pb.ListRecordingsRequest(meeting_uuid=f"uuid-{globex.synced_job}"),
        ):
            assert list((await stub.ListRecordings(request, metadata=me)).recordings) == []
        calls: dict[str, Awaitable[Any]] = {
            "GetRecording": stub.GetRecording(
                pb.GetRecordingRequest(recording_id=globex.recording), metadata=me
            ),
            "GetPlaybackUrl": stub.GetPlaybackUrl(_playback(globex.recording), metadata=me),
            "GetSyncJob": stub.GetSyncJob(
                pb.GetSyncJobRequest(job_id=globex.failed_job), metadata=me
            ),
            "RetrySync(job)": stub.RetrySync(
                pb.RetrySyncRequest(job_id=globex.failed_job), metadata=me
            ),
            "SyncMeeting(session)": stub.SyncMeeting(
                pb.SyncMeetingRequest(session_id=globex.session), metadata=me
            ),
            "SyncMeeting(uuid)": stub.SyncMeeting(
                pb.SyncMeetingRequest(meeting_uuid=globex.meeting_uuid), metadata=me
            ),
            "SyncMeeting(meeting)": stub.SyncMeeting(
                pb.SyncMeetingRequest(meeting_id=globex.meeting_id), metadata=me
            ),
            "DeleteRecording": stub.DeleteRecording(
                pb.DeleteRecordingRequest(recording_id=globex.recording), metadata=me
            ),
            "CreateAccessGrant": stub.CreateAccessGrant(_grant(globex.recording), metadata=me),
            "ListAccessGrants": stub.ListAccessGrants(
                pb.ListAccessGrantsRequest(recording_id=globex.recording), metadata=me
            ),
            "DeleteAccessGrant": stub.DeleteAccessGrant(
                pb.DeleteAccessGrantRequest(grant_id=globex.grant), metadata=me
            ),
        }
        answers = {name: await code(call) for name, call in calls.items()}
        assert answers == dict.fromkeys(calls, not_found)

        jobs = await stub.ListSyncJobs(pb.ListSyncJobsRequest(page_size=100), metadata=me)
        assert {j.id for j in jobs.jobs} == {
            acme.failed_job,
            acme.synced_job,
            f"job_{acme.tenant}_other",
        }
        by_batch = await stub.ListSyncJobs(
            pb.ListSyncJobsRequest(batch_id=globex.batch), metadata=me
        )
        assert (list(by_batch.jobs), by_batch.total_size) == ([], 0)
        for request in (
            pb.GetSyncStatusRequest(batch_id=globex.batch),
            pb.GetSyncStatusRequest(session_id=globex.session),
            pb.GetSyncStatusRequest(meeting_uuid=globex.meeting_uuid),
        ):
            status = await stub.GetSyncStatus(request, metadata=me)
            assert (status.statistics.total_jobs, list(status.jobs)) == (0, [])
        retried = await stub.RetrySync(pb.RetrySyncRequest(batch_id=globex.batch), metadata=me)
        assert list(retried.jobs) == []
        retried = await stub.RetrySync(pb.RetrySyncRequest(session_id=globex.session), metadata=me)
        assert list(retried.jobs) == []
        batch = await stub.SyncBatch(
            pb.SyncBatchRequest(batch_id=globex.batch, force=True), metadata=me
        )
        assert (list(batch.jobs), batch.skipped_synced, batch.skipped_not_ended) == ([], 0, 0)
        stats = await stub.GetSyncStatistics(pb.GetSyncStatisticsRequest(), metadata=me)
        assert stats.recordings_count == 2
        assert stats.jobs_finished == 3

        # Idempotency keys are per school: the same request id grants in each.
        mine = await stub.CreateAccessGrant(_grant(acme.recording, SHARED_REQUEST_ID), metadata=me)
        theirs = await stub.CreateAccessGrant(
            _grant(globex.recording, SHARED_REQUEST_ID), metadata=admin(globex)
        )
        assert mine.id != theirs.id
        await stub.DeleteAccessGrant(
            pb.DeleteAccessGrantRequest(grant_id=theirs.id), metadata=admin(globex)
        )

        # Nothing of globex changed, and its own admin still reaches all of it.
        assert await snapshot(service, "globex") == before
        own = await stub.GetPlaybackUrl(_playback(globex.recording), metadata=admin(globex))
        assert own.url
        theirs_listed = await stub.ListRecordings(
            pb.ListRecordingsRequest(), metadata=admin(globex)
        )
        assert {r.id for r in theirs_listed.recordings} == {
            globex.recording,
            globex.other_recording,
        }
        # An operator spans both schools (audited by the interceptor).
        everything = await stub.ListRecordings(
            pb.ListRecordingsRequest(page_size=100), metadata=OPERATOR
        )
        assert {acme.recording, globex.recording} <= {r.id for r in everything.recordings}
        assert (await stub.GetPlaybackUrl(_playback(globex.recording), metadata=OPERATOR)).url
    await service.pipeline.stop()


async def check_roles(service: Running, fake: FakeScheduler, acme: School) -> None:
    """Within acme: the batch's teacher plays, syncs and retries it, another batch's teacher
    does none of that; an attending student plays an enrolled-visible recording, a student of
    another batch does not; students create no grants, sync nothing, delete nothing."""
    t = acme.tenant
    teacher_a = token(f"{t}-teacher-a", "teacher", tenant=t)
    teacher_b = token(f"{t}-teacher-b", "teacher", tenant=t)
    student_in = token(f"{t}-student-in", "student", tenant=t)
    student_out = token(f"{t}-student-out", "student", tenant=t)
    denied, not_found = grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND
    async with stub_of(service) as stub:
        # The other batch's teacher first (before the batch's teacher changes the jobs).
        other = {
            "GetPlaybackUrl": stub.GetPlaybackUrl(_playback(acme.recording), metadata=teacher_b),
            "GetRecording": stub.GetRecording(
                pb.GetRecordingRequest(recording_id=acme.recording), metadata=teacher_b
            ),
            "RetrySync(job)": stub.RetrySync(
                pb.RetrySyncRequest(job_id=acme.failed_job), metadata=teacher_b
            ),
            "RetrySync(batch)": stub.RetrySync(
                pb.RetrySyncRequest(batch_id=acme.batch), metadata=teacher_b
            ),
            "SyncMeeting": stub.SyncMeeting(
                pb.SyncMeetingRequest(session_id=acme.session), metadata=teacher_b
            ),
            "SyncBatch": stub.SyncBatch(
                pb.SyncBatchRequest(batch_id=acme.batch), metadata=teacher_b
            ),
            "GetSyncJob": stub.GetSyncJob(
                pb.GetSyncJobRequest(job_id=acme.failed_job), metadata=teacher_b
            ),
            "DeleteRecording": stub.DeleteRecording(
                pb.DeleteRecordingRequest(recording_id=acme.recording), metadata=teacher_b
            ),
            "CreateAccessGrant": stub.CreateAccessGrant(_grant(acme.recording), metadata=teacher_b),
        }
        assert {name: await code(call) for name, call in other.items()} == {
            "GetPlaybackUrl": denied,
            "GetRecording": not_found,
            "RetrySync(job)": not_found,
            "RetrySync(batch)": denied,
            "SyncMeeting": not_found,
            "SyncBatch": denied,
            "GetSyncJob": not_found,
            "DeleteRecording": not_found,
            "CreateAccessGrant": not_found,
        }
        listed = await stub.ListSyncJobs(pb.ListSyncJobsRequest(), metadata=teacher_b)
        assert {j.batch_id for j in listed.jobs} == {acme.other_batch}
        theirs = await stub.ListRecordings(pb.ListRecordingsRequest(), metadata=teacher_b)
        assert [r.id for r in theirs.recordings] == [acme.other_recording]

        # The batch's teacher.
        url = await stub.GetPlaybackUrl(_playback(acme.recording), metadata=teacher_a)
        assert url.url
        seen = await stub.GetRecording(
            pb.GetRecordingRequest(recording_id=acme.recording), metadata=teacher_a
        )
        assert seen.caller_access.can_edit
        retried = await stub.RetrySync(
            pb.RetrySyncRequest(job_id=acme.failed_job), metadata=teacher_a
        )
        assert [j.id for j in retried.jobs] == [acme.failed_job]
        synced = await stub.SyncMeeting(
            pb.SyncMeetingRequest(session_id=acme.session, force=True), metadata=teacher_a
        )
        assert synced.id == acme.failed_job
        await service.pipeline.stop()

        # Students: the attending one plays the enrolled-visible recording; the other does not.
        fake.calls.clear()
        assert (await stub.GetPlaybackUrl(_playback(acme.recording), metadata=student_in)).url
        listed_in = await stub.ListRecordings(pb.ListRecordingsRequest(), metadata=student_in)
        assert [r.id for r in listed_in.recordings] == [acme.recording]
        # One membership question per request, in the student's tenant.
        assert [(c.user_id, c.tenant_id) for c in fake.calls] == [(f"{t}-student-in", t)] * 2
        out = await code(stub.GetPlaybackUrl(_playback(acme.recording), metadata=student_out))
        assert out == denied
        hidden = stub.GetRecording(
            pb.GetRecordingRequest(recording_id=acme.recording), metadata=student_out
        )
        assert await code(hidden) == not_found
        for call in (
            stub.CreateAccessGrant(_grant(acme.recording), metadata=student_in),
            stub.SyncMeeting(pb.SyncMeetingRequest(session_id=acme.session), metadata=student_in),
            stub.SyncBatch(pb.SyncBatchRequest(batch_id=acme.batch), metadata=student_in),
            stub.DeleteRecording(
                pb.DeleteRecordingRequest(recording_id=acme.recording), metadata=student_in
            ),
        ):
            assert await code(call) == denied
        assert (await stub.GetPlaybackUrl(_playback(acme.recording), metadata=student_in)).url
