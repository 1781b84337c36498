"""Segments written back as WebVTT (the caption track of a recording transcribed by
speech-to-text), with the speaker as a voice span, as players show it."""

from __future__ import annotations

from recording_sync.domain.transcript import CAPTION, TRANSCRIPT, Segment


def _stamp(ms: int) -> str:
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: list[Segment]) -> str:
    """A WebVTT file of the spoken segments (a cue lasts at least a second)."""
    lines = ["WEBVTT", ""]
    number = 0
    for s in segments:
        if s.kind not in (TRANSCRIPT, CAPTION):
            continue
        number += 1
        end = max(s.end_ms, s.start_ms + 1000)
        voice = f"<v {_escape(s.speaker)}>" if s.speaker else ""
        lines += [
            str(number),
            f"{_stamp(s.start_ms)} --> {_stamp(end)}",
            voice + _escape(s.text),
            "",
        ]
    return "\n".join(lines) + "\n"


__all__ = ["to_vtt"]
