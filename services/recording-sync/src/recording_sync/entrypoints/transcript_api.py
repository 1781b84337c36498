"""GetTranscript, SearchTranscripts, GetCaptionTracks and ReprocessRecording over gRPC: a
mixin of ``grpc_api._Api``, and the messages of a recording's text (also used by
``grpc_api`` for ``Recording``, ``SyncJob`` and ``PlaybackUrl``).

:class:`TranscriptMethods` expects what ``_Api.__init__`` sets and only converts messages;
``service_layer.transcripts`` decides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc.aio
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.auth import current_caller
from classbridge_common.errors import InvalidArgument
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.adapters.sync_repository import SyncUnitOfWork
from recording_sync.domain import transcript as t
from recording_sync.service_layer import transcripts
from recording_sync.service_layer.ports import Memberships
from recording_sync.service_layer.processing import TranscriptProcessor
from recording_sync.service_layer.reach import Reach
from recording_sync.settings import Settings

STATUSES = {
    t.PENDING: pb.PROCESSING_STATUS_PENDING,
    t.PROCESSING: pb.PROCESSING_STATUS_PROCESSING,
    t.COMPLETED: pb.PROCESSING_STATUS_COMPLETED,
    t.FAILED: pb.PROCESSING_STATUS_FAILED,
}
KINDS = {
    t.TRANSCRIPT: pb.SEGMENT_KIND_TRANSCRIPT,
    t.CAPTION: pb.SEGMENT_KIND_CAPTION,
    t.CHAT: pb.SEGMENT_KIND_CHAT,
    t.SUMMARY: pb.SEGMENT_KIND_SUMMARY,
}
_LABELS = {number: label for label, number in KINDS.items()}


def _stamp(target: Message, name: str, value: datetime | None) -> None:
    if value is not None:
        stamp = Timestamp()
        stamp.FromDatetime(value)
        getattr(target, name).CopyFrom(stamp)


def kinds_of(numbers: Any) -> list[str]:
    """Requested segment kinds as labels; UNSPECIFIED or unknown is INVALID_ARGUMENT."""
    found = []
    for number in numbers:
        if number not in _LABELS:
            raise InvalidArgument("kinds must not contain SEGMENT_KIND_UNSPECIFIED")
        found.append(_LABELS[number])
    return found


def action_messages(stored: str) -> list[pb.ActionItem]:
    return [
        pb.ActionItem(
            text=i.text, assignee=i.assignee, start_seconds=i.start_ms / 1000, speaker=i.speaker
        )
        for i in t.load_actions(stored)
    ]


def processing_message(row: Any) -> pb.RecordingProcessing:
    """A ``recording_processing`` row as the API's ``RecordingProcessing``."""
    out = pb.RecordingProcessing(
        recording_id=row.recording_id,
        status=STATUSES.get(row.state, pb.PROCESSING_STATUS_UNSPECIFIED),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        error=row.last_error,
        transcript_source=row.transcript_source,
        summary_source=row.summary_source,
        segment_count=row.segment_count,
    )
    _stamp(out, "next_attempt_time", row.next_attempt_at)
    _stamp(out, "update_time", row.updated_at)
    _stamp(out, "finish_time", row.finished_at)
    return out


def fill_recording(out: pb.Recording, row: Any | None) -> None:
    """Seed 003's fields of a recording from its processing row (None: not processed yet)."""
    if row is None:
        return
    out.processing_status = STATUSES.get(row.state, pb.PROCESSING_STATUS_UNSPECIFIED)
    out.transcription_text = getattr(row, "transcription_text", "")
    out.summary = row.summary
    out.action_items.extend(action_messages(row.action_items))
    out.processing.CopyFrom(processing_message(row))


def deliverable_message(row: Any) -> pb.Deliverable:
    """Seed 002's deliverable from a processing row (with its text)."""
    return pb.Deliverable(
        recording_id=row.recording_id,
        processing_status=STATUSES.get(row.state, pb.PROCESSING_STATUS_UNSPECIFIED),
        transcription_text=row.transcription_text,
        summary=row.summary,
        action_items=action_messages(row.action_items),
        error=row.last_error,
    )


def track_message(track: transcripts.Track) -> pb.CaptionTrack:
    out = pb.CaptionTrack(
        url=track.url,
        file_id=track.file_id,
        kind=track.kind,
        label=track.label,
        content_type=track.content_type,
    )
    _stamp(out, "expire_time", track.expires_at)
    return out


def segment_message(row: Any) -> pb.TranscriptSegment:
    return pb.TranscriptSegment(
        id=row.id,
        kind=KINDS.get(row.kind, pb.SEGMENT_KIND_UNSPECIFIED),
        sequence=row.seq,
        start_seconds=row.start_ms / 1000,
        end_seconds=row.end_ms / 1000,
        speaker=row.speaker,
        text=row.text,
    )


