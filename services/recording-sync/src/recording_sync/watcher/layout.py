"""Zoom's local recording layout: which files are recordings, and what a path says.

Zoom writes local recordings under its folder (``~/Documents/Zoom``) in one folder per meeting,
``<YYYY-MM-DD> <HH.MM.SS> <topic> <meeting id>`` — e.g. ``2026-12-03 14.30.00 Physics 101
84512345678`` — holding ``video<n>.mp4`` / ``zoom_0.mp4`` / ``audio<n>.m4a`` / ``Recording.mp4``
once its conversion ends; while a meeting runs or converts, the folder holds ``.zoom`` files
(``double_click_to_convert_01.zoom``) that are renamed or replaced when it is done. Some
versions leave the meeting id out of the name (``<date> <time> <topic>``) and keep it in a
metadata file beside the recordings (``recording.conf``), if anywhere.

Everything here is pure (the metadata file is read by the caller): accept liberally, and say
``None`` rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import PurePath

RECORDING_EXTENSIONS = frozenset({"mp4", "m4a", "mp3", "wav", "webm"})
"""What Zoom records locally and seed 003 lists: video, and audio-only files."""

TEMPORARY_SUFFIXES = (".zoom", ".tmp", ".part", ".crdownload", ".partial")
"""Files still being written or converted; their final name appears when Zoom is done."""

METADATA_NAMES = ("recording.conf", "meeting.json", "metadata.json")
"""Small files some Zoom versions keep the meeting's details in."""

METADATA_MAX_BYTES = 64 * 1024

# <date> <time> <rest>: 2026-12-03 14.30.00 Physics 101 84512345678 (time with '.', ':' or '-')
_FOLDER = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ _](?P<time>\d{2}[.:\-]\d{2}(?:[.:\-]\d{2})?)"
    r"(?:[ _]+(?P<rest>.*))?$"
)
# A Zoom meeting id: 9 to 11 digits (older ones 9-10, current 10-11); never a topic's "101".
_TRAILING_ID = re.compile(r"^(?P<topic>.*?)[ _]*(?P<id>\d{9,11})$")
# Cloud-style names, also seen locally: GMT20261203-143000_Recording_1920x1080.mp4 (UTC).
_GMT_NAME = re.compile(r"GMT(?P<date>\d{8})-(?P<time>\d{6})")
_METADATA_ID = re.compile(
    r"(?:meeting[ _-]?id|meetingid|meeting[ _-]?number|confno|conf_id)\W{0,6}"
    r"(?P<id>\d[\d -]{7,14}\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LocalRecording:
    """What a recording's path says about its meeting."""

    folder: str  # the meeting folder's name ("" for a file at the top of the watched folder)
    meeting_id: int | None
    topic: str
    start: datetime | None  # when the recording started, UTC
    id_from: str = ""  # "folder", "metadata" or "" (no id)

    def describe(self) -> str:
        """The folder as people read it, for messages."""
        return self.folder or "(top folder)"


def recording_extension(name: str) -> str | None:
    """The lower-case extension when ``name`` is a recording Zoom has finished writing, else
    ``None`` (temporary and hidden files, chat logs, playlists, metadata)."""
    if not name or name.startswith((".", "~")):
        return None
    lowered = name.lower()
    if lowered.endswith(TEMPORARY_SUFFIXES) or lowered.startswith("double_click_to_convert"):
        return None
    stem, dot, ext = lowered.rpartition(".")
    if not dot or not stem:
        return None
    return ext if ext in RECORDING_EXTENSIONS else None


def is_temporary(name: str) -> bool:
    """A file Zoom is still writing or has yet to convert (its recording comes later)."""
    lowered = name.lower()
    return lowered.endswith(TEMPORARY_SUFFIXES) or lowered.startswith("double_click_to_convert")


def _clock(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in re.split(r"[.:\-]", text)]
    return parts[0], parts[1], parts[2] if len(parts) > 2 else 0


def parse_folder_name(name: str, zone: tzinfo) -> tuple[datetime | None, str, int | None]:
    """(start in UTC, topic, meeting id) of a meeting folder's name; the time is read in
    ``zone`` (the recording computer's clock). Parts it cannot read are ``None``/``""``."""
    found = _FOLDER.match(name.strip())
    if found is None:
        return None, name.strip(), None
    try:
        hour, minute, second = _clock(found["time"])
        local = datetime.strptime(found["date"], "%Y-%m-%d").replace(
            hour=hour, minute=minute, second=second, tzinfo=zone
        )
        start: datetime | None = local.astimezone(UTC)
    except ValueError:  # 2026-13-45, 25.61.00
        start = None
    rest = (found["rest"] or "").strip()
    with_id = _TRAILING_ID.match(rest)
    if with_id is not None:
        return start, with_id["topic"].strip(), int(with_id["id"])
    return start, rest, None


def parse_gmt_name(name: str) -> datetime | None:
    """The UTC start in a ``GMT20261203-143000_...`` file name, else ``None``."""
    found = _GMT_NAME.search(name)
    if found is None:
        return None
    try:
        return datetime.strptime(found["date"] + found["time"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def meeting_id_in_metadata(text: str) -> int | None:
    """A meeting id named in a metadata file's text (``"meeting_id": 84512345678``,
    ``Meeting ID: 845 1234 5678``), else ``None``."""
    found = _METADATA_ID.search(text)
    if found is None:
        return None
    digits = re.sub(r"\D", "", found["id"])
    return int(digits) if 9 <= len(digits) <= 11 else None


def describe(relative: PurePath, zone: tzinfo, *, metadata: str = "") -> LocalRecording:
    """What the path of a recording (relative to the watched folder) says: the nearest folder
    whose name Zoom's layout explains, else the file's own name; ``metadata`` is the text of
    the folder's metadata file, if any, for an id the name lacks."""
    folders = list(relative.parts[:-1])
    for folder in reversed(folders):
        start, topic, meeting_id = parse_folder_name(folder, zone)
        if start is not None or meeting_id is not None:
            id_from = "folder" if meeting_id is not None else ""
            if meeting_id is None and metadata:
                meeting_id = meeting_id_in_metadata(metadata)
                id_from = "metadata" if meeting_id is not None else ""
            return LocalRecording(folder, meeting_id, topic, start, id_from)
    folder = folders[-1] if folders else ""
    meeting_id = meeting_id_in_metadata(metadata) if metadata else None
    return LocalRecording(
        folder,
        meeting_id,
        folder,
        parse_gmt_name(relative.name),
        "metadata" if meeting_id is not None else "",
    )


__all__ = [
    "METADATA_MAX_BYTES",
    "METADATA_NAMES",
    "RECORDING_EXTENSIONS",
    "LocalRecording",
    "describe",
    "is_temporary",
    "meeting_id_in_metadata",
    "parse_folder_name",
    "parse_gmt_name",
    "recording_extension",
]
