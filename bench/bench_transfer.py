"""recording-sync's transfer engine: Zoom file -> object storage, against raw baselines.

What is measured is production's code path: ``Downloader.open(access)`` (the Zoom simulator's
``/rec/download/{token}``, its 302, the signed URL on the simulator's CDN, which is another
host and port as by default) streamed into ``storage.put_stream(key, body, content_type=...,
expected_size=..., on_progress=...)`` of an ``S3Storage`` (a real S3-compatible server: moto's,
``python -m moto.server``, a fresh one for every S3 run) or a ``LocalStorage`` (a temp dir on
local disk), both built with the service's default settings. Each stored object's sha256 is
checked against the simulator's (``zoomsim.sha256_of``).

Cases: one file of each size in BENCH_TRANSFER_SIZES, then BENCH_TRANSFER_MULTI files at once
of BENCH_TRANSFER_MULTI_SIZE (default 512 MiB each: two and four at once move as many bytes as
the 1 GiB and 2 GiB single files) through ONE storage object in one process, as the service
copies a recording's files (``sync_file_concurrency`` = 2 by default). Every run is a fresh
process (this module with ``--worker``), which times its transfer and reports its MiB/s (all
bytes / wall time), CPU seconds and peak RSS (``ru_maxrss``).

Resume after a crash (S3 only), for the largest single size (BENCH_TRANSFER_RESUME_SIZE): in
each round, on one fresh moto server, a worker copies the file as the service does, with
``on_checkpoint`` writing each checkpoint's ``token()`` to a file atomically (temp +
``os.replace``); the parent watches that file and SIGKILLs the worker once a checkpoint's offset
reaches 90 % of the size. A fresh worker then resumes (``storage.resume(key, token)``,
``downloader.open(access, offset=resume.offset)``, ``put_stream(..., resume=...,
on_checkpoint=...)``), timed from its start of work to the stored object, whose sha256 must be
the simulator's; the bytes it downloaded are counted by it and at the simulator's CDN. Its time
is compared with that round's full transfer of the same size to S3 (goal: under 0.20). The
report splits it into the checkpoint's check, the rest's copy and the upload's completion, and
gives the full transfer's completion too: moto's CompleteMultipartUpload costs seconds per
hundred MiB of the object whoever completes it, so on moto it dominates a resume.

Baselines, run in fresh processes too and interleaved with the measured sides in every round
(the order rotates from round to round), on the same files and byte counts:

- raw download: httpx (one AsyncClient, as the Downloader) GETs the same ``download_url``,
  follows the simulator's redirect to its CDN and writes the body to /dev/null;
- raw upload: boto3 ``upload_fileobj`` with the default ``TransferConfig`` (8 MiB parts, 10
  threads) and boto3's default client settings (path-style addressing only), of a non-seekable
  stream generating the same file's bytes locally (``zoomsim.content.iter_bytes``, > 10 GB/s),
  so nothing but the upload is measured;
- raw disk: the same bytes written to a file in a temp dir, then fsync.

Each round's transfer is compared with that round's baselines: to S3 against min(raw download,
raw upload), to local disk against min(raw download, raw disk); min/median/max over rounds. The
last line reads ``ratio=<median ratio, 1 GiB to S3> rss_mib=<peak RSS, max over rounds, of the
process copying two files at once to S3>`` (when a quick configuration leaves those cases out,
the nearest one measured stands in and the line before says which).

Environment:

- BENCH_TRANSFER_SIZES: single-file sizes, default ``100MiB,1GiB,2GiB`` (units as zoomsim's
  ``--files``: k/KiB, m/MiB, g/GiB);
- BENCH_TRANSFER_ROUNDS: rounds, default 3;
- BENCH_TRANSFER_MULTI: how many files at once, default ``2,4`` (empty: none);
- BENCH_TRANSFER_MULTI_SIZE: the size of each of those files, default ``512MiB``;
- BENCH_TRANSFER_DESTS: ``s3,local`` (default), or one of them;
- BENCH_TRANSFER_RESUME: ``0`` leaves the resume case out (default ``1``; it needs ``s3``);
- S3_PART_CHECKSUM, STORAGE_PARTS_IN_FLIGHT: as for the service (defaults: ``crc32``, 4), to
  compare settings;
- BENCH_TRANSFER_RESUME_SIZE: the resumed file's size, default the largest of
  BENCH_TRANSFER_SIZES (a size not among them is added to them, for the full transfer to
  compare with).

A quick run: ``BENCH_TRANSFER_SIZES=100MiB BENCH_TRANSFER_ROUNDS=1 BENCH_TRANSFER_MULTI=2
BENCH_TRANSFER_MULTI_SIZE=100MiB make bench BENCH=transfer`` (about a minute). The full default
takes 20 to 40 minutes on two cores, most of it moto's: its server stores some 30-80 MiB/s
whoever uploads, and holds a 2 GiB object in 5-9 GB of memory while it completes the upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from urllib.parse import urlsplit

import httpx

from zoomsim import sha256_of
from zoomsim.cli import parse_size
from zoomsim.client import SimClient
from zoomsim.content import iter_bytes
from zoomsim.server import run_subprocess

if TYPE_CHECKING:  # the workers import recording_sync when they run, outside their timing
    from recording_sync.adapters.storage_base import ObjectStorage, Resume
    from recording_sync.domain.model import DownloadAccess

ROOT = Path(__file__).resolve().parents[1]  # the repository: workers run `-m bench...` there
MIB = 1 << 20
BUCKET = "bench-transfer"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"
SIGNING_KEY = b"bench-transfer-signing-key-0123456789"
SIM_ENV = {"ZOOMSIM_RATE_LIMITS": "off", "ZOOMSIM_WEBHOOKS": "[]"}
WORKER_TIMEOUT = 3600.0
KILL_AT = 0.9  # the share of the file durable when the copying worker is killed
RESUME_GOAL = 0.20  # resume time over a full copy's


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...]
    rounds: int
    multi: tuple[int, ...]
    multi_size: int
    dests: tuple[str, ...]
    resume_size: int = 0  # 0: no resume case

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        sizes = tuple(
            parse_size(s) for s in _items(env("BENCH_TRANSFER_SIZES", "100MiB,1GiB,2GiB"))
        )
        multi = tuple(int(n) for n in _items(env("BENCH_TRANSFER_MULTI", "2,4")))
        dests = tuple(_items(env("BENCH_TRANSFER_DESTS", "s3,local")))
        if not set(dests) <= {"s3", "local"} or not dests:
            raise SystemExit(f"BENCH_TRANSFER_DESTS: s3 and/or local, not {dests!r}")
        resume_size = 0
        if env("BENCH_TRANSFER_RESUME", "1").strip() not in ("0", "") and "s3" in dests:
            override = env("BENCH_TRANSFER_RESUME_SIZE", "").strip()
            resume_size = parse_size(override) if override else max(sizes, default=0)
            if resume_size and resume_size not in sizes:
                sizes = (*sizes, resume_size)  # the full transfer it is compared with
        return cls(
            resume_size=resume_size,
            sizes=sizes,
            rounds=max(1, int(env("BENCH_TRANSFER_ROUNDS", "3"))),
            multi=tuple(n for n in multi if n > 0),
            multi_size=parse_size(env("BENCH_TRANSFER_MULTI_SIZE", "512MiB")),
            dests=dests,
        )


def _items(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def human(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << (shift - 4)) == 0:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} B"


# --------------------------------------------------------------------------- the parent


@dataclass
class Case:
    """Files copied at once (one, two or four) and what every run of them measured."""

    count: int
    size: int
    files: list[dict[str, Any]] = field(default_factory=list)  # {"id", "size", "download_url"}
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # side -> per round

    @property
    def name(self) -> str:
        return human(self.size) if self.count == 1 else f"{self.count} x {human(self.size)}"

    @property
    def total(self) -> int:
        return self.count * self.size


SIDES = {  # side -> (label, destination the side belongs to, or "" for the shared download)
    "download": ("raw download (httpx)", ""),
    "upload": ("raw upload (boto3)", "s3"),
    "s3": ("transfer to S3", "s3"),
    "disk": ("raw disk write+fsync", "local"),
    "local": ("transfer to local disk", "local"),
}


async def _prepare(url: str, cases: list[Case]) -> str:
    """One recording per case, its files ready; returns an S2S token."""
    async with SimClient(url) as ctl:
        for case in cases:
            m = await ctl.create_meeting(topic=f"bench transfer {case.name}")
            await ctl.start(m["id"])
            spec = [{"file_type": "MP4", "size": case.size}] * case.count
            end = await ctl.end(m["id"], recording={"files": spec, "delay": 0})
            await ctl.recording_ready(m["id"])
            case.files = [
                {"id": f["id"], "size": f["file_size"], "download_url": f["download_url"]}
                for f in end["recording"]["files"]
            ]
    return await _token(url)


async def _token(url: str) -> str:
    """A fresh S2S access token of the simulator's first account (valid for an hour)."""
    async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url, timeout=30) as http:
        account = (await ctl.credentials())["accounts"][0]
        app = next(a for a in account["apps"] if a["kind"] == "s2s")
        r = await http.post(
            "/oauth/token",
            data={"grant_type": "account_credentials", "account_id": account["account_id"]},
            auth=(app["client_id"], app["client_secret"]),
        )
        r.raise_for_status()
        token = r.json()["access_token"]
        if not isinstance(token, str):
            raise RuntimeError("the simulator answered no access token")
        return token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def moto_server() -> Iterator[tuple[str, Callable[[], int]]]:
    """A fresh moto S3 server process with the bucket; yields (URL, its peak RSS in KiB)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **CREDENTIALS},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/moto-api/", timeout=1).status_code < 500:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto's server did not start")
            time.sleep(0.05)
        httpx.put(f"{url}/{BUCKET}", timeout=30).raise_for_status()  # CreateBucket
        yield url, lambda: _peak_rss_kib(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh process; its answer is its last stdout line (JSON). The
    spec goes on stdin: it holds a token, which has no business on a command line."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_transfer", "--worker"],
        cwd=ROOT,
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-25:])
        raise RuntimeError(f"{spec['kind']} worker failed ({done.returncode}):\n{tail}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _run_side(
    side: str, case: Case, token: str, hosts: tuple[str, str], tmp: Path
) -> dict[str, Any]:
    files = case.files
    base: dict[str, Any] = {"token": token, "hosts": list(hosts), "files": files}
    if side == "download":
        return _worker({**base, "kind": "download"})
    if side in ("upload", "s3"):
        with moto_server() as (url, moto_rss):
            kind = "upload" if side == "upload" else "transfer"
            result = _worker({**base, "kind": kind, "dest": "s3", "endpoint": url})
            result["moto_rss_kib"] = moto_rss()
    else:
        root = Path(tempfile.mkdtemp(prefix=f"{side}-", dir=tmp))
        try:
            kind = "disk" if side == "disk" else "transfer"
            result = _worker({**base, "kind": kind, "dest": "local", "root": str(root)})
        finally:
            shutil.rmtree(root, ignore_errors=True)
    if kind == "transfer":  # the copy must be Zoom's file, byte for byte
        for f, stored in zip(files, result["stored"], strict=True):
            want = sha256_of(f["id"], f["size"], "MP4")
            if stored["size"] != f["size"] or stored["sha256"] != want:
                raise RuntimeError(f"{side}: stored {stored} is not file {f['id']}")
    return result


def _checkpoint_offset(path: Path) -> int:
    """The offset of the checkpoint in `path` (-1 while there is none)."""
    from recording_sync.adapters.storage_base import Resume

    try:
        point = Resume.parse(path.read_text())
    except FileNotFoundError:
        return -1
    return -1 if point is None else point.offset


def _run_killed(spec: dict[str, Any], checkpoint: Path, kill_at: int, log: Path) -> int:
    """Start a checkpointing copy, SIGKILL it once a checkpoint reaches `kill_at` bytes;
    returns the offset of the checkpoint seen then."""
    with open(log, "w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_transfer", "--worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(spec))
            proc.stdin.close()
            deadline = time.monotonic() + WORKER_TIMEOUT
            while (offset := _checkpoint_offset(checkpoint)) < kill_at:
                if proc.poll() is not None:
                    err.seek(0)
                    tail = "\n".join(err.read().strip().splitlines()[-25:])
                    raise RuntimeError(
                        f"the copy to kill ended first ({proc.returncode}, checkpoint at "
                        f"{offset} of {kill_at} bytes):\n{tail}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError("the copy to kill reached no checkpoint in time")
                time.sleep(0.01)
        finally:
            if proc.poll() is None:
                proc.kill()  # SIGKILL: no cleanup, as a crash
            proc.wait()
    return offset


def _run_resume(
    case: Case, token: str, hosts: tuple[str, str], tmp: Path, sim: str
) -> dict[str, Any]:
    """One round of the resume case: a copy killed at KILL_AT, then resumed on the same moto."""
    f = case.files[0]
    work = Path(tempfile.mkdtemp(prefix="resume-", dir=tmp))
    checkpoint = work / "checkpoint.json"
    base: dict[str, Any] = {
        "token": token,
        "hosts": list(hosts),
        "files": [f],
        "dest": "s3",
        "key": f"resume/{f['id']}.mp4",
        "checkpoint": str(checkpoint),
    }

    async def served() -> int:
        async with SimClient(sim) as ctl:
            return await ctl.cdn_bytes_served(f["id"])

    try:
        with moto_server() as (url, moto_rss):
            spec = {**base, "kind": "checkpointed", "endpoint": url}
            kill_at = int(f["size"] * KILL_AT)
            seen = _run_killed(spec, checkpoint, kill_at, work / "killed.log")
            before = asyncio.run(served())
            result = _worker({**base, "kind": "resume", "endpoint": url})
            result["cdn_bytes"] = asyncio.run(served()) - before
            result["moto_rss_kib"] = moto_rss()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["killed_offset"] = seen
    stored, want = result["stored"], sha256_of(f["id"], f["size"], "MP4")
    if stored["size"] != f["size"] or stored["sha256"] != want:
        raise RuntimeError(f"resume: stored {stored} is not file {f['id']}")
    if not result["downloaded"] == f["size"] - result["offset"] == result["cdn_bytes"]:
        raise RuntimeError(
            f"resume from {result['offset']}: downloaded {result['downloaded']} bytes "
            f"({result['cdn_bytes']} at the CDN), not the {f['size'] - result['offset']} left"
        )
    return result


def _resume_ratios(case: Case) -> list[float]:
    """Each round's resume time over that round's full transfer of the file to S3."""
    return [
        r["seconds"] / t["seconds"]
        for r, t in zip(case.runs["resume"], case.runs["s3"], strict=True)
    ]


def _resume_ratios_uncompleted(case: Case) -> list[float]:
    """The same with the store's CompleteMultipartUpload taken out of both sides: what resuming
    itself costs against what copying costs. moto joins the parts in seconds per hundred MiB
    (S3 in well under a second), the same work after a resume as after a full copy."""
    return [
        (r["seconds"] - r["complete_s"]) / (t["seconds"] - t["complete_s"])
        for r, t in zip(case.runs["resume"], case.runs["s3"], strict=True)
    ]


def _stats(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def _fmt(values: list[float], digits: int) -> str:
    lo, mid, hi = _stats(values)
    return f"{lo:.{digits}f} / {mid:.{digits}f} / {hi:.{digits}f}"


def _ratios(case: Case, side: str) -> list[float]:
    """Each round's transfer over min(raw download, raw upload|disk) of that round."""
    other = "upload" if side == "s3" else "disk"
    return [
        t["mib_s"] / min(d["mib_s"], o["mib_s"])
        for t, d, o in zip(case.runs[side], case.runs["download"], case.runs[other], strict=True)
    ]


