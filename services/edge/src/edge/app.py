"""The edge's Starlette application: routes, authentication, error mapping, body and class
limits, and the API reference (``/openapi.json``, ``/docs``, ``/redoc``)."""

from __future__ import annotations

import re
from datetime import timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from classbridge_common.auth import TokenVerifier
from classbridge_common.errors import ClassbridgeError
from edge import access, errors
from edge.clients import Clients
from edge.cors import TenantCORSMiddleware
from edge.errors import RequestError
from edge.middleware import AuthMiddleware, ErrorMiddleware
from edge.rate_limits import RateLimitMiddleware, limiter_from
from edge.routes import (
    attendance,
    batches,
    bulk,
    calendar,
    courses,
    docs,
    health,
    live_classes,
    monitor,
    notices,
    outgoing_webhooks,
    participants,
    people,
    recorded_lessons,
    recordings,
    schedule,
    series,
    sessions,
    sync_policy,
    tenants,
    transcripts,
    uploads,
    webhook_admin,
    webhook_forward,
    zoom,
    zoom_meetings,
)
from edge.settings import Settings


def _open_paths(routes: list[BaseRoute]) -> list[re.Pattern[str]]:
    """The paths of the routes declared public: no token is asked for there."""
    found: list[re.Pattern[str]] = []
    for candidate in routes:
        declared = access.access_of(candidate)
        if declared is not None and declared.scope == "public" and isinstance(candidate, Route):
            found.append(candidate.path_regex)
    return found


def create_app(*, settings: Settings, clients: Clients) -> Starlette:
    """The edge app answering with ``clients``; the caller owns their channels."""
    routes: list[BaseRoute] = [
        *health.routes,
        *docs.routes,
        *sessions.routes,
        *courses.routes,
        *schedule.routes,
        *bulk.routes,
        *series.routes,
        *batches.routes,
        *attendance.routes,
        *live_classes.routes,
        *participants.routes,
        *transcripts.routes,  # before recordings: /recordings/search is not a recording id
        *recordings.routes,
        *recorded_lessons.routes,
        *sync_policy.routes,
        *zoom.routes,
        *zoom_meetings.routes,
        *webhook_admin.routes,
        *outgoing_webhooks.routes,
        *webhook_forward.routes,
        *tenants.routes,
        *calendar.routes,
        *notices.routes,
        *people.routes,
        *uploads.routes,
        *monitor.routes,
    ]
    access.check_declared(routes)
    verifier = TokenVerifier(settings.user_token_secret)
    limiter = limiter_from(settings, verifier)
    app = Starlette(
        routes=routes,
        middleware=[
            # Outermost, so that every answer (a 429, a 401, a 500) can be read cross-origin.
            Middleware(
                TenantCORSMiddleware,
                origins=settings.tenant_origins,
                verifier=verifier,
                max_age=settings.cors_max_age_seconds,
            ),
            Middleware(ErrorMiddleware),
            Middleware(RateLimitMiddleware, limiter=limiter),  # before any work, even auth's
            Middleware(AuthMiddleware, verifier=verifier, open_paths=_open_paths(routes)),
        ],
        exception_handlers={
            HTTPException: errors.handle,
            ClassbridgeError: errors.handle,
            RequestError: errors.handle,
        },
    )
    app.state.clients = clients
    app.state.settings = settings
    app.state.rate_limiter = limiter  # its owner closes it: ``await limiter.aclose()``
    app.state.max_body_bytes = settings.max_body_bytes
    app.state.max_class_length = timedelta(minutes=settings.max_class_minutes)
    return app
