"""Applying what Zoom and recording-sync report: meeting lifecycle, meeting changes and
deletions made in Zoom, participants, recordings.

Each function runs inside the consumer's unit of work (already open, inbox row recorded) and
does not commit; the consumer commits the effect and the inbox row together. Sessions are read
``FOR UPDATE`` (PostgreSQL) so concurrent events about one meeting apply one after another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import commands, events
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.jobs import RetryPolicy
from scheduler.domain.model import (
    SYNCED_SOURCES,
    LessonPart,
    MeetingChange,
    MeetingChangeResult,
    MeetingDeletion,
    RecordedLesson,
    RecordingSync,
    Session,
    SessionStatus,
    lesson_of_kind,
)
from scheduler.domain.timing import session_minutes, zone, zoom_duration
from scheduler.service_layer import people, reconcile
from scheduler.service_layer.clock import Clock, new_id, utcnow

log = logging.getLogger(__name__)


async def session_of_meeting(
    uow: SchedulerUnitOfWork,
    meeting_id: int,
    *,
    uuid: str = "",
    at: datetime | None = None,
    occurrence_id: str = "",
) -> Session | None:
    """The session an event about Zoom meeting ``meeting_id`` is about, read ``FOR UPDATE``.

    A meeting of one class: that class. The occurrences of a series' recurring meeting share
    the meeting id, so the event's own facts pick one: the occurrence it names, else the
    instance uuid (set on the session when that instance started), else the one whose
    scheduled start is nearest the event's time (``at``: the start, the join, the event), else
    the occurrence in progress. None, logged, when no session holds it (or no
    session is the occurrence named).
    """
    candidates = await uow.sessions.of_meeting(meeting_id)
    if not candidates:
        log.info("no session holds Zoom meeting %s; event ignored", meeting_id)
        return None
    if not any(s.meeting is not None and s.meeting.occurrence_id for s in candidates):
        # Not a series: the newest session holding the meeting, should there be two.
        return await uow.sessions.by_meeting_id(meeting_id, for_update=True)
    chosen = _occurrence(candidates, uuid=uuid, at=at, occurrence_id=occurrence_id)
    if chosen is None:
        log.info("no session is occurrence %s of Zoom meeting %s", occurrence_id, meeting_id)
        return None
    return await uow.sessions.get(chosen.id, for_update=True)


def _occurrence(
    sessions: list[Session], *, uuid: str, at: datetime | None, occurrence_id: str
) -> Session | None:
    def pick(test: Callable[[Session], bool]) -> Session | None:
        found = [s for s in sessions if s.meeting is not None and test(s)]
        return found[0] if len(found) == 1 else None

    if occurrence_id:
        # An occurrence no session is (an exception of the rule): nobody's event.
        return pick(lambda s: s.meeting is not None and s.meeting.occurrence_id == occurrence_id)
    if uuid:
        same = pick(lambda s: s.meeting is not None and s.meeting.meeting_uuid == uuid)
        if same is not None:
            return same
    held = [s for s in sessions if s.status is not SessionStatus.CANCELLED] or sessions
    if at is not None:
        # The event's own time: instances follow each other quickly enough (a test, a late
        # class) that the previous one may not be seen as ended yet, so "in progress" would
        # mislead where the time does not.
        return min(held, key=lambda s: abs((s.scheduled_start - at).total_seconds()))
    live = pick(lambda s: s.status is SessionStatus.IN_PROGRESS)
    if live is not None:
        return live
    when = utcnow()
    return min(held, key=lambda s: abs((s.scheduled_start - when).total_seconds()))


async def _close_intervals(uow: SchedulerUnitOfWork, session: Session) -> None:
    if session.actual_end is None:
        return
    for participant in await uow.participants.of_session(session.id):
        participant.close_open(at=session.actual_end)


async def meeting_started(
    cmd: commands.RecordMeetingStarted, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    session = await session_of_meeting(
        uow, cmd.meeting_id, uuid=cmd.meeting_uuid, at=cmd.start_time or cmd.event_time
    )
    if session is None:
        return False
    was_live = session.status is SessionStatus.IN_PROGRESS
    changed = session.apply_started(event_time=cmd.event_time, start_time=cmd.start_time)
    if session.meeting is not None and cmd.meeting_uuid and changed:
        session.meeting.meeting_uuid = cmd.meeting_uuid
    if changed:
        session.update_time = now()
    if not was_live and session.status is SessionStatus.IN_PROGRESS:
        uow.record(
            events.SessionStarted(
                occurred_at=now(),
                session_id=session.id,
                session_title=session.title,
                batch_id=session.batch_id,
                course_id=session.course_id,
                meeting_id=cmd.meeting_id,
                meeting_uuid=cmd.meeting_uuid,
                started_at=session.actual_start or cmd.event_time,
            )
        )
    return changed


async def meeting_ended(
    cmd: commands.RecordMeetingEnded,
    *,
    uow: SchedulerUnitOfWork,
    now: Clock = utcnow,
    policy: RetryPolicy = reconcile.DEFAULT_POLICY,
) -> bool:
    """The meeting ended: the session ends, open stays close, and reading Zoom's participants
    report of this instance is scheduled (with the change, so it cannot be lost)."""
    session = await session_of_meeting(
        uow, cmd.meeting_id, uuid=cmd.meeting_uuid, at=cmd.start_time or cmd.event_time
    )
    if session is None:
        return False
    before = (session.status, session.actual_start, session.actual_end)
    applied = session.apply_ended(
        event_time=cmd.event_time, end_time=cmd.end_time, start_time=cmd.start_time
    )
    if session.meeting is not None and cmd.meeting_uuid and applied:
        session.meeting.meeting_uuid = cmd.meeting_uuid
    if applied:
        await _close_intervals(uow, session)
        await reconcile.schedule(
            uow, session, meeting_uuid=cmd.meeting_uuid, at=now(), policy=policy
        )
    if before[0] is not SessionStatus.ENDED and session.status is SessionStatus.ENDED:
        uow.record(
            events.SessionEnded(
                occurred_at=now(),
                session_id=session.id,
                session_title=session.title,
                batch_id=session.batch_id,
                course_id=session.course_id,
                meeting_id=cmd.meeting_id,
                meeting_uuid=cmd.meeting_uuid,
                started_at=session.actual_start,
                ended_at=session.actual_end or cmd.event_time,
            )
        )
    changed = before != (session.status, session.actual_start, session.actual_end)
    if changed:
        session.update_time = now()
    return changed


async def meeting_updated(
    cmd: commands.RecordMeetingUpdated, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    """Follow a change made to the meeting at Zoom; True when the session moved.

    The session is only stored when something (at least the ordering watermark) changed, and
    ``session.updated`` goes to the outbox only when its scheduled window moved, so our own
    ``UpdateSession`` echoed back by Zoom emits nothing. A change of every occurrence of a
    series' recurring meeting is followed by each class still to come
    (:func:`_every_occurrence_changed`).
    """
    if not cmd.change.occurrence_id:
        occurrences = [
            s
            for s in await uow.sessions.of_meeting(cmd.meeting_id)
            if s.meeting is not None and s.meeting.occurrence_id
        ]
        if occurrences:
            return await _every_occurrence_changed(cmd.change, occurrences, uow=uow, now=now)
    session = await session_of_meeting(
        uow,
        cmd.meeting_id,
        occurrence_id=cmd.change.occurrence_id,
    )
    if session is None:
        return False
    result = session.apply_meeting_change(cmd.change)
    if not result.advanced:
        return False
    at = now()
    if result.changed:
        session.update_time = at
    if result.moved:
        uow.record(_session_updated(session, result, at=at))
    return bool(result.moved)


async def _every_occurrence_changed(
    change: MeetingChange, occurrences: list[Session], *, uow: SchedulerUnitOfWork, now: Clock
) -> bool:
    """Zoom's change of every occurrence (``scope: all``, made in Zoom directly): each class
    still to come takes the new time of day on its own day, and the new length and time zone,
    as one occurrence would; the classes held or cancelled keep theirs. A moved class's
    occurrence id follows its start (Zoom's occurrence ids are their starts in epoch
    milliseconds, and Zoom makes the occurrences anew), so the events of its instance still
    find it. True when any class moved. A shift of the days themselves is not followed: Zoom
    names the series' new first start only, from which no other day can be told."""
    moved = False
    at = now()
    for candidate in sorted(occurrences, key=lambda s: s.scheduled_start):
        session = await uow.sessions.get(candidate.id, for_update=True)
        if session is None or session.meeting is None or not session.meeting.occurrence_id:
            continue
        one = replace(
            change,
            occurrence_id=session.meeting.occurrence_id,
            start_time=_same_time_of_day(change, session),
        )
        result = session.apply_meeting_change(one)
        if not result.advanced:
            continue
        session.update_time = at
        if result.moved:
            session.meeting.occurrence_id = str(int(session.scheduled_start.timestamp() * 1000))
            uow.record(_session_updated(session, result, at=at))
            moved = True
    return moved


