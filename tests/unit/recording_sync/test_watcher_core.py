"""The folder watcher's core on a real file system, with a sink that only records what it is
given: Zoom's local layout read from paths, files sent only once complete (size settled and no
writer left), temporary ``.zoom`` files renamed into place, the ledger that keeps a restart from
sending a file twice, an unmatched folder reported and never sent, and a failed upload kept on
the file's record with its error."""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pytest

from recording_sync.watcher import layout
from recording_sync.watcher.engine import (
    FolderWatcher,
    Match,
    ReadyFile,
    Unmatched,
    UploadFailed,
)
from recording_sync.watcher.ledger import FileRecord, FileState, JsonLedger
from recording_sync.watcher.matching import Candidate, choose
from recording_sync.watcher.settle import Settler, open_for_writing

FOLDER = "2026-12-03 14.30.00 Physics 101 84512345678"


# --- layout ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "meeting_id", "topic"),
    [
        (FOLDER, 84512345678, "Physics 101"),
        ("2026-12-03 14.30.00 Ana's Zoom Meeting 912345678", 912345678, "Ana's Zoom Meeting"),
        ("2026-12-03 14-30-00 Physics 101", None, "Physics 101"),
        ("2026-12-03_14.30.00_Lab_84512345678", 84512345678, "Lab"),
    ],
)
def test_folder_names_give_the_meeting_id_topic_and_time(
    name: str, meeting_id: int | None, topic: str
) -> None:
    start, found_topic, found_id = layout.parse_folder_name(name, UTC)
    assert (found_id, found_topic) == (meeting_id, topic)
    assert start == datetime(2026, 12, 3, 14, 30, tzinfo=UTC)


def test_folder_times_are_read_in_the_recording_computers_zone() -> None:
    start, _, _ = layout.parse_folder_name(FOLDER, ZoneInfo("Europe/Lisbon"))
    assert start == datetime(2026, 12, 3, 14, 30, tzinfo=UTC)  # Lisbon is on UTC in December
    start, _, _ = layout.parse_folder_name(FOLDER, ZoneInfo("America/New_York"))
    assert start == datetime(2026, 12, 3, 19, 30, tzinfo=UTC)


def test_a_folder_without_an_id_takes_it_from_its_metadata_file_or_has_none() -> None:
    relative = PurePosixPath("2026-12-03 14.30.00 Physics 101/zoom_0.mp4")
    assert layout.describe(relative, UTC).meeting_id is None
    found = layout.describe(relative, UTC, metadata='{"meeting_id": "845 1234 5678"}')
    assert (found.meeting_id, found.id_from) == (84512345678, "metadata")
    odd = layout.describe(PurePosixPath("holiday/clip.mp4"), UTC)
    assert (odd.meeting_id, odd.start) == (None, None)


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("video1234567890.mp4", "mp4"),
        ("zoom_0.mp4", "mp4"),
        ("audio1234567890.m4a", "m4a"),
        ("Recording.MP4", "mp4"),
        ("talk.webm", "webm"),
        ("talk.wav", "wav"),
        ("talk.mp3", "mp3"),
        ("double_click_to_convert_01.zoom", None),
        ("zoom_0.mp4.tmp", None),
        ("recording.conf", None),
        ("chat.txt", None),
        ("playback.m3u", None),
        (".zoom_0.mp4", None),
    ],
)
def test_only_finished_recordings_count(name: str, extension: str | None) -> None:
    assert layout.recording_extension(name) == extension


# --- matching --------------------------------------------------------------------------------

T0 = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
SLACK = timedelta(minutes=30)


def _session(session_id: str, start: datetime, meeting_id: int = 845) -> Candidate:
    return Candidate(session_id, meeting_id, "default", "b-1", "Lesson", start, 60, "t-1")


def test_a_meeting_id_with_several_occurrences_matches_the_one_at_the_recordings_time() -> None:
    series = [_session("s-mon", T0 - timedelta(days=7)), _session("s-tue", T0)]
    assert (
        choose(series, meeting_id=845, start=T0 + timedelta(minutes=2), slack=SLACK).session_id
        == "s-tue"
    )
    with pytest.raises(Unmatched, match="no session of meeting 845 is scheduled near"):
        choose(series, meeting_id=845, start=T0 + timedelta(days=3), slack=SLACK)
    with pytest.raises(Unmatched, match="gives no time"):
        choose(series, meeting_id=845, start=None, slack=SLACK)


