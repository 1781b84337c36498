"""``/api/v1/sessions``: read, list, change and cancel sessions (scheduler)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from edge import class_length, deps
from edge.access import EVERYONE, STAFF, route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import enum_choices, no_store, ok, page, page_args, to_dict

SESSION_STATUSES = enum_choices(scheduler_pb2.SessionStatus.DESCRIPTOR, "SESSION_STATUS_")
AUTO_RECORDING = enum_choices(common_pb2.AutoRecording.DESCRIPTOR, "AUTO_RECORDING_")

# Body keys of PATCH and the update-mask paths they set (the scheduler's updatable fields).
UPDATABLE = (
    "title",
    "description",
    "teacher_id",
    "scheduled_start",
    "scheduled_end",
    "timezone",
    "max_participants",
    "auto_recording",
    "meeting_settings",
    "status",
)


def render_warnings(warnings: Any) -> list[dict[str, Any]]:
    return [to_dict(w) for w in warnings]


def session_patch(
    body: Fields, session_id: str, *, longest: timedelta
) -> tuple[scheduler_pb2.Session, list[str]]:
    """The session fields and mask paths a PATCH body sets (unknown keys are ignored); a body
    moving both ends must keep the class at most ``longest`` long."""
    session = scheduler_pb2.Session(id=session_id)
    paths = body.present(*UPDATABLE)
    for name in paths:
        if name in ("title", "description", "teacher_id"):
            setattr(
                session,
                name,
                body.string(
                    name,
                    required=name == "title",
                    max_length=500 if name != "description" else 10_000,
                ),
            )
        elif name in ("scheduled_start", "scheduled_end"):
            stamp = body.timestamp(name, required=True)
            if stamp is not None:
                getattr(session, name).CopyFrom(stamp)
        elif name == "timezone":
            session.timezone = body.timezone(name)
        elif name == "max_participants":
            session.max_participants = body.integer(name, minimum=0, maximum=100_000)
        elif name == "auto_recording":
            session.auto_recording = body.choice(name, AUTO_RECORDING, required=True)  # type: ignore[assignment]
        elif name == "meeting_settings":
            settings = body.message(name, common_pb2.MeetingSettings)
            if settings is not None:
                session.meeting_settings.CopyFrom(settings)
        elif name == "status":
            session.status = body.choice(name, SESSION_STATUSES, required=True)  # type: ignore[assignment]
    class_length.check_moved_ends(
        body, session, names=("scheduled_start", "scheduled_end"), limit=longest
    )
    if not paths:
        body.fail("body", f"names none of the updatable fields: {', '.join(UPDATABLE)}")
    return session, paths


async def get_session(request: Request) -> JSONResponse:
    answer = await call(
        deps.clients(request).scheduler.GetSession,
        scheduler_pb2.GetSessionRequest(session_id=request.path_params["session_id"]),
    )
    return ok(to_dict(answer))


def list_request(query: Fields) -> scheduler_pb2.ListSessionsRequest:
    size, token = page_args(query)
    found = scheduler_pb2.ListSessionsRequest(
        page_size=size,
        page_token=token,
        course_id=query.string("course_id", max_length=128),
        batch_id=query.string("batch_id", max_length=128),
        teacher_id=query.string("teacher_id", max_length=128),
        student_id=query.string("student_id", max_length=128),
        statuses=query.choices("status", SESSION_STATUSES),  # type: ignore[arg-type]
        descending=bool(query.boolean("descending", default=False)),
    )
    for name in ("start_after", "start_before"):
        stamp = query.timestamp(name)
        if stamp is not None:
            getattr(found, name).CopyFrom(stamp)
    return found


async def list_sessions(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    req = list_request(query)
    query.check()
    answer = await call(deps.clients(request).scheduler.ListSessions, req)
    return page([to_dict(s) for s in answer.sessions], answer)


async def update_session(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    session, paths = session_patch(
        body, request.path_params["session_id"], longest=class_length.longest(request)
    )
    skip_zoom = bool(body.boolean("skip_zoom_sync", default=False))
    body.check()
    answer = await call(
        deps.clients(request).scheduler.UpdateSession,
        scheduler_pb2.UpdateSessionRequest(
            session=session,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            skip_zoom_sync=skip_zoom,
        ),
    )
    return ok({"session": to_dict(answer.session), "warnings": render_warnings(answer.warnings)})


async def cancel_session(request: Request) -> JSONResponse:
    """DELETE cancels (a session is never erased): ``reason`` and ``notify`` from the query
    string or an optional JSON body."""
    body = Fields(await read_json(request, optional=True))
    query = Fields(request.query_params, query=True)
    reason = body.string("reason", max_length=1000) or query.string("reason", max_length=1000)
    notify = body.boolean("notify_participants")
    if notify is None:
        notify = query.boolean("notify_participants", default=False)
    body.check()
    query.check()
    answer = await call(
        deps.clients(request).scheduler.CancelSession,
        scheduler_pb2.CancelSessionRequest(
            session_id=request.path_params["session_id"],
            reason=reason,
            notify_participants=bool(notify),
        ),
    )
    return ok({"session": to_dict(answer.session), "warnings": render_warnings(answer.warnings)})


async def start_url(request: Request) -> JSONResponse:
    """The host's start link: fetched fresh each time, never cached by anyone."""
    answer = await call(
        deps.clients(request).scheduler.GetStartUrl,
        scheduler_pb2.GetStartUrlRequest(session_id=request.path_params["session_id"]),
    )
    return ok(to_dict(answer), headers=no_store())


routes = [
    route("/api/v1/sessions", list_sessions, methods=["GET"], allow=EVERYONE, scope="resource"),
    route(
        "/api/v1/sessions/{session_id}",
        get_session,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
    ),
    route(
        "/api/v1/sessions/{session_id}",
        update_session,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/sessions/{session_id}",
        cancel_session,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/sessions/{session_id}/start-url",
        start_url,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
    ),
]
