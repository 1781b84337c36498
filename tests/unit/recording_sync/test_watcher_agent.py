"""The watch agent (``python -m recording_sync watch``) as a teacher runs it: a real process on a
real folder, uploading through tus 1.0 to a small tus server standing in for the edge's upload
API (the same contract: ``POST /api/v1/uploads`` with ``Upload-Metadata``, ``HEAD`` and
``PATCH`` on the upload's URL, ``GET`` of it showing ``recording_id`` once complete) and its
``/api/v1/monitor/match``.

Killed halfway through a file, the agent resumes where the server stands (one upload created,
no byte sent twice after the offset the server confirmed), the server ends with exactly the
file's bytes, and a third run sends nothing. A folder the edge cannot match is reported and
never uploaded; a refused token stops the agent (exit 3) and is never printed. The big-file
version of the kill (500 MiB) runs with ``CLASSBRIDGE_BIG_FILES=1``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "agent-test-token-" + uuid.uuid4().hex
MEETING = 84512345678
FOLDER = f"2026-12-03 14.30.00 Physics 101 {MEETING}"
BIG = os.environ.get("CLASSBRIDGE_BIG_FILES") == "1"
SIZE = (500 if BIG else 16) * 1024 * 1024
CHUNK_MIB = 8 if BIG else 1


@dataclass
class Upload:
    length: int
    metadata: dict[str, str]
    path: Path
    offset: int = 0
    recording_id: str = ""


@dataclass
class TusServer:
    """A minimal tus 1.0 server (creation, HEAD, PATCH) with the edge's match and status."""

    folder: Path
    patch_delay: float = 0.0
    uploads: dict[str, Upload] = field(default_factory=dict)
    created: int = 0
    patches: list[tuple[str, int, int]] = field(default_factory=list)  # (id, offset, length)
    authorizations: set[str] = field(default_factory=set)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        self.authorizations.add(header)
        return header == f"Bearer {TOKEN}"

    async def match(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"error": {"message": "bad token"}}, status_code=401)
        if request.query_params.get("meeting_id") != str(MEETING):
            return JSONResponse(
                {"error": {"message": "no session matches the recording: no meeting id"}},
                status_code=404,
            )
        body = {"session_id": "s-1", "meeting_id": str(MEETING), "matched_by": "meeting_id"}
        return JSONResponse({"data": body})

    async def create(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response(status_code=401)
        metadata = {}
        for item in request.headers.get("upload-metadata", "").split(","):
            key, _, value = item.strip().partition(" ")
            metadata[key] = base64.b64decode(value).decode()
        upload_id = uuid.uuid4().hex
        path = self.folder / upload_id
        path.write_bytes(b"")
        self.uploads[upload_id] = Upload(int(request.headers["upload-length"]), metadata, path)
        self.created += 1
        return Response(
            status_code=201,
            headers={"Location": f"/api/v1/uploads/{upload_id}", "Tus-Resumable": "1.0.0"},
        )

    async def head(self, request: Request) -> Response:
        upload = self.uploads.get(request.path_params["upload_id"])
        if upload is None or not self._authorized(request):
            return Response(status_code=404)
        return Response(headers={"Upload-Offset": str(upload.offset), "Tus-Resumable": "1.0.0"})

    async def patch(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        upload = self.uploads.get(upload_id)
        if upload is None or not self._authorized(request):
            return Response(status_code=404)
        offset = int(request.headers["upload-offset"])
        if offset != upload.offset:
            return Response(status_code=409)
        body = await request.body()
        if self.patch_delay:
            await asyncio.sleep(
                self.patch_delay
            )  # a slow network: the test has time to kill the agent
        with upload.path.open("ab") as out:
            out.write(body)
        upload.offset += len(body)
        self.patches.append((upload_id, offset, len(body)))
        if upload.offset == upload.length:
            upload.recording_id = f"rec-{upload_id[:8]}"
        return Response(
            status_code=204, headers={"Upload-Offset": str(upload.offset), "Tus-Resumable": "1.0.0"}
        )

    async def status(self, request: Request) -> Response:
        if request.method == "HEAD":
            return await self.head(request)
        upload = self.uploads.get(request.path_params["upload_id"])
        if upload is None or not self._authorized(request):
            return JSONResponse({"error": {"message": "not found"}}, status_code=404)
        return JSONResponse(
            {"data": {"offset": upload.offset, "recording_id": upload.recording_id}}
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/monitor/match", self.match, methods=["GET"]),
                Route("/api/v1/uploads", self.create, methods=["POST"]),
                Route("/api/v1/uploads/{upload_id}", self.status, methods=["GET", "HEAD"]),
                Route("/api/v1/uploads/{upload_id}", self.patch, methods=["PATCH"]),
            ]
        )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[TusServer, str]]:
    (tmp_path / "server").mkdir()
    tus = TusServer(tmp_path / "server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        tus.app(), host="127.0.0.1", port=port, log_level="error", lifespan="off"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        yield tus, f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


def _agent(edge: str, watched: Path, state: Path, token_file: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "recording_sync",
        "watch",
        str(watched),
        "--edge",
        edge,
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
        str(CHUNK_MIB),
        "--once",
        *extra,
    ]


def _peak_rss_mib(process: subprocess.Popen[str]) -> tuple[int, str]:
    """The process's peak resident memory (``VmHWM``, MiB), read until it exits, and its
    output (drained meanwhile, so it never blocks on a full pipe)."""
    assert process.stdout is not None
    drained: list[str] = []
    reader = threading.Thread(target=lambda: drained.extend(process.stdout or ()), daemon=True)
    reader.start()
    peak = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) // 1024)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    reader.join(timeout=10)
    process.stdout.close()
    return peak, "".join(drained)


