"""A tiny gRPC service for testing the machinery itself, without generated code.

``classbridge.testing.v1.Probe`` has a unary ``Unary`` and a server-streaming ``Stream``
method, both taking and returning ``google.protobuf.StringValue``; what they do is whatever
functions the test hands to :class:`ProbeServicer`. Registered with
:func:`add_probe_servicer_to_server`, it goes through ``GrpcServer`` like a generated servicer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeAlias

import grpc
import grpc.aio
from google.protobuf.wrappers_pb2 import StringValue

PROBE_SERVICE = "classbridge.testing.v1.Probe"

# A string: types-grpcio makes ServicerContext generic, grpc itself does not.
ProbeContext: TypeAlias = "grpc.aio.ServicerContext[StringValue, StringValue]"
UnaryBehavior = Callable[[StringValue, ProbeContext], Awaitable[StringValue]]
StreamBehavior = Callable[[StringValue, ProbeContext], AsyncIterator[StringValue]]


async def _echo(request: StringValue, context: ProbeContext) -> StringValue:
    return StringValue(value=request.value)


async def _echo_stream(request: StringValue, context: ProbeContext) -> AsyncIterator[StringValue]:
    for part in request.value.split():
        yield StringValue(value=part)


class ProbeServicer:
    """Runs the given behaviours (echo by default) and counts the calls it received."""

    def __init__(
        self, *, unary: UnaryBehavior = _echo, stream: StreamBehavior = _echo_stream
    ) -> None:
        self._unary = unary
        self._stream = stream
        self.unary_calls = 0

    async def Unary(self, request: StringValue, context: ProbeContext) -> StringValue:
        self.unary_calls += 1
        return await self._unary(request, context)

    async def Stream(
        self, request: StringValue, context: ProbeContext
    ) -> AsyncIterator[StringValue]:
        async for item in self._stream(request, context):
            yield item


def add_probe_servicer_to_server(
    servicer: ProbeServicer, server: grpc.Server | grpc.aio.Server
) -> None:
    """Same shape as a generated ``add_XServicer_to_server``."""
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(
            servicer.Unary,
            request_deserializer=StringValue.FromString,
            response_serializer=StringValue.SerializeToString,
        ),
        "Stream": grpc.unary_stream_rpc_method_handler(
            servicer.Stream,
            request_deserializer=StringValue.FromString,
            response_serializer=StringValue.SerializeToString,
        ),
    }
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(PROBE_SERVICE, handlers),)
    )


class ProbeStub:
    """Client side of the probe service."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.Unary = channel.unary_unary(
            f"/{PROBE_SERVICE}/Unary",
            request_serializer=StringValue.SerializeToString,
            response_deserializer=StringValue.FromString,
        )
        self.Stream = channel.unary_stream(
            f"/{PROBE_SERVICE}/Stream",
            request_serializer=StringValue.SerializeToString,
            response_deserializer=StringValue.FromString,
        )


__all__ = ["PROBE_SERVICE", "ProbeServicer", "ProbeStub", "add_probe_servicer_to_server"]
