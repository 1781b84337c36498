"""Who may call each HTTP route: declared beside the route, checked before its handler runs.

Every route of the edge is built with :func:`route`, which records an :class:`Access` on it:
the user roles that may call it at all and how far the services behind it narrow the answer
(``scope``, as in :mod:`classbridge_common.authz`). A caller whose roles the route does not
admit gets 403 before any service is called; the services then apply the same rules again
(tenant, the courses a teacher teaches, the batches a student attends), so the edge is never
the only door. ``create_app`` refuses a route without a declaration, and the authorization
matrix test is generated from these declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from classbridge_common.auth import ADMIN, STUDENT, TEACHER, USER_ROLES
from classbridge_common.authz import roles_admit
from classbridge_common.errors import PermissionDenied
from edge import deps

Scope = Literal["public", "platform", "tenant", "resource", "own"]
Endpoint = Callable[[Request], Awaitable[Response]]

STAFF = (ADMIN, TEACHER)
EVERYONE = (ADMIN, TEACHER, STUDENT)


@dataclass(frozen=True, slots=True)
class Access:
    """The declaration of one route: which user roles, and the scope of what they reach."""

    roles: frozenset[str]
    scope: Scope

    def admits(self, roles: Iterable[str]) -> bool:
        """May a caller with ``roles`` call the route at all? Operators pass where admins do."""
        return roles_admit(self.roles, roles)


def route(
    path: str,
    endpoint: Endpoint,
    *,
    methods: Sequence[str],
    allow: Iterable[str],
    scope: Scope,
) -> Route:
    """A Starlette route whose handler first checks the caller's roles against ``allow``."""
    roles = frozenset(allow)
    unknown = roles - USER_ROLES
    if unknown:
        raise ValueError(f"unknown roles for {path}: {', '.join(sorted(unknown))}")
    if scope == "public" and roles:
        raise ValueError(f"{path}: a public route names no roles")
    access = Access(roles=roles, scope=scope)

    @wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if access.scope != "public" and not access.admits(deps.caller(request).roles):
            raise PermissionDenied(f"requires one of the roles: {', '.join(sorted(roles))}")
        return await endpoint(request)

    built = Route(path, guarded, methods=list(methods))
    built.access = access  # type: ignore[attr-defined]
    return built


def access_of(candidate: BaseRoute) -> Access | None:
    """The declaration of a route built with :func:`route` (None for anything else)."""
    found = getattr(candidate, "access", None)
    return found if isinstance(found, Access) else None


def check_declared(routes: Iterable[BaseRoute]) -> None:
    """Refuse an app with a route that declares no access (at start-up, in every test)."""
    missing = [getattr(r, "path", repr(r)) for r in routes if access_of(r) is None]
    if missing:
        raise RuntimeError(f"routes without an access declaration: {', '.join(missing)}")


__all__ = ["EVERYONE", "STAFF", "Access", "access_of", "check_declared", "route"]
