"""The HTTP client for Zoom's REST API: the one place where requests to ``/v2`` are made.

Every call goes through the same steps: the tenant's circuit breaker, a token from the shared
rate-limit bucket of the endpoint's category, a bearer token from the credential source, the
request with a timeout no longer than the caller's deadline, and the interpretation of the answer:

* 401 code 124 → the credential source is told the token is bad, it is renewed once, the call
  repeated once;
* 429 → ``Retry-After`` read (seconds or a date); a daily limit parks the category until then
  (shared through the rate-limit store) and fails at once; a per-second limit is retried after a
  short pause (safe even for POST: Zoom refused the request);
* 5xx and network errors → retried with exponential backoff and jitter, but only for idempotent
  calls; a POST whose outcome is unknown raises :class:`ZoomOutcomeUnknown` so the idempotency
  layer can find out what happened.

Tokens and signed URLs never reach the logs: we log the method, the path *template*, the status,
the Zoom code and ``x-zm-trackingid``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from classbridge_common.errors import DeadlineExceeded, Unavailable
from zoom_gateway.domain.breaker import CircuitBreaker
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import (
    Category,
    backoff_delay,
    is_daily_limit_message,
    is_host_daily_limit_message,
    parse_retry_after,
)
from zoom_gateway.domain.zoom_errors import ZoomApiError

log = logging.getLogger("zoom_gateway.zoom")

MAX_QPS_RETRIES = 5


class AccessTokenSource(Protocol):
    """Where a call's bearer token comes from (a tenant's S2S app or one user's connection)."""

    async def token(self, deadline: Deadline) -> str: ...

    async def invalidate(self, token: str) -> None: ...


class RateLimiter(Protocol):
    async def acquire(self, tenant: str, category: Category, deadline: Deadline) -> None: ...

    async def park(self, tenant: str, category: Category, until: datetime) -> None: ...


class ZoomOutcomeUnknown(ZoomApiError):
    """A non-idempotent call was sent but no answer came back: Zoom may or may not have acted."""


class HostDailyLimitReached(ZoomApiError):
    """Zoom's per-host 100 meeting creates+updates per UTC day is used up."""


@dataclass(frozen=True, slots=True)
class ZoomResponse:
    status: int
    body: Any
    tracking_id: str | None
    headers: Mapping[str, str]


def error_from_response(response: httpx.Response, *, resource_id: str = "") -> ZoomApiError:
    """Parse Zoom's ``{code, message[, errors]}`` (or OAuth's ``{error, reason}``) body."""
    tracking = response.headers.get("x-zm-trackingid")
    code: int | None = None
    message = response.reason_phrase or ""
    fields: list[tuple[str, str]] = []
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw_code = body.get("code")
        if isinstance(raw_code, int):
            code = raw_code
        elif isinstance(raw_code, str) and raw_code.isdigit():
            code = int(raw_code)
        message = str(body.get("message") or body.get("reason") or body.get("error") or message)
        for item in body.get("errors") or []:
            if isinstance(item, dict):
                fields.append((str(item.get("field", "")), str(item.get("message", ""))))
    retry_at = parse_retry_after(response.headers.get("retry-after"), now=datetime.now(UTC))
    return ZoomApiError(
        status=response.status_code,
        code=code,
        message=message,
        tracking_id=tracking,
        field_errors=tuple(fields),
        retry_at=retry_at,
        rate_limit_type=response.headers.get("x-ratelimit-type"),
        resource_id=resource_id,
    )


