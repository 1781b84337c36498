"""`classbridge.webhookingest.v1.WebhookAdminService`: protobuf in, handler call, protobuf out.

Authentication and the access rules (`access_rules.POLICY`: who may call each method) are
enforced by the common interceptors before a handler runs. Each handler derives the caller's
`TenantScope` and passes it down; the repository applies it to every query. Errors are
`classbridge_common.errors` exceptions, which the error-mapping interceptor turns into gRPC
status codes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Row

from classbridge.webhookingest.v1 import webhook_admin_pb2 as pb
from classbridge.webhookingest.v1 import webhook_admin_pb2_grpc as pb_grpc
from classbridge_common.auth import current_caller
from classbridge_common.errors import InvalidArgument
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters.event_codec import MAX_TIMESTAMP_MS
from webhook_ingest.adapters.repository import PENDING, EventFilter
from webhook_ingest.domain.fields import integer
from webhook_ingest.service_layer.admin import WebhookAdmin

_STATE_NAMES = {
    pb.PROCESSING_STATE_RECEIVED: "received",
    pb.PROCESSING_STATE_PUBLISHED: "published",
    pb.PROCESSING_STATE_TRANSLATION_FAILED: "translation_failed",
    # Duplicates and url validations are never stored as events: these match nothing.
    pb.PROCESSING_STATE_DUPLICATE: "duplicate",
    pb.PROCESSING_STATE_IGNORED: "ignored",
}


def _scope() -> TenantScope:
    """How far the current caller reaches: their tenant, or every tenant (operators)."""
    return TenantScope.of_caller(current_caller())


def _time(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _from_ts(
    message: pb.ListEventsRequest | pb.ReplayEventsRequest | pb.PruneEventsRequest,
    name: Literal["received_after", "received_before"],
) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp: Timestamp = getattr(message, name)
    return stamp.ToDatetime(tzinfo=UTC)


def _state(row: Row[Any]) -> pb.ProcessingState:
    if row.kind == "failed":
        return pb.PROCESSING_STATE_TRANSLATION_FAILED
    if row.kind == PENDING:  # stored, not translated yet
        return pb.PROCESSING_STATE_RECEIVED
    if row.outbox_id is not None and row.published_at is None:
        return pb.PROCESSING_STATE_RECEIVED
    return pb.PROCESSING_STATE_PUBLISHED


def to_proto(row: Row[Any], *, body: bytes | None = None, headers: bool = False) -> pb.WebhookEvent:
    event = pb.WebhookEvent(
        id=str(row.id),
        event_type=row.event_type,
        account_id=row.account_id,
        meeting_id=integer(row.meeting_id),
        meeting_uuid=row.meeting_uuid,
        dedup_key=row.dedup_key,
        state=_state(row),
        routing_key=row.routing_key,
        message_id=row.message_id,
        duplicate_count=row.duplicate_count,
        replay_count=row.replay_count,
        error=row.error or (row.last_error or "")[:500],
        zoom_tracking_id=row.tracking_id,
    )
    if 0 < row.event_ts_ms <= MAX_TIMESTAMP_MS:
        event.event_time.FromMilliseconds(row.event_ts_ms)
    for name, value in (
        ("receive_time", row.received_at),
        ("publish_time", row.published_at),
        ("last_replay_time", row.last_replayed_at),
    ):
        stamp = _time(value)
        if stamp is not None:
            getattr(event, name).CopyFrom(stamp)
    if body is not None:
        event.raw_body = body
    if headers:
        event.headers.update(
            {str(k): str(v) for k, v in (getattr(row, "headers", {}) or {}).items()}
        )
    return event


def _filter(request: pb.ListEventsRequest | pb.ReplayEventsRequest) -> EventFilter:
    return EventFilter(
        event_types=tuple(request.event_types),
        meeting_id=str(request.meeting_id) if request.meeting_id else "",
        meeting_uuid=request.meeting_uuid,
        states=frozenset(_STATE_NAMES.get(s, "unspecified") for s in request.states),
        received_after=_from_ts(request, "received_after"),
        received_before=_from_ts(request, "received_before"),
    )


class WebhookAdminServicer(pb_grpc.WebhookAdminServiceServicer):
    def __init__(self, *, admin: WebhookAdmin) -> None:
        self._admin = admin

    async def ListEvents(
        self,
        request: pb.ListEventsRequest,
        context: grpc.aio.ServicerContext[pb.ListEventsRequest, pb.ListEventsResponse],
    ) -> pb.ListEventsResponse:
        scope = _scope()
        page = await self._admin.list(
            _filter(request),
            scope=scope,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        full = request.view == pb.EVENT_VIEW_FULL
        events = []
        for row in page.rows:
            if full:
                detailed, body = await self._admin.get(str(row.id), scope=scope)
                events.append(to_proto(detailed, body=body, headers=True))
            else:
                events.append(to_proto(row))
        return pb.ListEventsResponse(
            events=events, next_page_token=page.next_page_token, total_size=page.total_size
        )

    async def GetEvent(
        self,
        request: pb.GetEventRequest,
        context: grpc.aio.ServicerContext[pb.GetEventRequest, pb.WebhookEvent],
    ) -> pb.WebhookEvent:
        row, body = await self._admin.get(request.event_id, scope=_scope())
        if request.view == pb.EVENT_VIEW_BASIC:
            return to_proto(row)
        return to_proto(row, body=body, headers=True)

    async def ReplayEvent(
        self,
        request: pb.ReplayEventRequest,
        context: grpc.aio.ServicerContext[pb.ReplayEventRequest, pb.ReplayEventResponse],
    ) -> pb.ReplayEventResponse:
        row, message_id = await self._admin.replay(
            request.event_id, scope=_scope(), reason=request.reason
        )
        return pb.ReplayEventResponse(event=to_proto(row), message_id=message_id)

    async def ReplayEvents(
        self,
        request: pb.ReplayEventsRequest,
        context: grpc.aio.ServicerContext[pb.ReplayEventsRequest, pb.ReplayEventsResponse],
    ) -> pb.ReplayEventsResponse:
        matched, replayed = await self._admin.replay_many(
            _filter(request),
            scope=_scope(),
            limit=request.limit,
            dry_run=request.dry_run,
            reason=request.reason,
        )
        return pb.ReplayEventsResponse(matched_count=matched, replayed_count=replayed)

    async def PruneEvents(
        self,
        request: pb.PruneEventsRequest,
        context: grpc.aio.ServicerContext[pb.PruneEventsRequest, pb.PruneEventsResponse],
    ) -> pb.PruneEventsResponse:
        scope = _scope()
        before = _from_ts(request, "received_before")
        if before is None:
            raise InvalidArgument("received_before is required")
        deleted = await self._admin.prune(before=before, scope=scope, dry_run=request.dry_run)
        return pb.PruneEventsResponse(deleted_count=deleted)


AddServicer = Callable[[pb_grpc.WebhookAdminServiceServicer, grpc.aio.Server], None]


def servicers(admin: WebhookAdmin) -> list[tuple[AddServicer, WebhookAdminServicer]]:
    """The (add_to_server, servicer) pairs for `GrpcServer`."""
    return [
        (pb_grpc.add_WebhookAdminServiceServicer_to_server, WebhookAdminServicer(admin=admin)),
    ]
