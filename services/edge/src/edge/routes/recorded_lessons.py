"""Seed 000's recorded lessons of a session: ``/api/v1/sessions/{session_id}/recorded-lessons``
(scheduler).

Zoom recordings become lessons by themselves (recording-sync); people add the other two kinds
of seed 000: an ``external_link`` (a video hosted elsewhere: only its https URL is stored) and a
``manual_upload`` whose file was already uploaded to recording-sync (its ``recording_id``; the
upload itself is not an edge route yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import Choice, Input, Paging, Text
from edge.render import ok, page, to_dict
from edge.routing import Answer, paged, route

ADDABLE = {
    "external_link": common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
    "manual_upload": common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD,
}
SOURCES = {
    "zoom_auto_sync": common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
    **ADDABLE,
    "local_folder": common_pb2.RECORDING_SOURCE_LOCAL_FOLDER,
}


class NewLesson(Input):
    """Seed 000's ``{title, url, source}``: ``url`` (https) for an external link,
    ``recording_id`` for an uploaded file."""

    title: Annotated[str, Text(max_length=300, required=True)]
    source: Annotated[int, Choice(choices=ADDABLE, description="default: external_link")] = (
        common_pb2.RECORDING_SOURCE_EXTERNAL_LINK
    )
    url: Annotated[str, Text(max_length=4096, description="external_link: https only")] = ""
    recording_id: Annotated[
        str, Text(max_length=128, description="manual_upload: recording-sync's recording")
    ] = ""
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if self.source == common_pb2.RECORDING_SOURCE_EXTERNAL_LINK:
            if not self.url:
                yield FieldViolation("url", "is required for an external_link lesson")
            elif not self.url.startswith("https://"):
                yield FieldViolation("url", "must be an https URL")
        elif not self.recording_id:
            yield FieldViolation("recording_id", "is required for a manual_upload lesson")


class ListLessons(Paging):
    source: Annotated[int, Choice(choices=SOURCES)] = 0


async def add_lesson(request: Request, body: NewLesson) -> JSONResponse:
    """Add a recorded lesson to the session (an external link, or an uploaded recording)."""
    lesson = scheduler_pb2.RecordedLesson(
        title=body.title,
        source=body.source,  # type: ignore[arg-type]
        external_url=body.url if body.source == common_pb2.RECORDING_SOURCE_EXTERNAL_LINK else "",
        recording_id=body.recording_id,
    )
    answer = await call(
        deps.clients(request).scheduler.AddRecordedLesson,
        scheduler_pb2.AddRecordedLessonRequest(
            request_id=deps.idempotency_key(request, body.request_id),
            session_id=request.path_params["session_id"],
            recorded_lesson=lesson,
        ),
    )
    return ok(to_dict(answer), status=201, message="Recorded lesson added")


async def list_lessons(request: Request, query: ListLessons) -> JSONResponse:
    """The session's recorded lessons (every source, or one)."""
    answer = await call(
        deps.clients(request).scheduler.ListRecordedLessons,
        scheduler_pb2.ListRecordedLessonsRequest(
            session_id=request.path_params["session_id"],
            page_size=query.page_size,
            page_token=query.page_token,
            source=query.source,  # type: ignore[arg-type]
        ),
    )
    return page([to_dict(lesson) for lesson in answer.recorded_lessons], answer)


_PATH = "/api/v1/sessions/{session_id}/recorded-lessons"
routes = [
    route(
        _PATH,
        list_lessons,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListLessons,
        answers=[paged(scheduler_pb2.RecordedLesson, scheduler_pb2.ListRecordedLessonsResponse)],
    ),
    route(
        _PATH,
        add_lesson,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=NewLesson,
        answers=[
            Answer(
                status=201,
                data=scheduler_pb2.RecordedLesson,
                extra={"message": {"type": "string"}},
            )
        ],
    ),
]
