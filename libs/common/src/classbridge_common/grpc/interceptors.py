"""Server interceptors every Classbridge gRPC server runs, outermost first:

1. OpenTelemetry (from ``opentelemetry-instrumentation-grpc``; added by the server bootstrap),
2. :class:`RequestContextInterceptor` — request id from ``x-request-id`` (or a new one),
3. :class:`ErrorMappingInterceptor` — a raised :class:`ClassbridgeError` becomes its status
   with rich details; anything else becomes a generic INTERNAL (logged, never echoed),
4. :class:`DeadlineInterceptor` — every call gets a deadline budget (the client's, or a
   default one the server enforces), readable via ``context.time_remaining()``,
5. :class:`AuthInterceptor` — ``authorization: Bearer <jwt>`` → ``current_caller()``;
   UNAUTHENTICATED otherwise, except for the open methods (health); then the method's rule in
   the service's :class:`~classbridge_common.authz.Policy` (PERMISSION_DENIED when the caller may
   not use it, or when the method has none).

grpc.aio interceptors see an ``RpcMethodHandler``; each of ours returns a copy whose behaviour
runs inside an async context manager, for all four call shapes (unary or streaming request and
response; async-generator or ``context.write`` style).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, TypeAlias, TypeVar, cast

import grpc
import grpc.aio
from opentelemetry import trace

from classbridge_common.auth import Caller, TokenVerifier, caller_scope
from classbridge_common.authz import Policy
from classbridge_common.errors import (
    ClassbridgeError,
    DeadlineExceeded,
    Internal,
    InvalidArgument,
    PermissionDenied,
    to_grpc_status,
)
from classbridge_common.grpc.context import (
    REQUEST_ID_HEADER,
    accept_request_id,
    current_request_id,
    deadline_scope,
    request_scope,
)

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13

logger = logging.getLogger(__name__)
audit = logging.getLogger("classbridge.audit")

TENANT_HEADER = "x-classbridge-tenant"
"""Metadata a service sends to act within one tenant; ignored from a person (their token says)."""

HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_SERVICES = (
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)
OPEN_SERVICES: frozenset[str] = frozenset({HEALTH_SERVICE})
"""Services answered without a caller token: only health, for probes. Reflection describes the
whole API, so it asks for a token like every other endpoint (``grpcurl -H 'authorization: …'``)."""
UNTRACED_SERVICES: frozenset[str] = frozenset({HEALTH_SERVICE, *REFLECTION_SERVICES})
"""Services whose calls make no spans: probes and tooling would drown the traces."""

Req = TypeVar("Req")
Resp = TypeVar("Resp")
In = TypeVar("In")
Out = TypeVar("Out")

# The aliases are strings: types-grpcio makes these classes generic, grpc itself does not.
Context: TypeAlias = "grpc.aio.ServicerContext[Req, Resp]"
"""The context grpc.aio hands a handler of ``Request`` → ``Response`` calls."""

Scope: TypeAlias = (
    "Callable[[grpc.HandlerCallDetails, Context[Req, Resp]], AbstractAsyncContextManager[None]]"
)
"""What an interceptor runs a call's behaviour in: ``scope(details, context)``."""

Continuation: TypeAlias = (
    "Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Req, Resp] | None]]"
)
"""The rest of the interceptor chain, as ``ServerInterceptor.intercept_service`` receives it."""

# grpc.aio behaviours: ``In`` is the request (unary) or an async iterator of requests.
_Awaiting: TypeAlias = "Callable[[In, Context[Req, Resp]], Awaitable[Out]]"
_Streaming: TypeAlias = "Callable[[In, Context[Req, Resp]], AsyncIterator[Resp]]"


def service_of(method: str) -> str:
    """``/pkg.Service/Method`` → ``pkg.Service``."""
    return method.lstrip("/").partition("/")[0]