def test_without_an_id_the_hosts_session_matches_and_a_tie_is_not_guessed() -> None:
    one = [_session("s-1", T0)]
    found = choose(one, meeting_id=None, start=T0, slack=SLACK, host="t-1")
    assert (found.session_id, found.matched_by) == ("s-1", "host_and_time")
    with pytest.raises(Unmatched, match="no host is set"):
        choose(one, meeting_id=None, start=T0, slack=SLACK)
    tie = [_session("s-a", T0 - timedelta(minutes=10)), _session("s-b", T0 + timedelta(minutes=10))]
    with pytest.raises(Unmatched, match="equally near"):
        choose(tie, meeting_id=None, start=T0, slack=SLACK, host="t-1")


# --- settling --------------------------------------------------------------------------------


def test_a_file_settles_only_after_its_size_stays_the_same_for_the_settle_time() -> None:
    settler = Settler(2.0)
    assert not settler.observe("a", size=10, mtime_ns=1, now=0.0)
    assert not settler.observe("a", size=10, mtime_ns=1, now=1.5)
    assert not settler.observe("a", size=20, mtime_ns=2, now=1.9)  # grew: the clock restarts
    assert not settler.observe("a", size=20, mtime_ns=2, now=3.5)
    assert settler.observe("a", size=20, mtime_ns=2, now=4.0)
    assert not settler.observe("empty", size=0, mtime_ns=1, now=0.0)
    assert not settler.observe("empty", size=0, mtime_ns=1, now=99.0)


def test_proc_tells_a_writer_from_a_reader(tmp_path: Path) -> None:
    path = (tmp_path / "zoom_0.mp4").resolve()
    path.write_bytes(b"x")
    with path.open("ab"):
        assert open_for_writing({path}) == {path}
    with path.open("rb"):
        assert open_for_writing({path}) == set()
    assert open_for_writing({path}, proc=tmp_path / "no-proc") is None


# --- the engine ------------------------------------------------------------------------------


class RecordingSink:
    """Matches folders with an id to a session and keeps what it is sent (fails on demand)."""

    def __init__(self, ledger: JsonLedger) -> None:
        self.ledger = ledger
        self.sent: list[tuple[str, int, bytes]] = []
        self.fail_next = False

    async def match(self, found: layout.LocalRecording) -> Match:
        if not found.meeting_id:
            raise Unmatched("no meeting id")
        return Match(session_id=f"s-{found.meeting_id}", meeting_id=found.meeting_id)

    async def upload(self, ready: ReadyFile, match: Match, record: FileRecord) -> FileRecord:
        if self.fail_next:
            self.fail_next = False
            raise UploadFailed("the edge answered 503")
        body = ready.path.read_bytes()
        self.sent.append((ready.relative, ready.size, body))
        return await self.ledger.put(
            record.changed(
                state=FileState.UPLOADED,
                recording_id=f"rec-{len(self.sent)}",
                sha256=hashlib.sha256(body).hexdigest(),
            )
        )


def _watcher(root: Path, state: Path, sink: RecordingSink | None = None) -> FolderWatcher:
    ledger = JsonLedger(state / "ledger.json")
    return FolderWatcher(
        root,
        sink=sink or RecordingSink(ledger),
        ledger=ledger,
        settle_seconds=0.3,
        scan_seconds=0.1,
    )


