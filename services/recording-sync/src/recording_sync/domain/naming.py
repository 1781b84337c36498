"""How a stored recording file is named, typed and titled (seed 000: "automatic filename
generation with timestamps", lesson titles "Zoom Recording - {date} ({TYPE})").

Keys are deterministic from the Zoom file, so a re-run writes the same object again instead of a
second copy: re-syncs are idempotent by construction, never a duplicate lesson.
"""

from __future__ import annotations

import re
from datetime import datetime

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from classbridge.common.v1 import common_pb2

CONTENT_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "webm": "video/webm",
    "txt": "text/plain; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}

_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def unassigned_folder(meeting_id: int) -> str:
    """Where recordings of meetings no session claims go, so nothing Zoom recorded is lost."""
    return f"videos/unassigned/{meeting_id}"


def content_type(extension: str) -> str:
    """The Content-Type stored with (and served for) a file, by its extension."""
    return CONTENT_TYPES.get(extension.lower().lstrip("."), "application/octet-stream")


def _slug(value: str) -> str:
    return _UNSAFE.sub("-", value.lower()).strip("-") or "file"


def file_name(
    *,
    recording_start: datetime | None,
    meeting_id: int,
    kind: str,
    zoom_file_id: str,
    extension: str,
) -> str:
    """``{YYYY-MM-DD_HHMM}_{meeting_id}_{kind}_{fileid8}.{ext}`` (UTC time of the recording)."""
    stamp = recording_start.strftime("%Y-%m-%d_%H%M") if recording_start else "undated"
    ext = _slug(extension or "bin")
    return f"{stamp}_{meeting_id}_{_slug(kind)}_{_slug(zoom_file_id)[:8]}.{ext}"


def storage_key(folder: str, name: str) -> str:
    """The object key: the folder of the meeting's batch, then the file name."""
    return f"{folder.rstrip('/')}/{name}"


def lesson_title(*, start: datetime | None, extension: str, zoom_file_type: str) -> str:
    """The title the scheduler shows: ``Zoom Recording - 2024-01-15 (MP4)``."""
    day = start.strftime("%Y-%m-%d") if start else "undated"
    kind = (extension or zoom_file_type or "file").upper()
    return f"Zoom Recording - {day} ({kind})"


def file_type_label(value: int) -> str:
    """``RecordingFileType`` as the short lower-case label stored in the tables."""
    found = common_pb2.RecordingFileType.DESCRIPTOR.values_by_number.get(value)
    return found.name.removeprefix("RECORDING_FILE_TYPE_").lower() if found else "other"


def enum_name(enum: EnumTypeWrapper, prefix: str, label: str, *, otherwise: str = "") -> str:
    """The name of the value of ``enum`` stored as the lower-case ``label`` (``prefix`` + its
    upper case); for an empty or unknown label ``prefix + otherwise``, by default the value 0.

    Protobuf's message constructors take an enum field by the value's name, and protoc's stubs
    type it so (``SyncState | str``), while a number would be a plain ``int`` to them.
    """
    name = f"{prefix}{label.upper()}"
    values = enum.DESCRIPTOR.values_by_name
    if label and name in values:
        return name
    return f"{prefix}{otherwise}" if otherwise else enum.DESCRIPTOR.values_by_number[0].name


def file_type_name(label: str) -> str:
    """The inverse of :func:`file_type_label`, as the value's name (unknown labels are OTHER)."""
    return enum_name(common_pb2.RecordingFileType, "RECORDING_FILE_TYPE_", label, otherwise="OTHER")
