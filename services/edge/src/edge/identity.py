"""Who a request comes from, for the layers that run before (or around) authentication.

CORS and the rate limiter must know the caller's tenant, yet they sit outside
``AuthMiddleware``: a 429 or a CORS decision is taken before (or whether or not) the route
runs. They identify the caller with the same verifier as authentication, once per request
(the answer is kept in the request's scope state), and only to *identify*: refusing a bad
token stays authentication's job. An unverified token is never trusted, so nobody can spend
another tenant's rate limit or borrow another tenant's origin by writing a claim.
"""

from __future__ import annotations

from classbridge_common.auth import Caller, Scope, TokenVerifier
from classbridge_common.errors import ClassbridgeError

_KEY = "edge.identified_caller"
_NOBODY = object()  # cached "no valid token", distinct from "not looked at yet"


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header ``name`` (lower-case bytes), if any."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def identified(scope: Scope, verifier: TokenVerifier) -> Caller | None:
    """The caller whose valid bearer token the request carries (None: no token or a bad one)."""
    state = scope.setdefault("state", {})
    found = state.get("caller")  # authentication already ran (an answer on its way out)
    if isinstance(found, Caller):
        return found
    cached = state.get(_KEY)
    if cached is None:
        try:
            cached = verifier.verify_authorization(header(scope, b"authorization"))
        except ClassbridgeError:
            cached = _NOBODY
        state[_KEY] = cached
    return cached if isinstance(cached, Caller) else None


def client_address(scope: Scope) -> str:
    """The peer's address as the server saw it (behind a proxy: what it forwarded, when the
    server is told to trust it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
