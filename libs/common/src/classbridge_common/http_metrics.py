"""Rate, errors and latency of an HTTP server (the edge, webhook-ingest): one ASGI middleware.

:class:`HTTPMetricsMiddleware` goes outermost, so it also sees the answers other middleware give
before any route runs — the edge's 401 (no or a bad token) and 429 (rate limited) are exactly
what seed 002's alerts watch. Each request is one ``app.http.server.duration`` observation with
its method, its route *template* and its status: never the raw path, whose ids and tokens (a
calendar feed's path is its token) would be unbounded and secret labels. A request that matched
no route is labelled ``unmatched``; a method outside the usual ones ``other``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any, Final

from classbridge_common.telemetry import Metrics, app_metrics

__all__ = ["UNMATCHED_ROUTE", "HTTPMetricsMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNMATCHED_ROUTE: Final = "unmatched"
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HTTPMetricsMiddleware:
    """Records every HTTP request ``app`` answers.

    The template comes from the route Starlette's router matched (it records it in the scope);
    for a request a middleware answered before routing, from the first of ``routes`` (Starlette
    routes, duck-typed: ``matches(scope)`` and ``path``) that matches; for paths an app serves
    without a router, from ``template_of(scope)`` (which must return a template, never an id).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[object] = (),
        template_of: Callable[[Scope], str | None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self._routes = tuple(routes)
        self._template_of = template_of
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it started one

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            method = str(scope.get("method", "")).upper()
            (self._metrics or app_metrics()).http_served(
                time.perf_counter() - started,
                method=method if method in _METHODS else "other",
                route=self._template(scope),
                status=status,
            )

    def _template(self, scope: Scope) -> str:
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str) and path:
            return path
        if self._template_of is not None and (template := self._template_of(scope)):
            return template
        for candidate in self._routes:
            matches = getattr(candidate, "matches", None)
            template = getattr(candidate, "path", None)
            if matches is None or not isinstance(template, str):
                continue
            match, _ = matches(scope)
            if getattr(match, "value", 0):  # Match.PARTIAL (another method) or FULL
                return template
        return UNMATCHED_ROUTE
