"""Two schools in one recording-sync on SQLite (the PostgreSQL twin is
tests/integration/recording_sync/test_tenancy_pg.py): one school's admin reaches nothing of the
other; teachers reach what they teach and students what they attend (tenancy_scenario.py).
Plus what only the in-process bus shows: events are applied inside their own tenant, and the
events recording-sync publishes carry the job's tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select, text

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.events.v1 import session_events_pb2 as se
from classbridge.events.v1 import zoom_events_pb2 as ze
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.bus import InProcessBus
from classbridge_common.db import create_engine
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import make_settings
from recording_sync.adapters.downloader import Body
from recording_sync.adapters.tables import meeting_projections, outbox, recordings, sync_jobs
from recording_sync.bootstrap import MIGRATIONS_DIR, Running
from recording_sync.domain import model as m
from recording_sync.entrypoints.sync_consumer import CONSUMER
from recording_sync.service_layer.sync import SyncPipeline, SyncPolicy
from recording_sync.settings import Settings
from tests.unit.recording_sync import tenancy_scenario as scenario
from tests.unit.recording_sync.fakes import FakeScheduler


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    async with InProcessBus() as the_bus:
        yield the_bus


@pytest.fixture
def fake() -> FakeScheduler:
    return FakeScheduler()


@pytest.fixture
async def service(tmp_path: Path, fake: FakeScheduler, bus: InProcessBus) -> AsyncIterator[Running]:
    async with scenario.recording_sync(tmp_path, fake, bus) as started:
        yield started


async def test_one_schools_admin_reaches_nothing_of_the_other(
    service: Running, fake: FakeScheduler
) -> None:
    acme, globex = await scenario.two_schools(service, fake)
    await scenario.check_isolation(service, acme, globex)


async def test_teachers_reach_what_they_teach_and_students_what_they_attend(
    service: Running, fake: FakeScheduler
) -> None:
    acme, _ = await scenario.two_schools(service, fake)
    await scenario.check_roles(service, fake, acme)


def _ts(moment: Any) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def test_session_events_apply_inside_their_tenant(
    service: Running, fake: FakeScheduler, bus: InProcessBus
) -> None:
    acme, _ = await scenario.two_schools(service, fake)
    later = _ts(scenario.NOW)
    # globex's scheduler cannot cancel, unlink or retime acme's session, whatever ids it names.
    await bus.publish(
        [
            Envelope.for_proto(
                "session.cancelled",
                se.SessionCancelled(
                    occurred_at=later,
                    session_id=acme.session,
                    meeting_id=acme.meeting_id,
                    tenant_id="globex",
                ),
                "m-cancel",
            ),
            Envelope.for_proto(
                "session.updated",
                se.SessionUpdated(
                    occurred_at=later, session_id=acme.session, title="hijacked", tenant_id="globex"
                ),
                "m-update",
            ),
            Envelope.for_proto(
                "session.meeting_linked",
                se.SessionMeetingLinked(
                    occurred_at=later,
                    session_id="globex-s9",
                    batch_id="globex-batch",
                    batch_type=common_pb2.BATCH_TYPE_GROUP,
                    meeting_id=acme.meeting_id,
                    tenant_id="globex",
                ),
                "m-link",
            ),
        ]
    )
    async with service.sessions() as session:
        row = (
            await session.execute(
                select(meeting_projections).where(
                    meeting_projections.c.meeting_id == acme.meeting_id
                )
            )
        ).one()
    assert (row.tenant_id, row.status, row.session_id, row.session_title) == (
        "acme",
        "linked",
        acme.session,
        "",
    )
    # acme's own cancellation does apply.
    await bus.publish(
        [
            Envelope.for_proto(
                "session.cancelled",
                se.SessionCancelled(occurred_at=later, session_id=acme.session, tenant_id="acme"),
                "m-cancel-own",
            )
        ]
    )
    async with service.sessions() as session:
        status = await session.scalar(
            select(meeting_projections.c.status).where(
                meeting_projections.c.meeting_id == acme.meeting_id
            )
        )
    assert status == "cancelled"


async def test_a_zoom_event_of_another_tenant_changes_nothing(
    service: Running, fake: FakeScheduler, bus: InProcessBus
) -> None:
    acme, _ = await scenario.two_schools(service, fake)
    before = await scenario.snapshot(service, "acme")
    recording = ze.ZoomRecordingObject(
        meeting_id=acme.meeting_id,
        meeting_uuid=acme.meeting_uuid,
        topic="hijack",
        recording_files=[
            ze.ZoomRecordingFile(
                id="zf-evil",
                meeting_uuid=acme.meeting_uuid,
                zoom_file_type="MP4",
                file_extension="MP4",
                file_size_bytes=10,
                download_url="https://zoom.us/rec/download/evil",
                status="completed",
            )
        ],
    )
    await bus.publish(
        [
            Envelope.for_proto(
                "zoom.recording.completed",
                ze.ZoomRecordingCompleted(
                    context=ze.ZoomEventContext(tenant_id="globex"), recording=recording
                ),
                "z-1",
            ),
            Envelope.for_proto(
                "zoom.recording.deleted",
                ze.ZoomRecordingDeleted(
                    context=ze.ZoomEventContext(tenant_id="globex"),
                    recording=ze.ZoomRecordingObject(
                        meeting_id=acme.meeting_id, meeting_uuid=f"uuid-{acme.synced_job}"
                    ),
                ),
                "z-2",
            ),
        ]
    )
    await service.pipeline.idle()
    assert await scenario.snapshot(service, "acme") == before
    assert await bus.dead_letters(CONSUMER) == []
    async with service.sessions() as session:
        jobs = (
            await session.execute(
                select(sync_jobs.c.tenant_id).where(sync_jobs.c.meeting_id == acme.meeting_id)
            )
        ).all()
    assert [j.tenant_id for j in jobs] == ["acme"]


class _Gateway:
    def __init__(self, recording: m.ZoomRecording) -> None:
        self.recording = recording
        self.tenants: list[str] = []

    async def list_recording(self, *, tenant_id: str, **_: Any) -> m.ZoomRecording:
        self.tenants.append(tenant_id)
        return self.recording

    async def download_access(self, *, tenant_id: str, **_: Any) -> m.DownloadAccess:
        self.tenants.append(tenant_id)
        return m.DownloadAccess(
            url="https://zoom.us/f", token="t", credential_hosts=(), redirect_hosts=(), size=4
        )


class _Downloader:
    @asynccontextmanager
    async def open(self, access: m.DownloadAccess, *, offset: int = 0) -> AsyncIterator[Body]:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"abcd"[offset:]

        yield Body(chunks(), offset)


async def test_published_events_carry_the_jobs_tenant(service: Running) -> None:
    meeting_id = 93_000_000_001
    zoom_file = m.ZoomFile(
        zoom_file_id="zf-1",
        meeting_uuid="uuid-globex-1",
        file_type="mp4",
        zoom_file_type="MP4",
        extension="MP4",
        size=4,
        download_url="https://zoom.us/rec/download/1",
        recording_type="shared_screen",
        completed=True,
        recording_start=scenario.NOW - timedelta(hours=1),
        recording_end=scenario.NOW,
    )
    recording = m.ZoomRecording(
        meeting_id=meeting_id,
        meeting_uuid="uuid-globex-1",
        topic="Lesson",
        start_time=scenario.NOW - timedelta(hours=1),
        duration_minutes=60,
        files=(zoom_file,),
    )
    gateway = _Gateway(recording)
    pipeline = SyncPipeline(
        sessions=service.sessions,
        storage=service.storage,
        gateway=gateway,
        downloader=_Downloader(),
        policy=SyncPolicy(download_tries=1, download_backoff=0),
    )
    async with service.sessions() as session, session.begin():
        job_id = await pipeline.record_recording(
            session, recording, trigger=m.WEBHOOK, tenant_id="globex"
        )
    assert job_id is not None
    assert await pipeline.run(job_id) == m.SYNCED
    assert set(gateway.tenants) == {"globex"}
    async with service.sessions() as session:
        stored = (await session.execute(select(recordings))).one()
    assert stored.tenant_id == "globex"
    # Its admin deletes it: recording.removed names the tenant too.
    async with scenario.stub_of(service) as stub:
        await stub.DeleteRecording(
            pb.DeleteRecordingRequest(recording_id=stored.id),
            metadata=scenario.token("g-admin", "admin", tenant="globex"),
        )
    async with service.sessions() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.body))).all()
    bodies = {row.type: row.body for row in rows}
    synced = rev.RecordingSynced.FromString(bodies["recording.synced"])
    removed = rev.RecordingRemoved.FromString(bodies["recording.removed"])
    assert (synced.tenant_id, removed.tenant_id) == ("globex", "globex")
    assert synced.recording_id == removed.recording_id == stored.id


async def test_the_access_rules_are_served(service: Running) -> None:
    """bootstrap passes POLICY to the server: a student is refused job control by the rule."""
    student = scenario.token("st", "student", tenant="acme")
    async with scenario.stub_of(service) as stub:
        try:
            await stub.ListSyncJobs(pb.ListSyncJobsRequest(), metadata=student)
        except Exception as error:
            details = error.details()  # type: ignore[attr-defined]
        else:
            details = ""
    assert "may not call ListSyncJobs" in details


async def test_the_migration_puts_existing_rows_in_their_jobs_tenant(tmp_path: Path) -> None:
    """Rows written before tenancy: an empty tenant becomes "default"; recordings, files and
    grants take their job's tenant (a job the scheduler had already linked in a tenant)."""
    settings = make_settings(Settings, service_name="recording-sync", data_dir=tmp_path)
    await upgrade_to_head(settings, MIGRATIONS_DIR, revision="0002")
    engine = create_engine(settings)
    now = "2026-11-30 10:00:00.000000"
    async with engine.begin() as conn:
        for job_id, tenant in (("j-old", ""), ("j-acme", "acme")):
            await conn.execute(
                text(
                    "INSERT INTO sync_jobs (id, job_key, meeting_id, tenant_id, state, trigger,"
                    " max_attempts, recording_id, created_at, updated_at) VALUES (:id, :id, 1,"
                    " :t, 'synced', 'webhook', 3, :rec, :now, :now)"
                ),
                {"id": job_id, "t": tenant, "rec": f"r-{job_id}", "now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO recordings (id, job_id, source, created_at)"
                    " VALUES (:rec, :id, 'zoom_auto_sync', :now)"
                ),
                {"id": job_id, "rec": f"r-{job_id}", "now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO recording_files (id, job_id, recording_id, zoom_file_id, state,"
                    " created_at, updated_at) VALUES (:f, :id, :rec, :f, 'stored', :now, :now)"
                ),
                {"id": job_id, "rec": f"r-{job_id}", "f": f"f-{job_id}", "now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO access_grants (id, recording_id, scope, level, created_at)"
                    " VALUES (:g, :rec, 'public', 'view', :now)"
                ),
                {"g": f"g-{job_id}", "rec": f"r-{job_id}", "now": now},
            )
    await engine.dispose()
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    engine = create_engine(settings)
    async with engine.connect() as conn:
        found = {
            table: dict((await conn.execute(text(f"SELECT id, tenant_id FROM {table}"))).all())  # noqa: S608
            for table in ("sync_jobs", "recordings", "recording_files", "access_grants")
        }
    await engine.dispose()
    assert found == {
        "sync_jobs": {"j-old": "default", "j-acme": "acme"},
        "recordings": {"r-j-old": "default", "r-j-acme": "acme"},
        "recording_files": {"f-j-old": "default", "f-j-acme": "acme"},
        "access_grants": {"g-j-old": "default", "g-j-acme": "acme"},
    }