def metadata_value(context: grpc.aio.ServicerContext[Req, Resp], key: str) -> str | None:
    for item_key, value in context.invocation_metadata() or ():
        if item_key == key:
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def _in_scope(
    behavior: _Awaiting[In, Req, Resp, Out],
    details: grpc.HandlerCallDetails,
    scope: Scope[Req, Resp],
) -> _Awaiting[In, Req, Resp, Out]:
    async def run(request: In, context: grpc.aio.ServicerContext[Req, Resp]) -> Out:
        async with scope(details, context):
            return await behavior(request, context)

    return run


def _streaming_in_scope(
    behavior: _Streaming[In, Req, Resp],
    details: grpc.HandlerCallDetails,
    scope: Scope[Req, Resp],
) -> _Streaming[In, Req, Resp]:
    async def run(request: In, context: grpc.aio.ServicerContext[Req, Resp]) -> AsyncIterator[Resp]:
        async with scope(details, context):
            async for response in behavior(request, context):
                yield response

    return run


def _is_async_generator(
    behavior: _Streaming[In, Req, Resp] | _Awaiting[In, Req, Resp, None],
) -> TypeIs[_Streaming[In, Req, Resp]]:
    return inspect.isasyncgenfunction(behavior)


def _stream_response_in_scope(
    behavior: _Streaming[In, Req, Resp] | _Awaiting[In, Req, Resp, None],
    details: grpc.HandlerCallDetails,
    scope: Scope[Req, Resp],
) -> _Streaming[In, Req, Resp] | _Awaiting[In, Req, Resp, None]:
    if _is_async_generator(behavior):
        return _streaming_in_scope(behavior, details, scope)
    return _in_scope(behavior, details, scope)  # `context.write` style: a coroutine


def wrap_handler(
    handler: grpc.RpcMethodHandler[Req, Resp],
    details: grpc.HandlerCallDetails,
    scope: Scope[Req, Resp],
) -> grpc.RpcMethodHandler[Req, Resp]:
    """A copy of ``handler`` whose behaviour runs inside ``scope(details, context)``.

    types-grpcio describes ``RpcMethodHandler`` for the synchronous server; under grpc.aio its
    behaviours are coroutine functions (unary response) or async generators / coroutine
    functions (streaming response) taking a ``grpc.aio.ServicerContext``, which is what the
    casts below state.
    """
    deserialize = handler.request_deserializer
    serialize = handler.response_serializer
    if handler.unary_unary is not None:
        unary = cast("_Awaiting[Req, Req, Resp, Resp]", handler.unary_unary)
        return grpc.unary_unary_rpc_method_handler(
            _in_scope(unary, details, scope), deserialize, serialize
        )
    if handler.unary_stream is not None:
        unary_stream = cast(
            "_Streaming[Req, Req, Resp] | _Awaiting[Req, Req, Resp, None]", handler.unary_stream
        )
        return grpc.unary_stream_rpc_method_handler(
            _stream_response_in_scope(unary_stream, details, scope), deserialize, serialize
        )
    if handler.stream_unary is not None:
        stream_unary = cast("_Awaiting[AsyncIterator[Req], Req, Resp, Resp]", handler.stream_unary)
        return grpc.stream_unary_rpc_method_handler(
            _in_scope(stream_unary, details, scope), deserialize, serialize
        )
    if handler.stream_stream is not None:
        stream_stream = cast(
            "_Streaming[AsyncIterator[Req], Req, Resp]"
            " | _Awaiting[AsyncIterator[Req], Req, Resp, None]",
            handler.stream_stream,
        )
        return grpc.stream_stream_rpc_method_handler(
            _stream_response_in_scope(stream_stream, details, scope), deserialize, serialize
        )
    return handler


