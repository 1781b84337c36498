"""The full-text index of transcript segments, on each database its own way.

PostgreSQL: the generated ``search_vector`` column (``to_tsvector('english', text)``) under a
GIN index, queried with ``websearch_to_tsquery``, ranked with ``ts_rank`` and shown with
``ts_headline``; the index follows the segment rows by itself. SQLite (the embedded default):
the FTS5 table ``transcript_search`` (porter stemming), written beside each segment in the same
transaction, queried with ``MATCH``, ranked with ``bm25`` and shown with ``snippet``.

Every statement runs through the unit of work's tenant scope (``Scoped``): the segment table
and the FTS5 table both carry ``tenant_id``. Snippets come back HTML-escaped with the words
found in ``<mark>…</mark>`` (the stored text has no control characters, so the markers used
in between cannot collide with it).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, literal_column, select

from classbridge_common.db.engine import is_postgres
from classbridge_common.tenancy import Scoped
from recording_sync.adapters.transcript_tables import SEARCH_CONFIG
from recording_sync.adapters.transcript_tables import transcript_search as fts
from recording_sync.adapters.transcript_tables import transcript_segments as ts
from recording_sync.domain.search_query import fts5_query

_OPEN, _CLOSE = "\x02", "\x03"
SNIPPET_WORDS = 16
MAX_RECORDINGS = 5000  # recordings a search considers at most (newest matches first)


@dataclass(frozen=True, slots=True)
class Match:
    """One matching segment, best first."""

    segment_id: str
    recording_id: str
    kind: str
    start_ms: int
    end_ms: int
    speaker: str
    snippet: str


def _postgres(rows: Scoped) -> bool:
    return is_postgres(rows.session)


def mark(snippet: str) -> str:
    """A snippet with the database's markers as HTML: escaped, the found words in <mark>."""
    return html.escape(snippet, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


async def insert_many(rows: Scoped, table: Table, values: Sequence[dict[str, Any]]) -> None:
    """One INSERT of many rows through the tenant scope (it sets each row's ``tenant_id``)."""
    if values:
        await rows.session.execute(rows.scope.apply(insert(table)), list(values))


async def add(rows: Scoped, segments: Sequence[dict[str, Any]]) -> None:
    """Index freshly inserted segment rows (SQLite; PostgreSQL's column follows by itself)."""
    if not segments or _postgres(rows):
        return
    await insert_many(
        rows,
        fts,
        [
            {
                "text": s["text"],
                "segment_id": s["id"],
                "recording_id": s["recording_id"],
                "kind": s["kind"],
            }
            for s in segments
        ],
    )


async def remove(rows: Scoped, recording_id: str) -> None:
    """Forget a recording's segments in the index (before they are replaced or deleted)."""
    if not _postgres(rows):
        await rows.execute(delete(fts).where(fts.c.recording_id == recording_id))


def _pg_query(query: str) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), query)


_VECTOR: ColumnElement[Any] = literal_column("transcript_segments.search_vector")


async def recordings_matching(
    rows: Scoped, query: str, *, narrow: Iterable[ColumnElement[bool]] = ()
) -> list[str]:
    """The recordings with at least one segment matching ``query`` (within ``narrow``, on
    the segment table)."""
    conditions = list(narrow)
    if _postgres(rows):
        statement = (
            select(ts.c.recording_id)
            .where(_VECTOR.op("@@")(_pg_query(query)), *conditions)
            .distinct()
            .limit(MAX_RECORDINGS)
        )
        return [r.recording_id for r in await rows.all(statement)]
    expression = fts5_query(query)
    if not expression:
        return []
    statement = (
        select(fts.c.recording_id)
        .where(literal_column("transcript_search").op("MATCH")(expression))
        .distinct()
        .limit(MAX_RECORDINGS)
    )
    if conditions:  # filters on the segments: join them
        statement = statement.join_from(fts, ts, ts.c.id == fts.c.segment_id).where(*conditions)
    return [r.recording_id for r in await rows.all(statement)]


async def matches(
    rows: Scoped,
    query: str,
    *,
    recording_ids: list[str],
    kinds: list[str],
    offset: int,
    limit: int,
) -> tuple[int, list[Match]]:
    """How many segments of ``recording_ids`` match, and one page of them, best first."""
    if not recording_ids:
        return 0, []
    where = [ts.c.recording_id.in_(recording_ids)]
    if kinds:
        where.append(ts.c.kind.in_(kinds))
    if _postgres(rows):
        tsq = _pg_query(query)
        hit = _VECTOR.op("@@")(tsq)
        total = int(await rows.scalar(select(func.count()).select_from(ts).where(hit, *where)) or 0)
        options = f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=6"
        found = await rows.all(
            select(
                ts.c.id,
                ts.c.recording_id,
                ts.c.kind,
                ts.c.start_ms,
                ts.c.end_ms,
                ts.c.speaker,
                func.ts_headline(
                    literal_column(f"'{SEARCH_CONFIG}'::regconfig"), ts.c.text, tsq, options
                ).label("snippet"),
            )
            .where(hit, *where)
            .order_by(func.ts_rank(_VECTOR, tsq).desc(), ts.c.recording_id, ts.c.seq)
            .offset(offset)
            .limit(limit)
        )
    else:
        expression = fts5_query(query)
        if not expression:
            return 0, []
        hit = literal_column("transcript_search").op("MATCH")(expression)
        joined = fts.join(ts, ts.c.id == fts.c.segment_id)
        total = int(
            await rows.scalar(select(func.count()).select_from(joined).where(hit, *where)) or 0
        )
        snippet = func.snippet(
            literal_column("transcript_search"), 0, _OPEN, _CLOSE, "…", SNIPPET_WORDS
        )
        found = await rows.all(
            select(
                ts.c.id,
                ts.c.recording_id,
                ts.c.kind,
                ts.c.start_ms,
                ts.c.end_ms,
                ts.c.speaker,
                snippet.label("snippet"),
            )
            .select_from(joined)
            .where(hit, *where)
            .order_by(func.bm25(literal_column("transcript_search")), ts.c.recording_id, ts.c.seq)
            .offset(offset)
            .limit(limit)
        )
    return total, [
        Match(
            segment_id=r.id,
            recording_id=r.recording_id,
            kind=r.kind,
            start_ms=int(r.start_ms),
            end_ms=int(r.end_ms),
            speaker=r.speaker,
            snippet=mark(str(r.snippet or "")),
        )
        for r in found
    ]


__all__ = ["MAX_RECORDINGS", "Match", "add", "mark", "matches", "recordings_matching", "remove"]
