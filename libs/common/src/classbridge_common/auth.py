"""Who is calling: HS256 caller tokens, the ``Caller`` they stand for, and where it lives.

Two kinds of token, told apart by their audience and signed with different keys:

- **user tokens** (audience ``classbridge``, key ``AUTH_JWT_SECRET``): a person, with roles and
  a tenant (a token without a ``tenant`` claim belongs to the default tenant). The course
  platform signs them; the edge forwards them unchanged to the services it calls.
- **service tokens** (audience ``classbridge-internal``, key ``SERVICE_JWT_SECRET``): one
  Classbridge service calling another. Only services hold that key, so no person can obtain a
  service identity, and a user token that claims ``kind: service`` is refused.

Every gRPC server verifies the ``authorization`` metadata with :class:`TokenVerifier` and puts the
:class:`Caller` in a context variable, so a handler asks :func:`current_caller` instead of
threading it through every function. HS256 only (the algorithm list is pinned, so ``none`` or a
public-key confusion can never be accepted), with issuer, audience and a required expiry.
"""

from __future__ import annotations

import contextvars
import json
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, Protocol

import jwt

from classbridge_common.errors import ClassbridgeError, PermissionDenied, Unauthenticated, to_http

ADMIN: Final = "admin"
"""A tenant's administrator: manages everything of their own tenant."""
TEACHER: Final = "teacher"
STUDENT: Final = "student"
OPERATOR: Final = "operator"
"""A platform operator (support): spans tenants; every use is written to the audit log."""
SERVICE: Final = "service"
ROLES: Final = frozenset({ADMIN, TEACHER, STUDENT, OPERATOR, SERVICE})
USER_ROLES: Final = frozenset({ADMIN, TEACHER, STUDENT, OPERATOR})
DEFAULT_TENANT: Final = "default"
"""The tenant of a user token without a ``tenant`` claim, and of rows written before tenancy."""

CallerKind = Literal["user", "service"]

DEFAULT_ISSUER: Final = "classbridge"
DEFAULT_AUDIENCE: Final = "classbridge"
SERVICE_AUDIENCE: Final = "classbridge-internal"
ALGORITHM: Final = "HS256"
MIN_SECRET_BYTES: Final = 32
SECRET_ENV: Final = "AUTH_JWT_SECRET"  # noqa: S105 - a variable name, not a secret
SERVICE_SECRET_ENV: Final = "SERVICE_JWT_SECRET"  # noqa: S105 - a variable name
DEV_SECRET: Final = "classbridge-dev-only-jwt-secret-not-for-production"  # noqa: S105
"""Used only when ``CLASSBRIDGE_ENV=dev`` and no secret is set, so local services agree."""
DEV_SERVICE_SECRET: Final = "classbridge-dev-only-service-secret-not-for-production"  # noqa: S105
"""The development key of service tokens (``CLASSBRIDGE_ENV=dev`` only); distinct from
:data:`DEV_SECRET`, so a development user token never verifies as a service token."""


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller. ``token`` is the bearer token it came with (kept out of repr,
    so logging a caller never logs its token) and is what a service forwards downstream."""

    subject: str
    roles: frozenset[str] = frozenset()
    tenant: str | None = None
    kind: CallerKind = "user"
    token: str | None = field(default=None, repr=False, compare=False)

    @property
    def is_admin(self) -> bool:
        """A tenant administrator (of :attr:`tenant`)."""
        return ADMIN in self.roles

    @property
    def is_operator(self) -> bool:
        """A platform operator: reads and manages every tenant (audited)."""
        return self.kind == "user" and OPERATOR in self.roles

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def manages_tenant(self) -> bool:
        """Tenant admins, operators and services: manage everything of the tenant they act in
        (teachers and students are narrowed to what they teach and attend)."""
        return self.is_admin or self.is_operator or self.is_service

    @property
    def spans_tenants(self) -> bool:
        """Operators, and services not acting for one tenant, see every tenant's rows."""
        return self.is_operator or (self.is_service and self.tenant is None)

    def in_tenant(self, tenant: str) -> Caller:
        """This caller acting within ``tenant`` (a service told so by its caller)."""
        return Caller(
            subject=self.subject, roles=self.roles, tenant=tenant, kind=self.kind, token=self.token
        )

    def has_role(self, *roles: str) -> bool:
        """True when the caller has any of ``roles``."""
        return any(role in self.roles for role in roles)

    def require_role(self, *roles: str) -> None:
        """Raise :class:`PermissionDenied` unless the caller has one of ``roles`` (admins pass)."""
        if self.is_admin or self.has_role(*roles):
            return
        raise PermissionDenied(f"requires one of the roles: {', '.join(sorted(roles))}")


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "classbridge_caller", default=None
)