def _report(cases: list[Case], settings: Settings) -> None:
    print()
    print(
        f"{settings.rounds} round(s), cpus {os.cpu_count()}. MiB/s and ratio: min / median / max "
        "over rounds (ratio: the transfer over min(raw download, raw upload) for S3, over "
        "min(raw download, raw disk) for local, each round against its own baselines); "
        "peak RSS: the process's ru_maxrss, max over rounds; CPU: its seconds, median"
    )
    header = f"   {'':<24} {'MiB/s':>24} {'ratio':>20} {'peak RSS':>12} {'CPU':>7}"
    for case in cases:
        print(f"-- {case.name} ({human(case.total)} in all)")
        print(header)
        for side, (label, _dest) in SIDES.items():
            runs = case.runs.get(side)
            if not runs:
                continue
            ratios = _fmt(_ratios(case, side), 2) if side in ("s3", "local") else ""
            rss = max(r["rss_kib"] for r in runs) / 1024
            cpu = statistics.median(r["cpu_s"] for r in runs)
            line = (
                f"   {label:<24} {_fmt([r['mib_s'] for r in runs], 1):>24} {ratios:>20} "
                f"{rss:>8.1f} MiB {cpu:>6.1f}s"
            )
            if "moto_rss_kib" in runs[0]:
                moto = max(r["moto_rss_kib"] for r in runs) / 1024
                line += f"   (moto's peak RSS {moto:.0f} MiB)"
            print(line)
        if case.runs.get("resume"):
            _report_resume(case)
    resumed = next((c for c in cases if c.runs.get("resume")), None)
    if resumed is not None:
        print(_resume_line(resumed))
    # the summary line: 1 GiB to S3, and the two-files-at-once copy (the default concurrency)
    s3_single = [c for c in cases if c.count == 1 and c.runs.get("s3")]
    head = min(s3_single, key=lambda c: abs(c.size - (1 << 30)), default=None)
    pairs = [c for c in cases if c.count > 1 and c.runs.get("s3")]
    pair = min(pairs, key=lambda c: abs(c.count - 2), default=None)
    rss_case = pair or next((c for c in cases if c.runs.get("s3")), None)
    if head is None or rss_case is None:
        print("no S3 case was measured: the summary line has no figures")
        print("ratio=nan rss_mib=nan")
        return
    if head.size != 1 << 30 or rss_case is not pair or pair.count != 2:
        print(
            f"summary from the nearest cases measured: ratio of {head.name}, RSS of {rss_case.name}"
        )
    ratio = statistics.median(_ratios(head, "s3"))
    rss_mib = max(r["rss_kib"] for r in rss_case.runs["s3"]) / 1024
    print(f"ratio={ratio:.2f} rss_mib={rss_mib:.1f}")


