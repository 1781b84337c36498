"""The bus consumer of Zoom's recording and meeting events (flow 4's fast path).

Each message is applied once (inbox) in one transaction that files the job and its files; the
copy itself then runs in the background with the webhook's download_token held in memory only
(never stored). If the process dies before the copy, the job is due and the sweep runs it.

Each event is applied inside the tenant webhook-ingest resolved for its Zoom account
(``context.tenant_id``; empty from an older producer means the default tenant): it files jobs of
that tenant only, and one that names another tenant's meeting changes nothing (logged, acked).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.events.v1 import zoom_events_pb2 as ze
from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.bus import EventBus
from classbridge_common.errors import NotFound
from classbridge_common.inbox import idempotent_handler
from classbridge_common.messages import Envelope
from classbridge_common.outbox import write_to_outbox
from classbridge_common.tenancy import Scoped, TenantScope
from recording_sync.adapters.sync_repository import SyncJobRepository
from recording_sync.domain import model as m
from recording_sync.domain.naming import file_type_label
from recording_sync.service_layer.sync import SyncPipeline

log = logging.getLogger(__name__)

CONSUMER = "recording-sync.zoom-recordings"
ROUTING_KEYS = (
    "zoom.recording.completed",
    "zoom.recording.transcript_completed",
    "zoom.recording.recovered",
    "zoom.recording.trashed",
    "zoom.recording.deleted",
    "zoom.meeting.ended",
)


def _when(stamp: Timestamp) -> datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def recording_from_event(obj: ze.ZoomRecordingObject) -> m.ZoomRecording:
    """Translate the event's recording object into the pipeline's vocabulary."""
    files = tuple(
        m.ZoomFile(
            zoom_file_id=f.id,
            meeting_uuid=f.meeting_uuid or obj.meeting_uuid,
            file_type=file_type_label(f.file_type),
            zoom_file_type=f.zoom_file_type,
            extension=f.file_extension,
            size=f.file_size_bytes,
            download_url=f.download_url,
            recording_type=f.recording_type,
            completed=(f.status or "completed").lower() == "completed",
            recording_start=_when(f.recording_start),
            recording_end=_when(f.recording_end),
        )
        for f in obj.recording_files
    )
    return m.ZoomRecording(
        meeting_id=obj.meeting_id,
        meeting_uuid=obj.meeting_uuid,
        topic=obj.topic,
        start_time=_when(obj.start_time),
        duration_minutes=obj.duration_minutes,
        files=files,
    )


class _ZoomEvent(Protocol):
    """What every Zoom event carries: the context webhook-ingest resolved."""

    @property
    def context(self) -> ze.ZoomEventContext: ...


_RecordingEvent = (
    ze.ZoomRecordingCompleted | ze.ZoomRecordingTranscriptCompleted | ze.ZoomRecordingRecovered
)


def _tenant(event: _ZoomEvent) -> str:
    """The tenant a Zoom event belongs to (webhook-ingest resolved it from the account)."""
    return event.context.tenant_id or DEFAULT_TENANT


class RecordingConsumer:
    """Applies one event in the inbox transaction; starts copies after it committed."""

    def __init__(
        self,
        *,
        pipeline: SyncPipeline,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: object = None,
    ) -> None:
        self._pipeline = pipeline
        self._sessions = session_factory
        self._on_commit = on_commit
        self._to_run: dict[str, tuple[str, str]] = {}
        self._handle = idempotent_handler(
            session_factory=session_factory, consumer=CONSUMER, handler=self._apply
        )

    async def __call__(self, envelope: Envelope) -> None:
        await self._handle(envelope)
        run = self._to_run.pop(envelope.message_id, None)
        if run is not None:  # committed: now copy, outside the message's transaction
            self._pipeline.spawn(run[0], download_token=run[1])
        if callable(self._on_commit):
            self._on_commit()

    async def _apply(self, envelope: Envelope, session: AsyncSession) -> None:
        try:
            await self._apply_in_tenant(envelope, session)
        except NotFound:
            log.warning(
                "a Zoom event names a meeting of another tenant; ignored",
                extra={"event_type": envelope.type, "message_id": envelope.message_id},
            )

    async def _apply_in_tenant(self, envelope: Envelope, session: AsyncSession) -> None:
        kind = envelope.type
        if kind in (
            "zoom.recording.completed",
            "zoom.recording.transcript_completed",
            "zoom.recording.recovered",
        ):
            classes: dict[str, type[_RecordingEvent]] = {
                "zoom.recording.completed": ze.ZoomRecordingCompleted,
                "zoom.recording.transcript_completed": ze.ZoomRecordingTranscriptCompleted,
                "zoom.recording.recovered": ze.ZoomRecordingRecovered,
            }
            cls = classes[kind]
            event = envelope.parse(cls)
            job_id = await self._pipeline.record_recording(
                session,
                recording_from_event(event.recording),
                trigger=m.WEBHOOK,
                tenant_id=_tenant(event),
            )
            if job_id is not None:
                self._to_run[envelope.message_id] = (job_id, event.download_token)
        elif kind == "zoom.meeting.ended":
            ended = envelope.parse(ze.ZoomMeetingEnded)
            await self._pipeline.record_ended(
                session,
                meeting_id=ended.meeting.meeting_id,
                meeting_uuid=ended.meeting.meeting_uuid,
                ended_at=_when(ended.end_time) or envelope.timestamp,
                topic=ended.meeting.topic,
                start_time=_when(ended.meeting.start_time),
                tenant_id=_tenant(ended),
            )
        elif kind == "zoom.recording.deleted":
            deleted = envelope.parse(ze.ZoomRecordingDeleted)
            obj = deleted.recording
            job = await SyncJobRepository(Scoped(session, TenantScope(_tenant(deleted)))).by_key(
                obj.meeting_uuid
            )
            events = await self._pipeline.remove(
                session,
                job_ids=[job.id] if job is not None else [],
                reason=rev.REMOVAL_REASON_ZOOM_DELETED,
                zoom_file_ids=tuple(f.id for f in obj.recording_files),
            )
            await write_to_outbox(session, events)
        elif kind == "zoom.recording.trashed":
            # The stored copy is kept (the proto's contract): trash can be recovered at Zoom,
            # and only a permanent delete removes the lesson.
            log.info(
                "recording trashed at Zoom; stored copy kept",
                extra={"meeting_id": envelope.parse(ze.ZoomRecordingTrashed).recording.meeting_id},
            )


async def subscribe(bus: EventBus, *, consumer: RecordingConsumer, prefetch: int = 8) -> None:
    """Start consuming Zoom recording/meeting events."""
    await bus.subscribe(CONSUMER, ROUTING_KEYS, consumer, prefetch=prefetch)