class _ScopeInterceptor(grpc.aio.ServerInterceptor):
    """Base: wrap each handler's behaviour in :meth:`scope`."""

    def scope(
        self, details: grpc.HandlerCallDetails, context: grpc.aio.ServicerContext[Req, Resp]
    ) -> AbstractAsyncContextManager[None]:
        raise NotImplementedError

    async def intercept_service(
        self,
        continuation: Continuation[Req, Resp],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Req, Resp] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        return wrap_handler(handler, handler_call_details, self.scope)


class RequestContextInterceptor(_ScopeInterceptor):
    """Puts the request id (``x-request-id`` or a new one) in a context variable for logs."""

    @asynccontextmanager
    async def scope(
        self, details: grpc.HandlerCallDetails, context: grpc.aio.ServicerContext[Req, Resp]
    ) -> AsyncIterator[None]:
        request_id = accept_request_id(metadata_value(context, REQUEST_ID_HEADER))
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("app.request_id", request_id)
        with request_scope(request_id=request_id):
            yield


def _trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


class ErrorMappingInterceptor(_ScopeInterceptor):
    """Translates exceptions into gRPC statuses, once, at the boundary.

    A :class:`ClassbridgeError` aborts with its code and rich details in the trailing metadata
    (``grpc-status-details-bin``). Any other exception is a bug: it is logged with its trace
    and request id, and the caller sees INTERNAL with a generic message plus those ids, so
    nothing from the exception text (which could hold secrets) leaves the process.
    """

    @asynccontextmanager
    async def scope(
        self, details: grpc.HandlerCallDetails, context: grpc.aio.ServicerContext[Req, Resp]
    ) -> AsyncIterator[None]:
        try:
            yield
        except grpc.aio.AbortError:
            raise  # the handler aborted by itself
        except ClassbridgeError as exc:
            span = trace.get_current_span()
            if span.is_recording():
                span.set_attribute("app.error.type", type(exc).__name__)
            if isinstance(exc, Internal):
                logger.error("internal error in %s: %s", details.method, exc.message)
            await _abort(context, exc)
        except Exception as exc:
            trace_id = _trace_id()
            request_id = current_request_id()
            logger.exception(
                "unhandled error in %s",
                details.method,
                extra={"trace_id": trace_id, "request_id": request_id},
            )
            span = trace.get_current_span()
            if span.is_recording():
                span.set_attribute("app.error.type", type(exc).__name__)
            meta = {k: v for k, v in (("trace_id", trace_id), ("request_id", request_id)) if v}
            await _abort(context, Internal("unexpected error", details=meta))


async def _abort(context: grpc.aio.ServicerContext[Req, Resp], exc: ClassbridgeError) -> None:
    # ``abort`` (rather than ``abort_with_status``) so the tracing context wrapper records the
    # code; the trailing metadata carries the same ``google.rpc.Status``.
    status = to_grpc_status(exc)
    await context.abort(status.code, status.details, status.trailing_metadata)


def _time_remaining(context: grpc.aio.ServicerContext[Req, Resp]) -> float | None:
    # types-grpcio says ``float``; grpc.aio answers None when the client sent no deadline.
    return context.time_remaining()


class DeadlineInterceptor(_ScopeInterceptor):
    """Gives every call a deadline budget.

    If the client sent a deadline, gRPC enforces it and we only expose it. If not, the server
    applies ``default_timeout`` itself: a unary-response call that runs longer is cancelled
    and answered DEADLINE_EXCEEDED; streaming responses get the budget as information only
    (cancelling across a generator's ``yield`` is not safe). Either way
    :func:`classbridge_common.grpc.context.time_remaining` is set, so outgoing calls inherit it.
    """

    def __init__(self, *, default_timeout: float = 30.0) -> None:
        if default_timeout <= 0:
            raise ValueError("default_timeout must be positive")
        self.default_timeout = default_timeout

    async def intercept_service(
        self,
        continuation: Continuation[Req, Resp],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Req, Resp] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        enforce = not handler.response_streaming
        return wrap_handler(
            handler,
            handler_call_details,
            lambda details, context: self._scope(context, enforce=enforce),
        )

    @asynccontextmanager
    async def _scope(
        self, context: grpc.aio.ServicerContext[Req, Resp], *, enforce: bool
    ) -> AsyncIterator[None]:
        remaining = _time_remaining(context)
        if remaining is not None:
            with deadline_scope(remaining):
                yield
            return
        with deadline_scope(self.default_timeout):
            if not enforce:
                yield
                return
            try:
                async with asyncio.timeout(self.default_timeout):
                    yield
            except TimeoutError:
                raise DeadlineExceeded(
                    f"no answer within the server's {self.default_timeout:g}s budget"
                ) from None


