"""Putting meeting ids and instance UUIDs into URL paths the way Zoom expects.

A meeting *number* goes in as is. An instance UUID is base64 and may contain ``/``, ``+`` and
``=``: Zoom wants it percent-encoded once, and **twice** when it starts with ``/`` or contains
``//`` (otherwise its router collapses the slashes and answers 404).
"""

from __future__ import annotations

from urllib.parse import quote


def needs_double_encoding(uuid: str) -> bool:
    """Zoom's rule: a UUID starting with ``/`` or containing ``//`` is encoded twice."""
    return uuid.startswith("/") or "//" in uuid


def encode_meeting_ref(ref: str | int) -> str:
    """The path segment for a meeting number or an instance UUID."""
    text = str(ref)
    if text.isdigit():
        return text
    once = quote(text, safe="")
    return quote(once, safe="") if needs_double_encoding(text) else once


def encode_path_segment(value: str) -> str:
    """Any other path value (a user id or e-mail, a recording file id), encoded once."""
    return quote(value, safe="@")
