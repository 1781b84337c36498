"""A fake scheduler for recording-sync's tests: ``ListMemberships`` over a fixed table of who
teaches and attends which batches, per tenant (the real one is the scheduler's). It also
records the questions, so tests can tell when recording-sync asked and in which tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import grpc
import grpc.aio

from classbridge.scheduler.v1 import scheduler_pb2 as sp
from classbridge.scheduler.v1 import scheduler_pb2_grpc as sp_grpc


class FakeScheduler(sp_grpc.SchedulerServiceServicer):
    """``ListMemberships`` from ``teaches`` / ``attends``: (tenant, user) -> batch ids."""

    def __init__(self) -> None:
        self.teaches: dict[tuple[str, str], set[str]] = {}
        self.attends: dict[tuple[str, str], set[str]] = {}
        self.calls: list[sp.ListMembershipsRequest] = []

    def teacher(self, tenant: str, user: str, batches: Iterable[str]) -> None:
        self.teaches.setdefault((tenant, user), set()).update(batches)

    def student(self, tenant: str, user: str, batches: Iterable[str]) -> None:
        self.attends.setdefault((tenant, user), set()).update(batches)

    async def ListMemberships(
        self, request: sp.ListMembershipsRequest, context: grpc.aio.ServicerContext
    ) -> sp.ListMembershipsResponse:
        self.calls.append(request)
        key = (request.tenant_id, request.user_id)
        return sp.ListMembershipsResponse(
            teaches_batch_ids=sorted(self.teaches.get(key, ())),
            attends_batch_ids=sorted(self.attends.get(key, ())),
        )


@asynccontextmanager
async def serving(fake: FakeScheduler) -> AsyncIterator[int]:
    """Serve ``fake`` on a free local port (yielded) for the block."""
    server = grpc.aio.server()
    sp_grpc.add_SchedulerServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)
