"""Which Zoom user a host reference means, so the per-host daily ledger counts people, not
spellings.

Callers name a meeting's host by email, by ``me`` or by Zoom user id; Zoom's 100 creates+updates
per day belong to the user. Emails and ``me`` are resolved once with ``GET /users/{ref}`` (Light)
and kept in memory for ``ttl`` seconds — a user's id never changes, the TTL only bounds how long
a re-assigned email keeps counting for its former owner. A reference that is neither an email nor
``me`` is already an id. A per-user connection's ``me`` is the connected user, whose id the
connection stored when it was made.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.domain import scopes as zoom_scopes
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.service_layer.accounts import Actor
from zoom_gateway.service_layer.users import get_user

DEFAULT_TTL = 6 * 3600.0
MAX_ENTRIES = 10_000


class HostKeys:
    def __init__(
        self,
        *,
        zoom: ZoomClient,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._zoom = zoom
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str, str, str], tuple[str, float]] = {}
        self.lookups = 0  # calls made to Zoom (observability, tests)

    def cached(self, actor: Actor, host: str) -> str | None:
        """The key without any I/O when it is known (an id, the connection's id, a fresh entry)."""
        ref = host.strip() or "me"
        if ref.lower() != "me" and "@" not in ref:
            return ref
        if ref.lower() == "me" and actor.zoom_user_id:
            return actor.zoom_user_id
        hit = self._cache.get(self._key(actor, ref))
        if hit is not None and hit[1] > self._clock():
            return hit[0]
        return None

    async def key(self, actor: Actor, host: str, deadline: Deadline) -> str:
        """The ledger key of ``host``: Zoom's user id (looked up at most once per ``ttl``)."""
        found = self.cached(actor, host)
        if found is not None:
            return found
        ref = host.strip() or "me"
        if actor.is_user and actor.scopes and not zoom_scopes.allows(actor.scopes, "read_user"):
            # the grant cannot look users up: count by the reference itself (as spelled)
            return ref.lower()
        user = await get_user(self._zoom, actor, ref, deadline)
        self.lookups += 1
        zoom_id = str(user.get("id") or "")
        if not zoom_id:
            return ref.lower()
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[self._key(actor, ref)] = (zoom_id, self._clock() + self._ttl)
        return zoom_id

    @staticmethod
    def _key(actor: Actor, ref: str) -> tuple[str, str, str]:
        # ``me`` depends on whose credentials ask; an email does not (within one tenant)
        who = actor.oauth_user_id if ref.lower() == "me" else ""
        return (actor.tenant.id, who, ref.lower())
