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

_KEY = "edge.verified_token"  # the request's verification: its Caller, or the refusal


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header ``name`` (lower-case bytes), if any."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def verified(scope: Scope, verifier: TokenVerifier) -> Caller:
    """The caller of the request's bearer token, verified once per request whichever layer asks
    first (the outcome, a caller or the refusal, is kept in the request's scope state); raises
    the refusal for a missing or bad token."""
    state = scope.setdefault("state", {})
    outcome = state.get(_KEY)
    if outcome is None:
        try:
            outcome = verifier.verify_authorization(header(scope, b"authorization"))
        except ClassbridgeError as refusal:
            outcome = refusal
        state[_KEY] = outcome
    if isinstance(outcome, ClassbridgeError):
        raise outcome
    return outcome  # type: ignore[no-any-return]


def identified(scope: Scope, verifier: TokenVerifier) -> Caller | None:
    """The caller whose valid bearer token the request carries (None: no token or a bad one)."""
    try:
        return verified(scope, verifier)
    except ClassbridgeError:
        return None


def client_address(scope: Scope) -> str:
    """The peer's address as the server saw it (behind a proxy: what it forwarded, when the
    server is told to trust it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
