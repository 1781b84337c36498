"""The exception tree and its translation to gRPC statuses (with rich details) and HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from classbridge_common.errors import (
    DOMAIN,
    Aborted,
    AlreadyExists,
    Cancelled,
    ClassbridgeError,
    Conflict,
    DeadlineExceeded,
    FailedPrecondition,
    FieldViolation,
    Internal,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PreconditionViolation,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    UpstreamError,
    from_grpc_error,
    from_rpc_status,
    to_grpc_status,
    to_http,
    to_rpc_status,
)


@pytest.mark.parametrize(
    ("error", "code", "http"),
    [
        (InvalidArgument("x"), grpc.StatusCode.INVALID_ARGUMENT, 400),
        (NotFound("x"), grpc.StatusCode.NOT_FOUND, 404),
        (AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS, 409),
        (PermissionDenied("x"), grpc.StatusCode.PERMISSION_DENIED, 403),
        (Unauthenticated("x"), grpc.StatusCode.UNAUTHENTICATED, 401),
        (FailedPrecondition("x"), grpc.StatusCode.FAILED_PRECONDITION, 400),
        (ResourceExhausted("x"), grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        (Aborted("x"), grpc.StatusCode.ABORTED, 409),
        (Unavailable("x"), grpc.StatusCode.UNAVAILABLE, 503),
        (DeadlineExceeded("x"), grpc.StatusCode.DEADLINE_EXCEEDED, 504),
        (Cancelled("x"), grpc.StatusCode.CANCELLED, 499),
        (Unimplemented("x"), grpc.StatusCode.UNIMPLEMENTED, 501),
        (Internal("x"), grpc.StatusCode.INTERNAL, 500),
        (UpstreamError("x", upstream="zoom"), grpc.StatusCode.UNAVAILABLE, 502),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, ClassbridgeError) else str(v),
)
def test_each_error_has_one_grpc_code_and_one_http_status(
    error: ClassbridgeError, code: grpc.StatusCode, http: int
) -> None:
    assert error.grpc_code == code
    assert error.http_status == http
    status = to_grpc_status(error)
    assert status.code == code
    assert to_http(error).status == http


def test_conflict_is_aborted() -> None:
    assert Conflict is Aborted


def round_trip(error: BaseException) -> ClassbridgeError:
    return from_rpc_status(status_pb2.Status.FromString(to_rpc_status(error).SerializeToString()))


@pytest.mark.parametrize(
    "error",
    [
        PermissionDenied("only teachers", details={"batch_id": "b-1"}),
        Unauthenticated("token expired"),
        Aborted("session changed meanwhile"),
        DeadlineExceeded("too slow"),
        Cancelled("caller left"),
        Unimplemented("not here"),
        Unavailable("draining"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_plain_errors_round_trip_with_class_message_and_details(error: ClassbridgeError) -> None:
    back = round_trip(error)
    assert type(back) is type(error)
    assert back.message == error.message
    assert back.details == error.details


def test_not_found_round_trips_its_resource() -> None:
    back = round_trip(NotFound(resource_type="recording", resource_id="r-1"))
    assert isinstance(back, NotFound)
    assert (back.resource_type, back.resource_id) == ("recording", "r-1")
    assert back.message == "recording 'r-1' not found"


def test_already_exists_round_trips_its_resource() -> None:
    back = round_trip(AlreadyExists(resource_type="meeting", resource_id="s-7"))
    assert isinstance(back, AlreadyExists)
    assert back.resource_id == "s-7"


def test_invalid_argument_round_trips_as_bad_request() -> None:
    violations = [FieldViolation("page_size", "must be at most 100")]
    status = to_rpc_status(InvalidArgument("bad page", violations=violations))
    bad_request = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad_request) for d in status.details)
    assert bad_request.field_violations[0].field == "page_size"
    back = round_trip(InvalidArgument("bad page", violations=violations))
    assert isinstance(back, InvalidArgument)
    assert list(back.violations) == violations


def test_failed_precondition_round_trips_its_violations() -> None:
    violation = PreconditionViolation("ZOOM_NOT_CONFIGURED", "tenant/t-1", "no Zoom account")
    back = round_trip(FailedPrecondition("Zoom is not configured", violations=[violation]))
    assert isinstance(back, FailedPrecondition)
    assert back.violations == (violation,)


def test_retry_after_round_trips_as_retry_info() -> None:
    back = round_trip(ResourceExhausted("quota", retry_after=timedelta(seconds=42)))
    assert isinstance(back, ResourceExhausted)
    assert back.retry_after == timedelta(seconds=42)


def test_retry_at_becomes_a_delay() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    error = ResourceExhausted("daily quota", retry_at=now + timedelta(hours=2))
    assert error.retry_delay(now=now) == timedelta(hours=2)
    assert error.retry_delay(now=now + timedelta(hours=3)) == timedelta(0)
    with pytest.raises(ValueError, match="timezone"):
        ResourceExhausted("x", retry_at=datetime(2026, 1, 1))


def test_upstream_error_round_trips_what_the_upstream_said() -> None:
    error = UpstreamError(
        "Zoom answered 500",
        upstream="zoom",
        status=500,
        code="300",
        tracking_id="trk-1",
        retry_after=timedelta(seconds=5),
    )
    back = round_trip(error)
    assert isinstance(back, UpstreamError)
    assert (back.upstream, back.status, back.code, back.tracking_id) == (
        "zoom",
        500,
        "300",
        "trk-1",
    )
    assert back.retry_after == timedelta(seconds=5)


def test_internal_and_foreign_exceptions_hide_their_message() -> None:
    for error in (Internal("pool exhausted for user=admin pw=x"), KeyError("secret")):
        status = to_rpc_status(error)
        assert status.code == grpc.StatusCode.INTERNAL.value[0]
        assert "pw=x" not in status.message
        assert "secret" not in status.message
        assert "secret" not in str(to_http(error).body)


def test_error_info_carries_reason_domain_and_details() -> None:
    status = to_rpc_status(PermissionDenied("no", details={"role": "teacher"}))
    info = error_details_pb2.ErrorInfo()
    assert any(d.Unpack(info) for d in status.details)
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "PERMISSION_DENIED",
        DOMAIN,
        {"role": "teacher"},
    )


class FakeRpcError(grpc.RpcError):
    def __init__(
        self, code: grpc.StatusCode, details: str, trailing: tuple[tuple[str, bytes], ...] = ()
    ) -> None:
        self._code, self._details, self._trailing = code, details, trailing

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return self._trailing


def test_a_status_without_rich_details_maps_by_code() -> None:
    assert isinstance(from_grpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "gone")), NotFound)
    error = from_grpc_error(FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"))
    assert isinstance(error, DeadlineExceeded)
    assert isinstance(from_grpc_error(FakeRpcError(grpc.StatusCode.UNKNOWN, "?")), Internal)


def test_from_grpc_error_reads_the_trailing_status() -> None:
    status = to_grpc_status(ResourceExhausted("slow down", retry_after=timedelta(seconds=3)))
    error = from_grpc_error(FakeRpcError(status.code, status.details, status.trailing_metadata))
    assert isinstance(error, ResourceExhausted)
    assert error.retry_after == timedelta(seconds=3)


def test_a_malformed_or_mismatched_trailer_falls_back_to_the_code() -> None:
    garbage = (("grpc-status-details-bin", b"\xff\x00not-a-status"),)
    assert isinstance(from_grpc_error(FakeRpcError(grpc.StatusCode.ABORTED, "x", garbage)), Aborted)
    other = to_grpc_status(NotFound("x")).trailing_metadata
    assert isinstance(
        from_grpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "x", other)), Unavailable
    )


def test_http_answer_has_field_errors_and_retry_after() -> None:
    answer = to_http(InvalidArgument("bad", violations=[FieldViolation("email", "not an email")]))
    assert answer.status == 400
    assert answer.body["error"]["fields"] == [{"field": "email", "description": "not an email"}]
    limited = to_http(ResourceExhausted("slow", retry_after=timedelta(seconds=1.2)))
    assert (limited.status, limited.headers["Retry-After"]) == (429, "2")
