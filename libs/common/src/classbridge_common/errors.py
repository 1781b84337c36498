"""The one exception tree of Classbridge, and its translation at the boundaries.

Handlers raise these; nothing below an entry point knows about gRPC or HTTP status codes. Each
class carries its gRPC code and HTTP status (the table lives here and only here), and the gRPC
boundary turns it into a ``google.rpc.Status`` with rich details (``BadRequest``, ``RetryInfo``,
``ErrorInfo``, ``PreconditionFailure``, ``ResourceInfo``) so that a client one hop away can rebuild
the same exception with :func:`from_grpc_error` — the edge can then answer 429 with
``Retry-After`` or 400 with field errors without guessing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message

# googleapis-common-protos ships .pyi stubs but no py.typed marker, and grpcio-status ships no
# types at all (types-grpcio-status is not a dependency yet), so mypy will not read them.
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status  # type: ignore[import-untyped]

DOMAIN = "classbridge"
"""``ErrorInfo.domain`` of errors raised by Classbridge services."""

GRPC_DETAILS_METADATA_KEY = "grpc-status-details-bin"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field of a request: ``field`` is a dotted path (``session.start_time``)."""

    field: str
    description: str


@dataclass(frozen=True, slots=True)
class PreconditionViolation:
    """One unmet precondition: ``type`` is a short code (``ZOOM_NOT_CONFIGURED``)."""

    type: str
    subject: str = ""
    description: str = ""


class ClassbridgeError(Exception):
    """Base of every error a Classbridge service raises on purpose.

    ``message`` is meant for the caller (it crosses the wire); ``details`` is a flat string map
    carried as ``ErrorInfo.metadata`` — never put secrets in either.
    """

    grpc_code: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL
    http_status: ClassVar[int] = 500
    reason: ClassVar[str] = "INTERNAL"
    expose_message: ClassVar[bool] = True

    def __init__(self, message: str, *, details: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, str] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    @property
    def public_message(self) -> str:
        """The message a caller may see (internal errors hide theirs)."""
        return self.message if self.expose_message else "internal error"

    def _rich_details(self) -> list[Message]:
        """Typed detail messages beyond ``ErrorInfo``; subclasses add theirs."""
        return []


class InvalidArgument(ClassbridgeError):
    """The request is malformed whatever the state of the system (bad field values)."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400
    reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        *,
        violations: Sequence[FieldViolation] = (),
        details: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.violations: tuple[FieldViolation, ...] = tuple(violations)

    def _rich_details(self) -> list[Message]:
        if not self.violations:
            return []
        return [
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in self.violations
                ]
            )
        ]


def invalid_field(field: str, description: str) -> InvalidArgument:
    """An INVALID_ARGUMENT naming one bad field (with a ``BadRequest`` field violation)."""
    return InvalidArgument(
        f"{field}: {description}", violations=[FieldViolation(field=field, description=description)]
    )


class _ResourceError(ClassbridgeError):
    """An error about one named resource (carried as ``ResourceInfo``)."""

    default_template: ClassVar[str] = "{type} {id!r}"

    def __init__(
        self,
        message: str | None = None,
        *,
        resource_type: str = "",
        resource_id: str = "",
        details: Mapping[str, str] | None = None,
    ) -> None:
        if message is None:
            message = self.default_template.format(type=resource_type or "resource", id=resource_id)
        super().__init__(message, details=details)
        self.resource_type = resource_type
        self.resource_id = resource_id

    def _rich_details(self) -> list[Message]:
        if not (self.resource_type or self.resource_id):
            return []
        return [
            error_details_pb2.ResourceInfo(
                resource_type=self.resource_type,
                resource_name=self.resource_id,
                description=self.message,
            )
        ]


class NotFound(_ResourceError):
    """The named resource does not exist (or the caller may not know it does)."""

    grpc_code = grpc.StatusCode.NOT_FOUND
    http_status = 404
    reason = "NOT_FOUND"
    default_template = "{type} {id!r} not found"


class AlreadyExists(_ResourceError):
    """Creating a resource that is already there."""

    grpc_code = grpc.StatusCode.ALREADY_EXISTS
    http_status = 409
    reason = "ALREADY_EXISTS"
    default_template = "{type} {id!r} already exists"


class PermissionDenied(ClassbridgeError):
    """The caller is known but may not do this."""

    grpc_code = grpc.StatusCode.PERMISSION_DENIED
    http_status = 403
    reason = "PERMISSION_DENIED"


class Unauthenticated(ClassbridgeError):
    """The caller could not be identified (no token, bad signature, expired)."""

    grpc_code = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401
    reason = "UNAUTHENTICATED"


class FailedPrecondition(ClassbridgeError):
    """The system is not in the state the operation needs (e.g. Zoom not configured)."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 400
    reason = "FAILED_PRECONDITION"

    def __init__(
        self,
        message: str,
        *,
        violations: Sequence[PreconditionViolation] = (),
        details: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.violations: tuple[PreconditionViolation, ...] = tuple(violations)

    def _rich_details(self) -> list[Message]:
        if not self.violations:
            return []
        return [
            error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type=v.type, subject=v.subject, description=v.description
                    )
                    for v in self.violations
                ]
            )
        ]


