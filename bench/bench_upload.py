"""Manual upload through the edge (tus), end to end: a file on local disk, PATCHed through the
edge's HTTP API to recording-sync over gRPC and on into S3 (moto's server) — with the edge's
and recording-sync's peak memory printed for each size, to show it is flat whatever the size.

The stack is devstack's embedded default (scheduler, zoom-gateway, webhook-ingest and the
simulator in this process) with the edge and recording-sync marked external and run here as
processes of their own (``python -m edge serve``, ``python -m recording_sync serve``, with
exactly the settings the stack gives them, plus S3 on a fresh moto server), so each one's
memory is its own: while each upload runs, their resident set (``VmRSS`` in /proc) is sampled
every 100 ms; the peak of those samples is printed with the process's lifetime high-water mark
(``VmHWM``). Each file is written to a temporary folder first and read back from there by the
client in PATCH requests of BENCH_UPLOAD_PATCH bytes, streamed (``httpx`` with a generator);
the stored object's sha256 (recording-sync's, checked as the bytes passed) is compared with the
file's, and the upload's MiB/s (file bytes / wall time, completion on moto included) is given.

Environment: BENCH_UPLOAD_SIZES (default ``128MiB,1GiB``), BENCH_UPLOAD_PATCH (default
``256MiB``; units as zoomsim's: k/KiB, m/MiB, g/GiB). The last line reads
``edge_peak_rss_mib=<n> recording_sync_peak_rss_mib=<n>`` for the largest size. About two
minutes for the defaults on two cores, most of it moto's (it keeps objects in memory and joins
the parts of a multipart upload slowly).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

MIB = 1024 * 1024
BLOCK = 4 * MIB
_UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}


def _size(text: str) -> int:
    found = re.fullmatch(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", text.lower())
    if found is None:
        raise SystemExit(f"not a size: {text!r}")
    return int(found.group(1)) * _UNITS[found.group(2)]


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class Sampler:
    """The peak VmRSS of some processes while a block runs (sampled every 100 ms)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], _status(pid, "VmRSS"))
            await asyncio.sleep(0.1)

    async def __aenter__(self) -> Sampler:
        self.peak = dict.fromkeys(self.pids, 0)
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def _write_file(path: Path, size: int) -> str:
    """A file of ``size`` bytes an MP4 sniffer recognises; its sha256."""
    digest = hashlib.sha256()
    head = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    block = hashlib.shake_256(b"bench-upload").digest(BLOCK)
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = (head + block[len(head) :]) if written == 0 else block
            piece = piece[: size - written]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


async def _file_part(path: Path, offset: int, length: int) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        source.seek(offset)
        left = length
        while left:
            piece = await asyncio.to_thread(source.read, min(MIB, left))
            if not piece:
                return
            left -= len(piece)
            yield piece


@dataclass
class Result:
    size: int
    seconds: float
    peak_kib: dict[str, int]
    hwm_kib: dict[str, int]


async def _upload(
    edge: httpx.AsyncClient, token: str, session_id: str, path: Path, size: int, patch: int
) -> str:
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"session_id": session_id, "filename": path.name}.items()
    )
    created = await edge.post(
        "/api/v1/uploads", headers={**auth, "Upload-Length": str(size), "Upload-Metadata": meta}
    )
    if created.status_code != 201:
        raise RuntimeError(f"creation failed: {created.status_code} {created.text}")
    location = created.headers["Location"]
    offset = 0
    while offset < size:
        length = min(patch, size - offset)
        answer = await edge.patch(
            location,
            content=_file_part(path, offset, length),
            headers={
                **auth,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length),
            },
        )
        if answer.status_code != 204:
            raise RuntimeError(f"PATCH at {offset} failed: {answer.status_code} {answer.text}")
        offset = int(answer.headers["Upload-Offset"])
    shown = (await edge.get(location, headers=auth)).json()["data"]
    if shown["state"] != "completed":
        raise RuntimeError(f"the upload did not complete: {shown}")
    return str(shown["sha256"])


