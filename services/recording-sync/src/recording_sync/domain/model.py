"""The sync pipeline's vocabulary: Zoom files as announced, states, and why an attempt failed.

No I/O here. ``SyncFailure`` carries a ``SyncErrorType`` and whether another attempt may help;
its message is shown to people and published, so it never contains a URL's query or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from classbridge.common.v1 import common_pb2
from recording_sync.domain.naming import enum_name
from recording_sync.domain.states import (
    FINISHED_STATES,
    OPEN_STATES,
    FileState,
    JobState,
    Trigger,
)


@dataclass(frozen=True)
class ZoomFile:
    """One recording file as Zoom announced it (webhook or recordings list)."""

    zoom_file_id: str
    meeting_uuid: str
    file_type: str  # label, e.g. "mp4", "transcript"
    zoom_file_type: str  # Zoom's verbatim; "" = incomplete
    extension: str
    size: int
    download_url: str
    recording_type: str
    completed: bool
    recording_start: datetime | None
    recording_end: datetime | None


@dataclass(frozen=True)
class ZoomRecording:
    """A meeting instance's recording as listed by Zoom."""

    meeting_id: int
    meeting_uuid: str
    topic: str
    start_time: datetime | None
    duration_minutes: int
    files: tuple[ZoomFile, ...]


@dataclass(frozen=True)
class DownloadAccess:
    """How to fetch one file: secret, short-lived; never logged or stored."""

    url: str
    token: str
    credential_hosts: tuple[str, ...]
    redirect_hosts: tuple[str, ...]
    size: int
    # Upper-case extension of the file Zoom listed ("MP4", "JSON"), so an answer that is not
    # that file (an HTML error page, a JSON error body) is refused; "" = not known.
    extension: str = ""

    def __repr__(self) -> str:  # keep the URL's query and the token out of any log
        return f"DownloadAccess(size={self.size}, hosts={self.credential_hosts})"


class SyncFailure(Exception):
    """An attempt at a job (or one file of it) failed; ``retryable`` says if trying later helps."""

    def __init__(
        self, error_type: common_pb2.SyncErrorType, message: str, *, retryable: bool = True
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.retryable = retryable

    @property
    def label(self) -> str:
        found = common_pb2.SyncErrorType.DESCRIPTOR.values_by_number.get(self.error_type)
        return found.name.removeprefix("SYNC_ERROR_TYPE_").lower() if found else "internal"


def error_label(error_type: common_pb2.SyncErrorType) -> str:
    """``SyncErrorType`` as the stored label."""
    return SyncFailure(error_type, "").label


def error_name(label: str) -> str:
    """The inverse of :func:`error_label`, as the value's name (empty → UNSPECIFIED, unknown →
    INTERNAL); see :func:`~recording_sync.domain.naming.enum_name`."""
    if not label:
        return "SYNC_ERROR_TYPE_UNSPECIFIED"
    return enum_name(common_pb2.SyncErrorType, "SYNC_ERROR_TYPE_", label, otherwise="INTERNAL")


def host_allowed(host: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """``host`` matches one of ``patterns`` (exact, or ``*.example.com`` for any subdomain)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        p = pattern.lower().strip()
        if p.startswith("*."):
            if host.endswith(p[1:]):
                return True
        elif p and host == p:
            return True
    return False


# The states and triggers by short names (``domain.states`` defines them).

PENDING, WAITING, DOWNLOADING = JobState.PENDING, JobState.WAITING, JobState.DOWNLOADING
SYNCED, FAILED, NO_RECORDING = JobState.SYNCED, JobState.FAILED, JobState.NO_RECORDING
CANCELLED = JobState.CANCELLED
F_PENDING, F_TRANSFERRING, F_STORED = FileState.PENDING, FileState.TRANSFERRING, FileState.STORED
F_FAILED, F_SKIPPED, F_DELETED = FileState.FAILED, FileState.SKIPPED, FileState.DELETED
WEBHOOK, SWEEP, MANUAL, RETRY = Trigger.WEBHOOK, Trigger.SWEEP, Trigger.MANUAL, Trigger.RETRY
__all__ = ["FINISHED_STATES", "OPEN_STATES"]
