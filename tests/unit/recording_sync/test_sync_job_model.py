"""The sync job's transitions, without a database: leases and fencing, late files, lessons
made of segments, announcing each stored file once, and deletion."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from classbridge.common.v1 import common_pb2
from recording_sync.domain.model import SyncFailure, ZoomFile
from recording_sync.domain.sync_job import (
    FileState,
    JobBusy,
    JobState,
    LeaseLost,
    MoreToCopy,
    NotClaimable,
    StoredCopy,
    SyncJob,
    Trigger,
)

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
_ids = itertools.count()


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids)}"


def zoom_file(
    zid: str,
    kind: str = "mp4",
    *,
    start: datetime = T0,
    completed: bool = True,
    size: int = 1000,
    recording_type: str = "shared_screen_with_speaker_view",
) -> ZoomFile:
    return ZoomFile(
        zoom_file_id=zid,
        meeting_uuid="uuid-1",
        file_type=kind,
        zoom_file_type=kind.upper(),
        extension=kind.upper(),
        size=size,
        download_url=f"https://zoom.test/rec/{zid}",
        recording_type=recording_type,
        completed=completed,
        recording_start=start,
        recording_end=start + timedelta(minutes=30),
    )


def job(*files: ZoomFile, max_attempts: int = 3) -> SyncJob:
    made = SyncJob(
        id="job_1",
        tenant_id="default",
        job_key="uuid-1",
        meeting_id=81,
        meeting_uuid="uuid-1",
        recording_id="rec_1",
        state=JobState.PENDING,
        trigger=Trigger.WEBHOOK,
        max_attempts=max_attempts,
        created_at=T0,
        updated_at=T0,
        next_attempt_at=T0,
    )
    made.learn(files, new_id=new_id, now=T0)
    return made


def copy_of(size: int = 1000) -> StoredCopy:
    return StoredCopy("videos/b/x.mp4", "x.mp4", "video/mp4", "Zoom Recording", size, "ab" * 32)


def store_all(j: SyncJob, lease: object, now: datetime = T0) -> None:
    for f in j.pending:
        j.start_file(lease, f.id, now=now)  # type: ignore[arg-type]
        j.file_stored(lease, f.id, copy_of(f.zoom_size), now=now)  # type: ignore[arg-type]


def test_a_claim_holds_the_job_and_a_second_claim_waits_for_the_lease() -> None:
    j = job(zoom_file("a"))
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    assert (j.state, j.lease_owner, j.lease_generation) == (JobState.DOWNLOADING, "w1", 1)
    with pytest.raises(JobBusy):
        j.claim(owner="w2", now=T0 + timedelta(seconds=29), lease_for=LEASE)
    # The heartbeat keeps it: still busy after the first lease would have run out.
    j.heartbeat(lease, now=T0 + timedelta(seconds=20), lease_for=LEASE)
    with pytest.raises(JobBusy):
        j.claim(owner="w2", now=T0 + timedelta(seconds=45), lease_for=LEASE)


def test_a_takeover_fences_the_stale_worker_out() -> None:
    j = job(zoom_file("a"))
    old = j.claim(owner="w1", now=T0, lease_for=LEASE)
    f = j.pending[0]
    j.start_file(old, f.id, now=T0)
    j.progress(old, f.id, bytes_done=500, now=T0)
    # w1 stopped beating; after the lease w2 takes over and the half copy starts again.
    new = j.claim(owner="w2", now=T0 + LEASE, lease_for=LEASE)
    assert new.generation == old.generation + 1
    assert (f.state, f.bytes_done) == (FileState.PENDING, 0)
    for write in (
        lambda: j.heartbeat(old, now=T0 + LEASE, lease_for=LEASE),
        lambda: j.progress(old, f.id, bytes_done=900, now=T0 + LEASE),
        lambda: j.file_stored(old, f.id, copy_of(), now=T0 + LEASE),
        lambda: j.succeed(old, now=T0 + LEASE),
        lambda: j.fail(old, SyncFailure(5, "x"), now=T0 + LEASE, retry_in=LEASE),
        lambda: j.release(old, now=T0 + LEASE),
    ):
        with pytest.raises(LeaseLost):
            write()
    # The same owner name with an old generation is stale too (a restarted process).
    same_name = type(old)(job_id=old.job_id, owner="w2", generation=old.generation)
    with pytest.raises(LeaseLost):
        j.heartbeat(same_name, now=T0 + LEASE, lease_for=LEASE)
    j.heartbeat(new, now=T0 + LEASE, lease_for=LEASE)


def test_release_hands_the_job_back_at_once_without_counting_an_attempt() -> None:
    j = job(zoom_file("a"))
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    j.start_file(lease, j.files[0].id, now=T0)
    j.release(lease, now=T0 + timedelta(seconds=3))
    assert (j.state, j.attempts, j.lease_owner) == (JobState.PENDING, 0, "")
    assert j.due(T0 + timedelta(seconds=3))
    assert j.files[0].state == FileState.PENDING
    j.claim(owner="w2", now=T0 + timedelta(seconds=3), lease_for=LEASE)


def test_a_job_is_never_synced_while_a_file_it_knows_is_pending() -> None:
    j = job(zoom_file("mp4"), zoom_file("chat", "chat"))
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    store_all(j, lease)
    # The transcript arrives during the run (the consumer files it on the job).
    assert j.learn([zoom_file("vtt", "transcript")], new_id=new_id, now=T0)
    assert j.reopen(trigger=Trigger.WEBHOOK, now=T0) is False  # the running worker copies it
    with pytest.raises(MoreToCopy):
        j.succeed(lease, now=T0)
    assert [f.zoom_file_id for f in j.pending] == ["vtt"]
    store_all(j, lease)
    fresh = j.succeed(lease, now=T0)
    assert j.state == JobState.SYNCED
    assert {f.zoom_file_id for f in fresh} == {"mp4", "chat", "vtt"}


def test_files_stored_by_a_crashed_attempt_are_announced_by_the_next() -> None:
    j = job(zoom_file("mp4"), zoom_file("chat", "chat"))
    first = j.claim(owner="w1", now=T0, lease_for=LEASE)
    chat = j.by_zoom_id("chat")
    assert chat is not None
    j.start_file(first, chat.id, now=T0)
    j.file_stored(first, chat.id, copy_of(), now=T0)
    # w1 is killed; w2 takes over, stores the MP4 and succeeds.
    second = j.claim(owner="w2", now=T0 + LEASE, lease_for=LEASE)
    assert [f.zoom_file_id for f in j.pending] == ["mp4"]
    store_all(j, second)
    fresh = j.succeed(second, now=T0 + LEASE)
    assert {f.zoom_file_id for f in fresh} == {"mp4", "chat"}
    # A later transcript is announced alone; nothing is announced twice.
    j.learn([zoom_file("vtt", "transcript")], new_id=new_id, now=T0 + LEASE)
    assert j.reopen(trigger=Trigger.WEBHOOK, now=T0 + LEASE)
    third = j.claim(owner="w2", now=T0 + LEASE, lease_for=LEASE)
    store_all(j, third)
    assert [f.zoom_file_id for f in j.succeed(third, now=T0 + LEASE)] == ["vtt"]


def test_segments_of_one_type_are_parts_of_one_lesson_in_recording_order() -> None:
    later = T0 + timedelta(minutes=40)
    j = job(
        zoom_file("mp4-2", start=later),
        zoom_file("mp4-1", start=T0),
        zoom_file("m4a-1", "m4a", start=T0, recording_type="audio_only"),
    )
    parts = {f.zoom_file_id: (f.lesson_kind, f.part) for f in j.files}
    assert parts["mp4-1"] == ("mp4:shared_screen_with_speaker_view", 1)
    assert parts["mp4-2"] == ("mp4:shared_screen_with_speaker_view", 2)
    assert parts["m4a-1"] == ("m4a:audio_only", 1)


def test_a_redelivered_recording_copies_nothing_twice_and_processing_files_wait() -> None:
    j = job(zoom_file("mp4"), zoom_file("vtt", "transcript", completed=False))
    assert [f.state for f in j.files] == [FileState.PENDING, FileState.SKIPPED]
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    store_all(j, lease)
    j.succeed(lease, now=T0)
    assert not j.learn([zoom_file("mp4")], new_id=new_id, now=T0)
    assert j.learn([zoom_file("vtt", "transcript")], new_id=new_id, now=T0)
    assert len(j.files) == 2


def test_failures_retry_with_backoff_then_give_up_and_files_say_why() -> None:
    j = job(zoom_file("mp4"), max_attempts=2)
    failure = SyncFailure(common_pb2.SYNC_ERROR_TYPE_DOWNLOAD, "502 from zoom.test")
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    f = j.pending[0]
    j.start_file(lease, f.id, now=T0)
    j.file_failed(lease, f.id, failure, now=T0)
    assert not j.fail(lease, failure, now=T0, retry_in=timedelta(minutes=2))
    assert (j.state, j.attempts, j.next_attempt_at) == (
        JobState.PENDING,
        1,
        T0 + timedelta(minutes=2),
    )
    assert (f.state, f.attempts, f.last_error_type, f.next_attempt_at) == (
        FileState.FAILED,
        1,
        "download",
        T0 + timedelta(minutes=2),
    )
    assert not j.due(T0 + timedelta(minutes=1))
    lease = j.claim(owner="w1", now=T0 + timedelta(minutes=2), lease_for=LEASE)
    assert f.state == FileState.PENDING  # tried again
    assert j.fail(lease, failure, now=T0, retry_in=timedelta(minutes=2))
    assert (j.state, j.next_attempt_at) == (JobState.FAILED, None)
    with pytest.raises(NotClaimable):
        j.claim(owner="w1", now=T0 + timedelta(hours=1), lease_for=LEASE)
    assert j.reopen(trigger=Trigger.RETRY, now=T0, fresh_budget=True)
    assert (j.state, j.attempts) == (JobState.PENDING, 0)


def test_waiting_for_zoom_counts_attempts_until_no_recording() -> None:
    j = job(max_attempts=2)
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    assert not j.wait_for_zoom(lease, now=T0, retry_in=timedelta(minutes=30))
    assert (j.state, j.next_attempt_at) == (JobState.WAITING, T0 + timedelta(minutes=30))
    lease = j.claim(owner="w1", now=T0 + timedelta(minutes=30), lease_for=LEASE)
    assert j.wait_for_zoom(lease, now=T0, retry_in=timedelta(minutes=30))
    assert j.state == JobState.NO_RECORDING


def test_progress_counts_bytes_copied_so_far() -> None:
    j = job(zoom_file("mp4", size=10_000), zoom_file("chat", "chat", size=100))
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    mp4 = j.by_zoom_id("mp4")
    assert mp4 is not None
    j.start_file(lease, mp4.id, now=T0)
    j.progress(lease, mp4.id, bytes_done=4_000, now=T0)
    assert (j.bytes_total, j.bytes_done, j.files_done) == (10_100, 4_000, 0)


def test_deleting_every_file_cancels_the_job_and_our_own_zoom_deletion_keeps_the_copy() -> None:
    j = job(zoom_file("mp4"), zoom_file("chat", "chat"))
    lease = j.claim(owner="w1", now=T0, lease_for=LEASE)
    store_all(j, lease)
    j.succeed(lease, now=T0)
    chat = j.by_zoom_id("chat")
    assert chat is not None
    chat.zoom_deleted_at = T0  # Classbridge deleted it at Zoom after verifying the copy
    gone = j.delete_files(now=T0, at_zoom=True)
    assert [f.zoom_file_id for f in gone] == ["mp4"]
    assert chat.state == FileState.STORED
    assert j.state == JobState.SYNCED
    j.delete_files(["chat"], now=T0)
    assert j.state == JobState.CANCELLED
    assert not j.reopen(trigger=Trigger.WEBHOOK, now=T0)
    # A re-sent recording.completed never brings deleted files back.
    assert not j.learn([zoom_file("mp4"), zoom_file("chat", "chat")], new_id=new_id, now=T0)
