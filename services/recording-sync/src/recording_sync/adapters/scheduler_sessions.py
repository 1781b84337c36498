"""The scheduler's answer to "which session is this, and where are its recordings filed": for
a manual upload, which names a session that may have no Zoom meeting (so no projection row).

Asked with recording-sync's own service token acting in the caller's tenant
(``x-classbridge-tenant``): the scheduler admits recording-sync to ``GetSession`` and
``ListEnrollments``, and a session of another tenant is NOT_FOUND there, as it must be here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import grpc.aio

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2 as sp
from classbridge.scheduler.v1 import scheduler_pb2_grpc as sp_grpc
from classbridge_common.auth import DEFAULT_TENANT, ServiceTokenIssuer
from classbridge_common.errors import FailedPrecondition
from classbridge_common.grpc import call, create_channel
from classbridge_common.grpc.interceptors import TENANT_HEADER

__all__ = ["SchedulerSessions", "SessionInfo"]

_BATCH_TYPES = {
    common_pb2.BATCH_TYPE_GROUP: "group",
    common_pb2.BATCH_TYPE_INDIVIDUAL: "individual",
}


@dataclass(frozen=True)
class SessionInfo:
    """What a manual upload needs to know of its session."""

    session_id: str
    title: str
    start: datetime | None
    batch_id: str
    batch_type: str  # "group" | "individual"
    student_id: str  # individual batches: their one student
    course_id: str
    meeting_id: int
    cancelled: bool


class SchedulerSessions:
    """One channel to the scheduler (the ``SessionDirectory`` port of manual uploads)."""

    def __init__(self, *, address: str, tokens: ServiceTokenIssuer, timeout: float) -> None:
        self._channel: grpc.aio.Channel = create_channel(
            address, default_timeout=timeout, service_tokens=tokens, forward_caller=False
        )
        self._stub = sp_grpc.SchedulerServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def session(self, *, session_id: str, tenant_id: str) -> SessionInfo:
        """The session in ``tenant_id`` (NOT_FOUND when it has none of that id)."""
        acting = ((TENANT_HEADER, tenant_id or DEFAULT_TENANT),)
        found = await call(
            self._stub.GetSession, sp.GetSessionRequest(session_id=session_id), metadata=acting
        )
        batch_type = _BATCH_TYPES.get(found.batch_type, "")
        student = ""
        if batch_type == "individual":
            enrolled = await call(
                self._stub.ListEnrollments,
                sp.ListEnrollmentsRequest(batch_id=found.batch_id, page_size=2),
                metadata=acting,
            )
            if not enrolled.enrollments:
                raise FailedPrecondition("the session's individual batch has no student yet")
            student = enrolled.enrollments[0].student_id
        start = (
            found.scheduled_start.ToDatetime(tzinfo=UTC)
            if found.HasField("scheduled_start")
            else None
        )
        return SessionInfo(
            session_id=found.id,
            title=found.title,
            start=start,
            batch_id=found.batch_id,
            batch_type=batch_type,
            student_id=student,
            course_id=found.course_id,
            meeting_id=found.zoom_meeting.meeting_id if found.HasField("zoom_meeting") else 0,
            cancelled=found.status == sp.SESSION_STATUS_CANCELLED,
        )
