"""What happens in a session: participants, interactions, shared resources, recorded lessons,
and the batch's recording-sync overview (attendance reports: ``attendance``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from classbridge_common.auth import Caller
from classbridge_common.errors import FailedPrecondition, NotFound
from classbridge_common.paging import PageRequest
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import attendance, commands
from scheduler.domain.errors import invalid
from scheduler.domain.model import (
    BatchType,
    Interaction,
    InteractionType,
    LessonSource,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    RecordedLesson,
    ResourceType,
    Session,
    SessionStatus,
    SharedResource,
)
from scheduler.service_layer import access
from scheduler.service_layer.catalog import check_paths, load_batch
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.request_ids import replays_a_twin, require_replay
from scheduler.service_layer.sessions import load_session, require_manager, require_reader

PARTICIPANT_PATHS = frozenset({"role", "shared_screen", "raised_hand", "user_id"})


@dataclass(frozen=True)
class ParticipantView:
    participant: Participant
    minutes_attended: int
    attendance_percentage: float


def _measure(person: Participant, session: Session, now: datetime) -> tuple[int, float]:
    until = session.actual_end or now
    length = person.time_attended(until=until)
    return attendance.whole_minutes(length), attendance.percentage(length, session.length())


async def list_participants(
    session_id: str,
    *,
    role: ParticipantRole | None,
    status: ParticipantStatus | None,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> tuple[list[ParticipantView], int]:
    async with uow:
        session = await load_session(uow, session_id)
        await require_manager(uow, caller, session)
        people = await uow.participants.of_session(session.id)
    at = now()
    people = [
        p
        for p in people
        if (role is None or p.role is role) and (status is None or p.status is status)
    ]
    chosen = people[page.offset : page.offset + page.limit]
    return [ParticipantView(p, *_measure(p, session, at)) for p in chosen], len(people)


async def update_participant(
    cmd: commands.UpdateParticipant,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> ParticipantView:
    check_paths(cmd.changes, PARTICIPANT_PATHS)
    async with uow:
        session = await load_session(uow, cmd.session_id, field="participant.session_id")
        await require_manager(uow, caller, session)
        person = await uow.participants.get(cmd.participant_id)
        if person is None or person.session_id != session.id:
            raise NotFound(resource_type="participant", resource_id=cmd.participant_id)
        for path, value in cmd.changes.items():
            if path == "role" and value is None:
                raise invalid("participant.role", "required")
            setattr(person, path, value)
        if "user_id" in cmd.changes:
            batch = await uow.batches.get(session.batch_id)
            enrolled = await uow.enrollments.student_ids(session.batch_id)
            person.enrolled = bool(person.user_id) and (
                (batch is not None and batch.student_id == person.user_id)
                or person.user_id in enrolled
            )
        await uow.commit()
    return ParticipantView(person, *_measure(person, session, now()))


# ---- Interactions ----


async def _privileged(uow: SchedulerUnitOfWork, caller: Caller, session: Session) -> bool:
    batch, course = (
        await uow.batches.get(session.batch_id),
        await uow.courses.get(session.course_id),
    )
    return access.can_manage_session(caller, session, batch, course)


@replays_a_twin
async def create_interaction(
    cmd: commands.CreateInteraction,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> Interaction:
    if cmd.type is None:
        raise invalid("interaction.type", "required")
    if not cmd.content.strip():
        raise invalid("interaction.content", "required")
    if len(cmd.content) > 10_000:
        raise invalid("interaction.content", "at most 10000 characters")
    async with uow:
        session = await load_session(uow, cmd.session_id)  # first: fixes a spanning tenant
        await require_reader(uow, caller, session)
        if cmd.request_id:
            existing = await uow.interactions.by_request_id(cmd.request_id)
            if existing is not None:  # its author is the one whose request it can have been
                require_replay(
                    existing.session_id == session.id and existing.author_id == caller.subject,
                    resource_type="interaction",
                    request_id=cmd.request_id,
                )
                return existing.visible_to(
                    viewer=caller.subject, privileged=await _privileged(uow, caller, session)
                )
        if session.status is SessionStatus.CANCELLED:
            raise FailedPrecondition("the session is cancelled")
        if cmd.reply_to_id:
            target = await uow.interactions.get(cmd.reply_to_id)
            if target is None or target.session_id != session.id:
                raise invalid("interaction.reply_to_id", "no such interaction in this session")
        if cmd.type is InteractionType.POLL_RESPONSE and not cmd.poll_id:
            raise invalid("interaction.poll_id", "required for a poll response")
        interaction = Interaction(
            id=new_id(),
            session_id=session.id,
            type=cmd.type,
            author_id=caller.subject,
            author_display_name="Anonymous" if cmd.anonymous else cmd.author_display_name,
            anonymous=cmd.anonymous,
            content=cmd.content,
            reply_to_id=cmd.reply_to_id,
            poll_id=cmd.poll_id,
            poll_question_id=cmd.poll_question_id,
            request_id=cmd.request_id or None,
            create_time=now(),
        )
        await uow.interactions.add(interaction)
        await uow.commit()
        return interaction


async def list_interactions(
    session_id: str,
    *,
    types: Sequence[InteractionType],
    since: datetime | None,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[Interaction], int]:
    async with uow:
        session = await load_session(uow, session_id)
        await require_reader(uow, caller, session)
        privileged = await _privileged(uow, caller, session)
        items, total = await uow.interactions.list(
            session_id=session.id, types=types, since=since, offset=page.offset, limit=page.limit
        )
    return [i.visible_to(viewer=caller.subject, privileged=privileged) for i in items], total


# ---- Shared resources ----


def _check_url(url: str, field: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise invalid(field, "must be an http(s) URL")


@replays_a_twin
async def create_shared_resource(
    cmd: commands.CreateSharedResource,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> SharedResource:
    if cmd.type is None:
        raise invalid("resource.type", "required")
    if not cmd.title.strip():
        raise invalid("resource.title", "required")
    if not cmd.url and not cmd.storage_key:
        raise invalid("resource.location", "give url or storage_key")
    if cmd.url:
        _check_url(cmd.url, "resource.url")
    async with uow:
        session = await load_session(uow, cmd.session_id)  # first: fixes a spanning tenant
        await require_reader(uow, caller, session)
        if cmd.request_id:
            existing = await uow.resources.by_request_id(cmd.request_id)
            if existing is not None:  # who shared it is the one whose request it can have been
                require_replay(
                    existing.session_id == session.id and existing.shared_by == caller.subject,
                    resource_type="shared_resource",
                    request_id=cmd.request_id,
                )
                return existing
        resource = SharedResource(
            id=new_id(),
            session_id=session.id,
            type=cmd.type,
            title=cmd.title.strip(),
            description=cmd.description,
            url=cmd.url,
            storage_key=cmd.storage_key,
            shared_by=caller.subject,
            request_id=cmd.request_id or None,
            shared_at=now(),
        )
        await uow.resources.add(resource)
        await uow.commit()
        return resource


async def list_shared_resources(
    session_id: str,
    *,
    type: ResourceType | None,
    shared_by: str,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[SharedResource], int]:
    async with uow:
        session = await load_session(uow, session_id)
        await require_reader(uow, caller, session)
        return await uow.resources.list(
            session_id=session.id,
            type=type,
            shared_by=shared_by,
            offset=page.offset,
            limit=page.limit,
        )


async def delete_shared_resource(
    cmd: commands.DeleteSharedResource, *, uow: SchedulerUnitOfWork, caller: Caller
) -> None:
    async with uow:
        resource = await uow.resources.get(cmd.resource_id) if cmd.resource_id else None
        if resource is None:
            raise NotFound(resource_type="shared_resource", resource_id=cmd.resource_id)
        session = await load_session(uow, resource.session_id)
        if resource.shared_by != caller.subject:
            await require_manager(uow, caller, session)
        await uow.resources.delete(resource.id)
        await uow.commit()


# ---- Recorded lessons ----


async def list_recorded_lessons(
    session_id: str,
    *,
    source: LessonSource | None,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[RecordedLesson], int]:
    async with uow:
        session = await load_session(uow, session_id)
        await require_reader(uow, caller, session)
        return await uow.lessons.list(
            session_id=session.id, source=source, offset=page.offset, limit=page.limit
        )


@replays_a_twin
async def add_recorded_lesson(
    cmd: commands.AddRecordedLesson,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> RecordedLesson:
    if not cmd.title.strip():
        raise invalid("recorded_lesson.title", "required")
    if cmd.source not in (LessonSource.MANUAL_UPLOAD, LessonSource.EXTERNAL_LINK):
        raise invalid("recorded_lesson.source", "MANUAL_UPLOAD or EXTERNAL_LINK")
    if cmd.source is LessonSource.MANUAL_UPLOAD and not cmd.recording_id:
        raise invalid("recorded_lesson.recording_id", "required for a manual upload")
    link = urlsplit(cmd.external_url)
    if cmd.source is LessonSource.EXTERNAL_LINK and (link.scheme != "https" or not link.netloc):
        raise invalid("recorded_lesson.external_url", "an https URL is required")
    async with uow:
        session = await load_session(uow, cmd.session_id)  # first: fixes a spanning tenant
        await require_manager(uow, caller, session)
        if cmd.request_id:
            existing = await uow.lessons.by_request_id(cmd.request_id)
            if existing is not None:  # readable: the caller manages its session (checked above)
                require_replay(
                    existing.session_id == session.id,
                    resource_type="recorded_lesson",
                    request_id=cmd.request_id,
                )
                return existing
        lesson = RecordedLesson(
            id=new_id(),
            session_id=session.id,
            title=cmd.title.strip(),
            source=cmd.source,
            recording_id=cmd.recording_id,
            recording_file_id=cmd.recording_file_id,
            external_url=cmd.external_url,
            file_type=cmd.file_type,
            file_size_bytes=cmd.file_size_bytes,
            duration_seconds=cmd.duration_seconds,
            request_id=cmd.request_id or None,
            create_time=now(),
        )
        await uow.lessons.add(lesson)
        await uow.commit()
        return lesson


async def delete_recorded_lesson(
    cmd: commands.DeleteRecordedLesson, *, uow: SchedulerUnitOfWork, caller: Caller
) -> None:
    async with uow:
        lesson = await uow.lessons.get(cmd.recorded_lesson_id) if cmd.recorded_lesson_id else None
        if lesson is None:
            raise NotFound(resource_type="recorded_lesson", resource_id=cmd.recorded_lesson_id)
        session = await load_session(uow, lesson.session_id)
        await require_manager(uow, caller, session)
        if lesson.source is LessonSource.ZOOM_AUTO_SYNC:
            raise FailedPrecondition(
                "Zoom-synced lessons are removed with recording-sync's DeleteRecording"
            )
        await uow.lessons.delete(lesson.id)
        await uow.commit()


# ---- Batch sync status ----


@dataclass(frozen=True)
class SessionSyncRow:
    session: Session
    lessons: dict[LessonSource, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchSyncStatus:
    batch_id: str
    batch_name: str
    course_title: str
    batch_type: BatchType
    total_sessions: int
    sessions_with_zoom_meetings: int
    synced_sessions: int
    total_zoom_recordings: int
    sync_percentage: float
    rows: list[SessionSyncRow]
    total_rows: int


async def batch_sync_status(
    batch_id: str, *, page: PageRequest, uow: SchedulerUnitOfWork, caller: Caller
) -> BatchSyncStatus:
    async with uow:
        batch = await load_batch(uow, batch_id)
        course = await uow.courses.get(batch.course_id)
        access.require(
            access.can_manage_batch(caller, batch, course), "see this batch's sync status"
        )
        sessions = [
            s
            for s in await uow.sessions.of_batch(batch.id)
            if s.status is not SessionStatus.CANCELLED
        ]
        counts = await uow.lessons.counts_by_source([s.id for s in sessions])
    with_meeting = [s for s in sessions if s.meeting is not None]
    synced = [s for s in with_meeting if s.recording_sync is not None and s.recording_sync.synced]
    zoom_lessons = sum(counts.get(s.id, {}).get(LessonSource.ZOOM_AUTO_SYNC, 0) for s in sessions)
    percentage = round(len(synced) / len(with_meeting) * 100, 2) if with_meeting else 0.0
    chosen = sessions[page.offset : page.offset + page.limit]
    return BatchSyncStatus(
        batch_id=batch.id,
        batch_name=batch.name,
        course_title=course.title if course else "",
        batch_type=batch.type,
        total_sessions=len(sessions),
        sessions_with_zoom_meetings=len(with_meeting),
        synced_sessions=len(synced),
        total_zoom_recordings=zoom_lessons,
        sync_percentage=percentage,
        rows=[SessionSyncRow(s, counts.get(s.id, {})) for s in chosen],
        total_rows=len(sessions),
    )
