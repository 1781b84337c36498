"""Processing a recording's text after it synced: segments, summary, action items, index.

Each recording has one ``recording_processing`` row, its status (seed 003's
``processing_status``). ``recording.synced`` (and a replay, and Zoom's summary arriving)
marks it pending in the consumer's transaction (:func:`request`); the processor then runs it
in the background — its own tasks, its own units of work — so the sync never waits for it:

1. **claim** the due row (a conditional update on its ``version``: one worker wins), with a
   lease, counting the attempt;
2. **read** the recording's stored text files (transcript, captions, chat, Zoom's summary
   file) from storage, parse them; with no Zoom transcript, ask the speech provider (if any)
   to transcribe the audio and store the WebVTT it yields beside the recording;
3. **digest**: Zoom's own summary when the meeting has one, else the text provider's;
4. **finish**: replace the segments and their full-text index, store the text, summary and
   action items, ``completed`` — in one transaction, and only while the claim is still the
   row's (a newer request wins, and runs again).

A failure anywhere is stored as ``failed`` with a safe message and retried with exponential
backoff until the attempts are used up; nothing about the recording itself changes, so it
stays playable. A worker that dies leaves its lease to run out; the next poll takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.tenancy import Scoped, TenantScope
from recording_sync.adapters import transcript_search
from recording_sync.adapters.ai_providers import ProviderError, SpeechProvider, TextProvider
from recording_sync.adapters.repository import rowcount
from recording_sync.adapters.storage_base import ObjectStorage, StorageError, read_object
from recording_sync.adapters.sync_repository import SyncUnitOfWork
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.transcript_tables import recording_processing as rp
from recording_sync.adapters.transcript_tables import transcript_segments as ts
from recording_sync.adapters.transcript_tables import zoom_meeting_summaries as zms
from recording_sync.domain import model as m
from recording_sync.domain import transcript as t
from recording_sync.domain.captions_vtt import to_vtt
from recording_sync.domain.text_files import (
    TextFileError,
    ZoomSummary,
    parse_chat,
    parse_vtt,
    parse_zoom_summary,
)

log = logging.getLogger(__name__)

TEXT_TYPES = ("transcript", "cc", "chat", "summary")
AUDIO_TYPES = ("m4a", "mp4")  # speech-to-text prefers the audio-only file


@dataclass(frozen=True)
class ProcessingPolicy:
    """The processor's knobs (from the settings)."""

    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(minutes=30)
    lease: timedelta = timedelta(minutes=15)
    max_text_bytes: int = 64 * 1024**2
    max_audio_bytes: int = 25 * 1024**2
    concurrency: int = 2


@dataclass(frozen=True)
class Claim:
    recording_id: str
    tenant_id: str
    version: int
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What one run produced, ready to store."""

    segments: list[t.Segment]
    digest: t.Digest
    transcript_source: str
    files_key: str
    captions_key: str = ""


async def request(
    session: AsyncSession,
    *,
    recording_id: str,
    tenant_id: str,
    max_attempts: int,
    now: datetime,
) -> None:
    """Mark a recording's text to be processed (again) now, with a fresh attempt budget, in
    the caller's transaction (the inbox's, a replay's)."""
    rows = Scoped(session, TenantScope(tenant_id))
    found = await rows.first(select(rp.c.version).where(rp.c.recording_id == recording_id))
    if found is None:
        await rows.execute(
            insert(rp).values(
                recording_id=recording_id,
                state=t.PENDING,
                attempts=0,
                max_attempts=max_attempts,
                next_attempt_at=now,
                requested_at=now,
                updated_at=now,
            )
        )
        return
    await rows.execute(
        update(rp)
        .where(rp.c.recording_id == recording_id)
        .values(
            state=t.PENDING,
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=now,
            last_error="",
            lease_owner="",
            lease_until=None,
            requested_at=now,
            updated_at=now,
            version=rp.c.version + 1,
        )
    )


async def forget(session: AsyncSession, *, recording_id: str, tenant_id: str) -> None:
    """Remove everything derived from a recording's text (the recording is gone)."""
    rows = Scoped(session, TenantScope(tenant_id))
    await transcript_search.remove(rows, recording_id)
    await rows.execute(delete(ts).where(ts.c.recording_id == recording_id))
    await rows.execute(delete(rp).where(rp.c.recording_id == recording_id))


