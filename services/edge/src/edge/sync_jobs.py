"""recording-sync's jobs as the batch sync status shows them: one per session, the latest.

The scheduler only projects recording-sync's events; what a sync in flight is doing (attempts,
the last error and its type, the next retry, bytes copied so far, each file's own state) is
recording-sync's to say, so the status page asks it too. The page must still answer when
recording-sync cannot: :func:`latest_jobs` gives ``None`` then, and the route says so.
"""

from __future__ import annotations

import logging
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge_common.errors import DeadlineExceeded, Unavailable, Unimplemented
from edge.clients import Clients, call
from edge.render import enum_label
from edge.views import Stamp, View

log = logging.getLogger(__name__)

#: recording-sync down, too slow, or an older one without GetSyncStatus: the page goes on
#: without jobs. Anything else (a refusal, a bad request) is an answer and is passed on.
NOT_ANSWERING = (Unavailable, DeadlineExceeded, Unimplemented)

_SYNC_STATE = recording_sync_pb2.SyncState.DESCRIPTOR
_FILE_STATE = recording_sync_pb2.FileState.DESCRIPTOR
_ERROR_TYPE = common_pb2.SyncErrorType.DESCRIPTOR
_FILE_TYPE = common_pb2.RecordingFileType.DESCRIPTOR


def _instant(stamp: Timestamp, present: bool) -> str | None:
    return stamp.ToJsonString() if present else None


class FileView(View):
    """One file of a job, with its own attempts, error, retry and progress."""

    file_type: str | None
    state: str | None
    attempts: int
    last_error: str
    last_error_type: str | None
    next_retry_at: Stamp
    zoom_size_bytes: int
    bytes_done: int
    lesson_kind: str
    part: int


class JobView(View):
    """A job as a session row shows it; zero and empty values stay (0 bytes copied is news)."""

    state: str | None
    attempts: int
    max_attempts: int
    last_error: str
    last_error_type: str | None
    next_retry_at: Stamp
    bytes_total: int
    bytes_done: int
    file_count: int
    files_done: int
    files: list[FileView]


def file_view(f: recording_sync_pb2.RecordingFile) -> FileView:
    """One file of a job, with its own attempts, error, retry and progress."""
    return FileView(
        file_type=enum_label(_FILE_TYPE, f.file_type, "RECORDING_FILE_TYPE_"),
        state=enum_label(_FILE_STATE, f.state, "FILE_STATE_"),
        attempts=f.attempts,
        last_error=f.last_error,
        last_error_type=enum_label(_ERROR_TYPE, f.last_error_type, "SYNC_ERROR_TYPE_"),
        next_retry_at=_instant(f.next_attempt_time, f.HasField("next_attempt_time")),
        zoom_size_bytes=f.zoom_size_bytes,
        bytes_done=f.bytes_done,
        lesson_kind=f.lesson_kind,
        part=f.part,
    )


def job_view(job: recording_sync_pb2.SyncJob) -> dict[str, Any]:
    """A job as a session row shows it; zero and empty values stay (0 bytes copied is news)."""
    return JobView(
        state=enum_label(_SYNC_STATE, job.state, "SYNC_STATE_"),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        last_error=job.last_error,
        last_error_type=enum_label(_ERROR_TYPE, job.last_error_type, "SYNC_ERROR_TYPE_"),
        next_retry_at=_instant(job.next_attempt_time, job.HasField("next_attempt_time")),
        bytes_total=job.bytes_total,
        bytes_done=job.bytes_done,
        file_count=job.file_count,
        files_done=job.files_done,
        files=[file_view(f) for f in job.files],
    ).show()


def _recency(job: recording_sync_pb2.SyncJob) -> tuple[int, int, int, int]:
    u, c = job.update_time, job.create_time
    return (u.seconds, u.nanos, c.seconds, c.nanos)


def latest_by_session(
    jobs: list[recording_sync_pb2.SyncJob],
) -> dict[str, recording_sync_pb2.SyncJob]:
    """Each session's most recently updated job (a session may have had several: retries,
    forced re-syncs, a restarted meeting); jobs of meetings linked to no session are left out."""
    latest: dict[str, recording_sync_pb2.SyncJob] = {}
    for job in jobs:
        if not job.session_id:
            continue
        seen = latest.get(job.session_id)
        if seen is None or _recency(job) >= _recency(seen):
            latest[job.session_id] = job
    return latest


async def latest_jobs(clients: Clients, batch_id: str) -> dict[str, dict[str, Any]] | None:
    """The batch's latest job per session, as shown; ``None`` when recording-sync does not
    answer. The call carries the caller's own credentials, like every edge call."""
    try:
        answer = await call(
            clients.recording_sync.GetSyncStatus,
            recording_sync_pb2.GetSyncStatusRequest(batch_id=batch_id),
        )
    except NOT_ANSWERING as error:
        log.warning("sync status without recording-sync's jobs: %s", error.reason)
        return None
    return {s: job_view(job) for s, job in latest_by_session(list(answer.jobs)).items()}
