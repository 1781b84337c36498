"""recording-sync's walking skeleton: migrate, serve with health, the honest UNIMPLEMENTED
answers, and the meeting projection fed (once per message) by the scheduler's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import grpc.aio
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import func, select, update

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import session_events_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2, recording_sync_pb2_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import make_settings
from recording_sync.adapters.tables import inbox, meeting_projections
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.domain.folders import FolderError, storage_folder
from recording_sync.entrypoints.consumer import CONSUMER
from recording_sync.settings import Settings

SECRET = "recording-sync-test-secret-long-enough-for-hs256"
T0 = datetime(2024, 1, 15, 4, 30, tzinfo=UTC)


def _ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def linked(
    *,
    meeting_id: int = 85012345678,
    session_id: str = "s-1",
    batch_type: int = common_pb2.BATCH_TYPE_GROUP,
    student_id: str = "",
    title: str = "Introduction to JavaScript",
    occurred_at: datetime = T0,
) -> session_events_pb2.SessionMeetingLinked:
    return session_events_pb2.SessionMeetingLinked(
        occurred_at=_ts(occurred_at),
        session_id=session_id,
        session_title=title,
        batch_id="b-1",
        batch_type=batch_type,  # type: ignore[arg-type]
        student_id=student_id,
        course_id="c-1",
        meeting_id=meeting_id,
        start_time=_ts(T0 + timedelta(days=1)),
        duration_minutes=90,
        timezone="Asia/Kolkata",
    )


def envelope(message: object, type_: str, message_id: str) -> Envelope:
    return Envelope.for_proto(type_, message, message_id)  # type: ignore[arg-type]


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    async with InProcessBus() as the_bus:
        yield the_bus


@pytest.fixture
async def service(tmp_path: Path, bus: InProcessBus) -> AsyncIterator[Running]:
    settings = make_settings(
        Settings,
        service_name="recording-sync",
        data_dir=tmp_path,
        auth_jwt_secret=SECRET,
        grpc_host="127.0.0.1",
        grpc_port=0,
        files_http_port=0,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with running(settings, bus=bus) as started:
        yield started


async def _projection(service: Running, meeting_id: int) -> dict[str, object]:
    async with service.sessions() as session:
        row = (
            await session.execute(
                select(meeting_projections).where(meeting_projections.c.meeting_id == meeting_id)
            )
        ).one()
    return dict(row._mapping)


async def test_migrated_and_serving_reports_health_serving(service: Running) -> None:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        overall = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        ours = await health.Check(
            health_pb2.HealthCheckRequest(
                service="classbridge.recordingsync.v1.RecordingSyncService"
            ),
            timeout=10,
        )
    assert overall.status == health_pb2.HealthCheckResponse.SERVING
    assert ours.status == health_pb2.HealthCheckResponse.SERVING


async def test_the_watcher_is_the_operators_and_says_when_this_host_has_none(
    service: Running,
) -> None:
    admin = issue_token(subject="admin-1", secret=SECRET, roles=["admin"])
    teacher = issue_token(subject="teacher-1", secret=SECRET, roles=["teacher"])
    operator = issue_token(subject="op-1", secret=SECRET, roles=["operator"])
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
        refused = []
        for token in (admin, teacher):  # the folder is the deployment's, not a school's
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await stub.StartWatcher(
                    recording_sync_pb2.StartWatcherRequest(),
                    metadata=(("authorization", f"Bearer {token}"),),
                    timeout=10,
                )
            refused.append(raised.value.code())
        with pytest.raises(grpc.aio.AioRpcError) as unavailable:
            await stub.StartWatcher(
                recording_sync_pb2.StartWatcherRequest(),
                metadata=(("authorization", f"Bearer {operator}"),),
                timeout=10,
            )
    assert refused == [grpc.StatusCode.PERMISSION_DENIED] * 2
    # No WATCHER_ROOT on this host: a clear precondition, not a failure.
    assert unavailable.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "WATCHER_ROOT is not set" in (unavailable.value.details() or "")


async def test_calls_without_a_token_are_unauthenticated(service: Running) -> None:
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.GetSyncJob(recording_sync_pb2.GetSyncJobRequest(job_id="j"), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_redelivered_meeting_linked_is_applied_once(
    service: Running, bus: InProcessBus
) -> None:
    message = envelope(linked(), "session.meeting_linked", "m-linked-1")
    await bus.publish([message])  # the in-process bus confirms once the consumer handled it
    first = await _projection(service, 85012345678)
    assert first["session_id"] == "s-1"
    assert first["folder"] == "videos/b-1"
    assert first["status"] == "linked"

    # Change the row behind the consumer's back: re-applying the message would undo this.
    async with service.sessions() as session, session.begin():
        await session.execute(update(meeting_projections).values(session_title="changed since"))
    await bus.publish([message])  # redelivery, same message id

    again = await _projection(service, 85012345678)
    assert again["session_title"] == "changed since"
    async with service.sessions() as session:
        applied = await session.scalar(
            select(func.count())
            .select_from(inbox)
            .where(inbox.c.consumer == CONSUMER, inbox.c.message_id == "m-linked-1")
        )
    assert applied == 1
    assert await bus.dead_letters(CONSUMER) == []


async def test_an_individual_batch_files_under_its_student(
    service: Running, bus: InProcessBus
) -> None:
    event = linked(
        meeting_id=85000000001, batch_type=common_pb2.BATCH_TYPE_INDIVIDUAL, student_id="st-42"
    )
    await bus.publish([envelope(event, "session.meeting_linked", "m-2")])
    row = await _projection(service, 85000000001)
    assert row["folder"] == "videos/student/st-42"
    assert row["batch_type"] == "individual"


async def test_cancel_and_update_follow_the_session(service: Running, bus: InProcessBus) -> None:
    await bus.publish([envelope(linked(), "session.meeting_linked", "m-3")])
    updated = session_events_pb2.SessionUpdated(
        occurred_at=_ts(T0 + timedelta(minutes=5)),
        session_id="s-1",
        meeting_id=85012345678,
        title="ES6 in depth",
        duration_minutes=120,
    )
    await bus.publish([envelope(updated, "session.updated", "m-4")])
    assert (await _projection(service, 85012345678))["session_title"] == "ES6 in depth"

    cancelled = session_events_pb2.SessionCancelled(
        occurred_at=_ts(T0 + timedelta(minutes=10)), session_id="s-1", meeting_id=85012345678
    )
    await bus.publish([envelope(cancelled, "session.cancelled", "m-5")])
    # A late, older link must not bring a cancelled meeting back.
    stale = linked(title="stale", occurred_at=T0 + timedelta(minutes=1))
    await bus.publish([envelope(stale, "session.meeting_linked", "m-6")])
    row = await _projection(service, 85012345678)
    assert row["status"] == "cancelled"
    assert row["session_title"] == "ES6 in depth"
    assert row["duration_minutes"] == 120


def test_the_folder_rule() -> None:
    assert (
        storage_folder(batch_type=common_pb2.BATCH_TYPE_GROUP, batch_id="b-7", student_id="")
        == "videos/b-7"
    )
    assert (
        storage_folder(
            batch_type=common_pb2.BATCH_TYPE_INDIVIDUAL, batch_id="b-7", student_id="st-1"
        )
        == "videos/student/st-1"
    )
    with pytest.raises(FolderError):
        storage_folder(batch_type=common_pb2.BATCH_TYPE_INDIVIDUAL, batch_id="b-7", student_id="")
    with pytest.raises(FolderError):
        storage_folder(batch_type=common_pb2.BATCH_TYPE_GROUP, batch_id="../etc", student_id="")
