"""The HTTP endpoint Zoom calls: `POST /zoom/webhook` (also `/api/zoom/webhook`), `GET /healthz`.

`POST /zoom/deauthorization` (and `/api/zoom/deauthorization`) is the app's deauthorization
endpoint, where Zoom sends `app_deauthorized`; it is the same endpoint under another name (the
same checks, any event), so a Marketplace app may point both of its URLs at either path.

Each tenant may also give Zoom its own URL, `POST /zoom/webhook/{tenant_id}` (and
`/api/zoom/webhook/{tenant_id}`, and the deauthorization paths with the tenant): Zoom's
`endpoint.url_validation` names no account, so only the path can say whose secret answers it;
events posted there must come from that tenant's account.
The shared path verifies each event with the keys of the tenant owning its account (the default
tenant's for accounts nobody claims, and for url_validation).

The order of checks is part of the contract: size (413, from Content-Length first, then while
reading — the body is never buffered past the limit), content type (415), JSON (400), timestamp
window (401), signature (401), shape (400), then url_validation is answered or the event is
stored. 200 means "committed"; 503 means "not stored, retry" (Zoom retries 5xx). Error bodies
are `{"error", "message"}` and never echo what the caller sent.

The webhook paths are served by a small pure-ASGI handler in front of the Starlette app (which
keeps the health check, 404/405 and any extra routes): Starlette's routing, middleware stack,
Request and Response objects cost more CPU per webhook than verifying and encoding it. That
handler is the only code answering webhooks, traced or not: tracing (`instrument_app` of
`classbridge_common.telemetry`, when an OTLP endpoint is configured) wraps the whole app in
OpenTelemetry's ASGI middleware through `WebhookApp.add_middleware`, so a traced request runs the
same handler inside a server span, and an untraced one pays nothing for the possibility.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from classbridge_common.telemetry import Metrics
from webhook_ingest.domain.tenancy import TENANT_ID, KeyTable
from webhook_ingest.domain.verification import Challenge, Genuine, Rejected, inspect
from webhook_ingest.service_layer.ingest import SAFE_HEADERS, Ingestor, StoreUnavailable
from webhook_ingest.service_layer.keys import WebhookKeys

log = logging.getLogger(__name__)

EVENT_PATHS = ("/zoom/webhook", "/api/zoom/webhook")
# Zoom sends `app_deauthorized` to the app's "deauthorization notification endpoint", which
# may be configured apart from the event subscription's URL: served here exactly as the event
# paths are (same verification, same store), and the event paths accept it too.
DEAUTHORIZATION_PATHS = ("/zoom/deauthorization", "/api/zoom/deauthorization")
WEBHOOK_PATHS = EVENT_PATHS + DEAUTHORIZATION_PATHS
TENANT_PATH_PREFIXES = tuple(f"{path}/" for path in WEBHOOK_PATHS)
# Signature failures that a fresher key table could turn into a success.
_KEY_MISSES = frozenset({"invalid_signature", "wrong_account"})

_STORED_BODY = b'{"status":"stored"}'
_DUPLICATE_BODY = b'{"status":"duplicate"}'

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _json(content: Any) -> bytes:
    """JSON exactly as Starlette's JSONResponse renders it (compact, UTF-8)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def error_body(error: str, message: str) -> bytes:
    return _json({"error": error, "message": message})