def _same_time_of_day(change: MeetingChange, session: Session) -> datetime | None:
    """The new start of ``session``: Zoom's new time of day (in the meeting's time zone, new or
    old) on the class's own day; None when the change does not name a start."""
    if change.start_time is None:
        return None
    tz = zone(change.timezone or session.timezone or "UTC")
    day = session.scheduled_start.astimezone(tz).date()
    clock = change.start_time.astimezone(tz).time()
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _session_updated(
    session: Session, result: MeetingChangeResult, *, at: datetime
) -> events.SessionUpdated:
    return events.SessionUpdated(
        occurred_at=at,
        session_id=session.id,
        batch_id=session.batch_id,
        meeting_id=session.meeting.meeting_id if session.meeting else 0,
        changed_fields=result.moved,
        title=session.title,
        scheduled_start=session.scheduled_start,
        scheduled_end=session.scheduled_end,
        timezone=session.timezone,
        duration_minutes=zoom_duration(
            session_minutes(session.scheduled_start, session.scheduled_end)
        ),
        previous_scheduled_start=result.previous_start or session.scheduled_start,
        previous_scheduled_end=result.previous_end or session.scheduled_end,
    )


async def meeting_deleted(
    cmd: commands.RecordMeetingDeleted, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> MeetingDeletion:
    """Zoom deleted the meeting: a scheduled session lets it go (``session.meeting_unlinked``)
    and may get a new one; otherwise the deletion is only recorded. A series' whole recurring
    meeting deleted at Zoom is let go by each of its occurrences; one deleted occurrence is
    applied to the session of that occurrence."""
    if not cmd.occurrence_ids:
        sessions = await uow.sessions.of_meeting(cmd.meeting_id)
        if len(sessions) > 1 and all(s.meeting and s.meeting.occurrence_id for s in sessions):
            outcomes = [
                await _deleted(locked, cmd, uow=uow, now=now)
                for s in sessions
                if (locked := await uow.sessions.get(s.id, for_update=True)) is not None
            ]
            return next((o for o in outcomes if o is not MeetingDeletion.IGNORED), outcomes[0])
    session = await session_of_meeting(
        uow, cmd.meeting_id, occurrence_id=cmd.occurrence_ids[0] if cmd.occurrence_ids else ""
    )
    if session is None:
        return MeetingDeletion.IGNORED
    return await _deleted(session, cmd, uow=uow, now=now)


async def _deleted(
    session: Session, cmd: commands.RecordMeetingDeleted, *, uow: SchedulerUnitOfWork, now: Clock
) -> MeetingDeletion:
    meeting = session.meeting
    occurrences = cmd.occurrence_ids
    if meeting is not None and meeting.occurrence_id and meeting.occurrence_id in occurrences:
        occurrences = ()  # this session's own occurrence: for it, the meeting is gone
    outcome = session.apply_meeting_deleted(event_time=cmd.event_time, occurrence_ids=occurrences)
    if outcome is MeetingDeletion.IGNORED or meeting is None:  # meeting: None only if ignored
        return outcome
    at = now()
    session.update_time = at
    if outcome is MeetingDeletion.UNLINKED:
        uow.record(
            events.SessionMeetingUnlinked(
                occurred_at=at,
                session_id=session.id,
                batch_id=session.batch_id,
                meeting_id=meeting.meeting_id,
                meeting_uuid=meeting.meeting_uuid,
                reason="meeting_deleted",
            )
        )
    return outcome


async def participant_joined(
    cmd: commands.RecordParticipantJoined, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    session = await session_of_meeting(uow, cmd.meeting_id, at=cmd.join_time or cmd.event_time)
    if session is None:
        return False
    roster = await people.roster_of(uow, session)
    person, _ = people.person(
        roster,
        ZoomIdentity(
            participant_uuid=cmd.participant_uuid,
            zoom_user_id=cmd.zoom_user_id,
            registrant_id=cmd.registrant_id,
            customer_key=cmd.customer_key,
            email=cmd.email,
            name=cmd.name,
            is_host=cmd.is_host,
        ),
    )
    changed = person.joined(
        participant_uuid=cmd.participant_uuid,
        at=cmd.join_time or cmd.event_time,
        meeting_user_id=cmd.meeting_user_id,
    )
    if session.actual_end is not None and changed:
        person.close_open(at=session.actual_end)  # joined events that arrive after the end
    await people.store_added(uow, roster, at=now())
    return changed


async def participant_left(
    cmd: commands.RecordParticipantLeft, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    session = await session_of_meeting(uow, cmd.meeting_id, at=cmd.leave_time or cmd.event_time)
    if session is None:
        return False
    roster = await people.roster_of(uow, session)
    person, _ = people.person(
        roster,
        ZoomIdentity(
            participant_uuid=cmd.participant_uuid,
            zoom_user_id=cmd.zoom_user_id,
            registrant_id=cmd.registrant_id,
            customer_key=cmd.customer_key,
            email=cmd.email,
            name=cmd.name,
        ),
    )
    changed = person.left(
        participant_uuid=cmd.participant_uuid,
        at=cmd.leave_time or cmd.event_time,
        reason=cmd.leave_reason,
    )
    await people.store_added(uow, roster, at=now())
    return changed


async def _session_of_recording(
    uow: SchedulerUnitOfWork, *, session_id: str, meeting_id: int
) -> Session | None:
    """The session a recording-sync report is about: by its id, else by its meeting."""
    session = await uow.sessions.get(session_id, for_update=True) if session_id else None
    if session is None and meeting_id:
        session = await uow.sessions.by_meeting_id(meeting_id, for_update=True)
    return session


def _part(cmd: commands.RecordRecordingSynced, file: commands.SyncedLessonFile) -> LessonPart:
    duration = 0
    if file.recording_start and file.recording_end:
        duration = max(0, int((file.recording_end - file.recording_start).total_seconds()))
    return LessonPart(
        file_id=file.file_id,
        part=file.part or 1,
        size_bytes=file.size_bytes,
        duration_seconds=duration,
        recording_start=file.recording_start,
        recording_end=file.recording_end,
        recording_id=cmd.recording_id,
        zoom_file_id=file.zoom_file_id,
    )


def _zoom_info(
    cmd: commands.RecordRecordingSynced, file: commands.SyncedLessonFile
) -> dict[str, Any]:
    if not cmd.meeting_id:
        return {}
    return {
        "meeting_id": cmd.meeting_id,
        "meeting_uuid": cmd.meeting_uuid,
        "recording_file_id": file.zoom_file_id,
        "file_type": file.file_type,
        "recording_type": file.recording_type,
        "file_size_bytes": file.size_bytes,
        "recording_start": file.recording_start.isoformat() if file.recording_start else None,
        "recording_end": file.recording_end.isoformat() if file.recording_end else None,
        "sync_time": cmd.occurred_at.isoformat(),
    }


def _new_lesson(
    cmd: commands.RecordRecordingSynced,
    file: commands.SyncedLessonFile,
    part: LessonPart,
    *,
    session: Session,
    at: datetime,
) -> RecordedLesson:
    return RecordedLesson(
        id=new_id(),
        session_id=session.id,
        title=file.title or f"Recording - {session.title}",
        source=cmd.source,
        recording_id=cmd.recording_id,
        recording_file_id=file.file_id,
        file_type=file.file_type,
        file_size_bytes=part.size_bytes,
        duration_seconds=part.duration_seconds,
        zoom_info=_zoom_info(cmd, file),
        create_time=at,
        lesson_kind=file.lesson_kind,
        parts=[part],
    )


async def recording_synced(
    cmd: commands.RecordRecordingSynced, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> int:
    """Turn the newly stored files into lessons; returns how many files it added.

    A file is a lesson of its own, except that files sharing a non-empty ``lesson_kind`` in the
    session (segments of one recording the host stopped and restarted) are the parts of one
    lesson: a part arriving in a later event joins the lesson the earlier ones made (found by
    session, kind and source), never a second lesson. recording-sync may name a file again
    (another attempt, a redelivery): a file already a part, or removed since, is done.
    """
    session = await _session_of_recording(uow, session_id=cmd.session_id, meeting_id=cmd.meeting_id)
    if session is None:
        log.info("recording %s belongs to no known session; ignored", cmd.recording_id)
        return 0
    sync = session.recording_sync or RecordingSync()
    lessons = await uow.lessons.of_session(session.id)
    removed = set(sync.removed_file_ids)
    done = {f for lesson in lessons for f in lesson.file_ids()} | removed
    at = now()
    added = 0
    new: dict[str, RecordedLesson] = {}
    for file in cmd.files:
        if file.file_id in done:
            continue
        done.add(file.file_id)
        added += 1
        part = _part(cmd, file)
        lesson = lesson_of_kind(lessons, lesson_kind=file.lesson_kind, source=cmd.source)
        if lesson is None:
            lesson = _new_lesson(cmd, file, part, session=session, at=at)
            lessons.append(lesson)
            new[lesson.id] = lesson
            continue
        lesson.add_part(part)
        if lesson.zoom_info:
            lesson.zoom_info["sync_time"] = cmd.occurred_at.isoformat()
    for lesson in new.values():
        await uow.lessons.add(lesson)
    if any(f.file_id not in removed for f in cmd.files):  # removed files sync nothing back
        sync.apply_synced(at=cmd.occurred_at, attempts=cmd.attempts)
    session.recording_sync = sync
    session.update_time = at
    return added


async def recording_sync_failed(
    cmd: commands.RecordRecordingSyncFailed, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    """An attempt failed, or Zoom has no recording yet (``NO_RECORDING`` with a retry planned):
    the session shows its attempts, the error and its type, and when it is tried again."""
    session = await _session_of_recording(uow, session_id=cmd.session_id, meeting_id=cmd.meeting_id)
    if session is None:
        return False
    sync = session.recording_sync or RecordingSync()
    sync.apply_failed(
        at=cmd.occurred_at,
        attempts=cmd.attempts,
        error=cmd.error_message,
        error_type=cmd.error_type,
        next_retry_time=cmd.next_attempt_time,
    )
    session.recording_sync = sync
    session.update_time = now()
    return True


async def recording_removed(
    cmd: commands.RecordRecordingRemoved, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> int:
    """Take the removed files out of their lessons; returns how many parts went.

    The named files go, or every file of the recording when none is named; a lesson goes with
    its last part. A session left with no lesson from a synced recording no longer counts as
    synced (its sync is ``deleted``).
    """
    session_ids = (
        [cmd.session_id]
        if cmd.session_id
        else await uow.lessons.session_ids_of_recording(cmd.recording_id)
    )
    removed = 0
    for session_id in session_ids:
        removed += await _remove_from_session(uow, session_id, cmd, at=now())
    return removed


async def _remove_from_session(
    uow: SchedulerUnitOfWork, session_id: str, cmd: commands.RecordRecordingRemoved, *, at: datetime
) -> int:
    session = await uow.sessions.get(session_id, for_update=True)
    gone: list[str] = []
    left: list[RecordedLesson] = []
    for lesson in await uow.lessons.of_session(session_id):
        removal = lesson.remove_parts(recording_id=cmd.recording_id, file_ids=cmd.file_ids)
        gone.extend(removal.file_ids)
        if removal.lesson_gone:
            await uow.lessons.delete(lesson.id)
            continue
        left.append(lesson)
    if session is None or not (gone or cmd.file_ids):
        return len(gone)
    sync = session.recording_sync or RecordingSync()
    sync.apply_removed(
        at=cmd.occurred_at or at,
        file_ids=[*gone, *cmd.file_ids],
        last_gone=bool(gone) and not any(x.source in SYNCED_SOURCES for x in left),
    )
    session.recording_sync = sync
    session.update_time = at
    return len(gone)
