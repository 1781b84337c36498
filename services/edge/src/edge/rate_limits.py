"""Request rate limits at the edge: per caller, per tenant, and per address for anonymous ones.

Limits are requests per minute, from the settings (0 turns one off)::

    RATE_LIMIT_PER_CALLER_PER_MINUTE=1200    # one person (tenant + subject of the token)
    RATE_LIMIT_PER_TENANT_PER_MINUTE=6000    # everyone of one school together
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE=600    # requests without a valid token, by client address

Each is a token bucket (:mod:`edge.rate_buckets`) of that many requests, refilled continuously
over the minute, so a burst of the whole minute's worth is allowed and then one request every
``60 / limit`` seconds. A request with a valid token meets its caller's bucket, then its
tenant's; one the caller's bucket refuses never spends the tenant's (a caller over their own
limit cannot use up their school's), and one the tenant's refuses gets its caller's token back.
The buckets live in the database when the edge has one (``DATABASE_URL``), so every replica
behind the load balancer shares them, and in memory when it runs alone (the embedded default);
``RATE_LIMIT_STORE`` (auto, memory, database) forces one. Should the database fail or be slow,
the request goes through (logged): the limits protect the services, they must not become the
outage.

A refused request gets **429** with the error envelope (``RESOURCE_EXHAUSTED``, a ``retry``
detail) and ``Retry-After`` in whole seconds. Every limited answer carries the headers of the
IETF draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-06 style):
``RateLimit-Limit`` (the bucket's size), ``RateLimit-Remaining`` (whole requests left),
``RateLimit-Reset`` (seconds until the bucket is full again) and ``RateLimit-Policy``
(``<limit>;w=60``), for the bucket nearest to refusing. The health and documentation routes
are never limited, nor are Zoom's webhook deliveries and CORS preflights (answered before this
layer).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from classbridge_common.auth import ASGIApp, Receive, Scope, Send, TokenVerifier
from classbridge_common.auth import Message as ASGIMessage
from classbridge_common.db import create_engine
from classbridge_common.errors import ResourceExhausted
from edge.errors import error_response
from edge.identity import client_address, identified
from edge.rate_buckets import Bucket, BucketStore, DatabaseBuckets, Level, MemoryBuckets

if TYPE_CHECKING:
    from edge.settings import Settings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
STORE_TIMEOUT_SECONDS = 1.0  # a limiter slower than this lets the request through
EXEMPT = re.compile(
    r"^/(?:healthz|health|openapi\.json|docs|redoc|api/zoom/webhook|api/zoom/deauthorization)(?:/.*)?$"
)
"""Never limited: probes and the API reference (no token, no cost), and Zoom's deliveries
(webhooks, deauthorization), which come from a few Zoom addresses for every school at once (a
per-address limit would refuse all of them together) and are checked by their signatures."""
_WARN_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Limits:
    """Requests per minute; 0 turns a limit off."""

    per_caller: int = 0
    per_tenant: int = 0
    per_address: int = 0

    def __bool__(self) -> bool:
        return bool(self.per_caller or self.per_tenant or self.per_address)


@dataclass(frozen=True)
class Decision:
    """What the limiter decided, and the bucket whose level the answer reports."""

    allowed: bool
    level: Level
    kind: str  # caller, tenant or address: which limit the level is of

    def headers(self) -> dict[str, str]:
        """The rate-limit headers (and ``Retry-After`` when refused)."""
        level = self.level
        found = {
            "RateLimit-Limit": str(level.bucket.capacity),
            "RateLimit-Remaining": str(level.remaining),
            "RateLimit-Reset": str(level.reset),
            "RateLimit-Policy": f"{level.bucket.capacity};w={WINDOW_SECONDS}",
        }
        if not self.allowed:
            found["Retry-After"] = str(level.retry_after)
        return found


class Limiter:
    """The edge's limits over one :class:`BucketStore` (chosen at start-up)."""

    def __init__(
        self,
        store: BucketStore,
        limits: Limits,
        verifier: TokenVerifier,
        *,
        timeout: float = STORE_TIMEOUT_SECONDS,
    ) -> None:
        self.store = store
        self.limits = limits
        self._verifier = verifier
        self._timeout = timeout
        self._warned = 0.0

    def buckets(self, scope: Scope) -> list[tuple[str, Bucket]]:
        """The buckets a request meets, in order: caller then tenant, or its address."""
        caller = identified(scope, self._verifier)
        limits = self.limits
        if caller is None:
            if not limits.per_address:
                return []
            return [
                ("address", Bucket.per_minute(f"a:{client_address(scope)}", limits.per_address))
            ]
        tenant = caller.tenant or ""
        found: list[tuple[str, Bucket]] = []
        if limits.per_caller:
            key = f"c:{tenant}:{caller.subject}"
            found.append(("caller", Bucket.per_minute(key, limits.per_caller)))
        if limits.per_tenant:
            found.append(("tenant", Bucket.per_minute(f"t:{tenant}", limits.per_tenant)))
        return found

    async def decide(self, scope: Scope) -> Decision | None:
        """The decision for one request (None: nothing limits it, or the store failed)."""
        buckets = self.buckets(scope)
        if not buckets:
            return None
        try:
            async with asyncio.timeout(self._timeout):
                return await self._meet(buckets)
        except Exception:  # fail open: the limits must not become the outage
            self._warn()
            return None

    async def _meet(self, buckets: Sequence[tuple[str, Bucket]]) -> Decision:
        met: list[tuple[str, Level]] = []
        for kind, bucket in buckets:
            level = await self.store.take(bucket)
            if not level.allowed:
                for _, earlier in met:
                    await self.store.give_back(earlier.bucket)
                return Decision(allowed=False, level=level, kind=kind)
            met.append((kind, level))
        kind, nearest = min(met, key=lambda m: (m[1].remaining, m[1].bucket.capacity))
        return Decision(allowed=True, level=nearest, kind=kind)

    async def aclose(self) -> None:
        """Release the store (the database store's connections)."""
        await self.store.aclose()

    def _warn(self) -> None:
        now = time.monotonic()
        if now - self._warned >= _WARN_EVERY_SECONDS:
            self._warned = now
            log.warning(
                "rate limits not applied: the %s store failed", self.store.name, exc_info=True
            )


