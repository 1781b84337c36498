"""CORS for the schools' browser front ends, with allowed origins per tenant.

``CORS_ORIGINS`` maps each allowed origin to the tenants whose front end it is::

    CORS_ORIGINS="https://app.school-a.edu=default,https://lms.acme.org=acme"

An origin may appear several times (a front end shared by several tenants), and ``*`` as the
tenant means "any tenant" (the platform's own console, used by operators). Tenant records carry
no origins, so this setting is the only source.

The protocol is Starlette's ``CORSMiddleware``; only the question "is this origin allowed?"
changes with the request:

- a **preflight** (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) carries
  no token, so it is allowed when the origin is configured for any tenant at all;
- an **actual request** gets ``Access-Control-Allow-Origin`` only when the origin is configured
  for the tenant of the caller's (verified) token — a school's front end cannot read another
  school's answers in a browser, even with a token of that school. A request without a valid
  token is answered like anyone's (its answer is a 401, or public) and may be read.

Credentials are bearer tokens in ``Authorization``, never cookies: credentials are not allowed
(``Access-Control-Allow-Credentials`` is never sent). The headers a client needs to read are
exposed: ``Retry-After``, the rate-limit headers, ``WWW-Authenticate``. Every answer says
``Vary: Origin``, since whether it carries the allowance depends on it. With no origin
configured, the layer passes everything through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware

from classbridge_common.auth import ASGIApp, Receive, Scope, Send, TokenVerifier
from classbridge_common.auth import Message as ASGIMessage
from edge.identity import identified
from edge.rate_limits import HEADERS as RATE_LIMIT_HEADERS

ANY_TENANT = "*"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# What front ends send beyond the safelisted headers.
REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID")
EXPOSED_HEADERS = ("Retry-After", *RATE_LIMIT_HEADERS, "WWW-Authenticate")

_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(?::\d{1,5})?$")
_TENANT = re.compile(r"^(?:\*|[a-z0-9][a-z0-9_-]{0,63})$")


@dataclass(frozen=True)
class TenantOrigins:
    """Which tenants' front ends each allowed origin serves."""

    tenants: Mapping[str, frozenset[str]]

    @classmethod
    def parse(cls, text: str | None) -> TenantOrigins:
        """``origin=tenant`` pairs separated by commas; ``ValueError`` names a bad one."""
        found: dict[str, set[str]] = {}
        for entry in (part.strip() for part in (text or "").split(",")):
            if not entry:
                continue
            origin, equals, tenant = (p.strip() for p in entry.rpartition("="))
            origin = origin.lower().rstrip("/")
            if not equals or not _ORIGIN.match(origin) or not _TENANT.match(tenant):
                raise ValueError(
                    f"{entry!r} is not origin=tenant (an origin is scheme://host[:port], a "
                    "tenant an id or *)"
                )
            found.setdefault(origin, set()).add(tenant)
        return cls({origin: frozenset(tenants) for origin, tenants in found.items()})

    def __bool__(self) -> bool:
        return bool(self.tenants)

    def known(self, origin: str) -> bool:
        """Is ``origin`` the front end of some tenant (what a preflight can know)?"""
        return origin.lower() in self.tenants

    def serves(self, origin: str, tenant: str | None) -> bool:
        """May ``origin`` read an answer given to a caller of ``tenant`` (None: no caller)?"""
        tenants = self.tenants.get(origin.lower())
        if tenants is None:
            return False
        return tenant is None or ANY_TENANT in tenants or tenant in tenants


class TenantCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with the allowed origins of :class:`TenantOrigins`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        origins: TenantOrigins,
        verifier: TokenVerifier,
        max_age: int = 600,
        expose_headers: Iterable[str] = EXPOSED_HEADERS,
    ) -> None:
        super().__init__(
            app,
            allow_origins=sorted(origins.tenants),
            allow_methods=METHODS,
            allow_headers=REQUEST_HEADERS,
            allow_credentials=False,
            expose_headers=tuple(expose_headers),
            max_age=max_age,
        )
        self.origins = origins
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.origins:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def is_allowed_origin(self, origin: str) -> bool:
        """The preflight's question: configured for some tenant."""
        return self.origins.known(origin)

    async def simple_response(
        self, scope: Scope, receive: Receive, send: Send, request_headers: Headers
    ) -> None:
        origin = request_headers.get("origin")

        async def send_allowing(message: ASGIMessage) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if origin is not None and self._readable(scope, origin):
                    headers.update(self.simple_headers)
                    headers["Access-Control-Allow-Origin"] = origin
                headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_allowing)

    def _readable(self, scope: Scope, origin: str) -> bool:
        caller = identified(scope, self.verifier)
        return self.origins.serves(origin, caller.tenant if caller else None)


__all__ = ["EXPOSED_HEADERS", "TenantCORSMiddleware", "TenantOrigins"]
