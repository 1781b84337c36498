"""The edge's two ASGI layers around the routes.

``ErrorMiddleware`` (outermost) turns anything a route raises into the one JSON error shape of
:mod:`edge.errors` — so an unexpected bug is a generic 500, never a stack trace.
``AuthMiddleware`` verifies ``Authorization: Bearer <JWT>`` with the shared verifier on every
path but the open ones (the routes declared ``scope="public"``: ``/healthz``, the API
reference, the browser's OAuth callback), then runs the request as that caller
(``request.state.caller`` and the caller context variable, which the gRPC client reads to
forward the token) inside a request scope whose id is the client's ``X-Request-ID`` when sane.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from classbridge_common.auth import ASGIApp, Receive, Scope, Send, TokenVerifier, caller_scope
from classbridge_common.auth import Message as ASGIMessage
from classbridge_common.errors import ClassbridgeError
from classbridge_common.grpc.context import accept_request_id, request_scope
from edge.errors import error_response
from edge.identity import header, verified


class ErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: ASGIMessage) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            await error_response(exc)(scope, receive, send)


class AuthMiddleware:
    def __init__(
        self, app: ASGIApp, *, verifier: TokenVerifier, open_paths: Iterable[re.Pattern[str]]
    ) -> None:
        self.app = app
        self._verifier = verifier
        self._open = tuple(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(header(scope, b"x-request-id"))
        with request_scope(request_id=request_id):
            path = scope.get("path", "")
            if any(pattern.match(path) for pattern in self._open):
                await self._open_path(scope, receive, send)
                return
            try:
                caller = verified(scope, self._verifier)  # once per request: see edge.identity
            except ClassbridgeError as exc:
                await error_response(exc, from_service=False)(scope, receive, send)
                return
            scope.setdefault("state", {})["caller"] = caller
            with caller_scope(caller):
                await self.app(scope, receive, send)

    async def _open_path(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A path with a public route. Another method of the same path may need a caller
        (``GET /api/zoom/auth`` is open, ``POST`` is not), so a token is verified when one is
        sent; a refusal is kept for ``deps.caller`` to raise, never answered here."""
        state = scope.setdefault("state", {})
        try:
            caller = verified(scope, self._verifier)
        except ClassbridgeError as exc:
            state["auth_error"] = exc
            await self.app(scope, receive, send)
            return
        state["caller"] = caller
        with caller_scope(caller):
            await self.app(scope, receive, send)
