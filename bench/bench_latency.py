"""End-to-end latency through the edge (issue 17, item 4), on the embedded default and with each
service as its own process on PostgreSQL and RabbitMQ.

1. **Zoom's events to what a teacher sees.** 50 classes are scheduled through the edge first,
   each with its Zoom meeting (a course, a batch, one session a day; not timed), then, one meeting
   at a time: the simulator is told to start it (``POST /_sim/meetings/{id}/start``: it sends
   the signed ``meeting.started`` to the webhook URL the stack configured) and the edge is polled
   (``GET /api/v1/sessions/{id}``) until the session's status is ``in_progress``; then the
   simulator ends it with a recording of one 5 MiB MP4 at once (``recording={files, delay: 0}``:
   ``recording.stopped``, ``meeting.ended`` and ``recording.completed``) and the edge is polled
   (``GET /api/v1/sessions/{id}/recorded-lessons``) until the lesson is listed. Polling: one GET,
   then a 5 ms sleep, again (the figures are at most a poll round trip plus 5 ms late; the round
   trip is printed). p50/p95/max over the meetings, after two warm-up meetings left out, timed
   from the simulator call; beside them the same from the moment the simulator sent the event
   (its delivery's first attempt), and the median time each stage was reached: the simulator
   sent the event, webhook-ingest received and published it (its admin API), the service applied
   it (the session's ``update_time``; recording-sync's ``sync_time`` and the lesson's
   ``create_time``), the poll saw it. All clocks are this machine's.
2. **CreateMeeting through the edge against Zoom directly.** Scheduling a class with its meeting
   (``POST /api/v1/batches/{id}/schedule``, ``create_zoom_meeting``: edge, scheduler,
   zoom-gateway, the simulator) interleaved call by call with the same meeting created directly
   at the simulator (``POST /v2/users/me/meetings`` with an account token), the order alternating,
   50 pairs a round after 5 warm-up pairs, 3 rounds: p50/p95 of each and of the per-call
   difference (edge minus direct) per round and over all calls. Both paths pay the simulator's
   own write time once (its ``write_hold_seconds``, 50 ms, most of the direct call).
3. The goals of the issue beside the figures, and a last line ``latency started_p95_ms=<x>
   lesson_p95_ms=<y> schedule_overhead_p50_ms=<z>`` (timed from the simulator calls; the
   separate-process figures where measured, else the embedded ones; the line before says which).

Stacks (``bench._stack``): the embedded default as `make run` runs it (uvloop, SQLite, the
in-process bus, local disk, the simulator in the same process) in a child process, and a
process per service (``python -m <service> serve``, as devstack's process mode) with the
simulator in its own process, on ``DATABASE_URL`` (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test, schemas of its own) and ``AMQP_URL`` (default
amqp://guest:guest@127.0.0.1:5672/, an exchange and queues of its own). Both on the services'
default settings except: the simulator's rate limits off, its at-least-once delivery
(duplicated and held-back webhooks, up to 1 s) off, and zoom-gateway's per-host daily meeting
quota raised (the run creates a few hundred meetings for one host). Webhooks go where devstack
points the simulator: webhook-ingest's own ``/zoom/webhook``.

Environment (defaults in brackets):

- ``BENCH_LATENCY_TIERS`` [embedded,processes]: the stacks measured, in order;
- ``BENCH_LATENCY_MEETINGS`` [50]: meetings timed per stack (plus ``BENCH_LATENCY_WARMUP`` [2]);
- ``BENCH_LATENCY_CALLS`` [50] and ``BENCH_LATENCY_ROUNDS`` [3]: CreateMeeting pairs per round
  and rounds; ``BENCH_LATENCY_SCHEDULE_TIERS`` [all measured]: the stacks where it is measured
  (``none``: nowhere);
- ``BENCH_LATENCY_POLL_MS`` [5]: the sleep between polls; ``BENCH_LATENCY_SETTLE_MS`` [200]: the
  pause after each figure before the next step (the stack finishes the meeting's other events);
- ``BENCH_LATENCY_FILE_BYTES`` [5242880]: the recording's size;
- ``BENCH_LATENCY_WEBHOOKS`` [direct]: ``edge`` sends the webhooks to the edge's forwarding
  route (``/api/zoom/webhook``) instead;
- ``BENCH_LATENCY_AT_LEAST_ONCE`` [0]: 1 keeps the simulator's at-least-once delivery on;
- service settings may be changed through their environment variables as usual (e.g.
  ``WEBHOOK_RELAY_POLL_INTERVAL_SECONDS``), which both stacks read.

A quick run (about a minute): ``BENCH_LATENCY_MEETINGS=5 BENCH_LATENCY_TIERS=embedded
BENCH_LATENCY_CALLS=10 BENCH_LATENCY_ROUNDS=1 make bench BENCH=latency``. The full run takes
four minutes on an idle machine, ten on a busy one. Two cores shared with the load generator,
every service, PostgreSQL and RabbitMQ (and whatever else runs): the figures are indicative.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, cast

import httpx

from bench import _stack

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
TIERS = ("embedded", "processes")
LABELS = {
    "embedded": "embedded default",
    "processes": "a process per service, PostgreSQL + RabbitMQ",
}
GOAL_OVERHEAD_P50_MS = 5.0
GOAL_STARTED_P95_MS = 100.0
GOAL_LESSON_P95_MS = 300.0
WAIT_S = 60.0  # a figure never reached in this long is an error
SCHEDULE_WARMUP = 5
FIRST_DAY = date(2030, 1, 1)

STARTED_STAGES = (
    ("sent", "simulator sent meeting.started"),
    ("received", "webhook-ingest received it"),
    ("published", "webhook-ingest published it"),
    ("applied", "scheduler updated the session"),
    ("visible", "the edge showed in_progress"),
)
LESSON_STAGES = (
    ("sent", "simulator sent recording.completed"),
    ("received", "webhook-ingest received it"),
    ("published", "webhook-ingest published it"),
    ("synced", "recording-sync stored the copy"),
    ("applied", "scheduler created the lesson"),
    ("visible", "the edge listed the lesson"),
)


# --- configuration ---------------------------------------------------------------------------


def _int(name: str, default: int, minimum: int = 0) -> int:
    value = int(os.environ.get(name) or default)
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}")
    return value


def _tiers(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if not raw:
        return default
    if raw.strip() == "none":
        return ()
    tiers = tuple(t.strip() for t in raw.split(",") if t.strip())
    unknown = [t for t in tiers if t not in TIERS]
    if unknown:
        raise SystemExit(f"{name}: unknown {unknown}; choose among {', '.join(TIERS)}")
    return tiers


@dataclass(frozen=True)
class Config:
    tiers: tuple[str, ...]
    schedule_tiers: tuple[str, ...]
    meetings: int
    warmup: int
    calls: int
    rounds: int
    poll_s: float
    settle_s: float
    file_bytes: int
    webhooks: _stack.Webhooks
    at_least_once: bool
    database_url: str
    amqp_url: str

    @classmethod
    def from_env(cls) -> Config:
        tiers = _tiers("BENCH_LATENCY_TIERS", TIERS)
        webhooks = os.environ.get("BENCH_LATENCY_WEBHOOKS") or "direct"
        if webhooks not in ("direct", "edge"):
            raise SystemExit("BENCH_LATENCY_WEBHOOKS must be direct or edge")
        return cls(
            tiers=tiers,
            schedule_tiers=_tiers("BENCH_LATENCY_SCHEDULE_TIERS", tiers),
            meetings=_int("BENCH_LATENCY_MEETINGS", 50, 1),
            warmup=_int("BENCH_LATENCY_WARMUP", 2),
            calls=_int("BENCH_LATENCY_CALLS", 50, 1),
            rounds=_int("BENCH_LATENCY_ROUNDS", 3, 1),
            poll_s=_int("BENCH_LATENCY_POLL_MS", 5) / 1000,
            settle_s=_int("BENCH_LATENCY_SETTLE_MS", 200) / 1000,
            file_bytes=_int("BENCH_LATENCY_FILE_BYTES", 5 * 1024 * 1024, 1),
            webhooks=cast(_stack.Webhooks, webhooks),
            at_least_once=os.environ.get("BENCH_LATENCY_AT_LEAST_ONCE", "0") not in ("", "0"),
            database_url=os.environ.get("DATABASE_URL") or DEFAULT_DB,
            amqp_url=os.environ.get("AMQP_URL") or DEFAULT_AMQP,
        )

    def overrides(self) -> dict[str, dict[str, Any]]:
        meetings = (self.meetings + self.warmup) + self.rounds * (self.calls + SCHEDULE_WARMUP)
        return {"zoom-gateway": {"zoom_host_daily_limit": max(1000, 2 * meetings)}}


# --- figures ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    if not values:
        return "no values"
    return (
        f"p50 {statistics.median(values):7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms  "
        f"max {max(values):7.1f} ms"
    )


def _instant(stamp: object) -> float | None:
    """Epoch seconds of an RFC 3339 instant of the API (None when absent)."""
    if not isinstance(stamp, str) or not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@dataclass
class Timed:
    """One figure of one meeting: ms from the simulator call, and wall-clock stage times."""

    ms: float
    called_at: float  # time.time() just before the simulator call
    stages: dict[str, float | None] = field(default_factory=dict)  # epoch seconds

    def since_call(self, stage: str) -> float | None:
        at = self.stages.get(stage)
        return None if at is None else (at - self.called_at) * 1000

    def from_sent(self) -> float | None:
        sent = self.since_call("sent")
        return None if sent is None else self.ms - sent


@dataclass
class TierResult:
    tier: str
    shape: str
    webhook_url: str
    started: list[Timed] = field(default_factory=list)
    lessons: list[Timed] = field(default_factory=list)
    poll_rtt_ms: list[float] = field(default_factory=list)
    rounds: list[tuple[list[float], list[float]]] = field(default_factory=list)  # edge, direct
    raw_download_ms: list[float] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # the stack's log, by count
    error: str = ""

    def overheads(self) -> list[list[float]]:
        return [[e - d for e, d in zip(edge, direct, strict=True)] for edge, direct in self.rounds]

    def overhead_p50(self) -> float | None:
        rounds = self.overheads()
        return statistics.median(statistics.median(r) for r in rounds) if rounds else None


# --- driving the stack -----------------------------------------------------------------------


def _data(answer: httpx.Response, status: int = 200) -> Any:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.request.method} {answer.request.url.path}: {answer.text}")
    return answer.json()["data"]


async def _batch(edge: httpx.AsyncClient, title: str) -> str:
    course = _data(await edge.post("/api/v1/courses", json={"title": title}), 201)
    batch = await edge.post(
        "/api/v1/batches", json={"course_id": course["id"], "name": "Batch 1", "type": "group"}
    )
    return str(_data(batch, 201)["id"])


async def _schedule(edge: httpx.AsyncClient, batch_id: str, day: date) -> tuple[str, int]:
    """One class 10:00-11:00 on ``day`` with its Zoom meeting: (session id, meeting id)."""
    answer = await edge.post(
        f"/api/v1/batches/{batch_id}/schedule",
        json={
            "date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Lesson",
            "create_zoom_meeting": True,
        },
    )
    data = _data(answer, 201)
    if not data["zoom_meeting"]:
        raise RuntimeError(f"scheduled without a Zoom meeting: {data['warnings']}")
    return str(data["session"]["id"]), int(data["zoom_meeting"]["id"])


async def _poll(
    edge: httpx.AsyncClient,
    path: str,
    ready: Callable[[Any], bool],
    since: float,
    interval: float,
    rtts: list[float],
) -> tuple[float, Any]:
    """GET ``path`` every ``interval`` until ``ready(data)``: (ms since ``since``, data)."""
    while True:
        sent = time.perf_counter()
        answer = await edge.get(path)
        now = time.perf_counter()
        rtts.append((now - sent) * 1000)
        if answer.status_code == 200:
            data = answer.json()["data"]
            if ready(data):
                return (now - since) * 1000, data
        elif answer.status_code != 404:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text}")
        if now - since > WAIT_S:
            raise RuntimeError(f"GET {path} never showed the change in {WAIT_S:.0f} s")
        await asyncio.sleep(interval)


async def _sim_call(
    zoom: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None
) -> tuple[float, float]:
    """POST a simulator control call: (time.time(), perf_counter()) just before it."""
    called_at, since = time.time(), time.perf_counter()
    answer = await zoom.post(path, json=body or {})
    if answer.status_code >= 400:
        raise RuntimeError(f"simulator {path}: {answer.status_code} {answer.text}")
    return called_at, since


async def _paged(edge: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[Any]:
    items: list[Any] = []
    token = ""
    while True:
        answer = await edge.get(path, params={**params, "page_size": "100", "page_token": token})
        body = answer.json()
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.text}")
        items.extend(body["data"])
        token = body.get("next_page_token") or ""
        if not token:
            return items


async def _sent_at(zoom: httpx.AsyncClient, event: str) -> dict[int, float]:
    """The first attempt of each delivery of ``event`` by meeting id (the simulator's clock)."""
    answer = await zoom.get("/deliveries", params={"event": event})
    result: dict[int, float] = {}
    for delivery in answer.json()["deliveries"]:
        meeting = json.loads(delivery["body"])["payload"]["object"]
        meeting_id = int(meeting.get("id") or meeting.get("meeting_id") or 0)
        if delivery["attempts"] and meeting_id not in result:
            result[meeting_id] = float(delivery["attempts"][0]["at"])
    return result


async def _ingested(edge: httpx.AsyncClient, event: str) -> dict[int, tuple[float | None, ...]]:
    """webhook-ingest's receive and publish times of ``event`` by meeting id (the first)."""
    events = await _paged(edge, "/api/v1/admin/webhook-events", {"event_type": event})
    result: dict[int, tuple[float | None, ...]] = {}
    for e in sorted(events, key=lambda e: str(e.get("receive_time"))):
        meeting_id = int(e.get("meeting_id") or 0)
        if meeting_id not in result:
            result[meeting_id] = (_instant(e.get("receive_time")), _instant(e.get("publish_time")))
    return result


@asynccontextmanager
async def _clients(stack: _stack.RunningStack) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    headers = {"Authorization": f"Bearer {stack.token()}"}
    limits = httpx.Limits(max_keepalive_connections=10)
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, headers=headers, timeout=30) as edge,
        httpx.AsyncClient(base_url=stack.sim_url + "/_sim", timeout=30) as zoom,
        httpx.AsyncClient(base_url=stack.sim_url, timeout=30, limits=limits) as direct,
    ):
        yield edge, zoom, direct


