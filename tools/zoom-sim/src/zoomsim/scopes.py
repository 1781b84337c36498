"""OAuth scopes per /v2 endpoint, checked on every call so a client's scope handling is proven.

Zoom answers a token that lacks an endpoint's scope with
`{"code": 4711, "message": "Invalid access token, does not contain scopes:[a, b]."}` (granular
era, seen on the developer forum); older answers used code 4700 and a space after the colon
(`scopes: [report:read:admin]`), a switch (`scope_error_code`). The HTTP status is 401, as the
reference lists it, when the `scopes` fidelity switch is on, else 400 (what
zoom/zoomapps-sample-js#25 reports). A malformed, unknown or expired token stays 401/124: that
is an authentication failure, not a scope one.

The check is liberal: an endpoint accepts any of its classic or granular names, each with or
without `:admin` (Zoom's user-level vs account-level forms), so a client is only refused when no
reasonable reading of its grant covers the call.
"""

from __future__ import annotations

from collections.abc import Iterable

from zoomsim.routing import ZoomError

# route name (see app.Api) -> (classic, granular...) scopes that allow it, without ":admin"
NEEDS: dict[str, tuple[str, ...]] = {
    "users.get": ("user:read", "user:read:user"),
    "meetings.create": ("meeting:write", "meeting:write:meeting"),
    "meetings.list": ("meeting:read", "meeting:read:list_meetings"),
    "meetings.get": ("meeting:read", "meeting:read:meeting"),
    "meetings.update": ("meeting:write", "meeting:update:meeting", "meeting:write:meeting"),
    "meetings.delete": ("meeting:write", "meeting:delete:meeting"),
    "meetings.status": ("meeting:write", "meeting:update:status", "meeting:update:meeting"),
    "users.recordings": ("recording:read", "cloud_recording:read:list_user_recordings"),
    "recordings.get": (
        "recording:read",
        "cloud_recording:read:list_recording_files",
        "cloud_recording:read:recording",
    ),
    "recordings.delete": ("recording:write", "cloud_recording:delete:meeting_recording"),
    "recordings.delete_file": ("recording:write", "cloud_recording:delete:recording_file"),
    "recordings.recover": (
        "recording:write",
        "cloud_recording:update:recover_meeting_recordings",
    ),
    "recordings.recover_file": (
        "recording:write",
        "cloud_recording:update:recover_single_recording",
    ),
    "past_meetings.get": ("meeting:read", "meeting:read:past_meeting"),
    "past_meetings.instances": ("meeting:read", "meeting:read:list_past_instances"),
    "past_meetings.participants": ("meeting:read", "meeting:read:list_past_participants"),
    "report.participants": ("report:read", "report:read:list_meeting_participants"),
    "report.meeting": ("report:read", "report:read:meeting"),
    "meetings.summary": ("meeting:read", "meeting:read:summary"),
    "registrants.add": ("meeting:write", "meeting:write:registrant"),
    "registrants.batch": ("meeting:write", "meeting:write:batch_registrants"),
    "registrants.list": ("meeting:read", "meeting:read:list_registrants"),
    "registrants.get": ("meeting:read", "meeting:read:registrant"),
    "registrants.delete": ("meeting:write", "meeting:delete:registrant"),
    "registrants.status": ("meeting:write", "meeting:update:registrant_status"),
}

# Granted by the seeded apps unless a seed names its own: everything the endpoints above need.
DEFAULT_S2S_SCOPES = " ".join(
    [
        # the original seed string first (clients and tests read it)
        "meeting:read:meeting:admin meeting:write:meeting:admin",
        "meeting:update:meeting:admin meeting:delete:meeting:admin",
        "user:read:user:admin cloud_recording:read:list_recording_files:admin",
        "cloud_recording:read:list_user_recordings:admin",
        "report:read:list_meeting_participants:admin",
        # the rest of what the simulated endpoints need
        "meeting:read:list_meetings:admin meeting:read:past_meeting:admin",
        "meeting:read:list_past_instances:admin meeting:read:list_past_participants:admin",
        "meeting:update:status:admin cloud_recording:read:recording:admin",
        "cloud_recording:delete:meeting_recording:admin",
        "cloud_recording:delete:recording_file:admin",
        "cloud_recording:update:recover_meeting_recordings:admin",
        "cloud_recording:update:recover_single_recording:admin",
        "report:read:meeting:admin",
        "meeting:read:summary:admin",
        "meeting:write:registrant:admin meeting:write:batch_registrants:admin",
        "meeting:read:list_registrants:admin meeting:read:registrant:admin",
        "meeting:delete:registrant:admin meeting:update:registrant_status:admin",
    ]
)
DEFAULT_OAUTH_SCOPES = " ".join(
    [
        "meeting:read:meeting meeting:write:meeting meeting:update:meeting",
        "meeting:delete:meeting user:read:user cloud_recording:read:list_recording_files",
        "meeting:read:list_meetings meeting:read:past_meeting meeting:read:list_past_instances",
        "meeting:read:list_past_participants meeting:update:status",
        "cloud_recording:read:recording cloud_recording:read:list_user_recordings",
        "cloud_recording:delete:meeting_recording cloud_recording:delete:recording_file",
        "cloud_recording:update:recover_meeting_recordings",
        "cloud_recording:update:recover_single_recording",
        # reports are account-level only; a user-managed app of an admin may hold them
        "report:read:list_meeting_participants:admin report:read:meeting:admin",
        "meeting:read:summary",
        "meeting:write:registrant meeting:write:batch_registrants",
        "meeting:read:list_registrants meeting:read:registrant",
        "meeting:delete:registrant meeting:update:registrant_status",
    ]
)


def granted(scope: str) -> frozenset[str]:
    """The scope string of a token as the set of names it covers, `:admin` removed, so one
    set lookup decides each request."""
    return frozenset(s.removesuffix(":admin") for s in scope.split() if s)


def is_granular(scope: str) -> bool:
    """Granular names have three parts before an optional `:admin` (`a:b:c[:admin]`)."""
    return len(scope.removesuffix(":admin").split(":")) >= 3


def missing_names(route: str, held: Iterable[str]) -> list[str]:
    """The names Zoom lists in its error: the style the app uses (granular if it holds any
    granular scope, else classic), the user-level and the `:admin` form."""
    needs = NEEDS[route]
    granular = any(is_granular(s) for s in held)
    base = next((n for n in needs if is_granular(n)), needs[0]) if granular else needs[0]
    if granular:
        return [base, base + ":admin"]
    return [base + ":admin", base]


def check(route: str, have: frozenset[str], scope: str, *, code: int, status: int) -> None:
    """Raise Zoom's scope error when no name allowing `route` is in `have`."""
    needs = NEEDS.get(route)
    if needs is None or any(n in have for n in needs):
        return
    names = ", ".join(missing_names(route, scope.split()))
    sep = ": " if code == 4700 else ":"
    raise ZoomError(status, code, f"Invalid access token, does not contain scopes{sep}[{names}].")
