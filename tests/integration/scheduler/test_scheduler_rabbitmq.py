"""The scheduler on PostgreSQL and RabbitMQ: a session ends when zoom.meeting.ended arrives,
follows a reschedule made in Zoom and lets go of a meeting deleted there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import grpc.aio
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge.scheduler.v1 import scheduler_pb2_grpc as pb_grpc
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common.auth import DEV_SECRET, issue_token
from classbridge_common.bus import EventBus, create_bus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.testing import TEST_TOKEN_TTL, EnvelopeCollector, make_settings, wait_until
from scheduler.bootstrap import MIGRATIONS_DIR, Running, running
from scheduler.settings import Settings

pytestmark = pytest.mark.integration


class Gateway(zg_grpc.ZoomGatewayServiceServicer):
    async def CreateMeeting(self, request: zg.CreateMeetingRequest, context: object) -> zg.Meeting:
        return zg.Meeting(
            id=86_000_000_001,
            uuid="u==",
            join_url="https://zoom.example/j/1",
            topic=request.meeting.topic,
        )


@pytest.fixture
async def gateway_port() -> AsyncIterator[int]:
    server = grpc.aio.server()
    zg_grpc.add_ZoomGatewayServiceServicer_to_server(Gateway(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield port
    finally:
        await server.stop(0)


@dataclass
class Started:
    service: Running
    bus: EventBus
    stub: pb_grpc.SchedulerServiceStub
    metadata: list[tuple[str, str]]


@asynccontextmanager
async def scheduler(
    tmp_path: Path, database_url: str, pg_schema: str, amqp_exchange, gateway_port: int
) -> AsyncIterator[Started]:
    """The scheduler on this test's PostgreSQL schema and RabbitMQ exchange."""
    settings = make_settings(
        Settings,
        service_name="scheduler",
        data_dir=tmp_path,
        database_url=database_url,
        db_schema=pg_schema,
        amqp_url=amqp_exchange.amqp_url,
        grpc_port=0,
        grpc_host="127.0.0.1",
        zoom_gateway_addr=f"127.0.0.1:{gateway_port}",
        consumer_name=amqp_exchange.consumer("scheduler"),
    )
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    bus = create_bus(settings, exchange=amqp_exchange.exchange)
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject="teacher-1", roles=["teacher"], secret=DEV_SECRET
    )
    async with (
        bus,
        running(settings, bus=bus) as service,
        grpc.aio.insecure_channel(service.grpc_address) as channel,
    ):
        yield Started(
            service=service,
            bus=bus,
            stub=pb_grpc.SchedulerServiceStub(channel),
            metadata=[("authorization", f"Bearer {token}")],
        )


async def schedule(started: Started) -> pb.Session:
    stub, metadata = started.stub, started.metadata
    course = await stub.CreateCourse(
        pb.CreateCourseRequest(course=pb.Course(title="JS")), metadata=metadata
    )
    batch = await stub.CreateBatch(
        pb.CreateBatchRequest(batch=pb.Batch(course_id=course.id, name="B", type=1)),
        metadata=metadata,
    )
    request = pb.CreateSessionRequest(batch_id=batch.id, title="Intro")
    request.time_range.start_time.FromJsonString("2030-01-15T10:00:00Z")
    request.time_range.end_time.FromJsonString("2030-01-15T11:00:00Z")
    created = (await stub.CreateSession(request, metadata=metadata)).session
    assert created.zoom_meeting.meeting_id == 86_000_000_001
    return created


def stamp(value: datetime) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(value)
    return result


async def test_meeting_ended_on_rabbitmq_ends_the_session(
    tmp_path: Path, database_url: str, pg_schema: str, amqp_exchange, gateway_port: int
) -> None:
    async with scheduler(tmp_path, database_url, pg_schema, amqp_exchange, gateway_port) as it:
        created = await schedule(it)
        event_time = stamp(datetime(2030, 1, 15, 11, 2, tzinfo=UTC))
        ended = zoom.ZoomMeetingEnded(
            context=zoom.ZoomEventContext(event_time=event_time),
            meeting=zoom.ZoomMeetingObject(meeting_id=86_000_000_001),
            end_time=event_time,
        )
        envelope = Envelope.for_proto("zoom.meeting.ended", ended)
        await it.bus.publish([envelope, envelope])  # the second is a redelivery

        async def is_ended() -> bool:
            got = await it.stub.GetSession(
                pb.GetSessionRequest(session_id=created.id), metadata=it.metadata
            )
            return got.status == pb.SESSION_STATUS_ENDED

        await wait_until(is_ended, within=30, interval=0.2)
        await wait_until(
            lambda: it.service.consumer.applied + it.service.consumer.skipped == 2, within=30
        )
        assert it.service.consumer.applied == 1


async def test_zoom_side_reschedule_then_delete_on_rabbitmq(
    tmp_path: Path, database_url: str, pg_schema: str, amqp_exchange, gateway_port: int
) -> None:
    async with scheduler(tmp_path, database_url, pg_schema, amqp_exchange, gateway_port) as it:
        observed = EnvelopeCollector()
        await it.bus.subscribe(amqp_exchange.consumer("observer"), ["session.#"], observed)
        created = await schedule(it)
        moved_to = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
        update = zoom.ZoomMeetingUpdated(
            context=zoom.ZoomEventContext(event_time=stamp(datetime(2030, 1, 10, tzinfo=UTC))),
            meeting_id=86_000_000_001,
            scope=zoom.MEETING_CHANGE_SCOPE_ALL,
            changed_fields=["start_time"],
            new_values=zoom.ZoomMeetingFields(start_time=stamp(moved_to)),
            update_time=stamp(datetime(2030, 1, 10, tzinfo=UTC)),
        )
        delete = zoom.ZoomMeetingDeleted(
            context=zoom.ZoomEventContext(event_time=stamp(datetime(2030, 1, 11, tzinfo=UTC))),
            meeting=zoom.ZoomMeetingObject(meeting_id=86_000_000_001),
        )
        once = Envelope.for_proto("zoom.meeting.updated", update)
        await it.bus.publish([once, once])
        await it.bus.publish([Envelope.for_proto("zoom.meeting.deleted", delete)])
        received = await observed.wait_count(3, within=30)
        assert [e.type for e in received] == [
            "session.meeting_linked",
            "session.updated",
            "session.meeting_unlinked",
        ]
        got = await it.stub.GetSession(
            pb.GetSessionRequest(session_id=created.id), metadata=it.metadata
        )
        assert got.scheduled_start.ToDatetime(tzinfo=UTC) == moved_to
        assert not got.HasField("zoom_meeting")
        assert got.previous_zoom_meeting.meeting_id == 86_000_000_001
        assert [w.code for w in got.warnings] == [pb.Warning.CODE_ZOOM_MEETING_DELETED]
