"""Seed 001's ``/api/live-classes``: live classes (scheduler sessions) with their recordings,
interactions, participants, attendance and shared resources.

The seed speaks camelCase in requests and a flat snake_case class in answers, and pages with
``limit``/``offset``; the services page with opaque tokens. ``offset`` is honoured by walking
pages (up to ``MAX_OFFSET`` items); every list answer also carries ``next_page_token``, which a
client passes back as ``pageToken`` to continue cheaply.

Seed 001 creates a class for a course (``courseId``), not a batch: such a class goes to the
course's default batch — the one named :data:`DEFAULT_BATCH_NAME`, created (a group batch) the
first time and reused afterwards. ``teacher_name`` is the name the class's host shows in Zoom
(its host participant record), so it is known once the class has started, and only to staff
(students may not read participant records); ``null`` otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import ADMIN, OPERATOR, TEACHER
from classbridge_common.errors import FailedPrecondition, FieldViolation, NotFound, PermissionDenied
from edge import class_length, deps
from edge.access import EVERYONE, STAFF
from edge.clients import Clients, call
from edge.inputs import (
    Choice,
    Choices,
    Flag,
    Input,
    Instant,
    Integer,
    Number,
    Rule,
    Text,
    Timezone,
)
from edge.render import Schema, enum_choices, enum_label, no_store, ok, to_dict
from edge.routes.sessions import Warnings, render_warnings
from edge.routing import Answer, route
from edge.views import Rendered, Stamp, View, label

MAX_OFFSET = 1000
DEFAULT_BATCH_NAME = "Live classes"
NAME_CONCURRENCY = 8
MAX_LIMIT = 100
PLAYBACK_CONCURRENCY = 8

STATUSES = enum_choices(scheduler_pb2.SessionStatus.DESCRIPTOR, "SESSION_STATUS_")
AUTO_RECORDING = enum_choices(common_pb2.AutoRecording.DESCRIPTOR, "AUTO_RECORDING_")
INTERACTION_TYPES = enum_choices(scheduler_pb2.InteractionType.DESCRIPTOR, "INTERACTION_TYPE_")
RESOURCE_TYPES = enum_choices(scheduler_pb2.ResourceType.DESCRIPTOR, "RESOURCE_TYPE_")
ROLES = enum_choices(scheduler_pb2.ParticipantRole.DESCRIPTOR, "PARTICIPANT_ROLE_")
PARTICIPANT_STATUSES = enum_choices(
    scheduler_pb2.ParticipantStatus.DESCRIPTOR, "PARTICIPANT_STATUS_"
)

# PUT body keys -> session update-mask paths.
PUT_FIELDS = {
    "title": "title",
    "description": "description",
    "status": "status",
    "maxParticipants": "max_participants",
    "scheduledStart": "scheduled_start",
    "scheduledEnd": "scheduled_end",
    "timezone": "timezone",
    "autoRecording": "auto_recording",
    "teacherId": "teacher_id",
}
_ENDS = ("scheduledStart", "scheduledEnd")


# --- what the seed reads and shows --------------------------------------------------------


class LiveClass(View):
    """A session in the seed's live-class shape."""

    class_id: str
    course_id: str
    batch_id: str
    teacher_id: str
    teacher_name: str | None
    title: str
    description: str
    scheduled_start: Stamp
    scheduled_end: Stamp
    actual_start: Stamp
    actual_end: Stamp
    timezone: str
    status: Annotated[str | None, label(scheduler_pb2.SessionStatus.DESCRIPTOR)]
    max_participants: int
    auto_recording: Annotated[str | None, label(common_pb2.AutoRecording.DESCRIPTOR)]
    zoom_meeting_id: str | None
    zoom_join_url: str | None
    zoom_password: str | None
    participant_count: int
    recorded_lesson_count: int
    is_recorded: bool
    cancel_reason: str | None
    created_at: Stamp
    updated_at: Stamp


