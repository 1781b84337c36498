"""A recording's text through the API: its transcript, search across recordings, caption
tracks beside playback, and processing it again.

Every handler applies the rule of opening a recording (``recordings._load``/``viewable``:
tenant, the batches a teacher teaches, what a student attends or was granted, the end of a
course's access), so text is never reachable where the recording is not: a recording the
caller may not open is NOT_FOUND here as it is for GetRecording, and search considers only the
recordings the caller may open — filtered before paging, so totals reveal nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from classbridge_common.errors import InvalidArgument, NotFound
from classbridge_common.errors import PermissionDenied as Denied
from classbridge_common.paging import page_request
from classbridge_common.uow import UnitOfWork
from recording_sync.adapters import transcript_search
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.adapters.tables import recording_files as rf
from recording_sync.adapters.tables import recordings as rec
from recording_sync.adapters.transcript_tables import transcript_segments as ts
from recording_sync.domain import model as m
from recording_sync.domain import transcript as t
from recording_sync.domain.search_query import check_query
from recording_sync.service_layer import processing, recordings
from recording_sync.service_layer.processing import TranscriptProcessor
from recording_sync.service_layer.reach import Reach

DEFAULT_SEGMENTS, MAX_SEGMENTS = 500, 5000
DEFAULT_HITS, MAX_HITS = 20, 100


@dataclass(frozen=True)
class TranscriptPage:
    recording_id: str
    processing: Any
    segments: list[Any]
    next_page_token: str
    total_size: int


def _kinds(kinds: list[str]) -> list[str]:
    unknown = [k for k in kinds if k not in t.KINDS]
    if unknown:
        raise InvalidArgument("kinds must not contain SEGMENT_KIND_UNSPECIFIED")
    return sorted(set(kinds))


async def get_transcript(
    *,
    reach: Reach,
    recording_id: str,
    kinds: list[str],
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
    now: datetime,
) -> TranscriptPage:
    """One page of a recording's segments in time order, with its processing row."""
    wanted = _kinds(kinds)
    size = min(max(page_size or DEFAULT_SEGMENTS, 1), MAX_SEGMENTS)
    # A transcript's pages are longer than a list's (a class has thousands of cues).
    page = replace(
        page_request(size, page_token, [recording_id, *wanted], listing="GetTranscript"),
        limit=size,
    )
    conditions: list[ColumnElement[bool]] = [ts.c.recording_id == recording_id]
    if wanted:
        conditions.append(ts.c.kind.in_(wanted))
    async with uow:
        rows = reach.rows(uow.session)
        row, _, found = await recordings._load(reach, rows, recording_id, now)
        if not found.can_view:
            raise NotFound(resource_type="recording", resource_id=recording_id)
        processed = (await recordings.processing_rows(rows, [row.id], with_text=False)).get(row.id)
        total = int(await rows.scalar(select(func.count()).select_from(ts).where(*conditions)) or 0)
        segments = await rows.all(
            select(ts).where(*conditions).order_by(ts.c.seq).offset(page.offset).limit(size)
        )
    return TranscriptPage(
        recording_id=recording_id,
        processing=processed,
        segments=segments,
        next_page_token=page.next_token(total),
        total_size=total,
    )


@dataclass(frozen=True)
class Hit:
    match: transcript_search.Match
    recording: Any


@dataclass(frozen=True)
class HitPage:
    hits: list[Hit]
    next_page_token: str
    total_size: int


async def search(
    *,
    reach: Reach,
    query: str,
    recording_id: str,
    session_id: str,
    batch_id: str,
    kinds: list[str],
    page_size: int,
    page_token: str,
    uow: UnitOfWork,
    now: datetime,
) -> HitPage:
    """Segments matching ``query`` in the recordings the caller may open, best first."""
    text = check_query(query)
    wanted = _kinds(kinds)
    size = min(max(page_size or DEFAULT_HITS, 1), MAX_HITS)
    page = page_request(
        size,
        page_token,
        [text, recording_id, session_id, batch_id, *wanted],
        listing="SearchTranscripts",
    )
    size = page.limit
    narrow: list[ColumnElement[bool]] = []
    if recording_id:
        narrow.append(ts.c.recording_id == recording_id)
    if wanted:
        narrow.append(ts.c.kind.in_(wanted))
    async with uow:
        rows = reach.rows(uow.session)
        matched = await transcript_search.recordings_matching(rows, text, narrow=narrow)
        where: list[ColumnElement[bool]] = [rec.c.id.in_(matched)]
        if session_id:
            where.append(rec.c.session_id == session_id)
        if batch_id:
            where.append(rec.c.batch_id == batch_id)
        candidates = await rows.all(select(rec).where(*where)) if matched else []
        allowed = await recordings.viewable(reach, rows, candidates, now)
        by_id = {r.id: r for r in candidates if r.id in allowed}
        total, found = await transcript_search.matches(
            rows,
            text,
            recording_ids=sorted(by_id),
            kinds=wanted,
            offset=page.offset,
            limit=size,
        )
    return HitPage(
        hits=[Hit(match=f, recording=by_id[f.recording_id]) for f in found],
        next_page_token=page.next_token(total),
        total_size=total,
    )