def _report_resume(case: Case) -> None:
    runs = case.runs["resume"]
    pct = f"{KILL_AT:.0%}"
    print(f"-- {case.name} to S3, killed at {pct} and resumed (goal: ratio < {RESUME_GOAL:.2f})")
    print(f"   {'':<24} {'seconds':>24} {'ratio':>20} {'peak RSS':>12} {'CPU':>7}")
    rss = max(r["rss_kib"] for r in runs) / 1024
    cpu = statistics.median(r["cpu_s"] for r in runs)
    moto = max(r["moto_rss_kib"] for r in runs) / 1024
    print(
        f"   {'resume (from checkpoint)':<24} {_fmt([r['seconds'] for r in runs], 1):>24} "
        f"{_fmt(_resume_ratios(case), 2):>20} {rss:>8.1f} MiB {cpu:>6.1f}s"
        f"   (moto's peak RSS {moto:.0f} MiB)"
    )
    full = [t["seconds"] for t in case.runs["s3"]]
    completing = statistics.median(t["complete_s"] for t in case.runs["s3"])
    print(
        f"   {'full transfer to S3':<24} {_fmt(full, 1):>24}   (of which completing the "
        f"upload {completing:.2f} s, median)"
    )
    print(
        f"   {'without the completion':<24} {'':>24} "
        f"{_fmt(_resume_ratios_uncompleted(case), 3):>20}   (the store's join of the parts "
        "taken out of both sides)"
    )
    for rnd, r in enumerate(runs, 1):
        print(
            f"   round {rnd}: killed at checkpoint {r['killed_offset'] / MIB:.0f} MiB, resumed "
            f"from {r['offset'] / MIB:.0f} MiB, downloaded {r['downloaded'] / MIB:.1f} MiB "
            f"({r['cdn_bytes'] / MIB:.1f} MiB at the CDN); {r['seconds']:.2f} s = checkpoint "
            f"check {r['check_s']:.2f} + rest copied {r['copy_s']:.2f} + upload completed "
            f"{r['complete_s']:.2f}"
        )


