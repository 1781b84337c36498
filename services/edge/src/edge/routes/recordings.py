"""``/api/v1/recordings``: recordings, playback URLs and access grants (recording-sync).

Seed 003's ``GET /recordings`` and ``GET /recordings/{recording_id}`` are second declarations of
the list and the read here (one handler each, both paths in the document).

A playback answer carries a signed URL — a bearer credential for a few minutes — so it is sent
with ``Cache-Control: no-store`` and never logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from google.protobuf import duration_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import Choice, Flag, Input, Instant, Integer, Paging, Text
from edge.render import enum_choices, no_store, ok, page, to_dict
from edge.routing import Answer, paged, route

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


class ListRecordings(Paging):
    session_id: Annotated[str, Text(max_length=128)] = ""
    batch_id: Annotated[str, Text(max_length=128)] = ""
    student_id: Annotated[str, Text(max_length=128)] = ""
    meeting_uuid: Annotated[str, Text(max_length=128)] = ""
    source: Annotated[int, Choice(choices=SOURCES)] = 0


class DeleteQuery(Input):
    delete_from_zoom: Annotated[bool, Flag(description="delete Zoom's copy too")] = False


class PlaybackQuery(Input):
    disposition: Annotated[
        int, Choice(choices=DISPOSITIONS, description="view (the default) or download")
    ] = recording_sync_pb2.DISPOSITION_INLINE
    file_id: Annotated[str, Text(max_length=128, description="default: the main video")] = ""
    ttl_seconds: Annotated[
        int,
        Integer(minimum=0, maximum=MAX_TTL_SECONDS, description="0: recording-sync's default"),
    ] = 0


class ListGrants(Paging):
    include_expired: Annotated[bool, Flag()] = False


class NewGrant(Input):
    scope: Annotated[int, Choice(choices=SCOPES, required=True)]
    level: Annotated[int, Choice(choices=LEVELS, required=True)]
    user_id: Annotated[str, Text(max_length=128, description="for the specific_user scope")] = ""
    expire_time: Annotated[Any, Instant()] = None
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if self.scope == recording_sync_pb2.ACCESS_SCOPE_SPECIFIC_USER and not self.user_id:
            yield FieldViolation("user_id", "is required for the specific_user scope")


async def list_recordings(request: Request, query: ListRecordings) -> JSONResponse:
    """The recordings the caller may see."""
    req = recording_sync_pb2.ListRecordingsRequest(
        page_size=query.page_size,
        page_token=query.page_token,
        session_id=query.session_id,
        batch_id=query.batch_id,
        student_id=query.student_id,
        meeting_uuid=query.meeting_uuid,
        source=query.source,  # type: ignore[arg-type]
    )
    answer = await call(deps.clients(request).recording_sync.ListRecordings, req)
    return page([to_dict(r) for r in answer.recordings], answer)


async def get_recording(request: Request) -> JSONResponse:
    """One recording with its files and the caller's access."""
    answer = await call(
        deps.clients(request).recording_sync.GetRecording,
        recording_sync_pb2.GetRecordingRequest(recording_id=request.path_params["recording_id"]),
    )
    return ok(to_dict(answer))


async def delete_recording(request: Request, query: DeleteQuery) -> JSONResponse:
    """Delete a recording's stored copy."""
    await call(
        deps.clients(request).recording_sync.DeleteRecording,
        recording_sync_pb2.DeleteRecordingRequest(
            recording_id=request.path_params["recording_id"],
            delete_from_zoom=query.delete_from_zoom,
        ),
    )
    return ok(None)


async def playback(request: Request, query: PlaybackQuery) -> JSONResponse:
    """A short-lived signed URL to view or download a recording's file (never cached)."""
    req = recording_sync_pb2.GetPlaybackUrlRequest(
        recording_id=request.path_params["recording_id"],
        file_id=query.file_id,
        disposition=query.disposition,  # type: ignore[arg-type]
    )
    if query.ttl_seconds:
        req.ttl.CopyFrom(duration_pb2.Duration(seconds=query.ttl_seconds))
    answer = await call(deps.clients(request).recording_sync.GetPlaybackUrl, req)
    return ok(to_dict(answer), headers=no_store())


async def list_grants(request: Request, query: ListGrants) -> JSONResponse:
    """Who was given access to a recording."""
    answer = await call(
        deps.clients(request).recording_sync.ListAccessGrants,
        recording_sync_pb2.ListAccessGrantsRequest(
            recording_id=request.path_params["recording_id"],
            page_size=query.page_size,
            page_token=query.page_token,
            include_expired=query.include_expired,
        ),
    )
    return page([to_dict(g) for g in answer.grants], answer)


async def create_grant(request: Request, body: NewGrant) -> JSONResponse:
    """Give access to a recording."""
    grant = recording_sync_pb2.AccessGrant(
        recording_id=request.path_params["recording_id"],
        scope=body.scope,  # type: ignore[arg-type]
        level=body.level,  # type: ignore[arg-type]
        user_id=body.user_id,
    )
    if body.expire_time is not None:
        grant.expire_time.CopyFrom(body.expire_time)
    answer = await call(
        deps.clients(request).recording_sync.CreateAccessGrant,
        recording_sync_pb2.CreateAccessGrantRequest(
            request_id=deps.idempotency_key(request, body.request_id), grant=grant
        ),
    )
    return ok(to_dict(answer), status=201)


async def delete_grant(request: Request) -> JSONResponse:
    """Take an access grant back."""
    await call(
        deps.clients(request).recording_sync.DeleteAccessGrant,
        recording_sync_pb2.DeleteAccessGrantRequest(grant_id=request.path_params["grant_id"]),
    )
    return ok(None)


_BASE = "/api/v1/recordings"
_GRANTS = _BASE + "/{recording_id}/access-grants"
routes = [
    route(
        _BASE,
        list_recordings,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListRecordings,
        answers=[paged(recording_sync_pb2.Recording, recording_sync_pb2.ListRecordingsResponse)],
    ),
    route(
        _BASE + "/{recording_id}",
        get_recording,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[Answer(data=recording_sync_pb2.Recording)],
    ),
    route(
        "/recordings",
        list_recordings,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListRecordings,
        answers=[paged(recording_sync_pb2.Recording, recording_sync_pb2.ListRecordingsResponse)],
        name="recordings.seed_list_recordings",
        note="Seed 003's path for `GET /api/v1/recordings`.",
    ),
    route(
        "/recordings/{recording_id}",
        get_recording,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[Answer(data=recording_sync_pb2.Recording)],
        name="recordings.seed_get_recording",
        note="Seed 003's path for `GET /api/v1/recordings/{recording_id}`.",
    ),
    route(
        _BASE + "/{recording_id}",
        delete_recording,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
        query=DeleteQuery,
    ),
    route(
        _BASE + "/{recording_id}/playback",
        playback,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=PlaybackQuery,
        answers=[Answer(data=recording_sync_pb2.PlaybackUrl, no_store=True)],
    ),
    route(
        _GRANTS,
        list_grants,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        query=ListGrants,
        answers=[
            paged(recording_sync_pb2.AccessGrant, recording_sync_pb2.ListAccessGrantsResponse)
        ],
    ),
    route(
        _GRANTS,
        create_grant,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=NewGrant,
        answers=[Answer(status=201, data=recording_sync_pb2.AccessGrant)],
    ),
    route(
        _GRANTS + "/{grant_id}",
        delete_grant,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
    ),
]
