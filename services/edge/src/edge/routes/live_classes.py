"""Seed 001's ``/api/live-classes``: live classes (scheduler sessions) with their recordings,
interactions, participants, attendance and shared resources.

The seed speaks camelCase in requests and a flat snake_case class in answers, and pages with
``limit``/``offset``; the services page with opaque tokens. ``offset`` is honoured by walking
pages (up to ``MAX_OFFSET`` items); every list answer also carries ``next_page_token``, which a
client passes back as ``pageToken`` to continue cheaply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import ADMIN, OPERATOR, TEACHER
from classbridge_common.errors import FailedPrecondition, NotFound, PermissionDenied
from edge import class_length, deps
from edge.access import EVERYONE, STAFF, route
from edge.body import read_json
from edge.clients import Clients, call
from edge.fields import Fields
from edge.render import enum_choices, enum_label, no_store, ok, to_dict
from edge.routes.sessions import render_warnings

MAX_OFFSET = 1000
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


def _iso(message: Message, name: str) -> str | None:
    return getattr(message, name).ToJsonString() if message.HasField(name) else None


def live_class(session: scheduler_pb2.Session) -> dict[str, Any]:
    """A session in the seed's live-class shape."""
    meeting = session.zoom_meeting if session.HasField("zoom_meeting") else None
    return {
        "class_id": session.id,
        "course_id": session.course_id,
        "batch_id": session.batch_id,
        "teacher_id": session.teacher_id,
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


def _labelled(message: Message, field: str, descriptor: Any, prefix: str) -> dict[str, Any]:
    data = to_dict(message)
    data[field] = enum_label(descriptor, getattr(message, field), prefix)
    return data


# --- paging --------------------------------------------------------------------------------


def _limit_offset(query: Fields) -> tuple[int, int, str]:
    limit = query.integer("limit", default=50, minimum=1, maximum=MAX_LIMIT)
    offset = query.integer("offset", default=0, minimum=0, maximum=MAX_OFFSET)
    token = query.string("pageToken", max_length=2048)
    return limit, offset, token


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


# --- classes -------------------------------------------------------------------------------


async def list_classes(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    limit, offset, token = _limit_offset(query)
    req = scheduler_pb2.ListSessionsRequest(
        course_id=query.string("courseId", max_length=128),
        batch_id=query.string("batchId", max_length=128),
        teacher_id=query.string("teacherId", max_length=128),
        statuses=query.choices("status", STATUSES),  # type: ignore[arg-type]
    )
    query.check()
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListSessions, req, "sessions", limit, offset, token
    )
    classes = [live_class(s) for s in answer.sessions] if answer is not None else []
    count = answer.total_size if answer is not None else offset
    return ok(classes, count=count, next_page_token=next_token)


def _auto_recording(body: Fields, name: str) -> int:
    """``autoRecording``: the seed's boolean (true = cloud) or a mode name."""
    raw = body.raw(name)
    if isinstance(raw, bool):
        return AUTO_RECORDING["cloud"] if raw else AUTO_RECORDING["none"]
    return body.choice(name, AUTO_RECORDING)


async def create_class(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    start = body.timestamp("scheduledStart", required=True)
    end = body.timestamp("scheduledEnd", required=True)
    class_length.check_instants(
        body,
        start,
        end,
        names=("scheduledStart", "scheduledEnd"),
        limit=class_length.longest(request),
    )
    req = scheduler_pb2.CreateSessionRequest(
        request_id=deps.idempotency_key(request, body.string("requestId", max_length=128)),
        batch_id=body.string("batchId", required=True, max_length=128),
        title=body.string("title", required=True, max_length=300),
        description=body.string("description", max_length=10_000),
        timezone=body.timezone("timezone"),
        teacher_id=body.string("teacherId", max_length=128),
        max_participants=body.integer("maxParticipants", minimum=0, maximum=100_000),
    )
    if body.has("autoRecording"):
        req.auto_recording = _auto_recording(body, "autoRecording")  # type: ignore[assignment]
    create_meeting = body.boolean("createZoomMeeting")
    if create_meeting is not None:
        req.create_zoom_meeting = create_meeting
    if start is not None and end is not None:
        req.time_range.start_time.CopyFrom(start)
        req.time_range.end_time.CopyFrom(end)
    body.check()
    answer = await call(deps.clients(request).scheduler.CreateSession, req)
    return ok(
        {"class": live_class(answer.session), "warnings": render_warnings(answer.warnings)},
        status=201,
    )


async def get_class(request: Request) -> JSONResponse:
    """The class with its shared resources (first page), fetched together, and — for staff —
    its participants: a student opens their class without other students' names and emails."""
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
    data = live_class(session)
    if staff:
        participants = await call(
            clients.scheduler.ListParticipants,
            scheduler_pb2.ListParticipantsRequest(session_id=class_id, page_size=MAX_LIMIT),
        )
        data["participants"] = [_participant(p) for p in participants.participants]
    data["resources"] = [_resource(r) for r in resources.resources]
    return ok(data)


async def update_class(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    session = scheduler_pb2.Session(id=request.path_params["class_id"])
    paths: list[str] = []
    for key in body.present(*PUT_FIELDS):
        path = PUT_FIELDS[key]
        paths.append(path)
        if path in ("title", "description", "teacher_id"):
            setattr(session, path, body.string(key, required=path == "title", max_length=10_000))
        elif path == "status":
            session.status = body.choice(key, STATUSES, required=True)  # type: ignore[assignment]
        elif path == "max_participants":
            session.max_participants = body.integer(key, minimum=0, maximum=100_000)
        elif path in ("scheduled_start", "scheduled_end"):
            stamp = body.timestamp(key, required=True)
            if stamp is not None:
                getattr(session, path).CopyFrom(stamp)
        elif path == "timezone":
            session.timezone = body.timezone(key)
        elif path == "auto_recording":
            session.auto_recording = _auto_recording(body, key)  # type: ignore[assignment]
    class_length.check_moved_ends(
        body,
        session,
        names=("scheduledStart", "scheduledEnd"),
        limit=class_length.longest(request),
    )
    if not paths:
        body.fail("body", f"names none of the updatable fields: {', '.join(PUT_FIELDS)}")
    body.check()
    answer = await call(
        deps.clients(request).scheduler.UpdateSession,
        scheduler_pb2.UpdateSessionRequest(
            session=session, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok({"class": live_class(answer.session), "warnings": render_warnings(answer.warnings)})


async def cancel_class(request: Request) -> JSONResponse:
    """Cancel (the seed: delete the Zoom meeting, status cancelled, notify participants)."""
    body = Fields(await read_json(request, optional=True))
    reason = body.string("reason", max_length=1000)
    notify = body.boolean("notifyParticipants", default=True)
    body.check()
    answer = await call(
        deps.clients(request).scheduler.CancelSession,
        scheduler_pb2.CancelSessionRequest(
            session_id=request.path_params["class_id"],
            reason=reason,
            notify_participants=bool(notify),
        ),
    )
    return ok({"class": live_class(answer.session), "warnings": render_warnings(answer.warnings)})


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
    """Every stored file of the class's recordings, with the caller's access and, where the
    caller may view it, a short-lived signed URL (so the answer is never cached)."""
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
            {
                "recording_id": recording.id,
                "file_id": file.id,
                "file_name": file.file_name,
                "file_size_bytes": file.size_bytes,
                "file_size_mb": round(file.size_bytes / (1024 * 1024), 1),
                "file_url": url.url if url is not None else None,
                "file_url_expires_at": _iso(url, "expire_time") if url is not None else None,
                "file_type": _file_kind(file.file_type),
                "file_extension": file.file_extension,
                "recording_type": file.recording_type,
                "content_type": file.content_type,
                "source": enum_label(
                    common_pb2.RecordingSource.DESCRIPTOR, recording.source, "RECORDING_SOURCE_"
                ),
                "recording_start": _iso(file, "recording_start"),
                "recording_end": _iso(file, "recording_end"),
                "can_access": access.can_view,
                "can_download": access.can_download,
                "created_at": _iso(file, "store_time"),
            }
        )
    return ok(data, headers=no_store(), next_page_token=answer.next_page_token)


async def _none() -> None:
    return None


# --- interactions --------------------------------------------------------------------------


def _interaction(item: scheduler_pb2.Interaction) -> dict[str, Any]:
    return _labelled(item, "type", scheduler_pb2.InteractionType.DESCRIPTOR, "INTERACTION_TYPE_")


async def list_interactions(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    limit, offset, token = _limit_offset(query)
    req = scheduler_pb2.ListInteractionsRequest(
        session_id=request.path_params["class_id"],
        types=query.choices("type", INTERACTION_TYPES),  # type: ignore[arg-type]
    )
    since = query.timestamp("since")
    if since is not None:
        req.since.CopyFrom(since)
    query.check()
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListInteractions, req, "interactions", limit, offset, token
    )
    items = [_interaction(i) for i in answer.interactions] if answer is not None else []
    count = answer.total_size if answer is not None else offset
    return ok(items, count=count, next_page_token=next_token)


async def create_interaction(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    interaction = scheduler_pb2.Interaction(
        type=body.choice("interactionType", INTERACTION_TYPES, required=True),  # type: ignore[arg-type]
        content=body.string("content", required=True, max_length=10_000),
        anonymous=bool(body.boolean("isAnonymous", default=False)),
        reply_to_id=body.string("replyToId", max_length=128),
        poll_id=body.string("pollId", max_length=128),
        poll_question_id=body.string("pollQuestionId", max_length=128),
    )
    request_id = deps.idempotency_key(request, body.string("requestId", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).scheduler.CreateInteraction,
        scheduler_pb2.CreateInteractionRequest(
            request_id=request_id,
            session_id=request.path_params["class_id"],
            interaction=interaction,
        ),
    )
    return ok(_interaction(answer), status=201)


# --- participants and attendance -----------------------------------------------------------


def _participant(item: scheduler_pb2.Participant) -> dict[str, Any]:
    data = _labelled(item, "role", scheduler_pb2.ParticipantRole.DESCRIPTOR, "PARTICIPANT_ROLE_")
    data["status"] = enum_label(
        scheduler_pb2.ParticipantStatus.DESCRIPTOR, item.status, "PARTICIPANT_STATUS_"
    )
    return data


async def list_participants(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    limit, offset, token = _limit_offset(query)
    req = scheduler_pb2.ListParticipantsRequest(
        session_id=request.path_params["class_id"],
        role=query.choice("role", ROLES),  # type: ignore[arg-type]
        status=query.choice("status", PARTICIPANT_STATUSES),  # type: ignore[arg-type]
    )
    query.check()
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListParticipants, req, "participants", limit, offset, token
    )
    items = [_participant(p) for p in answer.participants] if answer is not None else []
    count = answer.total_size if answer is not None else offset
    return ok(items, count=count, next_page_token=next_token)


async def attendance(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    threshold = query.number("presentThreshold", default=0.0, minimum=0.0, maximum=100.0)
    query.check()
    answer = await call(
        deps.clients(request).scheduler.GetAttendanceReport,
        scheduler_pb2.GetAttendanceReportRequest(
            session_id=request.path_params["class_id"], present_threshold_percentage=threshold
        ),
    )
    return ok(
        _labelled(
            answer, "session_status", scheduler_pb2.SessionStatus.DESCRIPTOR, "SESSION_STATUS_"
        )
    )


# --- shared resources ----------------------------------------------------------------------


def _resource(item: scheduler_pb2.SharedResource) -> dict[str, Any]:
    return _labelled(item, "type", scheduler_pb2.ResourceType.DESCRIPTOR, "RESOURCE_TYPE_")


async def list_resources(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    limit, offset, token = _limit_offset(query)
    req = scheduler_pb2.ListSharedResourcesRequest(
        session_id=request.path_params["class_id"],
        type=query.choice("type", RESOURCE_TYPES),  # type: ignore[arg-type]
        shared_by=query.string("sharedBy", max_length=128),
    )
    query.check()
    answer, next_token = await _paged(
        deps.clients(request).scheduler.ListSharedResources, req, "resources", limit, offset, token
    )
    items = [_resource(r) for r in answer.resources] if answer is not None else []
    count = answer.total_size if answer is not None else offset
    return ok(items, count=count, next_page_token=next_token)


async def create_resource(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    resource = scheduler_pb2.SharedResource(
        type=body.choice("resourceType", RESOURCE_TYPES, required=True),  # type: ignore[arg-type]
        title=body.string("title", required=True, max_length=300),
        description=body.string("description", max_length=10_000),
    )
    url = body.string("url", max_length=4096)
    storage_key = body.string("storageKey", max_length=1024)
    if bool(url) == bool(storage_key):
        body.fail("url", "give exactly one of url and storageKey")
    elif url:
        if not url.startswith(("https://", "http://")):
            body.fail("url", "must be an http(s) URL")
        resource.url = url
    else:
        resource.storage_key = storage_key
    request_id = deps.idempotency_key(request, body.string("requestId", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).scheduler.CreateSharedResource,
        scheduler_pb2.CreateSharedResourceRequest(
            request_id=request_id, session_id=request.path_params["class_id"], resource=resource
        ),
    )
    return ok(_resource(answer), status=201)


async def delete_resource(request: Request) -> JSONResponse:
    await call(
        deps.clients(request).scheduler.DeleteSharedResource,
        scheduler_pb2.DeleteSharedResourceRequest(resource_id=request.path_params["resource_id"]),
    )
    return ok(None)


_BASE = "/api/live-classes"
routes = [
    route(_BASE, list_classes, methods=["GET"], allow=EVERYONE, scope="resource"),
    route(_BASE, create_class, methods=["POST"], allow=STAFF, scope="resource"),
    route(_BASE + "/{class_id}", get_class, methods=["GET"], allow=EVERYONE, scope="resource"),
    route(_BASE + "/{class_id}", update_class, methods=["PUT"], allow=STAFF, scope="resource"),
    route(_BASE + "/{class_id}", cancel_class, methods=["DELETE"], allow=STAFF, scope="resource"),
    route(
        _BASE + "/{class_id}/recordings",
        list_recordings,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
    ),
    route(
        _BASE + "/{class_id}/interactions",
        list_interactions,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
    ),
    route(
        _BASE + "/{class_id}/interactions",
        create_interaction,
        methods=["POST"],
        allow=EVERYONE,
        scope="resource",
    ),
    route(
        _BASE + "/{class_id}/participants",
        list_participants,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        _BASE + "/{class_id}/attendance", attendance, methods=["GET"], allow=STAFF, scope="resource"
    ),
    route(
        _BASE + "/{class_id}/resources",
        list_resources,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
    ),
    route(
        _BASE + "/{class_id}/resources",
        create_resource,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        _BASE + "/{class_id}/resources/{resource_id}",
        delete_resource,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
