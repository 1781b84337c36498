"""Real gRPC servers for the edge's tests: the generated servicers, with canned behaviour.

Each fake subclasses a generated ``...Servicer``; every rpc records what reached the server
(request, the caller the server's own auth interceptor verified, the raw ``authorization``
metadata and the deadline left) and then runs the behaviour the test set for it, or answers
UNIMPLEMENTED. They run inside the shared ``GrpcServer`` (auth, error mapping with rich
details), so the edge is tested against what real services send.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc.aio
from google.protobuf.descriptor import ServiceDescriptor

from classbridge.recordingsync.v1 import recording_sync_pb2, recording_sync_pb2_grpc
from classbridge.scheduler.v1 import scheduler_pb2, scheduler_pb2_grpc
from classbridge.webhookingest.v1 import webhook_admin_pb2, webhook_admin_pb2_grpc
from classbridge.zoomgateway.v1 import zoom_gateway_pb2, zoom_gateway_pb2_grpc
from classbridge_common.auth import current_caller
from classbridge_common.errors import Unimplemented

Behaviour = Callable[[Any], Any]


@dataclass
class Received:
    method: str
    request: Any
    subject: str
    authorization: str | None
    time_remaining: float | None


@dataclass
class FakeState:
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    calls: list[Received] = field(default_factory=list)

    def on(self, method: str, behaviour: Behaviour) -> None:
        self.behaviours[method] = behaviour

    def requests(self, method: str) -> list[Any]:
        return [c.request for c in self.calls if c.method == method]


def _rpc(name: str) -> Callable[..., Any]:
    async def handle(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        state: FakeState = self.state
        authorization = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                authorization = value
        state.calls.append(
            Received(
                name, request, current_caller().subject, authorization, context.time_remaining()
            )
        )
        behaviour = state.behaviours.get(name)
        if behaviour is None:
            raise Unimplemented(f"{name} is not scripted in this test")
        result = behaviour(request)
        return await result if inspect.isawaitable(result) else result

    handle.__name__ = name
    return handle


def _fake(base: type, service: ServiceDescriptor) -> type:
    methods = {m.name: _rpc(m.name) for m in service.methods}

    def __init__(self: Any, state: FakeState) -> None:
        self.state = state

    return type(f"Fake{base.__name__}", (base,), {"__init__": __init__, **methods})


FakeScheduler = _fake(
    scheduler_pb2_grpc.SchedulerServiceServicer,
    scheduler_pb2.DESCRIPTOR.services_by_name["SchedulerService"],
)
FakeZoomGateway = _fake(
    zoom_gateway_pb2_grpc.ZoomGatewayServiceServicer,
    zoom_gateway_pb2.DESCRIPTOR.services_by_name["ZoomGatewayService"],
)
FakeRecordingSync = _fake(
    recording_sync_pb2_grpc.RecordingSyncServiceServicer,
    recording_sync_pb2.DESCRIPTOR.services_by_name["RecordingSyncService"],
)
FakeWebhookAdmin = _fake(
    webhook_admin_pb2_grpc.WebhookAdminServiceServicer,
    webhook_admin_pb2.DESCRIPTOR.services_by_name["WebhookAdminService"],
)
