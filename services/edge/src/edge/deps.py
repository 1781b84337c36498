"""What a route needs from the request: the service stubs and the authenticated caller."""

from __future__ import annotations

from starlette.requests import Request

from classbridge_common.auth import Caller
from classbridge_common.errors import Unauthenticated
from edge.clients import Clients


def clients(request: Request) -> Clients:
    return request.app.state.clients  # type: ignore[no-any-return]


def caller(request: Request) -> Caller:
    """The caller the authentication middleware verified (every route but ``/healthz``)."""
    found = request.scope.get("state", {}).get("caller")
    if not isinstance(found, Caller):
        raise Unauthenticated("no authenticated caller")
    return found


def idempotency_key(request: Request, body_value: str = "") -> str:
    """The client's ``request_id``: the body's, else the ``Idempotency-Key`` header."""
    return body_value or request.headers.get("idempotency-key", "")[:128]