def current_caller() -> Caller:
    """The caller of the request being handled; :class:`Unauthenticated` outside one."""
    caller = _caller.get()
    if caller is None:
        raise Unauthenticated("no authenticated caller")
    return caller


def current_caller_or_none() -> Caller | None:
    """The caller of the request being handled, or ``None`` (background work, open methods)."""
    return _caller.get()


@contextmanager
def caller_scope(caller: Caller | None) -> Iterator[Caller | None]:
    """Make ``caller`` the current caller inside the block (interceptors, consumers, tests)."""
    token = _caller.set(caller)
    try:
        yield caller
    finally:
        _caller.reset(token)


def jwt_secret_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``AUTH_JWT_SECRET``; in ``CLASSBRIDGE_ENV=dev`` a fixed development secret if unset."""
    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV, "")
    if secret:
        return secret
    if env.get("CLASSBRIDGE_ENV", "") == "dev":
        return DEV_SECRET
    raise RuntimeError(f"{SECRET_ENV} is not set (it is required outside CLASSBRIDGE_ENV=dev)")


def service_secret_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``SERVICE_JWT_SECRET``; in ``CLASSBRIDGE_ENV=dev`` the development service key if unset."""
    env = os.environ if environ is None else environ
    secret = env.get(SERVICE_SECRET_ENV, "")
    if secret:
        return secret
    if env.get("CLASSBRIDGE_ENV", "") == "dev":
        return DEV_SERVICE_SECRET
    raise RuntimeError(
        f"{SERVICE_SECRET_ENV} is not set (it is required outside CLASSBRIDGE_ENV=dev)"
    )


def _check_secret(secret: str) -> None:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"{SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes")


