"""One attempt at a job (``JobRun``) with a fake unit of work: fast, no database.

The fake keeps jobs in memory and honours the repository's contract (a save of a job someone
else changed since it was loaded raises ``StaleJob``), so what the tests exercise — takeovers,
files arriving mid-run, graceful stops — is the attempt's own logic. The bytes go to a real
local-disk storage in a temporary folder.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from classbridge_common.messages import Envelope
from classbridge_common.telemetry import Metrics
from recording_sync.adapters.downloader import Body
from recording_sync.adapters.storage_local import LocalStorage
from recording_sync.adapters.sync_repository import StaleJob
from recording_sync.domain import model as m
from recording_sync.domain.sync_job import FileState, JobState, Lease, SyncJob, Trigger
from recording_sync.service_layer.sync_run import JobRun, SyncContext, SyncPolicy
from tests.unit.recording_sync.test_sync_job_model import new_id, zoom_file

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MIB = 1024 * 1024
POLICY = SyncPolicy(
    lease=timedelta(seconds=30),
    heartbeat=timedelta(seconds=3600),  # the tests move the clock themselves
    download_tries=1,
    download_backoff=0,
)


class World:
    """What the database would hold: jobs by id, recordings written, events committed."""

    def __init__(self) -> None:
        self.jobs: dict[str, SyncJob] = {}
        self.recorded: list[str] = []
        self.events: list[Envelope] = []
        self.saved_bytes: list[int] = []  # the job's bytes_done at every save
        self.now = T0

    def clock(self) -> datetime:
        return self.now

    def edit(self, job_id: str, change: Callable[[SyncJob], object]) -> None:
        """Another writer (the consumer, another worker) changes the job."""
        job = copy.deepcopy(self.jobs[job_id])
        change(job)
        job.version += 1
        self.jobs[job_id] = job


class FakeJobs:
    def __init__(self, world: World) -> None:
        self._world = world

    async def get(self, job_id: str, *, lock: bool = False) -> SyncJob | None:
        found = self._world.jobs.get(job_id)
        return copy.deepcopy(found) if found is not None else None

    async def save(self, job: SyncJob) -> None:
        if self._world.jobs[job.id].version != job.version:
            raise StaleJob(job.id)
        job.version += 1
        self._world.jobs[job.id] = copy.deepcopy(job)
        self._world.saved_bytes.append(job.bytes_done)

    async def tenant_of_key(self, key: str) -> str | None:
        return next((j.tenant_id for j in self._world.jobs.values() if j.job_key == key), None)


class FakeRecordings:
    def __init__(self, world: World) -> None:
        self._world = world

    async def record(self, job: SyncJob, *, now: datetime) -> None:
        self._world.recorded.append(job.id)


class FakeUnitOfWork:
    """The sync unit of work's surface the attempt uses; commit makes changes and events
    visible together, leaving without commit drops them."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._events: list[Envelope] = []
        self._saved: dict[str, SyncJob] = {}

    async def __aenter__(self) -> FakeUnitOfWork:
        self._before = dict(self._world.jobs)
        self.jobs = FakeJobs(self._world)
        self.recordings = FakeRecordings(self._world)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self._world.jobs = self._before

    def publish(self, event: Envelope) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        self._world.events += self._events


