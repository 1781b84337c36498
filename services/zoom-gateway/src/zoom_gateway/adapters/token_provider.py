"""Server-to-server OAuth access tokens, one cache per tenant.

Zoom's ``account_credentials`` grant gives a one-hour token and no refresh token. We keep the
token in memory (several may be valid at once, so replicas need not share it), renew it 60 s
before it expires, and make sure that however many callers find it stale at the same moment only
one request goes to ``/oauth/token``: the first caller starts the renewal as a task and everyone
awaits that same task (shielded, so a caller that gives up does not cancel it for the others).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from classbridge_common.errors import (
    DeadlineExceeded,
    FailedPrecondition,
    PreconditionViolation,
    UpstreamError,
)
from classbridge_common.telemetry import app_metrics
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.scopes import parse_scopes
from zoom_gateway.domain.tenants import TenantConfig

log = logging.getLogger("zoom_gateway.oauth")

RENEW_EARLY_SECONDS = 60.0
DEFAULT_EXPIRES_IN = 3599


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: float
    scopes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"CachedToken(<hidden>, expires_at={self.expires_at})"


class TokenEndpointError(Exception):
    """``/oauth/token`` refused (``error``: invalid_client, invalid_grant, …)."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(f"{status} {error}: {reason}")
        self.status = status
        self.error = error
        self.reason = reason


async def post_token(
    http: httpx.AsyncClient,
    *,
    oauth_base_url: str,
    client_id: str,
    client_secret: str,
    data: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - an httpx timeout, not a cancellation scope
) -> dict[str, object]:
    """POST the form to ``/oauth/token`` (Basic auth): the JSON, or :class:`TokenEndpointError`.

    Each outcome is counted (``app.zoom.token.requests`` by grant type: token refresh failures
    are an alert of their own)."""
    grant = data.get("grant_type", "unknown")
    try:
        body = await _post_token(
            http,
            oauth_base_url=oauth_base_url,
            client_id=client_id,
            client_secret=client_secret,
            data=data,
            timeout=timeout,
        )
    except TokenEndpointError:
        app_metrics().zoom_token(grant=grant, outcome="refused")
        raise
    except UpstreamError:
        app_metrics().zoom_token(grant=grant, outcome="unavailable")
        raise
    app_metrics().zoom_token(grant=grant, outcome="success")
    return body


async def _post_token(
    http: httpx.AsyncClient,
    *,
    oauth_base_url: str,
    client_id: str,
    client_secret: str,
    data: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - an httpx timeout, not a cancellation scope
) -> dict[str, object]:
    try:
        response = await http.post(
            f"{oauth_base_url.rstrip('/')}/oauth/token",
            data=data,
            auth=(client_id, client_secret),
            timeout=timeout,
        )
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise UpstreamError(
            f"Zoom OAuth unreachable ({type(exc).__name__})", upstream="zoom"
        ) from None
    if response.status_code >= 500:
        raise UpstreamError(
            "Zoom OAuth failed",
            upstream="zoom",
            status=response.status_code,
            tracking_id=response.headers.get("x-zm-trackingid"),
        )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not response.is_success or not isinstance(body, dict) or "access_token" not in body:
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        reason = str(body.get("reason", "")) if isinstance(body, dict) else ""
        raise TokenEndpointError(response.status_code, error or "invalid_response", reason)
    return body


class S2STokenProvider:
    """Access tokens of one tenant's server-to-server app (an :class:`AccessTokenSource`)."""

    def __init__(
        self,
        *,
        tenant: TenantConfig,
        http: httpx.AsyncClient,
        oauth_base_url: str,
        clock: Callable[[], float] = time.time,
        timeout: float = 15.0,
    ) -> None:
        self._tenant = tenant
        self._http = http
        self._oauth_base_url = oauth_base_url
        self._clock = clock
        self._timeout = timeout
        self._cached: CachedToken | None = None
        self._inflight: asyncio.Task[CachedToken] | None = None
        self.renewals = 0  # how many times /oauth/token was called (observability and tests)

    @property
    def tenant(self) -> TenantConfig:
        return self._tenant

    def _fresh(self, cached: CachedToken | None) -> bool:
        return cached is not None and self._clock() < cached.expires_at - RENEW_EARLY_SECONDS

    async def current(self, deadline: Deadline) -> CachedToken:
        """The cached token if it has more than a minute left, else a renewed one."""
        if self._fresh(self._cached):
            assert self._cached is not None
            return self._cached
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._renew())
        task = self._inflight
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=deadline.remaining())
        except TimeoutError:
            raise DeadlineExceeded("deadline passed while renewing the Zoom access token") from None

    async def token(self, deadline: Deadline) -> str:
        return (await self.current(deadline)).value

    async def invalidate(self, token: str) -> None:
        """Zoom said 124 for ``token``: forget it (unless someone already replaced it)."""
        if self._cached is not None and self._cached.value == token:
            self._cached = None

    async def refused(self, token: str, missing_scopes: Sequence[str]) -> None:
        """Zoom said the app lacks a scope (47xx) with ``token``: forget the token, so the next
        call takes one carrying the app's scopes as they are then. An admin who adds the scope
        in the Marketplace is heard within a call, not after the hour a token lives; the refused
        call itself is not repeated (the same app would be refused again)."""
        log.warning(
            "zoom says the tenant's server-to-server app lacks a scope",
            extra={"tenant": self._tenant.id, "missing_scopes": " ".join(missing_scopes)},
        )
        await self.invalidate(token)

    async def _renew(self) -> CachedToken:
        if not self._tenant.s2s_configured:
            raise not_configured_error(self._tenant.id)
        self.renewals += 1
        try:
            body = await post_token(
                self._http,
                oauth_base_url=self._oauth_base_url,
                client_id=self._tenant.client_id,
                client_secret=self._tenant.client_secret,
                data={"grant_type": "account_credentials", "account_id": self._tenant.account_id},
                timeout=self._timeout,
            )
        except TokenEndpointError as exc:
            log.warning(
                "zoom s2s token refused",
                extra={"tenant": self._tenant.id, "status": exc.status, "oauth_error": exc.error},
            )
            raise FailedPrecondition(
                f"Zoom refused the server-to-server credentials of tenant {self._tenant.id!r} "
                f"({exc.error}); check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET "
                "and that the app is activated",
                violations=[
                    PreconditionViolation(
                        type="ZOOM_CREDENTIALS_REJECTED",
                        subject=self._tenant.id,
                        description=exc.error,
                    )
                ],
            ) from None
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else DEFAULT_EXPIRES_IN
        cached = CachedToken(
            value=str(body["access_token"]),
            expires_at=self._clock() + lifetime,
            scopes=tuple(parse_scopes(str(body.get("scope", "")))),
        )
        self._cached = cached
        log.info(
            "zoom s2s token renewed", extra={"tenant": self._tenant.id, "expires_in": lifetime}
        )
        return cached


NOT_CONFIGURED_VARIABLES = ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")


def not_configured_error(tenant: str) -> FailedPrecondition:
    """Seed 004's graceful fallback: say exactly what to set."""
    names = ", ".join(NOT_CONFIGURED_VARIABLES)
    return FailedPrecondition(
        f"Zoom is not configured for tenant {tenant!r}: set {names} "
        "(or describe the tenant in ZOOM_TENANTS_FILE)",
        violations=[
            PreconditionViolation(
                type="ZOOM_NOT_CONFIGURED",
                subject=tenant,
                description=f"set {names} or ZOOM_TENANTS_FILE",
            )
        ],
    )