def issue_token(
    *,
    subject: str,
    secret: str,
    roles: Iterable[str] = (),
    tenant: str | None = None,
    kind: CallerKind = "user",
    ttl: timedelta = timedelta(minutes=15),
    issuer: str = DEFAULT_ISSUER,
    audience: str | None = None,
    now: datetime | None = None,
) -> str:
    """Sign a caller token (the platform for its users, services for themselves, tests).

    ``audience`` defaults by ``kind``: ``classbridge`` for users, ``classbridge-internal`` for
    services (which must then be signed with the service key to verify).
    """
    _check_secret(secret)
    if audience is None:
        audience = SERVICE_AUDIENCE if kind == "service" else DEFAULT_AUDIENCE
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": sorted(set(roles)),
        "kind": kind,
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
        "jti": uuid.uuid4().hex,
    }
    if tenant is not None:
        claims["tenant"] = tenant
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class TokenVerifier:
    """Checks caller tokens: signature (HS256 only), issuer, audience, expiry (required).

    User tokens verify with ``secret``; service tokens (audience ``classbridge-internal``) only
    with ``service_secret``; without one, every service token is refused.

    A token that verified is remembered (up to ``cache_size`` of them) with the time window
    its claims allow (``iat``/``nbf`` to ``exp``, with the leeway): within that window the same
    token string - signature included, under this verifier's keys - gets the same caller without
    decoding and signing it again, which a request crossing the edge and two services would
    otherwise do three times. Outside the window it is checked in full again, so an expired
    token is refused exactly as before; tokens that failed are never remembered.
    """

    def __init__(
        self,
        secret: str,
        *,
        service_secret: str | None = None,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        leeway: timedelta = timedelta(seconds=10),
        cache_size: int = 4096,
    ) -> None:
        _check_secret(secret)
        if service_secret is not None:
            _check_secret(service_secret)
            if service_secret == secret:
                raise ValueError(f"{SERVICE_SECRET_ENV} must differ from {SECRET_ENV}")
        self._secret = secret
        self._service_secret = service_secret
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._cache_size = cache_size
        # token -> (caller, valid from, valid until), in POSIX seconds; oldest first
        self._verified: dict[str, tuple[Caller, float, float]] = {}

    def __repr__(self) -> str:
        return f"TokenVerifier(issuer={self._issuer!r}, audience={self._audience!r})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TokenVerifier:
        return cls(jwt_secret_from_env(environ), service_secret=service_secret_from_env(environ))

    def _decode(self, token: str, secret: str, audience: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid token: {type(exc).__name__}") from None
        return claims

    @staticmethod
    def _audience_of(token: str) -> object:
        try:
            return jwt.decode(token, options={"verify_signature": False}).get("aud")
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid token: {type(exc).__name__}") from None

    def verify(self, token: str) -> Caller:
        """The :class:`Caller` the token stands for, or :class:`Unauthenticated`.

        The error message says which check failed but never echoes the token.
        """
        known = self._verified.get(token)
        if known is not None:
            caller, valid_from, valid_until = known
            if valid_from <= time.time() < valid_until:
                return caller
            self._verified.pop(token, None)
        caller, claims = self._verify(token)
        self._remember(token, caller, claims)
        return caller

    def _remember(self, token: str, caller: Caller, claims: Mapping[str, Any]) -> None:
        """Keep a verified token for the window PyJWT's time checks accept it in."""
        if self._cache_size <= 0:
            return
        leeway = self._leeway.total_seconds()
        starts = [int(claims[name]) for name in ("iat", "nbf") if name in claims]
        valid_from = (max(starts) if starts else float("-inf")) - leeway
        valid_until = int(claims["exp"]) + leeway
        verified = self._verified
        while len(verified) >= self._cache_size:
            try:
                verified.pop(next(iter(verified)))
            except (StopIteration, KeyError, RuntimeError):  # emptied by another thread
                break
        verified[token] = (caller, valid_from, valid_until)

    def _verify(self, token: str) -> tuple[Caller, dict[str, Any]]:
        """Every check, in full: the caller and the verified claims."""
        service = self._audience_of(token) == SERVICE_AUDIENCE
        if service:
            if self._service_secret is None:
                raise Unauthenticated("invalid token: service tokens are not accepted here")
            claims = self._decode(token, self._service_secret, SERVICE_AUDIENCE)
        else:
            claims = self._decode(token, self._secret, self._audience)
        roles = claims.get("roles", [])
        kind = claims.get("kind", "user")
        tenant = claims.get("tenant")
        if (
            not isinstance(roles, list)
            or not all(isinstance(r, str) for r in roles)
            or kind != ("service" if service else "user")
            or not (tenant is None or (isinstance(tenant, str) and 0 < len(tenant) <= 64))
            or (not service and SERVICE in roles)
        ):
            raise Unauthenticated("invalid token: malformed claims")
        if not service and tenant is None:
            tenant = DEFAULT_TENANT
        caller = Caller(
            subject=str(claims["sub"]),
            roles=frozenset(roles),
            tenant=tenant,
            kind=kind,
            token=token,
        )
        return caller, claims

    def verify_authorization(self, header: str | None) -> Caller:
        """Verify an ``Authorization: Bearer <jwt>`` header value."""
        return self.verify(parse_bearer(header))


def parse_bearer(header: str | None) -> str:
    """The token of a ``Bearer`` authorization value, or :class:`Unauthenticated`."""
    if not header:
        raise Unauthenticated("missing bearer token")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization must be a bearer token")
    return token.strip()


class ServiceTokenIssuer:
    """A service's own token, re-signed only when the cached one is near expiry.

    Thread-safe and cheap to call on every outgoing request.
    """

    def __init__(
        self,
        service_name: str,
        *,
        secret: str,
        ttl: timedelta = timedelta(minutes=10),
        refresh_before: timedelta = timedelta(minutes=1),
        issuer: str = DEFAULT_ISSUER,
        audience: str = SERVICE_AUDIENCE,
    ) -> None:
        _check_secret(secret)
        if refresh_before >= ttl:
            raise ValueError("refresh_before must be shorter than ttl")
        self.service_name = service_name
        self._secret = secret
        self._ttl = ttl
        self._refresh_before = refresh_before
        self._issuer = issuer
        self._audience = audience
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def __repr__(self) -> str:
        return f"ServiceTokenIssuer({self.service_name!r})"

    def token(self) -> str:
        with self._lock:
            now = time.monotonic()
            if self._token is None or now >= self._refresh_at:
                self._token = issue_token(
                    subject=self.service_name,
                    secret=self._secret,
                    roles=[SERVICE],
                    kind="service",
                    ttl=self._ttl,
                    issuer=self._issuer,
                    audience=self._audience,
                )
                self._refresh_at = now + (self._ttl - self._refresh_before).total_seconds()
            return self._token


_service_issuers: dict[tuple[str, str, timedelta], ServiceTokenIssuer] = {}
_service_issuers_lock = threading.Lock()


def issue_service_token(
    service_name: str, secret: str, ttl: timedelta = timedelta(minutes=10)
) -> str:
    """A service token for ``service_name``, cached per process until near its expiry."""
    key = (service_name, secret, ttl)
    with _service_issuers_lock:
        issuer = _service_issuers.get(key)
        if issuer is None:
            refresh_before = min(ttl / 10, timedelta(minutes=1))
            issuer = ServiceTokenIssuer(
                service_name, secret=secret, ttl=ttl, refresh_before=refresh_before
            )
            _service_issuers[key] = issuer
    return issuer.token()


# --- HTTP (Starlette / ASGI) -------------------------------------------------------------------


class _HasHeaders(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...


def authenticate(request: _HasHeaders, *, verifier: TokenVerifier) -> Caller:
    """The caller of an HTTP request (a Starlette ``Request``), or :class:`Unauthenticated`."""
    return verifier.verify_authorization(request.headers.get("authorization"))


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BearerAuthMiddleware:
    """ASGI middleware: authenticate every HTTP request except ``open_paths``.

    The caller goes into ``scope["state"]["caller"]`` (``request.state.caller``) and the caller
    context variable for the request's duration; a failure answers 401 JSON at once, with the
    body from :func:`classbridge_common.errors.to_http`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        verifier: TokenVerifier,
        open_paths: Iterable[str] = ("/healthz", "/readyz"),
        open_prefixes: Iterable[str] = (),
    ) -> None:
        self.app = app
        self._verifier = verifier
        self._open_paths = frozenset(open_paths)
        self._open_prefixes = tuple(open_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path in self._open_paths or path.startswith(self._open_prefixes):
            await self.app(scope, receive, send)
            return
        header: str | None = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        try:
            caller = self._verifier.verify_authorization(header)
        except ClassbridgeError as exc:
            await _send_error(send, exc)
            return
        scope.setdefault("state", {})["caller"] = caller
        with caller_scope(caller):
            await self.app(scope, receive, send)


async def _send_error(send: Send, exc: ClassbridgeError) -> None:
    answer = to_http(exc)
    body = json.dumps(answer.body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b"Bearer"),
        *((k.lower().encode(), v.encode()) for k, v in answer.headers.items()),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = [
    "ADMIN",
    "DEFAULT_TENANT",
    "DEV_SERVICE_SECRET",
    "OPERATOR",
    "ROLES",
    "SERVICE",
    "SERVICE_AUDIENCE",
    "STUDENT",
    "TEACHER",
    "USER_ROLES",
    "BearerAuthMiddleware",
    "Caller",
    "ServiceTokenIssuer",
    "TokenVerifier",
    "authenticate",
    "caller_scope",
    "current_caller",
    "current_caller_or_none",
    "issue_service_token",
    "issue_token",
    "jwt_secret_from_env",
    "parse_bearer",
    "service_secret_from_env",
]
