"""Zoom's text files turned into segments: transcript and caption VTT, the chat file, and the
meeting summary (a recording's SUMMARY file or the ``meeting.summary_completed`` webhook).

VTT goes through webvtt-py. Zoom writes the speaker as a ``Name: `` prefix of each cue's text;
a WebVTT voice span (``<v Name>``) is read too, so captions from elsewhere work. The chat file
is Zoom's plain text, one message per line, ``HH:MM:SS From  Name  to  Everyone:<tab>text`` (the
older ``HH:MM:SS<tab> From  Name : text`` too); lines without a time continue the message above.
Only messages to everyone are kept: a direct message is not the class's to search.

The summary is accepted liberally: Zoom's ``summary_overview``/``summary_details``/``next_steps``,
its newer ``summary_content`` (Markdown), an ``edited_summary`` (which wins), the webhook's
``payload.object`` around any of them, or any JSON object with a ``summary`` text.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from recording_sync.domain.transcript import (
    CHAT,
    SUMMARY,
    ActionItem,
    Segment,
    clean_text,
)

_SPEAKER = re.compile(r"^(?P<name>[^:\n]{1,80}?):\s+(?P<text>.+)$", re.DOTALL)
_CHAT = re.compile(
    r"^(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})\s+From\s+(?P<who>.+?)"
    r"(?:\s+to\s+(?P<to>.+?))?\s*:(?:\s+|$)(?P<text>.*)$"
)
_EVERYONE = re.compile(r"^everyone\b", re.IGNORECASE)


class TextFileError(ValueError):
    """A file that is not what its type says (not VTT, not a summary); the message is safe to
    show and names no content."""


def _ms(stamp: Any) -> int:
    hours, minutes, seconds, millis = stamp.to_tuple()
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def parse_vtt(text: str, *, kind: str) -> list[Segment]:
    """The cues of a WebVTT file as segments of ``kind``, speakers split off; empty cues
    dropped. Raises :class:`TextFileError` when it is not WebVTT."""
    try:
        parsed = webvtt.from_string(text.lstrip("\ufeff"))
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise TextFileError(f"not a WebVTT file: {type(exc).__name__}") from None
    found: list[Segment] = []
    for cue in parsed:
        speaker = clean_text(cue.voice or "")
        body = cue.text.strip()
        if not speaker:
            match = _SPEAKER.match(body)
            if match is not None and "\n" not in match.group("name"):
                speaker, body = clean_text(match.group("name")), match.group("text")
        words = clean_text(html.unescape(body))  # WebVTT escapes &, < and > as HTML does
        if not words:
            continue
        start, end = _ms(cue.start_time), _ms(cue.end_time)
        found.append(
            Segment(kind=kind, start_ms=start, end_ms=max(start, end), speaker=speaker, text=words)
        )
    return found


def parse_chat(text: str) -> list[Segment]:
    """The public messages of Zoom's chat file, each with its time and sender; a message lasts
    until the next one (its end is its start when it is the last)."""
    messages: list[tuple[int, str, str, bool]] = []  # start, who, text, public
    for raw in text.lstrip("\ufeff").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        match = _CHAT.match(line.strip())
        if match is None:
            if messages:  # a continuation line of a multi-line message
                start, who, body, public = messages[-1]
                messages[-1] = (start, who, f"{body} {line.strip()}", public)
            continue
        start = (int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"])) * 1000
        to = (match["to"] or "").strip()
        public = not to or bool(_EVERYONE.match(to))
        messages.append((start, clean_text(match["who"]), match["text"], public))
    found: list[Segment] = []
    for i, (start, who, body, public) in enumerate(messages):
        words = clean_text(body)
        if not public or not words:
            continue
        end = messages[i + 1][0] if i + 1 < len(messages) else start
        found.append(
            Segment(kind=CHAT, start_ms=start, end_ms=max(start, end), speaker=who, text=words)
        )
    return found


@dataclass(frozen=True)
class ZoomSummary:
    """Zoom's own meeting summary (AI Companion), as far as it says anything."""

    title: str = ""
    overview: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    next_steps: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overview or self.details)

    def text(self) -> str:
        """The summary as one text: the overview, then each labelled part."""
        parts = [self.overview] if self.overview else []
        parts += [f"{label}: {body}" if label else body for label, body in self.details]
        return "\n\n".join(p for p in parts if p)

    def segments(self) -> list[Segment]:
        """The summary's parts as searchable segments (no time: they describe the whole)."""
        pieces = [("", self.overview)] if self.overview else []
        pieces += self.details
        return [
            Segment(kind=SUMMARY, start_ms=0, end_ms=0, speaker=label, text=body)
            for label, body in pieces
            if body
        ]

    def action_items(self) -> list[ActionItem]:
        return [ActionItem(text=s) for s in self.next_steps if s]

    def as_json(self) -> str:
        return json.dumps(
            {
                "title": self.title,
                "overview": self.overview,
                "details": [list(d) for d in self.details],
                "next_steps": self.next_steps,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_stored(cls, text: str) -> ZoomSummary:
        body = json.loads(text)
        return cls(
            title=str(body.get("title", "")),
            overview=str(body.get("overview", "")),
            details=[(str(a), str(b)) for a, b in body.get("details", [])],
            next_steps=[str(s) for s in body.get("next_steps", [])],
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [clean_text(value)] if clean_text(value) else []
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(clean_text(item))
            elif isinstance(item, dict):
                out.append(clean_text(str(item.get("text") or item.get("summary") or "")))
        return [o for o in out if o]
    return []


def _details(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):  # edited_summary.summary_details is one text
        return [("", clean_text(value))] if clean_text(value) else []
    found = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            body = clean_text(str(item.get("summary") or item.get("text") or ""))
            if body:
                found.append((clean_text(str(item.get("label") or item.get("title") or "")), body))
        elif isinstance(item, str) and clean_text(item):
            found.append(("", clean_text(item)))
    return found


def _markdown(content: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Zoom's ``summary_content`` Markdown: the text before the first heading is the overview,
    each ``##``/``###`` section a part, a "next steps" section's bullets the next steps."""
    overview: list[str] = []
    parts: list[tuple[str, list[str]]] = []
    for line in content.splitlines():
        heading = re.match(r"^\s*#{1,6}\s*(.+)$", line)
        if heading:
            parts.append((clean_text(heading.group(1)), []))
        elif line.strip():
            (parts[-1][1] if parts else overview).append(line.strip())
    steps: list[str] = []
    details: list[tuple[str, str]] = []
    for label, lines in parts:
        if re.search(r"next steps|action items", label, re.IGNORECASE):
            steps += [clean_text(re.sub(r"^[-*•]\s*|^\d+[.)]\s*", "", x)) for x in lines]
        elif lines:
            details.append(
                (label, clean_text(" ".join(re.sub(r"^[-*•]\s*", "", x) for x in lines)))
            )
    return clean_text(" ".join(overview)), details, [s for s in steps if s]


def parse_zoom_summary(body: Any) -> ZoomSummary:
    """Zoom's meeting summary from its JSON (the API's answer, the SUMMARY file, or the whole
    ``meeting.summary_completed`` webhook body). Raises :class:`TextFileError` when it holds
    no summary at all."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            raise TextFileError("the meeting summary is not JSON") from None
    if not isinstance(body, dict):
        raise TextFileError("the meeting summary is not a JSON object")
    payload = body.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("object"), dict):
        body = payload["object"]
    elif isinstance(body.get("object"), dict):
        body = body["object"]
    edited = body.get("edited_summary") if isinstance(body.get("edited_summary"), dict) else {}
    title = clean_text(str(body.get("summary_title") or body.get("meeting_topic") or ""))
    overview = clean_text(
        str(
            edited.get("summary_overview")
            or body.get("summary_overview")
            or body.get("summary")
            or ""
        )
    )
    details = _details(edited.get("summary_details") or body.get("summary_details"))
    steps = _strings(edited.get("next_steps") or body.get("next_steps"))
    content = edited.get("summary_content") or body.get("summary_content")
    if isinstance(content, str) and content.strip() and not (overview and details):
        md_overview, md_details, md_steps = _markdown(content)
        if not md_overview and md_details and md_details[0][0] == title:
            md_overview = md_details.pop(0)[1]  # "## {title}" then the overview
        overview = overview or md_overview
        details = details or md_details
        steps = steps or md_steps
    found = ZoomSummary(title=title, overview=overview, details=details, next_steps=steps)
    if found.empty and not steps:
        raise TextFileError("the meeting summary holds no summary")
    return found


__all__ = ["TextFileError", "ZoomSummary", "parse_chat", "parse_vtt", "parse_zoom_summary"]
