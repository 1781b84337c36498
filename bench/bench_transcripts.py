"""A recording's text: processing a 3-hour class's transcript (2,700 WebVTT cues with speakers,
the simulator's format, plus 1,500 chat messages), timed and its peak memory traced.

Two measured sides, each interleaved round by round with its baseline so that machine noise
hits both alike (ROUNDS rounds, min/median/max of the ratio printed):

- **parse + digest** (the CPU path of ``TranscriptProcessor.outcome``): ``parse_vtt``,
  ``parse_chat`` and the offline provider's extractive summary and action items, against the
  baseline of a plain ``webvtt.from_string`` of the same file (the library alone);
- **end to end**: a whole run of the processor on the embedded default — the files read from
  local storage, parsed, digested, and the segments stored with their FTS5 index in SQLite
  (one transaction) — against the same baseline.

Peak memory is ``tracemalloc``'s peak of the Python heap during one traced run of each side
(separate from the timed runs, which tracing would slow down). Environment: BENCH_TRANSCRIPT_HOURS
(default 3), BENCH_TRANSCRIPT_ROUNDS (default 5).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import webvtt
from sqlalchemy import insert

from classbridge_common.db import create_engine, session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import make_settings
from recording_sync.adapters.ai_providers import OfflineProvider
from recording_sync.adapters.storage_local import LocalStorage
from recording_sync.adapters.tables import recording_files, recordings
from recording_sync.bootstrap import MIGRATIONS_DIR
from recording_sync.domain import extractive
from recording_sync.domain.text_files import parse_chat, parse_vtt
from recording_sync.domain.transcript import TRANSCRIPT, plain_text
from recording_sync.service_layer import processing
from recording_sync.service_layer.processing import ProcessingPolicy, TranscriptProcessor
from recording_sync.settings import Settings
from zoomsim.content import read_range

HOURS = float(os.environ.get("BENCH_TRANSCRIPT_HOURS", "3"))
ROUNDS = max(3, int(os.environ.get("BENCH_TRANSCRIPT_ROUNDS", "5")))
CUES = int(HOURS * 3600 / 4)  # the simulator: one cue every 4 s
CHATS = int(HOURS * 500)
VTT_BYTES = 8 + 160 * CUES
CHAT_BYTES = 128 * CHATS


def _baseline(vtt: str) -> int:
    return len(webvtt.from_string(vtt).captions)


def _cpu(vtt: str, chat: str) -> int:
    segments = parse_vtt(vtt, kind=TRANSCRIPT) + parse_chat(chat)
    digest = extractive.digest(segments)
    plain_text(segments)
    return len(segments) + len(digest.action_items)


def _peak(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def _apeak(fn: Callable[[], Awaitable[object]]) -> float:
    tracemalloc.start()
    try:
        await fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _ratios(label: str, base: list[float], measured: list[float]) -> None:
    ratios = [m / b for m, b in zip(measured, base, strict=True)]
    print(
        f"  {label}: {statistics.median(measured) * 1000:8.1f} ms median "
        f"(baseline {statistics.median(base) * 1000:.1f} ms); ratio min/median/max "
        f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}"
    )


class _World:
    """A migrated SQLite database, local storage holding the class's files, a processor."""

    def __init__(self, root: Path, vtt: bytes, chat: bytes) -> None:
        self.root, self.vtt, self.chat = root, vtt, chat
        self.settings = make_settings(
            Settings, service_name="recording-sync", data_dir=root / "var", files_http_port=0
        )

    async def __aenter__(self) -> _World:
        await upgrade_to_head(self.settings, MIGRATIONS_DIR)
        self.engine = create_engine(self.settings, pool_size=2, max_overflow=0)
        self.sessions = session_factory(self.engine)
        self.storage = LocalStorage(
            self.root / "storage",
            signing_key=b"bench-transcripts-key-long-enough",
            public_url="http://x",
        )
        await self.storage.__aenter__()
        self.processor = TranscriptProcessor(
            sessions=self.sessions,
            storage=self.storage,
            text_provider=OfflineProvider(),
            policy=ProcessingPolicy(max_attempts=100),
        )
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            await session.execute(
                insert(recordings).values(
                    id="rec-bench", job_id="job-bench", source="zoom_auto_sync", created_at=now
                )
            )
            for kind, body in (("transcript", self.vtt), ("chat", self.chat)):
                key = f"videos/bench/{kind}.txt"

                async def chunks(data: bytes = body) -> AsyncIterator[bytes]:
                    yield data

                await self.storage.put_stream(key, chunks(), content_type="text/plain")
                await session.execute(
                    insert(recording_files).values(
                        id=f"file-{kind}",
                        job_id="job-bench",
                        recording_id="rec-bench",
                        zoom_file_id=kind,
                        file_type=kind,
                        size_bytes=len(body),
                        storage_key=key,
                        state="stored",
                        created_at=now,
                        updated_at=now,
                    )
                )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.processor.stop()
        await self.storage.__aexit__(*exc)
        await self.engine.dispose()

    async def run_once(self) -> None:
        """One whole processing: requested, claimed, read, parsed, digested, stored."""
        async with self.sessions() as session, session.begin():
            await processing.request(
                session,
                recording_id="rec-bench",
                tenant_id="default",
                max_attempts=100,
                now=datetime.now(UTC),
            )
        claim = await self.processor.claim()
        assert claim is not None
        await self.processor.run(claim)


async def _end_to_end(vtt: str, chat: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-transcripts-") as folder:
        async with _World(Path(folder), vtt.encode(), chat.encode()) as world:
            await world.run_once()  # warm: the first run creates the rows
            base: list[float] = []
            measured: list[float] = []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                _baseline(vtt)
                base.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                await world.run_once()
                measured.append(time.perf_counter() - t0)
            _ratios("end to end (read + parse + digest + store with FTS5 index)", base, measured)
            print(f"  end to end peak memory (tracemalloc): {await _apeak(world.run_once):.1f} MiB")


def main() -> None:
    vtt = read_range("bench-transcript", VTT_BYTES, "TRANSCRIPT", 0, VTT_BYTES).decode()
    chat = read_range("bench-chat", CHAT_BYTES, "CHAT", 0, CHAT_BYTES).decode()
    print(
        f"  a {HOURS:g}-hour class: {CUES} cues ({VTT_BYTES / 2**20:.2f} MiB VTT), "
        f"{CHATS} chat messages; {ROUNDS} rounds"
    )
    assert _baseline(vtt) == CUES
    _cpu(vtt, chat)  # warm imports and regexes
    base: list[float] = []
    measured: list[float] = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        _baseline(vtt)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _cpu(vtt, chat)
        measured.append(time.perf_counter() - t0)
    _ratios("parse + digest vs plain webvtt-py parse", base, measured)
    print(
        f"  peak memory (tracemalloc): baseline {_peak(lambda: _baseline(vtt)):.1f} MiB, "
        f"parse + digest {_peak(lambda: _cpu(vtt, chat)):.1f} MiB"
    )
    asyncio.run(_end_to_end(vtt, chat))


if __name__ == "__main__":
    main()
