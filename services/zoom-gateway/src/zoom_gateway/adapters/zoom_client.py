"""The HTTP client for Zoom's REST API: the one place where requests to ``/v2`` are made.

Every call goes through the same steps: the tenant's circuit breaker, a token from the shared
rate-limit bucket of the endpoint's category, a bearer token from the credential source, the
request with a timeout no longer than the caller's deadline, and the interpretation of the answer:

* 401 code 124 → the credential source is told the token is bad, it is renewed once, the call
  repeated once;
* a 47xx code (4711 "does not contain scopes:[…]", 4700, …) → the credentials are not
  authorized for the call: the credential source is told (with the scopes Zoom listed) and the
  error raised at once — renewing the same grant would not change Zoom's answer, so it is never
  retried;
* 429 → ``Retry-After`` read (seconds or a date); a daily limit parks the category until then
  (for every replica, through the buckets in the database) and fails at once; a per-second
  limit is retried after a short pause (safe even for POST: Zoom refused the request); one
  person's limits (a host's 100 meeting writes, a registrant's 3 adds a day) fail at once and
  park nothing;
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from classbridge_common.errors import DeadlineExceeded, Unavailable
from classbridge_common.telemetry import app_metrics
from zoom_gateway.domain.breaker import CircuitBreaker
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import (
    Category,
    backoff_delay,
    is_daily_limit_message,
    is_host_daily_limit_message,
    is_registrant_daily_limit_message,
    next_utc_midnight,
    parse_retry_after,
)
from zoom_gateway.domain.scopes import named_in
from zoom_gateway.domain.zoom_errors import ZoomApiError, is_authorization_refusal

log = logging.getLogger("zoom_gateway.zoom")

MAX_QPS_RETRIES = 5


class AccessTokenSource(Protocol):
    """Where a call's bearer token comes from (a tenant's S2S app or one user's connection)."""

    async def token(self, deadline: Deadline) -> str: ...

    async def invalidate(self, token: str) -> None:
        """Zoom answered 124 for ``token`` (expired, revoked): renew it before the next use."""
        ...

    async def refused(self, token: str, missing_scopes: Sequence[str]) -> None:
        """Zoom refused ``token`` for lack of authorization (47xx), naming ``missing_scopes``
        when its message lists them; the call is not repeated."""
        ...


class RateLimiter(Protocol):
    async def acquire(self, tenant: str, category: Category, deadline: Deadline) -> None: ...

    async def park(self, tenant: str, category: Category, until: datetime) -> None: ...


class ZoomOutcomeUnknown(ZoomApiError):
    """A non-idempotent call was sent but no answer came back: Zoom may or may not have acted."""


class HostDailyLimitReached(ZoomApiError):
    """Zoom's per-host 100 meeting creates+updates per UTC day is used up."""