async def meetings(
    config: Config, result: TierResult, edge: httpx.AsyncClient, zoom: httpx.AsyncClient
) -> int:
    """Part 1: schedule every class, then time each meeting's start and recording; answers
    the last meeting's id."""
    batch_id = await _batch(edge, "Latency")
    classes = [
        await _schedule(edge, batch_id, FIRST_DAY + timedelta(days=i))
        for i in range(config.warmup + config.meetings)
    ]
    recording = {
        "files": [{"file_type": "MP4", "size": config.file_bytes}],
        "delay": 0,
    }
    timed: list[tuple[int, Timed, Timed]] = []
    for session_id, meeting_id in classes:
        called_at, since = await _sim_call(zoom, f"/meetings/{meeting_id}/start")
        ms, session = await _poll(
            edge,
            f"/api/v1/sessions/{session_id}",
            lambda s: s.get("status") == "in_progress",
            since,
            config.poll_s,
            result.poll_rtt_ms,
        )
        started = Timed(ms, called_at, {"applied": _instant(session.get("update_time"))})
        await asyncio.sleep(config.settle_s)
        called_at, since = await _sim_call(
            zoom, f"/meetings/{meeting_id}/end", {"recording": recording}
        )
        ms, lessons = await _poll(
            edge,
            f"/api/v1/sessions/{session_id}/recorded-lessons",
            lambda rows: any(r.get("source") == "zoom_auto_sync" for r in rows),
            since,
            config.poll_s,
            result.poll_rtt_ms,
        )
        lesson = next(r for r in lessons if r.get("source") == "zoom_auto_sync")
        info = lesson.get("zoom_recording_info") or {}
        stages = {
            "synced": _instant(info.get("sync_time")),
            "applied": _instant(lesson.get("create_time")),
        }
        timed.append((meeting_id, started, Timed(ms, called_at, stages)))
        await asyncio.sleep(config.settle_s)
    for event, index in (("meeting.started", 1), ("recording.completed", 2)):
        sent = await _sent_at(zoom, event)
        ingested = await _ingested(edge, event)
        for row in timed:
            figure = cast(Timed, row[index])
            figure.stages["sent"] = sent.get(row[0])
            received, published = ingested.get(row[0], (None, None))
            figure.stages["received"] = received
            figure.stages["published"] = published
    for _, started, lesson in timed[config.warmup :]:
        started.stages["visible"] = started.called_at + started.ms / 1000
        lesson.stages["visible"] = lesson.called_at + lesson.ms / 1000
        result.started.append(started)
        result.lessons.append(lesson)
    return classes[-1][1]


