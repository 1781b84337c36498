"""A recurring meeting's occurrences in recording-sync (issue 13): one Zoom meeting id, a
scheduler session per occurrence, and each occurrence's recording lands on its own session.

The service runs for real (migrated database — SQLite, PostgreSQL when configured —, the
projection consumer on the in-process bus with its inbox, local-disk storage in a temporary
folder, gRPC for the status queries); only Zoom is replaced: a gateway that lists instances as
Zoom does (by uuid, or the meeting number's latest instance) and a downloader that serves
deterministic bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import session_events_pb2 as se
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import make_settings
from recording_sync.adapters.downloader import Body
from recording_sync.adapters.tables import meeting_projections, recordings, sync_jobs
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.domain import model as m
from recording_sync.domain.occurrences import occurrence_of, placeholder_keys
from recording_sync.entrypoints.consumer import CONSUMER
from recording_sync.service_layer.sync import SyncPipeline, SyncPolicy
from recording_sync.settings import Settings
from tests.unit.recording_sync.fakes import FakeScheduler, serving

SECRET = "recording-sync-occurrences-test-secret-long-enough"
MEETING = 87000000001
WEEK = timedelta(days=7)
# Three weekly occurrences, the first a fortnight before NOW, the last a week ahead.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
STARTS = {"s-1": NOW - 2 * WEEK, "s-2": NOW - WEEK, "s-3": NOW + WEEK}
ACME = "acme"


def _ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _md(subject: str, *roles: str, tenant: str = ACME) -> tuple[tuple[str, str], ...]:
    token = issue_token(subject=subject, secret=SECRET, roles=list(roles), tenant=tenant)
    return (("authorization", f"Bearer {token}"),)


# --------------------------------------------------------------------------- Zoom, replaced


class Zoom:
    """The gateway port as Zoom answers: an instance by uuid, or by meeting number the latest
    instance (Zoom's ``GET /meetings/{id}/recordings``); downloads of deterministic bytes."""

    def __init__(self) -> None:
        self.instances: dict[str, m.ZoomRecording] = {}

    def played(self, uuid: str, start: datetime, *, size: int = 4000) -> m.ZoomRecording:
        recording = m.ZoomRecording(
            meeting_id=MEETING,
            meeting_uuid=uuid,
            topic="Algebra, weekly",
            start_time=start,
            duration_minutes=60,
            files=(
                m.ZoomFile(
                    zoom_file_id=f"zf-{uuid}",
                    meeting_uuid=uuid,
                    file_type="mp4",
                    zoom_file_type="MP4",
                    extension="MP4",
                    size=size,
                    download_url=f"https://zoom.test/rec/download/{uuid}",
                    recording_type="shared_screen_with_speaker_view",
                    completed=True,
                    recording_start=start,
                    recording_end=start + timedelta(minutes=60),
                ),
            ),
        )
        self.instances[uuid] = recording
        return recording

    async def list_recording(
        self, *, meeting_uuid: str, meeting_id: int, tenant_id: str
    ) -> m.ZoomRecording | None:
        if meeting_uuid:
            return self.instances.get(meeting_uuid)
        mine = [r for r in self.instances.values() if r.meeting_id == meeting_id]
        return max(mine, key=lambda r: r.start_time or NOW, default=None)

    async def download_access(
        self, *, meeting_uuid: str, zoom_file_id: str, download_url: str, **_: Any
    ) -> m.DownloadAccess:
        size = self.instances[meeting_uuid].files[0].size
        return m.DownloadAccess(
            url=download_url, token="", credential_hosts=(), redirect_hosts=(), size=size
        )


def _bytes_of(url: str, size: int) -> bytes:
    seed = hashlib.sha256(url.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


class Downloads:
    """The downloader port: the bytes of each URL, from ``offset`` on."""

    @asynccontextmanager
    async def open(self, access: m.DownloadAccess, *, offset: int = 0) -> AsyncIterator[Body]:
        data = _bytes_of(access.url, access.size)[offset:]

        async def chunks() -> AsyncIterator[bytes]:
            yield data

        yield Body(chunks(), offset)


# --------------------------------------------------------------------------- the service


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    fields: dict[str, Any] = {}
    if request.param == "postgres":
        fields = {
            "database_url": request.getfixturevalue("database_url"),
            "db_schema": request.getfixturevalue("pg_schema"),
        }
    return make_settings(
        Settings,
        service_name="recording-sync",
        data_dir=tmp_path,
        auth_jwt_secret=SECRET,
        grpc_host="127.0.0.1",
        grpc_port=0,
        files_http_port=0,
        zoom_gateway_addr="127.0.0.1:9",  # not used: the tests' pipeline has its own gateway
        zoom_gateway_timeout_seconds=1.0,
        sync_sweep_interval_seconds=0,
        sync_poll_seconds=0,
        sync_reconcile_interval_seconds=0,
        sync_zoom_cleanup_interval_seconds=0,
        **fields,
    )


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    async with InProcessBus() as the_bus:
        yield the_bus


@pytest.fixture
async def service(settings: Settings, bus: InProcessBus) -> AsyncIterator[Running]:
    fake = FakeScheduler()
    fake.teacher(ACME, "teacher-other", ["b-other"])
    async with serving(fake) as port:
        settings = settings.model_copy(update={"scheduler_addr": f"127.0.0.1:{port}"})
        await upgrade_to_head(settings, MIGRATIONS_DIR)
        async with running(settings, bus=bus) as started:
            yield started


@pytest.fixture
def zoom() -> Zoom:
    return Zoom()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def pipeline(service: Running, zoom: Zoom, clock: Clock) -> SyncPipeline:
    return SyncPipeline(
        sessions=service.sessions,
        storage=service.storage,
        gateway=zoom,  # type: ignore[arg-type]
        downloader=Downloads(),
        policy=SyncPolicy(
            sweep_delay=timedelta(minutes=5),
            sweep_lookback=timedelta(days=30),
            retry_interval=timedelta(minutes=30),
            max_attempts=3,
            download_tries=1,
            download_backoff=0,
        ),
        clock=clock,
    )


class Scheduler:
    """Publishes the scheduler's ``session.*`` events (the bus returns once they are applied)."""

    def __init__(self, bus: InProcessBus) -> None:
        self._bus = bus
        self._n = 0
        self.at = NOW - 30 * 24 * timedelta(hours=1)  # occurred_at, moved on by every event

    async def publish(self, message: Any, kind: str) -> None:
        self._n += 1
        self.at += timedelta(minutes=1)
        message.occurred_at.CopyFrom(_ts(self.at))
        await self._bus.publish([Envelope.for_proto(kind, message, f"msg-{self._n}")])

    async def link(
        self,
        session_id: str,
        start: datetime,
        *,
        meeting_id: int = MEETING,
        tenant: str = ACME,
        uuid: str = "",
    ) -> None:
        await self.publish(
            se.SessionMeetingLinked(
                session_id=session_id,
                session_title=f"Algebra {session_id}",
                batch_id="b-1",
                batch_type=common_pb2.BATCH_TYPE_GROUP,
                course_id="c-1",
                tenant_id=tenant,
                meeting_id=meeting_id,
                meeting_uuid=uuid,
                host_zoom_user_id="host-1",
                start_time=_ts(start),
                duration_minutes=60,
                timezone="Europe/Berlin",
            ),
            "session.meeting_linked",
        )

    async def series(self) -> None:
        for session_id, start in STARTS.items():
            await self.link(session_id, start)


@pytest.fixture
def scheduler(bus: InProcessBus) -> Scheduler:
    return Scheduler(bus)


async def _links(service: Running) -> dict[str, tuple[str, datetime | None]]:
    """session id -> (status, start) of the meeting's projection rows."""
    async with service.sessions() as session:
        rows = (
            await session.execute(
                select(meeting_projections).where(meeting_projections.c.meeting_id == MEETING)
            )
        ).all()
    return {r.session_id: (r.status, r.start_time) for r in rows}


async def _file(pipeline: SyncPipeline, recording: m.ZoomRecording) -> str:
    """``recording.completed`` as the consumer files it; returns the job id."""
    async with pipeline.unit_of_work() as uow:
        job_id = await pipeline.record_recording(
            uow.session, recording, trigger=m.WEBHOOK, tenant_id=ACME
        )
        await uow.commit()
    assert job_id is not None
    return job_id


async def _job(service: Running, job_id: str) -> Any:
    async with service.sessions() as session:
        return (await session.execute(select(sync_jobs).where(sync_jobs.c.id == job_id))).one()


async def _jobs(service: Running) -> list[Any]:
    async with service.sessions() as session:
        return list(
            (
                await session.execute(
                    select(sync_jobs)
                    .where(sync_jobs.c.meeting_id == MEETING)
                    .order_by(sync_jobs.c.created_at, sync_jobs.c.job_key)
                )
            ).all()
        )


# --------------------------------------------------------------------------- the behaviour


async def test_each_occurrences_recording_lands_on_its_own_session(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline, clock: Clock
) -> None:
    await scheduler.series()
    assert {s: status for s, (status, _) in (await _links(service)).items()} == {
        "s-1": "linked",
        "s-2": "linked",
        "s-3": "linked",
    }
    played = {  # each instance started a little off its schedule, as lessons do
        "s-1": zoom.played("uuid-w1", STARTS["s-1"] + timedelta(minutes=4)),
        "s-2": zoom.played("uuid-w2", STARTS["s-2"] - timedelta(minutes=3)),
        "s-3": zoom.played("uuid-w3", STARTS["s-3"] + timedelta(minutes=1)),
    }
    clock.now = STARTS["s-3"] + timedelta(hours=2)
    job_ids = {s: await _file(pipeline, recording) for s, recording in played.items()}
    for job_id in job_ids.values():
        assert await pipeline.run(job_id) == m.SYNCED

    for session_id, job_id in job_ids.items():
        job = await _job(service, job_id)
        assert (job.session_id, job.meeting_uuid, job.folder) == (
            session_id,
            played[session_id].meeting_uuid,
            "videos/b-1",
        )
    async with service.sessions() as session:
        stored = (await session.execute(select(recordings))).all()
    assert sorted((r.session_id, r.meeting_uuid) for r in stored) == [
        ("s-1", "uuid-w1"),
        ("s-2", "uuid-w2"),
        ("s-3", "uuid-w3"),
    ]
    # The status by session names that occurrence's job alone.
    admin = _md("admin-1", "admin")
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
        status = await stub.GetSyncStatus(
            pb.GetSyncStatusRequest(session_id="s-2"), metadata=admin, timeout=10
        )
        listed = await stub.ListSyncJobs(
            pb.ListSyncJobsRequest(session_id="s-3"), metadata=admin, timeout=10
        )
        # Another school's admin and a teacher of another batch see none of it.
        other_school = await stub.GetSyncStatus(
            pb.GetSyncStatusRequest(session_id="s-2"),
            metadata=_md("admin-9", "admin", tenant="globex"),
            timeout=10,
        )
        other_teacher = await stub.ListSyncJobs(
            pb.ListSyncJobsRequest(session_id="s-3"),
            metadata=_md("teacher-other", "teacher"),
            timeout=10,
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.GetSyncStatus(
                pb.GetSyncStatusRequest(session_id="s-2"),
                metadata=_md("student-1", "student"),
                timeout=10,
            )
    assert [j.meeting_uuid for j in status.jobs] == ["uuid-w2"]
    assert [j.id for j in listed.jobs] == [job_ids["s-3"]]
    assert list(other_school.jobs) == []
    assert list(other_teacher.jobs) == []
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_cancelled_occurrence_leaves_the_others_linked(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline
) -> None:
    await scheduler.series()
    await scheduler.publish(
        se.SessionCancelled(session_id="s-2", meeting_id=MEETING, tenant_id=ACME),
        "session.cancelled",
    )
    # A late link of the cancelled occurrence (an older event redelivered) changes nothing.
    await scheduler.link("s-2", STARTS["s-2"])
    links = await _links(service)
    assert {s: status for s, (status, _) in links.items()} == {
        "s-1": "linked",
        "s-2": "cancelled",
        "s-3": "linked",
    }

    # Held anyway, the cancelled occurrence's recording is not guessed onto a sibling ...
    orphan = await _job(service, await _file(pipeline, zoom.played("uuid-w2", STARTS["s-2"])))
    assert (orphan.session_id, orphan.folder) == ("", f"videos/unassigned/{MEETING}")
    # ... and the others' land on their own.
    third = await _job(service, await _file(pipeline, zoom.played("uuid-w3", STARTS["s-3"])))
    assert (third.session_id, third.folder) == ("s-3", "videos/b-1")


async def test_unlinking_one_occurrence_keeps_the_others_but_an_old_unlink_takes_the_meeting(
    service: Running, scheduler: Scheduler
) -> None:
    await scheduler.series()
    await scheduler.publish(
        se.SessionMeetingUnlinked(session_id="s-1", meeting_id=MEETING, tenant_id=ACME),
        "session.meeting_unlinked",
    )
    assert {s: status for s, (status, _) in (await _links(service)).items()} == {
        "s-1": "unlinked",
        "s-2": "linked",
        "s-3": "linked",
    }
    # An older producer's unlink names the meeting alone: as before, the meeting is unlinked.
    await scheduler.publish(
        se.SessionMeetingUnlinked(meeting_id=MEETING, tenant_id=ACME), "session.meeting_unlinked"
    )
    assert {status for status, _ in (await _links(service)).values()} == {"unlinked"}


async def test_a_moved_occurrence_is_matched_at_its_new_time(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline
) -> None:
    await scheduler.series()
    moved = STARTS["s-2"] + timedelta(days=1, hours=3)
    await scheduler.publish(
        se.SessionUpdated(
            session_id="s-2",
            meeting_id=MEETING,
            tenant_id=ACME,
            scheduled_start=_ts(moved),
            previous_scheduled_start=_ts(STARTS["s-2"]),
            duration_minutes=90,
        ),
        "session.updated",
    )
    # The third occurrence is re-linked with a new start (the scheduler re-sends the link).
    relinked = STARTS["s-3"] - timedelta(days=2)
    await scheduler.link("s-3", relinked)
    links = await _links(service)
    assert (links["s-2"][1], links["s-3"][1]) == (moved, relinked)

    at_new = await _job(service, await _file(pipeline, zoom.played("uuid-m2", moved)))
    third = await _job(service, await _file(pipeline, zoom.played("uuid-m3", relinked)))
    at_old = await _job(service, await _file(pipeline, zoom.played("uuid-old", STARTS["s-2"])))
    assert (at_new.session_id, third.session_id, at_old.session_id) == ("s-2", "s-3", "")


async def test_the_instance_uuid_the_scheduler_knows_decides_before_the_time(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline
) -> None:
    await scheduler.link("s-1", STARTS["s-1"], uuid="uuid-known-1")
    await scheduler.link("s-2", STARTS["s-2"], uuid="uuid-known-2")
    # Zoom's start is hours off both schedules: the uuid still names the occurrence.
    late = await _job(
        service, await _file(pipeline, zoom.played("uuid-known-1", STARTS["s-2"] + WEEK))
    )
    assert late.session_id == "s-1"


async def test_a_meeting_of_one_session_files_every_recording_on_it(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline, clock: Clock
) -> None:
    await scheduler.link("s-1", STARTS["s-1"])
    # However far from the schedule it started, one meeting, one session: as before.
    recording = zoom.played("uuid-solo", STARTS["s-1"] + 3 * WEEK)
    job_id = await _file(pipeline, recording)
    clock.now = NOW + 4 * WEEK
    assert await pipeline.run(job_id) == m.SYNCED
    job = await _job(service, job_id)
    assert (job.session_id, job.job_key, job.folder) == ("s-1", "uuid-solo", "videos/b-1")
    # The sweep plans nothing more: the meeting has its job.
    assert await pipeline.plan_once() == 0


async def test_the_sweep_plans_one_job_per_ended_occurrence_and_each_adopts_its_instance(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline, clock: Clock
) -> None:
    await scheduler.series()
    # After the second occurrence ended (+ the delay), before the third started.
    clock.now = STARTS["s-2"] + timedelta(hours=2)
    assert await pipeline.plan_once() == 2
    assert await pipeline.plan_once() == 0  # one job per occurrence, never two
    planned = await _jobs(service)
    assert sorted((j.job_key, j.session_id) for j in planned) == [
        (f"meeting:{MEETING}@s-1", "s-1"),
        (f"meeting:{MEETING}@s-2", "s-2"),
    ]
    by_session = {j.session_id: j.id for j in planned}

    # Zoom lists the meeting number's latest instance: the second's. The first occurrence's
    # job must not take it; it waits for its own.
    zoom.played("uuid-w1", STARTS["s-1"] + timedelta(minutes=2))
    second = zoom.played("uuid-w2", STARTS["s-2"] + timedelta(minutes=1))
    assert await pipeline.run(by_session["s-1"]) == m.WAITING
    first = await _job(service, by_session["s-1"])
    assert (first.meeting_uuid, first.job_key) == ("", f"meeting:{MEETING}@s-1")
    # The second occurrence's job finds its instance and copies it.
    assert await pipeline.run(by_session["s-2"]) == m.SYNCED
    assert (await _job(service, by_session["s-2"])).meeting_uuid == "uuid-w2"

    # The first instance's recording.completed adopts the first occurrence's job (no second
    # job for it), and the second's redelivery copies nothing twice.
    assert await _file(pipeline, zoom.instances["uuid-w1"]) == by_session["s-1"]
    async with pipeline.unit_of_work() as uow:
        again = await pipeline.record_recording(
            uow.session, second, trigger=m.WEBHOOK, tenant_id=ACME
        )
        await uow.commit()
    assert again is None
    assert await pipeline.run(by_session["s-1"]) == m.SYNCED
    jobs = await _jobs(service)
    assert sorted((j.job_key, j.session_id, j.state) for j in jobs) == [
        ("uuid-w1", "s-1", m.SYNCED),
        ("uuid-w2", "s-2", m.SYNCED),
    ]


async def test_a_sync_by_session_queues_that_occurrences_job(
    service: Running, scheduler: Scheduler, zoom: Zoom, pipeline: SyncPipeline, clock: Clock
) -> None:
    await scheduler.series()
    clock.now = STARTS["s-2"] + timedelta(hours=2)
    first = await _file(pipeline, zoom.played("uuid-w1", STARTS["s-1"]))
    admin = _md("admin-1", "admin")
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
        job = await stub.SyncMeeting(
            pb.SyncMeetingRequest(session_id="s-2"), metadata=admin, timeout=10
        )
        again = await stub.SyncMeeting(
            pb.SyncMeetingRequest(session_id="s-1"), metadata=admin, timeout=10
        )
        batch = await stub.SyncBatch(
            pb.SyncBatchRequest(batch_id="b-1"), metadata=admin, timeout=10
        )
    # Not the first occurrence's job (the meeting's latest): a job of its own, by occurrence.
    assert job.id != first
    assert (job.session_id, job.meeting_uuid) == ("s-2", "")
    assert again.id == first
    # The batch's ended occurrences are those two jobs; the third has not ended.
    assert sorted(j.id for j in batch.jobs) == sorted([first, job.id])
    assert batch.skipped_not_ended == 1


async def test_a_meeting_of_another_tenant_is_not_linked_to_a_session_here(
    service: Running, scheduler: Scheduler, bus: InProcessBus
) -> None:
    await scheduler.link("s-1", STARTS["s-1"])
    # Another school's session names this school's meeting: refused, as with one session.
    await scheduler.link("s-evil", STARTS["s-2"], tenant="globex")
    assert set(await _links(service)) == {"s-1"}
    assert await bus.dead_letters(CONSUMER) == []


# --------------------------------------------------------------------------- the rule alone


class _Link:
    def __init__(
        self, session_id: str, start: datetime | None, *, uuid: str = "", minutes: int = 60
    ) -> None:
        self.session_id = session_id
        self.meeting_uuid = uuid
        self.start_time = start
        self.duration_minutes = minutes


def test_the_nearest_occurrence_within_its_window_is_chosen_and_nothing_is_guessed() -> None:
    daily = [_Link(f"d-{n}", NOW + timedelta(days=n)) for n in range(3)]
    assert (
        occurrence_of(daily, meeting_uuid="", start_time=NOW + timedelta(days=1, minutes=50))
        is daily[1]
    )
    assert (
        occurrence_of(daily, meeting_uuid="", start_time=NOW + timedelta(days=1, hours=-1))
        is daily[1]
    )
    # Two hours at least, or the occurrence's duration when longer.
    assert occurrence_of(daily, meeting_uuid="", start_time=NOW + timedelta(hours=2)) is daily[0]
    assert (
        occurrence_of(daily, meeting_uuid="", start_time=NOW + timedelta(hours=2, seconds=1))
        is None
    )
    long = [_Link("l-1", NOW, minutes=240), _Link("l-2", NOW + WEEK, minutes=240)]
    assert occurrence_of(long, meeting_uuid="", start_time=NOW + timedelta(hours=4)) is long[0]
    # No start known, or two occurrences equally near: not guessed.
    assert occurrence_of(daily, meeting_uuid="", start_time=None) is None
    twins = [_Link("t-1", NOW - timedelta(hours=1)), _Link("t-2", NOW + timedelta(hours=1))]
    assert occurrence_of(twins, meeting_uuid="", start_time=NOW) is None
    # One link takes every recording; none takes nothing.
    assert occurrence_of(daily[:1], meeting_uuid="", start_time=None) is daily[0]
    assert occurrence_of([], meeting_uuid="x", start_time=NOW) is None


def test_a_uuid_decides_only_when_one_occurrence_has_it() -> None:
    own = [_Link("u-1", NOW, uuid="i-1"), _Link("u-2", NOW + WEEK, uuid="i-2")]
    assert occurrence_of(own, meeting_uuid="i-2", start_time=NOW) is own[1]
    # The series' uuid of creation on every link tells them apart no better than the id.
    shared = [_Link("s-1", NOW, uuid="series"), _Link("s-2", NOW + WEEK, uuid="series")]
    assert occurrence_of(shared, meeting_uuid="series", start_time=NOW + WEEK) is shared[1]
    assert occurrence_of(shared, meeting_uuid="series", start_time=None) is None


def test_placeholder_keys_are_per_occurrence_with_the_meetings_own_last() -> None:
    assert placeholder_keys(5, "s-1") == ["meeting:5@s-1", "meeting:5"]
    assert placeholder_keys(5) == ["meeting:5"]
