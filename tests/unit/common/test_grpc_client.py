"""The channel factory: deadlines, credentials, request ids, retries, error translation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import grpc.aio
import pytest
from google.protobuf.wrappers_pb2 import StringValue

from classbridge_common.auth import (
    Caller,
    ServiceTokenIssuer,
    TokenVerifier,
    caller_scope,
    current_caller,
    issue_token,
)
from classbridge_common.errors import NotFound, Unauthenticated, Unavailable
from classbridge_common.grpc.client import call, call_stream, create_channel, retry_service_config
from classbridge_common.grpc.context import current_request_id, request_scope
from classbridge_common.grpc.server import GrpcServer
from classbridge_common.grpc.testing import ProbeServicer, ProbeStub, add_probe_servicer_to_server

SECRET = "test-secret-that-is-long-enough-for-hs256!"
SERVICE_SECRET = "test-service-secret-long-enough-for-hs256!"
TIMEOUT = 30.0
SLACK = 1.0  # gRPC rounds deadlines up a little on the wire

Behavior = Callable[[StringValue, grpc.aio.ServicerContext], Awaitable[StringValue]]
ProbeFactory = Callable[..., Awaitable[tuple[GrpcServer, ProbeServicer]]]


@pytest.fixture
async def serve_probe() -> AsyncIterator[ProbeFactory]:
    servers: list[GrpcServer] = []

    async def start(
        unary: Behavior | None = None, **kwargs: object
    ) -> tuple[GrpcServer, ProbeServicer]:
        servicer = ProbeServicer(unary=unary) if unary else ProbeServicer()
        server = GrpcServer(
            servicers=[(add_probe_servicer_to_server, servicer)],
            verifier=TokenVerifier(SECRET, service_secret=SERVICE_SECRET),
            host="127.0.0.1",
            **kwargs,  # type: ignore[arg-type]
        )
        await server.start()
        servers.append(server)
        return server, servicer

    yield start
    for server in servers:
        await server.stop(0)


def service_tokens() -> ServiceTokenIssuer:
    return ServiceTokenIssuer("scheduler", secret=SERVICE_SECRET)


async def report_deadline(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
    return StringValue(value=repr(context.time_remaining()))


async def test_every_call_carries_the_default_deadline(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe(report_deadline, default_timeout=300.0)
    async with create_channel(
        server.address, default_timeout=5.0, service_tokens=service_tokens()
    ) as channel:
        answer = await call(ProbeStub(channel).Unary, StringValue())
    remaining = float(answer.value)  # the server saw a client deadline, not its own budget
    assert 0 < remaining <= 5.0 + SLACK


async def test_an_explicit_timeout_wins_over_the_default(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe(report_deadline)
    async with create_channel(
        server.address, default_timeout=1.0, service_tokens=service_tokens()
    ) as channel:
        answer = await call(ProbeStub(channel).Unary, StringValue(), timeout=60.0)
    assert 1.0 + SLACK < float(answer.value) <= 60.0 + SLACK


async def test_an_outgoing_call_inherits_what_is_left_of_the_current_budget(
    serve_probe: ProbeFactory,
) -> None:
    server, _ = await serve_probe(report_deadline)
    async with create_channel(
        server.address, default_timeout=60.0, service_tokens=service_tokens()
    ) as channel:
        with request_scope(timeout=4.0):
            answer = await call(ProbeStub(channel).Unary, StringValue())
    assert 0 < float(answer.value) <= 4.0 + SLACK


async def whoami(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
    caller = current_caller()
    return StringValue(value=f"{caller.kind}:{caller.subject}:{current_request_id()}")


async def test_the_service_token_is_sent_when_there_is_no_caller(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe(whoami)
    async with create_channel(server.address, service_tokens=service_tokens()) as channel:
        with request_scope(request_id="req-7"):
            answer = await call(ProbeStub(channel).Unary, StringValue())
    assert answer.value == "service:scheduler:req-7"


async def test_the_current_callers_token_is_forwarded(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe(whoami)
    token = issue_token(subject="teacher-9", secret=SECRET, roles=["teacher"])
    caller = TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(token)
    async with create_channel(server.address, service_tokens=service_tokens()) as channel:
        with caller_scope(caller):
            answer = await call(ProbeStub(channel).Unary, StringValue())
    assert answer.value.startswith("user:teacher-9:")


async def test_without_forwarding_the_service_speaks_for_itself(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe(whoami)
    caller = Caller(subject="someone", token="ignored")
    async with create_channel(
        server.address, service_tokens=service_tokens(), forward_caller=False
    ) as channel:
        with caller_scope(caller):
            answer = await call(ProbeStub(channel).Unary, StringValue())
    assert answer.value.startswith("service:scheduler:")


async def test_no_credentials_gives_unauthenticated_as_our_error(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe()
    async with create_channel(server.address) as channel:
        with pytest.raises(Unauthenticated):
            await call(ProbeStub(channel).Unary, StringValue())


async def test_unavailable_is_retried_by_the_channel(serve_probe: ProbeFactory) -> None:
    failures = 2

    async def flaky(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        nonlocal failures
        if failures:
            failures -= 1
            raise Unavailable("warming up")
        return StringValue(value="ok")

    server, servicer = await serve_probe(flaky)
    async with create_channel(
        server.address, service_tokens=service_tokens(), max_attempts=4, initial_backoff=0.01
    ) as channel:
        answer = await call(ProbeStub(channel).Unary, StringValue(), timeout=TIMEOUT)
    assert answer.value == "ok"
    assert servicer.unary_calls == 3


async def test_retries_give_up_and_raise_unavailable(serve_probe: ProbeFactory) -> None:
    async def down(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        raise Unavailable("down")

    server, servicer = await serve_probe(down)
    async with create_channel(
        server.address, service_tokens=service_tokens(), max_attempts=2, initial_backoff=0.01
    ) as channel:
        with pytest.raises(Unavailable):
            await call(ProbeStub(channel).Unary, StringValue(), timeout=TIMEOUT)
    assert servicer.unary_calls == 2


async def test_not_found_is_not_retried_and_comes_back_as_not_found(
    serve_probe: ProbeFactory,
) -> None:
    async def missing(request: StringValue, context: grpc.aio.ServicerContext) -> StringValue:
        raise NotFound(resource_type="meeting", resource_id="m-1")

    server, servicer = await serve_probe(missing)
    async with create_channel(server.address, service_tokens=service_tokens()) as channel:
        with pytest.raises(NotFound) as raised:
            await call(ProbeStub(channel).Unary, StringValue(), timeout=TIMEOUT)
    assert raised.value.resource_id == "m-1"
    assert isinstance(raised.value.__cause__, grpc.aio.AioRpcError)
    assert servicer.unary_calls == 1


async def test_call_stream_yields_items_and_translates_errors(serve_probe: ProbeFactory) -> None:
    server, _ = await serve_probe()
    async with create_channel(server.address, service_tokens=service_tokens()) as channel:
        stub = ProbeStub(channel)
        items = [i.value async for i in call_stream(stub.Stream, StringValue(value="a b c"))]
    assert items == ["a", "b", "c"]
    async with create_channel(server.address) as channel:
        with pytest.raises(Unauthenticated):
            async for _ in call_stream(ProbeStub(channel).Stream, StringValue(value="a")):
                pass


def test_retry_config_retries_only_unavailable_within_grpc_limits() -> None:
    config = json.loads(retry_service_config())
    policy = config["methodConfig"][0]["retryPolicy"]
    assert policy["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert policy["maxAttempts"] == 4
    with pytest.raises(ValueError, match="attempts"):
        retry_service_config(max_attempts=9)
