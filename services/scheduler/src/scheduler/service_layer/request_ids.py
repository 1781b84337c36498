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

from classbridge_common.errors import AlreadyExists


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


__all__ = ["request_id_in_use", "require_replay"]
