"""What a caller is told when Zoom refuses the credentials' authorization (a 47xx code).

Zoom's 401 code 4711 "Invalid access token, does not contain scopes:[…]" (and its other 47xx
codes) looks like a bad token but is not one: renewing the token changes nothing, and a person
has to act. Who depends on whose credentials they were:

* a user's OAuth connection → the user must reconnect Zoom (authorize the app again) to grant
  the scopes Zoom listed; the connection is marked for reauthorization by the token source
  (:meth:`~zoom_gateway.adapters.user_tokens.UserTokens.refused`), so ``GetConnection`` and
  ``GetStatus`` say so too;
* a tenant's server-to-server app → an admin must add the scope to the app in Zoom's App
  Marketplace (the next token carries it).

Both answer FAILED_PRECONDITION naming the scopes — never UNAUTHENTICATED (the caller's own
credentials are fine) and never an internal error.
"""

from __future__ import annotations

from classbridge_common.errors import FailedPrecondition, PreconditionViolation
from zoom_gateway.adapters.user_tokens import needs_reauthorization
from zoom_gateway.domain.scopes import named_in
from zoom_gateway.domain.zoom_errors import ZoomApiError, upstream_details
from zoom_gateway.service_layer.accounts import Actor


def authorization_refused(actor: Actor, err: ZoomApiError) -> FailedPrecondition:
    """The error for Zoom's 47xx answer to a call made as ``actor``."""
    missing = named_in(err.message)
    details = upstream_details(err)
    if actor.is_user:
        return needs_reauthorization(actor.oauth_user_id, missing, details=details)
    return app_not_authorized(actor.tenant.id, missing, err, details)


def app_not_authorized(
    tenant_id: str, missing: tuple[str, ...], err: ZoomApiError, details: dict[str, str]
) -> FailedPrecondition:
    """The tenant's server-to-server app lacks a scope (or, naming none, may be disabled)."""
    if missing:
        wanted = " or ".join(repr(s) for s in missing)
        details["missing_scopes"] = " ".join(missing)
        return FailedPrecondition(
            f"Zoom refused the call: the server-to-server app of tenant {tenant_id!r} lacks the "
            f"scope {wanted}; add it to the app in the Zoom App Marketplace (the next call "
            "uses a token with the app's new scopes)",
            violations=[
                PreconditionViolation("ZOOM_APP_SCOPE_MISSING", tenant_id, f"add scope {wanted}")
            ],
            details=details,
        )
    return FailedPrecondition(
        f"Zoom refused the server-to-server app of tenant {tenant_id!r} ({err.code}: "
        f"{err.message}): the app may be deactivated or lack a scope for this call; check it "
        "in the Zoom App Marketplace",
        violations=[
            PreconditionViolation("ZOOM_APP_NOT_AUTHORIZED", tenant_id, f"Zoom code {err.code}")
        ],
        details=details,
    )