class LiveClassDetail(LiveClass):
    """A class with its shared resources and, for staff only, its participants."""

    participants: list[Annotated[dict[str, Any], Rendered(scheduler_pb2.Participant)]] = []
    resources: list[Annotated[dict[str, Any], Rendered(scheduler_pb2.SharedResource)]]


class ClassChange(View):
    """A class after a change, with what Zoom could not do (the change stands)."""

    class_: LiveClass = Field(alias="class")
    warnings: Warnings


class ClassFile(View):
    """One stored file of a class's recordings, with the caller's access and, where the caller
    may view it, a short-lived signed URL."""

    recording_id: str
    file_id: str
    file_name: str
    file_size_bytes: int
    file_size_mb: float
    file_url: str | None
    file_url_expires_at: Stamp
    file_type: str | None
    file_extension: str
    recording_type: str
    content_type: str
    source: Annotated[str | None, label(common_pb2.RecordingSource.DESCRIPTOR)]
    recording_start: Stamp
    recording_end: Stamp
    can_access: bool
    can_download: bool
    created_at: Stamp


def _iso(message: Message, name: str) -> str | None:
    return getattr(message, name).ToJsonString() if message.HasField(name) else None


def _live_class_fields(session: scheduler_pb2.Session) -> dict[str, Any]:
    meeting = session.zoom_meeting if session.HasField("zoom_meeting") else None
    return {
        "class_id": session.id,
        "course_id": session.course_id,
        "batch_id": session.batch_id,
        "teacher_id": session.teacher_id,
        "teacher_name": None,
        "title": session.title,
        "description": session.description,
        "scheduled_start": _iso(session, "scheduled_start"),
        "scheduled_end": _iso(session, "scheduled_end"),
        "actual_start": _iso(session, "actual_start"),
        "actual_end": _iso(session, "actual_end"),
        "timezone": session.timezone,
        "status": enum_label(
            scheduler_pb2.SessionStatus.DESCRIPTOR, session.status, "SESSION_STATUS_"
        ),
        "max_participants": session.max_participants,
        "auto_recording": enum_label(
            common_pb2.AutoRecording.DESCRIPTOR, session.auto_recording, "AUTO_RECORDING_"
        ),
        "zoom_meeting_id": str(meeting.meeting_id) if meeting else None,
        "zoom_join_url": meeting.join_url if meeting else None,
        "zoom_password": meeting.password if meeting else None,
        "participant_count": session.participant_count,
        "recorded_lesson_count": session.recorded_lesson_count,
        "is_recorded": session.recorded_lesson_count > 0 or session.recording_sync.recording_synced,
        "cancel_reason": session.cancel_reason or None,
        "created_at": _iso(session, "create_time"),
        "updated_at": _iso(session, "update_time"),
    }


def live_class(session: scheduler_pb2.Session, teacher_name: str | None = None) -> LiveClass:
    """A session in the seed's live-class shape."""
    return LiveClass(**(_live_class_fields(session) | {"teacher_name": teacher_name}))


def class_change(answer: Any) -> dict[str, Any]:
    change = {"class": live_class(answer.session), "warnings": render_warnings(answer.warnings)}
    return ClassChange.model_validate(change).show()


# --- what the seed sends --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class RecordingMode(Rule):
    """``autoRecording``: the seed's boolean (true = cloud) or a mode name."""

    def check(self, value: Any, *, query: bool) -> int:
        if isinstance(value, bool):
            return AUTO_RECORDING["cloud"] if value else AUTO_RECORDING["none"]
        return Choice(choices=AUTO_RECORDING).check(value, query=query)

    def schema(self) -> Schema:
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": list(AUTO_RECORDING)}]}


class LimitOffset(Input):
    """The seed's paging: ``limit`` items from ``offset`` (at most 1000), or from ``pageToken``
    (the previous answer's ``next_page_token``, cheaper)."""

    limit: Annotated[int, Integer(minimum=1, maximum=MAX_LIMIT)] = 50
    offset: Annotated[int, Integer(minimum=0, maximum=MAX_OFFSET)] = 0
    pageToken: Annotated[str, Text(max_length=2048)] = ""