async def raw_download(
    result: TierResult, direct: httpx.AsyncClient, token: str, meeting_id: int, times: int = 5
) -> None:
    """The recording of ``meeting_id`` fetched with bare httpx as recording-sync fetches it (its
    ``download_url`` with the account's token, following the redirect to the simulator's CDN)."""
    headers = {"Authorization": f"Bearer {token}"}
    answer = await direct.get(f"/v2/meetings/{meeting_id}/recordings", headers=headers)
    answer.raise_for_status()
    url = next(
        f["download_url"] for f in answer.json()["recording_files"] if f["file_type"] == "MP4"
    )
    for _ in range(times):
        t0 = time.perf_counter()
        async with direct.stream("GET", url, headers=headers, follow_redirects=True) as body:
            body.raise_for_status()
            async for _chunk in body.aiter_raw():
                pass
        result.raw_download_ms.append((time.perf_counter() - t0) * 1000)


def log_warnings(log: Path) -> list[tuple[int, str]]:
    """The stack's warning and error log lines, grouped by logger and message (most first)."""
    counts: dict[str, int] = {}
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            key = f"{record.get('level')} {record.get('logger')}: {record.get('message')}"[:160]
            counts[key] = counts.get(key, 0) + 1
    return sorted(((n, key) for key, n in counts.items()), reverse=True)


