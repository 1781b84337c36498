"""Zoom OAuth scopes, classic (``meeting:write[:admin]``) and granular
(``meeting:write:meeting[:admin]``): which operations a connection can do.

A per-user connection only holds the scopes the user granted when authorizing. Zoom answers a
call outside them with 401 and code 4700/4711, which reads like a broken token; checking here
first lets the gateway refuse with PERMISSION_DENIED naming the scope to add, without spending a
rate-limit token or a round trip. When Zoom refuses anyway (the grant was not recorded, or it
is narrower than recorded), :func:`named_in` reads the scopes Zoom's message lists, so the
connection can remember them and the caller be told what to grant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from classbridge_common.errors import PermissionDenied

# operation -> scopes that allow it: (classic, granular), each also valid with ":admin"
_NEEDS: dict[str, tuple[str, ...]] = {
    "create_meeting": ("meeting:write", "meeting:write:meeting"),
    "read_meeting": ("meeting:read", "meeting:read:meeting"),
    "update_meeting": ("meeting:write", "meeting:update:meeting"),
    "delete_meeting": ("meeting:write", "meeting:delete:meeting"),
    "list_meetings": ("meeting:read", "meeting:read:list_meetings"),
    "read_past_meeting": ("meeting:read", "meeting:read:past_meeting"),
    "list_recordings": ("recording:read", "cloud_recording:read:list_user_recordings"),
    "read_recordings": ("recording:read", "cloud_recording:read:list_recording_files"),
    "delete_recordings": ("recording:write", "cloud_recording:delete:meeting_recording"),
    "delete_recording_file": ("recording:write", "cloud_recording:delete:recording_file"),
    "list_participants": ("meeting:read", "meeting:read:list_past_participants"),
    "report_participants": ("report:read", "report:read:list_meeting_participants"),
    "read_user": ("user:read", "user:read:user"),
    "add_registrants": ("meeting:write", "meeting:write:registrant"),
    "batch_registrants": ("meeting:write", "meeting:write:batch_registrants"),
    "list_registrants": ("meeting:read", "meeting:read:list_registrants"),
    "delete_registrants": ("meeting:write", "meeting:delete:registrant"),
}

# the flags of the ``Capabilities`` message: flag -> operations that must all be allowed
CAPABILITY_FLAGS: dict[str, tuple[str, ...]] = {
    "can_create_meetings": ("create_meeting",),
    "can_read_meetings": ("read_meeting",),
    "can_update_meetings": ("update_meeting",),
    "can_delete_meetings": ("delete_meeting",),
    "can_list_meetings": ("list_meetings",),
    "can_read_recordings": ("read_recordings",),
    "can_list_recordings": ("list_recordings",),
    "can_delete_recordings": ("delete_recordings",),
    "can_read_participants": ("list_participants",),
    "can_read_users": ("read_user",),
}


# Zoom's refusal: "Invalid access token, does not contain scopes:[a:b:admin, a:b]." (older
# answers: "scopes: [..]"); the names are separated by commas and/or spaces.
_NAMED = re.compile(r"scopes?\s*:\s*\[([^\]]*)\]", re.IGNORECASE)


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
    """The operations these scopes allow."""
    scope_list = list(scopes)
    return [op for op in _NEEDS if allows(scope_list, op)]


def capability_flags(
    scopes: Iterable[str], *, missing: Iterable[str] = (), known: bool = True
) -> dict[str, bool]:
    """``Capabilities`` as booleans, so callers can hide what a user's connection cannot do.

    ``known=False`` (no grant recorded) allows everything the gateway would check; ``missing``
    are scopes Zoom said the connection lacks, and what they would allow is off whatever the
    recorded grant says (Zoom's answer is the truth about the token).
    """
    scope_list = list(scopes)
    lacking = list(missing)
    return {
        flag: (not known or all(allows(scope_list, op) for op in ops))
        and not any(allows(lacking, op) for op in ops)
        for flag, ops in CAPABILITY_FLAGS.items()
    }


def named_in(message: str) -> tuple[str, ...]:
    """The scopes Zoom's refusal lists (``does not contain scopes:[a, b]``), in its order;
    empty when the message names none (``Invalid access token.``)."""
    found = _NAMED.search(message or "")
    if found is None:
        return ()
    names = re.split(r"[\s,]+", found.group(1))
    return tuple(dict.fromkeys(n.strip().strip("'\"") for n in names if n.strip().strip("'\"")))


def alternatives(operation: str) -> list[str]:
    """The scopes any one of which allows ``operation`` (classic first, then granular)."""
    return list(_NEEDS[operation])


def require(scopes: Iterable[str] | None, operation: str) -> None:
    """PERMISSION_DENIED naming the missing scope unless ``scopes`` allow ``operation``.

    ``None`` (or an empty grant) means the scopes are unknown — an old connection, or a token
    response without ``scope`` — and then Zoom decides: refusing on a guess would lock out
    users whose grant is fine.
    """
    held = list(scopes or ())
    if not held or allows(held, operation):
        return
    options = alternatives(operation)
    raise PermissionDenied(
        f"the Zoom connection lacks the scope for {operation.replace('_', ' ')}: grant "
        f"{' or '.join(repr(s) for s in options)} (either may end in ':admin') in the Zoom app "
        "and have the user authorize again",
        details={
            "operation": operation,
            "missing_scope": options[0],
            "granular_scope": options[-1],
            "granted_scopes": " ".join(held),
        },
    )