class ListClasses(LimitOffset):
    courseId: Annotated[str, Text(max_length=128)] = ""
    batchId: Annotated[str, Text(max_length=128)] = ""
    teacherId: Annotated[str, Text(max_length=128)] = ""
    status: Annotated[
        list[int], Choices(choices=STATUSES, description="repeated or comma-separated")
    ] = []


class NewClass(Input):
    """A class between two instants, at most ``MAX_CLASS_MINUTES`` long, in a batch
    (``batchId``) or, as seed 001 sends it, in a course (``courseId``: its default batch)."""

    batchId: Annotated[str, Text(max_length=128, description="or courseId")] = ""
    courseId: Annotated[
        str, Text(max_length=128, description="without batchId: the course's default batch")
    ] = ""
    title: Annotated[str, Text(max_length=300, required=True)]
    scheduledStart: Annotated[Any, Instant(required=True)]
    scheduledEnd: Annotated[Any, Instant(required=True)]
    description: Annotated[str, Text(max_length=10_000)] = ""
    timezone: Annotated[str, Timezone()] = ""
    teacherId: Annotated[str, Text(max_length=128)] = ""
    maxParticipants: Annotated[int, Integer(minimum=0, maximum=100_000)] = 0
    autoRecording: Annotated[int | None, RecordingMode()] = None
    createZoomMeeting: Annotated[bool | None, Flag(description="default: true")] = None
    requestId: Annotated[str, Text(max_length=128, description="idempotency key")] = ""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if not self.batchId and not self.courseId:
            yield FieldViolation("batchId", "is required (or courseId)")
        yield from class_length.check_instants(
            self.scheduledStart,
            self.scheduledEnd,
            names=_ENDS,
            limit=class_length.longest(request),
        )


class ClassUpdate(Input):
    """Only the fields named change; moving both ends keeps the class at most
    ``MAX_CLASS_MINUTES`` long."""

    title: Annotated[str, Text(max_length=10_000, required=True)] = ""
    description: Annotated[str, Text(max_length=10_000)] = ""
    status: Annotated[int, Choice(choices=STATUSES, required=True)] = 0
    maxParticipants: Annotated[int, Integer(minimum=0, maximum=100_000)] = 0
    scheduledStart: Annotated[Any, Instant(required=True)] = None
    scheduledEnd: Annotated[Any, Instant(required=True)] = None
    timezone: Annotated[str, Timezone()] = ""
    autoRecording: Annotated[int, RecordingMode()] = 0
    teacherId: Annotated[str, Text(max_length=10_000)] = ""

    def session(self, class_id: str) -> tuple[scheduler_pb2.Session, list[str]]:
        session = scheduler_pb2.Session(id=class_id)
        keys = self.present(*PUT_FIELDS)
        self.copy_onto(session, keys, to=PUT_FIELDS)
        return session, [PUT_FIELDS[key] for key in keys]

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        session, paths = self.session("")
        yield from class_length.check_moved_ends(
            session, names=_ENDS, limit=class_length.longest(request)
        )
        if not paths:
            names = ", ".join(PUT_FIELDS)
            yield FieldViolation("body", f"names none of the updatable fields: {names}")


class CancelClass(Input):
    """Optional: the seed deletes the Zoom meeting and tells the participants."""

    reason: Annotated[str, Text(max_length=1000)] = ""
    notifyParticipants: Annotated[bool, Flag()] = True


class ListInteractions(LimitOffset):
    type: Annotated[
        list[int], Choices(choices=INTERACTION_TYPES, description="repeated or comma-separated")
    ] = []
    since: Annotated[Any, Instant()] = None


