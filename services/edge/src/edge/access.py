"""Who may call each HTTP route: declared beside the route, checked before its handler runs.

Every route of the edge is built with ``edge.routing.route``, which records an :class:`Access`
on it (:func:`declare`):
the user roles that may call it at all and how far the services behind it narrow the answer
(``scope``, as in :mod:`classbridge_common.authz`). A caller whose roles the route does not
admit gets 403 before any service is called; the services then apply the same rules again
(tenant, the courses a teacher teaches, the batches a student attends), so the edge is never
the only door. ``create_app`` refuses a route without a declaration, and the authorization
matrix test is generated from these declarations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.routing import BaseRoute

from classbridge_common.auth import ADMIN, STUDENT, TEACHER, USER_ROLES
from classbridge_common.authz import roles_admit
from classbridge_common.errors import PermissionDenied
from edge import deps

Scope = Literal["public", "platform", "tenant", "resource", "own"]

SCOPES: dict[Scope, str] = {
    "public": "anyone, without a token",
    "platform": "platform operators, across tenants",
    "tenant": "the caller's own tenant",
    "resource": (
        "the caller's own tenant, and within it the courses a teacher teaches and the batches "
        "a student attends"
    ),
    "own": "the caller's own account",
}
"""What each scope reaches, in the words of the API reference."""

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


def declare(path: str, *, allow: Iterable[str], scope: Scope) -> Access:
    """The declaration of ``path``'s route, refused at start-up when it is inconsistent."""
    roles = frozenset(allow)
    unknown = roles - USER_ROLES
    if unknown:
        raise ValueError(f"unknown roles for {path}: {', '.join(sorted(unknown))}")
    if scope == "public" and roles:
        raise ValueError(f"{path}: a public route names no roles")
    return Access(roles=roles, scope=scope)


def admit(access: Access, request: Request) -> None:
    """Refuse (403) a caller whose roles ``access`` does not admit, before anything else."""
    if access.scope != "public" and not access.admits(deps.caller(request).roles):
        raise PermissionDenied(f"requires one of the roles: {', '.join(sorted(access.roles))}")


def access_of(candidate: BaseRoute) -> Access | None:
    """The declaration of a route built with :func:`route` (None for anything else)."""
    found = getattr(candidate, "access", None)
    return found if isinstance(found, Access) else None


def check_declared(routes: Iterable[BaseRoute]) -> None:
    """Refuse an app with a route that declares no access (at start-up, in every test)."""
    missing = [getattr(r, "path", repr(r)) for r in routes if access_of(r) is None]
    if missing:
        raise RuntimeError(f"routes without an access declaration: {', '.join(missing)}")


__all__ = ["EVERYONE", "STAFF", "Access", "access_of", "admit", "check_declared", "declare"]