async def _account_token(sim_url: str, direct: httpx.AsyncClient) -> str:
    from zoomsim.client import SimClient

    async with SimClient(sim_url) as sim:
        account = (await sim.credentials())["accounts"][0]
    app = next(a for a in account["apps"] if a["kind"] == "s2s")
    answer = await direct.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": account["account_id"]},
        auth=(app["client_id"], app["client_secret"]),
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


async def create_meetings(
    config: Config,
    result: TierResult,
    edge: httpx.AsyncClient,
    direct: httpx.AsyncClient,
    token: str,
    first_day: date,
) -> None:
    """Part 2: CreateMeeting through the edge against the simulator directly, pair by pair."""
    headers = {"Authorization": f"Bearer {token}"}
    day = first_day

    async def through_edge(batch_id: str) -> float:
        nonlocal day
        day += timedelta(days=1)
        t0 = time.perf_counter()
        await _schedule(edge, batch_id, day)
        return (time.perf_counter() - t0) * 1000

    async def directly() -> float:
        nonlocal day
        day += timedelta(days=1)
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
        body = {
            "topic": "Latency - Lesson",
            "type": 2,
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": 60,
            "timezone": "UTC",
            "settings": {"auto_recording": "cloud"},
        }
        t0 = time.perf_counter()
        answer = await direct.post("/v2/users/me/meetings", json=body, headers=headers)
        ms = (time.perf_counter() - t0) * 1000
        if answer.status_code != 201:
            raise RuntimeError(f"direct create: {answer.status_code} {answer.text}")
        return ms

    for number in range(config.rounds):
        batch_id = await _batch(edge, f"CreateMeeting round {number + 1}")
        for _ in range(SCHEDULE_WARMUP):
            await through_edge(batch_id)
            await directly()
        via_edge: list[float] = []
        via_sim: list[float] = []
        for i in range(config.calls):
            if i % 2 == 0:
                via_edge.append(await through_edge(batch_id))
                via_sim.append(await directly())
            else:
                via_sim.append(await directly())
                via_edge.append(await through_edge(batch_id))
        result.rounds.append((via_edge, via_sim))