class RateLimitMiddleware:
    """Refuses (429) a request over a limit before anything else runs, and tells every
    limited answer where its caller stands."""

    def __init__(self, app: ASGIApp, *, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or EXEMPT.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        decision = await self.limiter.decide(scope)
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = decision.headers()
        if not decision.allowed:
            refused = ResourceExhausted(
                f"too many requests ({decision.kind} limit); retry after "
                f"{decision.level.retry_after} seconds",
                retry_after=timedelta(seconds=decision.level.retry_after),
            )
            answer = error_response(refused, from_service=False)
            answer.headers.update(headers)
            await answer(scope, receive, send)
            return

        async def send_with_headers(message: ASGIMessage) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *((k.lower().encode(), v.encode()) for k, v in headers.items()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def limits_of(settings: Settings) -> Limits:
    """The limits ``settings`` ask for."""
    return Limits(
        per_caller=settings.rate_limit_per_caller_per_minute,
        per_tenant=settings.rate_limit_per_tenant_per_minute,
        per_address=settings.rate_limit_per_address_per_minute,
    )


def store_for(settings: Settings) -> BucketStore:
    """The database when the edge has one (several replicas share it), else memory."""
    wanted = settings.rate_limit_store
    if wanted == "auto":
        wanted = "database" if settings.database_url and limits_of(settings) else "memory"
    if wanted == "memory":
        return MemoryBuckets()
    # Pre-ping off: a take is one statement, and a failed one lets the request through.
    engine = create_engine(settings, pool_size=5, max_overflow=10, pool_pre_ping=False)
    return DatabaseBuckets(engine, schema=settings.schema)


def limiter_from(settings: Settings, verifier: TokenVerifier) -> Limiter:
    """The edge's limiter, its store chosen once, at start-up."""
    limits = limits_of(settings)
    limiter = Limiter(store_for(settings), limits, verifier)
    log.info(
        "rate limits per minute: caller %d, tenant %d, address %d (0 = off), %s store",
        limits.per_caller,
        limits.per_tenant,
        limits.per_address,
        limiter.store.name,
    )
    return limiter


__all__ = [
    "EXEMPT",
    "HEADERS",
    "Decision",
    "Limiter",
    "Limits",
    "RateLimitMiddleware",
    "limiter_from",
    "limits_of",
    "store_for",
]
