"""Classbridge's own view of Zoom's webhook events: what the rest of the system is told.

These immutable records are the anti-corruption layer's output. Every field has a fixed type and
a neutral default (empty string, 0 = unknown time or size), ids are text whatever JSON type
Zoom used, and all times are epoch milliseconds. Secrets Zoom includes in its payloads (meeting
and recording passcodes) are deliberately not carried; the recording `download_token` is, because
recording-sync needs it to fetch the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Delivery:
    """What every event carries: Zoom's event name and its own timestamps, for ordering."""

    zoom_event: str
    event_ts_ms: int  # Zoom's `event_ts` (when Zoom emitted it); 0 if Zoom sent none
    account_id: str = ""
    operator: str = ""
    operator_id: str = ""
    # The Classbridge tenant owning `account_id` (decided when the signature was verified);
    # consumers apply the event inside this tenant only.
    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting instance as Zoom describes it in a webhook."""

    meeting_id: str = (
        ""  # the meeting number, as decimal text (string in some events, int in others)
    )
    meeting_uuid: str = ""  # the instance
    host_id: str = ""
    topic: str = ""
    meeting_type: int = 0
    start_time_ms: int = 0
    timezone: str = ""
    scheduled_duration_minutes: int = 0


@dataclass(frozen=True, slots=True)
class MeetingStarted:
    delivery: Delivery
    meeting: Meeting


@dataclass(frozen=True, slots=True)
class MeetingEnded:
    delivery: Delivery
    meeting: Meeting
    end_time_ms: int = 0
    actual_duration_seconds: int = 0  # end_time - start_time, when both are known


@dataclass(frozen=True, slots=True)
class Participant:
    """Who joined or left. Guests have no Zoom user id and often no email."""

    participant_uuid: str = ""
    user_id: str = ""  # per-meeting id; a rejoin gets a new one
    zoom_user_id: str = ""  # `id` / `participant_user_id`: empty for guests and external users
    name: str = ""
    email: str = ""
    registrant_id: str = ""
    customer_key: str = ""
    is_guest: bool = True


@dataclass(frozen=True, slots=True)
class ParticipantJoined:
    delivery: Delivery
    meeting: Meeting
    participant: Participant
    join_time_ms: int = 0


@dataclass(frozen=True, slots=True)
class ParticipantLeft:
    delivery: Delivery
    meeting: Meeting
    participant: Participant
    leave_time_ms: int = 0
    leave_reason: str = ""


@dataclass(frozen=True, slots=True)
class ParticipantRoleChanged:
    """A participant became host, co-host or attendee; Zoom's role names kept as sent."""

    delivery: Delivery
    meeting: Meeting
    participant: Participant
    old_role: str = ""
    new_role: str = ""
    changed_at_ms: int = 0  # the participant's `date_time`; 0 = unknown


@dataclass(frozen=True, slots=True)
class Sharing:
    """Zoom's `sharing_details`, without `file_link` (it can open a private document)."""

    content: str = ""  # "application" | "desktop" | "whiteboard" | "unknown" | …
    at_ms: int = 0  # `date_time`: when sharing started, or ended
    source: str = ""
    link_source: str = ""


@dataclass(frozen=True, slots=True)
class SharingStarted:
    delivery: Delivery
    meeting: Meeting
    participant: Participant
    sharing: Sharing = field(default_factory=Sharing)


@dataclass(frozen=True, slots=True)
class SharingEnded:
    delivery: Delivery
    meeting: Meeting
    participant: Participant
    sharing: Sharing = field(default_factory=Sharing)


@dataclass(frozen=True, slots=True)
class ParticipantJoinedBreakoutRoom:
    """`meeting` is the parent meeting (its instance uuid); the room has its own uuid."""

    delivery: Delivery
    meeting: Meeting
    participant: Participant
    breakout_room_uuid: str = ""
    parent_user_id: str = ""  # the participant's `user_id` in the parent meeting
    join_time_ms: int = 0


@dataclass(frozen=True, slots=True)
class ParticipantLeftBreakoutRoom:
    delivery: Delivery
    meeting: Meeting
    participant: Participant
    breakout_room_uuid: str = ""
    parent_user_id: str = ""
    leave_time_ms: int = 0
    leave_reason: str = ""