class AuthInterceptor(_ScopeInterceptor):
    """Verifies the caller token, applies the method's access rule, makes the caller current.

    Open services (health) need no token. With ``policies``, a method of a service that has no
    policy, or whose rule does not admit the caller, is refused before its handler runs;
    reflection is answered to any authenticated caller. A service caller may name the tenant it
    acts for in ``x-classbridge-tenant``.
    """

    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        open_services: Iterable[str] = OPEN_SERVICES,
        policies: Iterable[Policy] | None = None,
    ) -> None:
        self._verifier = verifier
        self._open_services = frozenset(open_services)
        self._policies = None if policies is None else {p.service: p for p in policies}

    async def intercept_service(
        self,
        continuation: Continuation[Req, Resp],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Req, Resp] | None:
        if service_of(handler_call_details.method) in self._open_services:
            return await continuation(handler_call_details)
        return await super().intercept_service(continuation, handler_call_details)

    def _authorize(self, caller: Caller, method: str) -> None:
        if self._policies is None:
            return
        service = service_of(method)
        if service in REFLECTION_SERVICES:
            return
        policy = self._policies.get(service)
        if policy is None:
            raise PermissionDenied(f"{method} has no access rule")
        policy.check(caller, method)
        if caller.is_operator:
            audit.info(
                "operator call",
                extra={"operator": caller.subject, "method": method, "tenant": caller.tenant},
            )

    @asynccontextmanager
    async def scope(
        self, details: grpc.HandlerCallDetails, context: grpc.aio.ServicerContext[Req, Resp]
    ) -> AsyncIterator[None]:
        caller = self._verifier.verify_authorization(metadata_value(context, "authorization"))
        tenant = metadata_value(context, TENANT_HEADER)
        if caller.is_service and tenant:
            if len(tenant) > 64:
                raise InvalidArgument(f"{TENANT_HEADER} is longer than 64 characters")
            caller = caller.in_tenant(tenant)
        self._authorize(caller, details.method)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("app.caller.kind", caller.kind)
        with caller_scope(caller):
            yield


def default_server_interceptors(
    *,
    verifier: TokenVerifier | None,
    default_timeout: float = 30.0,
    open_services: Iterable[str] = OPEN_SERVICES,
    policies: Iterable[Policy] | None = None,
) -> list[grpc.aio.ServerInterceptor]:
    """Ours, in order (tracing goes before these). ``verifier=None`` turns authentication off."""
    interceptors: list[grpc.aio.ServerInterceptor] = [
        RequestContextInterceptor(),
        ErrorMappingInterceptor(),
        DeadlineInterceptor(default_timeout=default_timeout),
    ]
    if verifier is not None:
        interceptors.append(
            AuthInterceptor(verifier=verifier, open_services=open_services, policies=policies)
        )
    return interceptors


__all__ = [
    "HEALTH_SERVICE",
    "OPEN_SERVICES",
    "REFLECTION_SERVICES",
    "TENANT_HEADER",
    "AuthInterceptor",
    "Context",
    "Continuation",
    "DeadlineInterceptor",
    "ErrorMappingInterceptor",
    "RequestContextInterceptor",
    "Scope",
    "default_server_interceptors",
    "metadata_value",
    "service_of",
    "wrap_handler",
]
