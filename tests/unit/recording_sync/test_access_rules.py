"""Who the auth interceptor lets into each RecordingSyncService method, from a table declared
here, for every identity: nobody signed in, a student, a teacher, an admin of the tenant, an
admin of another tenant, a platform operator and each Classbridge service.

The methods come from the service descriptor, not a hand list, so a method added to the .proto
without a row here fails. The server runs recording-sync's real ``POLICY`` in front of a
servicer whose every method answers UNIMPLEMENTED "admitted": that answer means the interceptor
let the call through; UNAUTHENTICATED or PERMISSION_DENIED means it refused it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import symbol_database

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import TokenVerifier, issue_token
from classbridge_common.authz import SERVICES
from classbridge_common.errors import Unimplemented
from classbridge_common.grpc import GrpcServer
from classbridge_common.testing import TEST_TOKEN_TTL
from recording_sync.entrypoints.access_rules import POLICY

SECRET = "recording-sync-access-rules-user-key-long-enough"
SERVICE_SECRET = "recording-sync-access-rules-service-key-long-enough"
SERVICE = pb.DESCRIPTOR.services_by_name["RecordingSyncService"]
METHODS = [m.name for m in SERVICE.methods]

ANONYMOUS = "anonymous"
USERS: dict[str, tuple[list[str], str | None]] = {
    "student": (["student"], "acme"),
    "teacher": (["teacher"], "acme"),
    "admin": (["admin"], "acme"),
    "other-admin": (["admin"], "globex"),
    "operator": (["operator"], None),
}
SERVICE_IDENTITIES = [f"service:{name}" for name in sorted(SERVICES)]
IDENTITIES = [ANONYMOUS, *USERS, *SERVICE_IDENTITIES]
assert {"scheduler", "zoom-gateway", "recording-sync", "webhook-ingest"} <= set(SERVICES)

ADMINS = frozenset({"admin", "other-admin", "operator"})
MANAGERS = ADMINS | {"teacher"}
EVERYONE = MANAGERS | {"student"}
OPERATORS = frozenset({"operator"})

# No service calls recording-sync (the edge forwards the person's token), so none is admitted.
ADMITTED: dict[str, frozenset[str]] = {
    "SyncMeeting": MANAGERS,
    "SyncBatch": MANAGERS,
    "RetrySync": MANAGERS,
    "GetSyncJob": MANAGERS,
    "GetSyncStatus": MANAGERS,
    "ListSyncJobs": MANAGERS,
    "ListRecordings": EVERYONE,
    "GetRecording": EVERYONE,
    "DeleteRecording": MANAGERS,
    "CreateManualUpload": MANAGERS,
    "AppendManualUpload": MANAGERS,
    "GetManualUpload": MANAGERS,
    "DeleteManualUpload": MANAGERS,
    "GetManualUploadLimits": MANAGERS,
    "CreateAccessGrant": MANAGERS,
    "ListAccessGrants": MANAGERS,
    "DeleteAccessGrant": MANAGERS,
    "GetPlaybackUrl": EVERYONE,
    "GetWatcherStatus": OPERATORS,
    "StartWatcher": OPERATORS,
    "StopWatcher": OPERATORS,
    "SetWatchPath": OPERATORS,
    "MatchLocalRecording": MANAGERS,
    "GetSyncStatistics": MANAGERS,
    "GetSyncPolicy": MANAGERS,
    "UpdateSyncPolicy": ADMINS,
    "GetTranscript": EVERYONE,
    "SearchTranscripts": EVERYONE,
    "GetCaptionTracks": EVERYONE,
    "ReprocessRecording": MANAGERS,
}


def _admitted_everywhere(name: str) -> Any:
    async def method(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise Unimplemented("admitted")

    method.__name__ = name
    return method


Admitting = type(
    "Admitting",
    (recording_sync_pb2_grpc.RecordingSyncServiceServicer,),
    {name: _admitted_everywhere(name) for name in METHODS},
)


def _metadata(identity: str) -> tuple[tuple[str, str], ...]:
    if identity == ANONYMOUS:
        return ()
    if identity.startswith("service:"):
        token = issue_token(
            ttl=TEST_TOKEN_TTL,
            subject=identity.removeprefix("service:"),
            secret=SERVICE_SECRET,
            roles=["service"],
            kind="service",
        )
    else:
        roles, tenant = USERS[identity]
        token = issue_token(
            ttl=TEST_TOKEN_TTL, subject=f"u-{identity}", secret=SECRET, roles=roles, tenant=tenant
        )
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = GrpcServer(
        servicers=[
            (recording_sync_pb2_grpc.add_RecordingSyncServiceServicer_to_server, Admitting())
        ],
        verifier=TokenVerifier(SECRET, service_secret=SERVICE_SECRET),
        host="127.0.0.1",
        port=0,
        policies=[POLICY],
    )
    async with server, grpc.aio.insecure_channel(server.address) as chan:
        yield chan


def test_every_method_has_a_declared_outcome() -> None:
    assert sorted(ADMITTED) == sorted(METHODS), "declare who may call each method"
    assert sorted(POLICY.rules) == sorted(METHODS)


async def _outcome(channel: grpc.aio.Channel, method: Any, identity: str) -> str:
    request_type = symbol_database.Default().GetSymbol(method.input_type.full_name)
    call = channel.unary_unary(
        f"/{SERVICE.full_name}/{method.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=lambda b: b,
    )
    try:
        await call(request_type(), metadata=_metadata(identity), timeout=10)
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED and error.details() == "admitted":
            return "admitted"
        return error.code().name
    return "answered"  # cannot happen: every handler raises


async def test_the_interceptor_admits_exactly_the_declared_identities(
    channel: grpc.aio.Channel,
) -> None:
    wrong: list[str] = []
    for method in SERVICE.methods:
        admitted = ADMITTED.get(method.name, frozenset())
        for identity in IDENTITIES:
            got = await _outcome(channel, method, identity)
            if identity == ANONYMOUS:
                expected = "UNAUTHENTICATED"
            elif identity in admitted:
                expected = "admitted"
            else:
                expected = "PERMISSION_DENIED"
            if got != expected:
                wrong.append(f"{method.name} as {identity}: {got}, expected {expected}")
    assert wrong == []


async def test_a_user_token_claiming_a_service_is_refused(channel: grpc.aio.Channel) -> None:
    forged = issue_token(
        ttl=TEST_TOKEN_TTL, subject="recording-sync", secret=SECRET, roles=["admin"], kind="service"
    )
    stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ListRecordings(
            pb.ListRecordingsRequest(), metadata=(("authorization", f"Bearer {forged}"),)
        )
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
