"""gRPC machinery shared by Classbridge services: server bootstrap, interceptors, clients."""

from classbridge_common.grpc.client import call, call_stream, create_channel
from classbridge_common.grpc.context import current_request_id, time_remaining
from classbridge_common.grpc.server import GrpcServer, serve

__all__ = [
    "GrpcServer",
    "call",
    "call_stream",
    "create_channel",
    "current_request_id",
    "serve",
    "time_remaining",
]
