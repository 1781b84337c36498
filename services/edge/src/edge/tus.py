"""The tus 1.0 resumable-upload protocol, as the edge speaks it (https://tus.io/protocols/
resumable-upload): its headers, its metadata and its statuses.

The edge serves the core protocol with the ``creation`` and ``termination`` extensions on
``/api/v1/uploads``. What it needs of a request is read and checked here — ``Tus-Resumable``
(412 with ``Tus-Version`` for another version), ``Upload-Length``, ``Upload-Offset``,
``Upload-Metadata`` (comma-separated ``key base64value`` pairs) and the PATCH media type
``application/offset+octet-stream`` — so the routes only decide what to call. Refusals of
recording-sync that tus gives statuses of their own are translated here too: a file over the
school's limit is 413, bytes that are no audio or video 415.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge_common.errors import ClassbridgeError, FailedPrecondition, InvalidArgument
from edge.errors import RequestError, error_body

VERSION = "1.0.0"
EXTENSIONS = "creation,termination"
OFFSET_MEDIA_TYPE = "application/offset+octet-stream"
MAX_METADATA_BYTES = 8192
_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_NUMBER = re.compile(r"^[0-9]{1,19}$")

__all__ = [
    "EXTENSIONS",
    "OFFSET_MEDIA_TYPE",
    "VERSION",
    "Conflict",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "base_headers",
    "explain",
    "length_header",
    "metadata_of",
    "offset_headers",
    "refuse_version",
    "translate",
]


class UnsupportedMediaType(RequestError):
    """415: the body's type is not what the route takes (or the bytes are no recording)."""

    def __init__(self, message: str) -> None:
        super().__init__(415, "UNSUPPORTED_MEDIA_TYPE", message)


class Conflict(RequestError):
    """409: the request's offset is not where the upload stands (ask with HEAD)."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "CONFLICT", message)


class PayloadTooLarge(RequestError):
    """413: more than the upload declared, or than the school may upload."""

    def __init__(self, message: str) -> None:
        super().__init__(413, "PAYLOAD_TOO_LARGE", message)


def base_headers() -> dict[str, str]:
    """Headers of every tus answer."""
    return {"Tus-Resumable": VERSION}


def refuse_version(request: Request) -> Response | None:
    """412 for a client of another tus version (a request without the header is served: it is
    a plain HTTP client asking for the same thing)."""
    asked = request.headers.get("tus-resumable")
    if asked is None or asked.strip() == VERSION:
        return None
    return JSONResponse(
        error_body("PRECONDITION_FAILED", f"tus version {asked!r} is not supported: {VERSION}"),
        status_code=412,
        headers={"Tus-Version": VERSION, **base_headers()},
    )


def _number(request: Request, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        return None
    if not _NUMBER.match(raw.strip()):
        raise InvalidArgument(f"{name} must be a non-negative whole number of bytes")
    return int(raw.strip())


def length_header(request: Request) -> int:
    """``Upload-Length`` (required: deferred lengths are not offered)."""
    found = _number(request, "Upload-Length")
    if found is None:
        raise InvalidArgument("Upload-Length is required (the file's size in bytes)")
    if found == 0:
        raise InvalidArgument("Upload-Length must be at least 1: an empty file is no recording")
    return found


def offset_header(request: Request) -> int:
    """``Upload-Offset`` of a PATCH (required)."""
    found = _number(request, "Upload-Offset")
    if found is None:
        raise InvalidArgument("Upload-Offset is required")
    return found


def content_length(request: Request) -> int | None:
    """The body's declared length, when the client gave one."""
    return _number(request, "Content-Length")


def require_offset_media_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != OFFSET_MEDIA_TYPE:
        raise UnsupportedMediaType(f"a PATCH body must be {OFFSET_MEDIA_TYPE}")


def metadata_of(request: Request) -> dict[str, str]:
    """``Upload-Metadata`` as {key: value} (values base64-decoded, UTF-8)."""
    raw = request.headers.get("upload-metadata", "")
    if len(raw) > MAX_METADATA_BYTES:
        raise InvalidArgument(f"Upload-Metadata is longer than {MAX_METADATA_BYTES} bytes")
    found: dict[str, str] = {}
    for pair in (p.strip() for p in raw.split(",")):
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not _KEY.match(key):
            raise InvalidArgument("Upload-Metadata has a malformed key")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidArgument(f"Upload-Metadata {key!r} is not base64 of UTF-8 text") from None
        found[key] = value
    return found


def offset_headers(upload: pb.ManualUpload) -> dict[str, str]:
    """Where an upload stands, as HEAD and PATCH answer it (never cached)."""
    return {
        **base_headers(),
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.size_bytes),
        "Cache-Control": "no-store",
    }


def _violation(error: ClassbridgeError) -> str:
    if isinstance(error, FailedPrecondition) and error.violations:
        return error.violations[0].type
    return ""


def translate(error: ClassbridgeError) -> Exception:
    """recording-sync's refusal as the tus answer: 413 and 415 where tus has them."""
    reason = _violation(error)
    if reason == "UPLOAD_TOO_LARGE":
        return PayloadTooLarge(error.public_message)
    if reason == "UNSUPPORTED_MEDIA_TYPE":
        return UnsupportedMediaType(error.public_message)
    return error


def explain(upload: pb.ManualUpload) -> Exception | None:
    """Why an append that broke off failed, from the upload's state (recording-sync refused it
    while the edge was still sending: the stream's own status was lost with the write)."""
    if upload.state != pb.MANUAL_UPLOAD_STATE_FAILED:
        return None
    if upload.error_reason == "UNSUPPORTED_MEDIA_TYPE":
        return UnsupportedMediaType(
            f"the file is not a recording this service accepts: {upload.error}"
        )
    return FailedPrecondition(f"the upload failed: {upload.error}")


def headers_for(extra: Mapping[str, str]) -> dict[str, str]:
    return {**base_headers(), **extra}