class NewInteraction(Input):
    interactionType: Annotated[int, Choice(choices=INTERACTION_TYPES, required=True)]
    content: Annotated[str, Text(max_length=10_000, required=True)]
    isAnonymous: Annotated[bool, Flag()] = False
    replyToId: Annotated[str, Text(max_length=128)] = ""
    pollId: Annotated[str, Text(max_length=128)] = ""
    pollQuestionId: Annotated[str, Text(max_length=128)] = ""
    requestId: Annotated[str, Text(max_length=128, description="idempotency key")] = ""


class ListParticipants(LimitOffset):
    role: Annotated[int, Choice(choices=ROLES)] = 0
    status: Annotated[int, Choice(choices=PARTICIPANT_STATUSES)] = 0


class AttendanceQuery(Input):
    presentThreshold: Annotated[
        float,
        Number(minimum=0.0, maximum=100.0, description="percent of the class to count present"),
    ] = 0.0


class ListResources(LimitOffset):
    type: Annotated[int, Choice(choices=RESOURCE_TYPES)] = 0
    sharedBy: Annotated[str, Text(max_length=128)] = ""


class NewResource(Input):
    """A link (``url``) or a stored file (``storageKey``): exactly one of them."""

    resourceType: Annotated[int, Choice(choices=RESOURCE_TYPES, required=True)]
    title: Annotated[str, Text(max_length=300, required=True)]
    description: Annotated[str, Text(max_length=10_000)] = ""
    url: Annotated[str, Text(max_length=4096, description="http(s)")] = ""
    storageKey: Annotated[str, Text(max_length=1024)] = ""
    requestId: Annotated[str, Text(max_length=128, description="idempotency key")] = ""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if bool(self.url) == bool(self.storageKey):
            yield FieldViolation("url", "give exactly one of url and storageKey")
        elif self.url and not self.url.startswith(("https://", "http://")):
            yield FieldViolation("url", "must be an http(s) URL")


# --- paging --------------------------------------------------------------------------------


async def _skip(
    list_call: Callable[[Any], Awaitable[Any]], request: Any, items: str, offset: int
) -> str | None:
    """The page token positioned ``offset`` items in, or ``None`` when the list is not longer
    than that (an empty token would mean "from the start", not "past the end")."""
    token = ""
    remaining = offset
    while remaining > 0:
        step = type(request)()
        step.CopyFrom(request)
        step.page_size = min(remaining, MAX_LIMIT)
        step.page_token = token
        answer = await list_call(step)
        remaining -= len(getattr(answer, items))
        token = answer.next_page_token
        if not token:
            return None
    return token


async def _paged(
    clients_method: Callable[..., Any],
    request: Any,
    items: str,
    limit: int,
    offset: int,
    token: str,
) -> tuple[Any | None, str]:
    """One page at ``offset`` (or at ``token``); ``None`` when the offset is past the end."""

    async def run(req: Any) -> Any:
        return await call(clients_method, req)

    if not token and offset:
        skipped = await _skip(run, request, items, offset)
        if skipped is None:
            return None, ""
        token = skipped
    request.page_size = limit
    request.page_token = token
    answer = await run(request)
    return answer, answer.next_page_token


def _listed(items: list[Any], answer: Any, offset: int, next_token: str) -> JSONResponse:
    """A list answer: the items, their total (``offset`` when past the end) and the token."""
    count = answer.total_size if answer is not None else offset
    return ok(items, count=count, next_page_token=next_token)


def listed(item: Any) -> Answer:
    """The answer of :func:`_listed` with ``item`` rows."""
    return Answer(
        data=[item],
        extra={"count": {"type": "integer"}, "next_page_token": {"type": "string"}},
    )


# --- classes -------------------------------------------------------------------------------


async def list_classes(request: Request, query: ListClasses) -> JSONResponse:
    """The classes the caller may see."""
    req = scheduler_pb2.ListSessionsRequest(
        course_id=query.courseId,
        batch_id=query.batchId,
        teacher_id=query.teacherId,
        statuses=query.status,  # type: ignore[arg-type]
    )
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListSessions,
        req,
        "sessions",
        query.limit,
        query.offset,
        query.pageToken,
    )
    sessions = list(answer.sessions) if answer is not None else []
    names = await _teacher_names(request, sessions)
    classes = [live_class(s, n).show() for s, n in zip(sessions, names, strict=True)]
    return _listed(classes, answer, query.offset, next_token)


