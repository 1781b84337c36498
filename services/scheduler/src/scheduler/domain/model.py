"""The scheduler's entities and the rules of their life, with no I/O.

A session moves scheduled -> in_progress -> ended, or scheduled -> cancelled. Zoom reports the
meeting's life through webhooks that may arrive late, twice or out of order, so each lifecycle
change remembers the Zoom event time it came from and an older event never overwrites what a
newer one said (a late ``started`` after ``ended`` does not reopen the session).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scheduler.domain import attendance
from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.errors import FailedPrecondition
from scheduler.domain.timing import MAX_SESSION_LENGTH, session_minutes, zoom_duration


class BatchType(enum.StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    CANCELLED = "cancelled"


class AutoRecording(enum.StrEnum):
    NONE = "none"
    LOCAL = "local"
    CLOUD = "cloud"


class ParticipantRole(enum.StrEnum):
    HOST = "host"
    CO_HOST = "co_host"
    PARTICIPANT = "participant"


class ParticipantStatus(enum.StrEnum):
    NOT_JOINED = "not_joined"
    JOINED = "joined"
    LEFT = "left"


class InteractionType(enum.StrEnum):
    CHAT = "chat"
    QUESTION = "question"
    POLL_RESPONSE = "poll_response"
    REACTION = "reaction"


class ResourceType(enum.StrEnum):
    SLIDES = "slides"
    DOCUMENT = "document"
    LINK = "link"
    VIDEO = "video"
    IMAGE = "image"
    CODE = "code"
    OTHER = "other"


class LessonSource(enum.StrEnum):
    ZOOM_AUTO_SYNC = "zoom_auto_sync"
    MANUAL_UPLOAD = "manual_upload"
    EXTERNAL_LINK = "external_link"
    LOCAL_FOLDER = "local_folder"


Settings = dict[str, Any]
"""Meeting settings as plain data (the proto's JSON form); merged course -> batch -> session."""


def merge_settings(*layers: Settings | None) -> Settings:
    """Later layers win field by field (course defaults, then batch, then session)."""
    result: Settings = {}
    for layer in layers:
        if layer:
            result.update(layer)
    return result


@dataclass
class Course:
    id: str
    title: str
    tenant_id: str = ""
    description: str = ""
    instructor_ids: list[str] = field(default_factory=list)
    default_timezone: str = ""
    default_meeting_settings: Settings = field(default_factory=dict)
    request_id: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None


@dataclass
class Batch:
    id: str
    course_id: str
    name: str
    type: BatchType
    instructor_id: str = ""
    student_id: str = ""
    timezone: str = ""
    start_date: date | None = None
    end_date: date | None = None
    meeting_settings: Settings = field(default_factory=dict)
    request_id: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    # Percentage of a session a student must attend to count as present; 0 = the default.
    present_threshold_percentage: float = 0.0
    # Group batches: breakout rooms with their pre-assigned students (``domain.breakout``).
    breakout_groups: list[BreakoutGroup] = field(default_factory=list)

    def storage_folder(self) -> str:
        """Where recordings of this batch go (seed 000's folder layout)."""
        if self.type is BatchType.INDIVIDUAL:
            return f"videos/student/{self.student_id}"
        return f"videos/{self.id}"


@dataclass
class Enrollment:
    """A student of a group batch. ``email`` and the name, when the course platform gave them,
    are what the student is registered with for the batch's meetings."""

    id: str
    batch_id: str
    student_id: str
    create_time: datetime | None = None
    email: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class ZoomMeeting:
    """The Zoom meeting a session is held in. Never holds the host start URL."""

    meeting_id: int
    meeting_uuid: str = ""
    # The occurrence of a recurring meeting this session is (Zoom's id: its start in epoch ms);
    # empty for a meeting of its own. Updates and deletes at Zoom then name this occurrence.
    occurrence_id: str = ""
    join_url: str = ""
    password: str = ""
    topic: str = ""
    host_zoom_user_id: str = ""
    host_email: str = ""
    duration_minutes: int = 0
    create_time: datetime | None = None
    last_zoom_sync_time: datetime | None = None
    # Start and timezone as Zoom has them (None/empty for meetings linked before they were kept).
    start_time: datetime | None = None
    timezone: str = ""
    # Zoom's time of the last meeting change applied from Zoom: the ordering key of updates.
    zoom_change_time: datetime | None = None
    # When Zoom reported the meeting deleted (not by Classbridge).
    delete_time: datetime | None = None
    # A change made in Zoom that the session deliberately did not follow (shown as a warning).
    unapplied_change: str = ""

    def absorb(self, change: MeetingChange, *, start: datetime, timezone: str) -> bool:
        """Take Zoom's new topic, start, length and timezone; True when any of them differed.

        ``start`` and ``timezone`` are what the meeting is known to have when this record
        predates keeping them (the session's own values).
        """
        self.start_time = self.start_time or start
        self.timezone = self.timezone or timezone
        before = (self.topic, self.start_time, self.duration_minutes, self.timezone)
        if change.topic is not None:
            self.topic = change.topic
        if change.start_time is not None:
            self.start_time = change.start_time
        if change.duration_minutes is not None:
            self.duration_minutes = change.duration_minutes
        if change.timezone is not None:
            self.timezone = change.timezone
        return before != (self.topic, self.start_time, self.duration_minutes, self.timezone)

    def as_history(self, *, deleted_at: datetime) -> ZoomMeeting:
        """This meeting as kept after Zoom deleted it: ids and times stay, the dead join link
        and passcode go."""
        return replace(self, join_url="", password="", delete_time=deleted_at)


#: Stands for the occurrence of a one-occurrence change or deletion Zoom did not name.
UNKNOWN_OCCURRENCE = "unknown"


@dataclass(frozen=True)
class MeetingChange:
    """What Zoom says changed in a meeting; ``None`` means "not among the changed fields".

    ``occurrence_id`` is set when the change applies to one occurrence only (Zoom's
    ``scope: single``); Zoom's occurrence ids are the occurrence's start in epoch milliseconds.
    """

    event_time: datetime
    topic: str | None = None
    start_time: datetime | None = None
    duration_minutes: int | None = None
    timezone: str | None = None
    occurrence_id: str = ""

    def describe(self) -> str:
        parts = []
        if self.start_time is not None:
            parts.append(f"start {self.start_time.isoformat()}")
        if self.duration_minutes is not None:
            parts.append(f"{self.duration_minutes} minutes")
        if self.timezone is not None:
            parts.append(f"timezone {self.timezone}")
        if self.topic is not None:
            parts.append(f"topic {self.topic!r}")
        return ", ".join(parts) or "no followed field"


@dataclass(frozen=True)
class MeetingChangeResult:
    """What applying a Zoom-side change did.

    ``advanced``: the ordering watermark moved (store the session); ``changed``: something a
    reader sees changed; ``moved``: the session fields of its scheduled window that moved (a
    ``session.updated`` is due), with the window they replaced.
    """

    advanced: bool = False
    changed: bool = False
    moved: tuple[str, ...] = ()
    previous_start: datetime | None = None
    previous_end: datetime | None = None


class MeetingDeletion(enum.StrEnum):
    """What a ``meeting.deleted`` from Zoom did to a session."""

    IGNORED = "ignored"  # nothing linked, or already known
    RECORDED = "recorded"  # noted only (session not scheduled, or one occurrence)
    UNLINKED = "unlinked"  # the scheduled session lost its meeting


@dataclass
class RecordingSync:
    """The scheduler's projection of recording-sync's reports on one session."""

    synced: bool = False
    last_sync_time: datetime | None = None
    attempts: int = 0
    next_retry_time: datetime | None = None
    last_error: str = ""
    last_error_type: int = 0
    last_event_time: datetime | None = None
    # The synced recording was deleted (at Zoom or by a person) and no lesson from it is left:
    # the session is not synced any more, and says so rather than looking never synced.
    deleted: bool = False
    delete_time: datetime | None = None
    # recording-sync's ids of the files removed from the session's lessons. A file seen before
    # is done, so a late or repeated announcement of one never brings its lesson back.
    removed_file_ids: list[str] = field(default_factory=list)

    def apply_synced(self, *, at: datetime, attempts: int) -> None:
        self.attempts = max(self.attempts, attempts)
        if self.delete_time is not None and at < self.delete_time:
            return  # a sync older than the deletion does not bring the recording back
        self.synced = True
        self.deleted = False
        self.delete_time = None
        if self.last_sync_time is None or at >= self.last_sync_time:
            self.last_sync_time = at
        self.next_retry_time = None
        self.last_error = ""
        self.last_error_type = 0
        self.last_event_time = max(filter(None, (self.last_event_time, at)))

    def apply_failed(
        self,
        *,
        at: datetime,
        attempts: int,
        error: str,
        error_type: int,
        next_retry_time: datetime | None,
    ) -> None:
        """An attempt failed (or found no recording yet): what a waiting or failed session shows.

        The attempt count only grows; the error and the next retry come from the newest report.
        """
        self.attempts = max(self.attempts, attempts)
        if self.last_event_time is not None and at < self.last_event_time:
            return  # an older failure never hides a newer success or failure
        self.last_event_time = at
        self.last_error = error[:2000]
        self.last_error_type = error_type
        self.next_retry_time = next_retry_time

    def apply_removed(self, *, at: datetime, file_ids: Iterable[str], last_gone: bool) -> None:
        """Files of the session's recordings were removed: they are remembered as done, and
        when the removal took the last lesson from a synced recording (``last_gone``) the
        session no longer counts as synced (``deleted``, with the time) until a newer sync."""
        for file_id in file_ids:
            if file_id not in self.removed_file_ids:
                self.removed_file_ids.append(file_id)
        self.last_event_time = max(filter(None, (self.last_event_time, at)))
        if not last_gone:
            return
        self.synced = False
        self.deleted = True
        self.delete_time = max(filter(None, (self.delete_time, at)))
        self.next_retry_time = None


@dataclass
class Session:
    id: str
    batch_id: str
    course_id: str
    batch_type: BatchType
    title: str
    scheduled_start: datetime
    scheduled_end: datetime
    timezone: str
    teacher_id: str = ""
    description: str = ""
    status: SessionStatus = SessionStatus.SCHEDULED
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    max_participants: int = 0
    auto_recording: AutoRecording = AutoRecording.CLOUD
    meeting_settings: Settings = field(default_factory=dict)
    meeting: ZoomMeeting | None = None
    recording_sync: RecordingSync | None = None
    cancel_time: datetime | None = None
    cancel_reason: str = ""
    cancelled_by: str = ""
    request_id: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    # Zoom event time of the lifecycle event the status came from (ordering key).
    lifecycle_event_time: datetime | None = None
    # How many of the session's meetings Zoom deleted: part of the next meeting's request id.
    meeting_generation: int = 0
    # The last meeting Zoom deleted while the session was scheduled (history).
    previous_meeting: ZoomMeeting | None = None
    # The series this session is an occurrence of (empty: scheduled on its own).
    series_id: str = ""

    @property
    def scheduled_minutes(self) -> int:
        return int((self.scheduled_end - self.scheduled_start).total_seconds() // 60)

    def length(self) -> timedelta:
        """What attendance is measured against: the real length once known, else the plan."""
        if self.actual_start is not None and self.actual_end is not None:
            real = self.actual_end - self.actual_start
            if real > timedelta(0):
                return real
        return self.scheduled_end - self.scheduled_start

    def ensure_can_change(self) -> None:
        """FAILED_PRECONDITION for a cancelled or ended session."""
        if self.status in (SessionStatus.CANCELLED, SessionStatus.ENDED):
            raise FailedPrecondition(f"the session is {self.status.value}")

    def ensure_can_cancel(self) -> None:
        if self.status in (SessionStatus.IN_PROGRESS, SessionStatus.ENDED):
            raise FailedPrecondition(
                f"a session that is {self.status.value.replace('_', ' ')} cannot be cancelled"
            )

    @property
    def wants_meeting(self) -> bool:
        """A cancelled or ended session has no use for a new Zoom meeting: one created for it
        meanwhile is deleted, not linked."""
        return self.status not in (SessionStatus.CANCELLED, SessionStatus.ENDED)

    @property
    def meeting_left_at_zoom(self) -> bool:
        """A cancelled session still holding a meeting Zoom has not deleted: a delete that
        failed (or a meeting made while it was being cancelled) left it at Zoom."""
        return (
            self.status is SessionStatus.CANCELLED
            and self.meeting is not None
            and self.meeting.delete_time is None
        )

    def link(self, meeting: ZoomMeeting) -> None:
        self.meeting = meeting

    def meeting_request_id(self) -> str:
        """The idempotency key for creating this session's meeting at Zoom.

        The session id for the first meeting, so a retried schedule never makes two; once Zoom
        deleted a meeting, the id plus the generation, since the old key would only give back
        the deleted meeting.
        """
        if self.meeting_generation == 0:
            return self.id
        return f"{self.id}~{self.meeting_generation}"

    def _meeting_start(self) -> datetime:
        if self.meeting is not None and self.meeting.start_time is not None:
            return self.meeting.start_time
        return self.scheduled_start

    def _is_current_occurrence(self, occurrence_id: str) -> bool:
        """Zoom's occurrence ids are the occurrence's start in epoch milliseconds."""
        return occurrence_id == str(int(self._meeting_start().timestamp() * 1000))

    def _note_unapplied(self, note: str) -> bool:
        assert self.meeting is not None
        if self.meeting.unapplied_change == note:
            return False
        self.meeting.unapplied_change = note
        return True

    def apply_meeting_change(self, change: MeetingChange) -> MeetingChangeResult:
        """Zoom says the meeting was changed (in Zoom directly, or our own update coming back).

        A change older (by Zoom's time) than the last one applied is ignored. The meeting info
        takes Zoom's values; a scheduled session also moves its window to Zoom's start and
        length. Our own update echoed back equals the current state and changes nothing (only
        the ordering watermark moves, so an older change arriving later stays ignored). A
        change to another occurrence is noted, never followed.
        """
        meeting = self.meeting
        if meeting is None or meeting.delete_time is not None:
            return MeetingChangeResult()
        if meeting.zoom_change_time is not None and change.event_time < meeting.zoom_change_time:
            return MeetingChangeResult()
        if change.occurrence_id and not self._is_current_occurrence(change.occurrence_id):
            noted = self._note_unapplied(
                f"Zoom changed occurrence {change.occurrence_id} of the meeting "
                f"({change.describe()}); the session kept its times"
            )
            return MeetingChangeResult(advanced=noted, changed=noted)
        advanced = meeting.zoom_change_time != change.event_time
        meeting.zoom_change_time = change.event_time
        changed = meeting.absorb(change, start=self.scheduled_start, timezone=self.timezone)
        if self.status is not SessionStatus.SCHEDULED:
            return MeetingChangeResult(advanced=advanced or changed, changed=changed)
        previous_start, previous_end = self.scheduled_start, self.scheduled_end
        moved = self._follow(change)
        return MeetingChangeResult(
            advanced=advanced or changed or bool(moved),
            changed=changed or bool(moved),
            moved=moved,
            previous_start=previous_start,
            previous_end=previous_end,
        )

    def _follow(self, change: MeetingChange) -> tuple[str, ...]:
        """Move the scheduled window to Zoom's start and length; the names of what moved.

        The session keeps its own length when Zoom's duration is only that length raised to
        Zoom's 30-minute minimum (a 20-minute class is booked for 30).
        """
        start = change.start_time or self.scheduled_start
        length = self.scheduled_end - self.scheduled_start
        booked = zoom_duration(session_minutes(self.scheduled_start, self.scheduled_end))
        if change.duration_minutes and change.duration_minutes != booked:
            length = min(timedelta(minutes=change.duration_minutes), MAX_SESSION_LENGTH)
        moved = []
        if start != self.scheduled_start:
            moved.append("scheduled_start")
        if start + length != self.scheduled_end:
            moved.append("scheduled_end")
        self.scheduled_start, self.scheduled_end = start, start + length
        return tuple(moved)

    def apply_meeting_deleted(
        self, *, event_time: datetime, occurrence_ids: tuple[str, ...] = ()
    ) -> MeetingDeletion:
        """Zoom says the meeting (or some occurrences of it) was deleted.

        A scheduled session loses the meeting (kept as history) and may get a new one; an
        in-progress, ended or cancelled session only records it (its recordings still belong
        to that meeting). Deleted occurrences are noted, never followed. Our own deletion
        (CancelSession) has already unlinked the meeting, so it finds nothing to do.
        """
        meeting = self.meeting
        if meeting is None or meeting.delete_time is not None:
            return MeetingDeletion.IGNORED
        if occurrence_ids:
            noted = self._note_unapplied(
                f"Zoom deleted occurrence(s) {', '.join(occurrence_ids)} of the meeting; "
                "the session kept its meeting"
            )
            return MeetingDeletion.RECORDED if noted else MeetingDeletion.IGNORED
        if self.status is not SessionStatus.SCHEDULED:
            meeting.delete_time = event_time
            return MeetingDeletion.RECORDED
        self.previous_meeting = meeting.as_history(deleted_at=event_time)
        self.meeting = None
        self.meeting_generation += 1
        return MeetingDeletion.UNLINKED

    def forget_own_deletion(self, meeting_id: int) -> None:
        """CancelSession deleted ``meeting_id``; if Zoom's ``meeting.deleted`` was applied
        before the cancellation was stored, it was our deletion, not one made in Zoom."""
        if self.previous_meeting is not None and self.previous_meeting.meeting_id == meeting_id:
            self.previous_meeting = None

    def notices(self) -> list[tuple[str, str]]:
        """(code, message) of conditions a reader should see, derived from the state so they
        disappear by themselves (a new meeting, a cancellation)."""
        found: list[tuple[str, str]] = []
        gone = self.previous_meeting
        if self.status is SessionStatus.SCHEDULED and self.meeting is None and gone is not None:
            found.append(
                (
                    "ZOOM_MEETING_DELETED",
                    f"Zoom meeting {gone.meeting_id} was deleted in Zoom; create a new meeting "
                    "for this session",
                )
            )
        if self.meeting is not None and self.meeting.delete_time is not None:
            found.append(
                (
                    "ZOOM_MEETING_DELETED",
                    f"Zoom meeting {self.meeting.meeting_id} was deleted in Zoom "
                    f"after the session was {self.status.value.replace('_', ' ')}",
                )
            )
        if self.meeting is not None and self.meeting.unapplied_change:
            found.append(("ZOOM_CHANGE_NOT_APPLIED", self.meeting.unapplied_change))
        return found

    def cancel(self, *, reason: str, by: str, at: datetime) -> None:
        self.ensure_can_cancel()
        self.status = SessionStatus.CANCELLED
        self.cancel_time = at
        self.cancel_reason = reason
        self.cancelled_by = by

    def _is_older(self, event_time: datetime) -> bool:
        return self.lifecycle_event_time is not None and event_time < self.lifecycle_event_time

    def apply_started(self, *, event_time: datetime, start_time: datetime | None) -> bool:
        """Zoom says the meeting started; True when the session changed.

        A started event older than the last applied lifecycle event only fills a missing
        actual start; a newer one after ``ended`` is a restarted meeting and reopens the session
        (keeping the first actual start).
        """
        start = start_time or event_time
        if self.status is SessionStatus.CANCELLED:
            return False
        if self._is_older(event_time):
            if self.actual_start is None or start < self.actual_start:
                self.actual_start = start
                return True
            return False
        changed = self.status is not SessionStatus.IN_PROGRESS
        self.status = SessionStatus.IN_PROGRESS
        self.actual_end = None
        if self.actual_start is None or start < self.actual_start:
            self.actual_start = start
            changed = True
        self.lifecycle_event_time = event_time
        return changed

    def apply_ended(
        self, *, event_time: datetime, end_time: datetime | None, start_time: datetime | None
    ) -> bool:
        """Zoom says the meeting ended; True when the session changed.

        An ended event older than the last applied lifecycle event (the meeting was restarted
        since) only fills a missing actual start.
        """
        if self.status is SessionStatus.CANCELLED:
            return False
        if start_time is not None and (self.actual_start is None or start_time < self.actual_start):
            self.actual_start = start_time
        if self._is_older(event_time):
            return False
        self.status = SessionStatus.ENDED
        self.actual_end = end_time or event_time
        self.lifecycle_event_time = event_time
        return True

    def close_manually(self, *, at: datetime) -> None:
        """UpdateSession status=ENDED: close a session whose meeting.ended never arrived."""
        if self.status is SessionStatus.CANCELLED:
            raise FailedPrecondition("a cancelled session cannot be ended")
        if self.status is SessionStatus.ENDED:
            return
        self.status = SessionStatus.ENDED
        self.actual_end = at


#: The leave reason of a stay that was still open when the meeting ended, and closed with it.
ENDED_WITH_MEETING = "meeting ended"


@dataclass
class Interval:
    """One stay in the meeting. ``join_time`` is None while only its ``left`` has arrived.

    ``reported_by`` names the meeting instance (uuid) whose participants report gave this stay;
    empty for a stay built from webhooks. ``breakout_room_uuid`` names the breakout room of a
    stay in one (empty: the main meeting); ``meeting_user_id`` is Zoom's per-meeting id of the
    person during the stay (what sharing events name them by), when Zoom gave it.
    """

    participant_uuid: str
    join_time: datetime | None
    leave_time: datetime | None = None
    leave_reason: str = ""
    reported_by: str = ""
    breakout_room_uuid: str = ""
    meeting_user_id: str = ""


@dataclass
class Participant:
    id: str
    session_id: str
    display_name: str = ""
    email: str = ""
    zoom_user_id: str = ""
    user_id: str = ""
    role: ParticipantRole = ParticipantRole.PARTICIPANT
    shared_screen: bool = False
    raised_hand: bool = False
    enrolled: bool = False
    intervals: list[Interval] = field(default_factory=list)
    #: Zoom's time of the last role change applied (:meth:`change_role`).
    role_change_time: datetime | None = None
    #: When, and what (Zoom's ``content``), the person first shared (:meth:`shared`).
    first_share_time: datetime | None = None
    first_share_content: str = ""

    @property
    def status(self) -> ParticipantStatus:
        if not self.intervals:
            return ParticipantStatus.NOT_JOINED
        if any(i.join_time is not None and i.leave_time is None for i in self.intervals):
            return ParticipantStatus.JOINED
        return ParticipantStatus.LEFT

    @property
    def first_join_time(self) -> datetime | None:
        joins = [i.join_time for i in self.intervals if i.join_time is not None]
        return min(joins) if joins else None

    @property
    def last_leave_time(self) -> datetime | None:
        if self.status is ParticipantStatus.JOINED:
            return None
        leaves = [i.leave_time for i in self.intervals if i.leave_time is not None]
        return max(leaves) if leaves else None

    @property
    def join_count(self) -> int:
        return sum(1 for i in self.intervals if i.join_time is not None)

    def joined(
        self, *, participant_uuid: str, at: datetime, room: str = "", meeting_user_id: str = ""
    ) -> bool:
        """A join of the main meeting, or of breakout room ``room``; a repeat of the same join,
        or the join of a stay whose leave came first, fills in instead of adding. Stays of
        another room (or of the main meeting, for a room) are not touched. True when something
        changed."""
        for interval in self.intervals:
            if interval.breakout_room_uuid != room:
                continue
            if interval.participant_uuid != participant_uuid or not participant_uuid:
                continue
            if interval.join_time == at:
                return False
            if (
                interval.join_time is None
                and interval.leave_time is not None
                and at <= interval.leave_time
            ):
                interval.join_time = at
                interval.meeting_user_id = interval.meeting_user_id or meeting_user_id
                return True
        if not participant_uuid and any(
            i.join_time == at and i.breakout_room_uuid == room for i in self.intervals
        ):
            return False
        self.intervals.append(
            Interval(
                participant_uuid=participant_uuid,
                join_time=at,
                breakout_room_uuid=room,
                meeting_user_id=meeting_user_id,
            )
        )
        self.intervals.sort(key=lambda i: i.join_time or i.leave_time or at)
        return True

    def left(
        self, *, participant_uuid: str, at: datetime, reason: str = "", room: str = ""
    ) -> bool:
        """A leave of the main meeting, or of breakout room ``room``: closes the latest open
        stay there of the same ``participant_uuid`` that began before it (or any such stay when
        Zoom gave no uuid); remembered on its own when the join has not arrived yet. True when
        something changed."""
        candidates = [
            i
            for i in self.intervals
            if i.join_time is not None
            and i.join_time <= at
            and i.breakout_room_uuid == room
            and (
                not participant_uuid
                or not i.participant_uuid
                or i.participant_uuid == participant_uuid
            )
        ]
        if any(i.leave_time == at for i in candidates):
            return False
        open_ones = [i for i in candidates if i.leave_time is None]
        # A leave delivered after `meeting.ended` finds its stay closed at the meeting's end
        # (Zoom's events come in any order): it is that stay's true end, not a stay of its own.
        open_ones = open_ones or [
            i
            for i in candidates
            if i.leave_reason == ENDED_WITH_MEETING
            and i.leave_time is not None
            and at < i.leave_time
        ]
        if open_ones:
            latest = max(open_ones, key=lambda i: i.join_time or at)
            latest.leave_time = at
            latest.leave_reason = reason
            return True
        if any(
            i.join_time is None and i.leave_time == at and i.breakout_room_uuid == room
            for i in self.intervals
        ):
            return False
        self.intervals.append(
            Interval(
                participant_uuid=participant_uuid,
                join_time=None,
                leave_time=at,
                leave_reason=reason,
                breakout_room_uuid=room,
            )
        )
        return True

    def change_role(self, role: ParticipantRole, *, at: datetime) -> bool:
        """Zoom changed the person's role at ``at``: applied unless a change at the same time or
        later was (Zoom delivers out of order and more than once). True when applied."""
        if self.role_change_time is not None and at <= self.role_change_time:
            return False
        self.role_change_time = at
        self.role = role
        return True

    def shared(self, *, at: datetime | None, content: str = "") -> bool:
        """The person shared their screen or content (at ``at``, when known): they presented in
        the class. The earliest share known is kept with what it showed. True when changed."""
        changed = not self.shared_screen
        self.shared_screen = True
        if at is not None and (self.first_share_time is None or at < self.first_share_time):
            self.first_share_time = at
            self.first_share_content = content[:64]
            changed = True
        return changed

    def was_meeting_user(self, meeting_user_id: str, *, at: datetime | None = None) -> bool:
        """Zoom gave one of this person's stays (covering ``at``, when given) the per-meeting
        id ``meeting_user_id``."""
        return bool(meeting_user_id) and any(
            i.meeting_user_id == meeting_user_id
            and (
                at is None
                or (
                    i.join_time is not None
                    and i.join_time <= at
                    and (i.leave_time is None or at <= i.leave_time)
                )
            )
            for i in self.intervals
        )

    def close_open(self, *, at: datetime) -> bool:
        """The meeting ended: every open stay ends with it, marked so that the stay's own leave,
        should it still arrive, puts its true end back (:meth:`left`)."""
        changed = False
        for interval in self.intervals:
            if interval.join_time is not None and interval.leave_time is None:
                interval.leave_time = max(at, interval.join_time)
                interval.leave_reason = interval.leave_reason or ENDED_WITH_MEETING
                changed = True
        return changed

    def take_report(self, meeting_uuid: str, stays: Iterable[tuple[datetime, datetime]]) -> bool:
        """The stays Zoom's participants report of instance ``meeting_uuid`` gives this person,
        replacing those an earlier read of the same report gave (a read is repeatable). True
        when something changed."""
        before = [i for i in self.intervals if i.reported_by == meeting_uuid]
        now = [
            Interval(participant_uuid="", join_time=start, leave_time=end, reported_by=meeting_uuid)
            for start, end in sorted(stays)
        ]
        if before == now:
            return False
        self.intervals = [i for i in self.intervals if i.reported_by != meeting_uuid] + now
        self.intervals.sort(
            key=lambda i: i.join_time or i.leave_time or datetime.min.replace(tzinfo=UTC)
        )
        return True

    @property
    def reconciled(self) -> bool:
        """Some of this person's stays come from Zoom's participants report."""
        return any(i.reported_by for i in self.intervals)

    def counted_stays(self) -> list[tuple[datetime | None, datetime | None]]:
        """The stays attendance is measured on (webhook stays the report covers left out)."""
        webhook = [(i.join_time, i.leave_time) for i in self.intervals if not i.reported_by]
        reported = [(i.join_time, i.leave_time) for i in self.intervals if i.reported_by]
        return attendance.counted(webhook, reported)

    def time_attended(self, *, until: datetime) -> timedelta:
        return attendance.attended(self.counted_stays(), until=until)

    def stay_count(self, *, until: datetime) -> int:
        """Separate stretches of presence (joins; the ones after the first are rejoins)."""
        return attendance.stays(self.counted_stays(), until=until)


def host_participant(session: Session, participant_id: str) -> Participant:
    """The teacher's host record, made with the session (seed 001): no Zoom identity and no
    stay yet; the teacher's first join in Zoom fills them in (:func:`find_participant`)."""
    return Participant(
        id=participant_id,
        session_id=session.id,
        user_id=session.teacher_id,
        role=ParticipantRole.HOST,
    )


def find_participant(
    participants: list[Participant],
    *,
    user_id: str,
    zoom_user_id: str,
    participant_uuid: str,
    is_host: bool = False,
) -> Participant | None:
    """The person a Zoom participant event (or a row of Zoom's report) is about, if known.

    Only identities count, never a display name (anyone may type any name, and two guests may
    type the same one): the Classbridge user the event was tied to (``user_id``: by registrant,
    customer key or verified email, see ``scheduler.domain.identity``), then Zoom's user id of a
    signed-in user, then a stay with the same ``participant_uuid`` (Zoom's id of one person's
    device in the meeting). A record Zoom ties by user id or uuid is only taken when it is not
    another Classbridge user's. Last, the meeting's host (``is_host``) lands on the host record
    made with the session while it has no Zoom identity yet: the teacher starts the meeting with
    the host link, which carries no customer key. Anyone else is a new record (a guest when no
    user is known).
    """

    def compatible(p: Participant) -> bool:
        return not user_id or not p.user_id or p.user_id == user_id

    if user_id:
        for p in participants:
            if p.user_id == user_id:
                return p
    if zoom_user_id:
        for p in participants:
            if p.zoom_user_id == zoom_user_id and compatible(p):
                return p
    if participant_uuid:
        for p in participants:
            if compatible(p) and any(i.participant_uuid == participant_uuid for i in p.intervals):
                return p
    if is_host:
        for p in participants:
            if (
                p.role is ParticipantRole.HOST
                and not p.zoom_user_id
                and not p.intervals
                and compatible(p)
            ):
                return p
    return None


@dataclass
class Interaction:
    id: str
    session_id: str
    type: InteractionType
    author_id: str
    content: str
    author_display_name: str = ""
    anonymous: bool = False
    reply_to_id: str = ""
    poll_id: str = ""
    poll_question_id: str = ""
    answered: bool = False
    request_id: str | None = None
    create_time: datetime | None = None

    def visible_to(self, *, viewer: str, privileged: bool) -> Interaction:
        """The interaction as ``viewer`` may see it: an anonymous author stays hidden from
        everyone but the author, the teacher and admins."""
        if not self.anonymous or privileged or viewer == self.author_id:
            return self
        return Interaction(
            id=self.id,
            session_id=self.session_id,
            type=self.type,
            author_id="",
            content=self.content,
            author_display_name="Anonymous",
            anonymous=True,
            reply_to_id=self.reply_to_id,
            poll_id=self.poll_id,
            poll_question_id=self.poll_question_id,
            answered=self.answered,
            create_time=self.create_time,
        )


@dataclass
class SharedResource:
    id: str
    session_id: str
    type: ResourceType
    title: str
    shared_by: str
    description: str = ""
    url: str = ""
    storage_key: str = ""
    request_id: str | None = None
    shared_at: datetime | None = None


#: Sources of the lessons recording-sync makes (and removes) from synced recordings.
SYNCED_SOURCES = frozenset({LessonSource.ZOOM_AUTO_SYNC, LessonSource.LOCAL_FOLDER})
#: Sources whose lessons a ``recording.removed`` takes away (an external link has no file).
REMOVABLE_SOURCES = frozenset(
    {LessonSource.ZOOM_AUTO_SYNC, LessonSource.LOCAL_FOLDER, LessonSource.MANUAL_UPLOAD}
)


@dataclass(frozen=True)
class PartsRemoved:
    """What a removal did to one lesson: the files that went, and whether the lesson did."""

    file_ids: tuple[str, ...] = ()
    lesson_gone: bool = False

    def __bool__(self) -> bool:
        return bool(self.file_ids) or self.lesson_gone


@dataclass(frozen=True)
class LessonPart:
    """One stored file of a lesson: the host may stop and restart the recording, and each
    segment is a file of its own, but students watch them as one lesson, part after part."""

    file_id: str
    part: int
    size_bytes: int = 0
    duration_seconds: int = 0
    recording_start: datetime | None = None
    recording_end: datetime | None = None
    # recording-sync's recording the file belongs to, and Zoom's id of the file.
    recording_id: str = ""
    zoom_file_id: str = ""

    def sort_key(self) -> tuple[int, datetime, str]:
        return (self.part, self.recording_start or datetime.min.replace(tzinfo=UTC), self.file_id)


@dataclass
class RecordedLesson:
    """A lesson to watch again: an external link, or one or more stored files (its parts).

    ``recording_id``/``recording_file_id`` name the first part, as before parts existed, so
    readers that know one file per lesson still play it from the start; size and duration are
    the sums over the parts. A lesson of one file has that file as its only part.
    """

    id: str
    session_id: str
    title: str
    source: LessonSource
    recording_id: str = ""
    recording_file_id: str = ""
    external_url: str = ""
    file_type: int = 0
    file_size_bytes: int = 0
    duration_seconds: int = 0
    zoom_info: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    create_time: datetime | None = None
    # Files sharing this non-empty kind within a session are the parts of this one lesson.
    lesson_kind: str = ""
    parts: list[LessonPart] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.parts and self.recording_file_id:  # a lesson from before parts existed
            z = self.zoom_info
            self.parts = [
                LessonPart(
                    file_id=self.recording_file_id,
                    part=1,
                    size_bytes=self.file_size_bytes,
                    duration_seconds=self.duration_seconds,
                    recording_start=_instant(z.get("recording_start")),
                    recording_end=_instant(z.get("recording_end")),
                    recording_id=self.recording_id,
                    zoom_file_id=str(z.get("recording_file_id") or ""),
                )
            ]

    def file_ids(self) -> set[str]:
        return {p.file_id for p in self.parts}

    def add_part(self, part: LessonPart) -> bool:
        """Add a segment; False when the file is already a part (a repeated announcement)."""
        if part.file_id in self.file_ids():
            return False
        self.parts.append(part)
        self._sum_up()
        return True

    def remove_parts(self, *, recording_id: str, file_ids: Collection[str]) -> PartsRemoved:
        """Drop the named files, or every file of ``recording_id`` when none is named. The
        lesson goes with its last part; a lesson named by its recording alone (a manual upload
        without a file id) goes when the whole recording does."""
        if self.source not in REMOVABLE_SOURCES:
            return PartsRemoved()
        if not self.parts:
            return PartsRemoved(lesson_gone=not file_ids and self.recording_id == recording_id)
        gone = tuple(
            p.file_id
            for p in self.parts
            if p.file_id in file_ids
            or (not file_ids and (p.recording_id or self.recording_id) == recording_id)
        )
        if not gone:
            return PartsRemoved()
        self.parts = [p for p in self.parts if p.file_id not in gone]
        self._sum_up()
        return PartsRemoved(file_ids=gone, lesson_gone=not self.parts)

    def _sum_up(self) -> None:
        """Parts in order; the first one names the lesson, sizes and durations add up."""
        if not self.parts:
            return
        self.parts.sort(key=LessonPart.sort_key)
        first, last = self.parts[0], self.parts[-1]
        self.recording_file_id = first.file_id
        self.recording_id = first.recording_id or self.recording_id
        self.file_size_bytes = sum(p.size_bytes for p in self.parts)
        self.duration_seconds = sum(p.duration_seconds for p in self.parts)
        if self.zoom_info:
            self.zoom_info.update(
                recording_file_id=first.zoom_file_id,
                file_size_bytes=self.file_size_bytes,
                recording_start=_iso(first.recording_start),
                recording_end=_iso(last.recording_end),
            )


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def lesson_of_kind(
    lessons: Iterable[RecordedLesson], *, lesson_kind: str, source: LessonSource
) -> RecordedLesson | None:
    """The session's lesson whose parts files of ``lesson_kind`` are (none for an empty kind)."""
    if not lesson_kind:
        return None
    return next((x for x in lessons if x.lesson_kind == lesson_kind and x.source is source), None)
