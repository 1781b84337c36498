"""The HTTP endpoint Zoom calls: `POST /zoom/webhook` (also `/api/zoom/webhook`), `GET /healthz`.

The order of checks is part of the contract: size (413, from Content-Length first, then while
reading — the body is never buffered past the limit), content type (415), JSON (400), timestamp
window (401), signature (401), shape (400), then url_validation is answered or the event is
stored. 200 means "committed"; 503 means "not stored, retry" (Zoom retries 5xx). Error bodies
are `{"error", "message"}` and never echo what the caller sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from classbridge_common.telemetry import Metrics
from webhook_ingest.domain.verification import Challenge, Genuine, Rejected, inspect
from webhook_ingest.service_layer.ingest import SAFE_HEADERS, Ingestor, StoreUnavailable

log = logging.getLogger(__name__)

WEBHOOK_PATHS = ("/zoom/webhook", "/api/zoom/webhook")

_STORED = Response(b'{"status":"stored"}', media_type="application/json")
_DUPLICATE = Response(b'{"status":"duplicate"}', media_type="application/json")


def error_response(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refusing (BodyTooLarge) as soon as it exceeds `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ValueError("invalid Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class WebhookEndpoint:
    """Verifies and stores Zoom webhooks; one instance per running service."""

    def __init__(
        self,
        *,
        ingestor: Ingestor,
        secrets: Sequence[str],
        max_body_bytes: int,
        tolerance_seconds: float,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ingestor = ingestor
        self._secrets = tuple(secrets)
        self._max_body_bytes = max_body_bytes
        self._tolerance = tolerance_seconds
        self._metrics = metrics
        self._clock = clock

    def _count(self, event: str, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.webhook_received(event=event, outcome=outcome)

    async def handle(self, request: Request) -> Response:
        """Answer one webhook delivery."""
        try:
            body = await read_limited(request, self._max_body_bytes)
        except BodyTooLarge:
            self._count("unknown", "too_large")
            return error_response(413, "payload_too_large", "the body exceeds the size limit")
        except ValueError:
            self._count("unknown", "invalid")
            return error_response(400, "invalid_request", "invalid Content-Length")
        except ClientDisconnect:
            return error_response(400, "invalid_request", "the client went away")

        headers = request.headers
        verdict = inspect(
            content_type=headers.get("content-type"),
            body=body,
            timestamp_header=headers.get("x-zm-request-timestamp"),
            signature_header=headers.get("x-zm-signature"),
            secrets=self._secrets,
            now=self._clock(),
            tolerance_seconds=self._tolerance,
        )
        if isinstance(verdict, Rejected):
            self._count("unknown", verdict.error)
            log.info("webhook rejected: %s (%d)", verdict.error, verdict.status)
            return error_response(verdict.status, verdict.error, verdict.message)
        if isinstance(verdict, Challenge):
            self._count("endpoint.url_validation", "answered")
            return JSONResponse(verdict.body)
        assert isinstance(verdict, Genuine)
        safe = {name: headers[name] for name in SAFE_HEADERS if name in headers}
        try:
            is_new = await self._ingestor.ingest(verdict.payload, body, safe)
        except StoreUnavailable as error:
            self._count(verdict.event, "unavailable")
            log.warning("webhook %s not stored: %s", verdict.event, error)
            return error_response(503, "unavailable", "the event could not be stored; retry")
        self._count(verdict.event, "accepted" if is_new else "duplicate")
        return _STORED if is_new else _DUPLICATE


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, name, str(exc.detail))


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.error("unexpected error in the webhook endpoint: %s", type(exc).__name__)
    return error_response(500, "internal", "unexpected error")


def create_app(endpoint: WebhookEndpoint, *, extra_routes: Sequence[Any] = ()) -> Starlette:
    """The Starlette app: the webhook paths, the health check, nothing else."""
    routes = [Route(path, endpoint.handle, methods=["POST"]) for path in WEBHOOK_PATHS]
    routes.append(Route("/healthz", healthz, methods=["GET"]))
    routes.extend(extra_routes)
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