_STARTED = (scheduler_pb2.SESSION_STATUS_IN_PROGRESS, scheduler_pb2.SESSION_STATUS_ENDED)


async def _teacher_names(
    request: Request, sessions: list[scheduler_pb2.Session]
) -> list[str | None]:
    """Each class's host name as Zoom showed it (its host participant), for staff callers.

    Only classes that have started can have one, so only those are asked about (a few at a
    time); a failure leaves the name ``null`` rather than failing the list.
    """
    if not deps.caller(request).has_role(ADMIN, TEACHER, OPERATOR):
        return [None] * len(sessions)
    clients = deps.clients(request)
    limit = asyncio.Semaphore(NAME_CONCURRENCY)

    async def one(session: scheduler_pb2.Session) -> str | None:
        if session.status not in _STARTED and not session.HasField("actual_start"):
            return None
        async with limit:
            try:
                found = await call(
                    clients.scheduler.ListParticipants,
                    scheduler_pb2.ListParticipantsRequest(
                        session_id=session.id,
                        role=scheduler_pb2.PARTICIPANT_ROLE_HOST,
                        page_size=1,
                    ),
                )
            except (PermissionDenied, NotFound):
                return None
        return _host_name(found.participants)

    return list(await asyncio.gather(*(one(s) for s in sessions)))


def _host_name(participants: Iterable[scheduler_pb2.Participant]) -> str | None:
    for person in participants:
        if person.role == scheduler_pb2.PARTICIPANT_ROLE_HOST and person.display_name:
            return str(person.display_name)
    return None


async def _default_batch(request: Request, course_id: str, teacher_id: str) -> str:
    """The course's default batch (:data:`DEFAULT_BATCH_NAME`), created when it has none.

    Creation is idempotent per course (its request id names the course), so two first classes
    created at once share one batch.
    """
    clients = deps.clients(request)
    token = ""
    while True:
        listed = await call(
            clients.scheduler.ListBatches,
            scheduler_pb2.ListBatchesRequest(
                course_id=course_id, page_size=MAX_LIMIT, page_token=token
            ),
        )
        for batch in listed.batches:
            if batch.name == DEFAULT_BATCH_NAME:
                return str(batch.id)
        token = listed.next_page_token
        if not token:
            break
    who = deps.caller(request)
    instructor = teacher_id or (who.subject if who.has_role(TEACHER) else "")
    made = await call(
        clients.scheduler.CreateBatch,
        scheduler_pb2.CreateBatchRequest(
            request_id=f"live-classes-default-batch:{course_id}",
            batch=scheduler_pb2.Batch(
                course_id=course_id,
                name=DEFAULT_BATCH_NAME,
                type=common_pb2.BATCH_TYPE_GROUP,
                instructor_id=instructor,
            ),
        ),
    )
    return str(made.id)


async def create_class(request: Request, body: NewClass) -> JSONResponse:
    """Schedule a class (and, unless told not to, its Zoom meeting).

    With ``courseId`` and no ``batchId`` (seed 001's body), in the course's default batch.
    """
    batch_id = body.batchId or await _default_batch(request, body.courseId, body.teacherId)
    req = scheduler_pb2.CreateSessionRequest(
        request_id=deps.idempotency_key(request, body.requestId),
        batch_id=batch_id,
        title=body.title,
        description=body.description,
        timezone=body.timezone,
        teacher_id=body.teacherId,
        max_participants=body.maxParticipants,
    )
    if body.autoRecording is not None:
        req.auto_recording = body.autoRecording  # type: ignore[assignment]
    if body.createZoomMeeting is not None:
        req.create_zoom_meeting = body.createZoomMeeting
    req.time_range.start_time.CopyFrom(body.scheduledStart)
    req.time_range.end_time.CopyFrom(body.scheduledEnd)
    answer = await call(deps.clients(request).scheduler.CreateSession, req)
    return ok(class_change(answer), status=201)


