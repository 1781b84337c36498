"""Manual uploads of recordings (recording-sync): the resumable tus 1.0 API on
``/api/v1/uploads`` and seed 003's one-shot ``POST /upload/recording``.

tus (creation and termination extensions): ``OPTIONS /api/v1/uploads`` tells the versions,
extensions and the school's largest file (``Tus-Max-Size``); ``POST`` starts an upload from
``Upload-Length`` and ``Upload-Metadata`` (base64 values: ``session_id`` required, ``filename``,
``lesson_title``, ``request_id`` for idempotency, ``checksum`` the file's hex sha256) and answers
201 with its ``Location``; ``HEAD`` of that location says ``Upload-Offset``; each ``PATCH``
(``application/offset+octet-stream`` at the ``Upload-Offset`` the upload stands at, else 409)
streams its body on to recording-sync and answers 204 with the new offset; ``DELETE`` abandons
it; ``GET`` shows it as JSON, with ``recording_id`` once the last byte is in. Any tus client
works, e.g. tuspy's ``TusClient(url + "/api/v1/uploads", headers={"Authorization": ...})``.

The session's teachers and the tenant's admins upload (students 403, another tenant's session
404); an upload is usable by its uploader and the tenant's admins only. The bytes are never
held by the edge (``edge.upload_relay``), the type is sniffed from them by recording-sync (415
for anything that is no audio or video), and a file over the school's limit is 413.
"""

from __future__ import annotations

from typing import Annotated

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.errors import ClassbridgeError, InvalidArgument
from edge import deps, tus
from edge.access import STAFF
from edge.clients import call
from edge.form_upload import boundary_of, read_form_file
from edge.inputs import Input, Text
from edge.render import ok, to_dict
from edge.routing import Answer, route
from edge.upload_relay import relay

_BASE = "/api/v1/uploads"
_ONE = _BASE + "/{upload_id}"
RAW_TYPES = ("video/", "audio/", "application/octet-stream")


def _header(description: str) -> dict[str, object]:
    return {"description": description, "schema": {"type": "string"}}


_TUS_RESUMABLE = {"Tus-Resumable": _header("The tus version of the answer: 1.0.0.")}
_OFFSET_HEADERS = {
    **_TUS_RESUMABLE,
    "Upload-Offset": _header("Bytes stored so far (durable): the next PATCH starts there."),
    "Upload-Length": _header("The file's declared size in bytes."),
    "Cache-Control": _header("no-store."),
}


def _stub(request: Request):  # type: ignore[no-untyped-def]
    return deps.clients(request).recording_sync


async def _limits(request: Request) -> pb.ManualUploadLimits:
    found: pb.ManualUploadLimits = await call(
        _stub(request).GetManualUploadLimits, pb.GetManualUploadLimitsRequest()
    )
    return found


async def _upload(request: Request) -> pb.ManualUpload:
    """The upload of the path, if the caller may use it (404 otherwise): asked first, so a
    caller without reach is refused whatever their request looks like."""
    found: pb.ManualUpload = await call(
        _stub(request).GetManualUpload,
        pb.GetManualUploadRequest(upload_id=request.path_params["upload_id"]),
    )
    return found


async def tus_options(request: Request) -> Response:
    """The tus protocol this server speaks, and the school's largest file.

    Answers `Tus-Version`, `Tus-Extension` (creation, termination) and `Tus-Max-Size`."""
    limits = await _limits(request)
    return Response(
        status_code=204,
        headers={
            **tus.base_headers(),
            "Tus-Version": tus.VERSION,
            "Tus-Extension": tus.EXTENSIONS,
            "Tus-Max-Size": str(limits.max_size_bytes),
        },
    )