class Bytes:
    """A downloader whose stream of each file can be held at a point the test chooses."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.during: dict[str, Callable[[], Awaitable[None]]] = {}
        self.offsets: list[int] = []  # where each download asked to start

    @asynccontextmanager
    async def open(self, access: m.DownloadAccess, *, offset: int = 0) -> AsyncIterator[Body]:
        zid = access.url.rsplit("/", 1)[-1]
        self.offsets.append(offset)

        async def chunks() -> AsyncIterator[bytes]:
            sent = offset
            while sent < access.size:
                piece = min(64 * 1024, access.size - sent)
                yield b"x" * piece
                await asyncio.sleep(0)  # as a network read would, it lets other tasks run
                sent += piece
                if sent >= access.size // 2 and zid in self.during:
                    await self.during.pop(zid)()

        yield Body(chunks(), offset)


class Gateway:
    def __init__(self, world: World) -> None:
        self._world = world

    async def list_recording(self, **_: Any) -> m.ZoomRecording | None:
        return None

    async def download_access(self, *, zoom_file_id: str, **_: Any) -> m.DownloadAccess:
        job = next(iter(self._world.jobs.values()))
        f = job.by_zoom_id(zoom_file_id)
        assert f is not None
        return m.DownloadAccess(
            url=f"https://zoom.test/rec/{zoom_file_id}",
            token="",
            credential_hosts=(),
            redirect_hosts=(),
            size=f.zoom_size,
        )


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[LocalStorage]:
    async with LocalStorage(
        tmp_path / "storage",
        signing_key=b"k" * 32,
        public_url="http://127.0.0.1:1",
        progress_bytes=MIB,
        part_bytes=MIB,
    ) as local:
        yield local


def _context(world: World, storage: LocalStorage, downloader: Bytes) -> SyncContext:
    return SyncContext(
        unit_of_work=lambda scope: FakeUnitOfWork(world),  # type: ignore[arg-type,return-value]
        storage=storage,
        gateway=Gateway(world),  # type: ignore[arg-type]
        downloader=downloader,
        policy=POLICY,
        clock=world.clock,
        metrics=Metrics.from_global(),
    )


def _job(world: World, *files: m.ZoomFile) -> SyncJob:
    job = SyncJob(
        id="job_1",
        tenant_id="default",
        job_key="uuid-1",
        meeting_id=81,
        meeting_uuid="uuid-1",
        recording_id="rec_1",
        state=JobState.PENDING,
        trigger=Trigger.WEBHOOK,
        max_attempts=3,
        created_at=T0,
        updated_at=T0,
        next_attempt_at=T0,
        folder="videos/b-1",
    )
    job.learn(files, new_id=new_id, now=T0)
    world.jobs[job.id] = job
    return job


def _claim(world: World, owner: str) -> tuple[SyncJob, Any]:
    job = copy.deepcopy(world.jobs["job_1"])
    lease = job.claim(owner=owner, now=world.now, lease_for=POLICY.lease)
    job.version += 1
    world.jobs[job.id] = copy.deepcopy(job)
    return job, lease


def _synced_files(world: World) -> list[str]:
    from classbridge.events.v1 import recording_events_pb2 as rev

    found = []
    for event in world.events:
        if event.type == "recording.synced":
            found += [f.zoom_file_id for f in event.parse(rev.RecordingSynced).files]
    return found


async def test_a_transcript_that_arrives_mid_copy_is_copied_before_the_job_is_synced(
    world: World, storage: LocalStorage
) -> None:
    _job(world, zoom_file("mp4", size=20_000), zoom_file("chat", "chat", size=3_000))
    downloader = Bytes(world)

    async def transcript_arrives() -> None:
        world.edit(
            "job_1",
            lambda j: j.learn([zoom_file("vtt", "transcript", size=4_000)], new_id=new_id, now=T0),
        )

    downloader.during["mp4"] = transcript_arrives
    job, lease = _claim(world, "w1")
    state = await JobRun(_context(world, storage, downloader), job, lease, "").go()
    assert state == JobState.SYNCED
    final = world.jobs["job_1"]
    assert {f.zoom_file_id: f.state for f in final.files} == {
        "mp4": FileState.STORED,
        "chat": FileState.STORED,
        "vtt": FileState.STORED,
    }
    assert sorted(_synced_files(world)) == ["chat", "mp4", "vtt"]
    for f in final.files:
        assert (await storage.head(f.storage_key)) is not None


async def test_a_worker_taken_over_mid_copy_stops_and_leaves_nothing_behind(
    world: World, storage: LocalStorage
) -> None:
    _job(world, zoom_file("mp4", size=20_000))
    downloader = Bytes(world)

    async def taken_over() -> None:
        # w1's heartbeat stopped long enough for its lease to run out; w2 claims the job.
        world.now += POLICY.lease + timedelta(seconds=1)
        _claim(world, "w2")

    downloader.during["mp4"] = taken_over
    job, lease = _claim(world, "w1")
    assert await JobRun(_context(world, storage, downloader), job, lease, "").go() is None
    after = world.jobs["job_1"]
    assert (after.state, after.lease_owner, after.lease_generation) == (
        JobState.DOWNLOADING,
        "w2",
        2,
    )
    assert after.files[0].state == FileState.PENDING  # w2 copies it; w1 wrote nothing more
    assert world.events == []
    key_folder = storage.root / "videos"
    assert not key_folder.exists() or not any(p.is_file() for p in key_folder.rglob("*"))


async def test_a_graceful_stop_releases_the_job_for_another_worker_at_once(
    world: World, storage: LocalStorage
) -> None:
    _job(world, zoom_file("mp4", size=20_000))
    downloader = Bytes(world)
    halfway = asyncio.Event()

    async def hold() -> None:
        halfway.set()
        await asyncio.sleep(3600)

    downloader.during["mp4"] = hold
    job, lease = _claim(world, "w1")
    run = asyncio.create_task(JobRun(_context(world, storage, downloader), job, lease, "").go())
    await halfway.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    after = world.jobs["job_1"]
    assert (after.state, after.lease_owner, after.attempts) == (JobState.PENDING, "", 0)
    assert after.due(world.now)
    assert after.files[0].state == FileState.PENDING
    _, second = _claim(world, "w2")  # no waiting for a lease to run out
    assert second.generation == 2


async def test_progress_is_written_while_a_file_is_copied(
    world: World, storage: LocalStorage
) -> None:
    _job(world, zoom_file("mp4", size=6 * MIB))
    downloader = Bytes(world)

    async def a_checkpoint_is_saved() -> None:
        # Half-way, the download waits (as a slow network would) until a checkpoint was saved.
        for _ in range(500):
            if any(0 < b < 6 * MIB for b in world.saved_bytes):
                return
            await asyncio.sleep(0.01)

    downloader.during["mp4"] = a_checkpoint_is_saved
    job, lease = _claim(world, "w1")
    await JobRun(_context(world, storage, downloader), job, lease, "").go()
    # The storage checkpoints every MiB made durable (coalesced while a save is running); each
    # checkpoint is written to the job.
    moving = [b for b in world.saved_bytes if 0 < b < 6 * MIB]
    assert len(moving) >= 1
    assert moving == sorted(moving)
    assert world.jobs["job_1"].bytes_done == 6 * MIB


def test_the_fake_unit_of_work_refuses_a_stale_save(world: World) -> None:
    _job(world, zoom_file("mp4"))

    async def scenario() -> None:
        async with FakeUnitOfWork(world) as uow:
            job = await uow.jobs.get("job_1")
            assert job is not None
            world.edit("job_1", lambda j: j.reopen(trigger=Trigger.MANUAL, now=T0, force=True))
            with pytest.raises(StaleJob):
                await uow.jobs.save(job)

    asyncio.run(scenario())


async def test_a_takeover_resumes_the_copy_where_the_first_worker_stopped(
    world: World, storage: LocalStorage
) -> None:
    """w1 is taken over half-way through a file; w2 continues from w1's last checkpoint with a
    ranged download instead of starting again, and the stored file is the whole, right one."""
    size = 6 * MIB + 1234
    _job(world, zoom_file("mp4", size=size))
    downloader = Bytes(world)

    async def taken_over() -> None:
        # Half-way: once w1 has made a checkpoint, its lease runs out and w2 claims the job.
        for _ in range(500):
            if world.jobs["job_1"].files[0].checkpoint:
                break
            await asyncio.sleep(0.01)
        world.now += POLICY.lease + timedelta(seconds=1)
        _claim(world, "w2")

    downloader.during["mp4"] = taken_over
    job, lease = _claim(world, "w1")
    assert await JobRun(_context(world, storage, downloader), job, lease, "").go() is None
    left = world.jobs["job_1"].files[0]
    assert left.state == FileState.PENDING
    assert left.checkpoint, "w1 recorded where its copy stood"
    assert 0 < left.bytes_done < size

    job = copy.deepcopy(world.jobs["job_1"])
    lease = Lease(job_id=job.id, owner="w2", generation=job.lease_generation)
    state = await JobRun(_context(world, storage, downloader), job, lease, "").go()
    assert state == JobState.SYNCED
    assert downloader.offsets == [0, left.bytes_done]  # w2 asked for the rest only
    stored = world.jobs["job_1"].files[0]
    assert (stored.state, stored.size_bytes, stored.checkpoint) == (FileState.STORED, size, "")
    assert stored.sha256 == hashlib.sha256(b"x" * size).hexdigest()
    path = storage.root.joinpath(*stored.storage_key.split("/"))
    assert path.read_bytes() == b"x" * size
    assert not [p for p in storage.root.rglob("*") if ".partial-" in p.name]
