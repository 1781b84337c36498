"""The edge's Starlette application: routes, authentication, error mapping, body and class
limits."""

from __future__ import annotations

from datetime import timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from classbridge_common.auth import TokenVerifier
from classbridge_common.errors import ClassbridgeError
from edge import access, errors
from edge.clients import Clients
from edge.errors import RequestError
from edge.middleware import AuthMiddleware, ErrorMiddleware
from edge.routes import (
    batches,
    courses,
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


def create_app(*, settings: Settings, clients: Clients) -> Starlette:
    """The edge app answering with ``clients``; the caller owns their channels."""
    app = Starlette(
        routes=[
            *health.routes,
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
        ],
        middleware=[
            Middleware(ErrorMiddleware),
            Middleware(AuthMiddleware, verifier=TokenVerifier(settings.user_token_secret)),
        ],
        exception_handlers={
            HTTPException: errors.handle,
            ClassbridgeError: errors.handle,
            RequestError: errors.handle,
        },
    )
    access.check_declared(app.routes)
    app.state.clients = clients
    app.state.max_body_bytes = settings.max_body_bytes
    app.state.max_class_length = timedelta(minutes=settings.max_class_minutes)
    return app
