"""``python -m recording_sync.copy_file``: an operator copies one Zoom file by hand.

Real components throughout: the Zoom simulator served on sockets (its CDN counting what it
sends, and recording whether a token reached it), the command run as a subprocess with the
settings of the embedded default (local disk), and a real SIGKILL of a copy in progress.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from recording_sync.adapters.storage_base import Resume
from recording_sync.copy_file import (
    CheckpointFile,
    CopyError,
    CopyRequest,
    PlainReporter,
    RichReporter,
    make_reporter,
)
from recording_sync.settings import Settings
from tests.unit.recording_sync.zoom_files import recorded_file
from zoomsim.content import sha256_of

MIB = 1024 * 1024
SMALL = 3 * MIB + 12345
# The local backend makes a copy durable (and checkpoints it) every 64 MiB, and the settings
# cannot change that: a file past it has a checkpoint to resume from.
CHECKPOINT_EVERY = 64 * MIB
LARGE = CHECKPOINT_EVERY + 8 * MIB + 4321
KEY = "videos/b-1/lesson.mp4"


def environment(tmp_path: Path, token: str | None) -> dict[str, str]:
    """This process's environment less every recording-sync setting, then the embedded
    default's: local disk under ``tmp_path`` (and the dev signing key made there too)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.pop("CLASSBRIDGE_ENV", None)
    env["DATA_DIR"] = str(tmp_path / "data")
    env["LOCAL_STORAGE_DIR"] = str(tmp_path / "storage")
    if token is not None:
        env["ZOOM_ACCESS_TOKEN"] = token
    return env


