"""A scheduler started for real (in-process bus, gRPC with tokens) against a fake zoom-gateway:
a real grpc.aio server implementing the generated ZoomGatewayServicer. Shared by the unit
fixtures (conftest.py, SQLite) and the PostgreSQL twins in tests/integration/scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge.scheduler.v1 import scheduler_pb2_grpc as pb_grpc
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common.auth import DEV_SECRET, DEV_SERVICE_SECRET, issue_token
from classbridge_common.authz import SERVICES
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.testing import EnvelopeCollector, make_settings
from scheduler.bootstrap import MIGRATIONS_DIR, Running, running
from scheduler.settings import Settings


class FakeGateway(zg_grpc.ZoomGatewayServiceServicer):
    """Zoom as the gateway presents it: idempotent creates, recorded calls, switchable faults.

    ``while_creating`` runs inside a CreateMeeting call (after the meeting exists), which is how
    a test makes something happen while the scheduler waits on Zoom.
    """

    def __init__(self) -> None:
        self.configured = True
        self.fail_with: grpc.StatusCode | None = None
        self.created: dict[str, zg.CreateMeetingRequest] = {}
        self.meetings: dict[str, zg.Meeting] = {}
        self.updated: list[zg.UpdateMeetingRequest] = []
        self.deleted: list[int] = []
        self.while_creating: Callable[[zg.CreateMeetingRequest], Awaitable[None]] | None = None
        # Zoom's participants report of each ended instance (by uuid), and who asked for one.
        self.reports: dict[str, list[zg.PastParticipant]] = {}
        self.report_requests: list[zg.ListPastMeetingParticipantsRequest] = []
        # Registrations by (meeting, email), and the removals asked for.
        self.registrants: dict[tuple[int, str], zg.Registrant] = {}
        self.removed: list[zg.RemoveMeetingRegistrantsRequest] = []
        self._next_id = 85_000_000_000

    async def _check(self, context: grpc.aio.ServicerContext) -> None:
        if not self.configured:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                "Zoom credentials not configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, "
                "ZOOM_CLIENT_SECRET",
            )
        if self.fail_with is not None:
            await context.abort(self.fail_with, "Zoom answered 500")

    async def CreateMeeting(self, request: zg.CreateMeetingRequest, context: Any) -> zg.Meeting:
        await self._check(context)
        if request.request_id not in self.meetings:
            self._next_id += 1
            self.created[request.request_id] = request
            self.meetings[request.request_id] = zg.Meeting(
                id=self._next_id,
                uuid=f"uuid-{self._next_id}==",
                host_id="zoom-host-1",
                host_email="host@example.org",
                topic=request.meeting.topic,
                duration_minutes=request.meeting.duration_minutes,
                join_url=f"https://zoom.example/j/{self._next_id}?pwd=x",
                start_url=f"https://zoom.example/s/{self._next_id}?zak=secret",
                password="Abc123",
            )
        if self.while_creating is not None:
            await self.while_creating(request)
        meeting = zg.Meeting()
        meeting.CopyFrom(self.meetings[request.request_id])
        meeting.ClearField("start_url")
        return meeting

    async def UpdateMeeting(self, request: zg.UpdateMeetingRequest, context: Any) -> zg.Meeting:
        await self._check(context)
        self.updated.append(request)
        return zg.Meeting(
            id=request.meeting_id,
            topic=request.meeting.topic,
            duration_minutes=request.meeting.duration_minutes,
        )

    async def DeleteMeeting(
        self, request: zg.DeleteMeetingRequest, context: Any
    ) -> zg.DeleteMeetingResponse:
        await self._check(context)
        self.deleted.append(request.meeting_id)
        return zg.DeleteMeetingResponse()

    async def ListPastMeetingParticipants(
        self, request: zg.ListPastMeetingParticipantsRequest, context: Any
    ) -> zg.ListPastMeetingParticipantsResponse:
        self.report_requests.append(request)
        await self._check(context)
        rows = self.reports.get(request.meeting_uuid, [])
        return zg.ListPastMeetingParticipantsResponse(participants=rows, total_size=len(rows))

    async def AddMeetingRegistrants(
        self, request: zg.AddMeetingRegistrantsRequest, context: Any
    ) -> zg.AddMeetingRegistrantsResponse:
        await self._check(context)
        answer = zg.AddMeetingRegistrantsResponse()
        for spec in request.registrants:
            key = (request.meeting_id, spec.email.lower())
            if key not in self.registrants:
                number = len(self.registrants) + 1
                self.registrants[key] = zg.Registrant(
                    registrant_id=f"zr-{number}",
                    email=spec.email,
                    first_name=spec.first_name,
                    join_url=f"https://zoom.example/w/{request.meeting_id}?tk=secret-{number}",
                    status="approved",
                )
            answer.registrants.append(self.registrants[key])
        return answer

    async def RemoveMeetingRegistrants(
        self, request: zg.RemoveMeetingRegistrantsRequest, context: Any
    ) -> zg.RemoveMeetingRegistrantsResponse:
        await self._check(context)
        self.removed.append(request)
        gone = [
            key
            for key, r in self.registrants.items()
            if key[0] == request.meeting_id and r.registrant_id in request.registrant_ids
        ]
        for key in gone:
            del self.registrants[key]
        return zg.RemoveMeetingRegistrantsResponse(removed=len(gone))

    async def GetMeeting(self, request: zg.GetMeetingRequest, context: Any) -> zg.Meeting:
        await self._check(context)
        for meeting in self.meetings.values():
            if meeting.id == request.meeting_id:
                return meeting
        await context.abort(grpc.StatusCode.NOT_FOUND, "no such meeting")
        raise AssertionError


@dataclass
class Harness:
    service: Running
    gateway: FakeGateway
    stub: pb_grpc.SchedulerServiceStub
    bus: InProcessBus
    published: EnvelopeCollector
    tokens: dict[str, str] = field(default_factory=dict)

    def as_(self, who: str) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.tokens[who]}")]

    async def course_and_batch(
        self, *, batch_type: int = 1, student: str = ""
    ) -> tuple[pb.Course, pb.Batch]:
        course = await self.stub.CreateCourse(
            pb.CreateCourseRequest(
                course=pb.Course(title="JavaScript", instructor_ids=["teacher-1"])
            ),
            metadata=self.as_("teacher"),
        )
        batch = await self.stub.CreateBatch(
            pb.CreateBatchRequest(
                batch=pb.Batch(
                    course_id=course.id, name="Morning", type=batch_type, student_id=student
                )
            ),
            metadata=self.as_("teacher"),
        )
        return course, batch


USERS: list[tuple[str, str, list[str], str | None]] = [
    # name, subject, roles, tenant claim (None: the default tenant)
    ("teacher", "teacher-1", ["teacher"], None),
    ("other-teacher", "teacher-2", ["teacher"], None),
    ("co-teacher", "teacher-3", ["teacher"], None),
    ("student", "student-1", ["student"], None),
    ("stranger", "student-9", ["student"], None),
    ("admin", "admin-1", ["admin"], None),
    ("acme-admin", "admin-acme", ["admin"], "acme"),
    ("operator", "operator-1", ["operator"], None),
]


def caller_tokens() -> dict[str, str]:
    """Tokens by name: the users above (user key) and ``service:<name>`` for each service
    identity (service key)."""
    tokens = {
        name: issue_token(subject=subject, roles=roles, tenant=tenant, secret=DEV_SECRET)
        for name, subject, roles, tenant in USERS
    }
    for service in sorted(SERVICES):
        tokens[f"service:{service}"] = issue_token(
            subject=service, roles=["service"], kind="service", secret=DEV_SERVICE_SECRET
        )
    return tokens


@asynccontextmanager
async def start_harness(settings: Settings, fake: FakeGateway) -> AsyncIterator[Harness]:
    """The scheduler of ``settings`` (migrated here) on an in-process bus, with a stub."""
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    bus = InProcessBus()
    await bus.start()
    published = EnvelopeCollector()
    await bus.subscribe("test-observer", ["session.#"], published)
    try:
        async with (
            running(settings, bus=bus) as service,
            grpc.aio.insecure_channel(service.grpc_address) as channel,
        ):
            yield Harness(
                service=service,
                gateway=fake,
                stub=pb_grpc.SchedulerServiceStub(channel),
                bus=bus,
                published=published,
                tokens=caller_tokens(),
            )
    finally:
        await bus.close()


def harness_settings(tmp_path: Path, gateway_port: int, **fields: Any) -> Settings:
    return make_settings(
        Settings,
        service_name="scheduler",
        data_dir=tmp_path / "var",
        grpc_port=0,
        grpc_host="127.0.0.1",
        zoom_gateway_addr=f"127.0.0.1:{gateway_port}",
        zoom_gateway_timeout_seconds=20.0,
        **fields,
    )


@asynccontextmanager
async def gateway_server() -> AsyncIterator[tuple[FakeGateway, int]]:
    """The fake gateway on a free local port."""
    fake = FakeGateway()
    server = grpc.aio.server()
    zg_grpc.add_ZoomGatewayServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield fake, port
    finally:
        await server.stop(0)
