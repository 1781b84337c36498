"""The watch agent against the whole system: ``python -m recording_sync watch`` on a teacher's
folder uploads a Zoom local recording through the edge's tus API and it becomes a lesson of the
session; killed halfway through the file it resumes where the edge stands (the upload's
``HEAD`` offset), sending only the rest, and a later run sends nothing again.

The file is 32 MiB by default; ``CLASSBRIDGE_BIG_FILES=1`` makes it 500 MiB (the must-show).
Runs on the embedded default (recordings to moto's S3 server).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from classbridge_common.testing import moto_s3_server
from devstack.stack import Stack
from devstack.testing import isolated_stack
from edge.routes import uploads
from tests.e2e.classes import eventually, schedule_class

BIG = os.environ.get("CLASSBRIDGE_BIG_FILES") == "1"
SIZE = (500 if BIG else 32) * 1024 * 1024

pytestmark = pytest.mark.skipif(
    not any(getattr(r, "path", "") == "/api/v1/uploads" for r in uploads.routes),
    reason="the edge's tus upload API (edge.routes.uploads) is not there yet",
)


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


@pytest.fixture
async def stack(tmp_path: Path, s3_url: str) -> AsyncIterator[Stack]:
    overrides = {
        "recording-sync": {
            "s3_endpoint_url": s3_url,
            "s3_bucket": f"agent-{uuid.uuid4().hex[:12]}",
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_create_bucket": True,
        }
    }
    async with isolated_stack(tmp_path / "stack", overrides=overrides) as running:
        yield running


def _command(stack: Stack, watched: Path, state: Path, token_file: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "recording_sync",
        "watch",
        str(watched),
        "--edge",
        stack.edge_url,
        "--token-file",
        str(token_file),
        "--state-dir",
        str(state),
        "--settle",
        "0.5",
        "--scan",
        "0.2",
        "--timezone",
        "UTC",
        "--chunk-mib",
        "4",
        "--once",
    ]


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"  # the edge sniffs the bytes


def _write(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as out:
        for i in range(size // len(block)):
            chunk = i.to_bytes(8, "big") + block[8:]
            out.write(MP4 + chunk[len(MP4) :] if i == 0 else chunk)


async def _run(command: list[str]) -> tuple[int, str]:
    """Run the agent without blocking the loop the stack's servers run on."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=900)
    return process.returncode or 0, out.decode()


def _upload_url(state: Path) -> str:
    (found,) = list(state.glob("*/uploads.json"))
    (url,) = json.loads(found.read_text()).values()
    return str(url)


async def test_the_agent_uploads_through_the_edge_and_resumes_after_being_killed(
    stack: Stack, tmp_path: Path
) -> None:
    token = stack.token()
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.edge_url, headers=auth, timeout=30) as edge:
        _, session_id, meeting_id = await schedule_class(edge, "Physics")
        session = (await edge.get(f"/api/v1/sessions/{session_id}")).json()["data"]
        start = datetime.fromisoformat(session["scheduled_start"].replace("Z", "+00:00"))
        watched, state = tmp_path / "Zoom", tmp_path / "state"
        folder = watched / f"{start:%Y-%m-%d %H.%M.%S} Physics {meeting_id}"
        folder.mkdir(parents=True)
        _write(folder / "zoom_0.mp4", SIZE)
        token_file = tmp_path / "token"
        token_file.write_text(token)

        first = await asyncio.create_subprocess_exec(
            *_command(stack, watched, state, token_file),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert first.stdout is not None
        seen: list[str] = []
        async for raw in first.stdout:  # plain progress lines: kill once past a third
            line = raw.decode()
            seen.append(line)
            if "%" in line and int(line.rsplit(": ", 1)[1].split("%")[0]) >= 30:
                break
        else:
            raise AssertionError("".join(seen))
        first.send_signal(signal.SIGKILL)
        await first.wait()
        await asyncio.sleep(1.0)  # the edge finishes storing the part it was receiving
        url = _upload_url(state)
        head = await edge.head(url, headers={"Tus-Resumable": "1.0.0"})
        stopped_at = int(head.headers["Upload-Offset"])
        assert 0 < stopped_at < SIZE, stopped_at

        returncode, output = await _run(_command(stack, watched, state, token_file))
        assert returncode == 0, output
        resumed = re.search(r"resuming at byte (\d+)", output)
        assert resumed is not None, output
        # from where the edge stands: at least what it had durably when the agent died (a
        # PATCH in flight at the kill may have added its received part since)
        assert stopped_at <= int(resumed[1]) < SIZE
        assert token not in output

        async def lesson() -> bool:
            listed = await edge.get(f"/api/v1/sessions/{session_id}/recorded-lessons")
            return len(listed.json()["data"]) == 1

        await eventually(lesson, "the agent's upload never became a lesson", within=60)
        lessons: list[dict[str, Any]] = (
            await edge.get(f"/api/v1/sessions/{session_id}/recorded-lessons")
        ).json()["data"]
        assert len(lessons) == 1

        returncode, output = await _run(_command(stack, watched, state, token_file))
        assert returncode == 0, output
        assert "resuming" not in output
        assert "0 uploaded" not in output  # the ledger still counts the one sent before
        assert "-> session" not in output  # but nothing was sent this time
        again = (await edge.get(f"/api/v1/sessions/{session_id}/recorded-lessons")).json()["data"]
        assert len(again) == 1
        print(f"\n{SIZE // 2**20} MiB: killed at byte {stopped_at}, resumed at {resumed[1]}")
