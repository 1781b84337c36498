"""The bus consumer that starts processing a recording's text (after the sync, never in it).

``recording.synced`` (recording-sync's own event, from its outbox) marks the recording's text
to be processed; ``recording.removed`` forgets it (a whole recording) or processes what is
left (some files); ``zoom.raw.meeting.summary_completed`` — Zoom's AI Companion summary,
which webhook-ingest publishes as a raw event — keeps the summary and processes the meeting's
recordings again so it becomes their summary (``…summary_updated``, the host's edit, likewise;
``…summary_deleted``/``…summary_trashed`` drop it). Each message is applied once (inbox) in one
transaction; the processor is woken after that commit.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.events.v1 import zoom_events_pb2 as ze
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.bus import EventBus
from classbridge_common.inbox import idempotent_handler
from classbridge_common.messages import Envelope
from classbridge_common.tenancy import Scoped, TenantScope
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.transcript_tables import zoom_meeting_summaries as zms
from recording_sync.domain.text_files import TextFileError, parse_zoom_summary
from recording_sync.service_layer import processing
from recording_sync.service_layer.processing import TranscriptProcessor

log = logging.getLogger(__name__)

CONSUMER = "recording-sync.transcripts"
SUMMARY_COMPLETED = "zoom.raw.meeting.summary_completed"
SUMMARY_UPDATED = "zoom.raw.meeting.summary_updated"  # the host edited it
SUMMARY_GONE = ("zoom.raw.meeting.summary_deleted", "zoom.raw.meeting.summary_trashed")
ROUTING_KEYS = (
    "recording.synced",
    "recording.removed",
    SUMMARY_COMPLETED,
    SUMMARY_UPDATED,
    *SUMMARY_GONE,
)


class TranscriptConsumer:
    """Applies one event in the inbox transaction, then wakes the processor."""

    def __init__(
        self,
        *,
        processor: TranscriptProcessor,
        session_factory: async_sessionmaker[AsyncSession],
    ) -> None:
        self._processor = processor
        self._handle = idempotent_handler(
            session_factory=session_factory, consumer=CONSUMER, handler=self._apply
        )

    async def __call__(self, envelope: Envelope) -> None:
        await self._handle(envelope)
        self._processor.kick()

    async def _apply(self, envelope: Envelope, session: AsyncSession) -> None:
        now = datetime.now(UTC)
        attempts = self._processor.policy.max_attempts
        if envelope.type == "recording.synced":
            synced = envelope.parse(rev.RecordingSynced)
            await processing.request(
                session,
                recording_id=synced.recording_id,
                tenant_id=synced.tenant_id or DEFAULT_TENANT,
                max_attempts=attempts,
                now=now,
            )
        elif envelope.type == "recording.removed":
            removed = envelope.parse(rev.RecordingRemoved)
            tenant = removed.tenant_id or DEFAULT_TENANT
            if removed.file_ids:
                rows = Scoped(session, TenantScope(tenant))
                if await rows.first(select(rec.c.id).where(rec.c.id == removed.recording_id)):
                    await processing.request(
                        session,
                        recording_id=removed.recording_id,
                        tenant_id=tenant,
                        max_attempts=attempts,
                        now=now,
                    )
            else:
                await processing.forget(
                    session, recording_id=removed.recording_id, tenant_id=tenant
                )
        elif envelope.type in (SUMMARY_COMPLETED, SUMMARY_UPDATED):
            await self._summary(envelope.parse(ze.ZoomRawEvent), session, now, attempts)
        elif envelope.type in SUMMARY_GONE:
            await self._summary_gone(envelope.parse(ze.ZoomRawEvent), session, now, attempts)

    async def _summary(
        self, event: ze.ZoomRawEvent, session: AsyncSession, now: datetime, attempts: int
    ) -> None:
        """Keep Zoom's summary of a meeting instance; reprocess its recordings with it."""
        try:
            summary = parse_zoom_summary(event.raw_json)
            meeting_uuid, meeting_id = _meeting_of(event.raw_json)
        except (TextFileError, ValueError) as exc:
            log.warning("a meeting summary webhook could not be read", extra={"error": str(exc)})
            return
        tenant = event.context.tenant_id or DEFAULT_TENANT
        rows = Scoped(session, TenantScope(tenant))
        known = await rows.first(
            select(zms.c.meeting_uuid).where(zms.c.meeting_uuid == meeting_uuid)
        )
        if known is None:
            await rows.execute(
                insert(zms).values(
                    meeting_uuid=meeting_uuid,
                    meeting_id=meeting_id,
                    body=summary.as_json(),
                    received_at=now,
                )
            )
        else:
            await rows.execute(
                update(zms)
                .where(zms.c.meeting_uuid == meeting_uuid)
                .values(body=summary.as_json(), received_at=now)
            )
        await _reprocess_meeting(session, tenant, meeting_uuid, now, attempts)

    async def _summary_gone(
        self, event: ze.ZoomRawEvent, session: AsyncSession, now: datetime, attempts: int
    ) -> None:
        """Zoom's summary was deleted or trashed there: stop using it."""
        try:
            meeting_uuid, _ = _meeting_of(event.raw_json)
        except ValueError:
            return
        tenant = event.context.tenant_id or DEFAULT_TENANT
        rows = Scoped(session, TenantScope(tenant))
        await rows.execute(delete(zms).where(zms.c.meeting_uuid == meeting_uuid))
        await _reprocess_meeting(session, tenant, meeting_uuid, now, attempts)


async def _reprocess_meeting(
    session: AsyncSession, tenant: str, meeting_uuid: str, now: datetime, attempts: int
) -> None:
    rows = Scoped(session, TenantScope(tenant))
    for found in await rows.all(select(rec.c.id).where(rec.c.meeting_uuid == meeting_uuid)):
        await processing.request(
            session, recording_id=found.id, tenant_id=tenant, max_attempts=attempts, now=now
        )


def _meeting_of(raw_json: str) -> tuple[str, int]:
    """The meeting instance a summary webhook is about (its ``meeting_uuid``)."""
    body = json.loads(raw_json)
    obj = body.get("payload", {}).get("object", {}) if isinstance(body, dict) else {}
    if not isinstance(obj, dict):
        raise ValueError("no payload.object")
    uuid = str(obj.get("meeting_uuid") or obj.get("uuid") or "")
    if not uuid:
        raise ValueError("no meeting_uuid")
    try:
        number = int(obj.get("meeting_id") or obj.get("id") or 0)
    except (TypeError, ValueError):
        number = 0
    return uuid, number


async def subscribe(bus: EventBus, *, consumer: TranscriptConsumer, prefetch: int = 8) -> None:
    """Start consuming."""
    await bus.subscribe(CONSUMER, ROUTING_KEYS, consumer, prefetch=prefetch)
