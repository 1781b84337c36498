"""The in-service folder watcher, end to end inside recording-sync: a real file system, moto's
S3 server, the service's database (SQLite here) and its gRPC API.

A file written slowly over several seconds, the way Zoom converts, is stored once and only
after it is complete, as one recording (source LOCAL_FOLDER) of the right session with its
``recording.synced`` in the outbox — and recording-sync restarting in the middle of the write
does not make a second one (the watcher resumes by itself). A folder no session matches is
reported in the status, never stored. Only operators control the watcher, and it will not be
pointed outside ``WATCHER_ROOT`` (symbolic links included); a teacher asks which of their
sessions a recording is, and another teacher's meeting is NOT_FOUND.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import insert, select

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import TEST_TOKEN_TTL, make_settings
from recording_sync.adapters.tables import meeting_projections, outbox, recording_files, recordings
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.settings import Settings
from tests.unit.recording_sync.fakes import FakeScheduler, serving

SECRET = "recording-sync-watcher-test-secret-long-enough"
MEETING = 84512345678
START = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
FOLDER = f"2026-12-03 14.30.00 Physics 101 {MEETING}"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"  # what Zoom's files start with
M4A = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom"


def _md(subject: str, *roles: str, tenant: str | None = "default") -> Any:
    token = issue_token(
        subject=subject, secret=SECRET, roles=list(roles), tenant=tenant, ttl=TEST_TOKEN_TTL
    )
    return (("authorization", f"Bearer {token}"),)


OPERATOR = _md("op-1", "operator", tenant=None)
ADMIN = _md("admin-1", "admin")
TEACHER = _md("t-1", "teacher")
OTHER_TEACHER = _md("t-2", "teacher")
STUDENT = _md("st-1", "student")


@pytest.fixture
async def scheduler() -> AsyncIterator[int]:
    fake = FakeScheduler()
    fake.teacher("default", "t-1", ["b-1"])
    fake.teacher("default", "t-2", ["b-2"])
    async with serving(fake) as port:
        yield port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def database(request: pytest.FixtureRequest) -> dict[str, Any]:
    """SQLite, and in the integration tier PostgreSQL (a schema of the test's own)."""
    if request.param == "sqlite":
        return {}
    return {
        "database_url": request.getfixturevalue("database_url"),
        "db_schema": request.getfixturevalue("pg_schema"),
    }


@pytest.fixture
async def settings(
    tmp_path: Path, moto_url: str, scheduler: int, database: dict[str, Any]
) -> Settings:
    (tmp_path / "root" / "Zoom").mkdir(parents=True)
    built = make_settings(
        Settings,
        service_name="recording-sync",
        data_dir=tmp_path / "var",
        auth_jwt_secret=SECRET,
        grpc_host="127.0.0.1",
        grpc_port=0,
        files_http_port=0,
        scheduler_addr=f"127.0.0.1:{scheduler}",
        zoom_gateway_addr="127.0.0.1:9",
        sync_sweep_interval_seconds=0,
        s3_endpoint_url=moto_url,
        s3_bucket=f"watch-{uuid.uuid4().hex[:12]}",
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        s3_create_bucket=True,
        watcher_root=tmp_path / "root",
        watcher_settle_seconds=1.0,
        watcher_scan_seconds=0.2,
        **database,
    )
    await upgrade_to_head(built, MIGRATIONS_DIR)
    return built


@asynccontextmanager
async def _service(settings: Settings) -> AsyncIterator[Running]:
    async with InProcessBus() as bus, running(settings, bus=bus) as started:
        yield started


@asynccontextmanager
async def _stub(
    service: Running,
) -> AsyncIterator[recording_sync_pb2_grpc.RecordingSyncServiceStub]:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        yield recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)


async def _link(
    service: Running, meeting_id: int, session_id: str, batch_id: str, teacher: str
) -> None:
    now = datetime.now(UTC)
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(meeting_projections).values(
                meeting_id=meeting_id,
                session_id=session_id,
                session_title="Physics 101",
                batch_id=batch_id,
                batch_type="group",
                folder=f"videos/{batch_id}",
                teacher_id=teacher,
                status="linked",
                start_time=START,
                duration_minutes=60,
                linked_at=now,
                last_event_at=now,
                updated_at=now,
            )
        )


async def _recordings(service: Running) -> list[Any]:
    async with service.sessions() as session:
        return list((await session.execute(select(recordings))).all())