class ZoomClient:
    """Calls Zoom for one gateway process; safe to share between tasks."""

    def __init__(
        self,
        *,
        api_base_url: str,
        http: httpx.AsyncClient,
        limiter: RateLimiter | None = None,
        request_timeout: float = 20.0,
        max_retries: int = 3,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 30.0,
    ) -> None:
        self._base = api_base_url.rstrip("/")
        self._http = http
        self._limiter = limiter
        self._timeout = request_timeout
        self._max_retries = max_retries
        self._breaker_threshold = breaker_threshold
        self._breaker_cooldown = breaker_cooldown
        self._breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, tenant: str) -> CircuitBreaker:
        found = self._breakers.get(tenant)
        if found is None:
            found = CircuitBreaker(
                threshold=self._breaker_threshold, cooldown=self._breaker_cooldown
            )
            self._breakers[tenant] = found
        return found

    async def request(
        self,
        method: str,
        path: str,
        *,
        tenant: str,
        auth: AccessTokenSource,
        category: Category,
        deadline: Deadline,
        template: str = "",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        resource_id: str = "",
        prepaid: bool = False,
    ) -> ZoomResponse:
        """Make one logical call (with the retries described in the module docstring).

        ``prepaid``: the caller took the first attempt's rate-limit token in a transaction of
        its own (CreateMeeting, with its idempotency claim); retries take theirs here.
        """
        if idempotent is None:
            idempotent = method.upper() != "POST"
        breaker = self.breaker(tenant)
        renewed = False
        qps_retries = 0
        attempt = 0
        label = f"{method} {template or path}"
        while True:
            attempt += 1
            if deadline.expired:
                raise DeadlineExceeded(f"deadline passed before {label} could be sent to Zoom")
            if not breaker.allow():
                raise Unavailable(
                    "Zoom is failing repeatedly; calls are paused (circuit open)",
                    retry_after=_td(breaker.retry_after()),
                    details={"upstream": "zoom", "circuit": "open", "tenant": tenant},
                )
            try:
                if self._limiter is not None and not (prepaid and attempt == 1):
                    await self._limiter.acquire(tenant, category, deadline)
                token = await auth.token(deadline)
            except BaseException:
                breaker.release()
                raise
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    method,
                    f"{self._base}{path}",
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=deadline.cap(self._timeout),
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                breaker.record_failure()
                log.warning(
                    "zoom call failed",
                    extra={"zoom_call": label, "error": type(exc).__name__, "attempt": attempt},
                )
                err_cls = ZoomApiError if idempotent else ZoomOutcomeUnknown
                err = err_cls(status=0, code=None, message=f"no answer ({type(exc).__name__})")
                if idempotent and await self._backoff(attempt, deadline):
                    continue
                raise err from None
            except asyncio.CancelledError:
                breaker.release()
                raise
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            tracking = response.headers.get("x-zm-trackingid")
            if response.is_success:
                breaker.record_success()
                log.debug(
                    "zoom call",
                    extra={
                        "zoom_call": label,
                        "status": response.status_code,
                        "zoom_tracking_id": tracking,
                        "elapsed_ms": elapsed_ms,
                    },
                )
                body = response.json() if response.content else None
                return ZoomResponse(response.status_code, body, tracking, response.headers)
            err = error_from_response(response, resource_id=resource_id)
            log.info(
                "zoom call answered an error",
                extra={
                    "zoom_call": label,
                    "status": err.status,
                    "zoom_code": err.code,
                    "zoom_tracking_id": tracking,
                    "elapsed_ms": elapsed_ms,
                },
            )
            if err.status >= 500:
                breaker.record_failure()
                if idempotent and await self._backoff(attempt, deadline):
                    continue
                raise err
            breaker.record_success()  # Zoom is up and answering; the answer is an error
            if err.status == 401 and err.code == 124 and not renewed:
                renewed = True
                await auth.invalidate(token)
                continue
            if err.status == 429:
                if is_host_daily_limit_message(err.message):
                    raise HostDailyLimitReached(**_fields(err))
                daily = (err.rate_limit_type or "").lower().startswith("daily") or (
                    is_daily_limit_message(err.message)
                )
                if daily:
                    if err.retry_at is not None and self._limiter is not None:
                        await self._limiter.park(tenant, category, err.retry_at)
                    raise err
                qps_retries += 1
                pause = 1.0
                if err.retry_at is not None:
                    pause = max(0.05, (err.retry_at - datetime.now(UTC)).total_seconds())
                pause += backoff_delay(1, base=0.25)
                if qps_retries <= MAX_QPS_RETRIES and pause < deadline.remaining():
                    await asyncio.sleep(pause)
                    continue
                raise err
            raise err

    async def _backoff(self, attempt: int, deadline: Deadline) -> bool:
        """Sleep before retry ``attempt``+1; False when out of attempts or of time."""
        if attempt > self._max_retries:
            return False
        delay = backoff_delay(attempt)
        if delay >= deadline.remaining():
            return False
        await asyncio.sleep(delay)
        return True


def _fields(err: ZoomApiError) -> dict[str, Any]:
    return {
        "status": err.status,
        "code": err.code,
        "message": err.message,
        "tracking_id": err.tracking_id,
        "field_errors": err.field_errors,
        "retry_at": err.retry_at,
        "rate_limit_type": err.rate_limit_type,
        "resource_id": err.resource_id,
    }


def _td(seconds: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=seconds)
