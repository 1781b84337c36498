"""Request-scoped context: request id and deadline budget, in context variables.

The server interceptors fill these for every call; logs read the request id, and outgoing
calls (``classbridge_common.grpc.client``) inherit both — the request id travels on as
``x-request-id`` and a call without its own timeout gets at most what is left of ours.
An HTTP entry point may use :func:`request_scope` the same way.
"""

from __future__ import annotations

import contextvars
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "classbridge_request_id", default=None
)
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "classbridge_deadline", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """``value`` if it is a sane request id (short, printable), else a fresh one — so a caller
    cannot inject arbitrary text into our logs."""
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return new_request_id()


def current_request_id() -> str | None:
    """The id of the request being handled, or ``None`` outside a request."""
    return _request_id.get()


def time_remaining() -> float | None:
    """Seconds left of the current request's deadline budget (``None`` outside a request)."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())


@contextmanager
def request_scope(*, request_id: str | None = None, timeout: float | None = None) -> Iterator[str]:
    """Run the block as one request: its id (given or new) and, if given, a deadline budget."""
    rid = request_id or new_request_id()
    id_token = _request_id.set(rid)
    deadline_token = _deadline.set(time.monotonic() + timeout if timeout is not None else None)
    try:
        yield rid
    finally:
        _deadline.reset(deadline_token)
        _request_id.reset(id_token)


@contextmanager
def deadline_scope(timeout: float) -> Iterator[None]:
    """Set the deadline budget for the block (keeps the request id)."""
    token = _deadline.set(time.monotonic() + timeout)
    try:
        yield
    finally:
        _deadline.reset(token)


__all__ = [
    "REQUEST_ID_HEADER",
    "accept_request_id",
    "current_request_id",
    "deadline_scope",
    "new_request_id",
    "request_scope",
    "time_remaining",
]
