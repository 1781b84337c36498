"""Per-user OAuth connections: encrypted tokens and a refresh that never loses the user.

Zoom rotates refresh tokens: each refresh answers with a new refresh token and invalidates the old
one (perhaps after a short grace period). If the process died after Zoom answered but before the
new token was stored, the user would be disconnected for good. The protocol here:

1. **Write-ahead claim.** Before calling Zoom we commit ``refresh_started_at``/``refresh_owner``
   (guarded by ``version`` and a lease), so exactly one task in all replicas refreshes a
   connection at a time; the others wait for its result instead of burning the token themselves.
2. **The old refresh token stays** in ``refresh_token_enc`` until the new one is committed; it is
   never overwritten or cleared first. The successor and the new access token are written in one
   transaction (``refresh_token_enc`` = new, ``previous_refresh_token_enc`` = old), so the row
   always holds a token that was valid at Zoom at some point, never nothing.
3. **Recovery.** A claim whose lease has passed with no result means the refresher died. The next
   caller takes the claim over and refreshes again with the token on record (the old one). Zoom
   keeps a superseded refresh token usable for a short grace period after rotation (observed; the
   simulator's ``refresh_grace_seconds``), which is what rescues the connection; the lease
   (``user_refresh_lease``) must therefore be shorter than that grace. If Zoom no longer accepts
   it, the connection is marked ``reauthorization_required`` — visible in ``GetConnection`` — and
   calls answer FAILED_PRECONDITION asking the user to connect again, rather than failing
   mysteriously.

No durable store can do better without Zoom's help: the new token exists only in Zoom's answer,
so the window between that answer and the commit is made as small as possible (no other await in
between) and the grace period covers it.

Within one process an ``asyncio.Lock`` per user keeps concurrent callers to one refresh; across
replicas the claim does. Access tokens are cached in memory (the database holds ciphertext).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.crypto import SecretBox
from classbridge_common.errors import (
    DeadlineExceeded,
    FailedPrecondition,
    PreconditionViolation,
)
from zoom_gateway.adapters.orm import user_connections
from zoom_gateway.adapters.token_provider import TokenEndpointError, post_token
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.scopes import parse_scopes
from zoom_gateway.domain.tenants import TenantConfig

log = logging.getLogger("zoom_gateway.user_oauth")

ACTIVE = "active"
REAUTH = "reauthorization_required"
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


@dataclass(frozen=True)
class ConnectionInfo:
    """A connection as callers may see it (no tokens)."""

    user_id: str
    tenant: str
    status: str
    zoom_user_id: str
    zoom_email: str
    zoom_account_id: str
    scopes: tuple[str, ...]
    access_expires_at: datetime
    created_at: datetime
    last_refresh_at: datetime | None


def _info(row: Any) -> ConnectionInfo:
    return ConnectionInfo(
        user_id=row.user_id,
        tenant=row.tenant,
        status=row.status,
        zoom_user_id=row.zoom_user_id,
        zoom_email=row.zoom_email,
        zoom_account_id=row.zoom_account_id,
        scopes=tuple(parse_scopes(row.scopes)),
        access_expires_at=row.access_expires_at,
        created_at=row.created_at,
        last_refresh_at=row.last_refresh_at,
    )


def not_connected(user_id: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"user {user_id!r} has not connected a Zoom account (GetAuthorizationUrl first)",
        violations=[PreconditionViolation("ZOOM_USER_NOT_CONNECTED", user_id, "connect Zoom")],
    )


def needs_reauthorization(user_id: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"the Zoom connection of user {user_id!r} must be authorized again",
        violations=[PreconditionViolation("ZOOM_REAUTHORIZATION_REQUIRED", user_id, "reconnect")],
    )


class UserConnectionStore:
    """Stores, refreshes and removes per-user OAuth tokens."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        box: SecretBox,
        http: httpx.AsyncClient,
        oauth_base_url: str,
        tenant_for: Callable[[str], TenantConfig],
        lease: timedelta = timedelta(seconds=15),
        timeout: float = 15.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_refresh_response: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._box = box
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

    # ---- storing and reading -------------------------------------------------------------

    async def save(
        self,
        *,
        user_id: str,
        tenant: str,
        grant: TokenGrant,
        zoom_user_id: str,
        zoom_email: str,
        zoom_account_id: str,
    ) -> ConnectionInfo:
        """Store a fresh connection (replacing any earlier one of the user)."""
        now = self._now()
        values = {
            "user_id": user_id,
            "tenant": tenant,
            "zoom_user_id": zoom_user_id,
            "zoom_email": zoom_email,
            "zoom_account_id": zoom_account_id,
            "scopes": " ".join(grant.scopes),
            "access_token_enc": self._box.encrypt(grant.access_token),
            "access_expires_at": now + timedelta(seconds=grant.expires_in),
            "refresh_token_enc": self._box.encrypt(grant.refresh_token),
            "previous_refresh_token_enc": None,
            "refresh_started_at": None,
            "refresh_owner": None,
            "status": ACTIVE,
            "version": 1,
            "last_refresh_at": None,
            "created_at": now,
            "updated_at": now,
        }
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(user_connections).where(user_connections.c.user_id == user_id)
            )
            await conn.execute(user_connections.insert().values(**values))
        self._cache.pop(user_id, None)
        saved = await self.get(user_id)
        assert saved is not None  # the row was inserted just above
        return saved

    async def _row(self, user_id: str) -> Any:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(user_connections).where(user_connections.c.user_id == user_id)
                )
            ).first()

    async def get(self, user_id: str) -> ConnectionInfo | None:
        row = await self._row(user_id)
        return None if row is None else _info(row)

    async def remove(self, user_id: str) -> tuple[ConnectionInfo, str, str] | None:
        """Delete the connection; returns it with its (access, refresh) tokens for revocation."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(user_connections).where(user_connections.c.user_id == user_id)
                )
            ).first()
            if row is None:
                return None
            await conn.execute(
                delete(user_connections).where(user_connections.c.user_id == user_id)
            )
        self._cache.pop(user_id, None)
        return (
            _info(row),
            self._box.decrypt_str(row.access_token_enc),
            self._box.decrypt_str(row.refresh_token_enc),
        )

    # ---- access tokens ---------------------------------------------------------------------

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
        async with self._engine.begin() as conn:
            await conn.execute(
                update(user_connections)
                .where(user_connections.c.user_id == user_id)
                .values(access_expires_at=self._now() - timedelta(seconds=1))
            )

    async def _access_token(self, user_id: str) -> str:
        async with self._locks[user_id]:
            while True:
                row = await self._row(user_id)
                if row is None:
                    raise not_connected(user_id)
                if row.status != ACTIVE:
                    raise needs_reauthorization(user_id)
                now = self._now()
                if now < row.access_expires_at - RENEW_EARLY:
                    token = self._box.decrypt_str(row.access_token_enc)
                    self._cache[user_id] = (token, row.access_expires_at)
                    return token
                if await self._claim(row, now):
                    return await self._refresh_claimed(row)
                # another replica holds a live claim: wait for its result
                await asyncio.sleep(0.1)

    async def _claim(self, row: Any, now: datetime) -> bool:
        """The write-ahead step: record that we are about to spend this refresh token."""
        t = user_connections
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t)
                .where(
                    t.c.user_id == row.user_id,
                    t.c.version == row.version,
                    or_(
                        t.c.refresh_started_at.is_(None), t.c.refresh_started_at < now - self._lease
                    ),
                )
                .values(
                    refresh_started_at=now,
                    refresh_owner=self._owner,
                    version=t.c.version + 1,
                    updated_at=now,
                )
            )
        if result.rowcount == 1 and row.refresh_started_at is not None:
            log.warning(
                "taking over an abandoned zoom token refresh",
                extra={"user_id": row.user_id, "abandoned_by": row.refresh_owner},
            )
        return result.rowcount == 1

    async def _refresh_claimed(self, row: Any) -> str:
        tenant = self._tenant_for(row.tenant)
        t = user_connections
        old_refresh = self._box.decrypt_str(row.refresh_token_enc)
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
                extra={"user_id": row.user_id, "oauth_error": exc.error, "status": exc.status},
            )
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(t)
                    .where(t.c.user_id == row.user_id, t.c.refresh_owner == self._owner)
                    .values(
                        status=REAUTH,
                        refresh_started_at=None,
                        refresh_owner=None,
                        updated_at=self._now(),
                    )
                )
            raise needs_reauthorization(row.user_id) from None
        except BaseException:
            # Zoom unreachable or we were cancelled: the old token is still on record; release
            # the claim so the next caller tries again at once.
            await asyncio.shield(self._release(row.user_id))
            raise
        if self._after_refresh_response is not None:
            self._after_refresh_response()
        now = self._now()
        expires = now + timedelta(seconds=grant.expires_in)
        # Nothing awaits between Zoom's answer and this commit except the commit itself.
        async with self._engine.begin() as conn:
            stored = await conn.execute(
                update(t)
                .where(t.c.user_id == row.user_id, t.c.refresh_owner == self._owner)
                .values(
                    access_token_enc=self._box.encrypt(grant.access_token),
                    access_expires_at=expires,
                    refresh_token_enc=self._box.encrypt(grant.refresh_token),
                    previous_refresh_token_enc=row.refresh_token_enc,
                    scopes=" ".join(grant.scopes) or row.scopes,
                    refresh_started_at=None,
                    refresh_owner=None,
                    last_refresh_at=now,
                    version=t.c.version + 1,
                    updated_at=now,
                )
            )
        if stored.rowcount != 1:
            # Our claim was taken over (we were slower than the lease): the newer refresher's
            # token is the one on record; ours is simply not used.
            log.warning(
                "zoom token refresh finished after its lease", extra={"user_id": row.user_id}
            )
        self._cache[row.user_id] = (grant.access_token, expires)
        log.info("zoom user token refreshed", extra={"user_id": row.user_id})
        return grant.access_token

    async def _release(self, user_id: str) -> None:
        t = user_connections
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(t.c.user_id == user_id, t.c.refresh_owner == self._owner)
                .values(refresh_started_at=None, refresh_owner=None)
            )


class UserTokenSource:
    """The :class:`AccessTokenSource` of one user's connection."""

    def __init__(self, store: UserConnectionStore, user_id: str) -> None:
        self._store = store
        self.user_id = user_id

    async def token(self, deadline: Deadline) -> str:
        return await self._store.access_token(self.user_id, deadline)

    async def invalidate(self, token: str) -> None:
        await self._store.invalidate(self.user_id, token)


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
