"""Zoom OAuth scopes, classic (``meeting:write[:admin]``) and granular
(``meeting:write:meeting[:admin]``): which operations a connection can do."""

from __future__ import annotations

from collections.abc import Iterable

# operation -> scopes that allow it (classic and granular, user-level and admin)
_NEEDS: dict[str, tuple[str, ...]] = {
    "create_meeting": ("meeting:write", "meeting:write:meeting"),
    "read_meeting": ("meeting:read", "meeting:read:meeting"),
    "update_meeting": ("meeting:write", "meeting:update:meeting"),
    "delete_meeting": ("meeting:write", "meeting:delete:meeting"),
    "list_meetings": ("meeting:read", "meeting:read:list_meetings"),
    "list_recordings": ("recording:read", "cloud_recording:read:list_user_recordings"),
    "read_recordings": ("recording:read", "cloud_recording:read:list_recording_files"),
    "delete_recordings": ("recording:write", "cloud_recording:delete:meeting_recording"),
    "list_participants": ("meeting:read", "meeting:read:list_past_participants"),
    "read_user": ("user:read", "user:read:user"),
}


def parse_scopes(scope: str | Iterable[str] | None) -> list[str]:
    """Zoom sends one space-separated string; we keep a sorted, de-duplicated list."""
    if scope is None:
        return []
    items = scope.split() if isinstance(scope, str) else list(scope)
    return sorted({s.strip() for s in items if s.strip()})


def is_granular(scope: str) -> bool:
    """Granular scopes have three parts before an optional ``:admin`` (``a:b:c[:admin]``)."""
    parts = scope.split(":")
    if parts and parts[-1] == "admin":
        parts = parts[:-1]
    return len(parts) >= 3


def allows(scopes: Iterable[str], operation: str) -> bool:
    """Whether any held scope (with or without ``:admin``) grants ``operation``."""
    held = {s.removesuffix(":admin") for s in scopes}
    return any(need in held for need in _NEEDS[operation])


def capabilities(scopes: Iterable[str]) -> list[str]:
    """The operations these scopes allow, for ``GetConnection``."""
    scope_list = list(scopes)
    return [op for op in _NEEDS if allows(scope_list, op)]
