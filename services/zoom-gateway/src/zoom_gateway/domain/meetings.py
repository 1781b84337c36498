"""What a Classbridge class meeting looks like at Zoom unless the caller says otherwise.

The defaults come from the course platforms' expectations (seed 000): students join with a
passcode and no Zoom account, the class is recorded to the cloud, people may come in before the
host and are muted on entry, there is no waiting room. Every default can be overridden per call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zoom_gateway.domain.passwords import generate_password, is_valid_password

MIN_DURATION_MINUTES = 30
MAX_TOPIC = 200
MAX_AGENDA = 2000
MARKER_PREFIX = "classbridge-ref:"

SCHEDULED = 2
RECURRING_NO_FIXED_TIME = 3
RECURRING_FIXED_TIME = 8

DEFAULT_SETTINGS: Mapping[str, Any] = {
    "host_video": True,
    "participant_video": False,
    "join_before_host": True,
    "mute_upon_entry": True,
    "waiting_room": False,
    "meeting_authentication": False,
    "auto_recording": "cloud",
}


class MeetingValidationError(ValueError):
    """A meeting request that Zoom would refuse; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.description = message


@dataclass(frozen=True, slots=True)
class MeetingDraft:
    """A create request in our words; ``settings`` are raw Zoom settings that override defaults."""

    topic: str = ""
    course_title: str = ""
    session_title: str = ""
    start_time: datetime | None = None
    duration_minutes: int = 0
    timezone: str = ""
    agenda: str = ""
    meeting_type: int = SCHEDULED
    password: str | None = None
    generate_password: bool = True
    alternative_hosts: Sequence[str] = ()
    recurrence: Mapping[str, Any] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    schedule_for: str = ""


def make_topic(draft: MeetingDraft) -> str:
    """``{course} - {session}`` when both titles are given, else the explicit topic."""
    if draft.topic:
        topic = draft.topic
    elif draft.course_title and draft.session_title:
        topic = f"{draft.course_title} - {draft.session_title}"
    else:
        topic = draft.course_title or draft.session_title
    if not topic.strip():
        raise MeetingValidationError("topic", "give a topic, or course and session titles")
    return topic[:MAX_TOPIC]


def effective_duration(minutes: int) -> int:
    """Never schedule less than half an hour: ``max(30, minutes)``."""
    return max(MIN_DURATION_MINUTES, minutes)


def zoom_time(value: datetime) -> str:
    """Zoom's UTC form ``yyyy-MM-ddTHH:mm:ssZ`` (naive times are taken as UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_marker(tenant: str, request_id: str) -> str:
    """The token put at the end of the agenda so a lost create can be found again at Zoom.

    A hash, not the raw request id, so nothing internal shows in invitations.
    """
    digest = hashlib.sha256(f"{tenant}\x00{request_id}".encode()).hexdigest()[:24]
    return f"{MARKER_PREFIX}{digest}"


def agenda_with_marker(agenda: str, marker: str) -> str:
    suffix = f"\n\n[{marker}]"
    return agenda[: MAX_AGENDA - len(suffix)] + suffix


def strip_marker(agenda: str) -> str:
    """The agenda as the caller wrote it (without our marker)."""
    index = agenda.rfind(f"\n\n[{MARKER_PREFIX}")
    if index < 0 and agenda.startswith(f"[{MARKER_PREFIX}"):
        return ""
    return agenda[:index] if index >= 0 else agenda


def has_marker(meeting: Mapping[str, Any], marker: str) -> bool:
    return f"[{marker}]" in str(meeting.get("agenda") or "")


APPROVAL_TYPES = (0, 1, 2)  # automatic approval, manual approval, no registration
REGISTRATION_TYPES = (1, 2, 3)  # once for all occurrences, each occurrence, once choosing


def check_settings(settings: Mapping[str, Any]) -> None:
    """Refuse, before Zoom does, settings values outside Zoom's ranges (Zoom's own answer is a
    bare "Validation Failed." that names no field)."""
    if "approval_type" in settings and settings["approval_type"] not in APPROVAL_TYPES:
        raise MeetingValidationError(
            "settings.approval_type", "0 (automatic), 1 (manual) or 2 (no registration)"
        )
    if "registration_type" in settings and settings["registration_type"] not in REGISTRATION_TYPES:
        raise MeetingValidationError("settings.registration_type", "1, 2 or 3")
    room = settings.get("breakout_room")
    if isinstance(room, Mapping):
        for index, each in enumerate(room.get("rooms") or []):
            name = each.get("name") if isinstance(each, Mapping) else ""
            if not str(name or "").strip():
                raise MeetingValidationError(
                    f"settings.breakout_rooms.rooms[{index}].name", "required"
                )


def rooms_requested(settings: Mapping[str, Any]) -> int:
    """How many pre-assigned breakout rooms Zoom's ``settings`` ask for."""
    room = settings.get("breakout_room")
    if not isinstance(room, Mapping):
        return 0
    rooms = room.get("rooms")
    return len(rooms) if isinstance(rooms, Sequence) and not isinstance(rooms, str) else 0


