"""GetSyncPolicy and UpdateSyncPolicy over gRPC: a mixin of ``grpc_api._Api``.

:class:`PolicyMethods` expects what ``_Api.__init__`` sets (``_sessions``, ``_memberships``,
``_on_commit``) and only converts messages; ``service_layer.retention`` decides. An update names
what it changes in ``update_mask`` (a named field left unset is reset: inherited again); without
a mask the fields that are set change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc.aio
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.auth import current_caller
from classbridge_common.errors import FieldViolation, InvalidArgument
from classbridge_common.uow import UnitOfWork
from recording_sync.service_layer import retention
from recording_sync.service_layer.ports import Memberships
from recording_sync.service_layer.reach import Reach

SOURCES = {
    retention.BUILT_IN: pb.POLICY_SOURCE_BUILT_IN,
    retention.TENANT: pb.POLICY_SOURCE_TENANT,
    retention.COURSE: pb.POLICY_SOURCE_COURSE,
}


def policy_message(policy: retention.Policy) -> pb.SyncPolicy:
    """A resolved policy as the API's ``SyncPolicy``."""
    out = pb.SyncPolicy(
        course_id=policy.course_id,
        tenant_id=policy.tenant_id,
        copy_recordings=policy.copy_recordings,
        delete_from_zoom_after_days=policy.delete_from_zoom_after_days,
        copy_recordings_source=SOURCES[policy.sources[retention.COPY]],
        delete_from_zoom_after_days_source=SOURCES[policy.sources[retention.DAYS]],
        student_access_end_time_source=SOURCES[policy.sources[retention.ENDS]],
        has_own_policy=policy.has_own,
        updated_by=policy.updated_by,
    )
    for name, value in (
        ("student_access_end_time", policy.student_access_end_time),
        ("update_time", policy.updated_at),
    ):
        if value is not None:
            stamp = Timestamp()
            stamp.FromDatetime(value)
            getattr(out, name).CopyFrom(stamp)
    return out


def changes_of(request: pb.UpdateSyncPolicyRequest) -> dict[str, Any]:
    """The request as field → new value (None = reset), by its mask or else by presence."""
    present: dict[str, Any] = {}
    if request.HasField("copy_recordings"):
        present[retention.COPY] = request.copy_recordings
    if request.HasField("delete_from_zoom_after_days"):
        present[retention.DAYS] = request.delete_from_zoom_after_days
    if request.HasField("student_access_end_time"):
        present[retention.ENDS] = request.student_access_end_time.ToDatetime(tzinfo=UTC)
    paths = list(request.update_mask.paths)
    if not paths:
        return present
    problems = [
        FieldViolation(f"update_mask.{p}", f"is not a policy field ({', '.join(retention.FIELDS)})")
        for p in paths
        if p not in retention.FIELDS
    ]
    problems += [
        FieldViolation(name, "is set but not named in update_mask")
        for name in present
        if name not in paths
    ]
    if problems:
        raise InvalidArgument("the policy update is inconsistent", violations=problems)
    return {p: present.get(p) for p in paths}


class PolicyMethods:
    """The recording-policy methods of ``RecordingSyncService``; mixed into ``grpc_api._Api``,
    whose constructor sets the attributes below."""

    METHODS: tuple[str, ...] = ("GetSyncPolicy", "UpdateSyncPolicy")

    _sessions: async_sessionmaker[AsyncSession]
    _memberships: Memberships
    _on_commit: Callable[[], None] | None

    def _policy_uow(self) -> UnitOfWork:
        return UnitOfWork(session_factory=self._sessions, on_commit=self._on_commit)

    def _policy_reach(self) -> Reach:
        return Reach(current_caller(), self._memberships)

    async def GetSyncPolicy(
        self,
        request: pb.GetSyncPolicyRequest,
        context: grpc.aio.ServicerContext[pb.GetSyncPolicyRequest, pb.SyncPolicy],
    ) -> pb.SyncPolicy:
        policy = await retention.get_policy(
            reach=self._policy_reach(),
            course_id=request.course_id,
            tenant_id=request.tenant_id,
            uow=self._policy_uow(),
        )
        return policy_message(policy)

    async def UpdateSyncPolicy(
        self,
        request: pb.UpdateSyncPolicyRequest,
        context: grpc.aio.ServicerContext[pb.UpdateSyncPolicyRequest, pb.SyncPolicy],
    ) -> pb.SyncPolicy:
        policy = await retention.update_policy(
            reach=self._policy_reach(),
            course_id=request.course_id,
            tenant_id=request.tenant_id,
            changes=changes_of(request),
            uow=self._policy_uow(),
            now=datetime.now(UTC),
        )
        return policy_message(policy)


__all__ = ["PolicyMethods", "changes_of", "policy_message"]
