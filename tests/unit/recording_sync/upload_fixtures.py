"""What the manual-upload tests share: a scheduler that knows sessions (GetSession,
ListEnrollments) as well as memberships, recording-sync running on local disk or on moto's S3,
and files whose first bytes are real formats' (an MP4's ``ftyp`` box, a PE executable's ``MZ``)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.scheduler.v1 import scheduler_pb2 as sp
from classbridge.scheduler.v1 import scheduler_pb2_grpc as sp_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import make_settings
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.settings import Settings
from tests.unit.recording_sync.fakes import FakeScheduler

SECRET = "recording-sync-upload-test-secret-long-enough-for-hs256"
MIB = 1024 * 1024
START = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


def mp4(size: int, seed: int = 1) -> bytes:
    """``size`` bytes an MP4 sniffer recognises (an ``ftyp`` box, then noise)."""
    head = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    body = hashlib.shake_256(seed.to_bytes(4, "big")).digest(max(size - len(head), 0))
    return (head + body)[:size]


def executable(size: int) -> bytes:
    """A Windows executable's first bytes (what a renamed ``.exe`` would send)."""
    head = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
    return (head + b"\x40\x00\x00\x00" + os.urandom(size))[:size]


class SessionScheduler(FakeScheduler):
    """Memberships, plus sessions by (tenant, id) and their batches' enrolments."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[tuple[str, str], sp.Session] = {}
        self.enrolled: dict[str, list[str]] = {}

    def session(self, tenant: str, session_id: str, batch_id: str, *, individual: str = "") -> None:
        start = Timestamp()
        start.FromDatetime(START)
        self.sessions[(tenant, session_id)] = sp.Session(
            id=session_id,
            batch_id=batch_id,
            course_id=f"course-{batch_id}",
            batch_type=common_pb2.BATCH_TYPE_INDIVIDUAL
            if individual
            else common_pb2.BATCH_TYPE_GROUP,
            title=f"Lesson of {batch_id}",
            scheduled_start=start,
        )
        if individual:
            self.enrolled[batch_id] = [individual]

    async def GetSession(
        self, request: sp.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> sp.Session:
        tenant = dict(context.invocation_metadata() or ()).get("x-classbridge-tenant", "")
        found = self.sessions.get((str(tenant), request.session_id))
        if found is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such session")
        return found

    async def ListEnrollments(
        self, request: sp.ListEnrollmentsRequest, context: grpc.aio.ServicerContext
    ) -> sp.ListEnrollmentsResponse:
        return sp.ListEnrollmentsResponse(
            enrollments=[
                sp.Enrollment(batch_id=request.batch_id, student_id=s)
                for s in self.enrolled.get(request.batch_id, [])
            ]
        )


@asynccontextmanager
async def serving_scheduler(fake: SessionScheduler) -> AsyncIterator[int]:
    server = grpc.aio.server()
    sp_grpc.add_SchedulerServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)


@asynccontextmanager
async def upload_service(
    tmp_path: Path, scheduler_port: int, **overrides: Any
) -> AsyncIterator[Running]:
    """recording-sync on SQLite and the in-process bus (local disk unless ``s3_*`` given)."""
    settings = make_settings(
        Settings,
        service_name="recording-sync",
        data_dir=tmp_path,
        auth_jwt_secret=SECRET,
        grpc_host="127.0.0.1",
        grpc_port=0,
        files_http_port=0,
        scheduler_addr=f"127.0.0.1:{scheduler_port}",
        zoom_gateway_addr="127.0.0.1:9",
        zoom_gateway_timeout_seconds=1.0,
        sync_sweep_interval_seconds=0,
        sync_poll_seconds=0,
        sync_reconcile_interval_seconds=0,
        storage_janitor_interval_seconds=0,
        sync_zoom_cleanup_interval_seconds=0,
        **overrides,
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    async with InProcessBus() as bus, running(settings, bus=bus) as started:
        yield started


def caller(subject: str, *roles: str, tenant: str | None = None) -> tuple[tuple[str, str], ...]:
    token = issue_token(
        subject=subject, secret=SECRET, roles=list(roles), tenant=tenant, ttl=timedelta(hours=1)
    )
    return (("authorization", f"Bearer {token}"),)


def pieces(data: bytes, size: int) -> Iterable[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


async def send(
    stub: Any,
    upload_id: str,
    offset: int,
    data: bytes,
    metadata: Any,
    *,
    chunk: int = 256 * 1024,
    last: bool = False,
) -> pb.ManualUpload:
    """One append of ``data`` at ``offset``, in gRPC messages of ``chunk`` bytes; written one
    by one, as the edge does, so a refusal the service answers early is the call's status."""
    call = stub.AppendManualUpload(metadata=metadata)
    try:
        await call.write(
            pb.ManualUploadChunk(
                start=pb.ManualUploadAppend(upload_id=upload_id, offset=offset, last=last)
            )
        )
        for piece in pieces(data, chunk):
            await call.write(pb.ManualUploadChunk(data=piece))
        await call.done_writing()
    except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
        pass  # the service answered already: its answer says why
    answer: pb.ManualUpload = await call
    return answer
