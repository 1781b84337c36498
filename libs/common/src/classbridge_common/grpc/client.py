"""Calling another Classbridge service: channels, credentials, deadlines, errors.

:func:`create_channel` gives a ``grpc.aio.Channel`` (use it with ``async with``) whose calls

- always carry a deadline: the caller's ``timeout``, else what is left of the current request's
  budget, else ``default_timeout``;
- carry ``authorization`` (the current caller's token when forwarding, else a service token)
  and ``x-request-id``;
- carry W3C trace context (OpenTelemetry client interceptor);
- are retried on UNAVAILABLE with exponential backoff by gRPC's own retry policy.

:func:`call` awaits one unary call and turns a failed status back into the
:class:`~classbridge_common.errors.ClassbridgeError` the server raised.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Protocol, TypeAlias, TypeVar

import grpc
import grpc.aio
from opentelemetry.instrumentation.grpc import aio_client_interceptors
from opentelemetry.trace import TracerProvider

from classbridge_common.auth import ServiceTokenIssuer, current_caller_or_none
from classbridge_common.errors import from_grpc_error
from classbridge_common.grpc.context import REQUEST_ID_HEADER, current_request_id, time_remaining

MiB = 1024 * 1024

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Req_contra = TypeVar("Req_contra", contravariant=True)
Resp_co = TypeVar("Resp_co", covariant=True)

ChannelOption: TypeAlias = tuple[str, str | int]
"""One gRPC channel argument (``("grpc.max_send_message_length", 16 << 20)``)."""


def retry_service_config(
    *,
    max_attempts: int = 4,
    initial_backoff: float = 0.1,
    max_backoff: float = 2.0,
    backoff_multiplier: float = 2.0,
    retryable_status_codes: Sequence[str] = ("UNAVAILABLE",),
) -> str:
    """A gRPC service config retrying every method on ``retryable_status_codes``.

    gRPC repeats a call only while it stays within the call's deadline, and only
    UNAVAILABLE by default: our servers answer it when they cannot start the work (draining,
    a dependency down), so a repeat cannot do it twice.
    """
    if not 2 <= max_attempts <= 5:
        raise ValueError("gRPC allows 2 to 5 attempts")
    config = {
        "methodConfig": [
            {
                "name": [{}],
                "retryPolicy": {
                    "maxAttempts": max_attempts,
                    "initialBackoff": f"{initial_backoff}s",
                    "maxBackoff": f"{max_backoff}s",
                    "backoffMultiplier": backoff_multiplier,
                    "retryableStatusCodes": list(retryable_status_codes),
                },
            }
        ]
    }
    return json.dumps(config)


class CallDecorator:
    """Adds a deadline, credentials and the request id to the details of an outgoing call."""

    def __init__(
        self,
        *,
        default_timeout: float,
        service_tokens: ServiceTokenIssuer | None = None,
        forward_caller: bool = True,
    ) -> None:
        if default_timeout <= 0:
            raise ValueError("default_timeout must be positive")
        self._default_timeout = default_timeout
        self._service_tokens = service_tokens
        self._forward_caller = forward_caller

    def _token(self) -> str | None:
        if self._forward_caller:
            caller = current_caller_or_none()
            if caller is not None and caller.token:
                return caller.token
        return self._service_tokens.token() if self._service_tokens is not None else None

    def decorate(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        timeout = details.timeout
        if timeout is None:
            timeout = self._default_timeout
            remaining = time_remaining()
            if remaining is not None:
                timeout = min(timeout, remaining)
        metadata = grpc.aio.Metadata(*tuple(details.metadata or ()))
        # ``get(...) is None`` rather than ``in``: mypy reads ``Metadata`` as a collection of
        # (key, value) pairs, so a key ``in`` it looks like a type error.
        if metadata.get("authorization") is None:
            token = self._token()
            if token is not None:
                metadata["authorization"] = f"Bearer {token}"
        request_id = current_request_id()
        if request_id is not None and metadata.get(REQUEST_ID_HEADER) is None:
            metadata[REQUEST_ID_HEADER] = request_id
        return grpc.aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready
        )


# grpc.aio files each interceptor under the first call shape it implements, so one class per
# shape, all sharing a CallDecorator.


class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, decorator: CallDecorator) -> None:
        self._decorator = decorator

    async def intercept_unary_unary(
        self,
        continuation: Callable[
            [grpc.aio.ClientCallDetails, Req], Awaitable[grpc.aio.UnaryUnaryCall[Req, Resp]]
        ],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Req,
    ) -> grpc.aio.UnaryUnaryCall[Req, Resp]:
        return await continuation(self._decorator.decorate(client_call_details), request)


class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, decorator: CallDecorator) -> None:
        self._decorator = decorator

    async def intercept_unary_stream(
        self,
        continuation: Callable[
            [grpc.aio.ClientCallDetails, Req], Awaitable[grpc.aio.UnaryStreamCall[Req, Resp]]
        ],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Req,
    ) -> grpc.aio.UnaryStreamCall[Req, Resp]:
        return await continuation(self._decorator.decorate(client_call_details), request)


RequestIterator: TypeAlias = AsyncIterable[Req] | Iterable[Req]
"""The requests of a client-streaming call, as grpc.aio takes them."""


class _StreamUnary(grpc.aio.StreamUnaryClientInterceptor):
    def __init__(self, decorator: CallDecorator) -> None:
        self._decorator = decorator

    async def intercept_stream_unary(
        self,
        continuation: Callable[
            [grpc.aio.ClientCallDetails, RequestIterator[Req]],
            Awaitable[grpc.aio.StreamUnaryCall[Req, Resp]],
        ],
        client_call_details: grpc.aio.ClientCallDetails,
        request_iterator: RequestIterator[Req],
    ) -> grpc.aio.StreamUnaryCall[Req, Resp]:
        return await continuation(self._decorator.decorate(client_call_details), request_iterator)


class _StreamStream(grpc.aio.StreamStreamClientInterceptor):
    def __init__(self, decorator: CallDecorator) -> None:
        self._decorator = decorator

    async def intercept_stream_stream(
        self,
        continuation: Callable[
            [grpc.aio.ClientCallDetails, RequestIterator[Req]],
            Awaitable[grpc.aio.StreamStreamCall[Req, Resp]],
        ],
        client_call_details: grpc.aio.ClientCallDetails,
        request_iterator: RequestIterator[Req],
    ) -> grpc.aio.StreamStreamCall[Req, Resp]:
        return await continuation(self._decorator.decorate(client_call_details), request_iterator)


def client_interceptors(decorator: CallDecorator) -> list[grpc.aio.ClientInterceptor]:
    """Our interceptors for all four call shapes."""
    return [
        _UnaryUnary(decorator),
        _UnaryStream(decorator),
        _StreamUnary(decorator),
        _StreamStream(decorator),
    ]


def channel_options(
    *,
    service_config: str,
    max_message_bytes: int = 16 * MiB,
    keepalive_time_ms: int = 30_000,
    keepalive_timeout_ms: int = 10_000,
) -> list[ChannelOption]:
    """Channel arguments for clients (keepalive stays above the servers' minimum interval)."""
    return [
        ("grpc.service_config", service_config),
        ("grpc.enable_retries", 1),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", keepalive_timeout_ms),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]


def create_channel(
    target: str,
    *,
    default_timeout: float = 10.0,
    service_tokens: ServiceTokenIssuer | None = None,
    forward_caller: bool = True,
    max_attempts: int = 4,
    initial_backoff: float = 0.1,
    max_backoff: float = 2.0,
    max_message_bytes: int = 16 * MiB,
    tracer_provider: TracerProvider | None = None,
    extra_interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
    options: Sequence[ChannelOption] = (),
) -> grpc.aio.Channel:
    """An insecure (in-cluster) channel to ``target`` (``host:port``) with our policies.

    Use as ``async with create_channel(...) as channel:`` so it closes.
    """
    service_config = retry_service_config(
        max_attempts=max_attempts, initial_backoff=initial_backoff, max_backoff=max_backoff
    )
    # opentelemetry-instrumentation-grpc leaves this factory unannotated.
    tracing: list[grpc.aio.ClientInterceptor] = aio_client_interceptors(  # type: ignore[no-untyped-call]
        tracer_provider=tracer_provider
    )
    interceptors: list[grpc.aio.ClientInterceptor] = [
        *client_interceptors(
            CallDecorator(
                default_timeout=default_timeout,
                service_tokens=service_tokens,
                forward_caller=forward_caller,
            )
        ),
        *tracing,
        *extra_interceptors,
    ]
    return grpc.aio.insecure_channel(
        target,
        options=[
            *channel_options(service_config=service_config, max_message_bytes=max_message_bytes),
            *options,
        ],
        interceptors=interceptors,
    )


class UnaryMethod(Protocol[Req_contra, Resp_co]):
    """What :func:`call` awaits: a unary-response method of a generated async stub
    (``grpc.aio.UnaryUnaryMultiCallable[Request, Response]``) or anything shaped like it."""

    def __call__(
        self,
        request: Req_contra,
        *,
        timeout: float | None = ...,
        metadata: Sequence[tuple[str, str]] | None = ...,
    ) -> Awaitable[Resp_co]: ...


class StreamMethod(Protocol[Req_contra, Resp_co]):
    """What :func:`call_stream` iterates: a server-streaming method of a generated async stub
    (``grpc.aio.UnaryStreamMultiCallable[Request, Response]``) or anything shaped like it."""

    def __call__(
        self,
        request: Req_contra,
        *,
        timeout: float | None = ...,
        metadata: Sequence[tuple[str, str]] | None = ...,
    ) -> AsyncIterable[Resp_co]: ...


async def call(
    method: UnaryMethod[Req, Resp],
    request: Req,
    *,
    timeout: float | None = None,  # noqa: ASYNC109 - the call's gRPC deadline
    metadata: Sequence[tuple[str, str]] | None = None,
) -> Resp:
    """Await ``stub.Method(request)``; a failure raises the matching ClassbridgeError."""
    try:
        return await method(request, timeout=timeout, metadata=metadata)
    except grpc.aio.AioRpcError as exc:
        raise from_grpc_error(exc) from exc


async def call_stream(
    method: StreamMethod[Req, Resp],
    request: Req,
    *,
    timeout: float | None = None,  # noqa: ASYNC109 - the call's gRPC deadline
    metadata: Sequence[tuple[str, str]] | None = None,
) -> AsyncIterator[Resp]:
    """Iterate a server-streaming ``stub.Method(request)``, translating failures likewise."""
    try:
        async for response in method(request, timeout=timeout, metadata=metadata):
            yield response
    except grpc.aio.AioRpcError as exc:
        raise from_grpc_error(exc) from exc


__all__ = [
    "CallDecorator",
    "ChannelOption",
    "StreamMethod",
    "UnaryMethod",
    "call",
    "call_stream",
    "channel_options",
    "client_interceptors",
    "create_channel",
    "retry_service_config",
]