async def _until(condition: object, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_file_written_slowly_and_renamed_into_place_is_sent_once_complete(
    tmp_path: Path,
) -> None:
    root, state = tmp_path / "Zoom", tmp_path / "state"
    meeting = root / FOLDER
    meeting.mkdir(parents=True)
    watcher = _watcher(root, state)
    sink = watcher._sink  # type: ignore[attr-defined]
    await watcher.start()
    try:
        temporary = meeting / "double_click_to_convert_01.zoom"
        with temporary.open("wb") as out:  # Zoom converting: a .zoom file growing for a while
            for _ in range(6):
                out.write(os.urandom(64 * 1024))
                out.flush()
                await asyncio.sleep(0.2)
        assert sink.sent == []
        final = meeting / "zoom_0.mp4"
        with final.open("wb") as out:  # then the converted file, written slowly, kept open
            for _ in range(8):
                out.write(b"v" * 32 * 1024)
                out.flush()
                await asyncio.sleep(0.15)
            await asyncio.sleep(0.6)  # size stable, but the writer still holds it
            assert sink.sent == []
        await _until(lambda: len(sink.sent) == 1)
        assert sink.sent[0][:2] == (f"{FOLDER}/zoom_0.mp4", 8 * 32 * 1024)
        temporary.rename(meeting / "audio1234567890.m4a")  # moved into a recording's name
        await _until(lambda: len(sink.sent) == 2)
        await asyncio.sleep(0.8)  # rescans: nothing is sent again
        assert len(sink.sent) == 2
    finally:
        await watcher.stop()


async def test_a_restart_never_sends_a_file_again_and_errors_stay_on_the_record(
    tmp_path: Path,
) -> None:
    root, state = tmp_path / "Zoom", tmp_path / "state"
    (root / FOLDER).mkdir(parents=True)
    (root / FOLDER / "zoom_0.mp4").write_bytes(b"lesson" * 1000)
    (root / "2026-12-03 16.00.00 No id here").mkdir()
    (root / "2026-12-03 16.00.00 No id here" / "zoom_0.mp4").write_bytes(b"other" * 100)
    first = _watcher(root, state)
    sink = first._sink  # type: ignore[attr-defined]
    sink.fail_next = True
    await first.scan_once()
    await asyncio.sleep(0.35)
    await first.scan_once()  # settled: the upload fails, the error is kept
    failed = first.records[f"{FOLDER}/zoom_0.mp4"]
    assert (failed.state, failed.error, failed.attempts) == (
        FileState.FAILED,
        "the edge answered 503",
        1,
    )
    unmatched = first.records["2026-12-03 16.00.00 No id here/zoom_0.mp4"]
    assert (unmatched.state, unmatched.error) == (FileState.UNMATCHED, "no meeting id")
    first._retry_at.clear()  # type: ignore[attr-defined]
    await first.scan_once()
    assert [s[0] for s in sink.sent] == [f"{FOLDER}/zoom_0.mp4"]

    second = _watcher(root, state)  # a restart: the ledger file says what was sent
    await second.scan_once()
    await asyncio.sleep(0.35)
    await second.scan_once()
    assert second._sink.sent == []  # type: ignore[attr-defined]
    assert second.records[f"{FOLDER}/zoom_0.mp4"].recording_id == "rec-1"
    status = second.status()
    assert status.count(FileState.UPLOADED) == 1
    assert status.count(FileState.UNMATCHED) == 1

    os.utime(root / FOLDER / "zoom_0.mp4")  # touched, same bytes: still not sent again
    await second.scan_once()
    await asyncio.sleep(0.35)
    await second.scan_once()
    assert second._sink.sent == []  # type: ignore[attr-defined]

    (root / FOLDER / "zoom_0.mp4").write_bytes(b"re-converted" * 100)  # other bytes: a new file
    await second.scan_once()
    await asyncio.sleep(0.35)
    await second.scan_once()
    assert [s[0] for s in second._sink.sent] == [f"{FOLDER}/zoom_0.mp4"]  # type: ignore[attr-defined]


async def test_links_are_never_followed_out_of_the_folder(tmp_path: Path) -> None:
    root, state, outside = tmp_path / "Zoom", tmp_path / "state", tmp_path / "secret"
    (root / FOLDER).mkdir(parents=True)
    outside.mkdir()
    (outside / "zoom_0.mp4").write_bytes(b"private" * 100)
    (outside / FOLDER).mkdir()
    (outside / FOLDER / "zoom_1.mp4").write_bytes(b"private" * 100)
    (root / FOLDER / "zoom_0.mp4").symlink_to(outside / "zoom_0.mp4")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    watcher = _watcher(root, state)
    await watcher.scan_once()
    await asyncio.sleep(0.35)
    await watcher.scan_once()
    assert watcher.records == {}
    assert watcher._sink.sent == []  # type: ignore[attr-defined]
