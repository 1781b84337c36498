"""recording-sync as real worker processes beside a stack, and a real S3 server, for tests that
kill workers: SIGKILL (a crash, an OOM kill) and SIGTERM (a deploy's graceful stop).

The stack runs everything else in the test's process (simulator, zoom-gateway, scheduler,
webhook-ingest, edge) on PostgreSQL and RabbitMQ, with recording-sync marked external: the
stack migrates its schema and gives it an address, and :class:`Worker` runs
``python -m recording_sync serve`` with exactly the settings the stack would have used, plus
S3 on moto's server and short leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc as pb_grpc
from classbridge.scheduler.v1 import scheduler_pb2 as sp
from classbridge.scheduler.v1 import scheduler_pb2_grpc as sp_grpc
from classbridge_common.testing import unique_name
from devstack.processes import environment
from devstack.stack import Stack
from devstack.testing import isolated_stack

CREDENTIALS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing"}
# Short enough that a test waits seconds, not an hour; the heartbeat well inside the lease.
LEASE_SECONDS = 10.0
WORKER_SETTINGS: dict[str, Any] = {
    "sync_lease_seconds": LEASE_SECONDS,
    "sync_heartbeat_seconds": 1.5,
    "sync_poll_seconds": 0.5,
    "sync_download_backoff_seconds": 0.2,
    "sync_reconcile_interval_seconds": 0,
    "storage_janitor_interval_seconds": 0,
    "s3_create_bucket": True,
    "s3_region": "us-east-1",
    "log_level": "INFO",
}


@contextlib.asynccontextmanager
async def stack_with_external_sync(
    tmp_path: Path, *, database_url: str, amqp_url: str, s3_url: str
) -> AsyncIterator[Stack]:
    """The stack on PostgreSQL and RabbitMQ with recording-sync left to :class:`Worker`."""
    s3 = {
        "s3_endpoint_url": s3_url,
        "s3_bucket": unique_name("rec").replace("_", "-"),
        **CREDENTIALS,
    }
    async with isolated_stack(
        tmp_path,
        database_url=database_url,
        amqp_url=amqp_url,
        overrides={"recording-sync": {**s3, **WORKER_SETTINGS}},
        external=("recording-sync",),
    ) as stack:
        yield stack


class Worker:
    """One ``python -m recording_sync serve`` process of the stack's recording-sync."""

    def __init__(self, stack: Stack, name: str, *, grpc_port: int | None = None) -> None:
        values = dict(stack.settings["recording-sync"])
        if grpc_port is not None:
            values["grpc_port"] = grpc_port
        self.port = int(values["grpc_port"])
        self.name = name
        self._env = {**os.environ, **environment(values), "OTEL_SDK_DISABLED": "true"}
        self._log = Path(values["data_dir"]) / f"worker-{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, *, within: float = 60) -> Worker:
        log = self._log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "recording_sync",
            "serve",
            env=self._env,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        log.close()
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(within):
                while True:
                    line = await self.process.stdout.readline()
                    if not line:
                        raise RuntimeError(f"worker {self.name} exited: {self.tail()}")
                    if b" ready " in line or line.rstrip().endswith(b" ready"):
                        break
        except TimeoutError:
            raise RuntimeError(f"worker {self.name} did not start: {self.tail()}") from None
        return self

    def tail(self, lines: int = 30) -> str:
        if not self._log.exists():
            return ""
        return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])

    async def kill(self) -> None:
        """SIGKILL: no cleanup at all, like a crash or an OOM kill."""
        await self._signal(signal.SIGKILL)

    async def terminate(self) -> None:
        """SIGTERM: the graceful stop a deploy sends."""
        await self._signal(signal.SIGTERM)

    async def _signal(self, sig: int) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(sig)
        await asyncio.wait_for(self.process.wait(), timeout=30)

    async def stop(self) -> None:
        await self.terminate()


def owner_pid(lease_owner: str) -> int | None:
    """The process id inside a lease owner (``{host}-{pid}-{random}``)."""
    parts = lease_owner.rsplit("-", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


class Calls:
    """gRPC calls to a worker and to the scheduler as the stack's admin."""

    def __init__(self, stack: Stack, port: int) -> None:
        self._stack = stack
        self._sync = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        self._scheduler = grpc.aio.insecure_channel(stack.grpc["scheduler"])
        self.sync = pb_grpc.RecordingSyncServiceStub(self._sync)
        self.scheduler = sp_grpc.SchedulerServiceStub(self._scheduler)
        self.metadata = (("authorization", f"Bearer {stack.token()}"),)

    async def close(self) -> None:
        await self._sync.close()
        await self._scheduler.close()

    async def jobs(self, session_id: str) -> list[pb.SyncJob]:
        answer = await self.sync.GetSyncStatus(
            pb.GetSyncStatusRequest(session_id=session_id), metadata=self.metadata, timeout=10
        )
        return list(answer.jobs)

    async def lessons(self, session_id: str) -> list[sp.RecordedLesson]:
        answer = await self.scheduler.ListRecordedLessons(
            sp.ListRecordedLessonsRequest(session_id=session_id, page_size=100),
            metadata=self.metadata,
            timeout=10,
        )
        return list(answer.recorded_lessons)
