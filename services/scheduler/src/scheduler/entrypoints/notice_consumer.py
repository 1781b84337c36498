"""The consumer of the events that owe people an email notice.

A queue of its own (``<consumer name>-notices``) bound to the scheduler's own
``session.meeting_linked`` (a class now has its meeting: scheduled), ``session.updated`` with a
new time (moved) and ``session.cancelled`` when the canceller asked for participants to be
told (to the students); and to recording-sync's ``recording.synced`` (to the class's teacher:
its recording is ready) and ``recording.sync_failed`` when it will not be retried (to the
tenant's admins); and to zoom-gateway's ``zoom.connection.needs_reauthorization`` (to the
tenant's admins and the person); and to webhook-ingest's ``webhook_endpoint.disabled`` (to the
tenant's admins). Each delivery is
applied once (the inbox, under this consumer's own name) in the event's tenant:
``service_layer.notices.plan`` stores the notices, and the job worker sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from google.protobuf.message import Message

from classbridge.events.v1 import connection_events_pb2 as cev
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.events.v1 import session_events_pb2 as ev
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as owh
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.bus import EventBus
from classbridge_common.messages import Envelope
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.notices import NoticeKind
from scheduler.service_layer import notices

log = logging.getLogger(__name__)

MOVING_FIELDS = {"scheduled_start", "scheduled_end", "timezone"}


def _kind(message: Message) -> NoticeKind | None:
    """The notice an event owes, or None."""
    if isinstance(message, ev.SessionMeetingLinked):
        return NoticeKind.SCHEDULED
    if isinstance(message, ev.SessionUpdated):
        return NoticeKind.MOVED if MOVING_FIELDS & set(message.changed_fields) else None
    if isinstance(message, ev.SessionCancelled):
        return NoticeKind.CANCELLED if message.notify_participants else None
    if isinstance(message, rev.RecordingSynced):
        return NoticeKind.RECORDING_READY if message.session_id else None
    if isinstance(message, rev.RecordingSyncFailed):
        failed_for_good = not message.will_retry and message.session_id
        return NoticeKind.SYNC_FAILED if failed_for_good else None
    return None


ROUTES: dict[str, type[Message]] = {
    "session.meeting_linked": ev.SessionMeetingLinked,
    "session.updated": ev.SessionUpdated,
    "session.cancelled": ev.SessionCancelled,
    "recording.synced": rev.RecordingSynced,
    "recording.sync_failed": rev.RecordingSyncFailed,
    "zoom.connection.needs_reauthorization": cev.ZoomConnectionNeedsReauthorization,
    "webhook_endpoint.disabled": owh.WebhookEndpointDisabled,
}


class NoticeConsumer:
    """Plans the notices of each delivered session event, once."""

    def __init__(self, *, name: str, uow: Callable[..., SchedulerUnitOfWork]) -> None:
        self.name = name
        self._uow = uow
        self.planned = 0

    async def __call__(self, envelope: Envelope) -> None:
        kind_of = ROUTES.get(envelope.type)
        if kind_of is None:
            return
        message = envelope.parse(kind_of)
        kind = _kind(message)
        tenant = str(getattr(message, "tenant_id", "")) or DEFAULT_TENANT
        async with self._uow(tenant=tenant) as uow:
            if not await uow.first_delivery(self.name, envelope.message_id):
                return
            if isinstance(message, cev.ZoomConnectionNeedsReauthorization):
                self.planned += await notices.plan_reauthorization(
                    uow,
                    user_id=message.user_id,
                    reason=message.reason,
                    event_id=envelope.message_id,
                    at=datetime.now(UTC),
                )
            elif isinstance(message, owh.WebhookEndpointDisabled):
                self.planned += await notices.plan_webhook_disabled(
                    uow,
                    url=message.url,
                    reason=message.reason,
                    event_id=envelope.message_id,
                    at=datetime.now(UTC),
                )
            elif kind is not None:
                self.planned += await notices.plan(
                    uow,
                    kind=kind,
                    session_id=message.session_id,  # type: ignore[attr-defined]
                    event_id=envelope.message_id,
                    at=datetime.now(UTC),
                )
            await uow.commit()


async def subscribe(bus: EventBus, consumer: NoticeConsumer, *, prefetch: int) -> None:
    await bus.subscribe(consumer.name, list(ROUTES), consumer, prefetch=prefetch)


__all__ = ["ROUTES", "NoticeConsumer", "subscribe"]
