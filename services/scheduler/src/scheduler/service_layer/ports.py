"""What the service layer needs from the outside world, as plain types (no protobuf, no gRPC)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.recurrence import ZoomRecurrence

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
    # A series' one recurring meeting (Zoom type 8); None for a meeting of one class.
    recurrence: ZoomRecurrence | None = None
    # The Classbridge user whose Zoom user hosts the meeting (a course instructor, to spread a
    # term over several hosts' daily budgets); empty: the tenant's host.
    host_user_id: str = ""


@dataclass(frozen=True)
class SkippedHost:
    """An alternative host asked for by user id that the meeting does not have: ``reason`` is
    ``not_connected`` (no Zoom connection known), ``other_account`` (their Zoom user is in
    another account) or ``refused_by_zoom`` (``detail``: Zoom's words)."""

    user_id: str
    reason: str
    email: str = ""
    detail: str = ""


@dataclass(frozen=True)
class MeetingInfo:
    """What Zoom answered about a meeting (never its start URL), and what it did not take of
    what was asked: pre-assigned breakout rooms (dropped silently when the account does not
    allow them) and alternative hosts."""

    meeting_id: int
    meeting_uuid: str
    join_url: str
    password: str
    topic: str
    host_zoom_user_id: str
    host_email: str
    duration_minutes: int
    breakout_rooms_dropped: bool = False
    skipped_alternative_hosts: tuple[SkippedHost, ...] = ()
    # A recurring meeting's occurrences Zoom made: (occurrence id, start).
    occurrences: tuple[tuple[str, datetime], ...] = ()


class ZoomMeetings(Protocol):
    """The zoom-gateway's meeting calls. Failures raise ``classbridge_common.errors`` types."""

    async def create_meeting(self, *, request_id: str, spec: MeetingSpec) -> MeetingInfo: ...

    async def update_meeting(
        self,
        *,
        meeting_id: int,
        spec: MeetingSpec,
        paths: tuple[str, ...],
        occurrence_id: str = "",
    ) -> MeetingInfo:
        """Change ``paths`` of the meeting, or of its one occurrence ``occurrence_id``."""
        ...

    async def delete_meeting(
        self, *, meeting_id: int, tenant_id: str, notify_hosts: bool, occurrence_id: str = ""
    ) -> bool:
        """True when Zoom no longer had the meeting. With ``occurrence_id`` only that
        occurrence of a recurring meeting goes; without, the whole meeting (every occurrence)."""
        ...

    async def start_url(self, *, meeting_id: int, tenant_id: str) -> str: ...


@dataclass(frozen=True)
class ReportedJoin:
    """One row of Zoom's participants report of an ended meeting: one join of one person
    (a rejoin, or a second device, is a row of its own). ``in_meeting`` is False for time spent
    in the waiting room, which is not attendance."""

    who: ZoomIdentity
    join_time: datetime | None
    leave_time: datetime | None
    in_meeting: bool = True


class ZoomReports(Protocol):
    """zoom-gateway's past-meeting participants. Failures raise ``classbridge_common.errors``
    types (UNAVAILABLE, RESOURCE_EXHAUSTED with a retry delay, NOT_FOUND while Zoom has no
    report of the instance yet...)."""

    async def past_participants(self, *, meeting_uuid: str, tenant_id: str) -> list[ReportedJoin]:
        """Every row of the report of meeting instance ``meeting_uuid`` (every page)."""
        ...


@dataclass(frozen=True)
class RegistrantSpec:
    """Who to register for a meeting."""

    email: str
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class RegisteredPerson:
    """Zoom's registration of one person: the id its events name, and the person's own join
    link (a credential: never logged)."""

    registrant_id: str
    email: str
    join_url: str = field(default="", repr=False)
    status: str = ""


class ZoomRegistrants(Protocol):
    """zoom-gateway's meeting registrants. Registering an email already registered answers
    that registration (Zoom is not asked twice); removing one already gone is no error."""

    async def add_registrants(
        self, *, meeting_id: int, tenant_id: str, people: Sequence[RegistrantSpec]
    ) -> list[RegisteredPerson]:
        """The registrations of ``people``, in their order."""
        ...

    async def remove_registrants(
        self, *, meeting_id: int, tenant_id: str, registrant_ids: Sequence[str]
    ) -> int:
        """How many of the registrations were there and are removed now."""
        ...


class ZoomGateway(ZoomMeetings, ZoomReports, ZoomRegistrants, Protocol):
    """Everything the scheduler asks zoom-gateway (what ``bootstrap`` wires in)."""
