"""Seed 000's batch routes: schedule a session, create its meeting later, and the batch's
recording sync (manual sync, status, retry).

Scheduling goes to the scheduler (which creates the Zoom meeting); sync and retry go to
recording-sync (which owns the jobs); the status comes from the scheduler's per-batch view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation, NotFound
from edge import class_length, deps, sync_jobs
from edge.access import STAFF
from edge.clients import Clients, call
from edge.inputs import (
    CalendarDate,
    Choice,
    Flag,
    Input,
    Integer,
    Paging,
    ProtoMessage,
    Text,
    Timezone,
    WallTime,
)
from edge.render import enum_choices, enum_label, ok, to_dict
from edge.routes.sessions import Warnings, render_warnings
from edge.routing import Answer, route
from edge.sync_jobs import JobView
from edge.views import Rendered, View, view_ref

AUTO_RECORDING = enum_choices(common_pb2.AutoRecording.DESCRIPTOR, "AUTO_RECORDING_")
_MESSAGE = {"message": {"type": "string"}}


class ScheduleBody(Input):
    """The seed's body: the class ends on its date, after it starts, at most
    ``MAX_CLASS_MINUTES`` later."""

    date: Annotated[Any, CalendarDate(required=True)]
    start_time: Annotated[Any, WallTime(required=True)]
    end_time: Annotated[Any, WallTime(required=True)]
    title: Annotated[str, Text(max_length=300, required=True)]
    description: Annotated[str, Text(max_length=10_000)] = ""
    timezone: Annotated[str, Timezone(description="default: the batch's")] = ""
    teacher_id: Annotated[str, Text(max_length=128)] = ""
    max_participants: Annotated[int, Integer(minimum=0, maximum=100_000)] = 0
    auto_recording: Annotated[int, Choice(choices=AUTO_RECORDING)] = 0
    create_zoom_meeting: Annotated[bool | None, Flag(description="default: true")] = None
    meeting_settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        return class_length.check_times_of_day(
            self.start_time,
            self.end_time,
            names=("start_time", "end_time"),
            limit=class_length.longest(request),
        )

    def request(self, batch_id: str, request_id: str) -> scheduler_pb2.CreateSessionRequest:
        """The body as a CreateSession request."""
        req = scheduler_pb2.CreateSessionRequest(
            request_id=request_id,
            batch_id=batch_id,
            title=self.title,
            description=self.description,
            timezone=self.timezone,
            teacher_id=self.teacher_id,
            max_participants=self.max_participants,
            auto_recording=self.auto_recording,  # type: ignore[arg-type]
        )
        if self.create_zoom_meeting is not None:
            req.create_zoom_meeting = self.create_zoom_meeting
        if self.meeting_settings is not None:
            req.meeting_settings.CopyFrom(self.meeting_settings)
        req.local_time.date.CopyFrom(self.date)
        req.local_time.start_time.CopyFrom(self.start_time)
        req.local_time.end_time.CopyFrom(self.end_time)
        return req


class MeetingBody(Input):
    meeting_settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None


class SessionMeetingBody(MeetingBody):
    """Seed 004's ``POST /api/zoom/sessions/meeting``: the session is named in the body."""

    session_id: Annotated[str, Text(max_length=128, required=True)]


class SyncBody(Input):
    force: Annotated[bool, Flag(description="sync again what was synced already")] = False


class RetryBody(Input):
    """Retry the batch's failed syncs, or one session's (either spelling)."""

    sessionId: Annotated[str, Text(max_length=128)] = ""
    session_id: Annotated[str, Text(max_length=128)] = ""


_SUMMARY_EXTRA = {
    "id": {"type": "string", "description": "the Zoom meeting number, as a string"},
    "duration": {"type": "integer", "description": "minutes"},
}


class Scheduled(View):
    """A session with its meeting (no start URL: it is fetched fresh when needed)."""

    session: Annotated[dict[str, Any], Rendered(scheduler_pb2.Session)]
    zoom_meeting: (
        Annotated[dict[str, Any], Rendered(scheduler_pb2.ZoomMeetingInfo, extra=_SUMMARY_EXTRA)]
        | None
    )
    warnings: Warnings


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


def scheduled(answer: Any) -> dict[str, Any]:
    return Scheduled(
        session=to_dict(answer.session),
        zoom_meeting=meeting_summary(answer.session),
        warnings=render_warnings(answer.warnings),
    ).show()


class Retried(View):
    jobs: list[Annotated[dict[str, Any], Rendered(recording_sync_pb2.SyncJob)]]


class BatchSummary(View):
    id: str
    name: str
    course_title: str
    batch_type: str | None


class SyncStatus(View):
    """The batch, its sync statistics and one row per session; ``sync_job`` is each session's
    latest job at recording-sync (``null``: none yet), left out with ``sync_jobs_unavailable``
    when recording-sync did not answer."""

    batch: BatchSummary
    sync_statistics: Annotated[dict[str, Any], Rendered(scheduler_pb2.BatchSyncStatistics)]
    sessions: list[
        Annotated[
            dict[str, Any],
            Rendered(
                scheduler_pb2.SessionSyncRow,
                extra={"sync_job": {"anyOf": [view_ref(JobView), {"type": "null"}]}},
                optional_extra=frozenset({"sync_job"}),
            ),
        ]
    ]
    next_page_token: str
    sync_jobs_unavailable: Literal[True] = True