async def measure(stack: _stack.RunningStack, config: Config, result: TierResult) -> None:
    async with _clients(stack) as (edge, zoom, direct):
        if not config.at_least_once:
            answer = await zoom.patch("/fidelity", json={"webhook_at_least_once": False})
            answer.raise_for_status()
        print(f"  {result.tier}: stack up; timing {config.meetings} meetings", flush=True)
        last_meeting = await meetings(config, result, edge, zoom)
        token = await _account_token(stack.sim_url, direct)
        await raw_download(result, direct, token, last_meeting)
        if result.tier in config.schedule_tiers:
            print(f"  {result.tier}: CreateMeeting, {config.rounds} rounds", flush=True)
            last = FIRST_DAY + timedelta(days=config.warmup + config.meetings + 1)
            await create_meetings(config, result, edge, direct, token, last)
    result.warnings = log_warnings(stack.log)


def run_tier(tier: str, config: Config) -> TierResult:
    """Start the tier's stack in a temporary directory, measure, stop everything."""
    from devstack.__main__ import run_loop

    overrides = config.overrides()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        data_dir = Path(tmp)
        if tier == "embedded":
            with _stack.embedded(data_dir, overrides=overrides, webhooks=config.webhooks) as stack:
                result = TierResult(tier, stack.shape, stack.webhook_url)
                run_loop(measure(stack, config, result))
                return result

        async def separate() -> TierResult:
            async with _stack.processes(
                data_dir,
                database_url=config.database_url,
                amqp_url=config.amqp_url,
                overrides=overrides,
                webhooks=config.webhooks,
            ) as stack:
                result = TierResult(tier, stack.shape, stack.webhook_url)
                await measure(stack, config, result)
                return result

        return run_loop(separate())


