"""The scheduler client: memberships (``ListMemberships``), for recording-sync's access checks.

Asked with recording-sync's own service token (the scheduler admits only services to that
method): the question is about a person, answered for the access check, and must not depend on
what that person could list themselves. Scheduler errors pass through as Classbridge errors, so
an unreachable scheduler is UNAVAILABLE to the caller rather than a silent refusal or grant.
"""

from __future__ import annotations

import grpc.aio

from classbridge.scheduler.v1 import scheduler_pb2 as sp
from classbridge.scheduler.v1 import scheduler_pb2_grpc as sp_grpc
from classbridge_common.auth import ServiceTokenIssuer
from classbridge_common.grpc import call, create_channel
from recording_sync.domain.access import Membership


class SchedulerClient:
    """One channel to the scheduler (the ``Memberships`` port)."""

    def __init__(self, *, address: str, tokens: ServiceTokenIssuer, timeout: float) -> None:
        self._channel: grpc.aio.Channel = create_channel(
            address, default_timeout=timeout, service_tokens=tokens, forward_caller=False
        )
        self._stub = sp_grpc.SchedulerServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def memberships(self, *, user_id: str, tenant_id: str) -> Membership:
        """The batches ``user_id`` teaches and attends in ``tenant_id``."""
        if not user_id or not tenant_id:
            return Membership()
        answer = await call(
            self._stub.ListMemberships,
            sp.ListMembershipsRequest(user_id=user_id, tenant_id=tenant_id),
        )
        return Membership(
            teaches=frozenset(answer.teaches_batch_ids),
            attends=frozenset(answer.attends_batch_ids),
        )