def _resume_line(case: Case) -> str:
    ratios = _resume_ratios(case)
    lo, mid, hi = _stats(ratios)
    seconds = statistics.median(r["seconds"] for r in case.runs["resume"])
    full = statistics.median(t["seconds"] for t in case.runs["s3"])
    verdict = "met" if hi < RESUME_GOAL else "NOT met"
    own = statistics.median(_resume_ratios_uncompleted(case))
    return (
        f"resume {case.name} at {KILL_AT:.0%}: resume_s={seconds:.1f} full_s={full:.1f} "
        f"ratio={mid:.3f} (min {lo:.3f}, max {hi:.3f}; goal < {RESUME_GOAL:.2f}: {verdict}); "
        f"without the store's completion ratio={own:.3f}"
    )


def main() -> None:
    settings = Settings.from_env()
    cases = [Case(1, size) for size in settings.sizes]
    cases += [Case(n, settings.multi_size) for n in settings.multi]
    sides = ["download"]
    if "s3" in settings.dests:
        sides += ["upload", "s3"]
    if "local" in settings.dests:
        sides += ["disk", "local"]
    resumed = next((c for c in cases if c.count == 1 and c.size == settings.resume_size), None)
    print(
        f"cases: {', '.join(c.name for c in cases)}; destinations: {', '.join(settings.dests)}; "
        f"rounds: {settings.rounds}; resume after a crash at {KILL_AT:.0%}: "
        f"{resumed.name if resumed else 'none'}"
    )
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-transfer-")))
        url, _sim = stack.enter_context(run_subprocess(env=SIM_ENV))
        token = asyncio.run(_prepare(url, cases))

        async def cdn() -> str:
            async with SimClient(url) as ctl:
                return await ctl.cdn_base_url()

        hosts = (urlsplit(url).hostname or "", urlsplit(asyncio.run(cdn())).hostname or "")
        for case in cases:  # the expected digests, once (about 1 s per GiB)
            for f in case.files:
                sha256_of(f["id"], f["size"], "MP4")
        for rnd in range(settings.rounds):
            if rnd:
                token = asyncio.run(_token(url))
            for case in cases:
                shift = rnd % len(sides)
                for side in sides[shift:] + sides[:shift]:
                    result = _run_side(side, case, token, hosts, tmp)
                    case.runs.setdefault(side, []).append(result)
                    print(
                        f"round {rnd + 1}/{settings.rounds} {case.name:>12} "
                        f"{SIDES[side][0]:<24} {result['mib_s']:8.1f} MiB/s "
                        f"({result['seconds']:.1f} s, peak RSS {result['rss_kib'] / 1024:.1f} MiB)",
                        flush=True,
                    )
            if resumed is not None:
                result = _run_resume(resumed, token, hosts, tmp, url)
                resumed.runs.setdefault("resume", []).append(result)
                print(
                    f"round {rnd + 1}/{settings.rounds} {resumed.name:>12} "
                    f"{'resume at ' + format(KILL_AT, '.0%'):<24} {result['seconds']:8.1f} s "
                    f"(full transfer {resumed.runs['s3'][rnd]['seconds']:.1f} s, ratio "
                    f"{result['seconds'] / resumed.runs['s3'][rnd]['seconds']:.3f}; resumed "
                    f"from {result['offset'] / MIB:.0f} MiB, downloaded "
                    f"{result['downloaded'] / MIB:.1f} MiB)",
                    flush=True,
                )
    _report(cases, settings)