async def get_class(request: Request) -> JSONResponse:
    """The class with its shared resources and, for staff, its participants.

    The two are fetched together; a student opens their class without other students' names
    and emails.
    """
    clients = deps.clients(request)
    class_id = request.path_params["class_id"]
    staff = deps.caller(request).has_role(ADMIN, TEACHER, OPERATOR)
    session, resources = await asyncio.gather(
        call(clients.scheduler.GetSession, scheduler_pb2.GetSessionRequest(session_id=class_id)),
        call(
            clients.scheduler.ListSharedResources,
            scheduler_pb2.ListSharedResourcesRequest(session_id=class_id, page_size=MAX_LIMIT),
        ),
    )
    detail = LiveClassDetail(
        **_live_class_fields(session), resources=[to_dict(r) for r in resources.resources]
    )
    if staff:
        participants = await call(
            clients.scheduler.ListParticipants,
            scheduler_pb2.ListParticipantsRequest(session_id=class_id, page_size=MAX_LIMIT),
        )
        detail.participants = [to_dict(p) for p in participants.participants]
        detail.teacher_name = _host_name(participants.participants)
    return ok(detail.show())


async def update_class(request: Request, body: ClassUpdate) -> JSONResponse:
    """Change the fields the body names (and the Zoom meeting with them)."""
    session, paths = body.session(request.path_params["class_id"])
    answer = await call(
        deps.clients(request).scheduler.UpdateSession,
        scheduler_pb2.UpdateSessionRequest(
            session=session, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(class_change(answer))


async def cancel_class(request: Request, body: CancelClass) -> JSONResponse:
    """Cancel a class (the seed: delete the Zoom meeting, status cancelled, notify
    participants)."""
    answer = await call(
        deps.clients(request).scheduler.CancelSession,
        scheduler_pb2.CancelSessionRequest(
            session_id=request.path_params["class_id"],
            reason=body.reason,
            notify_participants=body.notifyParticipants,
        ),
    )
    return ok(class_change(answer))


# --- recordings ----------------------------------------------------------------------------


async def _playback_url(
    clients: Clients, recording_id: str, file_id: str, limit: asyncio.Semaphore
) -> recording_sync_pb2.PlaybackUrl | None:
    """A view URL for one file, or ``None`` when the caller may not have one (yet)."""
    async with limit:
        try:
            return await call(  # type: ignore[no-any-return]
                clients.recording_sync.GetPlaybackUrl,
                recording_sync_pb2.GetPlaybackUrlRequest(
                    recording_id=recording_id,
                    file_id=file_id,
                    disposition=recording_sync_pb2.DISPOSITION_INLINE,
                ),
            )
        except (PermissionDenied, FailedPrecondition, NotFound):
            return None


def _file_kind(file_type: int) -> str | None:
    label = enum_label(common_pb2.RecordingFileType.DESCRIPTOR, file_type, "RECORDING_FILE_TYPE_")
    return {"mp4": "video", "m4a": "audio"}.get(label or "", label)


async def list_recordings(request: Request) -> JSONResponse:
    """Every stored file of the class's recordings, with the caller's access.

    Where the caller may view a file, a short-lived signed URL (so the answer is never cached).
    """
    clients = deps.clients(request)
    class_id = request.path_params["class_id"]
    # The class first: NOT_FOUND for an unknown one (or another tenant's), PERMISSION_DENIED for
    # someone who does not attend or teach it, rather than an empty list for both.
    await call(clients.scheduler.GetSession, scheduler_pb2.GetSessionRequest(session_id=class_id))
    answer = await call(
        clients.recording_sync.ListRecordings,
        recording_sync_pb2.ListRecordingsRequest(session_id=class_id, page_size=MAX_LIMIT),
    )
    rows: list[tuple[recording_sync_pb2.Recording, recording_sync_pb2.RecordingFile]] = [
        (recording, file)
        for recording in answer.recordings
        for file in recording.files
        if file.state == recording_sync_pb2.FILE_STATE_STORED
    ]
    limit = asyncio.Semaphore(PLAYBACK_CONCURRENCY)
    urls = await asyncio.gather(
        *(
            _playback_url(clients, recording.id, file.id, limit)
            if recording.caller_access.can_view
            else _none()
            for recording, file in rows
        )
    )
    data = []
    for (recording, file), url in zip(rows, urls, strict=True):
        access = recording.caller_access
        data.append(
            ClassFile(
                recording_id=recording.id,
                file_id=file.id,
                file_name=file.file_name,
                file_size_bytes=file.size_bytes,
                file_size_mb=round(file.size_bytes / (1024 * 1024), 1),
                file_url=url.url if url is not None else None,
                file_url_expires_at=_iso(url, "expire_time") if url is not None else None,
                file_type=_file_kind(file.file_type),
                file_extension=file.file_extension,
                recording_type=file.recording_type,
                content_type=file.content_type,
                source=enum_label(
                    common_pb2.RecordingSource.DESCRIPTOR, recording.source, "RECORDING_SOURCE_"
                ),
                recording_start=_iso(file, "recording_start"),
                recording_end=_iso(file, "recording_end"),
                can_access=access.can_view,
                can_download=access.can_download,
                created_at=_iso(file, "store_time"),
            ).show()
        )
    return ok(data, headers=no_store(), next_page_token=answer.next_page_token)


async def _none() -> None:
    return None


# --- interactions --------------------------------------------------------------------------


async def list_interactions(request: Request, query: ListInteractions) -> JSONResponse:
    """The class's questions, chat and polls."""
    req = scheduler_pb2.ListInteractionsRequest(
        session_id=request.path_params["class_id"],
        types=query.type,  # type: ignore[arg-type]
    )
    if query.since is not None:
        req.since.CopyFrom(query.since)
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListInteractions,
        req,
        "interactions",
        query.limit,
        query.offset,
        query.pageToken,
    )
    items = [to_dict(i) for i in answer.interactions] if answer is not None else []
    return _listed(items, answer, query.offset, next_token)


async def create_interaction(request: Request, body: NewInteraction) -> JSONResponse:
    """Ask a question, chat, or answer a poll in the class."""
    interaction = scheduler_pb2.Interaction(
        type=body.interactionType,  # type: ignore[arg-type]
        content=body.content,
        anonymous=body.isAnonymous,
        reply_to_id=body.replyToId,
        poll_id=body.pollId,
        poll_question_id=body.pollQuestionId,
    )
    answer = await call(
        deps.clients(request).scheduler.CreateInteraction,
        scheduler_pb2.CreateInteractionRequest(
            request_id=deps.idempotency_key(request, body.requestId),
            session_id=request.path_params["class_id"],
            interaction=interaction,
        ),
    )
    return ok(to_dict(answer), status=201)


# --- participants and attendance -----------------------------------------------------------


async def list_participants(request: Request, query: ListParticipants) -> JSONResponse:
    """Who is expected at the class and who came."""
    req = scheduler_pb2.ListParticipantsRequest(
        session_id=request.path_params["class_id"],
        role=query.role,  # type: ignore[arg-type]
        status=query.status,  # type: ignore[arg-type]
    )
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListParticipants,
        req,
        "participants",
        query.limit,
        query.offset,
        query.pageToken,
    )
    items = [to_dict(p) for p in answer.participants] if answer is not None else []
    return _listed(items, answer, query.offset, next_token)


