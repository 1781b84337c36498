"""Ask every gRPC service of a stack whether it is serving (the standard health service)."""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from grpc_health.v1 import health_pb2


async def check_health(addresses: Mapping[str, str], *, deadline: float = 5.0) -> dict[str, str]:
    """Each service's overall health status name (``SERVING``…), or the error that stood in."""
    result: dict[str, str] = {}
    for name, address in addresses.items():
        async with grpc.aio.insecure_channel(address) as channel:
            # What ``health_pb2_grpc.HealthStub(channel).Check`` is; its stubs leave it untyped.
            check = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            try:
                reply = await check(health_pb2.HealthCheckRequest(), timeout=deadline)
            except grpc.aio.AioRpcError as error:
                result[name] = f"UNREACHABLE ({error.code().name})"
            else:
                result[name] = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return result