async def create_upload(request: Request) -> Response:
    """Start a resumable upload of a recording to a session (tus creation).

    Headers: `Upload-Length` (the file's size), `Upload-Metadata` (`session_id` required;
    `filename`, `lesson_title`, `request_id`, `checksum` as hex sha256). Answers 201 with the
    upload's `Location`; 413 over the school's limit."""
    refused = tus.refuse_version(request)
    if refused is not None:
        return refused
    length = tus.length_header(request)
    meta = tus.metadata_of(request)
    if not meta.get("session_id"):
        raise InvalidArgument("Upload-Metadata needs session_id (the session to upload to)")
    try:
        upload: pb.ManualUpload = await call(
            _stub(request).CreateManualUpload,
            pb.CreateManualUploadRequest(
                request_id=meta.get("request_id", "")
                or request.headers.get("idempotency-key", "")[:128],
                session_id=meta["session_id"],
                file_name=meta.get("filename", ""),
                size_bytes=length,
                sha256=meta.get("checksum", ""),
                lesson_title=meta.get("lesson_title", ""),
            ),
        )
    except ClassbridgeError as exc:
        raise tus.translate(exc) from None
    headers = {**tus.base_headers(), "Location": f"{_BASE}/{upload.id}", "Upload-Offset": "0"}
    return ok(to_dict(upload), status=201, headers=headers)


async def get_upload(request: Request) -> Response:
    """Where an upload stands (`HEAD`: its offset in `Upload-Offset`), and its recording once
    complete."""
    upload = await _upload(request)
    if request.method == "HEAD":
        return Response(status_code=200, headers=tus.offset_headers(upload))
    return ok(to_dict(upload), headers=tus.offset_headers(upload))


async def append_upload(request: Request) -> Response:
    """Send the next bytes of an upload (tus PATCH).

    The body (`application/offset+octet-stream`) is streamed on as it arrives, from
    `Upload-Offset`, which must be where the upload stands (409 otherwise: ask with HEAD).
    Answers 204 with the new `Upload-Offset`; the last byte makes the recording (GET shows
    `recording_id`). Bytes that are no audio or video: 415, and the upload is discarded."""
    upload = await _upload(request)
    refused = tus.refuse_version(request)
    if refused is not None:
        return refused
    tus.require_offset_media_type(request)
    offset = tus.offset_header(request)
    if offset != upload.offset:
        raise tus.Conflict(f"the upload stands at byte {upload.offset}, not {offset}")
    remaining = upload.size_bytes - upload.offset
    declared = tus.content_length(request)
    if declared is not None and declared > remaining:
        raise tus.PayloadTooLarge(
            f"the body is {declared} bytes; the upload has {remaining} bytes left"
        )
    after = await relay(
        _stub(request),
        upload_id=upload.id,
        offset=offset,
        body=request.stream(),
        limit=remaining,
    )
    return Response(status_code=204, headers=tus.offset_headers(after))


async def terminate_upload(request: Request) -> Response:
    """Abandon an unfinished upload; what was stored of it is removed (tus termination)."""
    upload = await _upload(request)
    refused = tus.refuse_version(request)
    if refused is not None:
        return refused
    await call(_stub(request).DeleteManualUpload, pb.DeleteManualUploadRequest(upload_id=upload.id))
    return Response(status_code=204, headers=tus.base_headers())


class OneShot(Input):
    """Seed 003's upload: the session (here or as a form field before the file)."""

    session_id: Annotated[str, Text(max_length=128, description="the session to upload to")] = ""
    lesson_title: Annotated[str, Text(max_length=300)] = ""
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""