async def start(tmp_path: Path, token: str | None, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "recording_sync.copy_file",
        *args,
        env=environment(tmp_path, token),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def run(tmp_path: Path, token: str | None, *args: str) -> tuple[int, str, str]:
    """Run the command to its end: (exit status, stdout, stderr)."""
    child = await start(tmp_path, token, *args)
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


def stored_sha256(tmp_path: Path, key: str) -> str:
    return hashlib.sha256((tmp_path / "storage" / key).read_bytes()).hexdigest()


async def test_a_file_is_copied_with_progress_and_its_sha256_proven(tmp_path: Path) -> None:
    async with recorded_file(SMALL, separate_cdn=False) as z:
        url = z.file["download_url"]
        status, out, err = await run(tmp_path, z.token, url, KEY, "--size", str(SMALL))
        served = await z.ctl.cdn_requests()

    assert status == 0, err
    [line] = out.splitlines()
    result = json.loads(line)
    zoom_sha = sha256_of(z.file_id, SMALL, "MP4")
    assert result == {"key": KEY, "size": SMALL, "sha256": zoom_sha}  # local disk: no ETag
    assert stored_sha256(tmp_path, KEY) == zoom_sha
    assert z.token not in out + err
    progress = [row for row in err.splitlines() if "%" in row]
    assert len(progress) >= 5, err  # a plain line every ~10 % (stderr is not a terminal)
    assert progress[-1].startswith("100% 3.2 MB of 3.2 MB"), progress[-1]
    assert progress[-1].endswith("stored 3.2 MB"), progress[-1]
    assert [r["authorization"] for r in served] == [False]  # the redirect got no token


async def test_a_killed_copy_resumes_from_its_checkpoint_and_fetches_only_the_rest(
    tmp_path: Path,
) -> None:
    checkpoint = tmp_path / "copy.checkpoint"
    args = ("--size", str(LARGE), "--checkpoint", str(checkpoint))
    async with recorded_file(LARGE) as z:
        url, [cdn_host] = z.file["download_url"], (await z.access()).redirect_hosts
        # The CDN pauses past the first checkpoint: the copy is killed while it waits.
        await z.ctl.fault(
            "stall", after_bytes=CHECKPOINT_EVERY + 3 * MIB, seconds=5, file_id=z.file_id
        )
        hosts = ("--allow-host", cdn_host)
        child = await start(tmp_path, z.token, url, KEY, *args, *hosts)
        try:
            offset = 0
            deadline = asyncio.get_running_loop().time() + 30
            while offset == 0 and asyncio.get_running_loop().time() < deadline:
                assert child.returncode is None, "the copy ended before it was killed"
                await asyncio.sleep(0.025)
                if checkpoint.exists():  # written atomically: never half a file
                    offset = json.loads(checkpoint.read_text())["offset"]
            assert offset == CHECKPOINT_EVERY  # the first checkpoint; the stall is before the next
        finally:
            child.send_signal(signal.SIGKILL)
            first_err = (await asyncio.wait_for(child.communicate(), 10))[1].decode()
        await z.ctl.clear_faults()
        assert not (tmp_path / "storage" / KEY).exists()  # invisible until complete
        saved = checkpoint.read_text()
        assert z.token not in saved

        status, out, err = await run(tmp_path, z.token, url, KEY, *args, *hosts)
        served = await z.ctl.cdn_requests()

    assert status == 0, err
    assert f"resuming at byte {CHECKPOINT_EVERY}" in err
    assert served[-1]["range"] == f"bytes={CHECKPOINT_EVERY}-"
    assert served[-1]["bytes_sent"] == LARGE - CHECKPOINT_EVERY  # only the rest again
    assert not any(r["authorization"] for r in served)  # the CDN never saw the token
    zoom_sha = sha256_of(z.file_id, LARGE, "MP4")
    assert json.loads(out) == {"key": KEY, "size": LARGE, "sha256": zoom_sha}
    assert stored_sha256(tmp_path, KEY) == zoom_sha  # the whole file's, across two processes
    assert not checkpoint.exists()  # removed once stored
    assert z.token not in first_err + out + err
    assert "%" in err.splitlines()[-1]


async def test_a_bad_key_fails_with_one_line_before_any_download(tmp_path: Path) -> None:
    url = "https://zoom.example/rec/download/abc?access_token=secret-in-query"
    status, out, err = await run(tmp_path, "tok-123", url, "../outside.mp4")
    assert status == 1
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("copy failed: bad key '../outside.mp4'"), line
    assert "secret-in-query" not in err
    assert "tok-123" not in err


async def test_bad_arguments_exit_2_without_naming_the_query(tmp_path: Path) -> None:
    url = "http://zoom.example/rec/download/abc?access_token=secret-in-query"
    status, out, err = await run(tmp_path, None, url, KEY)
    assert status == 2
    assert out == ""
    assert "must be https" in err
    assert "secret-in-query" not in err
    status, _, err = await run(tmp_path, None, "https://zoom.example/x", KEY, "--size", "-1")
    assert status == 2
    assert "negative" in err


# --- the parts, in process ---------------------------------------------------------------------


def test_plain_progress_is_a_line_per_tenth_with_speed_and_time_left() -> None:
    stream = io.StringIO()
    now = [0.0]
    reporter = PlainReporter(stream, clock=lambda: now[0])
    reporter.start(400_000, 1_000_000)  # a resumed copy: the rest is 60 %
    for done in range(400_000, 1_000_001, 50_000):
        now[0] = (done - 400_000) / 100_000  # 100 kB/s
        reporter.read(done)
    reporter.durable(1_000_000)
    reporter.close()
    lines = stream.getvalue().splitlines()
    assert [line.split("%")[0].strip() for line in lines] == ["50", "60", "70", "80", "90", "100"]
    assert lines[0] == " 50% 500.0 kB of 1.0 MB, 100.0 kB/s, ETA 5s, stored 0 B"
    assert lines[-1] == "100% 1.0 MB of 1.0 MB, 100.0 kB/s, stored 1.0 MB"


def test_a_terminal_gets_a_live_bar() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    reporter = make_reporter(stream)
    assert isinstance(reporter, RichReporter)
    reporter.start(0, 2_000_000)
    reporter.read(1_000_000)
    reporter.durable(1_000_000)
    reporter.close()
    assert "1.0/2.0 MB" in stream.getvalue()
    assert "stored 1.0 MB" in stream.getvalue()


def test_a_checkpoint_of_another_copy_is_refused_not_resumed(tmp_path: Path) -> None:
    def request(url: str, key: str) -> CopyRequest:
        path = tmp_path / "copy.checkpoint"
        return CopyRequest(url, key, 0, "video/mp4", path, ())

    mine = request("https://zoom.example/rec/download/a?access_token=t", KEY)
    point = Resume(backend="local", key=KEY, upload="0" * 16, part_bytes=8 * MIB, offset=MIB)
    asyncio.run(CheckpointFile(tmp_path / "copy.checkpoint", mine).save(point))
    saved = (tmp_path / "copy.checkpoint").read_text()
    assert "access_token" not in saved
    # The same file, another signed query: the same copy.
    again = request("https://zoom.example/rec/download/a?access_token=u", KEY)
    assert CheckpointFile(tmp_path / "copy.checkpoint", again).load() == point.token()
    for other in (
        request("https://zoom.example/rec/download/b", KEY),
        request("https://zoom.example/rec/download/a", "videos/other.mp4"),
    ):
        with pytest.raises(CopyError, match="belongs to another copy"):
            CheckpointFile(tmp_path / "copy.checkpoint", other).load()