def _safe_error(exc: BaseException) -> str:
    if isinstance(exc, (ProviderError, TextFileError, StorageError)):
        return str(exc)[:500]
    return f"processing failed: {type(exc).__name__}"


class TranscriptProcessor:
    """Runs due processing in background tasks (at most ``policy.concurrency`` at once)."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        storage: ObjectStorage,
        text_provider: TextProvider,
        speech: SpeechProvider | None = None,
        policy: ProcessingPolicy | None = None,
        on_commit: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.storage = storage
        self.text_provider = text_provider
        self.speech = speech
        self.policy = policy or ProcessingPolicy()
        self._on_commit = on_commit
        self._clock = clock
        self.worker = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._stopping = False

    def _uow(self, tenant: str | None) -> SyncUnitOfWork:
        return SyncUnitOfWork(
            session_factory=self.sessions, on_commit=self._on_commit, scope=TenantScope(tenant)
        )

    # --- starting work ---

    def kick(self) -> None:
        """Look for due work now (after a request committed), without waiting for the poll."""
        if self._stopping:
            return
        task = asyncio.create_task(self._drain(), name="transcripts-kick")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        try:
            await self.poll_once()
        except Exception:  # a database hiccup: the next poll tries again
            log.exception("transcript processing poll failed")

    async def poll_once(self) -> int:
        """Run every due processing (claimed one at a time); how many ran."""
        ran = 0
        while not self._stopping:
            async with self._slots:
                claim = await self.claim()
                if claim is None:
                    return ran
                await self.run(claim)
            ran += 1
        return ran

    async def stop(self) -> None:
        """Stop taking work and cancel what runs (its lease runs out; it is taken over)."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- one run ---

    async def claim(self) -> Claim | None:
        """Take the next due row (any tenant) with a lease, counting the attempt."""
        now = self._clock()
        due = or_(
            and_(rp.c.state.in_((t.PENDING, t.FAILED)), rp.c.next_attempt_at <= now),
            and_(rp.c.state == t.PROCESSING, rp.c.lease_until < now),
        )
        for _ in range(5):  # another worker may win a row: take the next one
            async with self._uow(None) as uow:
                row = await uow.rows.first(
                    select(rp)
                    .where(due, rp.c.attempts < rp.c.max_attempts)
                    .order_by(rp.c.next_attempt_at, rp.c.recording_id)
                    .limit(1)
                )
                if row is None:
                    await self._exhausted(uow, now)
                    return None
                won = rowcount(
                    await uow.rows.execute(
                        update(rp)
                        .where(rp.c.recording_id == row.recording_id, rp.c.version == row.version)
                        .values(
                            state=t.PROCESSING,
                            attempts=row.attempts + 1,
                            lease_owner=self.worker,
                            lease_until=now + self.policy.lease,
                            started_at=now,
                            updated_at=now,
                            version=row.version + 1,
                        )
                    )
                )
                await uow.commit()
            if won:
                return Claim(row.recording_id, row.tenant_id, row.version + 1, row.attempts + 1)
        return None

    async def _exhausted(self, uow: SyncUnitOfWork, now: datetime) -> None:
        """A row whose worker died on its last attempt: failed for good, said so."""
        result = await uow.rows.execute(
            update(rp)
            .where(
                rp.c.state == t.PROCESSING,
                rp.c.lease_until < now,
                rp.c.attempts >= rp.c.max_attempts,
            )
            .values(
                state=t.FAILED,
                last_error="the worker processing it stopped",
                next_attempt_at=None,
                lease_owner="",
                lease_until=None,
                updated_at=now,
                version=rp.c.version + 1,
            )
        )
        if rowcount(result):
            await uow.commit()

    async def run(self, claim: Claim) -> None:
        """Process one claimed recording; its failure is recorded, never raised."""
        began = time.perf_counter()
        try:
            outcome = await self._produce(claim)
            if outcome is None:
                return
            await self._finish(claim, outcome)
        except asyncio.CancelledError:
            await asyncio.shield(self._release(claim))  # a stop: due again at once
            raise
        except Exception as exc:
            log.warning(
                "processing a recording's text failed",
                extra={
                    "recording_id": claim.recording_id,
                    "attempt": claim.attempts,
                    "error_type": type(exc).__name__,
                },
            )
            await self._fail(claim, _safe_error(exc))
            return
        log.info(
            "recording text processed",
            extra={
                "recording_id": claim.recording_id,
                "segments": len(outcome.segments),
                "seconds": round(time.perf_counter() - began, 3),
            },
        )

    async def _produce(self, claim: Claim) -> Outcome | None:
        async with self._uow(claim.tenant_id) as uow:
            recording = await uow.rows.first(select(rec).where(rec.c.id == claim.recording_id))
            if recording is None:  # deleted meanwhile
                await forget(
                    uow.session, recording_id=claim.recording_id, tenant_id=claim.tenant_id
                )
                await uow.commit()
                return None
            files = await uow.rows.all(
                select(rf)
                .where(rf.c.recording_id == claim.recording_id, rf.c.state == str(m.F_STORED))
                .order_by(rf.c.recording_start, rf.c.created_at, rf.c.id)
            )
            stored_summary = None
            if recording.meeting_uuid:
                stored_summary = await uow.rows.first(
                    select(zms.c.body).where(zms.c.meeting_uuid == recording.meeting_uuid)
                )
        return await self.outcome(
            recording_id=claim.recording_id,
            tenant_id=claim.tenant_id,
            files=files,
            zoom_summary=ZoomSummary.from_stored(stored_summary.body) if stored_summary else None,
        )

    async def _text(self, key: str) -> str:
        raw = await read_object(self.storage, key, max_bytes=self.policy.max_text_bytes)
        return raw.decode("utf-8", errors="replace")

    async def outcome(
        self,
        *,
        recording_id: str,
        tenant_id: str,
        files: list[Any],
        zoom_summary: ZoomSummary | None,
    ) -> Outcome:
        """Read, parse, transcribe when needed, and digest one recording's text."""
        by_type: dict[str, list[Any]] = {}
        for f in files:
            if f.storage_key:
                by_type.setdefault(f.file_type, []).append(f)
        spoken: list[t.Segment] = []
        source = ""
        for f in by_type.get("transcript", []):
            spoken += parse_vtt(await self._text(f.storage_key), kind=t.TRANSCRIPT)
            source = t.FROM_ZOOM_TRANSCRIPT
        if not spoken:
            for f in by_type.get("cc", []):
                spoken += parse_vtt(await self._text(f.storage_key), kind=t.CAPTION)
                source = t.FROM_ZOOM_CAPTIONS
        chat: list[t.Segment] = []
        for f in by_type.get("chat", []):
            chat += parse_chat(await self._text(f.storage_key))
        for f in by_type.get("summary", []):
            if zoom_summary is None:
                try:
                    zoom_summary = parse_zoom_summary(await self._text(f.storage_key))
                except TextFileError:
                    log.info("a SUMMARY file holds no summary", extra={"file_id": f.id})
        captions_key = ""
        if not spoken and self.speech is not None:
            audio = next(
                (
                    f
                    for kind in AUDIO_TYPES
                    for f in by_type.get(kind, [])
                    if 0 < f.size_bytes <= self.policy.max_audio_bytes
                ),
                None,
            )
            if audio is not None:
                chunks = self.storage.iter_object(audio.storage_key)
                try:
                    spoken = await self.speech.transcribe(
                        chunks,
                        file_name=audio.file_name or f"{audio.id}.{audio.file_type}",
                        content_type=audio.content_type or "audio/mp4",
                    )
                finally:  # a request that failed midway closes the stored file now
                    aclose = getattr(chunks, "aclose", None)
                    if aclose is not None:
                        await aclose()
                source = t.FROM_SPEECH if spoken else ""
                if spoken:
                    captions_key = await self._store_captions(
                        audio.storage_key, recording_id, spoken
                    )
        segments = sorted(spoken + chat, key=lambda s: (s.start_ms, s.kind != t.CHAT))
        digest = await self._digest(segments, zoom_summary)
        if zoom_summary is not None:
            segments = zoom_summary.segments() + segments
        files_key = ",".join(sorted(f.id for f in files if f.file_type in TEXT_TYPES))
        return Outcome(
            segments=segments,
            digest=digest,
            transcript_source=source,
            files_key=files_key,
            captions_key=captions_key,
        )

    async def _digest(self, segments: list[t.Segment], zoom: ZoomSummary | None) -> t.Digest:
        if zoom is not None and not zoom.empty:
            items = zoom.action_items()
            if not items and segments:
                items = (await self.text_provider.digest(segments)).action_items
            return t.Digest(summary=zoom.text(), action_items=items, source=t.SUMMARY_ZOOM)
        if not segments:
            return t.Digest(summary="", source="")
        return await self.text_provider.digest(segments)

    async def _store_captions(
        self, audio_key: str, recording_id: str, segments: list[t.Segment]
    ) -> str:
        """The speech-to-text transcript as WebVTT beside the recording's files (its
        caption track)."""
        folder = audio_key.rsplit("/", 1)[0] if "/" in audio_key else "captions"
        key = f"{folder}/{recording_id}-transcript.vtt"
        body = to_vtt(segments).encode()

        async def chunks() -> Any:
            yield body

        await self.storage.put_stream(
            key, chunks(), content_type="text/vtt; charset=utf-8", expected_size=len(body)
        )
        return key

    async def _finish(self, claim: Claim, outcome: Outcome) -> None:
        now = self._clock()
        async with self._uow(claim.tenant_id) as uow:
            rows = uow.rows
            won = rowcount(
                await rows.execute(
                    update(rp)
                    .where(
                        rp.c.recording_id == claim.recording_id,
                        rp.c.version == claim.version,
                        rp.c.lease_owner == self.worker,
                    )
                    .values(
                        state=t.COMPLETED,
                        last_error="",
                        next_attempt_at=None,
                        lease_owner="",
                        lease_until=None,
                        transcript_source=outcome.transcript_source,
                        summary_source=outcome.digest.source,
                        transcription_text=t.plain_text(outcome.segments),
                        summary=outcome.digest.summary,
                        action_items=t.dump_actions(outcome.digest.action_items),
                        segment_count=len(outcome.segments),
                        files_key=outcome.files_key,
                        captions_key=outcome.captions_key,
                        finished_at=now,
                        updated_at=now,
                        version=claim.version + 1,
                    )
                )
            )
            if not won:  # asked again meanwhile (or taken over): the newer run stores
                return
            await transcript_search.remove(rows, claim.recording_id)
            await rows.execute(delete(ts).where(ts.c.recording_id == claim.recording_id))
            values = [
                {
                    "id": f"{claim.recording_id}:{i}",
                    "recording_id": claim.recording_id,
                    "kind": s.kind,
                    "seq": i,
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "speaker": s.speaker[:200],
                    "text": s.text,
                }
                for i, s in enumerate(outcome.segments)
            ]
            if values:
                await transcript_search.insert_many(rows, ts, values)
                await transcript_search.add(rows, values)
            await uow.commit()

    async def _release(self, claim: Claim) -> None:
        """Give a claimed row back (graceful stop), its attempt not counted."""
        now = self._clock()
        with contextlib.suppress(Exception):
            async with self._uow(claim.tenant_id) as uow:
                await uow.rows.execute(
                    update(rp)
                    .where(rp.c.recording_id == claim.recording_id, rp.c.version == claim.version)
                    .values(
                        state=t.PENDING,
                        attempts=claim.attempts - 1,
                        next_attempt_at=now,
                        lease_owner="",
                        lease_until=None,
                        updated_at=now,
                        version=claim.version + 1,
                    )
                )
                await uow.commit()

    async def _fail(self, claim: Claim, error: str) -> None:
        now = self._clock()
        retry_at = t.next_attempt(
            claim.attempts,
            self.policy.max_attempts,
            now,
            base=self.policy.retry_base,
            cap=self.policy.retry_cap,
        )
        async with self._uow(claim.tenant_id) as uow:
            await uow.rows.execute(
                update(rp)
                .where(rp.c.recording_id == claim.recording_id, rp.c.version == claim.version)
                .values(
                    state=t.FAILED,
                    last_error=error,
                    next_attempt_at=retry_at,
                    lease_owner="",
                    lease_until=None,
                    updated_at=now,
                    version=claim.version + 1,
                )
            )
            await uow.commit()


__all__ = ["Claim", "Outcome", "ProcessingPolicy", "TranscriptProcessor", "forget", "request"]