# --- the report ------------------------------------------------------------------------------


def _stage_line(figures: list[Timed], stages: tuple[tuple[str, str], ...]) -> list[str]:
    lines = []
    for key, label in stages:
        values = [v for f in figures if (v := f.since_call(key)) is not None]
        if values:
            lines.append(f"      {statistics.median(values):7.1f} ms  {label}")
        else:
            lines.append(f"            -  {label} (not known)")
    return lines


def report_tier(result: TierResult, config: Config) -> None:
    print(f"-- {LABELS[result.tier]}: {result.shape}")
    print(f"   webhooks to {result.webhook_url.split('/', 3)[-1]!r} (path) of the stack")
    if result.error:
        print(f"   not measured: {result.error}")
        return
    rtt = statistics.median(result.poll_rtt_ms) if result.poll_rtt_ms else float("nan")
    print(
        f"   {len(result.started)} meetings after {config.warmup} warm-up; the edge polled "
        f"every {config.poll_s * 1000:.0f} ms (GET, then a {config.poll_s * 1000:.0f} ms "
        f"sleep; a poll's round trip p50 {rtt:.1f} ms, p95 "
        f"{percentile(result.poll_rtt_ms, 0.95):.1f} ms)"
    )
    mib = config.file_bytes / 1024 / 1024
    for title, figures, stages in (
        ("meeting.started -> status in_progress at the edge", result.started, STARTED_STAGES),
        (
            f"recording.completed (one {mib:g} MiB MP4) -> lesson listed at the edge",
            result.lessons,
            LESSON_STAGES,
        ),
    ):
        print(f"   {title}")
        print(f"     from the simulator call         : {summary([f.ms for f in figures])}")
        sent = [v for f in figures if (v := f.from_sent()) is not None]
        print(f"     from the simulator sending event: {summary(sent)}")
        print("     stages, median ms after the simulator call:")
        for line in _stage_line(figures, stages):
            print(line)
    if result.tier == "embedded":
        print(
            "   (the in-process bus confirms a publication once every consumer has handled it: "
            "webhook-ingest marks it published after the scheduler applied it)"
        )
    if result.raw_download_ms:
        print(
            f"   the same {mib:g} MiB fetched with bare httpx from the simulator (its download_url,"
            f" the CDN redirect): {summary(result.raw_download_ms)}"
        )
    if result.rounds:
        print(
            f"   CreateMeeting: {len(result.rounds)} rounds x {len(result.rounds[0][0])} calls "
            f"each way, interleaved call by call (order alternating), after "
            f"{SCHEDULE_WARMUP} warm-up pairs a round"
        )
        for number, ((edge, direct), diff) in enumerate(
            zip(result.rounds, result.overheads(), strict=True), start=1
        ):
            print(f"     round {number}: schedule through the edge {summary(edge)}")
            print(f"              simulator directly        {summary(direct)}")
            print(f"              per-call difference       {summary(diff)}")
        every = [d for r in result.overheads() for d in r]
        p50s = [statistics.median(r) for r in result.overheads()]
        print(f"     all calls: per-call difference      {summary(every)}")
        print(
            f"     per-round p50 of the difference: min {min(p50s):.1f}  median "
            f"{statistics.median(p50s):.1f}  max {max(p50s):.1f} ms"
        )
    report_warnings(result)


