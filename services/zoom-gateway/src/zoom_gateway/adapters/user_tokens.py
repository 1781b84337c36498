"""Per-user OAuth tokens: a refresh that never loses the user, and the token endpoint's grants.

Zoom rotates refresh tokens: each refresh answers with a new refresh token and invalidates the old
one (perhaps after a short grace period). If the process died after Zoom answered but before the
new token was stored, the user would be disconnected for good. The protocol here (its statements
are :class:`~zoom_gateway.adapters.repositories.user_connections.UserConnectionRepository`'s):

1. **Write-ahead claim.** Before calling Zoom we commit ``refresh_started_at``/``refresh_owner``
   (guarded by ``version`` and a lease) in a unit of work of its own, so exactly one task in all
   replicas refreshes a connection at a time; the others wait for its result instead of burning
   the token themselves.
2. **The old refresh token stays** in ``refresh_token_enc`` until the new one is committed; it is
   never overwritten or cleared first. The successor and the new access token are written in a
   second unit of work, one statement (``refresh_token_enc`` = new,
   ``previous_refresh_token_enc`` = old), so the row always holds a token that was valid at Zoom
   at some point, never nothing.
3. **Recovery.** A claim whose lease has passed with no result means the refresher died. The next
   caller takes the claim over and refreshes again with the token on record (the old one). Zoom
   keeps a superseded refresh token usable for a short grace period after rotation (observed; the
   simulator's ``refresh_grace_seconds``), which is what rescues the connection; the lease
   (``user_refresh_lease``) must therefore be shorter than that grace. If Zoom no longer accepts
   it, the connection is marked ``reauthorization_required`` — visible in ``GetConnection`` — and
   calls answer FAILED_PRECONDITION asking the user to connect again, rather than failing
   mysteriously.

A call Zoom refuses for lack of authorization (401 code 4711 "does not contain scopes:[…]", or
another 47xx) marks the connection the same way, naming the scopes Zoom listed
(:meth:`UserTokens.refused`); the tokens keep working for what the grant does allow.

No durable store can do better without Zoom's help: the new token exists only in Zoom's answer,
so the window between that answer and the commit is made as small as possible (no other await in
between) and the grace period covers it. No transaction is open while Zoom is asked.

Within one process an ``asyncio.Lock`` per user keeps concurrent callers to one refresh; across
replicas the claim does. Access tokens are cached in memory (the database holds ciphertext).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import connection_events_pb2
from classbridge_common.errors import (
    DeadlineExceeded,
    FailedPrecondition,
    PreconditionViolation,
)
from zoom_gateway.adapters.repositories.user_connections import StoredConnection
from zoom_gateway.adapters.token_provider import TokenEndpointError, post_token
from zoom_gateway.adapters.uow import GatewayUnitOfWork, UnitOfWorkFactory
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.scopes import parse_scopes
from zoom_gateway.domain.tenants import TenantConfig

log = logging.getLogger("zoom_gateway.user_oauth")

RENEW_EARLY = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenGrant:
    """What ``/oauth/token`` answered (authorization_code or refresh_token grant)."""

    access_token: str
    refresh_token: str
    expires_in: float
    scopes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"TokenGrant(<tokens hidden>, expires_in={self.expires_in}, scopes={self.scopes})"

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> TokenGrant:
        refresh = body.get("refresh_token")
        expires = body.get("expires_in")
        if not isinstance(refresh, str) or not isinstance(expires, int | float):
            raise TokenEndpointError(200, "invalid_response", "refresh_token or expires_in missing")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=refresh,
            expires_in=float(expires),
            scopes=tuple(parse_scopes(str(body.get("scope", "")))),
        )


def not_connected(user_id: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"user {user_id!r} has not connected a Zoom account (GetAuthorizationUrl first)",
        violations=[PreconditionViolation("ZOOM_USER_NOT_CONNECTED", user_id, "connect Zoom")],
    )


def _announce(
    uow: GatewayUnitOfWork,
    tenant: str,
    user_id: str,
    now: datetime,
    missing_scopes: Sequence[str],
) -> None:
    """Record, with the change that found it, that ``user_id``'s connection must be authorized
    again (the scheduler emails the tenant's admins and the person)."""
    occurred = Timestamp()
    occurred.FromDatetime(now)
    uow.add_event(
        "zoom.connection.needs_reauthorization",
        connection_events_pb2.ZoomConnectionNeedsReauthorization(
            occurred_at=occurred,
            tenant_id=tenant,
            user_id=user_id,
            reason="missing_scopes" if missing_scopes else "refresh_refused",
            missing_scopes=list(missing_scopes),
        ),
    )


def needs_reauthorization(
    user_id: str, missing_scopes: Sequence[str] = (), *, details: Mapping[str, str] | None = None
) -> FailedPrecondition:
    """FAILED_PRECONDITION telling the caller the user must reconnect Zoom, and what for.

    ``missing_scopes`` (any one of which Zoom would accept) are named when Zoom listed them;
    without them the connection's tokens are dead (refresh refused, app removed or disabled).
    """
    extra = dict(details or {})
    if missing_scopes:
        wanted = " or ".join(repr(s) for s in missing_scopes)
        extra["missing_scopes"] = " ".join(missing_scopes)
        return FailedPrecondition(
            f"the Zoom connection of user {user_id!r} lacks the scope {wanted} for this call: "
            "the user must reconnect Zoom (authorize the app again) to grant it",
            violations=[
                PreconditionViolation(
                    "ZOOM_REAUTHORIZATION_REQUIRED", user_id, f"reconnect Zoom to grant {wanted}"
                )
            ],
            details=extra,
        )
    return FailedPrecondition(
        f"the Zoom connection of user {user_id!r} must be authorized again: the user must "
        "reconnect Zoom",
        violations=[
            PreconditionViolation("ZOOM_REAUTHORIZATION_REQUIRED", user_id, "reconnect Zoom")
        ],
        details=extra,
    )


class UserTokens:
    """Access tokens of per-user connections: cached in memory, refreshed once for everyone.

    A refresh is two units of work on purpose, with Zoom's ``/oauth/token`` between them and
    outside both: the first reads the connection and commits the write-ahead claim, the second
    stores what Zoom answered (or gives the claim back, or marks the connection for
    reauthorization). One unit of work held open across the Zoom call would keep the row locked
    on PostgreSQL and SQLite's single write lock for as long as Zoom takes, and a crash during
    the call would roll the claim back with it — the claim must be durable *before* the refresh
    token is spent, so that the next caller knows a refresh was attempted and recovers it.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        http: httpx.AsyncClient,
        oauth_base_url: str,
        tenant_for: Callable[[str], TenantConfig],
        lease: timedelta = timedelta(seconds=15),
        timeout: float = 15.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_refresh_response: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow
        self._http = http
        self._oauth_base_url = oauth_base_url
        self._tenant_for = tenant_for
        self._lease = lease
        self._timeout = timeout
        self._now = now
        self._after_refresh_response = after_refresh_response  # crash-injection point for tests
        self._owner = uuid.uuid4().hex
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._cache: dict[str, tuple[str, datetime]] = {}
        self.refreshes = 0  # refresh requests sent to Zoom by this process

    def forget(self, user_id: str) -> None:
        """Drop the cached access token (the connection was replaced or removed)."""
        self._cache.pop(user_id, None)

    def source(self, user_id: str) -> UserTokenSource:
        return UserTokenSource(self, user_id)

    async def access_token(self, user_id: str, deadline: Deadline) -> str:
        """A valid access token for the user, refreshing (once, for everyone) when needed."""
        cached = self._cache.get(user_id)
        if cached is not None and self._now() < cached[1] - RENEW_EARLY:
            return cached[0]
        try:
            return await asyncio.wait_for(self._access_token(user_id), deadline.remaining())
        except TimeoutError:
            raise DeadlineExceeded(
                "deadline passed while refreshing the user's Zoom token"
            ) from None

    async def invalidate(self, user_id: str, token: str) -> None:
        """Zoom answered 124 for ``token``: make the next call refresh."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] == token:
            self._cache.pop(user_id, None)
        async with self._uow() as uow:
            await uow.connections.expire_access(user_id, now=self._now())
            await uow.commit()

    async def refused(self, user_id: str, token: str, missing_scopes: Sequence[str]) -> bool:
        """Zoom refused ``token`` for lack of authorization (47xx): mark the connection for
        reauthorization, naming ``missing_scopes`` (what Zoom listed). Renewing the token would
        not help (a refresh keeps the user's grant), so nothing is retried; the user must
        authorize again. True when the connection was marked (False: it changed meanwhile)."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] == token and not missing_scopes:
            self._cache.pop(user_id, None)  # a dead token: never hand it out again
        async with self._uow() as uow:
            before = await uow.connections.load(user_id)
            marked = await uow.connections.mark_lacking_scopes(
                user_id, token=token, missing_scopes=missing_scopes, now=self._now()
            )
            if marked and before is not None and before.usable:
                _announce(uow, before.tenant, user_id, self._now(), missing_scopes)
            await uow.commit()
        log.warning(
            "zoom refused the user's authorization; the user must reconnect",
            extra={
                "user_id": user_id,
                "missing_scopes": " ".join(missing_scopes),
                "marked": marked,
            },
        )
        return marked

    async def _access_token(self, user_id: str) -> str:
        async with self._locks[user_id]:
            while True:
                outcome = await self._fresh_or_claim(user_id)
                if isinstance(outcome, str):
                    return outcome
                if outcome is not None:
                    return await self._refresh_claimed(outcome)
                # another replica holds a live claim: wait for its result
                await asyncio.sleep(0.1)

    async def _fresh_or_claim(self, user_id: str) -> str | StoredConnection | None:
        """The first unit of work: the access token while it is fresh; else the write-ahead
        claim, committed before Zoom is called (answers the connection claimed); None when
        another task or replica holds a live claim."""
        async with self._uow() as uow:
            stored = await uow.connections.load(user_id)
            if stored is None:
                raise not_connected(user_id)
            if not stored.usable:
                raise needs_reauthorization(user_id)
            now = self._now()
            fresh = now < stored.access_expires_at - RENEW_EARLY
            claimed = False
            if not fresh:
                claimed = await uow.connections.claim_refresh(
                    stored, owner=self._owner, now=now, lease=self._lease
                )
                if claimed:
                    await uow.commit()
        if fresh:
            token = stored.access_token()
            self._cache[user_id] = (token, stored.access_expires_at)
            return token
        if not claimed:
            return None
        if stored.refresh_started_at is not None:
            log.warning(
                "taking over an abandoned zoom token refresh",
                extra={"user_id": user_id, "abandoned_by": stored.refresh_owner},
            )
        return stored

    async def _refresh_claimed(self, stored: StoredConnection) -> str:
        tenant = self._tenant_for(stored.tenant)
        user_id = stored.user_id
        old_refresh = stored.refresh_token()
        self.refreshes += 1
        try:
            body = await post_token(
                self._http,
                oauth_base_url=self._oauth_base_url,
                client_id=tenant.oauth_client_id,
                client_secret=tenant.oauth_client_secret,
                data={"grant_type": "refresh_token", "refresh_token": old_refresh},
                timeout=self._timeout,
            )
            grant = TokenGrant.from_body(body)
        except TokenEndpointError as exc:
            log.warning(
                "zoom refused the refresh token; the user must reconnect",
                extra={"user_id": user_id, "oauth_error": exc.error, "status": exc.status},
            )
            async with self._uow() as uow:
                if await uow.connections.mark_reauthorization(
                    user_id, owner=self._owner, now=self._now()
                ):
                    _announce(uow, stored.tenant, user_id, self._now(), ())
                await uow.commit()
            raise needs_reauthorization(user_id) from None
        except BaseException:
            # Zoom unreachable or we were cancelled: the old token is still on record; release
            # the claim so the next caller tries again at once.
            await asyncio.shield(self._release(user_id))
            raise
        if self._after_refresh_response is not None:
            self._after_refresh_response()
        now = self._now()
        expires = now + timedelta(seconds=grant.expires_in)
        # The second unit of work. Nothing awaits between Zoom's answer and this commit except
        # the unit of work's own statements.
        async with self._uow() as uow:
            kept = await uow.connections.store_refresh(
                user_id,
                owner=self._owner,
                access_token=grant.access_token,
                refresh_token=grant.refresh_token,
                access_expires_at=expires,
                scopes=" ".join(grant.scopes) or stored.scopes,
                now=now,
            )
            await uow.commit()
        if not kept:
            # Our claim was taken over (we were slower than the lease): the newer refresher's
            # token is the one on record; ours is simply not used.
            log.warning("zoom token refresh finished after its lease", extra={"user_id": user_id})
        self._cache[user_id] = (grant.access_token, expires)
        log.info("zoom user token refreshed", extra={"user_id": user_id})
        return grant.access_token

    async def _release(self, user_id: str) -> None:
        async with self._uow() as uow:
            await uow.connections.release_refresh(user_id, owner=self._owner)
            await uow.commit()


class UserTokenSource:
    """The :class:`AccessTokenSource` of one user's connection."""

    def __init__(self, tokens: UserTokens, user_id: str) -> None:
        self._tokens = tokens
        self.user_id = user_id

    async def token(self, deadline: Deadline) -> str:
        return await self._tokens.access_token(self.user_id, deadline)

    async def invalidate(self, token: str) -> None:
        await self._tokens.invalidate(self.user_id, token)

    async def refused(self, token: str, missing_scopes: Sequence[str]) -> None:
        await self._tokens.refused(self.user_id, token, missing_scopes)


async def exchange_code(
    http: httpx.AsyncClient,
    *,
    oauth_base_url: str,
    tenant: TenantConfig,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    timeout: float = 15.0,  # noqa: ASYNC109 - an httpx timeout
) -> TokenGrant:
    """``authorization_code`` grant with the PKCE verifier."""
    body = await post_token(
        http,
        oauth_base_url=oauth_base_url,
        client_id=tenant.oauth_client_id,
        client_secret=tenant.oauth_client_secret,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
        timeout=timeout,
    )
    return TokenGrant.from_body(body)


async def revoke(
    http: httpx.AsyncClient,
    *,
    oauth_base_url: str,
    tenant: TenantConfig,
    token: str,
    timeout: float = 10.0,  # noqa: ASYNC109 - an httpx timeout
) -> bool:
    """``/oauth/revoke``; True when Zoom confirmed. Failures are reported, not raised."""
    try:
        response = await http.post(
            f"{oauth_base_url.rstrip('/')}/oauth/revoke",
            data={"token": token},
            auth=(tenant.oauth_client_id, tenant.oauth_client_secret),
            timeout=timeout,
        )
    except (httpx.TimeoutException, httpx.TransportError):
        return False
    return response.is_success