async def _code(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code()


async def _until(condition: Any, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def _write_slowly(path: Path, chunks: list[bytes], pause: float) -> None:
    """Zoom's conversion: the file grows for a while, held open until the end."""
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            out.flush()
            await asyncio.sleep(pause)


async def test_a_slow_write_is_stored_once_after_it_is_complete_even_across_a_restart(
    settings: Settings, moto_admin: Any
) -> None:
    root = settings.watcher_root
    assert root is not None
    meeting = root / "Zoom" / FOLDER
    meeting.mkdir()
    lost = root / "Zoom" / "2026-12-03 16.00.00 Physics 101"  # no meeting id, no host set
    lost.mkdir()
    (lost / "zoom_0.mp4").write_bytes(MP4 + b"unmatched" * 1000)
    chunks = [MP4 + os.urandom(256 * 1024 - len(MP4))] + [os.urandom(256 * 1024) for _ in range(15)]
    body = b"".join(chunks)
    async with _service(settings) as first:
        await _link(first, MEETING, "s-1", "b-1", "t-1")
        async with _stub(first) as stub:
            await stub.SetWatchPath(pb.SetWatchPathRequest(path="Zoom"), metadata=OPERATOR)
            started = await stub.StartWatcher(pb.StartWatcherRequest(), metadata=OPERATOR)
        assert (started.running, started.watch_path) == (True, str(root / "Zoom"))
        writing = asyncio.create_task(_write_slowly(meeting / "zoom_0.mp4", chunks, 0.25))
        await asyncio.sleep(1.5)
        assert await _recordings(first) == []  # half written: nothing stored
    # recording-sync restarted in the middle of Zoom's write; the watcher resumes by itself
    async with _service(settings) as second:
        await writing
        assert await _recordings(second) == []

        async def stored() -> bool:
            return len(await _recordings(second)) == 1

        await _until(stored)
        await asyncio.sleep(1.5)  # more scans: still one
        rows = await _recordings(second)
        assert len(rows) == 1
        row = rows[0]
        assert (row.source, row.session_id, row.meeting_id) == ("local_folder", "s-1", MEETING)
        async with second.sessions() as session:
            files = (await session.execute(select(recording_files))).all()
            events = (await session.execute(select(outbox))).all()
        assert [f.sha256 for f in files] == [hashlib.sha256(body).hexdigest()]
        stored_body = moto_admin.get_object(Bucket=settings.s3_bucket, Key=files[0].storage_key)[
            "Body"
        ].read()
        assert stored_body == body
        assert files[0].storage_key.startswith("videos/b-1/")
        synced = [e for e in events if e.type == "recording.synced"]
        assert len(synced) == 1
        event = rev.RecordingSynced.FromString(synced[0].body)
        assert (event.source, event.session_id, len(event.files)) == (4, "s-1", 1)

        async with _stub(second) as stub:
            status = await stub.GetWatcherStatus(pb.GetWatcherStatusRequest(), metadata=OPERATOR)
        assert status.running
        by_path = {f.path: f for f in status.files}
        assert by_path[f"{FOLDER}/zoom_0.mp4"].state == pb.WATCHED_FILE_STATE_UPLOADED
        assert by_path[f"{FOLDER}/zoom_0.mp4"].recording_id == row.id
        unmatched = by_path["2026-12-03 16.00.00 Physics 101/zoom_0.mp4"]
        assert unmatched.state == pb.WATCHED_FILE_STATE_UNMATCHED
        assert "no meeting id" in unmatched.error
        assert (status.files_unmatched, status.files_uploaded) == (1, 1)


async def test_only_operators_control_the_watcher_and_only_inside_its_root(
    settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = settings.watcher_root
    assert root is not None
    (root / "escape").symlink_to(outside, target_is_directory=True)
    async with _service(settings) as service, _stub(service) as stub:
        for who in (ADMIN, TEACHER, STUDENT):
            assert await _code(stub.StartWatcher(pb.StartWatcherRequest(), metadata=who)) == (
                grpc.StatusCode.PERMISSION_DENIED
            )
            assert (
                await _code(stub.GetWatcherStatus(pb.GetWatcherStatusRequest(), metadata=who))
                == grpc.StatusCode.PERMISSION_DENIED
            )
        for path in (str(outside), "../elsewhere", "escape", "Zoom/missing", "/etc/passwd"):
            assert (
                await _code(stub.SetWatchPath(pb.SetWatchPathRequest(path=path), metadata=OPERATOR))
                == grpc.StatusCode.INVALID_ARGUMENT
            ), path
        assert (
            await _code(
                stub.SetWatchPath(
                    pb.SetWatchPathRequest(path="Zoom", host_id="t-1"), metadata=OPERATOR
                )
            )
            == grpc.StatusCode.INVALID_ARGUMENT
        )  # a host needs its tenant
        answer = await stub.SetWatchPath(pb.SetWatchPathRequest(path="Zoom"), metadata=OPERATOR)
        assert (answer.running, answer.watch_root) == (False, str(root.resolve()))
        stopped = await stub.StopWatcher(pb.StopWatcherRequest(), metadata=OPERATOR)
        assert not stopped.running


async def test_a_teacher_is_told_their_session_and_never_anothers(settings: Settings) -> None:
    async with _service(settings) as service, _stub(service) as stub:
        await _link(service, MEETING, "s-1", "b-1", "t-1")
        when = Timestamp()
        when.FromDatetime(START + timedelta(minutes=3))
        mine = await stub.MatchLocalRecording(
            pb.MatchLocalRecordingRequest(meeting_id=MEETING, start_time=when), metadata=TEACHER
        )
        assert (mine.session_id, mine.matched_by) == ("s-1", "meeting_id")
        by_time = await stub.MatchLocalRecording(
            pb.MatchLocalRecordingRequest(start_time=when), metadata=TEACHER
        )
        assert (by_time.session_id, by_time.matched_by) == ("s-1", "host_and_time")
        for call in (
            stub.MatchLocalRecording(
                pb.MatchLocalRecordingRequest(meeting_id=MEETING, start_time=when),
                metadata=OTHER_TEACHER,
            ),
            stub.MatchLocalRecording(
                pb.MatchLocalRecordingRequest(meeting_id=MEETING, start_time=when),
                metadata=_md("admin-9", "admin", tenant="acme"),
            ),
        ):
            assert await _code(call) == grpc.StatusCode.NOT_FOUND
        assert (
            await _code(stub.MatchLocalRecording(pb.MatchLocalRecordingRequest(), metadata=TEACHER))
            == grpc.StatusCode.INVALID_ARGUMENT
        )
        assert (
            await _code(
                stub.MatchLocalRecording(
                    pb.MatchLocalRecordingRequest(meeting_id=MEETING), metadata=STUDENT
                )
            )
            == grpc.StatusCode.PERMISSION_DENIED
        )


async def test_a_folder_without_a_meeting_id_is_matched_by_the_set_host_and_time(
    settings: Settings,
) -> None:
    root = settings.watcher_root
    assert root is not None
    folder = root / "Zoom" / "2026-12-03 14.32.10 Physics 101"  # no id: matched by t-1's time
    folder.mkdir()
    (folder / "audio1234567890.m4a").write_bytes(M4A + b"audio" * 5000)
    async with _service(settings) as service:
        await _link(service, MEETING, "s-1", "b-1", "t-1")
        async with _stub(service) as stub:
            await stub.SetWatchPath(
                pb.SetWatchPathRequest(path=str(root / "Zoom"), tenant_id="default", host_id="t-1"),
                metadata=OPERATOR,
            )
            await stub.StartWatcher(pb.StartWatcherRequest(), metadata=OPERATOR)

            async def stored() -> bool:
                return len(await _recordings(service)) == 1

            await _until(stored)
            status = await stub.GetWatcherStatus(pb.GetWatcherStatusRequest(), metadata=OPERATOR)
        (row,) = await _recordings(service)
        assert (row.session_id, row.source) == ("s-1", "local_folder")
        assert (status.tenant_id, status.host_id) == ("default", "t-1")
        assert status.files[0].session_id == "s-1"


async def test_a_file_that_is_no_recording_is_reported_and_never_stored(settings: Settings) -> None:
    root = settings.watcher_root
    assert root is not None
    (root / "Zoom" / FOLDER).mkdir()
    (root / "Zoom" / FOLDER / "zoom_0.mp4").write_bytes(b"MZ\x90\x00" + b"\x00" * 5000)
    async with _service(settings) as service:
        await _link(service, MEETING, "s-1", "b-1", "t-1")
        async with _stub(service) as stub:
            await stub.SetWatchPath(pb.SetWatchPathRequest(path="Zoom"), metadata=OPERATOR)
            await stub.StartWatcher(pb.StartWatcherRequest(), metadata=OPERATOR)

            async def failed() -> bool:
                status = await stub.GetWatcherStatus(
                    pb.GetWatcherStatusRequest(), metadata=OPERATOR
                )
                return status.files_failed == 1

            await _until(failed)
            status = await stub.GetWatcherStatus(pb.GetWatcherStatusRequest(), metadata=OPERATOR)
        assert "is not a recording" in status.files[0].error
        assert status.files[0].state == pb.WATCHED_FILE_STATE_FAILED
        assert await _recordings(service) == []
