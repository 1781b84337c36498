"""Relaying an upload's bytes from an HTTP request to recording-sync, without holding them.

The request body is read as it arrives (Starlette's ``request.stream()``) and each piece is
written to recording-sync's client-streaming ``AppendManualUpload`` at once, in messages of at
most 1 MiB; gRPC's flow control holds the reading back while recording-sync is busy, so the
edge's memory stays at a few messages whatever the file's size. The edge's JSON body limit does
not apply here: the upload's own declared length does (413 past it).

A client that goes away mid-body ends the stream normally: recording-sync keeps what arrived
(tus asks for that) and the client continues from the offset a HEAD reports. recording-sync
may refuse while the edge still writes (the bytes are no recording): the stream's status is
then lost with the failed write, and the upload's state (``GetManualUpload``) says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
from starlette.requests import ClientDisconnect

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc as pb_grpc
from classbridge_common.errors import ClassbridgeError, Unavailable, from_grpc_error
from edge import tus
from edge.clients import call

MESSAGE_BYTES = 1024 * 1024
APPEND_DEADLINE_SECONDS = 6 * 3600.0
"""A whole request's bytes are one call: its deadline is the longest a request may take."""

__all__ = ["APPEND_DEADLINE_SECONDS", "MESSAGE_BYTES", "relay"]


async def _pieces(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body's bytes in messages of at most :data:`MESSAGE_BYTES`; a client that went away
    ends them (what came is sent on)."""
    try:
        async for chunk in body:
            for at in range(0, len(chunk), MESSAGE_BYTES):
                yield chunk[at : at + MESSAGE_BYTES]
    except ClientDisconnect:
        return


async def relay(
    stub: pb_grpc.RecordingSyncServiceStub,
    *,
    upload_id: str,
    offset: int,
    body: AsyncIterator[bytes],
    limit: int,
    last: bool = False,
) -> pb.ManualUpload:
    """Append ``body`` (at most ``limit`` bytes, else 413) to the upload at ``offset``."""
    too_much = False
    calls: list[Any] = []

    async def messages() -> AsyncIterator[pb.ManualUploadChunk]:
        nonlocal too_much
        yield pb.ManualUploadChunk(
            start=pb.ManualUploadAppend(upload_id=upload_id, offset=offset, last=last)
        )
        sent = 0
        async for piece in _pieces(body):
            if sent + len(piece) > limit:
                too_much = True
                calls[0].cancel()  # recording-sync keeps what it stored before, nothing after
                return
            yield pb.ManualUploadChunk(data=piece)
            sent += len(piece)

    # A request iterator, not ``call.write``: the tracing interceptor awaits the call's answer
    # before it hands the call back, so writes would wait for an answer that waits for them.
    method: Any = stub.AppendManualUpload  # typed for the synchronous API's iterators
    stream: grpc.aio.StreamUnaryCall[pb.ManualUploadChunk, pb.ManualUpload] = method(
        messages(), timeout=APPEND_DEADLINE_SECONDS
    )
    calls.append(stream)
    try:
        answer: pb.ManualUpload = await stream
    except asyncio.CancelledError:
        if too_much:
            raise tus.PayloadTooLarge(
                f"the body carries more than the upload's remaining {limit} bytes"
            ) from None
        raise
    except grpc.aio.AioRpcError as exc:
        if too_much or (exc.code() == grpc.StatusCode.CANCELLED and too_much):
            raise tus.PayloadTooLarge(
                f"the body carries more than the upload's remaining {limit} bytes"
            ) from None
        if exc.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
            # recording-sync answered while the edge still sent: the answer was lost with the
            # failed send, and the upload's state says why.
            raise await _why(stub, upload_id) from None
        raise tus.translate(from_grpc_error(exc)) from None
    return answer


async def _why(stub: pb_grpc.RecordingSyncServiceStub, upload_id: str) -> Exception:
    """What the upload's state says about a stream that ended without its answer."""
    try:
        state = await call(stub.GetManualUpload, pb.GetManualUploadRequest(upload_id=upload_id))
    except ClassbridgeError as refused:
        return tus.translate(refused)
    return tus.explain(state) or Unavailable(
        f"the upload was interrupted: continue from byte {state.offset} (ask its offset)"
    )
