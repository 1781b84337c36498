"""The states a sync job and its files go through, and what starts an attempt.

The values are the labels stored in the tables and the lower-case names of the protos' enums
without their prefix (``SYNC_STATE_WAITING_FOR_RECORDING`` → ``waiting_for_recording``).
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Where a job is in its life (``SyncState`` without the prefix, lower case)."""

    PENDING = "pending"
    WAITING = "waiting_for_recording"
    DOWNLOADING = "downloading"
    SYNCED = "synced"
    FAILED = "failed"
    NO_RECORDING = "no_recording"
    CANCELLED = "cancelled"


OPEN_STATES = (JobState.PENDING, JobState.WAITING, JobState.DOWNLOADING)
FINISHED_STATES = (JobState.SYNCED, JobState.FAILED, JobState.NO_RECORDING)


class FileState(StrEnum):
    """Where one file is (``FileState`` without the prefix, lower case)."""

    PENDING = "pending"
    TRANSFERRING = "transferring"
    STORED = "stored"
    FAILED = "failed"
    SKIPPED = "skipped"
    DELETED = "deleted"


# Files that are (or will be) part of the recording, as opposed to skipped or deleted ones.
COPYABLE = (FileState.PENDING, FileState.TRANSFERRING, FileState.STORED, FileState.FAILED)
UNFINISHED = (FileState.PENDING, FileState.TRANSFERRING, FileState.FAILED)


class Trigger(StrEnum):
    """What started a job or its latest attempt (``SyncTrigger``)."""

    WEBHOOK = "webhook"
    SWEEP = "sweep"
    MANUAL = "manual"
    RETRY = "retry"