async def attendance(request: Request, query: AttendanceQuery) -> JSONResponse:
    """The class's attendance report: every enrolled student, present or not."""
    answer = await call(
        deps.clients(request).scheduler.GetAttendanceReport,
        scheduler_pb2.GetAttendanceReportRequest(
            session_id=request.path_params["class_id"],
            present_threshold_percentage=query.presentThreshold,
        ),
    )
    return ok(to_dict(answer))


# --- shared resources ----------------------------------------------------------------------


async def list_resources(request: Request, query: ListResources) -> JSONResponse:
    """The links and files shared in the class."""
    req = scheduler_pb2.ListSharedResourcesRequest(
        session_id=request.path_params["class_id"],
        type=query.type,  # type: ignore[arg-type]
        shared_by=query.sharedBy,
    )
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListSharedResources,
        req,
        "resources",
        query.limit,
        query.offset,
        query.pageToken,
    )
    items = [to_dict(r) for r in answer.resources] if answer is not None else []
    return _listed(items, answer, query.offset, next_token)


async def create_resource(request: Request, body: NewResource) -> JSONResponse:
    """Share a link or a stored file in the class."""
    resource = scheduler_pb2.SharedResource(
        type=body.resourceType,  # type: ignore[arg-type]
        title=body.title,
        description=body.description,
    )
    if body.url:
        resource.url = body.url
    else:
        resource.storage_key = body.storageKey
    answer = await call(
        deps.clients(request).scheduler.CreateSharedResource,
        scheduler_pb2.CreateSharedResourceRequest(
            request_id=deps.idempotency_key(request, body.requestId),
            session_id=request.path_params["class_id"],
            resource=resource,
        ),
    )
    return ok(to_dict(answer), status=201)