async def schedule_session(request: Request, body: ScheduleBody) -> JSONResponse:
    """Schedule a session of the batch (and, unless told not to, its Zoom meeting)."""
    request_id = deps.idempotency_key(request, body.request_id)
    req = body.request(request.path_params["batch_id"], request_id)
    answer = await call(deps.clients(request).scheduler.CreateSession, req)
    return ok(scheduled(answer), status=201, message="Session scheduled successfully")


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


async def create_zoom_meeting(request: Request, body: MeetingBody) -> JSONResponse:
    """Create the session's Zoom meeting now (it was scheduled without one, or it failed)."""
    clients = deps.clients(request)
    batch_id, session_id = request.path_params["batch_id"], request.path_params["session_id"]
    await _session_of_batch(clients, batch_id, session_id)
    return await _create_meeting(clients, session_id, body.meeting_settings)


async def create_session_meeting(request: Request, body: SessionMeetingBody) -> JSONResponse:
    """Create a session's Zoom meeting (seed 004's path; the same as
    ``POST /api/v1/batches/{batch_id}/schedule/{session_id}/create-zoom-meeting``)."""
    return await _create_meeting(deps.clients(request), body.session_id, body.meeting_settings)


async def _create_meeting(
    clients: Clients, session_id: str, settings: common_pb2.MeetingSettings | None
) -> JSONResponse:
    """The one implementation of both paths: the scheduler's CreateZoomMeeting."""
    req = scheduler_pb2.CreateZoomMeetingRequest(session_id=session_id)
    if settings is not None:
        req.meeting_settings.CopyFrom(settings)
    answer = await call(clients.scheduler.CreateZoomMeeting, req)
    return ok(scheduled(answer), message="Zoom meeting created")


async def _require_batch(clients: Clients, batch_id: str) -> None:
    """The batch first: NOT_FOUND for an unknown one (or another tenant's) and PERMISSION_DENIED
    for someone who does not teach it, rather than "0 jobs" for both."""
    await call(clients.scheduler.GetBatch, scheduler_pb2.GetBatchRequest(batch_id=batch_id))


async def sync_recordings(request: Request, body: SyncBody) -> JSONResponse:
    """Queue a recording sync for each ended session of the batch."""
    force = body.force
    await _require_batch(deps.clients(request), request.path_params["batch_id"])
    answer = await call(
        deps.clients(request).recording_sync.SyncBatch,
        recording_sync_pb2.SyncBatchRequest(batch_id=request.path_params["batch_id"], force=force),
    )
    return ok(
        to_dict(answer), status=202, message=f"{len(answer.jobs)} recording sync job(s) queued"
    )


async def sync_status(request: Request, query: Paging) -> JSONResponse:
    """The batch's recording sync: each session's state, and why a sync waits or fails.

    The scheduler's view of the batch (statistics, each session's ``recording_sync``), and
    for each session recording-sync's latest job (``sync_job``: attempts, errors, next retry,
    bytes copied, per file), so a waiting or failing session shows why. Without recording-sync
    the page still answers, with ``sync_jobs_unavailable`` instead of the jobs."""
    size, token = query.page_size, query.page_token
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
    status = SyncStatus(
        batch=BatchSummary(
            id=answer.batch_id,
            name=answer.batch_name,
            course_title=answer.course_title,
            batch_type=enum_label(
                common_pb2.BatchType.DESCRIPTOR, answer.batch_type, "BATCH_TYPE_"
            ),
        ),
        sync_statistics=to_dict(answer.statistics),
        sessions=sessions,
        next_page_token=answer.next_page_token,
    )
    if jobs is None:
        status.sync_jobs_unavailable = True
    return ok(status.show())


async def retry_recordings(request: Request, body: RetryBody) -> JSONResponse:
    """Retry every failed sync of the batch, or of one of its sessions (``sessionId``)."""
    session_id = body.sessionId or body.session_id
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
        Retried(jobs=[to_dict(j) for j in answer.jobs]).show(),
        status=202,
        message=f"{len(answer.jobs)} failed sync job(s) re-queued",
    )


_BATCH = "/api/v1/batches/{batch_id}"
routes = [
    route(
        _BATCH + "/schedule",
        schedule_session,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=ScheduleBody,
        answers=[Answer(status=201, data=Scheduled, extra=_MESSAGE)],
    ),
    route(
        _BATCH + "/schedule/{session_id}/create-zoom-meeting",
        create_zoom_meeting,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=MeetingBody,
        body_optional=True,
        answers=[Answer(data=Scheduled, extra=_MESSAGE)],
    ),
    route(
        "/api/zoom/sessions/meeting",
        create_session_meeting,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=SessionMeetingBody,
        answers=[Answer(data=Scheduled, extra=_MESSAGE)],
    ),
    route(
        _BATCH + "/sync-zoom-recordings",
        sync_recordings,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=SyncBody,
        body_optional=True,
        answers=[Answer(status=202, data=recording_sync_pb2.SyncBatchResponse, extra=_MESSAGE)],
    ),
    route(
        _BATCH + "/zoom-sync-status",
        sync_status,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=Paging,
        answers=[Answer(data=SyncStatus)],
    ),
    route(
        _BATCH + "/retry-zoom-recordings",
        retry_recordings,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=RetryBody,
        body_optional=True,
        answers=[Answer(status=202, data=Retried, extra=_MESSAGE)],
    ),
]