@dataclass(frozen=True)
class Track:
    url: str
    expires_at: datetime
    file_id: str
    kind: str
    label: str
    content_type: str


VTT = "text/vtt; charset=utf-8"


async def _tracks(
    *,
    storage: ObjectStorage,
    files: list[Any],
    processed: Any,
    expires_in: int,
    now: datetime,
) -> list[Track]:
    found = []
    for f in files:
        if f.state != m.F_STORED or not f.storage_key or f.file_type not in ("cc", "transcript"):
            continue
        kind, label = (
            ("captions", "Captions") if f.file_type == "cc" else ("subtitles", "Transcript")
        )
        url = await storage.signed_url(f.storage_key, expires_in=expires_in, content_type=VTT)
        found.append(Track(url, now + timedelta(seconds=expires_in), f.id, kind, label, VTT))
    if not found and processed is not None and processed.captions_key:
        url = await storage.signed_url(
            processed.captions_key, expires_in=expires_in, content_type=VTT
        )
        found.append(
            Track(url, now + timedelta(seconds=expires_in), "", "subtitles", "Transcript", VTT)
        )
    return found


async def caption_tracks(
    *,
    reach: Reach,
    recording_id: str,
    ttl_seconds: int,
    max_ttl_seconds: int,
    uow: UnitOfWork,
    storage: ObjectStorage,
    now: datetime,
) -> list[Track]:
    """Signed URLs of a recording's WebVTT tracks: Zoom's captions, its audio transcript, or
    the one speech-to-text made. VIEW access as for playback (PERMISSION_DENIED without)."""
    if ttl_seconds < 0:
        raise InvalidArgument("ttl must not be negative")
    async with uow:
        rows = reach.rows(uow.session)
        row, _, found = await recordings._load(reach, rows, recording_id, now)
        if not found.can_view:
            raise Denied("no access to this recording")
        files = await rows.all(select(rf).where(rf.c.recording_id == row.id))
        processed = (await recordings.processing_rows(rows, [row.id], with_text=False)).get(row.id)
    expires_in = max(1, min(ttl_seconds or max_ttl_seconds, max_ttl_seconds))
    return await _tracks(
        storage=storage, files=files, processed=processed, expires_in=expires_in, now=now
    )


async def tracks_for(
    *,
    storage: ObjectStorage,
    uow: UnitOfWork,
    reach: Reach,
    recording_id: str,
    expires_in: int,
    now: datetime,
) -> list[Track]:
    """The caption tracks beside a playback URL already granted (no second access check)."""
    async with uow:
        rows = reach.rows(uow.session)
        files = await rows.all(select(rf).where(rf.c.recording_id == recording_id))
        processed = (await recordings.processing_rows(rows, [recording_id], with_text=False)).get(
            recording_id
        )
    return await _tracks(
        storage=storage, files=files, processed=processed, expires_in=expires_in, now=now
    )


async def reprocess(
    *,
    reach: Reach,
    recording_id: str,
    uow: UnitOfWork,
    processor: TranscriptProcessor | None,
    now: datetime,
) -> Any:
    """Process a recording's text again (the batch's teachers, the tenant's admins)."""
    if processor is None:
        raise InvalidArgument(
            "processing of recordings' text is switched off (TRANSCRIPTS_ENABLED)"
        )
    async with uow:
        rows = reach.rows(uow.session)
        row = await recordings._load_managed(reach, rows, recording_id, now)
        await processing.request(
            uow.session,
            recording_id=row.id,
            tenant_id=row.tenant_id,
            max_attempts=processor.policy.max_attempts,
            now=now,
        )
        await uow.commit()
        processed = (await recordings.processing_rows(rows, [row.id], with_text=False))[row.id]
    processor.kick()
    return processed


async def deliverable(*, reach: Reach, recording_id: str, uow: UnitOfWork) -> Any:
    """A job's recording's processing row with its text (seed 002's deliverable), or None."""
    if not recording_id:
        return None
    async with uow:
        rows = reach.rows(uow.session)
        return (await recordings.processing_rows(rows, [recording_id], with_text=True)).get(
            recording_id
        )


__all__ = [
    "Hit",
    "HitPage",
    "Track",
    "TranscriptPage",
    "caption_tracks",
    "deliverable",
    "get_transcript",
    "reprocess",
    "search",
    "tracks_for",
]
