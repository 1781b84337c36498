"""One Zoom call on behalf of an actor, with Zoom's errors translated to ours (once, here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoom_gateway.adapters.zoom_client import ZoomClient, ZoomResponse
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import Category
from zoom_gateway.domain.zoom_errors import (
    ZoomApiError,
    is_authorization_refusal,
    to_classbridge_error,
)
from zoom_gateway.service_layer.accounts import Actor
from zoom_gateway.service_layer.refusals import authorization_refused


async def zoom_call(
    zoom: ZoomClient,
    actor: Actor,
    method: str,
    path: str,
    *,
    template: str,
    category: Category,
    deadline: Deadline,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    resource_id: str = "",
    raw_errors: tuple[type[ZoomApiError], ...] = (),
    operation: str = "",
    prepaid: bool = False,
) -> ZoomResponse:
    """Call Zoom; Zoom errors become Classbridge errors unless listed in ``raw_errors``.

    ``operation`` (see :mod:`zoom_gateway.domain.scopes`) lets a per-user call whose scope was
    not granted be refused here, before a rate-limit token and a round trip are spent on a 4700.
    ``prepaid`` says the caller already took this call's rate-limit token in its own transaction.
    A refusal of the credentials' authorization (47xx) is never raw: it always becomes the
    FAILED_PRECONDITION saying who must grant what (:mod:`zoom_gateway.service_layer.refusals`).
    """
    if operation:
        actor.require(operation)
    try:
        return await zoom.request(
            method,
            path,
            tenant=actor.tenant.id,
            auth=actor.auth,
            category=category,
            deadline=deadline,
            template=template,
            params=params,
            json=json,
            resource_id=resource_id,
            prepaid=prepaid,
        )
    except ZoomApiError as err:
        if is_authorization_refusal(err):
            raise authorization_refused(actor, err) from None
        if raw_errors and isinstance(err, raw_errors):
            raise
        raise to_classbridge_error(err) from None