def _write(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with path.open("wb") as out:
        for i in range(size // len(block)):
            chunk = block[:8] + i.to_bytes(8, "big") + block[16:]
            out.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def test_a_killed_agent_resumes_the_upload_and_never_sends_a_file_twice(
    server: tuple[TusServer, str], tmp_path: Path
) -> None:
    tus, edge = server
    watched, state = tmp_path / "Zoom", tmp_path / "state"
    (watched / FOLDER).mkdir(parents=True)
    (watched / "2026-12-03 16.00.00 Chemistry").mkdir()
    (watched / "2026-12-03 16.00.00 Chemistry" / "zoom_0.mp4").write_bytes(b"x" * 4096)
    digest = _write(watched / FOLDER / "zoom_0.mp4", SIZE)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    tus.patch_delay = 0.03 if not BIG else 0.0

    first = subprocess.Popen(
        _agent(edge, watched, state, token_file), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 300
    while not tus.uploads or next(iter(tus.uploads.values())).offset < SIZE // 2:
        assert first.poll() is None, first.stdout.read().decode() if first.stdout else ""
        assert time.monotonic() < deadline, "the first run never got halfway"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)  # killed halfway, as a laptop lid closing
    first.wait(timeout=30)
    if first.stdout is not None:
        first.stdout.close()
    time.sleep(0.5)  # a PATCH the agent sent before it died may still land
    (upload,) = tus.uploads.values()
    stopped_at = upload.offset
    assert 0 < stopped_at < SIZE

    tus.patch_delay = 0.0
    second = subprocess.Popen(
        _agent(edge, watched, state, token_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak, output = _peak_rss_mib(second)
    assert second.wait(timeout=60) == 0, output
    assert tus.created == 1  # the same upload, resumed
    resumed = [p for p in tus.patches if p[1] >= stopped_at]
    assert resumed[0][1] == stopped_at  # the rest only, from the server's offset
    assert f"resuming at byte {stopped_at}" in output, output
    assert upload.offset == SIZE
    assert hashlib.sha256(upload.path.read_bytes()).hexdigest() == digest
    assert upload.metadata == {
        "session_id": "s-1",
        "filename": "zoom_0.mp4",
        "lesson_title": "Local Recording - 2026-12-03 (MP4)",
    }
    assert f"uploaded {FOLDER}/zoom_0.mp4 -> session s-1" in output
    assert "unmatched 2026-12-03 16.00.00 Chemistry/zoom_0.mp4" in output
    assert "1 uploaded, 1 unmatched, 0 failed" in output
    assert TOKEN not in output
    print(f"\n{SIZE // 2**20} MiB killed at byte {stopped_at}, resumed; agent peak RSS {peak} MiB")
    assert peak < 200  # chunk by chunk, never the whole file

    patches = len(tus.patches)
    third = subprocess.run(
        _agent(edge, watched, state, token_file), capture_output=True, text=True, timeout=120
    )
    assert third.returncode == 0, third.stderr
    assert (tus.created, len(tus.patches)) == (1, patches)  # nothing sent again
    ledgers = list(state.glob("*/ledger.json"))
    assert len(ledgers) == 1
    files = {f["path"]: f for f in json.loads(ledgers[0].read_text())["files"]}
    assert files[f"{FOLDER}/zoom_0.mp4"]["state"] == "uploaded"
    assert files[f"{FOLDER}/zoom_0.mp4"]["recording_id"] == f"rec-{next(iter(tus.uploads))[:8]}"
    assert files[f"{FOLDER}/zoom_0.mp4"]["sha256"] == digest
    assert TOKEN not in ledgers[0].read_text()
    assert not any(TOKEN in p.read_text() for p in state.glob("*/*.json"))


def test_a_refused_token_stops_the_agent_without_printing_it(
    server: tuple[TusServer, str], tmp_path: Path
) -> None:
    _, edge = server
    watched = tmp_path / "Zoom"
    (watched / FOLDER).mkdir(parents=True)
    (watched / FOLDER / "zoom_0.mp4").write_bytes(b"v" * 1000)
    wrong = "wrong-token-" + uuid.uuid4().hex
    env: dict[str, Any] = {**os.environ, "CLASSBRIDGE_TOKEN": wrong}
    command = _agent(edge, watched, tmp_path / "state", tmp_path / "none")
    command = [c for c in command if c not in ("--token-file", str(tmp_path / "none"))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "the edge refused the token" in done.stderr
    assert wrong not in done.stdout + done.stderr
