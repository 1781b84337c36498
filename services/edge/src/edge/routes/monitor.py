"""The local-folder watcher: seed 003's /monitor/status, start, stop and path routes, and the
watch agent's question "which of my sessions is this recording?".

The watched folder is mounted on the recording-sync host and serves every school of the
deployment, so only platform operators may see and steer it (recording-sync enforces the same
rule). Each route is served under seed 003's path and under ``/api/v1/monitor/...``. The
status lists the files found with their state and error (an unmatched folder says why).

``GET /api/v1/monitor/match`` is the agent's (a teacher's computer running ``python -m
recording_sync watch``): the caller's session a local recording is of, by the meeting id and
time in Zoom's folder name, else by the caller as its teacher and the time; 404 with the reason
when none matches — the agent reports the folder and uploads nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge_common.auth import OPERATOR
from edge import deps
from edge.access import STAFF
from edge.clients import call
from edge.inputs import Input, Instant, Integer, Text
from edge.render import ok, to_dict
from edge.routing import Answer, route

STATUS = Answer(data=recording_sync_pb2.WatcherStatus)
OPERATORS = [OPERATOR]


class WatchPath(Input):
    path: Annotated[
        str,
        Text(
            required=True,
            max_length=1000,
            description="a folder inside the watcher's root (WATCHER_ROOT), absolute or relative",
        ),
    ]
    tenant_id: Annotated[
        str, Text(max_length=64, description="with host_id: whose folders lack a meeting id")
    ] = ""
    host_id: Annotated[
        str, Text(max_length=64, description="a teacher's user id or Zoom user id")
    ] = ""


class Control(Input):
    """Start and stop take no fields (an empty object, or no body)."""


class MatchQuery(Input):
    meeting_id: Annotated[
        int,
        Integer(minimum=0, maximum=99_999_999_999, description="from the folder name; 0: none"),
    ] = 0
    start_time: Annotated[Any, Instant(description="when the recording started")] = None
    topic: Annotated[str, Text(max_length=500, description="the folder's topic")] = ""


async def watcher_status(request: Request) -> JSONResponse:
    """The folder watcher's state, counters and the files it found (with their errors)."""
    answer = await call(
        deps.clients(request).recording_sync.GetWatcherStatus,
        recording_sync_pb2.GetWatcherStatusRequest(),
    )
    return ok(to_dict(answer))


async def start_watcher(request: Request, body: Control) -> JSONResponse:
    """Start watching the set folder (409 when none is set or it cannot be read)."""
    answer = await call(
        deps.clients(request).recording_sync.StartWatcher,
        recording_sync_pb2.StartWatcherRequest(),
    )
    return ok(to_dict(answer), message="the folder watcher is running")


async def stop_watcher(request: Request, body: Control) -> JSONResponse:
    """Stop watching; a file being uploaded finishes."""
    answer = await call(
        deps.clients(request).recording_sync.StopWatcher,
        recording_sync_pb2.StopWatcherRequest(),
    )
    return ok(to_dict(answer), message="the folder watcher is stopped")


async def set_watch_path(request: Request, body: WatchPath) -> JSONResponse:
    """Point the watcher at another folder inside its root (400 for any other path)."""
    answer = await call(
        deps.clients(request).recording_sync.SetWatchPath,
        recording_sync_pb2.SetWatchPathRequest(
            path=body.path, tenant_id=body.tenant_id, host_id=body.host_id
        ),
    )
    return ok(to_dict(answer))


async def match_recording(request: Request, query: MatchQuery) -> JSONResponse:
    """The caller's session a local Zoom recording is of (404 with the reason when none)."""
    req = recording_sync_pb2.MatchLocalRecordingRequest(
        meeting_id=query.meeting_id, topic=query.topic
    )
    if query.start_time is not None:
        req.start_time.CopyFrom(query.start_time)
    answer = await call(deps.clients(request).recording_sync.MatchLocalRecording, req)
    return ok(to_dict(answer))


def _both(path: str, endpoint: Any, method: str, **declared: Any) -> list[BaseRoute]:
    """The route under ``/api/v1/monitor/...`` and under seed 003's ``/monitor/...``."""
    name = endpoint.__name__
    return [
        route(f"/api/v1/monitor/{path}", endpoint, methods=[method], **declared),
        route(
            f"/monitor/{path}",
            endpoint,
            methods=[method],
            name=f"monitor.seed_{name}",
            note=f"Seed 003's path for `{method} /api/v1/monitor/{path}`.",
            **declared,
        ),
    ]


routes: list[BaseRoute] = [
    *_both("status", watcher_status, "GET", allow=OPERATORS, scope="platform", answers=[STATUS]),
    *_both(
        "start",
        start_watcher,
        "POST",
        allow=OPERATORS,
        scope="platform",
        body=Control,
        body_optional=True,
        answers=[STATUS],
    ),
    *_both(
        "stop",
        stop_watcher,
        "POST",
        allow=OPERATORS,
        scope="platform",
        body=Control,
        body_optional=True,
        answers=[STATUS],
    ),
    *_both(
        "path",
        set_watch_path,
        "PUT",
        allow=OPERATORS,
        scope="platform",
        body=WatchPath,
        answers=[STATUS],
    ),
    route(
        "/api/v1/monitor/match",
        match_recording,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=MatchQuery,
        answers=[Answer(data=recording_sync_pb2.LocalRecordingMatch)],
    ),
]
