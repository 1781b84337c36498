"""The edge's one translation of errors into HTTP answers.

Services raise ``ClassbridgeError``s; the gRPC client rebuilds them on this side
(``from_grpc_error``) and this module turns each into a status, headers and the JSON body every
front end parses::

    {"success": false, "error": {"code": "NOT_FOUND", "message": "...", "details": [...]}}

Statuses: INVALID_ARGUMENT 400 (with one ``field_violation`` detail per bad field),
UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409,
**FAILED_PRECONDITION 409** — the resource's current state conflicts with the request (a
cancelled session, Zoom not connected); 412 is kept for HTTP conditional requests, which the edge
does not offer — RESOURCE_EXHAUSTED 429 and UNAVAILABLE 503 (both with ``Retry-After`` when the
service said how long to wait), upstream failures 502, DEADLINE_EXCEEDED 504, UNIMPLEMENTED 501,
UNAUTHENTICATED from a service 502 (see :func:`http_status`),
everything else 500 with a generic message (the real one stays in the log, with the trace id).
Request-shape problems found by the edge itself: bad JSON 400, wrong content type 415, body too
large 413.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge_common.errors import (
    ClassbridgeError,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    Unauthenticated,
    to_http,
)

log = logging.getLogger(__name__)

FAILED_PRECONDITION_STATUS = 409
UPSTREAM_UNAUTHENTICATED_STATUS = 502


class RequestError(Exception):
    """A request the edge refuses before calling anything (its shape, not its meaning)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class UnsupportedMediaType(RequestError):
    def __init__(self, message: str = "the body must be application/json") -> None:
        super().__init__(415, "UNSUPPORTED_MEDIA_TYPE", message)


class PayloadTooLarge(RequestError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "PAYLOAD_TOO_LARGE", f"the body is larger than {limit} bytes")


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON error body of every edge answer."""
    return {
        "success": False,
        "error": {"code": code, "message": message, "details": details or []},
    }


def _details(error: ClassbridgeError, retry_after: str | None) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    if isinstance(error, InvalidArgument):
        details.extend(
            {"type": "field_violation", "field": v.field, "description": v.description}
            for v in error.violations
        )
    if isinstance(error, FailedPrecondition):
        details.extend(
            {
                "type": "precondition_violation",
                "violation": v.type,
                "subject": v.subject,
                "description": v.description,
            }
            for v in error.violations
        )
    resource_type = getattr(error, "resource_type", "")
    resource_id = getattr(error, "resource_id", "")
    if resource_type or resource_id:
        details.append({"type": "resource", "resource_type": resource_type, "id": resource_id})
    if retry_after is not None:
        details.append({"type": "retry", "retry_after_seconds": int(retry_after)})
    return details


class CallerRefused(Unauthenticated):
    """The edge itself refused the caller's token, found out inside a route (a path that also
    serves a public method, e.g. ``/api/zoom/auth``): 401, like a refusal by the middleware."""


def http_status(error: ClassbridgeError, *, from_service: bool = True) -> int:
    """The HTTP status of ``error`` (the shared table, with the edge's 409 for preconditions).

    UNAUTHENTICATED is 401 only when the edge itself refused the caller's token. Coming back
    from a service — which got a token the edge had just verified — it means someone else's
    credentials failed (Zoom rejected the gateway's), so it is 502: a front end must not take
    it as "your session ended" and sign the person out.
    """
    if isinstance(error, FailedPrecondition):
        return FAILED_PRECONDITION_STATUS
    if isinstance(error, Unauthenticated) and from_service and not isinstance(error, CallerRefused):
        return UPSTREAM_UNAUTHENTICATED_STATUS
    return to_http(error).status


def error_response(exc: BaseException, *, from_service: bool = True) -> Response:
    """The HTTP answer for any exception raised while handling a request (``from_service``
    False only for the edge's own authentication)."""
    if isinstance(exc, RequestError):
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)
    if isinstance(exc, HTTPException):
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )
    error = exc if isinstance(exc, ClassbridgeError) else Internal("unexpected error")
    answer = to_http(error)
    status = http_status(error, from_service=from_service)
    if status >= 500:
        # Type and public message only: the exception text could carry request data.
        log.error(
            "request failed: %s %s",
            type(exc).__name__,
            error.public_message,
            exc_info=not isinstance(exc, ClassbridgeError),
        )
    headers = dict(answer.headers)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    body = error_body(
        error.reason, error.public_message, _details(error, headers.get("Retry-After"))
    )
    return JSONResponse(body, status_code=status, headers=headers)


async def handle(request: Request, exc: Exception) -> Response:
    """Starlette exception handler (registered for ``Exception`` and ``HTTPException``)."""
    return error_response(exc)
