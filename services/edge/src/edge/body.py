"""Reading a request's JSON body safely: media type, size limit, syntax, top-level object.

The limit is enforced while reading (a missing or lying ``Content-Length`` cannot get more than
``max_bytes`` past it), so a client cannot make the edge hold an arbitrarily large body.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from classbridge_common.errors import InvalidArgument
from edge.errors import PayloadTooLarge, UnsupportedMediaType


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object.

    ``optional``: an empty body (any or no content type) is ``{}`` — for actions such as
    ``create-zoom-meeting`` that the seeds call without a body.
    """
    max_bytes: int = request.app.state.max_body_bytes
    raw = await _read_limited(request, max_bytes)
    if optional and not raw.strip():
        return {}
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    if not raw.strip():
        raise InvalidArgument("the request needs a JSON body")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidArgument(f"the body is not valid JSON: {_short(exc)}") from None
    if not isinstance(value, dict):
        raise InvalidArgument("the body must be a JSON object")
    return value


def _short(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "not UTF-8"