@dataclass(frozen=True, slots=True)
class RecordingFile:
    file_id: str = ""
    meeting_uuid: str = ""
    recording_start_ms: int = 0
    recording_end_ms: int = 0
    file_type: str = ""  # MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE, …; "" = incomplete file
    file_extension: str = ""
    file_size: int = 0
    file_name: str = ""
    play_url: str = ""
    download_url: str = ""
    status: str = ""
    recording_type: str = ""
    participant_audio: bool = False  # from `participant_audio_files`


@dataclass(frozen=True, slots=True)
class Recording:
    meeting: Meeting
    host_email: str = ""
    share_url: str = ""
    total_size: int = 0
    recording_count: int = 0
    files: tuple[RecordingFile, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RecordingCompleted:
    delivery: Delivery
    recording: Recording
    download_token: str = ""


@dataclass(frozen=True, slots=True)
class RecordingTranscriptCompleted:
    delivery: Delivery
    recording: Recording
    download_token: str = ""


@dataclass(frozen=True, slots=True)
class RecordingTrashed:
    delivery: Delivery
    recording: Recording


@dataclass(frozen=True, slots=True)
class RecordingDeleted:
    delivery: Delivery
    recording: Recording


@dataclass(frozen=True, slots=True)
class RecordingRecovered:
    delivery: Delivery
    recording: Recording
    download_token: str = ""


@dataclass(frozen=True, slots=True)
class MeetingFields:
    """The meeting fields Classbridge follows in `meeting.updated` (new or previous values)."""

    topic: str = ""
    start_time_ms: int = 0
    duration_minutes: int = 0
    timezone: str = ""
    agenda: str = ""
    password: str = ""
    meeting_type: int = 0
    auto_recording: str = ""  # Zoom's settings.auto_recording: "none" | "local" | "cloud"


@dataclass(frozen=True, slots=True)
class MeetingUpdated:
    """Only the changed fields are known: their names, new and previous values."""

    delivery: Delivery
    meeting_id: str = ""
    meeting_uuid: str = ""
    scope: str = ""  # "single" | "all" | ""
    occurrence_id: str = ""
    changed_fields: tuple[str, ...] = field(default_factory=tuple)
    new_values: MeetingFields = field(default_factory=MeetingFields)
    old_values: MeetingFields = field(default_factory=MeetingFields)
    updated_at_ms: int = 0


@dataclass(frozen=True, slots=True)
class Occurrence:
    occurrence_id: str = ""
    start_time_ms: int = 0


@dataclass(frozen=True, slots=True)
class MeetingDeleted:
    delivery: Delivery
    meeting: Meeting
    operation: str = ""  # "all" | "single"
    occurrences: tuple[Occurrence, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class AppDeauthorized:
    """A Zoom user removed Classbridge's app (`app_deauthorized`): their data must go.

    `delivery.account_id` is the user's Zoom account. Zoom's `signature` field is not kept: the
    webhook's own signature has been verified, and nothing downstream needs it.
    """

    delivery: Delivery
    zoom_user_id: str
    client_id: str = ""
    deauthorized_at_ms: int = 0  # Zoom's `deauthorization_time`; 0 = unknown


@dataclass(frozen=True, slots=True)
class RawEvent:
    """Any event not (or not fully) understood: passed on verbatim, never dropped."""

    delivery: Delivery
    meeting_uuid: str = ""
    meeting_id: str = ""
    payload_json: str = "{}"  # the body as JSON text, download_token removed
    reason: str = ""  # why it is raw: "unknown_event_type" or "malformed: …"


ZoomEvent = (
    MeetingStarted
    | MeetingEnded
    | ParticipantJoined
    | ParticipantLeft
    | ParticipantRoleChanged
    | SharingStarted
    | SharingEnded
    | ParticipantJoinedBreakoutRoom
    | ParticipantLeftBreakoutRoom
    | RecordingCompleted
    | RecordingTranscriptCompleted
    | RecordingTrashed
    | RecordingDeleted
    | RecordingRecovered
    | MeetingUpdated
    | MeetingDeleted
    | AppDeauthorized
    | RawEvent
)