async def upload_recording(request: Request, query: OneShot) -> JSONResponse:
    """Upload a recording file in one request (seed 003), streamed on as it arrives.

    Either `multipart/form-data` with a `file` field (`session_id` and `lesson_title` as
    query parameters or form fields before the file), or the file itself as the body
    (`video/*`, `audio/*`, `application/octet-stream`) with `session_id` in the query.
    `Content-Length` is required. Answers 201 with the recording; for files that may need
    resuming, use the tus API (`/api/v1/uploads`)."""
    bound = tus.content_length(request)
    if bound is None or bound == 0:
        raise InvalidArgument("Content-Length is required (use /api/v1/uploads to resume)")
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    fields: dict[str, str] = {}
    name = ""
    if media == "multipart/form-data":
        form = await read_form_file(request.stream(), boundary_of(request.headers["content-type"]))
        fields, name, chunks = form.fields, form.file_name, form.chunks
    elif media.startswith(RAW_TYPES):
        chunks = request.stream()
    else:
        raise tus.UnsupportedMediaType(
            "send multipart/form-data with a file field, or the file itself (video/*, audio/*)"
        )
    session_id = query.session_id or fields.get("session_id", "")
    if not session_id:
        raise InvalidArgument("session_id is required (a query parameter or a form field)")
    try:
        upload: pb.ManualUpload = await call(
            _stub(request).CreateManualUpload,
            pb.CreateManualUploadRequest(
                request_id=query.request_id or request.headers.get("idempotency-key", "")[:128],
                session_id=session_id,
                file_name=name or fields.get("filename", ""),
                size_bytes=bound,
                lesson_title=query.lesson_title or fields.get("lesson_title", "")[:300],
            ),
        )
    except ClassbridgeError as exc:
        raise tus.translate(exc) from None
    if upload.state == pb.MANUAL_UPLOAD_STATE_COMPLETED:  # the same request_id again
        done = upload
    else:
        done = await relay(
            _stub(request),
            upload_id=upload.id,
            offset=upload.offset,
            body=chunks,
            limit=bound,
            last=True,
        )
    if done.state != pb.MANUAL_UPLOAD_STATE_COMPLETED:
        raise tus.Conflict(
            f"the upload stopped at byte {done.offset}; continue it at {_BASE}/{done.id}"
        )
    recording = await call(
        _stub(request).GetRecording, pb.GetRecordingRequest(recording_id=done.recording_id)
    )
    return ok(to_dict(recording), status=201, message="Recording uploaded")


_ONE_SHOT_ANSWER = Answer(status=201, data=pb.Recording, extra={"message": {"type": "string"}})
routes = [
    route(
        _BASE,
        tus_options,
        methods=["OPTIONS"],
        allow=STAFF,
        scope="tenant",
        answers=[
            Answer(
                status=204,
                media_types=(),
                description="The server's tus protocol.",
                headers={
                    **_TUS_RESUMABLE,
                    "Tus-Version": _header("1.0.0"),
                    "Tus-Extension": _header("creation,termination"),
                    "Tus-Max-Size": _header("The largest file the school may upload, in bytes."),
                },
            )
        ],
    ),
    route(
        _BASE,
        create_upload,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        answers=[
            Answer(
                status=201,
                data=pb.ManualUpload,
                headers={
                    **_TUS_RESUMABLE,
                    "Location": _header("The upload's URL, for HEAD, PATCH, GET and DELETE."),
                },
            )
        ],
        errors=(412, 413),
    ),
    route(
        _ONE,
        get_upload,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        answers=[Answer(data=pb.ManualUpload, headers=_OFFSET_HEADERS)],
    ),
    route(
        _ONE,
        append_upload,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
        answers=[
            Answer(
                status=204,
                media_types=(),
                description="Stored; the next bytes go at `Upload-Offset`.",
                headers=_OFFSET_HEADERS,
            )
        ],
        errors=(412, 413, 415),
    ),
    route(
        _ONE,
        terminate_upload,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
        answers=[
            Answer(status=204, media_types=(), description="Abandoned.", headers=_TUS_RESUMABLE)
        ],
        errors=(412,),
    ),
    route(
        "/api/v1/upload/recording",
        upload_recording,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        query=OneShot,
        answers=[_ONE_SHOT_ANSWER],
        errors=(413, 415),
    ),
    route(
        "/upload/recording",
        upload_recording,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        query=OneShot,
        answers=[_ONE_SHOT_ANSWER],
        errors=(413, 415),
        name="uploads.seed_upload_recording",
        note="Seed 003's path for `POST /api/v1/upload/recording`.",
    ),
]