# --------------------------------------------------------------------------- the workers


def _peak_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measured(total: int, work: Callable[[], None]) -> dict[str, Any]:
    """Time `work` (moving `total` bytes) in this process: MiB/s, CPU seconds, peak RSS."""
    before_rss, cpu0 = _peak_kib(), _cpu()
    t0 = time.perf_counter()
    work()
    seconds = time.perf_counter() - t0
    return {
        "bytes": total,
        "seconds": seconds,
        "mib_s": total / MIB / seconds,
        "cpu_s": _cpu() - cpu0,
        "rss_before_kib": before_rss,
        "rss_kib": _peak_kib(),
    }


def _loop_run(main: Any) -> Any:
    """On uvloop when installed, as the services run."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(main)
    return uvloop.run(main)


def _storage(spec: dict[str, Any]) -> ObjectStorage:
    """The storage the service's default settings build (S3 at moto, or local disk)."""
    from recording_sync.adapters.storage_local import LocalStorage
    from recording_sync.adapters.storage_s3 import S3Storage
    from recording_sync.settings import Settings as SyncSettings

    storage: ObjectStorage
    # The service's default memory budget (STORAGE_PARTS_IN_FLIGHT may override it to compare).
    parts = int(
        os.environ.get(
            "STORAGE_PARTS_IN_FLIGHT", SyncSettings.model_fields["storage_parts_in_flight"].default
        )
    )
    if spec["dest"] == "s3":
        # as create_storage builds it: the service's default part size, the rest S3Storage's
        part_bytes = SyncSettings.model_fields["s3_multipart_chunk_bytes"].default
        storage = S3Storage(
            bucket=BUCKET,
            endpoint_url=spec["endpoint"],
            region=REGION,
            access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            part_bytes=part_bytes,
            parts_in_flight=parts,
            # S3_PART_CHECKSUM may override the default (crc32) to compare with md5
            part_checksum=os.environ.get(
                "S3_PART_CHECKSUM", SyncSettings.model_fields["s3_part_checksum"].default
            ),
        )
    else:
        storage = LocalStorage(
            Path(spec["root"]),
            signing_key=SIGNING_KEY,
            public_url="http://127.0.0.1:1",
            parts_in_flight=parts,
        )
    return storage