@contextlib.asynccontextmanager
async def _process(
    package: str, values: dict[str, Any], log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    from devstack.processes import environment

    env = {**os.environ, **environment(values), "OTEL_SDK_DISABLED": "true"}
    with log.open("ab") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            package,
            "serve",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
        )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(120):
            while True:
                line = await process.stdout.readline()
                if not line:
                    raise RuntimeError(f"{package} exited: see {log}")
                if b" ready" in line:
                    break
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 30)
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _session(edge: httpx.AsyncClient, admin: str) -> str:
    h = {"Authorization": f"Bearer {admin}"}
    course = await edge.post("/api/v1/courses", json={"title": "Bench"}, headers=h)
    batch = await edge.post(
        "/api/v1/batches",
        json={"course_id": course.json()["data"]["id"], "name": "B", "type": "group"},
        headers=h,
    )
    scheduled = await edge.post(
        f"/api/v1/batches/{batch.json()['data']['id']}/schedule",
        json={"date": "2030-01-15", "start_time": "10:00", "end_time": "11:00", "title": "L"},
        headers=h,
    )
    return str(scheduled.json()["data"]["session"]["id"])


async def run(sizes: list[int], patch: int) -> list[Result]:
    from classbridge_common.testing import moto_s3_server, unique_name
    from devstack.stack import free_port
    from devstack.testing import isolated_stack

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder, moto_s3_server() as moto:
        root = Path(folder)
        s3 = {
            "s3_endpoint_url": moto,
            "s3_bucket": unique_name("bench-upload").replace("_", "-"),
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_create_bucket": True,
            "log_level": "WARNING",
            "upload_max_bytes": 64 * 1024 * MIB,
        }
        edge_port = free_port()
        overrides = {
            "recording-sync": s3,
            "edge": {"http_port": edge_port, "log_level": "WARNING"},
        }
        async with isolated_stack(
            root / "stack", overrides=overrides, external=("recording-sync", "edge")
        ) as stack:
            log = root / "services.log"
            async with (
                _process("recording_sync", dict(stack.settings["recording-sync"]), log) as sync,
                _process("edge", dict(stack.settings["edge"]), log) as edge_process,
            ):
                pids = {"edge": edge_process.pid, "recording-sync": sync.pid}
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{edge_port}", timeout=600
                ) as edge:
                    session_id = await _session(edge, stack.token())
                    token = stack.token()
                    for size in sizes:
                        path = root / f"lesson-{size}.mp4"
                        expected = await asyncio.to_thread(_write_file, path, size)
                        async with Sampler(pids) as sampler:
                            started = time.perf_counter()
                            stored = await _upload(edge, token, session_id, path, size, patch)
                            took = time.perf_counter() - started
                        if stored != expected:
                            raise RuntimeError(f"sha256 differs: {stored} != {expected}")
                        path.unlink()
                        hwm = {n: _status(p, "VmHWM") for n, p in pids.items()}
                        results.append(Result(size, took, dict(sampler.peak), hwm))
    return results


def _mib(kib: int) -> float:
    return kib / 1024


def report(results: list[Result], patch: int) -> Iterator[str]:
    yield (
        f"manual upload through the edge (tus, PATCHes of {patch // MIB} MiB) to S3 (moto): "
        "peak resident memory of each process while the upload ran"
    )
    for r in results:
        yield (
            f"  {r.size / MIB:8.0f} MiB  {r.seconds:6.1f} s  {r.size / MIB / r.seconds:6.1f} MiB/s"
            f"  edge peak {_mib(r.peak_kib['edge']):6.1f} MiB (HWM {_mib(r.hwm_kib['edge']):.1f})"
            f"  recording-sync peak {_mib(r.peak_kib['recording-sync']):6.1f} MiB"
            f" (HWM {_mib(r.hwm_kib['recording-sync']):.1f})  sha256 verified"
        )
    last = results[-1]
    yield (
        f"edge_peak_rss_mib={_mib(last.peak_kib['edge']):.1f} "
        f"recording_sync_peak_rss_mib={_mib(last.peak_kib['recording-sync']):.1f}"
    )


def main() -> None:
    sizes = [_size(s) for s in os.environ.get("BENCH_UPLOAD_SIZES", "128MiB,1GiB").split(",")]
    patch = _size(os.environ.get("BENCH_UPLOAD_PATCH", "256MiB"))
    results = asyncio.run(run(sizes, patch))
    for line in report(results, patch):
        print(line, flush=True)


if __name__ == "__main__":
    main()
