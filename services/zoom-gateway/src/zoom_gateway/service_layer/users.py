"""GetStatus and GetUser: is Zoom configured, do the credentials work, who are they."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from classbridge_common.errors import ClassbridgeError
from zoom_gateway.adapters.token_provider import NOT_CONFIGURED_VARIABLES
from zoom_gateway.adapters.user_tokens import needs_reauthorization
from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import Category
from zoom_gateway.domain.uuids import encode_path_segment
from zoom_gateway.service_layer.accounts import AccountRef, Accounts, Actor
from zoom_gateway.service_layer.calls import zoom_call


@dataclass
class Status:
    configured: bool
    credentials_valid: bool
    user_oauth: bool
    tenant_id: str
    message: str
    check_time: datetime
    user: dict[str, Any] = field(default_factory=dict)
    cloud_recording_available: bool = False
    scopes: tuple[str, ...] | None = None  # per-user connections: the grant (for capabilities)
    missing_scopes: tuple[str, ...] = ()  # per-user connections: what Zoom said the grant lacks


async def get_user(zoom: ZoomClient, actor: Actor, user: str, deadline: Deadline) -> dict[str, Any]:
    response = await zoom_call(
        zoom,
        actor,
        "GET",
        f"/users/{encode_path_segment(user or 'me')}",
        template="/users/{user}",
        category=Category.LIGHT,
        deadline=deadline,
        operation="read_user",
        resource_id=user or "me",
    )
    return dict(response.body or {})


async def get_status(
    *, zoom: ZoomClient, accounts: Accounts, ref: AccountRef, validate: bool, deadline: Deadline
) -> Status:
    """Never raises for "not configured" or "Zoom down": the answer says so (graceful fallback)."""
    now = datetime.now(UTC)
    tenant_id = ref.tenant_id or "default"
    try:
        actor = await accounts.resolve(ref)
    except ClassbridgeError as exc:
        if not ref.oauth_user_id:
            with contextlib.suppress(ClassbridgeError):
                tenant_id = accounts.tenant(ref.tenant_id).id
        message = exc.message
        if not ref.oauth_user_id and "not configured" in message:
            message = f"Zoom credentials not configured: set {', '.join(NOT_CONFIGURED_VARIABLES)}"
        return Status(False, False, bool(ref.oauth_user_id), tenant_id, message, now)
    status = Status(
        configured=True,
        credentials_valid=False,
        user_oauth=actor.is_user,
        tenant_id=actor.tenant.id,
        message="Zoom credentials configured (not checked)",
        check_time=now,
        scopes=actor.scopes if actor.is_user else None,
        missing_scopes=actor.missing_scopes,
    )
    if actor.missing_scopes:
        # usable for what the grant allows, but the user must reconnect for the rest
        status.message = needs_reauthorization(actor.oauth_user_id, actor.missing_scopes).message
    if not validate:
        return status
    try:
        user = await get_user(zoom, actor, "me", deadline)
    except ClassbridgeError as exc:
        status.message = f"Zoom credentials could not be verified: {exc.message}"
        return status
    status.credentials_valid = True
    status.user = user
    status.cloud_recording_available = int(user.get("type") or 0) == 2
    if not actor.missing_scopes:
        status.message = "Zoom credentials are valid"
    return status