def error_response(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


class WebhookEndpoint:
    """Verifies and stores Zoom webhooks; one instance per running service.

    `answer` holds the whole decision, independent of the HTTP framework; `WebhookApp` reads the
    request and writes the answer.
    """

    def __init__(
        self,
        *,
        ingestor: Ingestor,
        max_body_bytes: int,
        tolerance_seconds: float,
        keys: WebhookKeys | None = None,
        secrets: Sequence[str] = (),
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`keys` is the refreshed key table of every tenant; `secrets` alone (tests, tools)
        means one default tenant with those keys."""
        if keys is None:
            keys = WebhookKeys(default_secrets=secrets, fetch=None)
        self._ingestor = ingestor
        self._keys = keys
        self.max_body_bytes = max_body_bytes
        self._tolerance = tolerance_seconds
        self._metrics = metrics
        self._clock = clock

    def count(self, event: str, outcome: str) -> None:
        """Count one request on `app.webhook.received` (when metrics are exported at all)."""
        if self._metrics is not None:
            self._metrics.webhook_received(event=event, outcome=outcome)

    async def answer(
        self,
        body: bytes,
        *,
        content_type: str | None,
        timestamp: str | None,
        signature: str | None,
        safe_headers: Mapping[str, str],
        tenant: str | None = None,
    ) -> tuple[int, bytes]:
        """The status and JSON body for one webhook whose body was read within the limit.

        `tenant` is the tenant of the path (`/zoom/webhook/{tenant}`), None on the shared path.
        """
        now = self._clock()
        table = self._keys.table
        verdict = self._inspect(table, body, content_type, timestamp, signature, tenant, now)
        if isinstance(verdict, Rejected) and verdict.error in _KEY_MISSES:
            # Perhaps a tenant added or a secret rotated since the last refresh: fetch early
            # (rate-limited, shared by concurrent misses) and decide once more.
            fresher = await self._keys.refresh_on_miss()
            if fresher is not None and fresher is not table:
                verdict = self._inspect(
                    fresher, body, content_type, timestamp, signature, tenant, now
                )
        elif isinstance(verdict, Genuine) and verdict.unclaimed_account:
            # The default keys signed for an account nobody claims: a school may have claimed it
            # since the last refresh, and then only that school's keys count.
            fresher = await self._keys.refresh_for_account(verdict.unclaimed_account)
            if fresher is not None and fresher is not table:
                verdict = self._inspect(
                    fresher, body, content_type, timestamp, signature, tenant, now
                )
        if isinstance(verdict, Rejected):
            self.count("unknown", verdict.error)
            log.info("webhook rejected: %s (%d)", verdict.error, verdict.status)
            return verdict.status, error_body(verdict.error, verdict.message)
        if isinstance(verdict, Challenge):
            self.count("endpoint.url_validation", "answered")
            return 200, _json(verdict.body)
        assert isinstance(verdict, Genuine)
        try:
            is_new = await self._ingestor.ingest(
                verdict.payload, body, safe_headers, tenant_id=verdict.tenant_id
            )
        except StoreUnavailable as error:
            self.count(verdict.event, "unavailable")
            log.warning("webhook %s not stored: %s", verdict.event, error)
            return 503, error_body("unavailable", "the event could not be stored; retry")
        self.count(verdict.event, "accepted" if is_new else "duplicate")
        return 200, _STORED_BODY if is_new else _DUPLICATE_BODY

    def _inspect(
        self,
        table: KeyTable,
        body: bytes,
        content_type: str | None,
        timestamp: str | None,
        signature: str | None,
        tenant: str | None,
        now: float,
    ) -> Rejected | Challenge | Genuine:
        return inspect(
            content_type=content_type,
            body=body,
            timestamp_header=timestamp,
            signature_header=signature,
            keys=table,
            path_tenant=tenant,
            now=now,
            tolerance_seconds=self._tolerance,
        )


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, name, str(exc.detail))


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.error("unexpected error in the webhook endpoint: %s", type(exc).__name__)
    return error_response(500, "internal", "unexpected error")


async def _not_a_tenant(_request: Request) -> Response:
    return error_response(404, "not_found", "Not Found")


def _starlette_app(extra_routes: Sequence[Any]) -> Starlette:
    """What `WebhookApp` leaves to Starlette: the health check, the extra routes, and the answers
    to requests that are not webhooks (404, 405).

    The webhook paths are declared too, so that other methods get 405 and traced requests are
    named after their route (`POST /zoom/webhook/{tenant_id}`); a POST reaches them only when
    the path's tenant is not a tenant id (`WebhookApp` takes every other one).
    """
    routes = [Route(path, _not_a_tenant, methods=["POST"]) for path in WEBHOOK_PATHS]
    routes += [
        Route(path + "/{tenant_id}", _not_a_tenant, methods=["POST"]) for path in WEBHOOK_PATHS
    ]
    routes.append(Route("/healthz", healthz, methods=["GET"]))
    routes.extend(extra_routes)
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )


# Raw header names (ASGI gives them lower-cased) → the names the endpoint works with.
_WANTED = {name.encode("latin-1"): name for name in SAFE_HEADERS}
_WANTED[b"x-zm-signature"] = "x-zm-signature"
_WANTED[b"content-length"] = "content-length"
_JSON_TYPE = (b"content-type", b"application/json")


# Set in the scope of a request already inside the middleware of `WebhookApp.add_middleware`.
_WRAPPED = "classbridge.wrapped"


class WebhookApp:
    """Pure ASGI for `POST` on the webhook paths; everything else goes to the Starlette app.

    Same contract as a Starlette route would have (checks, statuses, bodies); only the framework
    work is left out: headers are picked from the raw list once, the body is read chunk by chunk
    within the limit, and the answer is two `send` calls with a prebuilt header list.

    `add_middleware` (Starlette's name, which OpenTelemetry's `instrument_app` calls) wraps every
    request, webhook or not, in a middleware around this same app. Without one, a request costs
    one attribute test more than the bare handler.
    """

    def __init__(self, endpoint: WebhookEndpoint, fallback: Starlette) -> None:
        self.endpoint = endpoint
        self.fallback = fallback
        self._paths = frozenset(WEBHOOK_PATHS)
        self._wrapped: ASGIApp | None = None

    def add_middleware(
        self, middleware_class: Callable[..., ASGIApp], /, *args: Any, **kwargs: Any
    ) -> None:
        """Run every request through `middleware_class(app, *args, **kwargs)`; the latest added
        is the outermost (as in Starlette)."""
        inner: ASGIApp = self if self._wrapped is None else self._wrapped
        self._wrapped = middleware_class(inner, *args, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wrapped = self._wrapped
        if wrapped is not None and _WRAPPED not in scope:
            # Into the middleware, which calls this app back with the same scope, now marked.
            scope[_WRAPPED] = True
            # Starlette's instrumentation names the span after the route matching scope["app"].
            scope["app"] = self.fallback
            await wrapped(scope, receive, send)
            return
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.fallback(scope, receive, send)
            return
        path: str = scope["path"]
        tenant: str | None = None
        if path not in self._paths:
            tenant = _path_tenant(path)
            if tenant is None:  # not a webhook path (or not a tenant id): 404/405 as usual
                await self.fallback(scope, receive, send)
                return
        try:
            status, body = await self._webhook(scope, receive, tenant)
        except _Disconnected:
            status, body = 400, error_body("invalid_request", "the client went away")
        except Exception as error:  # the same answer as the Starlette app's handler
            log.error("unexpected error in the webhook endpoint: %s", type(error).__name__)
            status, body = 500, error_body("internal", "unexpected error")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), _JSON_TYPE],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _webhook(
        self, scope: Scope, receive: Receive, tenant: str | None
    ) -> tuple[int, bytes]:
        endpoint = self.endpoint
        headers: dict[str, str] = {}
        wanted = _WANTED
        for raw_name, raw_value in scope["headers"]:
            name = wanted.get(raw_name)
            if name is not None and name not in headers:
                headers[name] = raw_value.decode("latin-1")
        limit = endpoint.max_body_bytes
        declared = headers.pop("content-length", None)
        if declared is not None:
            if not declared.strip().isdigit():
                endpoint.count("unknown", "invalid")
                return 400, error_body("invalid_request", "invalid Content-Length")
            if int(declared) > limit:
                endpoint.count("unknown", "too_large")
                return 413, error_body("payload_too_large", "the body exceeds the size limit")
        body = await _read_body(receive, limit)
        if body is None:
            endpoint.count("unknown", "too_large")
            return 413, error_body("payload_too_large", "the body exceeds the size limit")
        signature = headers.pop("x-zm-signature", None)
        return await endpoint.answer(
            body,
            content_type=headers.get("content-type"),
            timestamp=headers.get("x-zm-request-timestamp"),
            signature=signature,
            safe_headers=headers,
            tenant=tenant,
        )


def _path_tenant(path: str) -> str | None:
    """The tenant of `/zoom/webhook/{tenant}` (or the `/api` twin), None for any other path."""
    for prefix in TENANT_PATH_PREFIXES:
        if path.startswith(prefix):
            tenant = path[len(prefix) :]
            return tenant if TENANT_ID.match(tenant) else None
    return None


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` bytes (nothing past it is kept)."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise _Disconnected
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body if len(body) <= limit else None
    chunks = [body]
    size = len(body)
    while True:
        if size > limit:
            return None
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks) if size <= limit else None


def create_app(endpoint: WebhookEndpoint, *, extra_routes: Sequence[Any] = ()) -> WebhookApp:
    """The ASGI app for Zoom: the webhook paths, the health check, nothing else.

    Traced or not, it is the same app (trace it with `classbridge_common.telemetry.instrument_app`).
    """
    return WebhookApp(endpoint, _starlette_app(extra_routes))
