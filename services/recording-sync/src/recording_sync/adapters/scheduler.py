"""The scheduler client: enrollments, for the ``enrolled_students`` access rule.

Asked with recording-sync's own service token: the question is about a student, answered for
the access check, and must not depend on what the student could list themselves. Scheduler
errors pass through as Classbridge errors, so an unreachable scheduler is UNAVAILABLE to the
caller rather than a silent refusal or a silent grant.
"""

from __future__ import annotations

import grpc.aio

from classbridge.scheduler.v1 import scheduler_pb2 as sp
from classbridge.scheduler.v1 import scheduler_pb2_grpc as sp_grpc
from classbridge_common.auth import ServiceTokenIssuer
from classbridge_common.grpc import call, create_channel

PAGE = 100
MAX_PAGES = 50  # a student in more than 5,000 batches is not a case to page forever for


class SchedulerClient:
    """One channel to the scheduler (the ``Enrollments`` port)."""

    def __init__(self, *, address: str, tokens: ServiceTokenIssuer, timeout: float) -> None:
        self._channel: grpc.aio.Channel = create_channel(
            address, default_timeout=timeout, service_tokens=tokens, forward_caller=False
        )
        self._stub = sp_grpc.SchedulerServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def is_enrolled(self, *, batch_id: str, student_id: str) -> bool:
        """True when ``student_id`` is enrolled in ``batch_id``."""
        if not batch_id or not student_id:
            return False
        answer = await call(
            self._stub.ListEnrollments,
            sp.ListEnrollmentsRequest(batch_id=batch_id, student_id=student_id, page_size=1),
        )
        return any(
            e.batch_id == batch_id and e.student_id == student_id for e in answer.enrollments
        )

    async def batches_of(self, *, student_id: str) -> set[str]:
        """Every batch ``student_id`` is enrolled in."""
        batches: set[str] = set()
        token = ""
        for _ in range(MAX_PAGES):
            answer = await call(
                self._stub.ListEnrollments,
                sp.ListEnrollmentsRequest(student_id=student_id, page_size=PAGE, page_token=token),
            )
            batches.update(e.batch_id for e in answer.enrollments if e.student_id == student_id)
            token = answer.next_page_token
            if not token:
                break
        return batches