def report_warnings(result: TierResult) -> None:
    total = sum(n for n, _ in result.warnings)
    print(f"   the stack logged {total} warning/error lines" + (":" if total else ""))
    for n, line in result.warnings[:5]:
        print(f"     {n:5} x {line}")


def _verdict(value: float | None, goal: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value < goal else "NOT met"


def report(results: list[TierResult], config: Config) -> None:
    measured = {r.tier: r for r in results if not r.error}

    def pick(has: Callable[[TierResult], bool]) -> TierResult | None:
        for tier in ("processes", "embedded"):
            r = measured.get(tier)
            if r is not None and has(r):
                return r
        return None

    meet = pick(lambda r: bool(r.started))
    sched = pick(lambda r: bool(r.rounds))
    started = percentile([f.ms for f in meet.started], 0.95) if meet else None
    lesson = percentile([f.ms for f in meet.lessons], 0.95) if meet else None
    overhead = sched.overhead_p50() if sched else None

    def each(fn: Callable[[TierResult], float | None]) -> str:
        parts = []
        for r in results:
            value = None if r.error else fn(r)
            parts.append(f"{r.tier} {'-' if value is None else f'{value:.1f}'}")
        return ", ".join(parts)

    def p95(figures: list[Timed]) -> float | None:
        return percentile([f.ms for f in figures], 0.95) if figures else None

    print("== goals (issue 17); indicative figures: 2 cores shared by everything here")
    rows = (
        (
            "scheduling with a meeting adds over the direct call, p50",
            each(TierResult.overhead_p50),
            f"< {GOAL_OVERHEAD_P50_MS:g} ms",
            _verdict(overhead, GOAL_OVERHEAD_P50_MS),
            sched,
        ),
        (
            "meeting.started -> status visible, p95",
            each(lambda r: p95(r.started)),
            f"< {GOAL_STARTED_P95_MS:g} ms",
            _verdict(started, GOAL_STARTED_P95_MS),
            meet,
        ),
        (
            "recording.completed -> lesson visible, p95",
            each(lambda r: p95(r.lessons)),
            f"< {GOAL_LESSON_P95_MS:g} ms",
            _verdict(lesson, GOAL_LESSON_P95_MS),
            meet,
        ),
    )
    for label, figures, goal, verdict, source in rows:
        on = f"on {source.tier}" if source else ""
        print(f"  {label:58} {figures:34} goal {goal:9} ({verdict} {on})".rstrip())
    print("  (the goals for the last two are with each service its own process on PostgreSQL")
    print("   and RabbitMQ; all figures timed from the simulator call, ms)")

    def fmt(value: float | None) -> str:
        return "nan" if value is None else f"{value:.1f}"

    print(
        f"headline: started/lesson from {meet.tier if meet else 'nothing'}, "
        f"schedule overhead from {sched.tier if sched else 'nothing'} "
        f"({'separate processes' if sched and sched.tier == 'processes' else 'embedded'})"
    )
    print(
        f"latency started_p95_ms={fmt(started)} lesson_p95_ms={fmt(lesson)} "
        f"schedule_overhead_p50_ms={fmt(overhead)}"
    )


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds: every stack is stopped and removed


def main() -> None:
    config = Config.from_env()
    previous = signal.signal(signal.SIGTERM, _terminate)
    print(
        f"tiers {', '.join(config.tiers)}; {config.meetings} meetings each; CreateMeeting "
        f"{config.rounds} x {config.calls} on {', '.join(config.schedule_tiers) or 'none'}; "
        f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: list[TierResult] = []
    try:
        for tier in config.tiers:
            t0 = time.perf_counter()
            try:
                result = run_tier(tier, config)
            except Exception as error:
                # One stack failing (e.g. no PostgreSQL here) still reports the others; it has
                # been stopped and removed by then.
                result = TierResult(tier, "", "", error=f"{type(error).__name__}: {error}")
            results.append(result)
            print(f"  {tier}: done in {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    for result in results:
        report_tier(result, config)
    report(results, config)


if __name__ == "__main__":
    main()
