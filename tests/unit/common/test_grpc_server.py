"""The gRPC server bootstrap and its interceptors, against a real grpc.aio server."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import grpc
import grpc.aio
import pytest
from google.protobuf.wrappers_pb2 import StringValue
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from classbridge_common.auth import TokenVerifier, current_caller, issue_token
from classbridge_common.errors import (
    FieldViolation,
    Internal,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    from_grpc_error,
)
from classbridge_common.grpc.context import current_request_id, time_remaining
from classbridge_common.grpc.server import GrpcServer, serve
from classbridge_common.grpc.testing import (
    PROBE_SERVICE,
    ProbeServicer,
    ProbeStub,
    add_probe_servicer_to_server,
)

SECRET = "test-secret-that-is-long-enough-for-hs256!"
SERVICE_SECRET = "test-service-secret-long-enough-for-hs256!"
TIMEOUT = 30.0  # generous: only bounds a broken test, never measures speed


def auth_metadata(token: str | None = None) -> tuple[tuple[str, str], ...]:
    token = token or issue_token(subject="user-1", secret=SECRET, roles=["teacher"])
    return (("authorization", f"Bearer {token}"),)


ServerFactory = Callable[..., Awaitable[GrpcServer]]


@pytest.fixture
async def start_server() -> AsyncIterator[ServerFactory]:
    servers: list[GrpcServer] = []

    async def start(servicer: ProbeServicer | None = None, **kwargs: object) -> GrpcServer:
        kwargs.setdefault("verifier", TokenVerifier(SECRET, service_secret=SERVICE_SECRET))
        server = GrpcServer(
            servicers=[(add_probe_servicer_to_server, servicer or ProbeServicer())],
            host="127.0.0.1",
            port=0,
            **kwargs,  # type: ignore[arg-type]
        )
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop(0)


@pytest.fixture
async def channel_to() -> AsyncIterator[Callable[[GrpcServer], grpc.aio.Channel]]:
    channels: list[grpc.aio.Channel] = []

    def open_channel(server: GrpcServer) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
        channels.append(channel)
        return channel

    yield open_channel
    for channel in channels:
        await channel.close()


async def test_health_is_serving_overall_and_per_service_without_a_token(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    server = await start_server()
    assert server.port > 0
    health = health_pb2_grpc.HealthStub(channel_to(server))
    for service in ("", PROBE_SERVICE):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_registered_services(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    server = await start_server()
    stub = reflection_pb2_grpc.ServerReflectionStub(channel_to(server))
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
        metadata=auth_metadata(),
        timeout=TIMEOUT,
    )
    names = set()
    async for response in responses:
        names |= {s.name for s in response.list_services_response.service}
    assert {
        PROBE_SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names
    assert server.service_names == [PROBE_SERVICE]


async def test_reflection_without_a_token_is_unauthenticated(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    server = await start_server()
    stub = reflection_pb2_grpc.ServerReflectionStub(channel_to(server))
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=TIMEOUT
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in responses:
            pass
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        (("authorization", "Bearer not-a-jwt"),),
        (("authorization", "Basic dXNlcjpwYXNz"),),
        auth_metadata(issue_token(subject="u", secret="another-secret-that-is-long-enough!!")),
    ],
    ids=["missing", "garbage", "not-bearer", "wrong-signature"],
)
async def test_calls_without_a_valid_token_are_unauthenticated(
    start_server: ServerFactory,
    channel_to: Callable[[GrpcServer], grpc.aio.Channel],
    metadata: tuple[tuple[str, str], ...],
) -> None:
    servicer = ProbeServicer()
    server = await start_server(servicer)
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Unary(StringValue(value="hi"), metadata=metadata, timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert servicer.unary_calls == 0


async def test_handler_sees_the_verified_caller_and_request_id(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    async def who(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        caller = current_caller()
        return StringValue(
            value=f"{caller.subject}|{','.join(caller.roles)}|{current_request_id()}"
        )

    server = await start_server(ProbeServicer(unary=who))
    stub = ProbeStub(channel_to(server))
    answer = await stub.Unary(
        StringValue(),
        metadata=(*auth_metadata(), ("x-request-id", "req-42")),
        timeout=TIMEOUT,
    )
    assert answer.value == "user-1|teacher|req-42"


async def test_not_found_reaches_the_client_as_not_found_with_its_resource(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    async def missing(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        raise NotFound(resource_type="session", resource_id=request.value)

    server = await start_server(ProbeServicer(unary=missing))
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Unary(StringValue(value="s-1"), metadata=auth_metadata(), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    error = from_grpc_error(raised.value)
    assert isinstance(error, NotFound)
    assert (error.resource_type, error.resource_id) == ("session", "s-1")
    assert error.message == "session 's-1' not found"


async def test_resource_exhausted_round_trips_retry_info(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    async def limited(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        raise ResourceExhausted("Zoom daily quota used", retry_after=timedelta(seconds=90))

    server = await start_server(ProbeServicer(unary=limited))
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Unary(StringValue(), metadata=auth_metadata(), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    error = from_grpc_error(raised.value)
    assert isinstance(error, ResourceExhausted)
    assert error.retry_after == timedelta(seconds=90)
    assert error.message == "Zoom daily quota used"


async def test_invalid_argument_round_trips_field_violations(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    violations = [
        FieldViolation("session.duration_minutes", "must be positive"),
        FieldViolation("session.start_time", "must be in the future"),
    ]

    async def bad(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        raise InvalidArgument("invalid session", violations=violations)

    server = await start_server(ProbeServicer(unary=bad))
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Unary(StringValue(), metadata=auth_metadata(), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = from_grpc_error(raised.value)
    assert isinstance(error, InvalidArgument)
    assert list(error.violations) == violations


async def test_unexpected_exception_is_internal_without_its_message(
    start_server: ServerFactory,
    channel_to: Callable[[GrpcServer], grpc.aio.Channel],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        raise RuntimeError("db password is hunter2")

    server = await start_server(ProbeServicer(unary=broken))
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Unary(
            StringValue(), metadata=(*auth_metadata(), ("x-request-id", "r-9")), timeout=TIMEOUT
        )
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert "hunter2" not in (raised.value.details() or "")
    assert all("hunter2" not in repr(value) for _, value in raised.value.trailing_metadata())
    error = from_grpc_error(raised.value)
    assert isinstance(error, Internal)
    assert error.details["request_id"] == "r-9"
    assert any("unhandled error" in record.message for record in caplog.records)


async def test_streaming_handlers_stream_and_map_errors(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    async def parts(
        request: StringValue, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[StringValue]:
        yield StringValue(value=current_caller().subject)
        yield StringValue(value="second")
        raise NotFound(resource_type="recording", resource_id="r-1")

    server = await start_server(ProbeServicer(stream=parts))
    stub = ProbeStub(channel_to(server))
    received: list[str] = []

    async def consume() -> None:
        async for item in stub.Stream(StringValue(), metadata=auth_metadata(), timeout=TIMEOUT):
            received.append(item.value)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await consume()
    assert received == ["user-1", "second"]
    assert isinstance(from_grpc_error(raised.value), NotFound)


async def test_stream_requires_a_token_too(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    server = await start_server()
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for _ in stub.Stream(StringValue(value="a b"), timeout=TIMEOUT):
            pass
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_server_applies_its_default_budget_when_the_client_sent_no_deadline(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    async def budget(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        assert context.time_remaining() is None  # the client sent none
        return StringValue(value=repr(time_remaining()))

    server = await start_server(ProbeServicer(unary=budget), default_timeout=120.0)
    stub = ProbeStub(channel_to(server))
    answer = await stub.Unary(StringValue(), metadata=auth_metadata())
    assert 0 < float(answer.value) <= 120.0


async def test_server_budget_is_enforced_as_deadline_exceeded(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    async def slow(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        await asyncio.sleep(3600)
        return StringValue()

    server = await start_server(ProbeServicer(unary=slow), default_timeout=0.2)
    stub = ProbeStub(channel_to(server))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Unary(StringValue(), metadata=auth_metadata())
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def gated_servicer() -> tuple[ProbeServicer, asyncio.Event, asyncio.Event]:
    started, release = asyncio.Event(), asyncio.Event()

    async def gated(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        started.set()
        await release.wait()
        return StringValue(value="finished")

    return ProbeServicer(unary=gated), started, release


async def health_status(server: GrpcServer, service: str) -> int:
    """The server's own view of a service's health, once shutdown has had a chance to begin."""
    request = health_pb2.HealthCheckRequest(service=service)
    status = (await server.health.Check(request, None)).status
    for _ in range(500):
        if status == health_pb2.HealthCheckResponse.NOT_SERVING:
            break
        await asyncio.sleep(0.01)
        status = (await server.health.Check(request, None)).status
    return status


async def test_graceful_stop_lets_an_in_flight_call_finish_and_turns_health_off(
    start_server: ServerFactory, channel_to: Callable[[GrpcServer], grpc.aio.Channel]
) -> None:
    servicer, started, release = gated_servicer()
    server = await start_server(servicer, grace=TIMEOUT)
    stub = ProbeStub(channel_to(server))
    in_flight = asyncio.ensure_future(
        stub.Unary(StringValue(), metadata=auth_metadata(), timeout=TIMEOUT)
    )
    await asyncio.wait_for(started.wait(), TIMEOUT)
    stopping = asyncio.create_task(server.stop())
    for service in ("", PROBE_SERVICE):
        assert await health_status(server, service) == health_pb2.HealthCheckResponse.NOT_SERVING
    assert not stopping.done()
    release.set()
    assert (await asyncio.wait_for(in_flight, TIMEOUT)).value == "finished"
    await asyncio.wait_for(stopping, TIMEOUT)


async def test_sigterm_drains_and_ends_serve(
    channel_to: Callable[[GrpcServer], grpc.aio.Channel],
) -> None:
    servicer, started, release = gated_servicer()
    server = GrpcServer(
        servicers=[(add_probe_servicer_to_server, servicer)],
        verifier=TokenVerifier(SECRET, service_secret=SERVICE_SECRET),
        host="127.0.0.1",
        grace=TIMEOUT,
    )
    serving = asyncio.create_task(serve(server))
    await asyncio.wait_for(server.wait_until_serving(), TIMEOUT)
    stub = ProbeStub(channel_to(server))
    in_flight = asyncio.ensure_future(
        stub.Unary(StringValue(), metadata=auth_metadata(), timeout=TIMEOUT)
    )
    await asyncio.wait_for(started.wait(), TIMEOUT)

    os.kill(os.getpid(), signal.SIGTERM)  # handled by serve()'s loop signal handler
    await asyncio.wait_for(server.wait_for_shutdown_request(), TIMEOUT)
    assert not serving.done()
    release.set()
    assert (await asyncio.wait_for(in_flight, TIMEOUT)).value == "finished"
    await asyncio.wait_for(serving, TIMEOUT)


async def test_request_shutdown_is_the_signal_path(
    channel_to: Callable[[GrpcServer], grpc.aio.Channel],
) -> None:
    server = GrpcServer(
        servicers=[(add_probe_servicer_to_server, ProbeServicer())],
        verifier=None,
        host="127.0.0.1",
    )
    serving = asyncio.create_task(serve(server, handle_signals=False))
    await asyncio.wait_for(server.wait_until_serving(), TIMEOUT)
    # Without a verifier, calls need no token.
    answer = await ProbeStub(channel_to(server)).Unary(StringValue(value="x"), timeout=TIMEOUT)
    assert answer.value == "x"
    server.request_shutdown()
    await asyncio.wait_for(serving, TIMEOUT)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ProbeStub(channel_to(server)).Unary(StringValue(value="x"), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
