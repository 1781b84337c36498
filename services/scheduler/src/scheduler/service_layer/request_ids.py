"""Replays of a create by its request id (the idempotency key of every create RPC).

A request id is unique per tenant, not per caller, so finding one already stored does not make
a create a replay: it is one only when it is plausibly the same request - the caller may read
what the first one made, and it names the same parent (course, batch or session; the same
author where the resource records one). Anything else is a client reusing a key, or trying
another's, and is answered ALREADY_EXISTS without a word about what the key made: handing it
back would open a resource to someone its permission checks refuse, and would tell the caller
their create happened when it did not.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError

from classbridge_common.errors import AlreadyExists

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def request_id_in_use(*, resource_type: str, request_id: str) -> AlreadyExists:
    """ALREADY_EXISTS naming only the caller's own key and the kind of resource they asked
    for (never the id, parent or owner of what the key made)."""
    return AlreadyExists(
        f"request_id {request_id!r} is already in use by another request; "
        "send this request with a request_id of its own",
        resource_type=resource_type,
        details={"request_id": request_id},
    )


def require_replay(plausible: bool, *, resource_type: str, request_id: str) -> None:
    """Let a create return what ``request_id`` made before only when ``plausible`` (the caller
    may read it and it has the parent the request names); otherwise ALREADY_EXISTS."""
    if not plausible:
        raise request_id_in_use(resource_type=resource_type, request_id=request_id)


def _request_key(error: IntegrityError) -> bool:
    """Was it the request id's uniqueness that refused the write? (PostgreSQL names the
    constraint, ``uq_..._request``; SQLite the columns, ``....request_id``.)"""
    return "request" in str(error.orig).lower()


def replays_a_twin(create: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A create that, when a twin of its request (the same request id, sent twice at once)
    stored first, answers as the replay of that twin instead of failing.

    Both requests find no row with their key and insert; the second commit is refused by the
    unique key. Run again, the create finds the twin's row and replays it (or, for another
    request under the same key, answers ALREADY_EXISTS) — never an internal error for a
    client's retry.
    """

    @functools.wraps(create)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await create(*args, **kwargs)
        except IntegrityError as error:
            if not _request_key(error):
                raise
            log.info("%s: a twin request stored first; replaying it", create.__name__)
            return await create(*args, **kwargs)

    return run


__all__ = ["replays_a_twin", "request_id_in_use", "require_replay"]
