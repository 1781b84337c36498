"""The events a sync publishes (``recording.synced``, ``recording.sync_failed``,
``recording.removed``), built from the domain objects; written through the unit of work's
outbox in the transaction that changes the job, so a change and its news go together."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.messages import Envelope
from recording_sync.domain import naming
from recording_sync.domain.model import SyncFailure
from recording_sync.domain.sync_job import RecordingFile, SyncJob


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def batch_type_name(label: str) -> str:
    return naming.enum_name(common_pb2.BatchType, "BATCH_TYPE_", label)


def synced_file(f: RecordingFile) -> rev.SyncedFile:
    """The event's description of one stored file (with the lesson it is a part of)."""
    item = rev.SyncedFile(
        file_id=f.id,
        zoom_file_id=f.zoom_file_id,
        file_type=naming.file_type_name(f.file_type),
        zoom_file_type=f.zoom_file_type,
        file_extension=f.file_extension,
        recording_type=f.recording_type,
        content_type=f.content_type,
        storage_key=f.storage_key,
        size_bytes=f.size_bytes,
        sha256=f.sha256,
        lesson_title=f.lesson_title,
        lesson_kind=f.lesson_kind,
        part=f.part,
    )
    if f.recording_start:
        item.recording_start.CopyFrom(timestamp(f.recording_start))
    if f.recording_end:
        item.recording_end.CopyFrom(timestamp(f.recording_end))
    return item


def synced(job: SyncJob, files: Iterable[RecordingFile], *, now: datetime) -> Envelope:
    """``recording.synced`` naming ``files`` (the ones never announced before)."""
    processing = Duration()
    processing.FromTimedelta(max(now - (job.started_at or now), timedelta(0)))
    event = rev.RecordingSynced(
        occurred_at=timestamp(now),
        recording_id=job.recording_id,
        sync_job_id=job.id,
        source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
        session_id=job.session_id,
        batch_id=job.batch_id,
        batch_type=batch_type_name(job.batch_type),
        student_id=job.student_id,
        course_id=job.course_id,
        meeting_id=job.meeting_id,
        meeting_uuid=job.meeting_uuid,
        files=[synced_file(f) for f in files],
        attempts=job.attempts,
        processing_time=processing,
        tenant_id=job.tenant_id,
    )
    return Envelope.for_proto("recording.synced", event)


def sync_failed(job: SyncJob, failure: SyncFailure, *, now: datetime) -> Envelope:
    """``recording.sync_failed`` for the attempt just made (also while waiting for Zoom, so the
    session shows its attempts, last error and next retry)."""
    event = rev.RecordingSyncFailed(
        occurred_at=timestamp(now),
        sync_job_id=job.id,
        session_id=job.session_id,
        batch_id=job.batch_id,
        meeting_id=job.meeting_id,
        meeting_uuid=job.meeting_uuid,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        error_type=failure.error_type,
        error_message=failure.message[:500],
        will_retry=job.next_attempt_at is not None,
        tenant_id=job.tenant_id,
    )
    if job.next_attempt_at is not None:
        event.next_attempt_time.CopyFrom(timestamp(job.next_attempt_at))
    return Envelope.for_proto("recording.sync_failed", event)


def removed(
    job: SyncJob,
    files: list[RecordingFile],
    *,
    reason: rev.RemovalReason,
    removed_by: str,
    whole: bool,
    now: datetime,
) -> Envelope:
    """``recording.removed``: the whole recording (``whole``) or just ``files`` of it."""
    event = rev.RecordingRemoved(
        occurred_at=timestamp(now),
        recording_id=job.recording_id,
        session_id=job.session_id,
        batch_id=job.batch_id,
        meeting_id=job.meeting_id,
        meeting_uuid=job.meeting_uuid,
        file_ids=[] if whole else [f.id for f in files],
        reason=reason,
        removed_by=removed_by,
        tenant_id=job.tenant_id,
    )
    return Envelope.for_proto("recording.removed", event)
