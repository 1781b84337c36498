"""Reading a request's JSON body safely: media type, size limit, nesting depth, syntax,
top-level object.

The size limit is enforced while reading (a missing or lying ``Content-Length`` cannot get more
than ``max_bytes`` past it), so a client cannot make the edge hold an arbitrarily large body.
The nesting limit is checked before parsing: Python's parser recurses once per ``[`` or ``{``,
and a body nested 200,000 deep would end in ``RecursionError`` (a 500) instead of a 400. The
seeds' bodies nest three levels at most; :data:`MAX_DEPTH` leaves room for far more.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from starlette.requests import Request

from classbridge_common.errors import InvalidArgument
from edge.errors import PayloadTooLarge, UnsupportedMediaType

MAX_DEPTH = 32
"""The deepest nesting of arrays and objects a body may have (the top-level object is 1)."""

# A JSON string, escapes included (the unrolled form: linear, no catastrophic backtracking).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
# Openers to +1 and closers to -1 as signed bytes, so the running sum is the depth.
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether ``raw`` nests arrays and objects more than ``limit`` levels deep (brackets in
    strings do not count).

    A body with at most ``limit`` openers cannot be deeper and is not scanned. The scan runs in
    C (regex, translate, a running sum) and costs less than parsing the same body would.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    steps = _STRING.sub(b"", raw).translate(_STEP, _NOT_BRACKET)
    return max(accumulate(memoryview(steps).cast("b")), default=0) > limit


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
    if nests_deeper_than(raw, MAX_DEPTH):
        raise _too_deep()
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidArgument(f"the body is not valid JSON: {_short(exc)}") from None
    except RecursionError:  # the scan above makes this unreachable; kept so it is never a 500
        raise _too_deep() from None
    if not isinstance(value, dict):
        raise InvalidArgument("the body must be a JSON object")
    return value


def _too_deep() -> InvalidArgument:
    return InvalidArgument(
        f"the body nests arrays and objects more than {MAX_DEPTH} levels deep (the limit)"
    )


def _short(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "not UTF-8"
