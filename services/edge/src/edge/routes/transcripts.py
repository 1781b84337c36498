"""A recording's text (recording-sync): search across recordings, a recording's transcript,
its caption tracks, and processing it again.

- ``GET /api/v1/recordings/search?q=…`` — full-text search of the transcripts and chats of the
  recordings the caller may open (recording-sync applies the rule of opening each recording);
  each hit names its recording, the second to seek playback to, and a snippet (HTML-escaped,
  the words found in ``<mark>``).
- ``GET /api/v1/recordings/{recording_id}/transcript`` — the segments (cues, chat messages,
  summary parts) with their times and speakers, the summary and the action items.
- ``GET /api/v1/recordings/{recording_id}/captions`` — signed WebVTT URLs for a player's
  ``<track>`` elements (a short-lived credential: ``Cache-Control: no-store``, never logged).
- ``POST /api/v1/recordings/{recording_id}/reprocess`` — the batch's teachers and the tenant's
  admins run the processing again (202; poll the recording's ``processing_status``).

The search route is registered before ``/api/v1/recordings/{recording_id}`` (``app.py``).
"""

from __future__ import annotations

from typing import Annotated

from google.protobuf import duration_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.recordingsync.v1 import recording_sync_pb2
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import Choices, Input, Integer, Paging, Text
from edge.render import enum_choices, no_store, ok, page, to_dict
from edge.routing import Answer, paged, route

KINDS = enum_choices(recording_sync_pb2.SegmentKind.DESCRIPTOR, "SEGMENT_KIND_")
MAX_TTL_SECONDS = 3600
MAX_SEGMENTS = 5000


class SearchQuery(Paging):
    q: Annotated[
        str,
        Text(
            max_length=500,
            required=True,
            description='words, "quoted phrases", or, -excluded (web-search syntax)',
        ),
    ]
    recording_id: Annotated[str, Text(max_length=128)] = ""
    session_id: Annotated[str, Text(max_length=128)] = ""
    batch_id: Annotated[str, Text(max_length=128)] = ""
    kinds: Annotated[list[int], Choices(choices=KINDS, description="default: all")] = []


class TranscriptQuery(Input):
    kinds: Annotated[list[int], Choices(choices=KINDS, description="default: all")] = []
    page_size: Annotated[int, Integer(minimum=1, maximum=MAX_SEGMENTS)] = 500
    page_token: Annotated[str, Text(max_length=2048)] = ""


class CaptionsQuery(Input):
    ttl_seconds: Annotated[
        int,
        Integer(minimum=0, maximum=MAX_TTL_SECONDS, description="0: recording-sync's default"),
    ] = 0


async def search(request: Request, query: SearchQuery) -> JSONResponse:
    """Search the transcripts and chats of the recordings the caller may open."""
    answer = await call(
        deps.clients(request).recording_sync.SearchTranscripts,
        recording_sync_pb2.SearchTranscriptsRequest(
            query=query.q,
            recording_id=query.recording_id,
            session_id=query.session_id,
            batch_id=query.batch_id,
            kinds=query.kinds,  # type: ignore[arg-type]
            page_size=query.page_size,
            page_token=query.page_token,
        ),
    )
    return page([to_dict(h) for h in answer.hits], answer)


async def transcript(request: Request, query: TranscriptQuery) -> JSONResponse:
    """A recording's transcript: segments in time order, summary and action items."""
    answer = await call(
        deps.clients(request).recording_sync.GetTranscript,
        recording_sync_pb2.GetTranscriptRequest(
            recording_id=request.path_params["recording_id"],
            kinds=query.kinds,  # type: ignore[arg-type]
            page_size=query.page_size,
            page_token=query.page_token,
        ),
    )
    return ok(to_dict(answer))


async def captions(request: Request, query: CaptionsQuery) -> JSONResponse:
    """Signed URLs of a recording's caption tracks (WebVTT), never cached."""
    req = recording_sync_pb2.GetCaptionTracksRequest(
        recording_id=request.path_params["recording_id"]
    )
    if query.ttl_seconds:
        req.ttl.CopyFrom(duration_pb2.Duration(seconds=query.ttl_seconds))
    answer = await call(deps.clients(request).recording_sync.GetCaptionTracks, req)
    return ok([to_dict(t) for t in answer.tracks], headers=no_store())


async def reprocess(request: Request) -> JSONResponse:
    """Process a recording's text again (transcript, chat, summary, action items)."""
    answer = await call(
        deps.clients(request).recording_sync.ReprocessRecording,
        recording_sync_pb2.ReprocessRecordingRequest(
            recording_id=request.path_params["recording_id"]
        ),
    )
    return ok(to_dict(answer), status=202, message="processing queued")


_BASE = "/api/v1/recordings"
routes = [
    route(
        _BASE + "/search",
        search,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=SearchQuery,
        answers=[
            paged(recording_sync_pb2.TranscriptHit, recording_sync_pb2.SearchTranscriptsResponse)
        ],
    ),
    route(
        _BASE + "/{recording_id}/transcript",
        transcript,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=TranscriptQuery,
        answers=[Answer(data=recording_sync_pb2.Transcript)],
    ),
    route(
        _BASE + "/{recording_id}/captions",
        captions,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=CaptionsQuery,
        answers=[Answer(data=[recording_sync_pb2.CaptionTrack], no_store=True)],
    ),
    route(
        _BASE + "/{recording_id}/reprocess",
        reprocess,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        answers=[
            Answer(
                status=202,
                data=recording_sync_pb2.RecordingProcessing,
                extra={"message": {"type": "string"}},
            )
        ],
    ),
]