class _RetryableError(ClassbridgeError):
    """An error after which trying again later may work; carries ``RetryInfo``."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: timedelta | None = None,
        retry_at: datetime | None = None,
        details: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        if retry_at is not None and retry_at.tzinfo is None:
            raise ValueError("retry_at must be timezone-aware")
        self.retry_after = retry_after
        self.retry_at = retry_at

    def retry_delay(self, *, now: datetime | None = None) -> timedelta | None:
        """How long to wait before trying again (``retry_at`` wins; never negative)."""
        if self.retry_at is not None:
            delay = self.retry_at - (now or datetime.now(UTC))
            return max(delay, timedelta(0))
        return self.retry_after

    def _rich_details(self) -> list[Message]:
        delay = self.retry_delay()
        if delay is None:
            return []
        retry_delay = duration_pb2.Duration()
        retry_delay.FromTimedelta(delay)
        return [error_details_pb2.RetryInfo(retry_delay=retry_delay)]


class ResourceExhausted(_RetryableError):
    """A rate limit or quota is used up (Zoom's daily quota, our own limits)."""

    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 429
    reason = "RESOURCE_EXHAUSTED"


class Aborted(ClassbridgeError):
    """A concurrency conflict (optimistic lock, concurrent update): retry the whole operation."""

    grpc_code = grpc.StatusCode.ABORTED
    http_status = 409
    reason = "ABORTED"


Conflict = Aborted


class Unavailable(_RetryableError):
    """The service cannot answer now (starting, draining, a dependency is down)."""

    grpc_code = grpc.StatusCode.UNAVAILABLE
    http_status = 503
    reason = "UNAVAILABLE"


class DeadlineExceeded(ClassbridgeError):
    """The deadline passed before the work finished."""

    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED
    http_status = 504
    reason = "DEADLINE_EXCEEDED"


class Cancelled(ClassbridgeError):
    """The caller went away."""

    grpc_code = grpc.StatusCode.CANCELLED
    http_status = 499
    reason = "CANCELLED"


class Unimplemented(ClassbridgeError):
    """The method is not served here (an older server, or a feature switched off)."""

    grpc_code = grpc.StatusCode.UNIMPLEMENTED
    http_status = 501
    reason = "UNIMPLEMENTED"


class Internal(ClassbridgeError):
    """A bug or broken invariant; its message stays in the logs, callers see a generic one."""

    grpc_code = grpc.StatusCode.INTERNAL
    http_status = 500
    reason = "INTERNAL"
    expose_message = False


class UpstreamError(_RetryableError):
    """An upstream we call (Zoom, S3) failed in a way no more specific error describes.

    ``upstream`` names it (``zoom``, ``s3``); ``status``/``code`` are what it answered and
    ``tracking_id`` its request id, for support tickets. Mapped to UNAVAILABLE / 502, so the
    channel's retry policy may repeat the call: operations behind it are idempotent.
    """

    grpc_code = grpc.StatusCode.UNAVAILABLE
    http_status = 502
    reason = "UPSTREAM_ERROR"

    def __init__(
        self,
        message: str,
        *,
        upstream: str,
        status: int | None = None,
        code: str | None = None,
        tracking_id: str | None = None,
        retry_after: timedelta | None = None,
        retry_at: datetime | None = None,
        details: Mapping[str, str] | None = None,
    ) -> None:
        merged = dict(details or {})
        merged["upstream"] = upstream
        if status is not None:
            merged["upstream_status"] = str(status)
        if code is not None:
            merged["upstream_code"] = code
        if tracking_id is not None:
            merged["upstream_tracking_id"] = tracking_id
        super().__init__(message, retry_after=retry_after, retry_at=retry_at, details=merged)
        self.upstream = upstream
        self.status = status
        self.code = code
        self.tracking_id = tracking_id


_BY_REASON: dict[str, type[ClassbridgeError]] = {
    cls.reason: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        Unauthenticated,
        FailedPrecondition,
        ResourceExhausted,
        Aborted,
        Unavailable,
        DeadlineExceeded,
        Cancelled,
        Unimplemented,
        Internal,
        UpstreamError,
    )
}

