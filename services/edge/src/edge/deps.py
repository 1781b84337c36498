"""What a route needs from the request: the service stubs and the authenticated caller."""

from __future__ import annotations

from starlette.requests import Request

from classbridge_common.auth import Caller
from classbridge_common.errors import ClassbridgeError
from edge.clients import Clients
from edge.errors import CallerRefused


def clients(request: Request) -> Clients:
    return request.app.state.clients  # type: ignore[no-any-return]


def caller(request: Request) -> Caller:
    """The caller the authentication middleware verified (every route but the public ones).

    On a path that also serves a public method the middleware lets every request through and
    leaves why it could not verify the token (``auth_error``): a route that needs a caller
    refuses with that reason, as the middleware would have (401).
    """
    state = request.scope.get("state", {})
    found = state.get("caller")
    if not isinstance(found, Caller):
        refused = state.get("auth_error")
        reason = refused.public_message if isinstance(refused, ClassbridgeError) else None
        raise CallerRefused(reason or "no authenticated caller")
    return found


def idempotency_key(request: Request, body_value: str = "") -> str:
    """The client's ``request_id``: the body's, else the ``Idempotency-Key`` header."""
    return body_value or request.headers.get("idempotency-key", "")[:128]