def _access(spec: dict[str, Any], f: dict[str, Any]) -> DownloadAccess:
    from recording_sync.domain.model import DownloadAccess

    api_host, cdn_host = spec["hosts"]
    return DownloadAccess(
        url=f["download_url"],
        token=spec["token"],
        credential_hosts=(api_host,),
        redirect_hosts=(cdn_host,),
        size=f["size"],
        extension="MP4",
    )


def _saving_checkpoints(path: Path) -> Callable[[Resume], Awaitable[None]]:
    """An on_checkpoint that writes each checkpoint's token to `path` atomically, as the
    service's row (and ``copy_file --checkpoint``) would hold it."""
    tmp = path.with_name(path.name + ".tmp")

    async def saved(point: Resume) -> None:
        tmp.write_text(point.token())
        os.replace(tmp, path)

    return saved


def work_transfer(spec: dict[str, Any]) -> dict[str, Any]:
    """Production's path: Downloader.open -> storage.put_stream, every file at once."""
    from recording_sync.adapters.downloader import Downloader

    storage = _storage(spec)
    downloader = Downloader(local_hosts=tuple(spec["hosts"]))
    calls = [0]  # on_progress calls, to show the callback ran
    written: list[float] = []  # when each file's every byte was written (its completion follows)

    async def copy(f: dict[str, Any]) -> dict[str, Any]:
        key = f"bench/{f['id']}.mp4"
        access = _access(spec, f)
        last = [0.0]

        async def on_progress(done: int) -> None:
            calls[0] += 1
            if done == f["size"]:  # the last call comes just before the upload is completed
                last[0] = time.perf_counter()

        async with downloader.open(access) as body:
            stored = await storage.put_stream(
                key,
                body,
                content_type="video/mp4",
                expected_size=f["size"],
                on_progress=on_progress,
            )
        written.append(last[0] or time.perf_counter())
        return {"key": stored.key, "size": stored.size, "sha256": stored.sha256}

    async def run() -> dict[str, Any]:
        try:
            async with storage:
                await storage.ensure_ready(create=False)
                total = sum(f["size"] for f in spec["files"])
                t0, cpu0, before = time.perf_counter(), _cpu(), _peak_kib()
                stored = await asyncio.gather(*(copy(f) for f in spec["files"]))
                end = time.perf_counter()
                seconds = end - t0
                return {
                    "bytes": total,
                    "seconds": seconds,
                    "mib_s": total / MIB / seconds,
                    "cpu_s": _cpu() - cpu0,
                    "rss_before_kib": before,
                    "rss_kib": _peak_kib(),
                    "stored": stored,
                    "progress_calls": calls[0],
                    "complete_s": end - min(written),  # the completion(s), roughly
                }
        finally:
            await downloader.close()

    result: dict[str, Any] = _loop_run(run())
    return result


