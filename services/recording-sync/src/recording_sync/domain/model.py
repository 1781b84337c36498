"""The sync pipeline's vocabulary: Zoom files as announced, states, and why an attempt failed.

No I/O here. ``SyncFailure`` carries a ``SyncErrorType`` and whether another attempt may help;
its message is shown to people and published, so it never contains a URL's query or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from classbridge.common.v1 import common_pb2

# Job states (SyncState without the prefix, lower case).
PENDING = "pending"
WAITING = "waiting_for_recording"
DOWNLOADING = "downloading"
SYNCED = "synced"
FAILED = "failed"
NO_RECORDING = "no_recording"
CANCELLED = "cancelled"
OPEN_STATES = (PENDING, WAITING, DOWNLOADING)
FINISHED_STATES = (SYNCED, FAILED, NO_RECORDING)

# File states (FileState).
F_PENDING = "pending"
F_TRANSFERRING = "transferring"
F_STORED = "stored"
F_FAILED = "failed"
F_SKIPPED = "skipped"

# Triggers (SyncTrigger).
WEBHOOK, SWEEP, MANUAL, RETRY = "webhook", "sweep", "manual", "retry"


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

    def __repr__(self) -> str:  # keep the URL's query and the token out of any log
        return f"DownloadAccess(size={self.size}, hosts={self.credential_hosts})"


class SyncFailure(Exception):
    """An attempt at a job (or one file of it) failed; ``retryable`` says if trying later helps."""

    def __init__(self, error_type: int, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.retryable = retryable

    @property
    def label(self) -> str:
        found = common_pb2.SyncErrorType.DESCRIPTOR.values_by_number.get(self.error_type)
        return found.name.removeprefix("SYNC_ERROR_TYPE_").lower() if found else "internal"


def error_label(error_type: int) -> str:
    """``SyncErrorType`` as the stored label."""
    return SyncFailure(error_type, "").label


def error_value(label: str) -> int:
    """The inverse of :func:`error_label` (empty → UNSPECIFIED)."""
    if not label:
        return common_pb2.SYNC_ERROR_TYPE_UNSPECIFIED
    found = common_pb2.SyncErrorType.DESCRIPTOR.values_by_name.get(
        f"SYNC_ERROR_TYPE_{label.upper()}"
    )
    return found.number if found else common_pb2.SYNC_ERROR_TYPE_INTERNAL


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
