"""A sync job and its files as typed objects with explicit transitions (no I/O here).

One :class:`SyncJob` per meeting instance owns its :class:`RecordingFile` s. Every change goes
through a method that checks it is allowed, so the rules live in one place and are tested without
a database:

* **Leases follow the worker.** ``claim`` hands out a :class:`Lease` whose generation is bumped
  on every claim; every write a worker makes (``heartbeat``, ``file_stored``, ``succeed`` ...)
  names its lease and raises :class:`LeaseLost` once another worker has taken the job over, so a
  stale worker can never write after a takeover (fencing). A job is claimable when it is due, or
  when its holder's lease ran out (its heartbeat stopped); ``release`` hands it back at once on
  a graceful stop.
* **Nothing known is left behind.** ``succeed`` refuses while a file is pending, so a file Zoom
  announced during a run (a late transcript) is copied before the job is ``synced``.
* **Every stored file is announced once**, whichever attempt stored it: ``succeed`` returns the
  stored files not announced yet and marks them.
* **Segments are parts of one lesson**: files of one type and recording type form one lesson
  (``lesson_kind``), numbered by recording start (``part``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from recording_sync.domain.model import SyncFailure, ZoomFile
from recording_sync.domain.states import (
    COPYABLE,
    FINISHED_STATES,
    UNFINISHED,
    FileState,
    JobState,
    Trigger,
)

__all__ = [
    "FINISHED_STATES",
    "FileState",
    "JobBusy",
    "JobState",
    "Lease",
    "LeaseLost",
    "MoreToCopy",
    "NotClaimable",
    "RecordingFile",
    "StoredCopy",
    "SyncJob",
    "Trigger",
]


class LeaseLost(Exception):
    """The worker's lease is no longer the job's: another worker took it over, or it was
    released or the job was cancelled. The worker stops and writes nothing more."""


class JobBusy(Exception):
    """The job is held by a worker whose lease is still live."""

    def __init__(self, owner: str, until: datetime | None) -> None:
        super().__init__(f"held by worker {owner} until {until}")
        self.owner = owner
        self.until = until


class MoreToCopy(Exception):
    """The job cannot succeed yet: a file it knows is not stored (it arrived during the run)."""


class NotClaimable(Exception):
    """The job is in a state no worker runs (synced, failed, cancelled ...)."""


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one job: valid while ``generation`` is still the job's."""

    job_id: str
    owner: str
    generation: int


@dataclass(frozen=True)
class StoredCopy:
    """Where and how a file was stored."""

    key: str
    file_name: str
    content_type: str
    lesson_title: str
    size: int
    sha256: str
    etag: str = ""


@dataclass
class RecordingFile:
    """One Zoom file of a job, and where its copy is."""

    id: str
    zoom_file_id: str
    meeting_uuid: str
    file_type: str
    zoom_file_type: str
    file_extension: str
    recording_type: str
    zoom_status: str
    download_url: str
    recording_start: datetime | None
    recording_end: datetime | None
    zoom_size: int
    state: FileState
    created_at: datetime
    updated_at: datetime
    size_bytes: int = 0
    sha256: str = ""
    content_type: str = ""
    storage_key: str = ""
    file_name: str = ""
    lesson_title: str = ""
    lesson_kind: str = ""
    part: int = 0
    attempts: int = 0
    last_error: str = ""
    last_error_type: str = ""
    next_attempt_at: datetime | None = None
    bytes_done: int = 0
    # Where an interrupted copy stands (storage-defined text: upload id, parts, hash state), so
    # the next attempt, here or on another worker, continues instead of starting over.
    checkpoint: str = ""
    # The store's fingerprint of the stored bytes (an S3 ETag), recorded with the sha256.
    etag: str = ""
    stored_at: datetime | None = None
    announced_at: datetime | None = None
    verified_at: datetime | None = None
    zoom_deleted_at: datetime | None = None

    @property
    def copyable(self) -> bool:
        return self.state in COPYABLE

    @property
    def resumable_bytes(self) -> int:
        """What an interrupted copy keeps: its checkpoint's bytes (``bytes_done`` is only ever
        set to a durable count while a checkpoint exists), else nothing."""
        return self.bytes_done if self.checkpoint else 0

    def _update_from(self, f: ZoomFile, job_uuid: str, now: datetime) -> None:
        """Take Zoom's news of this file; ``updated_at`` moves only if something changed."""
        news = {
            "meeting_uuid": f.meeting_uuid or job_uuid or self.meeting_uuid,
            "file_type": f.file_type,
            "zoom_file_type": f.zoom_file_type,
            "file_extension": f.extension.upper(),
            "recording_type": f.recording_type,
            "zoom_status": "completed" if f.completed else "processing",
            "download_url": f.download_url or self.download_url,
            "recording_start": f.recording_start or self.recording_start,
            "recording_end": f.recording_end or self.recording_end,
            "zoom_size": f.size or self.zoom_size,
        }
        changed = {k: v for k, v in news.items() if getattr(self, k) != v}
        for name, value in changed.items():
            setattr(self, name, value)
        if changed:
            self.updated_at = now