class RegistrantDailyLimitReached(ZoomApiError):
    """Zoom's 3 adds of one registrant to one meeting per UTC day are used up (that person
    only: nothing is parked)."""


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

        ``prepaid``: the caller took the first attempt's rate-limit token in a unit of work of
        its own (CreateMeeting, with its idempotency claim); retries take theirs here.
        """
        call = _Call(
            method=method,
            path=path,
            tenant=tenant,
            auth=auth,
            category=category,
            deadline=deadline,
            label=f"{method} {template or path}",
            params=params,
            json=json,
            idempotent=method.upper() != "POST" if idempotent is None else idempotent,
            resource_id=resource_id,
            prepaid=prepaid,
            breaker=self.breaker(tenant),
        )
        while True:
            call.attempt += 1
            _check_may_send(call)
            token = await self._take_turn(call)
            started = time.perf_counter()
            try:
                response = await self._send(call, token)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                app_metrics().zoom_api_call(category=str(call.category), status="no_answer")
                await self._retry_or_raise_no_answer(call, exc)
                continue
            app_metrics().zoom_api_call(
                category=str(call.category), status=str(response.status_code)
            )
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            if response.is_success:
                return _success(call, response, elapsed_ms)
            await self._retry_or_raise_error(call, token, response, elapsed_ms)

    async def _take_turn(self, call: _Call) -> str:
        """Wait for the category's rate-limit token (unless prepaid), then get a bearer token.

        The breaker admitted this attempt; it is given back if either wait fails.
        """
        try:
            if self._limiter is not None and not (call.prepaid and call.attempt == 1):
                await self._limiter.acquire(call.tenant, call.category, call.deadline)
            return await call.auth.token(call.deadline)
        except BaseException:
            call.breaker.release()
            raise

    async def _send(self, call: _Call, token: str) -> httpx.Response:
        """One HTTP request, with a timeout no longer than the caller's deadline."""
        try:
            return await self._http.request(
                call.method,
                f"{self._base}{call.path}",
                params=call.params,
                json=call.json,
                headers={"Authorization": f"Bearer {token}"},
                timeout=call.deadline.cap(self._timeout),
            )
        except asyncio.CancelledError:
            call.breaker.release()
            raise

    async def _retry_or_raise_no_answer(self, call: _Call, exc: httpx.TransportError) -> None:
        """Zoom did not answer: return after the backoff pause when the call may be repeated
        (idempotent, attempts and time left); raise otherwise."""
        call.breaker.record_failure()
        log.warning(
            "zoom call failed",
            extra={"zoom_call": call.label, "error": type(exc).__name__, "attempt": call.attempt},
        )
        err_cls = ZoomApiError if call.idempotent else ZoomOutcomeUnknown
        err = err_cls(status=0, code=None, message=f"no answer ({type(exc).__name__})")
        if call.idempotent and await self._backoff(call.attempt, call.deadline):
            return
        raise err from None

    async def _retry_or_raise_error(
        self, call: _Call, token: str, response: httpx.Response, elapsed_ms: float
    ) -> None:
        """Zoom answered an error: return when the call is to be repeated (after any pause or
        token renewal it needs); raise the error (a :class:`ZoomApiError`) otherwise."""
        err = error_from_response(response, resource_id=call.resource_id)
        log.info(
            "zoom call answered an error",
            extra={
                "zoom_call": call.label,
                "status": err.status,
                "zoom_code": err.code,
                "zoom_tracking_id": err.tracking_id,
                "elapsed_ms": elapsed_ms,
            },
        )
        if err.status >= 500:
            call.breaker.record_failure()
            if call.idempotent and await self._backoff(call.attempt, call.deadline):
                return
            raise err
        call.breaker.record_success()  # Zoom is up and answering; the answer is an error
        if is_authorization_refusal(err):
            await self._tell_refused(call, token, err)
            raise err
        if err.status == 401 and err.code == 124 and not call.renewed:
            call.renewed = True
            await call.auth.invalidate(token)
            return
        if err.status == 429:
            await self._retry_or_raise_rate_limited(call, err)
            return
        raise err

    async def _tell_refused(self, call: _Call, token: str, err: ZoomApiError) -> None:
        """Let the credential source record Zoom's refusal; a failure to record it is logged,
        never raised instead of Zoom's answer (which is what the caller must see)."""
        try:
            await call.auth.refused(token, named_in(err.message))
        except Exception:
            log.warning(
                "could not record zoom's authorization refusal",
                extra={"zoom_call": call.label, "zoom_code": err.code},
                exc_info=True,
            )

    async def _retry_or_raise_rate_limited(self, call: _Call, err: ZoomApiError) -> None:
        """A 429: a daily limit parks the category and raises at once; a per-second limit
        returns after the pause ``Retry-After`` asks for, while retries and time are left."""
        if is_host_daily_limit_message(err.message):
            raise HostDailyLimitReached(**_fields(err))
        if is_registrant_daily_limit_message(err.message):
            fields = _fields(err)
            fields["retry_at"] = err.retry_at or next_utc_midnight(datetime.now(UTC))
            raise RegistrantDailyLimitReached(**fields)
        if _is_daily_limit(err):
            if err.retry_at is not None and self._limiter is not None:
                await self._limiter.park(call.tenant, call.category, err.retry_at)
            raise err
        call.qps_retries += 1
        pause = _qps_pause(err)
        if call.qps_retries <= MAX_QPS_RETRIES and pause < call.deadline.remaining():
            await asyncio.sleep(pause)
            return
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


@dataclass(slots=True, kw_only=True)
class _Call:
    """One logical call to Zoom: what to send, and what its attempts so far have used up."""

    method: str
    path: str
    tenant: str
    auth: AccessTokenSource
    category: Category
    deadline: Deadline
    label: str  # method and path template: what the logs name the call by
    params: Mapping[str, Any] | None
    json: Any
    idempotent: bool
    resource_id: str
    prepaid: bool
    breaker: CircuitBreaker
    attempt: int = 0
    renewed: bool = False  # the token was renewed once after a 401 code 124
    qps_retries: int = 0


def _check_may_send(call: _Call) -> None:
    """Raise unless there is time left and the tenant's circuit lets the attempt through."""
    if call.deadline.expired:
        raise DeadlineExceeded(f"deadline passed before {call.label} could be sent to Zoom")
    if not call.breaker.allow():
        raise Unavailable(
            "Zoom is failing repeatedly; calls are paused (circuit open)",
            retry_after=_td(call.breaker.retry_after()),
            details={"upstream": "zoom", "circuit": "open", "tenant": call.tenant},
        )


def _success(call: _Call, response: httpx.Response, elapsed_ms: float) -> ZoomResponse:
    call.breaker.record_success()
    tracking = response.headers.get("x-zm-trackingid")
    log.debug(
        "zoom call",
        extra={
            "zoom_call": call.label,
            "status": response.status_code,
            "zoom_tracking_id": tracking,
            "elapsed_ms": elapsed_ms,
        },
    )
    body = response.json() if response.content else None
    return ZoomResponse(response.status_code, body, tracking, response.headers)


def _is_daily_limit(err: ZoomApiError) -> bool:
    return (err.rate_limit_type or "").lower().startswith("daily") or is_daily_limit_message(
        err.message
    )


def _qps_pause(err: ZoomApiError) -> float:
    """How long to wait after a per-second 429: ``Retry-After`` (at least 50 ms, 1 s when
    absent), plus a little jitter."""
    pause = 1.0
    if err.retry_at is not None:
        pause = max(0.05, (err.retry_at - datetime.now(UTC)).total_seconds())
    return pause + backoff_delay(1, base=0.25)


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
