"""What the service layer needs from the outside world, as plain types (no protobuf, no gRPC)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# The seed's meeting defaults (proto field names of classbridge.common.v1.MeetingSettings):
# students join without a Zoom account, muted, before the host, and the class is recorded to
# the cloud. Course, batch and session settings override them field by field.
DEFAULT_MEETING_SETTINGS: dict[str, Any] = {
    "host_video": True,
    "participant_video": False,
    "join_before_host": True,
    "mute_upon_entry": True,
    "waiting_room": False,
    "meeting_authentication": False,
    "auto_recording": "AUTO_RECORDING_CLOUD",
}


@dataclass(frozen=True)
class MeetingSpec:
    """The meeting a session wants at Zoom."""

    topic: str
    start_time: datetime
    duration_minutes: int
    timezone: str
    agenda: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    tenant_id: str = ""


@dataclass(frozen=True)
class MeetingInfo:
    """What Zoom answered about a meeting (never its start URL)."""

    meeting_id: int
    meeting_uuid: str
    join_url: str
    password: str
    topic: str
    host_zoom_user_id: str
    host_email: str
    duration_minutes: int


class ZoomMeetings(Protocol):
    """The zoom-gateway's meeting calls. Failures raise ``classbridge_common.errors`` types."""

    async def create_meeting(self, *, request_id: str, spec: MeetingSpec) -> MeetingInfo: ...

    async def update_meeting(
        self, *, meeting_id: int, spec: MeetingSpec, paths: tuple[str, ...]
    ) -> MeetingInfo: ...

    async def delete_meeting(self, *, meeting_id: int, tenant_id: str, notify_hosts: bool) -> bool:
        """True when Zoom no longer had the meeting."""
        ...

    async def start_url(self, *, meeting_id: int, tenant_id: str) -> str: ...
