"""What Zoom's error answers mean for our callers: one table from (HTTP status, Zoom code) to
Classbridge's exception tree, so gRPC callers see NOT_FOUND / INVALID_ARGUMENT / … instead of
Zoom's numbers. Zoom's ``x-zm-trackingid`` is kept in every error's details (support asks for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from classbridge_common.errors import (
    ClassbridgeError,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PreconditionViolation,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    UpstreamError,
)
from zoom_gateway.domain.alternative_hosts import FIELD as ALTERNATIVE_HOSTS_FIELD
from zoom_gateway.domain.alternative_hosts import says_refused as says_alternative_host_refused
from zoom_gateway.domain.registrants import says_registrant_limit, says_registration_off

NOT_FOUND_CODES = {1001: "zoom_user", 3001: "meeting", 3301: "recording", 3322: "transcript"}
PRECONDITION_CODES = {
    200: "ZOOM_PLAN",
    3002: "MEETING_IN_PROGRESS",
    3003: "NOT_MEETING_HOST",
    3007: "MEETING_ENDED",
    3018: "PMI_NOT_DELETABLE",
    3161: "USER_CANNOT_HOST",
    3038: "MEETING_ENDED",  # "Meeting is over, you can not register now."
    3303: "RECORDING_PROCESSING",
    12702: "MEETING_TOO_OLD",
}
INVALID_ARGUMENT_CODES = {300, 3000, 1010, 1120}
# Zoom's OAuth codes (4700 token invalid or scopes missing, 4711 scopes do not match, 4717 app
# disabled, …): the credentials are not *authorized* for the call. Renewing the same grant does
# not change that, so these are never retried; a person must act (reconnect, add a scope).
AUTHORIZATION_CODES = range(4700, 4800)


@dataclass(eq=False)
class ZoomApiError(Exception):
    """Zoom answered with an error (or could not be reached: ``status`` 0)."""

    status: int
    code: int | None
    message: str
    tracking_id: str | None = None
    field_errors: tuple[tuple[str, str], ...] = ()
    retry_at: datetime | None = None
    rate_limit_type: str | None = None
    resource_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"Zoom {self.status}/{self.code}: {self.message}"

    @property
    def is_transient(self) -> bool:
        """5xx and transport failures: Zoom may answer differently if asked again."""
        return self.status == 0 or self.status >= 500


def is_authorization_refusal(err: ZoomApiError) -> bool:
    """Zoom refused the credentials' authorization for this call (a 47xx code, whatever the
    HTTP status: 401 as documented, 400 as some apps see it)."""
    return err.code is not None and err.code in AUTHORIZATION_CODES


def upstream_details(err: ZoomApiError) -> dict[str, str]:
    """What every translated error carries about Zoom's answer (status, code, tracking id)."""
    details = {"upstream": "zoom", "upstream_status": str(err.status)}
    if err.code is not None:
        details["upstream_code"] = str(err.code)
    if err.tracking_id:
        details["upstream_tracking_id"] = err.tracking_id
    details.update(err.extra)
    return details


def to_classbridge_error(
    err: ZoomApiError, *, retry_after: timedelta | None = None
) -> ClassbridgeError:
    """The Classbridge exception for a Zoom error (the one translation point)."""
    details = upstream_details(err)
    message = f"Zoom: {err.message}" if err.message else f"Zoom answered {err.status}"
    code = err.code
    if err.status == 429 or code == 429:
        return ResourceExhausted(
            message, retry_at=err.retry_at, retry_after=retry_after, details=details
        )
    if says_registration_off(err.message):
        # before NOT_FOUND: Zoom says it with code 404, and HTTP 404 from batch_registrants
        return FailedPrecondition(
            f"{message} (the meeting takes no registrations: set approval_type 0)",
            violations=[
                PreconditionViolation(
                    type="REGISTRATION_DISABLED", subject="meeting", description=err.message
                )
            ],
            details=details,
        )
    if err.status in (400, 404) and says_registrant_limit(code, err.message):
        return ResourceExhausted(
            f"{message} (no more registrants fit in this meeting; remove some first)",
            details={**details, "limit": "registrants"},
        )
    if code in NOT_FOUND_CODES or err.status == 404:
        return NotFound(
            message,
            resource_type=NOT_FOUND_CODES.get(code or 0, "zoom_resource"),
            resource_id=err.resource_id,
            details=details,
        )
    if code in PRECONDITION_CODES:
        return FailedPrecondition(
            message,
            violations=[
                PreconditionViolation(
                    type=PRECONDITION_CODES[code], subject="zoom", description=err.message
                )
            ],
            details=details,
        )
    if err.status == 400 and says_alternative_host_refused(err.status, code, err.message):
        return InvalidArgument(
            f"{message} (alternative hosts must be licensed users of the host's Zoom account)",
            violations=[FieldViolation(field=ALTERNATIVE_HOSTS_FIELD, description=err.message)],
            details=details,
        )
    if code in INVALID_ARGUMENT_CODES or (err.status == 400 and code is None):
        return InvalidArgument(
            message,
            violations=[FieldViolation(field=f, description=d) for f, d in err.field_errors],
            details=details,
        )
    if is_authorization_refusal(err):
        # Without knowing whose credentials these were (see service_layer/refusals.py, which
        # does): still a state a person must fix, not a caller's bad token.
        return FailedPrecondition(
            f"{message} (the Zoom credentials lack the authorization for this call)",
            violations=[
                PreconditionViolation(
                    type="ZOOM_AUTHORIZATION_MISSING", subject="zoom", description=err.message
                )
            ],
            details=details,
        )
    if err.status == 401 or code == 124:
        return Unauthenticated(message, details=details)
    if err.status == 403:
        return PermissionDenied(message, details=details)
    if err.is_transient:
        return UpstreamError(
            message,
            upstream="zoom",
            status=err.status or None,
            code=str(code) if code is not None else None,
            tracking_id=err.tracking_id,
            retry_after=retry_after,
            details={k: v for k, v in details.items() if not k.startswith("upstream")},
        )
    if err.status == 400:
        return InvalidArgument(
            message,
            violations=[FieldViolation(field=f, description=d) for f, d in err.field_errors],
            details=details,
        )
    return Unavailable(message, details=details)