def rooms_kept(meeting: Mapping[str, Any]) -> bool | None:
    """Whether Zoom's meeting still has pre-assigned breakout rooms; ``None`` when its answer
    says nothing about breakout rooms (then only a GET can tell). Zoom drops the rooms, with a
    2xx, unless the account lets hosts pre-assign rooms when scheduling [seen]."""
    settings = meeting.get("settings")
    if not isinstance(settings, Mapping):
        return None
    room = settings.get("breakout_room")
    if not isinstance(room, Mapping):
        return None
    return rooms_requested(settings) > 0


def build_create_body(draft: MeetingDraft, *, marker: str | None = None) -> dict[str, Any]:
    """The JSON body of ``POST /users/{userId}/meetings`` for ``draft`` with our defaults."""
    body: dict[str, Any] = {"topic": make_topic(draft), "type": draft.meeting_type}
    if draft.meeting_type not in (1, SCHEDULED, RECURRING_NO_FIXED_TIME, RECURRING_FIXED_TIME):
        raise MeetingValidationError("type", "must be 1, 2, 3 or 8")
    if draft.meeting_type in (SCHEDULED, RECURRING_FIXED_TIME):
        if draft.start_time is None:
            raise MeetingValidationError("start_time", "required for scheduled meetings")
        body["start_time"] = zoom_time(draft.start_time)
    if draft.meeting_type != 1:
        if draft.duration_minutes < 0:
            raise MeetingValidationError("duration_minutes", "must not be negative")
        body["duration"] = effective_duration(draft.duration_minutes)
    if draft.timezone:
        body["timezone"] = draft.timezone
    agenda = draft.agenda[:MAX_AGENDA]
    body["agenda"] = agenda_with_marker(agenda, marker) if marker else agenda
    if draft.password is not None and draft.password != "":
        if not is_valid_password(draft.password):
            raise MeetingValidationError(
                "password", "at most 10 characters from letters, digits and @ - _ *"
            )
        body["password"] = draft.password
    elif draft.generate_password:
        body["password"] = generate_password()
    if draft.recurrence:
        if draft.meeting_type not in (RECURRING_NO_FIXED_TIME, RECURRING_FIXED_TIME):
            raise MeetingValidationError("recurrence", "only for meeting types 3 and 8")
        body["recurrence"] = dict(draft.recurrence)
    check_settings(draft.settings)
    settings = dict(DEFAULT_SETTINGS)
    settings.update(draft.settings)
    if draft.alternative_hosts:
        settings["alternative_hosts"] = ";".join(
            h.strip() for h in draft.alternative_hosts if h.strip()
        )
    body["settings"] = settings
    if draft.schedule_for:
        body["schedule_for"] = draft.schedule_for
    return body


def fingerprint(body: Mapping[str, Any], host: str) -> str:
    """A stable hash of what the caller asked for (without the random passcode).

    Used to notice a request id reused for a *different* meeting.
    """
    relevant = {k: v for k, v in body.items() if k not in ("password", "agenda")}
    relevant["agenda"] = strip_marker(str(body.get("agenda", "")))
    relevant["host"] = host.lower()
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
