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
from edge.errors import RequestError
from edge.middleware import AuthMiddleware, ErrorMiddleware
from edge.routes import (
    batches,
    courses,
    docs,
    health,
    live_classes,
    recordings,
    schedule,
    sessions,
    sync_policy,
    tenants,
    webhook_admin,
    zoom,
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
        *batches.routes,
        *live_classes.routes,
        *recordings.routes,
        *sync_policy.routes,
        *zoom.routes,
        *webhook_admin.routes,
        *tenants.routes,
    ]
    access.check_declared(routes)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(ErrorMiddleware),
            Middleware(
                AuthMiddleware,
                verifier=TokenVerifier(settings.user_token_secret),
                open_paths=_open_paths(routes),
            ),
        ],
        exception_handlers={
            HTTPException: errors.handle,
            ClassbridgeError: errors.handle,
            RequestError: errors.handle,
        },
    )
    app.state.clients = clients
    app.state.max_body_bytes = settings.max_body_bytes
    app.state.max_class_length = timedelta(minutes=settings.max_class_minutes)
    return app
