"""``/api/v1/recordings``: recordings, playback URLs and access grants (recording-sync).

A playback answer carries a signed URL — a bearer credential for a few minutes — so it is sent
with ``Cache-Control: no-store`` and never logged.
"""

from __future__ import annotations

from google.protobuf import duration_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from edge import deps
from edge.access import EVERYONE, STAFF, route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import enum_choices, no_store, ok, page, page_args, to_dict

DISPOSITIONS = {
    "view": recording_sync_pb2.DISPOSITION_INLINE,
    "inline": recording_sync_pb2.DISPOSITION_INLINE,
    "download": recording_sync_pb2.DISPOSITION_ATTACHMENT,
    "attachment": recording_sync_pb2.DISPOSITION_ATTACHMENT,
}
SCOPES = enum_choices(recording_sync_pb2.AccessScope.DESCRIPTOR, "ACCESS_SCOPE_")
LEVELS = enum_choices(recording_sync_pb2.AccessLevel.DESCRIPTOR, "ACCESS_LEVEL_")
SOURCES = enum_choices(common_pb2.RecordingSource.DESCRIPTOR, "RECORDING_SOURCE_")
MAX_TTL_SECONDS = 3600


async def list_recordings(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    req = recording_sync_pb2.ListRecordingsRequest(
        page_size=size,
        page_token=token,
        session_id=query.string("session_id", max_length=128),
        batch_id=query.string("batch_id", max_length=128),
        student_id=query.string("student_id", max_length=128),
        meeting_uuid=query.string("meeting_uuid", max_length=128),
        source=query.choice("source", SOURCES),  # type: ignore[arg-type]
    )
    query.check()
    answer = await call(deps.clients(request).recording_sync.ListRecordings, req)
    return page([to_dict(r) for r in answer.recordings], answer)


async def get_recording(request: Request) -> JSONResponse:
    answer = await call(
        deps.clients(request).recording_sync.GetRecording,
        recording_sync_pb2.GetRecordingRequest(recording_id=request.path_params["recording_id"]),
    )
    return ok(to_dict(answer))


async def delete_recording(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    from_zoom = bool(query.boolean("delete_from_zoom", default=False))
    query.check()
    await call(
        deps.clients(request).recording_sync.DeleteRecording,
        recording_sync_pb2.DeleteRecordingRequest(
            recording_id=request.path_params["recording_id"], delete_from_zoom=from_zoom
        ),
    )
    return ok(None)


async def playback(request: Request) -> JSONResponse:
    """``?disposition=view|download`` (default view), ``file_id``, ``ttl_seconds``."""
    query = Fields(request.query_params, query=True)
    disposition = query.choice(
        "disposition", DISPOSITIONS, default=recording_sync_pb2.DISPOSITION_INLINE
    )
    file_id = query.string("file_id", max_length=128)
    ttl_seconds = query.integer("ttl_seconds", default=0, minimum=0, maximum=MAX_TTL_SECONDS)
    query.check()
    req = recording_sync_pb2.GetPlaybackUrlRequest(
        recording_id=request.path_params["recording_id"],
        file_id=file_id,
        disposition=disposition,  # type: ignore[arg-type]
    )
    if ttl_seconds:
        req.ttl.CopyFrom(duration_pb2.Duration(seconds=ttl_seconds))
    answer = await call(deps.clients(request).recording_sync.GetPlaybackUrl, req)
    return ok(to_dict(answer), headers=no_store())


async def list_grants(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    include_expired = bool(query.boolean("include_expired", default=False))
    query.check()
    answer = await call(
        deps.clients(request).recording_sync.ListAccessGrants,
        recording_sync_pb2.ListAccessGrantsRequest(
            recording_id=request.path_params["recording_id"],
            page_size=size,
            page_token=token,
            include_expired=include_expired,
        ),
    )
    return page([to_dict(g) for g in answer.grants], answer)


async def create_grant(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    grant = recording_sync_pb2.AccessGrant(
        recording_id=request.path_params["recording_id"],
        scope=body.choice("scope", SCOPES, required=True),  # type: ignore[arg-type]
        level=body.choice("level", LEVELS, required=True),  # type: ignore[arg-type]
        user_id=body.string("user_id", max_length=128),
    )
    if grant.scope == recording_sync_pb2.ACCESS_SCOPE_SPECIFIC_USER and not grant.user_id:
        body.fail("user_id", "is required for the specific_user scope")
    expire = body.timestamp("expire_time")
    if expire is not None:
        grant.expire_time.CopyFrom(expire)
    request_id = deps.idempotency_key(request, body.string("request_id", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).recording_sync.CreateAccessGrant,
        recording_sync_pb2.CreateAccessGrantRequest(request_id=request_id, grant=grant),
    )
    return ok(to_dict(answer), status=201)


async def delete_grant(request: Request) -> JSONResponse:
    await call(
        deps.clients(request).recording_sync.DeleteAccessGrant,
        recording_sync_pb2.DeleteAccessGrantRequest(grant_id=request.path_params["grant_id"]),
    )
    return ok(None)


_BASE = "/api/v1/recordings"
routes = [
    route(_BASE, list_recordings, methods=["GET"], allow=EVERYONE, scope="resource"),
    route(
        _BASE + "/{recording_id}", get_recording, methods=["GET"], allow=EVERYONE, scope="resource"
    ),
    route(
        _BASE + "/{recording_id}",
        delete_recording,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        _BASE + "/{recording_id}/playback",
        playback,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
    ),
    route(
        _BASE + "/{recording_id}/access-grants",
        list_grants,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        _BASE + "/{recording_id}/access-grants",
        create_grant,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
    ),
    route(
        _BASE + "/{recording_id}/access-grants/{grant_id}",
        delete_grant,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
