"""Seed 000's batch routes: schedule a session, create its meeting later, and the batch's
recording sync (manual sync, status, retry).

Scheduling goes to the scheduler (which creates the Zoom meeting); sync and retry go to
recording-sync (which owns the jobs); the status comes from the scheduler's per-batch view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import NotFound
from edge import class_length, deps, sync_jobs
from edge.access import STAFF, route
from edge.body import read_json
from edge.clients import Clients, call
from edge.fields import Fields
from edge.render import enum_choices, enum_label, ok, to_dict
from edge.routes.sessions import render_warnings

AUTO_RECORDING = enum_choices(common_pb2.AutoRecording.DESCRIPTOR, "AUTO_RECORDING_")


def schedule_request(
    body: Fields, batch_id: str, request_id: str, *, longest: timedelta
) -> scheduler_pb2.CreateSessionRequest:
    """The seed's body (date, start_time, end_time, title, ...) as a CreateSession request;
    the class ends on its date, after it starts, at most ``longest`` later."""
    day = body.date("date", required=True)
    start = body.time_of_day("start_time", required=True)
    end = body.time_of_day("end_time", required=True)
    class_length.check_times_of_day(
        body, start, end, names=("start_time", "end_time"), limit=longest
    )
    req = scheduler_pb2.CreateSessionRequest(
        request_id=request_id,
        batch_id=batch_id,
        title=body.string("title", required=True, max_length=300),
        description=body.string("description", max_length=10_000),
        timezone=body.timezone("timezone"),
        teacher_id=body.string("teacher_id", max_length=128),
        max_participants=body.integer("max_participants", minimum=0, maximum=100_000),
        auto_recording=body.choice("auto_recording", AUTO_RECORDING),  # type: ignore[arg-type]
    )
    create_meeting = body.boolean("create_zoom_meeting")
    if create_meeting is not None:
        req.create_zoom_meeting = create_meeting
    settings = body.message("meeting_settings", common_pb2.MeetingSettings)
    if settings is not None:
        req.meeting_settings.CopyFrom(settings)
    if day is not None and start is not None and end is not None:
        req.local_time.date.CopyFrom(day)
        req.local_time.start_time.CopyFrom(start)
        req.local_time.end_time.CopyFrom(end)
    return req


def meeting_summary(session: scheduler_pb2.Session) -> dict[str, Any] | None:
    """The seed's top-level ``zoom_meeting`` (no start URL: it is fetched fresh when needed)."""
    if not session.HasField("zoom_meeting"):
        return None
    meeting = session.zoom_meeting
    summary = to_dict(meeting)
    summary["id"] = str(meeting.meeting_id)
    summary["start_time"] = to_dict(session).get("scheduled_start")
    summary["duration"] = meeting.duration_minutes
    return summary