class TranscriptMethods:
    """The text methods of ``RecordingSyncService``; mixed into ``grpc_api._Api``, whose
    constructor sets the attributes below."""

    METHODS: tuple[str, ...] = (
        "GetTranscript",
        "SearchTranscripts",
        "GetCaptionTracks",
        "ReprocessRecording",
    )

    _sessions: async_sessionmaker[AsyncSession]
    _memberships: Memberships
    _on_commit: Callable[[], None] | None
    _storage: ObjectStorage
    _settings: Settings
    _processor: TranscriptProcessor | None

    def _text_uow(self) -> SyncUnitOfWork:
        return SyncUnitOfWork(session_factory=self._sessions, on_commit=self._on_commit)

    def _text_reach(self) -> Reach:
        return Reach(current_caller(), self._memberships)

    async def GetTranscript(
        self,
        request: pb.GetTranscriptRequest,
        context: grpc.aio.ServicerContext[pb.GetTranscriptRequest, pb.Transcript],
    ) -> pb.Transcript:
        found = await transcripts.get_transcript(
            reach=self._text_reach(),
            recording_id=request.recording_id,
            kinds=kinds_of(request.kinds),
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._text_uow(),
            now=datetime.now(UTC),
        )
        out = pb.Transcript(
            recording_id=found.recording_id,
            segments=[segment_message(s) for s in found.segments],
            next_page_token=found.next_page_token,
            total_size=found.total_size,
        )
        if found.processing is not None:
            out.processing.CopyFrom(processing_message(found.processing))
            out.summary = found.processing.summary
            out.action_items.extend(action_messages(found.processing.action_items))
        return out

    async def SearchTranscripts(
        self,
        request: pb.SearchTranscriptsRequest,
        context: grpc.aio.ServicerContext[
            pb.SearchTranscriptsRequest, pb.SearchTranscriptsResponse
        ],
    ) -> pb.SearchTranscriptsResponse:
        found = await transcripts.search(
            reach=self._text_reach(),
            query=request.query,
            recording_id=request.recording_id,
            session_id=request.session_id,
            batch_id=request.batch_id,
            kinds=kinds_of(request.kinds),
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._text_uow(),
            now=datetime.now(UTC),
        )
        hits = []
        for hit in found.hits:
            item = pb.TranscriptHit(
                recording_id=hit.match.recording_id,
                segment_id=hit.match.segment_id,
                kind=KINDS.get(hit.match.kind, pb.SEGMENT_KIND_UNSPECIFIED),
                start_seconds=hit.match.start_ms / 1000,
                end_seconds=hit.match.end_ms / 1000,
                speaker=hit.match.speaker,
                snippet=hit.match.snippet,
                session_id=hit.recording.session_id,
                batch_id=hit.recording.batch_id,
                topic=hit.recording.topic,
            )
            _stamp(item, "recording_start_time", hit.recording.start_time)
            hits.append(item)
        return pb.SearchTranscriptsResponse(
            hits=hits, next_page_token=found.next_page_token, total_size=found.total_size
        )

    async def GetCaptionTracks(
        self,
        request: pb.GetCaptionTracksRequest,
        context: grpc.aio.ServicerContext[pb.GetCaptionTracksRequest, pb.GetCaptionTracksResponse],
    ) -> pb.GetCaptionTracksResponse:
        ttl = int(request.ttl.ToTimedelta().total_seconds()) if request.HasField("ttl") else 0
        tracks = await transcripts.caption_tracks(
            reach=self._text_reach(),
            recording_id=request.recording_id,
            ttl_seconds=ttl,
            max_ttl_seconds=self._settings.playback_url_max_ttl_seconds,
            uow=self._text_uow(),
            storage=self._storage,
            now=datetime.now(UTC),
        )
        return pb.GetCaptionTracksResponse(tracks=[track_message(x) for x in tracks])

    async def ReprocessRecording(
        self,
        request: pb.ReprocessRecordingRequest,
        context: grpc.aio.ServicerContext[pb.ReprocessRecordingRequest, pb.RecordingProcessing],
    ) -> pb.RecordingProcessing:
        row = await transcripts.reprocess(
            reach=self._text_reach(),
            recording_id=request.recording_id,
            uow=self._text_uow(),
            processor=self._processor,
            now=datetime.now(UTC),
        )
        return processing_message(row)


__all__ = [
    "TranscriptMethods",
    "deliverable_message",
    "fill_recording",
    "processing_message",
    "track_message",
]