def lesson_kind(file_type: str, recording_type: str) -> str:
    """The lesson a Zoom file is a part of within its meeting: its type and recording type
    (every MP4 of the shared screen with speaker view is one lesson, however many segments)."""
    return f"{file_type}:{recording_type}" if recording_type else file_type


@dataclass
class SyncJob:
    """The work of copying one meeting instance's recording into storage."""

    id: str
    tenant_id: str
    job_key: str
    meeting_id: int
    meeting_uuid: str
    recording_id: str
    state: JobState
    trigger: Trigger
    max_attempts: int
    created_at: datetime
    updated_at: datetime
    session_id: str = ""
    batch_id: str = ""
    batch_type: str = ""
    student_id: str = ""
    course_id: str = ""
    folder: str = ""
    topic: str = ""
    meeting_start: datetime | None = None
    duration_minutes: int = 0
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    last_error_type: str = ""
    force: bool = False
    ended_at: datetime | None = None
    lease_owner: str = ""
    lease_until: datetime | None = None
    lease_generation: int = 0
    heartbeat_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    version: int = 0
    files: list[RecordingFile] = field(default_factory=list)

    # ------------------------------------------------------------------ reading

    def file(self, file_id: str) -> RecordingFile:
        for f in self.files:
            if f.id == file_id:
                return f
        raise KeyError(file_id)

    def by_zoom_id(self, zoom_file_id: str) -> RecordingFile | None:
        return next((f for f in self.files if f.zoom_file_id == zoom_file_id), None)

    @property
    def pending(self) -> list[RecordingFile]:
        """Files to copy in this run (pending, in recording order)."""
        return [f for f in self.files if f.state == FileState.PENDING]

    @property
    def stored(self) -> list[RecordingFile]:
        return [f for f in self.files if f.state == FileState.STORED]

    @property
    def copyable(self) -> list[RecordingFile]:
        return [f for f in self.files if f.copyable]

    @property
    def file_count(self) -> int:
        return len(self.copyable)

    @property
    def files_done(self) -> int:
        return len(self.stored)

    @property
    def bytes_total(self) -> int:
        return sum(
            f.size_bytes if f.state == FileState.STORED else f.zoom_size for f in self.copyable
        )

    @property
    def bytes_done(self) -> int:
        return sum(
            f.size_bytes if f.state == FileState.STORED else f.bytes_done for f in self.copyable
        )

    def lease_live(self, now: datetime) -> bool:
        return bool(self.lease_owner) and self.lease_until is not None and self.lease_until > now

    def due(self, now: datetime) -> bool:
        """Whether a worker should pick this job up now."""
        if self.state == JobState.DOWNLOADING:
            return not self.lease_live(now)
        if self.state in (JobState.PENDING, JobState.WAITING):
            return self.next_attempt_at is not None and self.next_attempt_at <= now
        return False

    # ------------------------------------------------------------------ what Zoom says

    def learn(
        self, files: Iterable[ZoomFile], *, new_id: Callable[[str], str], now: datetime
    ) -> bool:
        """Record Zoom's files (new ones, and news of known ones); True when a file became
        one to copy (new, or completed at last): only then is a finished job worth reopening.

        Stored and deleted files keep their state (a re-sent ``recording.completed`` copies
        nothing twice, and files that failed wait for their retry or a person); a file Zoom
        now calls completed becomes pending, even mid-run. A repeat of what the job knows
        changes nothing, ``updated_at`` included."""
        fresh = False
        for f in files:
            wanted = FileState.PENDING if f.zoom_file_type and f.completed else FileState.SKIPPED
            known = self.by_zoom_id(f.zoom_file_id)
            if known is None:
                known = RecordingFile(
                    id=new_id("file"),
                    zoom_file_id=f.zoom_file_id,
                    meeting_uuid=f.meeting_uuid or self.meeting_uuid,
                    file_type=f.file_type,
                    zoom_file_type=f.zoom_file_type,
                    file_extension=f.extension.upper(),
                    recording_type=f.recording_type,
                    zoom_status="completed" if f.completed else "processing",
                    download_url=f.download_url,
                    recording_start=f.recording_start,
                    recording_end=f.recording_end,
                    zoom_size=f.size,
                    state=wanted,
                    created_at=now,
                    updated_at=now,
                )
                self.files.append(known)
                fresh = fresh or wanted == FileState.PENDING
            else:
                known._update_from(f, self.meeting_uuid, now)
                if known.state == FileState.SKIPPED and wanted == FileState.PENDING:
                    known.state = FileState.PENDING
                    known.updated_at = now
                    fresh = True
        self._number_parts()
        if fresh:
            self.updated_at = now
        return fresh

    def _number_parts(self) -> None:
        groups: dict[str, list[RecordingFile]] = {}
        for f in self.files:
            f.lesson_kind = lesson_kind(f.file_type, f.recording_type)
            groups.setdefault(f.lesson_kind, []).append(f)
        for group in groups.values():
            group.sort(key=lambda f: (f.recording_start is None, f.recording_start, f.created_at))
            for number, f in enumerate(group, start=1):
                f.part = number

    def describe(
        self,
        *,
        topic: str = "",
        start: datetime | None = None,
        duration_minutes: int = 0,
        ended_at: datetime | None = None,
    ) -> None:
        """Fill in what the job did not know about its meeting (never overwriting with blanks)."""
        self.topic = self.topic or topic
        self.meeting_start = self.meeting_start or start
        self.duration_minutes = self.duration_minutes or duration_minutes
        if ended_at is not None:
            self.ended_at = ended_at

    def place(
        self,
        *,
        session_id: str,
        batch_id: str,
        batch_type: str,
        student_id: str,
        course_id: str,
        folder: str,
    ) -> None:
        """File the job under its session's batch (the scheduler linked the meeting)."""
        self.session_id, self.batch_id, self.batch_type = session_id, batch_id, batch_type
        self.student_id, self.course_id, self.folder = student_id, course_id, folder

    def learn_uuid(self, meeting_uuid: str) -> None:
        """A sweep-made job (keyed by meeting number) learns its instance."""
        if meeting_uuid and not self.meeting_uuid:
            self.meeting_uuid = meeting_uuid
            self.job_key = meeting_uuid

    # ------------------------------------------------------------------ scheduling

    def reopen(
        self,
        *,
        trigger: Trigger,
        now: datetime,
        force: bool = False,
        fresh_budget: bool = False,
    ) -> bool:
        """Make the job due now (new files, a manual sync or a retry); False while a worker runs
        it (that worker copies the new files before it finishes) or when cancelled.

        ``fresh_budget`` restarts the attempt count of a finished job (a person asked again)."""
        if self.state == JobState.CANCELLED and not force:
            return False
        if self.state == JobState.DOWNLOADING and self.lease_live(now):
            if force:
                self.force = True
            return False
        if self.state in FINISHED_STATES or self.state == JobState.CANCELLED:
            if fresh_budget or self.state == JobState.CANCELLED:
                self.attempts = 0
            self.finished_at = None
        if self.state != JobState.DOWNLOADING:
            self.state = JobState.PENDING
        self.trigger = trigger
        self.force = self.force or force
        self.next_attempt_at = now
        self.updated_at = now
        return True

    def schedule_check(self, at: datetime, now: datetime) -> None:
        """Look at Zoom at ``at`` (the sweep: meeting end + delay) unless something is sooner."""
        if self.state in (JobState.PENDING, JobState.WAITING) and (
            self.next_attempt_at is None or at < self.next_attempt_at
        ):
            self.next_attempt_at = at
            self.updated_at = now

    # ------------------------------------------------------------------ a worker's run

    def claim(self, *, owner: str, now: datetime, lease_for: timedelta) -> Lease:
        """Hold the job for a run. A due or queued job, or one whose holder's lease ran out
        (crashed worker), is taken; a live lease raises :class:`JobBusy`; a finished job
        :class:`NotClaimable`. Files a dead attempt left in flight are pending again."""
        if self.state == JobState.DOWNLOADING:
            if self.lease_live(now):
                raise JobBusy(self.lease_owner, self.lease_until)
        elif self.state not in (JobState.PENDING, JobState.WAITING):
            raise NotClaimable(f"sync job {self.id} is {self.state}")
        self.state = JobState.DOWNLOADING
        self.lease_owner = owner
        self.lease_generation += 1
        self.lease_until = now + lease_for
        self.heartbeat_at = now
        self.started_at = self.started_at or now
        self.updated_at = now
        for f in self.files:
            if f.state in (FileState.TRANSFERRING, FileState.FAILED):
                f.state = FileState.PENDING
                f.next_attempt_at = None
                f.updated_at = now
            if f.state == FileState.PENDING:
                f.bytes_done = f.resumable_bytes
        return Lease(job_id=self.id, owner=owner, generation=self.lease_generation)

    def check(self, lease: Lease) -> None:
        """Raise :class:`LeaseLost` unless ``lease`` still holds the job."""
        if (
            self.state != JobState.DOWNLOADING
            or self.lease_owner != lease.owner
            or self.lease_generation != lease.generation
        ):
            raise LeaseLost(f"sync job {self.id} is no longer held by {lease.owner}")

    def heartbeat(self, lease: Lease, *, now: datetime, lease_for: timedelta) -> None:
        """The worker is alive: extend its lease."""
        self.check(lease)
        self.lease_until = now + lease_for
        self.heartbeat_at = now
        self.updated_at = now

    def start_file(self, lease: Lease, file_id: str, *, now: datetime) -> RecordingFile:
        """A file's copy begins (a stored file stays visible while a forced sync re-copies it:
        the new object replaces the old one only once complete)."""
        self.check(lease)
        f = self.file(file_id)
        if f.state not in (FileState.PENDING, FileState.STORED):
            raise LeaseLost(f"file {file_id} is {f.state}, not to be copied")
        if f.state == FileState.PENDING:
            f.state = FileState.TRANSFERRING
        f.attempts += 1
        f.bytes_done = f.resumable_bytes
        f.updated_at = now
        return f

    def progress(
        self,
        lease: Lease,
        file_id: str,
        *,
        bytes_done: int,
        now: datetime,
        checkpoint: str | None = None,
    ) -> None:
        """The copy moved on: ``bytes_done`` are durable, and ``checkpoint`` (when given) says
        how to continue from there."""
        self.check(lease)
        f = self.file(file_id)
        if f.state == FileState.TRANSFERRING:
            f.bytes_done = bytes_done
            if checkpoint is not None:
                f.checkpoint = checkpoint
            f.updated_at = now

    def file_stored(self, lease: Lease, file_id: str, copy: StoredCopy, *, now: datetime) -> None:
        self.check(lease)
        f = self.file(file_id)
        if f.state == FileState.DELETED:
            raise LeaseLost(f"file {file_id} was deleted during its copy")
        f.state = FileState.STORED
        f.storage_key, f.file_name = copy.key, copy.file_name
        f.content_type, f.lesson_title = copy.content_type, copy.lesson_title
        f.size_bytes, f.sha256, f.bytes_done = copy.size, copy.sha256, copy.size
        f.etag, f.checkpoint = copy.etag, ""
        f.stored_at = now
        f.last_error, f.last_error_type, f.next_attempt_at = "", "", None
        f.updated_at = now

    def file_failed(
        self, lease: Lease, file_id: str, failure: SyncFailure, *, now: datetime
    ) -> None:
        self.check(lease)
        f = self.file(file_id)
        if f.state in (FileState.TRANSFERRING, FileState.PENDING):
            f.state = FileState.FAILED
        f.last_error, f.last_error_type = failure.message[:2000], failure.label
        f.bytes_done = f.resumable_bytes
        f.updated_at = now

    def succeed(self, lease: Lease, *, now: datetime) -> list[RecordingFile]:
        """Every known file is stored: the job is synced. Returns the stored files never
        announced before (this attempt's and any earlier, crashed attempt's) and marks them."""
        self.check(lease)
        unfinished = [f.id for f in self.files if f.state in UNFINISHED]
        if unfinished:
            raise MoreToCopy(f"sync job {self.id} still has files to copy: {unfinished}")
        if not self.stored:
            raise MoreToCopy(f"sync job {self.id} has no stored file")
        self.state = JobState.SYNCED
        self.attempts += 1
        self._release_lease()
        self.next_attempt_at = None
        self.last_error, self.last_error_type = "", ""
        self.force = False
        self.finished_at = now
        self.updated_at = now
        fresh = [f for f in self.stored if f.announced_at is None]
        for f in fresh:
            f.announced_at = now
        return fresh

    def wait_for_zoom(self, lease: Lease, *, now: datetime, retry_in: timedelta) -> bool:
        """Zoom has no recording yet: look again later; True when the attempts are used up
        (the job is ``no_recording``)."""
        self.check(lease)
        self.attempts += 1
        final = self.attempts >= self.max_attempts
        self.state = JobState.NO_RECORDING if final else JobState.WAITING
        self.next_attempt_at = None if final else now + retry_in
        self.last_error = "Zoom has no recording for this meeting yet"
        self.last_error_type = "no_recording"
        self.finished_at = now if final else None
        self._release_lease()
        self.updated_at = now
        return final

    def fail(
        self, lease: Lease, failure: SyncFailure, *, now: datetime, retry_in: timedelta
    ) -> bool:
        """The attempt failed: retry after ``retry_in``, or give up (True) when retrying cannot
        help or the attempts are used up."""
        self.check(lease)
        self.attempts += 1
        final = not failure.retryable or self.attempts >= self.max_attempts
        self.state = JobState.FAILED if final else JobState.PENDING
        self.next_attempt_at = None if final else now + retry_in
        self.last_error, self.last_error_type = failure.message[:2000], failure.label
        self.finished_at = now if final else None
        self._release_lease()
        for f in self.files:
            if f.state == FileState.TRANSFERRING:
                f.state = FileState.PENDING
            if f.state in UNFINISHED:
                f.next_attempt_at = self.next_attempt_at
                f.bytes_done = f.resumable_bytes
                f.updated_at = now
        self.updated_at = now
        return final

    def release(self, lease: Lease, *, now: datetime) -> None:
        """A graceful stop: hand the job back, due at once, so another worker takes it over
        without waiting for the lease to run out. The attempt does not count."""
        self.check(lease)
        self.state = JobState.PENDING
        self.next_attempt_at = now
        self._release_lease()
        for f in self.files:
            if f.state == FileState.TRANSFERRING:
                f.state = FileState.PENDING
                f.bytes_done = f.resumable_bytes
                f.updated_at = now
        self.updated_at = now

    def _release_lease(self) -> None:
        self.lease_owner = ""
        self.lease_until = None

    # ------------------------------------------------------------------ ending

    def cancel(self, *, now: datetime) -> None:
        """Nothing more is copied (the session was cancelled, copying is switched off)."""
        self.state = JobState.CANCELLED
        self.next_attempt_at = None
        self._release_lease()
        self.updated_at = now

    def delete_files(
        self, zoom_file_ids: Iterable[str] = (), *, now: datetime, at_zoom: bool = False
    ) -> list[RecordingFile]:
        """Mark files deleted (all when none are named); returns those that were stored, whose
        objects the caller removes after the change is committed. When no copyable file is
        left the job is cancelled: a deleted recording never counts as synced.

        ``at_zoom``: Zoom says the files are gone there. Files Classbridge itself deleted at
        Zoom after verifying its copy (``zoom_deleted_at``) are kept: that copy is the point."""
        wanted = set(zoom_file_ids)
        gone: list[RecordingFile] = []
        for f in self.files:
            if wanted and f.zoom_file_id not in wanted:
                continue
            if f.state == FileState.DELETED or (at_zoom and f.zoom_deleted_at is not None):
                continue
            if f.state == FileState.STORED:
                gone.append(f)
            f.state = FileState.DELETED
            f.updated_at = now
        if not self.copyable:
            self.cancel(now=now)
        self.updated_at = now
        return gone