def work_checkpointed(spec: dict[str, Any]) -> dict[str, Any]:
    """The service's resumable copy of one file, each checkpoint saved to spec["checkpoint"]:
    the parent SIGKILLs it part way."""
    from recording_sync.adapters.downloader import Downloader

    storage = _storage(spec)
    downloader = Downloader(local_hosts=tuple(spec["hosts"]))
    (f,) = spec["files"]
    access = _access(spec, f)

    async def on_progress(done: int) -> None:
        pass

    async def run() -> dict[str, Any]:
        try:
            async with storage:
                await storage.ensure_ready(create=False)
                async with downloader.open(access) as body:
                    stored = await storage.put_stream(
                        spec["key"],
                        body,
                        content_type="video/mp4",
                        expected_size=f["size"],
                        on_progress=on_progress,
                        on_checkpoint=_saving_checkpoints(Path(spec["checkpoint"])),
                    )
                return {"stored": {"key": stored.key, "size": stored.size}}
        finally:
            await downloader.close()

    result: dict[str, Any] = _loop_run(run())
    return result


def work_resume(spec: dict[str, Any]) -> dict[str, Any]:
    """A fresh process resumes the killed copy from its saved checkpoint, timed from its start
    of work (the storage open, as the transfer's) to the stored object."""
    from recording_sync.adapters.downloader import Downloader

    storage = _storage(spec)
    downloader = Downloader(local_hosts=tuple(spec["hosts"]))
    (f,) = spec["files"]
    access = _access(spec, f)
    checkpoint = Path(spec["checkpoint"])
    token = checkpoint.read_text()  # as the service reads the file's row
    got = [0]
    marks: dict[str, float] = {}  # phase -> perf_counter when it ended
    save = _saving_checkpoints(checkpoint)

    async def on_checkpoint(point: Resume) -> None:
        await save(point)
        if point.completing:  # every byte is written: the completion follows
            marks["written"] = time.perf_counter()

    async def counted(body: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        async for chunk in body:
            got[0] += len(chunk)
            yield chunk

    async def on_progress(done: int) -> None:
        pass

    async def run() -> dict[str, Any]:
        try:
            async with storage:
                await storage.ensure_ready(create=False)
                t0, cpu0, before = time.perf_counter(), _cpu(), _peak_kib()
                resume = await storage.resume(spec["key"], token)
                if resume is None:
                    raise RuntimeError("the store refused the checkpoint: nothing to resume")
                marks["checked"] = time.perf_counter()
                async with downloader.open(access, offset=resume.offset) as body:
                    if body.offset != resume.offset:
                        raise RuntimeError(f"asked from {resume.offset}, got from {body.offset}")
                    stored = await storage.put_stream(
                        spec["key"],
                        counted(body),
                        content_type="video/mp4",
                        expected_size=f["size"],
                        on_progress=on_progress,
                        resume=resume,
                        on_checkpoint=on_checkpoint,
                    )
                end = time.perf_counter()
                seconds = end - t0
                written = marks.get("written", end)
                return {
                    "bytes": got[0],
                    "seconds": seconds,
                    "mib_s": got[0] / MIB / seconds,
                    "cpu_s": _cpu() - cpu0,
                    "rss_before_kib": before,
                    "rss_kib": _peak_kib(),
                    "offset": resume.offset,
                    "downloaded": got[0],
                    "check_s": marks["checked"] - t0,  # storage.resume: ListParts
                    "copy_s": written - marks["checked"],  # the rest downloaded and uploaded
                    "complete_s": end - written,  # CompleteMultipartUpload
                    "stored": {"key": stored.key, "size": stored.size, "sha256": stored.sha256},
                }
        finally:
            await downloader.close()

    result: dict[str, Any] = _loop_run(run())
    return result


def work_download(spec: dict[str, Any]) -> dict[str, Any]:
    """httpx to /dev/null: the same download_url, the simulator's redirect followed."""
    headers = {"Authorization": f"Bearer {spec['token']}"}  # httpx drops it across origins

    async def one(http: httpx.AsyncClient, sink: BinaryIO, f: dict[str, Any]) -> None:
        got = 0
        async with http.stream("GET", f["download_url"], headers=headers) as r:
            r.raise_for_status()
            async for chunk in r.aiter_bytes():
                sink.write(chunk)
                got += len(chunk)
        if got != f["size"]:
            raise RuntimeError(f"downloaded {got} bytes of {f['size']}")

    async def run(sink: BinaryIO) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=60, follow_redirects=True) as http:
            total = sum(f["size"] for f in spec["files"])
            t0, cpu0, before = time.perf_counter(), _cpu(), _peak_kib()
            await asyncio.gather(*(one(http, sink, f) for f in spec["files"]))
            seconds = time.perf_counter() - t0
        return {
            "bytes": total,
            "seconds": seconds,
            "mib_s": total / MIB / seconds,
            "cpu_s": _cpu() - cpu0,
            "rss_before_kib": before,
            "rss_kib": _peak_kib(),
        }

    with open(os.devnull, "wb") as sink:
        result: dict[str, Any] = _loop_run(run(sink))
    return result


