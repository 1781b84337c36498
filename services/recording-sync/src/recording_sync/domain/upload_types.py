"""What a manual upload may be, decided from its bytes (seed 003: ``.mp4``, ``.m4a``, ``.mp3``,
``.wav``, ``.webm`` recordings), and how large it may be per tenant.

The type is sniffed from the file's first bytes with ``filetype`` (magic numbers), never taken
from the name or the client's Content-Type: a renamed executable is refused whatever it is
called. A recognised video is filed as a video lesson (``mp4`` file type, the one playback
picks), audio as an audio lesson (``m4a``); the stored extension and content type are the real
format's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import filetype  # type: ignore[import-untyped]  # no stubs, no py.typed

from recording_sync.domain import naming

__all__ = [
    "ACCEPTED",
    "SNIFF_BYTES",
    "MediaKind",
    "limit_for",
    "parse_size",
    "parse_tenant_limits",
    "sniff",
]

SNIFF_BYTES = 8192
"""Bytes ``filetype`` looks at (it reads no further): sniffing waits for this many, or the end."""


@dataclass(frozen=True)
class MediaKind:
    """An accepted format: its extension, stored content type and the lesson's file type."""

    extension: str
    content_type: str
    file_type: str  # "mp4" (a video lesson) or "m4a" (audio)


def _kind(extension: str, mime: str, file_type: str) -> MediaKind:
    known = naming.CONTENT_TYPES.get(extension)
    return MediaKind(extension=extension, content_type=known or mime, file_type=file_type)


ACCEPTED: Mapping[str, MediaKind] = {
    k.extension: k
    for k in (
        _kind("mp4", "video/mp4", "mp4"),
        _kind("m4v", "video/x-m4v", "mp4"),
        _kind("mov", "video/quicktime", "mp4"),
        _kind("webm", "video/webm", "mp4"),
        _kind("mkv", "video/x-matroska", "mp4"),
        _kind("m4a", "audio/mp4", "m4a"),
        _kind("mp3", "audio/mpeg", "m4a"),
        _kind("wav", "audio/wav", "m4a"),
        _kind("ogg", "audio/ogg", "m4a"),
        _kind("flac", "audio/flac", "m4a"),
        _kind("aac", "audio/aac", "m4a"),
    )
}
"""Accepted formats by ``filetype``'s extension name."""


def sniff(head: bytes) -> tuple[MediaKind | None, str]:
    """The accepted format of a file starting with ``head`` (None when refused), and what the
    bytes looked like (a media type, or "unknown") for the refusal's message."""
    found = filetype.guess(head[:SNIFF_BYTES])
    if found is None:
        return None, "unknown"
    return ACCEPTED.get(found.extension), str(found.mime)


_SIZE = re.compile(r"^\s*(\d+)\s*(b|kib|mib|gib|tib|k|m|g|t)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"1073741824"``, ``"5GiB"``, ``"512m"`` as bytes (``ValueError`` otherwise)."""
    matched = _SIZE.match(text)
    if matched is None:
        raise ValueError(f"not a size: {text!r}")
    unit = (matched.group(2) or "").lower().removesuffix("ib")
    value = int(matched.group(1)) * _UNITS[unit]
    if value <= 0:
        raise ValueError(f"a size must be positive: {text!r}")
    return value


def parse_tenant_limits(text: str) -> dict[str, int]:
    """``"acme=1GiB,globex=500MiB"`` as {tenant: bytes} (``ValueError`` naming a bad entry)."""
    limits: dict[str, int] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        tenant, sep, size = entry.partition("=")
        if not sep or not tenant.strip():
            raise ValueError(f"expected tenant=size, got {entry!r}")
        limits[tenant.strip()] = parse_size(size)
    return limits


def limit_for(tenant: str, *, default: int, by_tenant: Mapping[str, int]) -> int:
    """The largest upload ``tenant`` may make."""
    return by_tenant.get(tenant, default)