async def delete_resource(request: Request) -> JSONResponse:
    """Stop sharing a resource."""
    await call(
        deps.clients(request).scheduler.DeleteSharedResource,
        scheduler_pb2.DeleteSharedResourceRequest(resource_id=request.path_params["resource_id"]),
    )
    return ok(None)


_BASE = "/api/live-classes"
_ONE = _BASE + "/{class_id}"
CHANGE = Answer(data=ClassChange)
routes = [
    route(
        _BASE,
        list_classes,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListClasses,
        answers=[listed(LiveClass)],
    ),
    route(
        _BASE,
        create_class,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=NewClass,
        answers=[Answer(status=201, data=ClassChange)],
    ),
    route(
        _ONE,
        get_class,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[Answer(data=LiveClassDetail)],
    ),
    route(
        _ONE,
        update_class,
        methods=["PUT"],
        allow=STAFF,
        scope="resource",
        body=ClassUpdate,
        answers=[CHANGE],
    ),
    route(
        _ONE,
        cancel_class,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
        body=CancelClass,
        body_optional=True,
        answers=[CHANGE],
    ),
    route(
        _ONE + "/recordings",
        list_recordings,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[
            Answer(data=[ClassFile], extra={"next_page_token": {"type": "string"}}, no_store=True)
        ],
    ),
    route(
        _ONE + "/interactions",
        list_interactions,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListInteractions,
        answers=[listed(scheduler_pb2.Interaction)],
    ),
    route(
        _ONE + "/interactions",
        create_interaction,
        methods=["POST"],
        allow=EVERYONE,
        scope="resource",
        body=NewInteraction,
        answers=[Answer(status=201, data=scheduler_pb2.Interaction)],
    ),
    route(
        _ONE + "/participants",
        list_participants,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=ListParticipants,
        answers=[listed(scheduler_pb2.Participant)],
    ),
    route(
        _ONE + "/attendance",
        attendance,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=AttendanceQuery,
        answers=[Answer(data=scheduler_pb2.AttendanceReport)],
    ),
    route(
        _ONE + "/resources",
        list_resources,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListResources,
        answers=[listed(scheduler_pb2.SharedResource)],
    ),
    route(
        _ONE + "/resources",
        create_resource,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=NewResource,
        answers=[Answer(status=201, data=scheduler_pb2.SharedResource)],
    ),
    route(
        _ONE + "/resources/{resource_id}",
        delete_resource,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
