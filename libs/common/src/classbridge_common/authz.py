"""Who may call which gRPC method: one declared rule per method, enforced by one interceptor.

Every service writes its table next to its gRPC entry point::

    POLICY = Policy.of(
        scheduler_pb2.DESCRIPTOR.services_by_name["SchedulerService"],
        {
            "CreateCourse": allow(ADMIN, TEACHER, scope="tenant"),
            "GetSession": allow(ADMIN, TEACHER, STUDENT, scope="resource"),
            ...
        },
    )

:meth:`Policy.of` refuses a table that misses a method of the service or names one it does not
have, so a method added to a ``.proto`` without a rule fails at import, in every test.

A rule answers the first question — may this *kind* of caller use the method at all — before the
handler runs: user roles, service identities (the ``sub`` of a service token), and a scope that
says how far the handler narrows it:

- ``platform``: not tied to a tenant (services only, or operators);
- ``tenant``: anything of the caller's own tenant (repositories filter by it);
- ``resource``: only the courses, batches and sessions the caller teaches or attends (the
  handler checks the resource);
- ``own``: only the caller's own things (their Zoom connection, their recordings).

Operators may do whatever a tenant admin may, in any tenant; each such call is written to the
``classbridge.audit`` log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from classbridge_common.auth import ADMIN, OPERATOR, USER_ROLES, Caller
from classbridge_common.errors import PermissionDenied

Scope = Literal["platform", "tenant", "resource", "own"]
SCOPES: frozenset[str] = frozenset({"platform", "tenant", "resource", "own"})

SERVICES: frozenset[str] = frozenset(
    {"scheduler", "zoom-gateway", "recording-sync", "webhook-ingest"}
)
"""The service identities a service token may carry (its subject)."""


def roles_admit(allowed: frozenset[str], held: Iterable[str]) -> bool:
    """Do a person's ``held`` roles pass a rule naming ``allowed``? Operators pass wherever a
    tenant admin does (the edge's route declarations use the same test)."""
    roles = set(held)
    if OPERATOR in roles and (OPERATOR in allowed or ADMIN in allowed):
        return True
    return bool(roles & allowed)


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may call one method: user ``roles``, service identities, and how far it reaches."""

    roles: frozenset[str]
    services: frozenset[str]
    scope: Scope

    def allows(self, caller: Caller) -> bool:
        """May ``caller`` use the method at all (the handler may still narrow it)?"""
        if caller.is_service:
            return caller.subject in self.services
        return roles_admit(self.roles, caller.roles)

    def describe(self) -> str:
        who = [*sorted(self.roles), *(f"service:{s}" for s in sorted(self.services))]
        return f"{', '.join(who) or 'nobody'} ({self.scope})"


def allow(*roles: str, services: Iterable[str] = (), scope: Scope = "tenant") -> Rule:
    """A rule for user ``roles`` and the named services."""
    unknown_roles = set(roles) - USER_ROLES
    if unknown_roles:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown_roles))}")
    named = frozenset(services)
    unknown_services = named - SERVICES
    if unknown_services:
        raise ValueError(f"unknown services: {', '.join(sorted(unknown_services))}")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return Rule(roles=frozenset(roles), services=named, scope=scope)


def services_only(*services: str) -> Rule:
    """A method no person may call: only these Classbridge services."""
    return allow(services=services, scope="platform")


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules of one gRPC service, keyed by method name."""

    service: str
    rules: Mapping[str, Rule]

    @classmethod
    def of(cls, descriptor: Any, rules: Mapping[str, Rule]) -> Policy:
        """The policy of ``descriptor`` (a protobuf ``ServiceDescriptor``), complete or refused."""
        methods = {m.name for m in descriptor.methods}
        missing = sorted(methods - set(rules))
        extra = sorted(set(rules) - methods)
        if missing or extra:
            raise ValueError(
                f"access rules of {descriptor.full_name} do not match its methods: "
                f"missing {missing}, unknown {extra}"
            )
        return cls(service=descriptor.full_name, rules=dict(rules))

    def rule(self, method: str) -> Rule | None:
        """The rule of ``method`` (``Name`` or ``/pkg.Service/Name``)."""
        return self.rules.get(method.rsplit("/", 1)[-1])

    def check(self, caller: Caller, method: str) -> Rule:
        """The method's rule, or :class:`PermissionDenied` when ``caller`` may not use it."""
        rule = self.rule(method)
        if rule is None:
            raise PermissionDenied(f"{method} has no access rule")
        if not rule.allows(caller):
            who = f"service {caller.subject}" if caller.is_service else "the caller's roles"
            raise PermissionDenied(f"{who} may not call {method.rsplit('/', 1)[-1]}")
        return rule


__all__ = [
    "SCOPES",
    "SERVICES",
    "Policy",
    "Rule",
    "Scope",
    "allow",
    "roles_admit",
    "services_only",
]
