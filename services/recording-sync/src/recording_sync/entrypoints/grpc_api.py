"""RecordingSyncService over gRPC — not implemented yet.

This is the walking skeleton: the server, health, reflection, authentication and the event
projection run for real, but the sync pipeline, recordings, access grants, playback and the
watcher arrive with the recording-sync implementation issue. Until then every method answers
UNIMPLEMENTED with a message naming the method, so callers (the edge answers 501) can tell a
missing feature from a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc.aio

from classbridge.recordingsync.v1 import recording_sync_pb2, recording_sync_pb2_grpc
from classbridge_common.errors import Unimplemented

SERVICE = recording_sync_pb2.DESCRIPTOR.services_by_name["RecordingSyncService"]


def _not_yet(name: str) -> Callable[..., Any]:
    async def method(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise Unimplemented(
            f"RecordingSyncService.{name} is not implemented yet in this release of recording-sync"
        )

    method.__name__ = name
    return method


RecordingSyncApi: type[recording_sync_pb2_grpc.RecordingSyncServiceServicer] = type(
    "RecordingSyncApi",
    (recording_sync_pb2_grpc.RecordingSyncServiceServicer,),
    {
        "__doc__": "Every rpc answers UNIMPLEMENTED until the sync pipeline lands.",
        **{m.name: _not_yet(m.name) for m in SERVICE.methods},
    },
)


def servicers() -> list[tuple[Callable[[Any, Any], None], Any]]:
    """The ``(add_to_server, servicer)`` pairs ``GrpcServer`` registers."""
    return [
        (recording_sync_pb2_grpc.add_RecordingSyncServiceServicer_to_server, RecordingSyncApi())
    ]