_BY_CODE: dict[grpc.StatusCode, type[ClassbridgeError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.OUT_OF_RANGE: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.CANCELLED: Cancelled,
    grpc.StatusCode.UNIMPLEMENTED: Unimplemented,
}


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def to_rpc_status(exc: BaseException) -> status_pb2.Status:
    """The ``google.rpc.Status`` for ``exc``; anything not ours becomes a generic INTERNAL."""
    error = exc if isinstance(exc, ClassbridgeError) else Internal("unexpected error")
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.details)
    details = [_pack(info), *(_pack(d) for d in error._rich_details())]
    return status_pb2.Status(
        code=error.grpc_code.value[0], message=error.public_message, details=details
    )


def to_grpc_status(exc: BaseException) -> grpc.Status:
    """A ``grpc.Status`` for ``context.abort_with_status`` carrying the rich details."""
    status: grpc.Status = rpc_status.to_status(to_rpc_status(exc))
    return status


def _code_from_int(value: int) -> grpc.StatusCode:
    for code in grpc.StatusCode:
        if code.value[0] == value:
            return code
    return grpc.StatusCode.UNKNOWN


def from_rpc_status(status: status_pb2.Status) -> ClassbridgeError:
    """Rebuild the exception a server raised from its ``google.rpc.Status``."""
    return _build(_code_from_int(status.code), status.message, list(status.details))


def from_grpc_error(error: grpc.RpcError) -> ClassbridgeError:
    """Turn a failed call (``grpc.aio.AioRpcError`` or a sync ``grpc.Call`` error) into ours.

    Rich details from the trailing metadata are parsed back; a status without them (a transport
    failure, a server that is not ours) maps by code alone.
    """
    code: grpc.StatusCode = error.code()
    message: str = error.details() or ""
    # types-grpcio says ``tuple[_Metadatum, ...]`` (objects with ``.key``/``.value``); at run
    # time the items are ``(key, value)`` tuples (sync: a namedtuple; aio: ``Metadata`` pairs).
    trailing: Iterable[object] = error.trailing_metadata() or ()
    for item in trailing:
        match item:
            case (str(key), bytes(value)) if key == GRPC_DETAILS_METADATA_KEY:
                try:
                    rich = status_pb2.Status.FromString(value)
                except Exception:
                    break
                if rich.code == code.value[0]:
                    return _build(code, message, list(rich.details))
                break
    return _build(code, message, [])


@dataclass
class _Parsed:
    info: error_details_pb2.ErrorInfo | None = None
    field_violations: list[FieldViolation] = field(default_factory=list)
    precondition_violations: list[PreconditionViolation] = field(default_factory=list)
    retry_after: timedelta | None = None
    resource: error_details_pb2.ResourceInfo | None = None