class GeneratedFile:
    """A non-seekable, readable stream of a simulator file's bytes, generated here: `read(n)`
    answers exactly n bytes until the end (as a socket-backed stream read to the full would)."""

    def __init__(self, file_id: str, size: int) -> None:
        self._chunks = iter_bytes(file_id, size, "MP4")
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        parts: list[bytes] = []
        want = n if n >= 0 else 1 << 62
        while want > 0:
            if self._pos >= len(self._buf):
                nxt = next(self._chunks, None)
                if nxt is None:
                    break
                self._buf, self._pos = nxt, 0
            take = self._buf[self._pos : self._pos + want]
            self._pos += len(take)
            want -= len(take)
            parts.append(take)
        return b"".join(parts)


def work_upload(spec: dict[str, Any]) -> dict[str, Any]:
    """boto3's upload_fileobj, default TransferConfig, one thread per file."""
    import concurrent.futures

    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=spec["endpoint"],
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}),
    )

    def one(f: dict[str, Any]) -> None:
        stream = cast(BinaryIO, GeneratedFile(f["id"], f["size"]))  # read() is all it needs
        client.upload_fileobj(stream, BUCKET, f"raw/{f['id']}.mp4")

    def run() -> None:
        with concurrent.futures.ThreadPoolExecutor(len(spec["files"])) as pool:
            for fut in [pool.submit(one, f) for f in spec["files"]]:
                fut.result()

    result = _measured(sum(f["size"] for f in spec["files"]), run)
    for f in spec["files"]:
        head = client.head_object(Bucket=BUCKET, Key=f"raw/{f['id']}.mp4")
        if head["ContentLength"] != f["size"]:
            raise RuntimeError(f"uploaded {head['ContentLength']} bytes of {f['size']}")
    return result


def work_disk(spec: dict[str, Any]) -> dict[str, Any]:
    """The same bytes written to files in a temp dir and fsync'ed, one thread per file."""
    import concurrent.futures

    root = Path(spec["root"])

    def one(f: dict[str, Any]) -> None:
        path = root / f"{f['id']}.mp4"
        with open(path, "wb", buffering=0) as out:
            for chunk in iter_bytes(f["id"], f["size"], "MP4"):
                view = memoryview(chunk)
                while view:
                    view = view[out.write(view) or 0 :]
            os.fsync(out.fileno())

    def run() -> None:
        with concurrent.futures.ThreadPoolExecutor(len(spec["files"])) as pool:
            for fut in [pool.submit(one, f) for f in spec["files"]]:
                fut.result()

    return _measured(sum(f["size"] for f in spec["files"]), run)


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "transfer": work_transfer,
    "checkpointed": work_checkpointed,
    "resume": work_resume,
    "download": work_download,
    "upload": work_upload,
    "disk": work_disk,
}


def worker_main() -> int:
    spec = json.loads(sys.stdin.read())
    result = WORKERS[spec["kind"]](spec)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        raise SystemExit(worker_main())
    main()
