"""A recording's text, as plain values: segments, action items, the digest, processing states.

Everything recording-sync learns from a recording's text files (Zoom's transcript or captions,
its chat, its meeting summary) or from a provider (speech-to-text, a summary) ends up as these
values before it is stored, so parsing, providers and storage never depend on one another.
No I/O here.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Segment kinds (stored lower-case; the API's SegmentKind without its prefix).
TRANSCRIPT, CAPTION, CHAT, SUMMARY = "transcript", "caption", "chat", "summary"
KINDS = (TRANSCRIPT, CAPTION, CHAT, SUMMARY)

# Processing states (seed 003's processing_status).
PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"
STATES = (PENDING, PROCESSING, COMPLETED, FAILED)

# Where a transcript and a summary came from.
FROM_ZOOM_TRANSCRIPT, FROM_ZOOM_CAPTIONS, FROM_SPEECH = (
    "zoom_transcript",
    "zoom_captions",
    "speech_to_text",
)
SUMMARY_ZOOM = "zoom"


@dataclass(frozen=True, slots=True)
class Segment:
    """One cue, chat message or summary part; offsets in milliseconds from the recording's
    start."""

    kind: str
    start_ms: int
    end_ms: int
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class ActionItem:
    """Something someone is to do, found in what was said or written."""

    text: str
    assignee: str = ""
    start_ms: int = 0
    speaker: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "assignee": self.assignee,
            "start_ms": self.start_ms,
            "speaker": self.speaker,
        }

    @classmethod
    def from_json(cls, value: Any) -> ActionItem | None:
        """Liberal: a string, or an object with ``text`` (or ``task``/``title``)."""
        if isinstance(value, str):
            text = clean_text(value)
            return cls(text=text) if text else None
        if not isinstance(value, dict):
            return None
        text = clean_text(str(value.get("text") or value.get("task") or value.get("title") or ""))
        if not text:
            return None
        try:
            start = int(value.get("start_ms") or 0)
        except (TypeError, ValueError):
            start = 0
        return cls(
            text=text,
            assignee=clean_text(str(value.get("assignee") or value.get("owner") or "")),
            start_ms=max(0, start),
            speaker=clean_text(str(value.get("speaker") or "")),
        )


def dump_actions(items: list[ActionItem]) -> str:
    """Action items as the JSON text stored with the recording."""
    return json.dumps([i.as_json() for i in items], separators=(",", ":"), ensure_ascii=False)


def load_actions(text: str) -> list[ActionItem]:
    """The stored JSON back as items (bad JSON: none, never an error)."""
    try:
        raw = json.loads(text) if text else []
    except ValueError:
        return []
    found = [ActionItem.from_json(v) for v in raw] if isinstance(raw, list) else []
    return [f for f in found if f is not None]


@dataclass(frozen=True)
class Digest:
    """A summary and action items, and who made them (``offline``, ``openai``, ``zoom``)."""

    summary: str
    action_items: list[ActionItem] = field(default_factory=list)
    source: str = ""


def clean_text(text: str) -> str:
    """Text fit to store and show: control characters dropped (snippet markers rely on it),
    whitespace collapsed, Unicode normalised (NFC)."""
    if not text.isascii() or not text.isprintable():  # the common case skips the slow path
        text = "".join(
            ch if not unicodedata.category(ch).startswith("C") else " "
            for ch in unicodedata.normalize("NFC", text)
        )
    return " ".join(text.split())


def plain_text(segments: list[Segment]) -> str:
    """Seed 003's ``transcription_text``: the spoken segments, one ``Speaker: text`` line each."""
    lines = []
    for s in segments:
        if s.kind in (TRANSCRIPT, CAPTION):
            lines.append(f"{s.speaker}: {s.text}" if s.speaker else s.text)
    return "\n".join(lines)


def retry_delay(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2 x base, 4 x base … ≤ cap."""
    delay: timedelta = base * (2 ** max(0, attempts - 1))
    return min(cap, delay)


def next_attempt(
    attempts: int, max_attempts: int, now: datetime, *, base: timedelta, cap: timedelta
) -> datetime | None:
    """When a failed processing runs again; None once its attempts are used up."""
    if attempts >= max_attempts:
        return None
    return now + retry_delay(attempts, base=base, cap=cap)


__all__ = [
    "CAPTION",
    "CHAT",
    "COMPLETED",
    "FAILED",
    "KINDS",
    "PENDING",
    "PROCESSING",
    "STATES",
    "SUMMARY",
    "TRANSCRIPT",
    "ActionItem",
    "Digest",
    "Segment",
    "clean_text",
    "dump_actions",
    "load_actions",
    "next_attempt",
    "plain_text",
    "retry_delay",
]