async def schedule_session(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    request_id = deps.idempotency_key(request, body.string("request_id", max_length=128))
    req = schedule_request(
        body, request.path_params["batch_id"], request_id, longest=class_length.longest(request)
    )
    body.check()
    answer = await call(deps.clients(request).scheduler.CreateSession, req)
    data = {
        "session": to_dict(answer.session),
        "zoom_meeting": meeting_summary(answer.session),
        "warnings": render_warnings(answer.warnings),
    }
    return ok(data, status=201, message="Session scheduled successfully")


async def _session_of_batch(
    clients: Clients, batch_id: str, session_id: str
) -> scheduler_pb2.Session:
    """The session, or NOT_FOUND when it belongs to another batch (the URL names both)."""
    session = await call(
        clients.scheduler.GetSession, scheduler_pb2.GetSessionRequest(session_id=session_id)
    )
    if session.batch_id != batch_id:
        raise NotFound(resource_type="session", resource_id=session_id)
    return session  # type: ignore[no-any-return]


async def create_zoom_meeting(request: Request) -> JSONResponse:
    body = Fields(await read_json(request, optional=True))
    settings = body.message("meeting_settings", common_pb2.MeetingSettings)
    body.check()
    clients = deps.clients(request)
    batch_id, session_id = request.path_params["batch_id"], request.path_params["session_id"]
    await _session_of_batch(clients, batch_id, session_id)
    req = scheduler_pb2.CreateZoomMeetingRequest(session_id=session_id)
    if settings is not None:
        req.meeting_settings.CopyFrom(settings)
    answer = await call(clients.scheduler.CreateZoomMeeting, req)
    data = {
        "session": to_dict(answer.session),
        "zoom_meeting": meeting_summary(answer.session),
        "warnings": render_warnings(answer.warnings),
    }
    return ok(data, message="Zoom meeting created")


async def _require_batch(clients: Clients, batch_id: str) -> None:
    """The batch first: NOT_FOUND for an unknown one (or another tenant's) and PERMISSION_DENIED
    for someone who does not teach it, rather than "0 jobs" for both."""
    await call(clients.scheduler.GetBatch, scheduler_pb2.GetBatchRequest(batch_id=batch_id))


async def sync_recordings(request: Request) -> JSONResponse:
    body = Fields(await read_json(request, optional=True))
    force = bool(body.boolean("force", default=False))
    body.check()
    await _require_batch(deps.clients(request), request.path_params["batch_id"])
    answer = await call(
        deps.clients(request).recording_sync.SyncBatch,
        recording_sync_pb2.SyncBatchRequest(batch_id=request.path_params["batch_id"], force=force),
    )
    return ok(
        to_dict(answer), status=202, message=f"{len(answer.jobs)} recording sync job(s) queued"
    )


async def sync_status(request: Request) -> JSONResponse:
    """The scheduler's view of the batch (statistics, each session's ``recording_sync``), and
    for each session recording-sync's latest job (``sync_job``: attempts, errors, next retry,
    bytes copied, per file), so a waiting or failing session shows why. Without recording-sync
    the page still answers, with ``sync_jobs_unavailable`` instead of the jobs."""
    query = Fields(request.query_params, query=True)
    size = query.integer("page_size", default=50, minimum=1, maximum=100)
    token = query.string("page_token", max_length=2048)
    query.check()
    clients = deps.clients(request)
    batch_id = request.path_params["batch_id"]
    answer = await call(  # first: it checks the batch and the caller's right to see it
        clients.scheduler.GetBatchSyncStatus,
        scheduler_pb2.GetBatchSyncStatusRequest(
            batch_id=batch_id, page_size=size, page_token=token
        ),
    )
    sessions = [to_dict(row) for row in answer.sessions]
    jobs = await sync_jobs.latest_jobs(clients, batch_id)
    if jobs is not None:
        for row, shown in zip(answer.sessions, sessions, strict=True):
            shown["sync_job"] = jobs.get(row.session_id)
    data: dict[str, Any] = {
        "batch": {
            "id": answer.batch_id,
            "name": answer.batch_name,
            "course_title": answer.course_title,
            "batch_type": enum_label(
                common_pb2.BatchType.DESCRIPTOR, answer.batch_type, "BATCH_TYPE_"
            ),
        },
        "sync_statistics": to_dict(answer.statistics),
        "sessions": sessions,
        "next_page_token": answer.next_page_token,
    }
    if jobs is None:
        data["sync_jobs_unavailable"] = True
    return ok(data)


async def retry_recordings(request: Request) -> JSONResponse:
    """Retry every failed sync of the batch, or of one of its sessions (``sessionId``)."""
    body = Fields(await read_json(request, optional=True))
    session_id = body.string("sessionId", max_length=128) or body.string(
        "session_id", max_length=128
    )
    body.check()
    clients = deps.clients(request)
    batch_id = request.path_params["batch_id"]
    req = recording_sync_pb2.RetrySyncRequest()
    if session_id:  # the session names its batch: asking for it checks both
        await _session_of_batch(clients, batch_id, session_id)
        req.session_id = session_id
    else:
        await _require_batch(clients, batch_id)
        req.batch_id = batch_id
    answer = await call(clients.recording_sync.RetrySync, req)
    return ok(
        {"jobs": [to_dict(j) for j in answer.jobs]},
        status=202,
        message=f"{len(answer.jobs)} failed sync job(s) re-queued",
    )


routes = [
    route(
        "/api/v1/batches/{batch_id}/schedule",
        schedule_session,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/schedule/{session_id}/create-zoom-meeting",
        create_zoom_meeting,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/sync-zoom-recordings",
        sync_recordings,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/zoom-sync-status",
        sync_status,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        "/api/v1/batches/{batch_id}/retry-zoom-recordings",
        retry_recordings,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
]
