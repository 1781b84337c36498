"""What the access rules cannot see: whose account, user and tenant a request names.

The interceptor (``entrypoints/access_rules.py``) has already decided that this *kind* of caller
may use the method; these checks narrow it to the caller's own things before any credential is
used. ``caller=None`` means authentication is off (tests, local tools): nothing is narrowed.
Services act for any user and tenant.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging

from classbridge_common.auth import DEFAULT_TENANT, Caller
from classbridge_common.errors import NotFound, PermissionDenied
from zoom_gateway.service_layer.accounts import AccountRef

audit = logging.getLogger("classbridge.audit")


def _user(caller: Caller | None) -> Caller | None:
    """The caller when it is a person (the only kind narrowed here)."""
    return caller if caller is not None and not caller.is_service else None


def own_tenant(caller: Caller) -> str:
    return caller.tenant or DEFAULT_TENANT


def check_tenant(caller: Caller | None, tenant_id: str, *, strict: bool = False) -> str:
    """The tenant a request acts in: empty = a person's own; another tenant is refused
    (PERMISSION_DENIED) except for operators, whose crossing is written to the audit log.
    ``strict``: operators too stay in their own tenant (their own Zoom connection)."""
    user = _user(caller)
    if user is None:
        return tenant_id
    mine = own_tenant(user)
    if not tenant_id or tenant_id == mine:
        return mine
    if user.is_operator and not strict:
        audit.info(
            "operator acting in another tenant",
            extra={"operator": user.subject, "tenant": tenant_id, "own_tenant": mine},
        )
        return tenant_id
    raise PermissionDenied("the account names another tenant")


def check_account(caller: Caller | None, ref: AccountRef, *, own_only: bool = False) -> AccountRef:
    """The account a person may use: their tenant (S2S) or their own connection.

    ``own_only``: only the caller's own per-user connection (a person's "my recordings", the
    status of their connection); the tenant's server-to-server app is refused.
    """
    user = _user(caller)
    if user is None:
        return ref
    if ref.oauth_user_id:
        if ref.oauth_user_id != user.subject:
            raise PermissionDenied("a person may only use their own Zoom connection")
        return ref
    if own_only:
        raise PermissionDenied("a person may only use their own Zoom connection (oauth_user_id)")
    return dataclasses.replace(ref, tenant_id=check_tenant(user, ref.tenant_id))


def check_own_user(caller: Caller | None, user_id: str) -> str:
    """The user a per-user OAuth request is about: a person's own (empty = themselves)."""
    user = _user(caller)
    if user is None:
        return user_id
    if user_id and user_id != user.subject:
        raise PermissionDenied("a person may only manage their own Zoom connection")
    return user.subject


def check_connection_tenant(caller: Caller | None, tenant_id: str) -> None:
    """A person's connection must belong to their tenant (user ids are not tenant-unique)."""
    user = _user(caller)
    if user is not None and tenant_id != own_tenant(user):
        raise PermissionDenied("the Zoom connection belongs to another tenant")


def administered_tenant(caller: Caller | None, tenant_id: str) -> str:
    """The tenant a tenant-administration request is about. Empty: the caller's own. A tenant
    admin naming another tenant gets NOT_FOUND, so other tenants' existence is not revealed;
    operators reach every tenant (audited)."""
    user = _user(caller)
    if user is None:
        return tenant_id or DEFAULT_TENANT
    mine = own_tenant(user)
    if not tenant_id or tenant_id == mine:
        return mine
    if user.is_operator:
        audit.info(
            "operator administering a tenant",
            extra={"operator": user.subject, "tenant": tenant_id},
        )
        return tenant_id
    raise NotFound(resource_type="tenant", resource_id=tenant_id)


MAX_REQUEST_ID = 200
PERSON_REQUEST_PREFIX = "person:"
"""Where a person's create keys live, apart from the services' (the scheduler's session ids)."""


def check_meeting_account(caller: Caller | None, ref: AccountRef) -> AccountRef:
    """The account a meeting call uses. A person (a tenant admin, seed 004's meeting CRUD)
    acts only with their own tenant's server-to-server app: a per-user connection is refused,
    and so is another tenant (operators cross it, audited). Which meeting ids that account
    reaches is Zoom's to say: another tenant's meeting is not on it, so Zoom answers NOT_FOUND.
    """
    user = _user(caller)
    if user is None:
        return ref
    if ref.oauth_user_id:
        raise PermissionDenied("meetings are managed with the tenant's Zoom account")
    return dataclasses.replace(ref, tenant_id=check_tenant(user, ref.tenant_id))


def meeting_request_id(caller: Caller | None, request_id: str) -> str:
    """The idempotency key a create is stored under. A person's key is their own (prefixed
    with their id): it can neither replay nor collide with the scheduler's (a session id), nor
    with another person's. Services' keys are kept as sent. Empty stays empty (refused)."""
    user = _user(caller)
    if user is None or not request_id.strip():
        return request_id
    key = f"{PERSON_REQUEST_PREFIX}{user.subject}:{request_id}"
    if len(key) > MAX_REQUEST_ID:  # the column's width: a long subject is hashed, still unique
        key = PERSON_REQUEST_PREFIX + hashlib.sha256(key.encode()).hexdigest()
    return key


def is_person(caller: Caller | None) -> bool:
    """Whether the caller is a person (not a service, and authentication on)."""
    return _user(caller) is not None
