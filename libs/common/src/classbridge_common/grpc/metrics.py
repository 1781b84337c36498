"""Rate, errors and latency of every gRPC call a server answers (the golden signals).

:class:`MetricsInterceptor` sits right after tracing, outside error mapping, so it sees the
status each call really ended with: the code a handler aborted with, INTERNAL for a bug (error
mapping turned it into an abort), CANCELLED when the caller went away. It records one
``app.rpc.server.duration`` observation per call (service, method, status name: bounded labels,
no request content), and counts the statuses that mean the server failed — not the caller — in
``app.errors`` (seed 000's errors by type). Health checks and reflection are not measured:
probes every few seconds would drown the real traffic, as in traces.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final, TypeVar

import grpc
import grpc.aio

from classbridge_common.grpc.interceptors import (
    UNTRACED_SERVICES,
    Continuation,
    _ScopeInterceptor,
    wrap_handler,
)
from classbridge_common.telemetry import Metrics, app_metrics

__all__ = ["SERVER_FAULT_CODES", "MetricsInterceptor"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")

#: Statuses that count as the server's error (the others are answers about the request).
SERVER_FAULT_CODES: Final = frozenset(
    {"INTERNAL", "UNKNOWN", "UNAVAILABLE", "DEADLINE_EXCEEDED", "DATA_LOSS"}
)


def _code_name(code: grpc.StatusCode | None) -> str:
    return "OK" if code is None else str(code.name)


class MetricsInterceptor(_ScopeInterceptor):
    """Measures each call's duration and outcome (``metrics`` defaults to the process's)."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Continuation[Req, Resp],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Req, Resp] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        service, _, _ = handler_call_details.method.lstrip("/").partition("/")
        if service in UNTRACED_SERVICES:
            return handler
        return wrap_handler(handler, handler_call_details, self.scope)

    @asynccontextmanager
    async def scope(
        self, details: grpc.HandlerCallDetails, context: grpc.aio.ServicerContext[Req, Resp]
    ) -> AsyncIterator[None]:
        started = time.perf_counter()
        code = "OK"
        try:
            yield
        except grpc.aio.AbortError:
            code = _code_name(context.code())
            raise
        except asyncio.CancelledError:  # the caller went away, or the server is stopping
            code = "CANCELLED"
            raise
        except BaseException:  # nothing error mapping let through is expected here
            code = "UNKNOWN"
            raise
        else:
            code = _code_name(context.code())
        finally:
            service, _, method = details.method.lstrip("/").partition("/")
            metrics = self._metrics or app_metrics()
            metrics.rpc_served(
                time.perf_counter() - started, service=service, method=method, code=code
            )
            if code in SERVER_FAULT_CODES:
                metrics.error(code.lower(), operation=method)