def _parse_details(details: Sequence[any_pb2.Any]) -> _Parsed:
    parsed = _Parsed()
    for packed in details:
        if packed.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            parsed.info = error_details_pb2.ErrorInfo()
            packed.Unpack(parsed.info)
        elif packed.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            packed.Unpack(bad)
            parsed.field_violations.extend(
                FieldViolation(field=v.field, description=v.description)
                for v in bad.field_violations
            )
        elif packed.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            packed.Unpack(failure)
            parsed.precondition_violations.extend(
                PreconditionViolation(type=v.type, subject=v.subject, description=v.description)
                for v in failure.violations
            )
        elif packed.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            packed.Unpack(retry)
            parsed.retry_after = retry.retry_delay.ToTimedelta()
        elif packed.Is(error_details_pb2.ResourceInfo.DESCRIPTOR):
            parsed.resource = error_details_pb2.ResourceInfo()
            packed.Unpack(parsed.resource)
    return parsed


def _build(code: grpc.StatusCode, message: str, details: Sequence[any_pb2.Any]) -> ClassbridgeError:
    parsed = _parse_details(details)
    cls: type[ClassbridgeError] | None = None
    meta: dict[str, str] = {}
    if parsed.info is not None:
        meta = dict(parsed.info.metadata)
        if parsed.info.domain == DOMAIN:
            cls = _BY_REASON.get(parsed.info.reason)
    if cls is None or cls.grpc_code != code:
        cls = _BY_CODE.get(code, Internal)
    error: ClassbridgeError
    if cls is InvalidArgument:
        error = InvalidArgument(message, violations=parsed.field_violations, details=meta)
    elif cls is FailedPrecondition:
        error = FailedPrecondition(message, violations=parsed.precondition_violations, details=meta)
    elif issubclass(cls, _ResourceError):
        resource = parsed.resource
        error = cls(
            message,
            resource_type=resource.resource_type if resource else "",
            resource_id=resource.resource_name if resource else "",
            details=meta,
        )
    elif cls is UpstreamError:
        status = meta.get("upstream_status")
        error = UpstreamError(
            message,
            upstream=meta.get("upstream", "unknown"),
            status=int(status) if status and status.isdigit() else None,
            code=meta.get("upstream_code"),
            tracking_id=meta.get("upstream_tracking_id"),
            retry_after=parsed.retry_after,
            details=meta,
        )
    elif issubclass(cls, _RetryableError):
        error = cls(message, retry_after=parsed.retry_after, details=meta)
    else:
        error = cls(message, details=meta)
    return error


@dataclass(frozen=True, slots=True)
class HttpError:
    """How an HTTP boundary answers an error: status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def to_http(exc: BaseException) -> HttpError:
    """The HTTP answer for ``exc`` (the edge and webhook-ingest use this one table).

    Field violations become ``errors`` in the body; a retry delay becomes ``Retry-After``
    (whole seconds, rounded up).
    """
    error = exc if isinstance(exc, ClassbridgeError) else Internal("unexpected error")
    body: dict[str, Any] = {"error": {"code": error.reason, "message": error.public_message}}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidArgument) and error.violations:
        body["error"]["fields"] = [
            {"field": v.field, "description": v.description} for v in error.violations
        ]
    if isinstance(error, FailedPrecondition) and error.violations:
        body["error"]["violations"] = [
            {"type": v.type, "subject": v.subject, "description": v.description}
            for v in error.violations
        ]
    if isinstance(error, _RetryableError):
        delay = error.retry_delay()
        if delay is not None:
            headers["Retry-After"] = str(max(0, math.ceil(delay.total_seconds())))
    return HttpError(status=error.http_status, body=body, headers=headers)


__all__ = [
    "DOMAIN",
    "Aborted",
    "AlreadyExists",
    "Cancelled",
    "ClassbridgeError",
    "Conflict",
    "DeadlineExceeded",
    "FailedPrecondition",
    "FieldViolation",
    "HttpError",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "PreconditionViolation",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "UpstreamError",
    "from_grpc_error",
    "from_rpc_status",
    "invalid_field",
    "to_grpc_status",
    "to_http",
    "to_rpc_status",
]
